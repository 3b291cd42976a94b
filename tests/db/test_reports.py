"""The workforce-structure report on the sample registry, and how P4's changes show in it."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.reports import workforce_report
from db.sample import load_sample_registry
from db.sample.data import AS_OF, THIS_YEAR
from db.workforce import apply_worker_change, record_assessment, record_departure, roster_on
from models.community_worker import AssessmentRecordInput, WorkerChangeInput, WorkerHire
from rules.engine.loader import load_folder
from rules.engine.ruleset import RuleSet

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_folder(RULES_DIR)


async def test_report_reproduces_the_seed_baseline_against_the_targets(
    session: AsyncSession, rules: RuleSet
) -> None:
    """The sample shows the seed's figures — secretaries over 60, 10%, 30%, 4% — and the targets."""
    await load_sample_registry(session)
    report = await workforce_report(session, rules, year=THIS_YEAR, as_of=AS_OF)

    figures = {f.name: f for f in report.overall.figures}
    assert {name: f.actual for name, f in figures.items()} == {
        "secretary_average_age": 63.0,
        "bachelor_share": 0.1,
        "party_member_share": 0.3,
        "certificate_share": 0.04,
        "workers_per_10k_residents": 16.23,
    }
    assert {name: f.target for name, f in figures.items()} == {
        "secretary_average_age": 50,
        "bachelor_share": 0.5,
        "party_member_share": 0.6,
        "certificate_share": 0.5,
        "workers_per_10k_residents": 18,
    }
    assert figures["secretary_average_age"].baseline == 60
    assert figures["certificate_share"].baseline == 0.04
    assert figures["secretary_average_age"].ceiling
    assert not any(f.meets for f in figures.values())
    assert report.overall.residents == 30_800
    assert report.rule_version == rules.version
    assert {(c.name, c.workers, c.secretaries, c.over_max) for c in report.communities} == {
        ("稷王社区", 17, 1, False),
        ("新华社区", 17, 1, False),
        ("汾河社区", 16, 1, False),
    }
    fenhe = next(c for c in report.communities if c.community_id == "fenhe")
    assert fenhe.figure("workers_per_10k_residents").meets is True  # 16 for 8,400 residents
    assert [p.year for p in report.trend] == [2022, 2023, 2024, 2025, 2026]
    workers = [p.workers for p in report.trend]
    assert workers == sorted(workers)
    assert workers[-1] == 50
    assert report.trend[-1].figures == {name: f.actual for name, f in figures.items()}


async def test_changes_the_cases_record_count_from_their_day(
    session: AsyncSession, rules: RuleSet
) -> None:
    """A step, a new Party member and a hire next year leave this year's figures as they were."""
    await load_sample_registry(session)
    staff = [w for w in await queries.workers_by_community(session, "jiwang") if w.post == "staff"]
    worker = next(w for w in staff if not w.is_party_member)
    grade, on = worker.grade, date(THIS_YEAR + 1, 3, 1)
    stepped = await apply_worker_change(
        session,
        WorkerChangeInput(
            worker_id=worker.id, case_id="c1", on=on, grade=grade + 1, party_member=True
        ),
    )
    hire = WorkerHire(
        name="新人",
        community_id="jiwang",
        birth_date=date(2000, 1, 1),
        education="master",
        post="staff",
        party_member=True,
    )
    hired = await apply_worker_change(
        session, WorkerChangeInput(worker_id="w-new", case_id="c2", on=on, grade=3, hire=hire)
    )
    incomplete = await apply_worker_change(
        session,
        WorkerChangeInput(
            worker_id="w-x", case_id="c3", on=on, hire=WorkerHire(post="staff", education="x")
        ),
    )
    await session.commit()

    assert stepped.changes == ["grade", "party_member"]
    assert hired.changes == ["hired"]
    assert not incomplete.applied
    assert incomplete.reason == "缺少姓名、所属社区、出生日期、可识别的学历（x）"
    then = {w.worker_id: w for w in await roster_on(session, AS_OF)}
    assert "w-new" not in then
    assert (then[worker.id].grade, then[worker.id].party_member) == (grade, False)
    before = await workforce_report(session, rules, year=THIS_YEAR, as_of=AS_OF)
    assert before.overall.figure("party_member_share").actual == 0.3
    after = await workforce_report(session, rules, year=THIS_YEAR + 1, as_of=on)
    assert after.overall.workers == 51
    assert after.overall.figure("party_member_share").actual == round(17 / 51, 4)
    assert after.overall.figure("bachelor_share").actual == round(6 / 51, 4)
    assert [(p.year, p.workers) for p in after.trend][-2:] == [(THIS_YEAR, 50), (THIS_YEAR + 1, 51)]
    assert after.trend[-2].figures["party_member_share"] == 0.3


async def test_assessment_tiers_are_kept_and_counted_per_community(session: AsyncSession) -> None:
    """Each worker's tier is kept once a year; the community's 优秀 are counted for the cap."""
    await load_sample_registry(session)
    workers = await queries.workers_by_community(session, "xinhua")
    counts = []
    for worker, tier in zip(workers[:3], ("优秀", "优秀", "称职"), strict=True):
        record = AssessmentRecordInput(
            worker_id=worker.id,
            case_id=f"community_worker/{worker.id}",
            year=THIS_YEAR,
            tier=tier,
            community_id="xinhua",
            count_tier="优秀",
        )
        counts.append(await record_assessment(session, record))
    again = record.model_copy(update={"tier": "优秀"})
    counts.append(await record_assessment(session, again))
    await session.commit()
    assert [(c.tier_count, c.workers) for c in counts] == [(1, 17), (2, 17), (2, 17), (3, 17)]


async def test_a_departed_worker_no_longer_counts_in_the_community_size(
    session: AsyncSession,
) -> None:
    """The 优秀 cap is a share of the workers still in service: one who left is not counted."""
    await load_sample_registry(session)
    workers = await queries.workers_by_community(session, "xinhua")
    leaver = workers[-1].id
    await record_departure(
        session, leaver, f"community_worker/{leaver}", date(THIS_YEAR, 6, 30), "退休"
    )
    record = AssessmentRecordInput(
        worker_id=workers[0].id,
        case_id=f"community_worker/{workers[0].id}",
        year=THIS_YEAR,
        tier="优秀",
        community_id="xinhua",
        count_tier="优秀",
    )
    counted = await record_assessment(session, record)
    assert (counted.tier_count, counted.workers) == (1, 16)
