"""The one SQLite connection of the process.

Opened in the application's ``post_init`` (or a test fixture), closed in ``post_shutdown``.
aiosqlite shares one transaction between every coroutine on a connection, so every access goes
through one lock: writes inside ``BEGIN IMMEDIATE`` … ``COMMIT`` (:meth:`Database.transaction`),
reads through :meth:`Database.read` so that they never see another coroutine's half-done work.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage import updates
from storage.sql import fetch_all

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be used right now (read-only, full, locked, corrupt)."""


class AlreadyProcessed(Exception):
    """The update whose effect this transaction would write had been handled before."""


@dataclass
class _UpdateClaim:
    update_id: int
    at: datetime
    open: bool = True


# The update being handled, recorded in the first write transaction it makes, so that its effect
# and "update N was handled" commit together (exactly once, one commit per update). The claim is
# closed when the update is done, so a job scheduled meanwhile (which inherits this context) never
# records it.
_pending_update: contextvars.ContextVar[_UpdateClaim | None] = contextvars.ContextVar("pending_update", default=None)


@contextmanager
def recording_update(update_id: int, now: datetime) -> Iterator[None]:
    claim = _UpdateClaim(update_id, now)
    token = _pending_update.set(claim)
    try:
        yield
    finally:
        claim.open = False
        _pending_update.reset(token)


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the connection, set the pragmas and apply pending migrations."""
        from storage.migrate import apply_migrations

        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await self._conn.execute("PRAGMA synchronous=FULL")
        async with self._lock:
            await apply_migrations(self._conn)

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` under the process-wide lock."""
        async with self._lock:
            conn = self.conn
            try:
                await self._begin(conn)
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    try:
                        await conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        log.warning("rollback failed after %s", exc.__class__.__name__)
                if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
                    exc, sqlite3.IntegrityError
                ):
                    raise StorageError(str(exc)) from exc
                raise

    @staticmethod
    async def _begin(conn: aiosqlite.Connection) -> None:
        """``BEGIN IMMEDIATE``, and for the first write of an update its claim, in one trip."""
        claim = _pending_update.get()
        # A transaction somehow left open must make BEGIN fail; a script would quietly commit it first.
        if claim is None or not claim.open or conn.in_transaction:
            await conn.execute("BEGIN IMMEDIATE")
            return
        claim.open = False
        before = conn.total_changes
        await conn.executescript(updates.begin_and_claim(claim.update_id, claim.at))
        if conn.total_changes == before:
            raise AlreadyProcessed(claim.update_id)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Read-only access under the lock (sees only committed data)."""
        async with self._lock:
            yield self.conn

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.read() as conn:
            return list(await fetch_all(conn, sql, tuple(params)))

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            async with aiosqlite.connect(target) as dest:
                await self.conn.backup(dest)
