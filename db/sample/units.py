"""Sample organisations, their 大党委 spells and their part in big-committee activities."""

import string
from datetime import date

from db.sample import data as D
from db.sample.builder import Row, SampleRegistry

_CODE_CHARS = string.digits + "ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(sample: SampleRegistry, prefix: str) -> str | None:
    if not prefix:
        return None
    tail = "".join(sample.rng.choice(_CODE_CHARS) for _ in range(10))
    return f"{prefix}140824{tail}"


def _join_date(sample: SampleRegistry, this_year: bool, resident_unit: bool) -> date:
    if this_year:
        return sample.day(date(D.THIS_YEAR, 1, 5), D.AS_OF.replace(month=10))
    if resident_unit and sample.rng.random() < 0.4:
        return sample.day(date(D.LAST_YEAR - 1, 3, 1), date(D.LAST_YEAR - 1, 12, 20))
    return sample.day(date(D.LAST_YEAR, 1, 5), date(D.LAST_YEAR, 12, 20))


def add_organisations(sample: SampleRegistry) -> None:
    """About 60 organisations of every type; blind-spot types are mostly outside the 大党委."""
    communities = [c[0] for c in D.COMMUNITIES]
    roads = {c[0]: c[3] for c in D.COMMUNITIES}
    number = 0
    for org_type, (
        names,
        inside,
        joined_this_year,
        party,
        liaison,
        prefix,
    ) in D.ORGANISATIONS.items():
        resident_unit = org_type in {"agency", "institution", "state_enterprise"}
        for index, name in enumerate(names):
            number += 1
            community = communities[(number + index) % len(communities)]
            registered = sample.day(date(1995, 1, 1), date(D.LAST_YEAR - 1, 12, 31))
            if org_type in {"individual_business", "new_sector_org"} and index == len(names) - 1:
                registered = date(D.THIS_YEAR, 4, 8 + number % 20)  # new this year, not yet inside
            person, _ = sample.person()
            is_inside = index < inside
            joined = _join_date(sample, index < joined_this_year, resident_unit)
            sample.add(
                "organisations",
                org_id=f"org{number:02d}",
                name=name,
                type=org_type,
                community_id=community,
                registered_on=registered,
                credit_code=_credit_code(sample, prefix),
                address=f"稷山县稷峰街道{roads[community]}{sample.rng.randint(1, 300)}号",
                has_party_org=index < party,
                has_liaison=index >= party and index - party < liaison,
                contact_person=person,
                contact_phone=sample.phone(),
                in_big_committee=is_inside,
                joined_on=max(joined, registered) if is_inside else None,
            )
    _past_spells(sample)
    _org_activities(sample)


def _past_spells(sample: SampleRegistry) -> None:
    """Two organisations that joined last year and have left since: the history is kept."""
    leavers = {
        "property_company": date(D.LAST_YEAR, 12, 31),
        "individual_business": date(D.THIS_YEAR, 3, 15),
    }
    for org in sample.rows["organisations"]:
        left = leavers.pop(org["type"], None) if not org["in_big_committee"] else None
        if left is not None:
            sample.add(
                "memberships",
                org_id=org["org_id"],
                community_id=org["community_id"],
                joined_on=date(D.LAST_YEAR, 4, 10),
                left_on=left,
            )


def _inside_on(org: Row, day: date) -> bool:
    joined = org["joined_on"]
    return bool(org["in_big_committee"]) and joined is not None and joined <= day


def _org_activities(sample: SampleRegistry) -> None:
    for year in (D.LAST_YEAR, D.THIS_YEAR):
        for activity, month, day in D.ORG_ACTIVITIES:
            held = date(year, month, day)
            if held > D.AS_OF:
                continue
            for org in sample.rows["organisations"]:
                if _inside_on(org, held) and sample.rng.random() < 0.55:
                    sample.add(
                        "org_activities",
                        org_id=org["org_id"],
                        community_id=org["community_id"],
                        held_on=held,
                        activity=activity,
                    )
