"""The sample registry's cases on a first start of the run command, and none added by a restart."""

import asyncio
import csv
import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from api.routing import EventRouter
from cli.sample_cases import start_sample_cases
from cli.stack import prepare_database
from db.commitments import commitment_result, sample_service_events
from db.sample import SAMPLE_DIR
from db.sample_cases import SamplePlan, plan_sample_cases
from settings import Settings
from tests.cli.test_stack import Stack
from worker import build_worker, worker_dependencies

pytestmark = pytest.mark.e2e


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected() -> dict[str, int]:
    """Cases per process the sample registry should run, counted from its spreadsheets."""
    kinds = [row["党员类别"] for row in _rows("members.csv")]
    residents = kinds.count("居民党员")
    return {
        "floating_member": kinds.count("流动党员"),
        "community_worker": len(_rows("workers.csv")),
        # every in-service cadre and every tenth resident member commits
        "commitment": kinds.count("在职党员") + (residents + 9) // 10,
    }


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path / "var")
    yield s
    s.kill()


async def _login(http: httpx.AsyncClient, var_dir: Path) -> None:
    demo = json.loads((var_dir / "demo-credentials.json").read_text())
    answer = await http.post(
        "/api/login", json={"username": "admin", "password": demo["admin_password"]}
    )
    answer.raise_for_status()
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"


async def _cases(http: httpx.AsyncClient, process: str) -> dict[str, Any]:
    answer = await http.get("/api/cases", params={"process": process, "limit": 500})
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


async def _settled(http: httpx.AsyncClient, expected: dict[str, int]) -> dict[str, Any]:
    """The case lists once each process has its cases in the store (their first activity
    writes them there, a moment after the start events were accepted), every worker shows
    itself in service and every commitment published with its service (each step is written
    as the case handles it, so a list read too early shows a case still opening)."""
    for _ in range(150):
        lists = {process: await _cases(http, process) for process in expected}
        commitments = lists["commitment"]["items"]
        published = sum(c["status"] == "published" for c in commitments)
        served = sum("progress" in c["summary"] for c in commitments)
        workers = lists["community_worker"]["items"]
        serving = sum(c["status"] == "in_service" for c in workers)
        totals = {process: body["total"] for process, body in lists.items()}
        if (
            totals == expected
            and published == served == expected["commitment"]
            and serving == expected["community_worker"]
        ):
            return lists
        await asyncio.sleep(0.4)
    return lists


async def test_first_start_runs_the_sample_cases_and_a_restart_adds_none(stack: Stack) -> None:
    """On a fresh var folder the sample's floating members, workers and commitments become
    running cases (commitments published, with service, floating members with contacts due);
    stopped and started again, the service starts none of them a second time."""
    expected = _expected()
    stack.start()
    banner = "".join(stack.output)
    assert (
        f"Sample cases:    {expected['floating_member']} floating members, "
        f"{expected['community_worker']} workers, {expected['commitment']} commitments"
    ) in banner
    summary = json.loads(stack.wait_for('"sample_cases_started"'))
    assert summary["failed"] == []
    assert summary["published"] == expected["commitment"]
    assert summary["service_entries"] > 0

    base = f"http://127.0.0.1:{stack.api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as http:
        await _login(http, stack.var_dir)
        lists = await _settled(http, expected)
        assert {p: body["total"] for p, body in lists.items()} == expected

        floating = lists["floating_member"]["items"]
        # Holders of an activity card are placed at once and have their first contact due;
        # the others wait for their home organisation's confirmation, itself due on a date.
        assert all(case["due_at"] for case in floating)
        placed = [case for case in floating if case["status"] == "active"]
        assert placed
        for case in placed:
            due = datetime.fromisoformat(case["summary"]["next_contact_due"])
            assert due > datetime.fromisoformat(case["opened_at"])
        detail = (await http.get(f"/api/cases/{placed[0]['case_id']}")).json()
        assert any(task["status"] == "open" and task["due_at"] for task in detail["tasks"])

        workers = lists["community_worker"]["items"]
        assert {case["status"] for case in workers} == {"in_service"}
        commitments = lists["commitment"]["items"]
        assert all(case["summary"]["progress"]["hours"] > 0 for case in commitments)

        assert stack.stop() == 0, "".join(stack.output)
        first_run = len(stack.output)
        stack.start()
        again = "".join(stack.output[first_run:])
        assert "Sample cases" not in again
        await _login(http, stack.var_dir)
        after = {process: (await _cases(http, process))["total"] for process in expected}
    assert after == expected
    assert stack.stop() == 0, "".join(stack.output)
    assert '"sample_cases_started"' not in "".join(stack.output[first_run:])


async def test_a_start_that_stopped_half_way_is_completed_once(
    tmp_path: Path, dev_server_env: WorkflowEnvironment
) -> None:
    """Events a stopped start sent are not applied again; the rest are, and then the sample
    cases are marked started, so no later start plans them."""
    # Its own SQLite file even where DATABASE_URL names a shared server.
    settings = Settings(
        var_dir=tmp_path / "var", task_queue=f"tq-{uuid.uuid4()}", database_url=None
    )
    await prepare_database(settings, load_sample=True)
    client = dev_server_env.client
    today = date(2026, 11, 26)
    async with worker_dependencies(settings) as (rules, sessions, _engine):
        async with sessions() as session:
            plan = await plan_sample_cases(session, today)
        assert plan is not None
        # A few cases of each process keep the test short.
        plan = SamplePlan(plan.year, plan.floating[:2], plan.workers[:2], plan.commitments[:2])
        router = EventRouter(
            client,
            sessions,
            rules,
            task_queue=settings.task_queue,
            update_timeout=timedelta(seconds=10),
            retry_after=5,
        )
        async with build_worker(client, settings, rules=rules, sessions=sessions):
            for event in (plan.floating[0], plan.commitments[0]):
                assert (await router.route(event, actor="crashed-start")).status == 202
            completed = await start_sample_cases(router, sessions, plan, today)
            repeated = await start_sample_cases(router, sessions, plan, today)
            async with sessions() as session:
                replanned = await plan_sample_cases(session, today)
            # The cases record their service in the registry as they handle it, one at a time.
            for _ in range(100):
                async with sessions() as session:
                    published = [
                        await commitment_result(session, e.data["member_id"], plan.year)
                        for e in plan.commitments
                    ]
                if all(r is not None and r.hours > 0 for r in published):
                    break
                await asyncio.sleep(0.1)
            ids = [f"floating_member/{e.data['member_id']}" for e in plan.floating]
            ids += [f"community_worker/{e.data['worker_id']}" for e in plan.workers]
            ids += [f"commitment/{e.data['member_id']}/{plan.year}" for e in plan.commitments]
            runs = [await client.get_workflow_handle(i).describe() for i in ids]
            for case_id in ids:
                await client.get_workflow_handle(case_id).terminate("test over")

    assert completed.failed == []
    assert (completed.repeats, completed.published) == (2, 2)
    services = sum(len(sample_service_events(e, today)) for e in plan.commitments)
    # 6 starts less the 2 sent before, 2 approvals, the service entries
    assert completed.applied == 4 + 2 + services
    assert (repeated.applied, repeated.repeats) == (0, 6 + 2 + services)
    assert replanned is None
    assert all(r.status == WorkflowExecutionStatus.RUNNING for r in runs)
    # The Temporal Web UI lists each case by its process in Chinese and the event that opened it.
    assert [await r.static_summary() for r in runs[:3:2]] == [
        f"流动党员联动帮带：{plan.floating[0].data['member_id']}",
        f"社区工作者成长激励：{plan.workers[0].data['worker_id']}",
    ]
    assert await runs[0].static_details() == (
        f"由事件 grassroots.member.registered（来源 {plan.floating[0].source}）立案"
    )
    assert all(r is not None and r.status == "published" and r.hours > 0 for r in published)
