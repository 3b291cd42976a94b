"""The real app with its lifespan running, on the time-skipping Temporal server, a migrated
database (SQLite and PostgreSQL), a test rule set and a worker serving the probe workflow."""

import asyncio
import contextlib
import functools
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.cases import CaseActivities
from api.app import create_app
from api.config import ApiConfig
from api.routing import EventRouter
from api.services import Services
from db.case_tables import (
    Case,
    DeadLetter,
    OutboxMessage,
    ProcessedEvent,
    Task,
    TimelineEvent,
    User,
    UserSession,
)
from db.queries import upsert_community, upsert_organisation, upsert_street
from db.records import CommunityRecord, OrganisationRecord, StreetRecord
from db.security import add_client, hash_password, open_session
from db.tables import Organisation
from db.vocab import OrgType, UserRole
from settings import Settings
from tests.api.databases import database_url, engine, sessions
from tests.api.probe import ProbeWorkflow

__all__ = ["database_url", "engine", "sessions"]

RULES = Path(__file__).resolve().parents[2] / "rules"
PROBE_ROUTES = """
  grassroots.probe.opened:
    action: start
    process: community_worker
    case_key: community_worker/{probe_id}
    required: [probe_id, community_id]
  grassroots.probe.noted:
    action: signal
    process: community_worker
    case_key: community_worker/{probe_id}
    signal: noted
    required: [probe_id]
  grassroots.probe.decided:
    action: update
    process: community_worker
    case_key: community_worker/{probe_id}
    update: decide
    required: [probe_id, decision]
  grassroots.probe.joined:
    action: registry
    operation: join_big_committee
    required: [org_id, community_id, date]
    notify:
      process: community_worker
      key_prefix: community_worker/{org_id}
      signal: noted
"""
TABLES = {
    "cases": Case,
    "tasks": Task,
    "timeline": TimelineEvent,
    "processed_events": ProcessedEvent,
    "dead_letters": DeadLetter,
    "outbox": OutboxMessage,
    "organisations": Organisation,
    "user_sessions": UserSession,
}
USERS = {
    "admin": (UserRole.ADMIN, None, None),
    "staff_a": (UserRole.COMMUNITY_STAFF, "c-a", None),
    "staff_b": (UserRole.COMMUNITY_STAFF, "c-b", None),
    "street": (UserRole.STREET_COMMITTEE, None, "s1"),
    "zuzhibu": (UserRole.ORGANISATION_DEPARTMENT, None, None),
    "viewer": (UserRole.VIEWER, None, None),
}
PASSWORD = "correct horse battery"


@functools.cache
def _password_hash() -> str:
    # Hashed once: argon2 is slow on purpose, and every test sets up six accounts.
    return hash_password(PASSWORD)


def probe_rules(folder: Path) -> Path:
    """A copy of the project's rule set with routes for the probe process appended."""
    folder.mkdir()
    for path in RULES.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    with (folder / "events.yaml").open("a", encoding="utf-8") as events:
        events.write(PROBE_ROUTES)
    return folder


def probe_data(probe_id: str, community: str = "c-a", **data: Any) -> dict[str, Any]:
    """The data of ``grassroots.probe.opened``: the probe stands in for community_worker, so its
    start data also fits the model the API checks that process's start events with."""
    worker = {"worker_id": probe_id, "post": "staff", "method": "in_service"}
    return {"probe_id": probe_id, "community_id": community, **worker, **data}


def event(event_type: str, data: dict[str, Any], **attributes: Any) -> dict[str, Any]:
    """A structured-mode CloudEvent with a fresh id."""
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:test:registry-office",
        "type": event_type,
        "data": data,
    }
    body.update(attributes)
    return body


@dataclass
class Api:
    """The running app as a test talks to it."""

    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    env: WorkflowEnvironment
    tokens: dict[str, str] = field(default_factory=dict)
    cases: set[str] = field(default_factory=set)
    # Whether cases have a worker to finish their step before they are terminated.
    settle: bool = True
    app: FastAPI | None = None

    @property
    def router(self) -> EventRouter:
        """The running app's event router."""
        assert self.app is not None
        running: Services = self.app.state.services
        return running.router

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def send(self, body: Any, who: str = "client", **headers: str) -> httpx.Response:
        """POST a structured event (or batch) as the given token holder."""
        content_type = headers.pop("content_type", "application/cloudevents+json")
        response = await self.http.post(
            "/events",
            json=body,
            headers={**self.auth(who), "content-type": content_type, **headers},
        )
        answer = response.json()
        results = answer.get("results", [answer]) if isinstance(answer, dict) else []
        self.cases.update(
            str(result.get("result", result).get("case_id"))
            for result in results
            if result.get("result", result).get("case_id")
        )
        return response

    async def close_cases(self) -> None:
        """Let the cases a test started finish their step, then terminate them."""
        # The shared time-skipping server skips no time for other tests while a case's workflow
        # task or activity is outstanding, nor after one was cut short by termination.
        for case_id in self.cases:
            handle = self.env.client.get_workflow_handle(case_id)
            with contextlib.suppress(RPCError):
                for _ in range(100 if self.settle else 0):
                    description = await handle.describe()
                    raw = description.raw_description
                    busy = bool(raw.pending_activities) or raw.HasField("pending_workflow_task")
                    if description.status != WorkflowExecutionStatus.RUNNING or not busy:
                        break
                    await asyncio.sleep(0.05)
                await handle.terminate("test over")

    async def open_probe(
        self, community: str = "c-a", probe_id: str | None = None, **data: Any
    ) -> str:
        """Start a probe case through the API and wait until the list shows it; its id."""
        probe_id = probe_id or uuid.uuid4().hex[:12]
        body = event("grassroots.probe.opened", probe_data(probe_id, community, **data))
        response = await self.send(body)
        assert response.status_code == 202, response.text
        case_id = f"community_worker/{probe_id}"
        await self.wait_for(case_id)
        return case_id

    async def wait_for(self, case_id: str, status: str = "open") -> dict[str, Any]:
        """The case as ``GET /api/cases`` lists it, once it shows ``status``."""
        for _ in range(200):
            response = await self.http.get(
                "/api/cases", params={"q": case_id}, headers=self.auth("admin")
            )
            items: list[dict[str, Any]] = response.json()["items"]
            found = [item for item in items if item["case_id"] == case_id]
            if found and found[0]["status"] == status:
                return found[0]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{case_id} never showed as {status}")

    async def answered(self, case_id: str) -> dict[str, Any]:
        """``GET /api/cases/{id}`` once the case itself answered its live-state query. A loaded
        worker may answer too late for one read (the detail then shows the projection alone):
        read again until it comes."""
        for _ in range(20):
            response = await self.http.get(f"/api/cases/{case_id}", headers=self.auth("admin"))
            assert response.status_code == 200, response.text
            detail: dict[str, Any] = response.json()
            if detail["live"]["source"] == "temporal":
                return detail
        raise AssertionError(f"case {case_id} did not answer its live-state query in 20 reads")

    async def wait_for_entries(self, case_id: str, entries: int) -> None:
        """Wait until the case has projected ``entries`` numbered timeline entries."""
        for _ in range(200):
            async with self.sessions() as session:
                query = select(func.count()).where(
                    TimelineEvent.case_id == case_id, TimelineEvent.seq.is_not(None)
                )
                if await session.scalar(query) == entries:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{case_id} never projected {entries} timeline entries")

    async def counts(self) -> dict[str, int]:
        """Rows per table, to show what a request left behind."""
        async with self.sessions() as session:
            return {
                name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in TABLES.items()
            }


async def _registry_and_people(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        await upsert_street(session, StreetRecord(street_id="s1", name="稷峰街道"))
        await upsert_street(session, StreetRecord(street_id="s2", name="翟店镇"))
        for community_id, street_id, name in (
            ("c-a", "s1", "稷王社区"),
            ("c-b", "s1", "汾河社区"),
            ("c-x", "s2", "翟店社区"),
        ):
            record = CommunityRecord(community_id=community_id, street_id=street_id, name=name)
            await upsert_community(session, record)
        for org_id, home in (("org-a", "c-a"), ("org-b", "c-b")):
            org = OrganisationRecord(
                org_id=org_id,
                name=f"{home} 物业公司",
                type=OrgType.PROPERTY_COMPANY,
                community_id=home,
            )
            await upsert_organisation(session, org)
        tokens: dict[str, str] = {}
        for username, (role, user_community, user_street) in USERS.items():
            user = User(
                username=username,
                password_hash=_password_hash(),
                role=role.value,
                community_id=user_community,
                street_id=user_street,
            )
            session.add(user)
            await session.flush()
            tokens[username], _ = await open_session(session, user, timedelta(hours=1))
        _, tokens["client"] = await add_client(session, "all", ["grassroots.*"], actor="test")
        _, tokens["narrow"] = await add_client(
            session, "narrow", ["grassroots.probe.opened"], actor="test"
        )
        await session.commit()
    return tokens


@contextlib.asynccontextmanager
async def _running(
    env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    task_queue: str,
    tmp_path: Path,
    with_worker: bool,
) -> AsyncIterator[Api]:
    tokens = await _registry_and_people(sessions)
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        rules_dir=probe_rules(tmp_path / "rules"),
        task_queue=task_queue,
    )
    config = ApiConfig(
        max_body_bytes=16 * 1024,
        update_timeout=timedelta(seconds=1.5),
        client_cache=timedelta(seconds=0.3),
        live_state_timeout=timedelta(seconds=0.5),
    )
    app = create_app(settings, env.client, config=config)
    worker = Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ProbeWorkflow],
        activities=[CaseActivities(sessions).project_case],
        # In-flight projections finish before the database is emptied for the next test.
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        if with_worker:
            await stack.enter_async_context(worker)
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        api = Api(http, sessions, env, tokens, settle=with_worker, app=app)
        try:
            yield api
        finally:
            await api.close_cases()


@pytest.fixture
async def api(
    time_skipping_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Api]:
    """The app (lifespan running) with a worker, on the time-skipping server."""
    async with _running(
        time_skipping_env, sessions, database_url, task_queue, tmp_path, with_worker=True
    ) as running:
        yield running


@pytest.fixture
async def api_without_worker(
    dev_server_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Api]:
    """The same app with no worker running, on the real dev server."""
    # Not on the time-skipping server: it stops skipping time for every test once a case
    # waits for a worker, even after that case is terminated.
    async with _running(
        dev_server_env, sessions, database_url, task_queue, tmp_path, with_worker=False
    ) as running:
        yield running
