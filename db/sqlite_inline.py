"""SQLite for the async engine without a thread hop per call.

SQLAlchemy's ``sqlite+aiosqlite`` dialect drives the ``aiosqlite`` package, which runs every
call (cursor, execute, fetch, commit, close) on a thread of its own and wakes the event loop
with the answer: four or five round trips between threads per statement. A statement against
the local WAL file takes microseconds; the round trips cost several times that in CPU (on a
P1 case, about a third of the worker's samples were database calls, bench/p1_cases.py).

This module gives the same dialect an ``aiosqlite``-shaped module whose coroutines call
``sqlite3`` directly on the event loop's thread and finish without suspending. The one wait
SQLite can impose — another process holding the write lock — is not spent blocked inside
SQLite: the connection's own busy timeout is short, and a statement refused as busy is retried
after an ``asyncio.sleep`` until :data:`BUSY_TIMEOUT` has passed, so the loop keeps serving
while it waits. Within the process the engine's single pooled connection already queues
sessions in order (``db.cases.store_engine``).
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

T = TypeVar("T")

BUSY_TIMEOUT = 10.0
"""Seconds a statement waits for another process's write lock before failing as locked."""
DRIVER_BUSY_TIMEOUT_MS = 5
"""SQLite's own busy wait, inside the call (blocking the loop): kept to a few milliseconds."""
_BUSY_MESSAGES = ("database is locked", "database is busy")

# What SQLAlchemy reads from the module it is given (names as aiosqlite exports them).
DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info


def _busy(error: sqlite3.OperationalError) -> bool:
    return any(message in str(error) for message in _BUSY_MESSAGES)


async def _patiently(call: Callable[[], T]) -> T:
    """``call()``, retried after a short sleep while another process holds the lock."""
    deadline: float | None = None
    pause = 0.002
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_TIMEOUT
            if now >= deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)


class Cursor:
    """An ``aiosqlite.Cursor`` look-alike over a ``sqlite3.Cursor``."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        await _patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> "Cursor":
        rows = list(parameters)  # a retry must see every row again
        await _patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Opening:
    """What ``connection.cursor()`` returns: entered (awaited) by SQLAlchemy."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection.cursor())

    async def __aexit__(self, *_: object) -> None:
        return None


class _Inline:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's isolation-level setter uses:
    the function runs at once and its future is answered."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class _NoThread:
    """aiosqlite's worker thread, which SQLAlchemy marks as a daemon; there is none here."""

    daemon = True


class Connection:
    """An ``aiosqlite.Connection`` look-alike over a ``sqlite3.Connection``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._conn = connection
        self._tx = _Inline()
        self._thread = _NoThread()

    def __await__(self) -> Any:  # aiosqlite.connect() is awaited for the connection
        async def opened() -> "Connection":
            return self

        return opened().__await__()

    def cursor(self) -> _Opening:
        return _Opening(self._conn)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        cursor = Cursor(self._conn.cursor())
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, name: str, arity: int, function: Any, **kw: Any) -> None:
        self._conn.create_function(name, arity, function, **kw)


def connect(database: str, **kwargs: Any) -> Connection:
    """Open the file like aiosqlite does (any thread may close it: the pool may)."""
    kwargs.setdefault("check_same_thread", False)
    kwargs["timeout"] = DRIVER_BUSY_TIMEOUT_MS / 1000
    return Connection(sqlite3.connect(database, **kwargs))


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for ``create_async_engine(..., module=dbapi())`` on a SQLite URL."""
    import sys

    return AsyncAdapt_aiosqlite_dbapi(sys.modules[__name__], sqlite3)


def is_inline(driver_connection: Any) -> bool:
    """Whether a pooled connection's driver connection is one of ours."""
    return isinstance(driver_connection, Connection)


__all__: Sequence[str] = ("BUSY_TIMEOUT", "Connection", "Cursor", "connect", "dbapi", "is_inline")
