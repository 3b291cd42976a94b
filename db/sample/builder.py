"""The sample registry under construction: rows per sheet, a seeded generator and helpers."""

import random
from datetime import date, timedelta
from typing import Any

from db.sample import data as D
from db.sheets import SHEETS

Row = dict[str, Any]


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes the 28th in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class SampleRegistry:
    """Builds the rows of every sheet from a seeded random generator."""

    def __init__(self, seed: int = D.SEED) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[str, list[Row]] = {sheet.alias: [] for sheet in SHEETS}
        self._phones = 0
        self._names: set[str] = set()
        self.buildings: list[Row] = []
        self.residents_by_building: dict[str, list[Row]] = {}

    # --- small helpers --------------------------------------------------------------------------

    def phone(self) -> str:
        """An 11-digit number starting 100: no Chinese mobile number does."""
        self._phones += 1
        return f"100{self._phones:08d}"

    def person(self) -> tuple[str, str]:
        """A unique plausible name and its gender."""
        while True:
            gender = self.rng.choice(("male", "female"))
            given = D.MALE_GIVEN if gender == "male" else D.FEMALE_GIVEN
            name = self.rng.choice(D.SURNAMES) + self.rng.choice(given)
            if name not in self._names:
                self._names.add(name)
                return name, gender

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def id_number(self, birth: date) -> str:
        """A well-formed 18-digit id number with the impossible division code 999999."""
        body = f"999999{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
        return body + check

    def add(self, alias: str, **values: Any) -> Row:
        self.rows[alias].append(values)
        return values

    # --- places ---------------------------------------------------------------------------------

    def places(self) -> None:
        self.add("streets", street_id="jifeng", name="稷峰街道", county="山西省运城市稷山县")
        for cid, name, population, road, compounds in D.COMMUNITIES:
            self.add(
                "communities",
                community_id=cid,
                name=name,
                street_id="jifeng",
                resident_population=population,
                address=f"稷山县稷峰街道{road}{self.rng.randint(1, 60) * 2}号",
            )
            for g, compound in enumerate(compounds, start=1):
                grid_id = f"{cid}-g{g}"
                self.add(
                    "grids",
                    grid_id=grid_id,
                    community_id=cid,
                    name=f"第{D.GRID_NUMERALS[g - 1]}网格",
                    branch_name=f"{name}第{D.GRID_NUMERALS[g - 1]}网格党支部",
                )
                number = self.rng.randint(10, 200)
                for b in range(1, self.rng.randint(3, 5) + 1):
                    building = self.add(
                        "buildings",
                        building_id=f"{grid_id}-b{b:02d}",
                        grid_id=grid_id,
                        number=f"{b}号楼",
                        address=f"稷山县稷峰街道{road}{number}号{compound}{b}号楼",
                        unit_count=self.rng.randint(2, 4),
                    )
                    building["community_id"] = cid
                    self.buildings.append(building)

    def home(self, building: Row) -> dict[str, Any]:
        unit = self.rng.randint(1, building["unit_count"])
        room = f"{self.rng.randint(1, 6)}0{self.rng.randint(1, 2)}"
        return {
            "community_id": building["community_id"],
            "building_id": building["building_id"],
            "unit": f"{unit}单元",
            "room": room,
            "address": f"{building['address']}{unit}单元{room}室",
        }
