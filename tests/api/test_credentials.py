"""Accounts and tokens: the demo credentials of a first start, and the users/clients commands."""

import argparse
import asyncio
import io
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli import users_cmd
from db.base import utcnow
from db.case_tables import ApiClient, User
from db.queries import upsert_community, upsert_street
from db.records import CommunityRecord, StreetRecord
from db.security import allows, attempt_login, ensure_demo_credentials, find_client
from db.session import create_engine, session_factory
from tests.api.databases import on_each_database

pytestmark = on_each_database


async def _sample_places(session: AsyncSession) -> None:
    await upsert_street(session, StreetRecord(street_id="jifeng", name="稷峰街道"))
    record = CommunityRecord(community_id="fenhe", street_id="jifeng", name="汾河社区")
    await upsert_community(session, record)
    await session.commit()


async def test_no_demo_credentials_without_the_sample_registry(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """A production database (no sample registry) gets no demo accounts and no file."""
    async with sessions() as session:
        assert await ensure_demo_credentials(session, tmp_path) is None
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(ApiClient)) == 0
    assert not (tmp_path / "demo-credentials.json").exists()


async def test_demo_credentials_are_created_once_and_saved(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The first start with the sample registry creates an admin, a staff account and a token."""
    async with sessions() as session:
        await _sample_places(session)
        demo = await ensure_demo_credentials(session, tmp_path)
        assert demo is not None
        assert await ensure_demo_credentials(session, tmp_path) is None
    saved = tmp_path / "demo-credentials.json"
    assert json.loads(saved.read_text())["admin_password"] == demo.admin_password
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert any(demo.client_token in line for line in demo.lines())
    async with sessions() as session:
        client = await find_client(session, demo.client_token, utcnow())
        assert client is not None
        assert allows(client.allowed_event_types, "grassroots.org.updated")
        staff = await attempt_login(session, demo.staff_username, demo.staff_password, utcnow())
        assert staff.user is not None
        assert staff.user.community_id == "fenhe"
        admin = await attempt_login(session, "admin", demo.admin_password, utcnow())
        assert admin.user is not None
        assert admin.user.role == "admin"


def _grassroots(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="grassroots")
    users_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_users_and_clients_commands(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An operator creates accounts (a county organisation department account without a place)
    and API tokens; the token is printed once and works."""
    monkeypatch.setattr(users_cmd, "_database_url", lambda: database_url)

    async def places() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            await _sample_places(session)
        await engine.dispose()

    asyncio.run(places())
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert _grassroots("users", "add", "wang", "--role", "community_staff", "--password-stdin") == 1
    assert "community staff need --community" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    argv = ("users", "add", "wang", "--role", "community_staff", "--community", "fenhe")
    assert _grassroots(*argv, "--password-stdin") == 0
    assert _grassroots("clients", "add", "erp", "--types", "grassroots.assessment.*") == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert _grassroots("clients", "add", "bad", "--types", "assessment") == 1
    county = ("users", "add", "zuzhibu", "--role", "organisation_department", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert _grassroots(*county, "--street", "jifeng") == 1
    assert "reaches the whole county" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert _grassroots(*county) == 0
    assert _grassroots("users", "list") == 0
    listed = capsys.readouterr().out
    assert "wang\tcommunity_staff\tfenhe" in listed
    assert "zuzhibu\torganisation_department\t-" in listed

    async def check() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            client = await find_client(session, token, utcnow())
            assert client is not None
            assert allows(client.allowed_event_types, "grassroots.assessment.opened")
            assert not allows(client.allowed_event_types, "grassroots.org.registered")
            login = await attempt_login(session, "wang", "a long passphrase", utcnow())
            assert login.user is not None
        await engine.dispose()

    asyncio.run(check())
    assert _grassroots("clients", "revoke", "erp") == 0
    assert _grassroots("clients", "revoke", "erp") == 1
