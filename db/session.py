"""Engines and sessions: one async engine per process, one session per concurrent task."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from db import sqlite_inline

# How long a SQLite writer waits for another's lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _json_dumps(value: Any) -> str:
    # Chinese text stays readable in the database (and in psql) instead of \\uXXXX escapes.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 driver, decides where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers and the writer do not block each other; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # The inline driver waits for another process's lock asleep, not inside SQLite.
        inline = sqlite_inline.is_inline(getattr(dbapi_connection, "driver_connection", None))
        busy_ms = sqlite_inline.DRIVER_BUSY_TIMEOUT_MS if inline else SQLITE_BUSY_TIMEOUT_MS
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # The driver's legacy mode begins no transaction for SELECT, DDL or SAVEPOINT, so reads are not
    # repeatable, migrations not atomic and savepoints not nested. IMMEDIATE takes the write lock
    # up front: a read-then-write session waits its turn (busy_timeout) instead of failing with
    # SQLITE_BUSY when another writer committed in between. The price: sessions queue one at a
    # time, which suits the single-machine SQLite default (PostgreSQL is the scale-out store).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    options: dict[str, Any] = {"json_serializer": _json_dumps}
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.get_driver_name() == "aiosqlite":
            options["module"] = sqlite_inline.dbapi()  # sqlite3 on the loop's thread
    else:
        options["pool_pre_ping"] = True
    options.update(kwargs)
    engine = _create_async_engine(url, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reloads under asyncio)."""
    return async_sessionmaker(engine, expire_on_commit=False)
