"""The public board of members' commitments, and the commitment as evidence for P1."""

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.workforce import WorkforceActivities
from db import queries
from db.board import public_board
from db.commitments import commitment_result, upsert_commitment
from db.sample import load_sample_registry
from db.sample.data import THIS_YEAR
from db.vocab import MemberKind
from models.commitment import (
    BoardItemRecord,
    CommitmentRecordInput,
    MemberProfileInput,
    QuarterProgress,
    ServiceRecordInput,
)

ITEMS = [
    BoardItemRecord(category="policy_publicity", label="政策宣传", content="每月宣讲一次"),
    BoardItemRecord(category="voluntary_labour", label="义务劳动", content="每季度清扫一次"),
]


def _commitment(member_id: str, status: str, **extra: object) -> CommitmentRecordInput:
    published = datetime(THIS_YEAR, 2, 1, 1, tzinfo=UTC) if status != "under_review" else None
    return CommitmentRecordInput(
        member_id=member_id,
        year=THIS_YEAR,
        case_id=f"commitment/{member_id}/{THIS_YEAR}",
        status=status,
        community_id="jiwang",
        post="在职党员志愿者",
        items=ITEMS,
        published_at=published,
        **extra,
    )


def _service(member_id: str, key: str, category: str, hours: float) -> ServiceRecordInput:
    return ServiceRecordInput(
        member_id=member_id,
        year=THIS_YEAR,
        case_id=f"commitment/{member_id}/{THIS_YEAR}",
        event_key=key,
        community_id="jiwang",
        held_on=date(THIS_YEAR, 3, 5),
        category=category,
        category_label={"policy_publicity": "政策宣传", "voluntary_labour": "义务劳动"}[category],
        hours=hours,
        evidence=["签到表.jpg"],
    )


async def test_public_board_shows_published_commitments_and_nothing_private(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Residents see name, post, items and hours of published commitments; no phone or ID."""
    activities = WorkforceActivities(sessions)
    async with sessions() as session:
        await load_sample_registry(session)
        cadres = await queries.find_members(
            session, community_id="jiwang", kind=MemberKind.IN_SERVICE_CADRE
        )
    shown, waiting = cadres[0], cadres[1]
    quarter = QuarterProgress(
        quarter=1,
        at=datetime(THIS_YEAR, 3, 31, 16, tzinfo=UTC),
        hours=2,
        logs=1,
        items_with_service=1,
        alerts=["连续 90 天无服务记录"],
    )
    await activities.record_commitment(_commitment(shown.id, "published", progress=[quarter]))
    await activities.record_commitment(_commitment(waiting.id, "under_review"))
    await activities.record_service(_service(shown.id, "src#1", "policy_publicity", 2))
    await activities.record_service(_service(shown.id, "src#2", "policy_publicity", 1.5))
    async with sessions() as session:
        board = await public_board(session, None, THIS_YEAR)
        elsewhere = await public_board(session, "fenhe", THIS_YEAR)

    assert [e.name for e in board.entries] == [shown.name]
    [entry] = board.entries
    assert (entry.post, entry.community_name) == ("在职党员志愿者", "稷王社区")
    assert [(i.label, i.content, i.hours, i.entries) for i in entry.items] == [
        ("政策宣传", "每月宣讲一次", 3.5, 2),
        ("义务劳动", "每季度清扫一次", 0.0, 0),
    ]
    progress = entry.progress
    assert (progress.hours, progress.items_with_service, progress.items) == (3.5, 1, 2)
    assert progress.last_service_on == date(THIS_YEAR, 3, 5)
    assert [(q.quarter, q.hours) for q in progress.quarters] == [(1, 2.0)]
    assert (board.members, board.hours) == (1, 3.5)
    assert elsewhere.entries == []
    text = board.model_dump_json()
    for private in (shown.phone, shown.id_number, shown.id, shown.address, "连续 90 天"):
        assert private
        assert private not in text


async def test_service_and_result_are_evidence_for_the_cadres_assessment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Logged service counts as community activity with its hours; the year's grade is readable."""
    activities = WorkforceActivities(sessions)
    async with sessions() as session:
        await load_sample_registry(session)
        [cadre, *_] = await queries.find_members(
            session, community_id="xinhua", kind=MemberKind.IN_SERVICE_CADRE
        )
        before = await queries.cadre_evidence(session, cadre.id, THIS_YEAR)
    first = await activities.record_service(_service(cadre.id, "src#9", "voluntary_labour", 2))
    again = await activities.record_service(_service(cadre.id, "src#9", "voluntary_labour", 2))
    stranger = await activities.record_service(_service("nobody", "src#10", "voluntary_labour", 1))
    evaluated = _commitment(cadre.id, "closed", score=91.5, grade="优秀", scores={"self": 90})
    await activities.record_commitment(evaluated)
    async with sessions() as session:
        after = await queries.cadre_evidence(session, cadre.id, THIS_YEAR)
        result = await commitment_result(session, cadre.id, THIS_YEAR)
        none = await commitment_result(session, cadre.id, THIS_YEAR - 1)
        renamed = await upsert_commitment(
            session, _commitment("nobody", "published", name_hint="甲")
        )

    assert (first.recorded, first.counted_as_activity) == (True, True)
    assert (again.recorded, again.counted_as_activity) == (False, False)
    assert (stranger.recorded, stranger.counted_as_activity) == (True, False)
    assert after.activities == before.activities + 1
    assert after.hours == before.hours + 2
    assert result is not None
    assert (result.grade, result.score, result.hours, result.logs) == ("优秀", 91.5, 2.0, 1)
    assert none is None
    assert renamed.name == "甲"
    profile = await activities.member_profile(MemberProfileInput(member_id=cadre.id))
    assert profile.known
    assert profile.community_id == "xinhua"
