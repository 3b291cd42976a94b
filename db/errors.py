"""Errors of the database layer: the registry's domain errors and import failures."""

from dataclasses import dataclass
from datetime import date


class RegistryError(Exception):
    """Base error of the registry."""


class UnknownReference(RegistryError):
    """A record names something the registry does not hold."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"unknown {kind}: {key!r}")


class InvalidRecord(RegistryError):
    """A record breaks a rule that spans fields (e.g. a floating member without a credential)."""


class ForeignCommunity(InvalidRecord):
    """A 大党委 join names a community other than the organisation's own."""

    field = "community_id"

    def __init__(self, org_id: str, community_id: str, own: str) -> None:
        self.org_id = org_id
        self.community_id = community_id
        self.own = own
        super().__init__(
            f"organisation {org_id!r} belongs to community {own!r}: it joins that community's "
            f"大党委, not {community_id!r}"
        )


class InvalidPeriod(RegistryError):
    """A report asked for changes since a day after the report's own day."""

    def __init__(self, since: date, at: date) -> None:
        self.since = since
        self.at = at
        super().__init__(f"since {since.isoformat()} is after at {at.isoformat()}")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an import file: a cell, a row (no column) or the sheet itself (no row)."""

    where: str
    row: int | None
    column: str
    message: str

    def format(self) -> str:
        """``组织!第12行 组织类型: 未知的组织类型 "个体户"; 可选: …``."""
        place = self.where if self.row is None else f"{self.where}!第{self.row}行"
        column = f" {self.column}" if self.column else ""
        return f"{place}{column}: {self.message}"


class ImportRejected(RegistryError):
    """A file was refused and nothing was written; ``errors`` lists every problem found."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        lines = [f"{source}: {len(errors)} 处错误，未写入任何数据"]
        lines += [error.format() for error in errors]
        super().__init__("\n".join(lines))
