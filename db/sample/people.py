"""Sample people: 300 Party members, central households and 50 community workers."""

from datetime import date, timedelta

from db.sample import data as D
from db.sample.builder import Row, SampleRegistry, years_after

RESIDENTS, CADRES = 230, 30
# Activities this year of each cadre: nine fall short of the 4 a year local practice asks for.
CADRE_ACTIVITIES_THIS_YEAR = (
    (0, 1, 1, 2, 2, 3, 3, 3, 3) + tuple(range(4, 10)) * 2 + tuple(range(4, 13))
)
CREDENTIALS = ("introduction_letter",) * 18 + ("certificate",) * 12 + ("activity_card",) * 10


def _member(sample: SampleRegistry, kind: str, born: tuple[int, int], building: Row) -> Row:
    name, gender = sample.person()
    birth = sample.day(date(born[0], 1, 1), date(born[1], 12, 31))
    joined = sample.day(years_after(birth, 19), min(D.AS_OF, years_after(birth, 45)))
    member = sample.add(
        "members",
        member_id=f"m{len(sample.rows['members']) + 1:04d}",
        name=name,
        gender=gender,
        birth_date=birth,
        kind=kind,
        phone=sample.phone(),
        id_number=sample.id_number(birth),
        joined_party_on=joined,
        **sample.home(building),
    )
    if kind == "resident":
        sample.residents_by_building.setdefault(building["building_id"], []).append(member)
    return member


def _residents(sample: SampleRegistry) -> None:
    buildings = sample.buildings
    for index in range(RESIDENTS):
        # Two residents in every building first, so every building can host a central household.
        if index < 2 * len(buildings):
            building = buildings[index % len(buildings)]
        else:
            building = sample.rng.choice(buildings)
        member = _member(sample, "resident", (1938, 1996), building)
        old = member["birth_date"].year < D.THIS_YEAR - 60
        member["occupation"] = "退休" if old else sample.rng.choice(D.RESIDENT_OCCUPATIONS[3:])


def _activities(sample: SampleRegistry, member: Row, year: int, count: int) -> None:
    start = date(year, 1, 6)
    end = min(date(year, 12, 20), D.AS_OF)
    days = sorted(sample.rng.sample(range((end - start).days), count))
    for offset in days:
        activity, category = sample.rng.choice(D.MEMBER_ACTIVITIES)
        sample.add(
            "member_activities",
            member_id=member["member_id"],
            community_id=member["community_id"],
            held_on=start + timedelta(days=offset),
            activity=activity,
            category=category,
            hours=sample.rng.choice((1.0, 1.5, 2.0, 2.5, 3.0, 4.0)),
        )


def _cadres(sample: SampleRegistry) -> None:
    employers = [
        o["org_id"]
        for o in sample.rows["organisations"]
        if o["type"] in {"agency", "institution", "state_enterprise"}
    ]
    for index, this_year in enumerate(CADRE_ACTIVITIES_THIS_YEAR):
        building = sample.rng.choice(sample.buildings)
        member = _member(sample, "in_service_cadre", (1968, 1998), building)
        member["employer_org_id"] = employers[index % len(employers)]
        member["position"] = sample.rng.choice(D.CADRE_POSITIONS)
        for year, share in ((D.LAST_YEAR, 0.85), (D.THIS_YEAR, 0.9)):
            if index < 3 or sample.rng.random() < share:
                sample.add(
                    "report_ins",
                    member_id=member["member_id"],
                    community_id=member["community_id"],
                    reported_on=sample.day(date(year, 3, 1), date(year, 4, 30)),
                )
        _activities(sample, member, D.LAST_YEAR, sample.rng.randint(2, 8))
        _activities(sample, member, D.THIS_YEAR, this_year)


def _floating(sample: SampleRegistry) -> None:
    occupations = [job for job, count in D.FLOATING_OCCUPATIONS for _ in range(count)]
    credentials = list(CREDENTIALS)
    sample.rng.shuffle(credentials)
    for occupation, credential in zip(occupations, credentials, strict=True):
        member = _member(sample, "floating", (1975, 2003), sample.rng.choice(sample.buildings))
        member["occupation"] = occupation
        member["credential"] = credential
        member["home_org"] = sample.rng.choice(D.HOME_ORGS)
        member["arrived_on"] = sample.day(date(D.LAST_YEAR, 2, 1), D.AS_OF - timedelta(days=20))


def _households(sample: SampleRegistry) -> None:
    """Two central households per grid; floating members and neighbours are put in their care."""
    by_grid: dict[str, list[Row]] = {}
    for building in sample.buildings:
        by_grid.setdefault(building["grid_id"], []).append(building)
    for grid_id, buildings in by_grid.items():
        households = []
        for building in buildings[:2]:
            host = sample.residents_by_building[building["building_id"]][0]
            households.append(
                sample.add(
                    "households",
                    household_id=f"hh-{building['building_id']}",
                    building_id=building["building_id"],
                    host_member_id=host["member_id"],
                    unit=host["unit"],
                    capacity=sample.rng.randint(4, 8),
                )
            )
        _assign(sample, grid_id, households)


def _assign(sample: SampleRegistry, grid_id: str, households: list[Row]) -> None:
    grid_members = [m for m in sample.rows["members"] if m["building_id"].startswith(f"{grid_id}-")]
    hosts = {h["host_member_id"] for h in households}
    floating = [m for m in grid_members if m["kind"] == "floating" and sample.rng.random() < 0.75]
    residents = [m for m in grid_members if m["kind"] == "resident" and m["member_id"] not in hosts]
    for number, household in enumerate(households):
        # The first household of every other grid is full; the others keep places to spare.
        full = number == 0 and grid_id.endswith(("1", "3"))
        target = household["capacity"] if full else household["capacity"] - sample.rng.randint(1, 3)
        taken = 0
        while taken < target and (floating or residents):
            member = floating.pop(0) if floating else residents.pop(0)
            start = member.get("arrived_on") or date(D.LAST_YEAR, 3, 1)
            sample.add(
                "household_assignments",
                household_id=household["household_id"],
                member_id=member["member_id"],
                assigned_on=min(start + timedelta(days=sample.rng.randint(3, 20)), D.AS_OF),
            )
            taken += 1


def _workers(sample: SampleRegistry) -> None:
    """50 workers reproducing the seed: 10% bachelor or above, 30% Party, 4% certificate."""
    # Pools for the 47 workers besides the secretaries (who hold associate degrees).
    educations = ["bachelor"] * 4 + ["master"] + ["associate"] * 22 + ["vocational"] * 12
    educations += ["senior_high"] * 8
    # The secretaries and their deputies (党委副书记) are Party members: 6 of the 15.
    party = [True] * 9 + [False] * 35
    certificates = [True] * 2 + [False] * 45
    for pool in (educations, party, certificates):
        sample.rng.shuffle(pool)
    secretaries_born = (date(1962, 3, 15), date(1963, 8, 2), date(1964, 11, 20))
    sizes = (17, 17, 16)
    for (cid, *_), size, born in zip(D.COMMUNITIES, sizes, secretaries_born, strict=True):
        for index in range(size):
            name, gender = sample.person()
            post = "head" if index == 0 else "deputy" if index < 3 else "staff"
            if post == "head":
                birth, grade, title = born, sample.rng.randint(11, 16), "党委书记、居委会主任"
                education, member, certificate = "associate", True, False
            elif post == "deputy":
                birth = sample.day(date(1968, 1, 1), date(1990, 12, 31))
                grade, title = sample.rng.randint(4, 12), ("党委副书记", "居委会副主任")[index - 1]
                education, certificate = educations.pop(), certificates.pop()
                member = True if index == 1 else party.pop()
            else:
                birth = sample.day(date(1968, 1, 1), date(2000, 12, 31))
                grade, title = sample.rng.randint(1, 9), sample.rng.choice(D.WORKER_TITLES)
                education, member, certificate = educations.pop(), party.pop(), certificates.pop()
            hired = sample.day(years_after(birth, 22), date(D.THIS_YEAR, 6, 30))
            sample.add(
                "workers",
                worker_id=f"w-{cid}-{index + 1:02d}",
                name=name,
                gender=gender,
                birth_date=birth,
                community_id=cid,
                post=post,
                title=title,
                education=education,
                is_party_member=member,
                has_social_work_cert=certificate,
                grade=grade,
                hired_on=hired,
                phone=sample.phone(),
            )


def add_people(sample: SampleRegistry) -> None:
    """Members (residents, cadres, floating), central households and community workers."""
    _residents(sample)
    _cadres(sample)
    _floating(sample)
    _households(sample)
    _workers(sample)
    for member in sample.rows["members"]:
        if member["kind"] == "resident" and sample.rng.random() < 0.25:
            _activities(sample, member, D.THIS_YEAR, sample.rng.randint(1, 3))
