"""Registry queries about places and organisations: the four levels and the 大党委 coverage."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.errors import ForeignCommunity, InvalidPeriod, UnknownReference
from db.records import (
    BuildingRecord,
    CommunityRecord,
    GridRecord,
    MembershipRecord,
    OrgActivityRecord,
    OrganisationRecord,
    OrganisationUpdate,
    Record,
    StreetRecord,
)
from db.tables import (
    BigCommitteeActivity,
    BigCommitteeMembership,
    Building,
    Community,
    Grid,
    Organisation,
    Street,
)
from db.vocab import OrgType

_Row = TypeVar("_Row", bound=Base)


@dataclass(frozen=True, slots=True)
class OrgRef:
    """An organisation as a report lists it."""

    org_id: str
    name: str
    type: OrgType


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """大党委 coverage of one organisation type in one community at a date."""

    community_id: str
    community_name: str
    org_type: OrgType
    total: int
    members: int
    outside: tuple[OrgRef, ...]
    joined_since: tuple[OrgRef, ...] = ()
    left_since: tuple[OrgRef, ...] = ()

    @property
    def share(self) -> float:
        """Members as a share of all organisations of the type (1.0 when there are none)."""
        return self.members / self.total if self.total else 1.0


async def require(session: AsyncSession, model: type[_Row], key: str, kind: str) -> _Row:
    """The row of ``model`` with primary key ``key``, or UnknownReference naming ``kind``."""
    row = await session.get(model, key)
    if row is None:
        raise UnknownReference(kind, key)
    return row


def _columns(
    record: Record, exclude: set[str], rename: dict[str, str], given: bool
) -> dict[str, Any]:
    data = record.model_dump(exclude=exclude, exclude_unset=given)
    return {
        rename.get(name, name): value.value if isinstance(value, StrEnum) else value
        for name, value in data.items()
    }


async def put(
    session: AsyncSession,
    model: type[_Row],
    key: str,
    record: Record,
    exclude: set[str],
    rename: dict[str, str] | None = None,
) -> _Row:
    """Insert a row from ``record``, or overwrite the stored one with the fields it was given."""
    rename = rename or {}
    row = await session.get(model, key)
    if row is None:
        row = model(id=key, **_columns(record, exclude, rename, given=False))
        session.add(row)
    else:
        for column, value in _columns(record, exclude, rename, given=True).items():
            setattr(row, column, value)
    return row


# --- The four levels ----------------------------------------------------------------------------


async def upsert_street(session: AsyncSession, record: StreetRecord) -> Street:
    """Create or update a street (街道)."""
    return await put(session, Street, record.street_id, record, {"street_id"})


async def upsert_community(session: AsyncSession, record: CommunityRecord) -> Community:
    """Create or update a community under a known street."""
    await require(session, Street, record.street_id, "street")
    return await put(session, Community, record.community_id, record, {"community_id"})


async def upsert_grid(session: AsyncSession, record: GridRecord) -> Grid:
    """Create or update a grid (网格) of a known community."""
    await require(session, Community, record.community_id, "community")
    return await put(session, Grid, record.grid_id, record, {"grid_id"})


async def upsert_building(session: AsyncSession, record: BuildingRecord) -> Building:
    """Create or update a building (楼栋) of a known grid."""
    await require(session, Grid, record.grid_id, "grid")
    return await put(session, Building, record.building_id, record, {"building_id"})


async def list_communities(session: AsyncSession, street_id: str | None = None) -> list[Community]:
    """Communities, by name; those of one street when ``street_id`` is given."""
    query = select(Community).order_by(Community.name)
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    return list((await session.scalars(query)).all())


async def registry_is_empty(session: AsyncSession) -> bool:
    """Whether no street has been registered yet (a fresh installation)."""
    return (await session.scalar(select(func.count()).select_from(Street))) == 0


# --- Organisations ------------------------------------------------------------------------------


async def get_organisation(session: AsyncSession, org_id: str) -> Organisation | None:
    """The organisation with this id, if registered."""
    return await session.get(Organisation, org_id)


async def list_organisations(
    session: AsyncSession,
    *,
    community_id: str | None = None,
    org_type: OrgType | None = None,
) -> list[Organisation]:
    """Organisations, by name, optionally of one community and one type."""
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if community_id is not None:
        query = query.where(Organisation.community_id == community_id)
    if org_type is not None:
        query = query.where(Organisation.type == org_type.value)
    return list((await session.scalars(query)).all())


async def upsert_organisation(session: AsyncSession, record: OrganisationRecord) -> Organisation:
    """Register an organisation, or overwrite it (``org.registered``)."""
    await require(session, Community, record.community_id, "community")
    return await put(session, Organisation, record.org_id, record, {"org_id"})


async def update_organisation(session: AsyncSession, update: OrganisationUpdate) -> Organisation:
    """Change the fields ``org.updated`` gives; UnknownReference if the org is not registered."""
    org = await require(session, Organisation, update.org_id, "organisation")
    changes = update.model_dump(exclude={"org_id"}, exclude_unset=True)
    if changes.get("community_id") is not None:
        await require(session, Community, changes["community_id"], "community")
    if changes.get("type") is not None:
        changes["type"] = OrgType(changes["type"]).value
    for column, value in changes.items():
        if value is not None:
            setattr(org, column, value)
    return org


# --- The big Party committee --------------------------------------------------------------------


def _in_force(at: date) -> ColumnElement[bool]:
    return and_(
        BigCommitteeMembership.joined_on <= at,
        or_(BigCommitteeMembership.left_on.is_(None), BigCommitteeMembership.left_on > at),
    )


def _registered_by(at: date) -> ColumnElement[bool]:
    return or_(Organisation.registered_on.is_(None), Organisation.registered_on <= at)


async def membership_history(session: AsyncSession, org_id: str) -> list[BigCommitteeMembership]:
    """Every spell of an organisation in a 大党委, oldest first."""
    query = (
        select(BigCommitteeMembership)
        .where(BigCommitteeMembership.org_id == org_id)
        .order_by(BigCommitteeMembership.joined_on, BigCommitteeMembership.id)
    )
    return list((await session.scalars(query)).all())


async def membership_at(
    session: AsyncSession, org_id: str, at: date
) -> BigCommitteeMembership | None:
    """The spell in force on ``at`` in the 大党委 of the organisation's own community, if any.

    A spell in another community's 大党委 does not count, as in the coverage report.
    """
    query = (
        select(BigCommitteeMembership)
        .join(Organisation, Organisation.id == BigCommitteeMembership.org_id)
        .where(
            BigCommitteeMembership.org_id == org_id,
            BigCommitteeMembership.community_id == Organisation.community_id,
            _in_force(at),
        )
    )
    return (await session.scalars(query.limit(1))).first()


async def join_big_committee(
    session: AsyncSession, record: MembershipRecord
) -> BigCommitteeMembership:
    """Record ``org.joined_big_committee``: an organisation joins its own community's 大党委
    (ForeignCommunity otherwise), which ends an open spell elsewhere."""
    org = await require(session, Organisation, record.org_id, "organisation")
    await require(session, Community, record.community_id, "community")
    if record.community_id != org.community_id:
        raise ForeignCommunity(record.org_id, record.community_id, org.community_id)
    return await _add_spell(session, record)


async def record_membership(
    session: AsyncSession, record: MembershipRecord
) -> BigCommitteeMembership:
    """Record a spell as a history file gives it, in whichever community it names (an
    organisation that moved keeps its spells in its former community's 大党委)."""
    await require(session, Organisation, record.org_id, "organisation")
    await require(session, Community, record.community_id, "community")
    return await _add_spell(session, record)


async def _add_spell(session: AsyncSession, record: MembershipRecord) -> BigCommitteeMembership:
    """The spell for ``record`` (its organisation and community known to exist)."""
    # A repeat, or a join while already inside that community's 大党委, changes nothing but a
    # ``left_on`` the record gives (import files carry ended spells that way).
    history = await membership_history(session, record.org_id)
    for spell in history:
        same = spell.community_id == record.community_id
        if same and (spell.joined_on == record.joined_on or spell.left_on is None):
            if record.left_on is not None:
                spell.left_on = record.left_on
            return spell
    for spell in history:
        if spell.left_on is None and spell.joined_on <= record.joined_on:
            spell.left_on = record.joined_on
    spell = BigCommitteeMembership(
        org_id=record.org_id,
        community_id=record.community_id,
        joined_on=record.joined_on,
        left_on=record.left_on,
    )
    session.add(spell)
    return spell


async def leave_big_committee(
    session: AsyncSession, org_id: str, left_on: date, community_id: str | None = None
) -> BigCommitteeMembership | None:
    """End the open spell (in ``community_id``'s 大党委, if given) on ``left_on``; None if none."""
    for spell in await membership_history(session, org_id):
        in_community = community_id is None or spell.community_id == community_id
        if spell.left_on is None and spell.joined_on <= left_on and in_community:
            spell.left_on = left_on
            return spell
    return None


async def record_org_activity(
    session: AsyncSession, record: OrgActivityRecord
) -> BigCommitteeActivity:
    """Record an organisation's part in a big-committee activity (once per org, day and name)."""
    await require(session, Organisation, record.org_id, "organisation")
    query = select(BigCommitteeActivity).where(
        BigCommitteeActivity.org_id == record.org_id,
        BigCommitteeActivity.held_on == record.held_on,
        BigCommitteeActivity.activity == record.activity,
    )
    row = (await session.scalars(query)).first()
    if row is None:
        row = BigCommitteeActivity(**record.model_dump())
        session.add(row)
    else:
        row.community_id = record.community_id
    return row


async def org_activity_count(session: AsyncSession, org_id: str, year: int) -> int:
    """How many big-committee activities the organisation took part in during ``year``."""
    query = select(func.count()).where(
        BigCommitteeActivity.org_id == org_id,
        BigCommitteeActivity.held_on >= date(year, 1, 1),
        BigCommitteeActivity.held_on <= date(year, 12, 31),
    )
    return int(await session.scalar(query) or 0)


async def _orgs_by_membership(
    session: AsyncSession, community_id: str, at: date, org_type: OrgType | None, inside: bool
) -> list[Organisation]:
    spell = exists().where(
        BigCommitteeMembership.org_id == Organisation.id,
        BigCommitteeMembership.community_id == community_id,
        _in_force(at),
    )
    query = select(Organisation).where(
        Organisation.community_id == community_id, _registered_by(at), spell if inside else ~spell
    )
    if org_type is not None:
        query = query.where(Organisation.type == org_type.value)
    return list((await session.scalars(query.order_by(Organisation.type, Organisation.name))).all())


async def big_committee_members(
    session: AsyncSession, community_id: str, at: date, org_type: OrgType | None = None
) -> list[Organisation]:
    """Organisations of the community inside its 大党委 on ``at``."""
    return await _orgs_by_membership(session, community_id, at, org_type, inside=True)


async def big_committee_non_members(
    session: AsyncSession, community_id: str, at: date, org_type: OrgType | None = None
) -> list[Organisation]:
    """Organisations of the community registered by ``at`` but outside its 大党委 then."""
    return await _orgs_by_membership(session, community_id, at, org_type, inside=False)


async def coverage(
    session: AsyncSession,
    at: date,
    *,
    since: date | None = None,
    community_id: str | None = None,
) -> list[CoverageRow]:
    """Per community and org type: who is in the 大党委 on ``at``, who is not, and who joined
    and who left since ``since``: members on ``since`` + joined − left = members on ``at``.

    InvalidPeriod if ``since`` is after ``at``; UnknownReference for an unknown ``community_id``.
    """
    if since is not None and since > at:
        raise InvalidPeriod(since, at)
    if community_id is not None:
        await require(session, Community, community_id, "community")
    communities = {c.id: c for c in await list_communities(session)}
    orgs = await session.scalars(select(Organisation).where(_registered_by(at)))
    spells = (await session.scalars(select(BigCommitteeMembership))).all()
    by_org: dict[str, list[BigCommitteeMembership]] = {}
    for spell in spells:
        by_org.setdefault(spell.org_id, []).append(spell)

    def member(org: Organisation, day: date) -> bool:
        return any(
            s.community_id == org.community_id
            and s.joined_on <= day
            and (s.left_on is None or s.left_on > day)
            for s in by_org.get(org.id, ())
        )

    groups: dict[tuple[str, OrgType], list[Organisation]] = {}
    for org in orgs:
        if community_id is None or org.community_id == community_id:
            groups.setdefault((org.community_id, OrgType(org.type)), []).append(org)
    order = list(OrgType)
    rows = []
    for (cid, org_type), group in sorted(
        groups.items(), key=lambda item: (communities[item[0][0]].name, order.index(item[0][1]))
    ):
        group.sort(key=lambda o: (o.name, o.id))
        now = {o.id for o in group if member(o, at)}
        then = {o.id for o in group if member(o, since)} if since is not None else now
        inside = [o for o in group if o.id in now]
        joined = [o for o in inside if o.id not in then]
        left = [o for o in group if o.id in then and o.id not in now]
        rows.append(
            CoverageRow(
                community_id=cid,
                community_name=communities[cid].name,
                org_type=org_type,
                total=len(group),
                members=len(inside),
                outside=tuple(_ref(o) for o in group if o.id not in now),
                joined_since=tuple(_ref(o) for o in joined),
                left_since=tuple(_ref(o) for o in left),
            )
        )
    return rows


def _ref(org: Organisation) -> OrgRef:
    return OrgRef(org_id=org.id, name=org.name, type=OrgType(org.type))
