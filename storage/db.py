"""The process's SQLite connections: one that writes, one that reads.

Opened in the application's ``post_init`` (or a test fixture), closed in ``post_shutdown``.

Writes: aiosqlite shares one transaction between every coroutine on a connection, so writers take
turns under one lock (:meth:`Database.transaction`). Each writer's work is a savepoint inside a
shared ``BEGIN IMMEDIATE`` transaction, the *batch*: writers that queued up while one was busy join
it, and the last writer of the queue commits it, with one sync to disk, for everyone. Nobody leaves
:meth:`~Database.transaction` before the commit that holds their work, so an answer in the chat
always means the work is on disk. A writer that fails rolls back its own savepoint only; a failed
commit fails every writer of the batch (and none of their updates counts as handled, so
Telegram's re-delivery brings them back).

Reads: a second connection, ``query_only``, that sees only committed data (WAL) and never waits
for the writers' lock, so a report or an export does not hold up orders.
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
from storage.sql import fetch_all, together

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 64  # writers per commit at most


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
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # The open batch: its future is resolved when the batch is committed (or has failed).
        self._batch: asyncio.Future[None] | None = None
        self._batch_size = 0
        self._writers = 0  # numbers the savepoints
        self._queued = 0  # writers waiting for the lock: they will join the open batch
        self._background: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Open both connections, set the pragmas and apply pending migrations."""
        from storage.migrate import apply_migrations

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await self._connect()
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=FULL")
        async with self._lock:
            await apply_migrations(self._conn)
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                if self._batch is not None:
                    await self._commit()
                await self._conn.close()
            self._conn = None
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The writing connection (use :meth:`transaction`; tests reach for it to stage disk trouble)."""
        if self._conn is None:
            raise StorageError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One writer's turn: a savepoint in the open batch (or a new one), kept only if the body
        succeeds; returns once the batch holding it is committed."""
        failure: BaseException | None = None
        self._queued += 1
        try:
            await self._lock.acquire()
        except BaseException:
            self._queued -= 1
            self._commit_if_left_open()
            raise
        self._queued -= 1
        batch: asyncio.Future[None] | None = None
        try:
            conn = self.conn
            leader = self._batch is None
            if leader:
                self._batch = asyncio.get_running_loop().create_future()
                self._batch_size = 0
            batch = self._batch
            self._batch_size += 1
            self._writers += 1
            savepoint = f"writer{self._writers}"  # unique: a failed SAVEPOINT never undoes another's
            try:
                await self._join(conn, savepoint, leader)
                yield conn
            except BaseException as exc:
                failure = exc
                await self._undo(conn, savepoint)
        finally:
            try:
                # The last writer in the queue commits; so does the one that fills a batch, so
                # that a steady stream of writers does not keep the first of them waiting.
                if batch is not None and self._batch is batch and (self._queued == 0 or self._batch_size >= MAX_BATCH):
                    await self._commit()
            finally:
                self._lock.release()
        if failure is not None:
            error = _storage_error(failure)
            if error is failure:
                raise failure
            raise error from failure
        assert batch is not None
        await asyncio.shield(batch)  # shielded: a cancelled writer must not cancel the others' batch

    def _commit_if_left_open(self) -> None:
        """A writer that gave up waiting may have been the one the batch counted on to commit."""
        if self._batch is not None and self._queued == 0:
            task = asyncio.ensure_future(self._commit_when_free())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _commit_when_free(self) -> None:
        async with self._lock:
            if self._batch is not None:
                await self._commit()

    @staticmethod
    async def _join(conn: aiosqlite.Connection, savepoint: str, leader: bool) -> None:
        """Open this writer's savepoint, after ``BEGIN IMMEDIATE`` for a new batch, and for the
        first write of an update its claim: one trip to the database thread."""
        statements = [f"SAVEPOINT {savepoint}"]
        claim = _pending_update.get()
        if claim is not None and claim.open:
            claim.open = False
            statements.append(updates.claim(claim.update_id, claim.at))
        before = conn.total_changes
        if leader:
            # A transaction somehow left open must make BEGIN fail; a script would quietly commit it.
            if conn.in_transaction:
                await conn.execute("BEGIN IMMEDIATE")
            await conn.executescript(";".join(["BEGIN IMMEDIATE", *statements]))
        else:  # inside the batch: no script (it would commit the batch first)
            await together(*(conn.execute(statement) for statement in statements))
        if len(statements) > 1 and conn.total_changes == before:
            raise AlreadyProcessed(claim.update_id)

    async def _undo(self, conn: aiosqlite.Connection, savepoint: str) -> None:
        """Roll back this writer's savepoint; if even that fails, the whole batch."""
        try:
            await conn.execute(f"ROLLBACK TO {savepoint}")
        except sqlite3.Error as exc:
            await self._abandon(exc)

    async def _commit(self) -> None:
        try:
            await self.conn.execute("COMMIT")
        except BaseException as exc:
            await self._abandon(exc)
            if not isinstance(exc, sqlite3.Error):
                raise
            return
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.set_result(None)

    async def _abandon(self, exc: BaseException) -> None:
        """Roll the whole batch back and fail every writer in it."""
        log.error("write batch rolled back after %s: %s", exc.__class__.__name__, exc)
        if self.conn.in_transaction:
            try:
                await self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.warning("rollback failed after %s", exc.__class__.__name__)
        batch, self._batch = self._batch, None
        if batch is not None and not batch.done():
            batch.set_exception(StorageError(f"{exc.__class__.__name__}: {exc}"))
            batch.exception()  # retrieved here: writers that failed on their own never ask

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The reading connection: committed data only, without waiting for writers. Each
        statement sees the database as of its own start."""
        if self._reader is None:
            raise StorageError("database is not open")
        yield self._reader

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.read() as conn:
            return list(await fetch_all(conn, sql, tuple(params)))

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            if self._batch is not None:
                await self._commit()
            async with aiosqlite.connect(target) as dest:
                await self.conn.backup(dest)


def _storage_error(exc: BaseException) -> BaseException:
    """SQLite's operational trouble (read-only, full, locked, corrupt) as a :class:`StorageError`;
    a broken rule of the schema (``IntegrityError``) and everything else as it is."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError
    ):
        return StorageError(str(exc))
    return exc
