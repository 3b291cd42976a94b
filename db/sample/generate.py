"""Write the sample registry's CSV files, the same every run: ``python -m db.sample.generate``."""

import csv
from collections.abc import Iterator
from pathlib import Path

from db.sample.builder import Row, SampleRegistry
from db.sample.people import add_people
from db.sample.units import add_organisations
from db.sheets import SHEETS

OUT_DIR = Path(__file__).parent / "registry"


def _rows_as_text(sheet_alias: str, rows: list[Row], names: dict[str, str]) -> Iterator[list[str]]:
    sheet = next(s for s in SHEETS if s.alias == sheet_alias)
    yield list(sheet.headers)
    # In key order, as an export writes them.
    for row in sorted(rows, key=lambda r: tuple(r[f] for f in sheet.key)):
        cells = []
        for column in sheet.columns:
            value = row.get(column.field)
            if column.ref in {"street", "community"} and value is not None:
                value = names.get(value, value)
            cells.append(column.type.to_text(value))
        yield cells


def write_csv(sample: SampleRegistry, directory: Path = OUT_DIR) -> None:
    """Write one CSV per sheet, named by its English alias, with streets and communities by name."""
    directory.mkdir(parents=True, exist_ok=True)
    names = {r["street_id"]: r["name"] for r in sample.rows["streets"]}
    names.update({r["community_id"]: r["name"] for r in sample.rows["communities"]})
    for alias, rows in sample.rows.items():
        with (directory / f"{alias}.csv").open("w", newline="", encoding="utf-8-sig") as file:
            csv.writer(file, lineterminator="\n").writerows(_rows_as_text(alias, rows, names))


def build() -> SampleRegistry:
    """The whole sample registry, built in dependency order."""
    sample = SampleRegistry()
    sample.places()
    add_organisations(sample)
    add_people(sample)
    return sample


if __name__ == "__main__":
    write_csv(build())
    print(f"sample registry written to {OUT_DIR}")
