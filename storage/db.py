"""The process's SQLite connections: one that writes, a few that read.

Opened in the application's ``post_init`` (or a test fixture), closed in ``post_shutdown``.

Writes: a write is a plain function, ``body(conn)``, handed to :meth:`Database.write`. It runs whole
on the writing connection's own thread, in one trip from the event loop, so the statements of one
order go back to back instead of each waiting for its turn on a busy event loop; it raises to undo
its work. Each body is a savepoint inside a shared ``BEGIN IMMEDIATE`` transaction, the *batch*:
writes handed over while others are still on their way join it, and when none is left on its way
(or 64 have joined) one ``COMMIT``, with one sync to disk, makes them all durable.
:meth:`~Database.write` returns only once the commit that holds its work is done, so an answer in
the chat always means the work is on disk. The first write of an update being handled also records
the update's id (the re-delivery guard) and keeps the write's result: an update that comes back
from the inbox after a crash, its effect stored but its answer not given, gets that result back
from the write instead of doing it again, so the handler makes the answer it owed. A body that
fails rolls back its own savepoint only; a failed commit fails every write of the batch (and none
of their updates counts as handled, so Telegram's re-delivery brings them back).

Reads: a read is a plain function too, handed to :meth:`Database.read`, run on one of a few reader
threads, each with its own ``query_only`` connection, inside one read transaction: every statement
of the body sees the database as of the body's first one (WAL keeps that snapshot), so a report
built from several queries shows one moment. Readers see only committed data and never wait for
the writer, so a report or an export does not hold up orders.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import pickle
import queue
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from storage import updates
from storage.sql import Connection, Row, fetch_all

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 64  # writes per commit at most
READERS = 2  # reading connections, each on its own thread
PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=FULL")

T = TypeVar("T")


class StorageError(Exception):
    """The database cannot be used right now (read-only, full, locked, corrupt)."""


class AlreadyProcessed(Exception):
    """The update whose effect this write would store had been handled before."""


@dataclass
class _UpdateClaim:
    update_id: int
    at: datetime
    open: bool = True  # its first write is still to come
    handling: bool = True


# The update being handled, recorded in the first write it makes, so that its effect and "update N
# was handled" commit together (exactly once). The claim is closed when the update is done, so a
# job scheduled meanwhile (which inherits this context) never records it.
_pending_update: contextvars.ContextVar[_UpdateClaim | None] = contextvars.ContextVar("pending_update", default=None)


def current_update() -> int | None:
    """The id of the update being handled here (None in a job, or once the update is done)."""
    claim = _pending_update.get()
    return None if claim is None or not claim.handling else claim.update_id


@contextmanager
def recording_update(update_id: int, now: datetime) -> Iterator[None]:
    claim = _UpdateClaim(update_id, now)
    token = _pending_update.set(claim)
    try:
        yield
    finally:
        claim.open = claim.handling = False
        _pending_update.reset(token)


def _take_claim() -> tuple[int, datetime] | None:
    claim = _pending_update.get()
    if claim is None or not claim.open:
        return None
    claim.open = False
    return claim.update_id, claim.at


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._thread: ThreadPoolExecutor | None = None  # the writer's one thread
        self._writer: _Writer | None = None  # lives on that thread
        self._reading: ThreadPoolExecutor | None = None  # the readers' threads
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()  # those not in use
        self._on_their_way = 0  # writes handed to the thread whose outcome has not come back
        self._handed = 0  # writes handed over so far ...
        self._covered = 0  # ... of which the last commit asked for comes after
        self._commits: dict[int, asyncio.Future[None]] = {}  # batch number → its commit
        self._sizes: Counter[int] = Counter()
        self._background: set[asyncio.Task[None]] = set()
        self.observe_write: Callable[[float], None] = _nothing_to_observe  # seconds per write (metrics)

    async def open(self) -> None:
        """Open the connections, set the pragmas and apply pending migrations."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._writer = await self._call(_Writer, self.path)
        await self._call(self._writer.migrate)
        self._reading = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="sqlite-reader")
        for _ in range(READERS):
            self._readers.put(_reader(self.path))

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(*self._background)
            await self.on_writer(sqlite3.Connection.close)
            self._writer = None
        if self._thread is not None:
            self._thread.shutdown()
            self._thread = None
        if self._reading is not None:
            reading, self._reading = self._reading, None
            await asyncio.to_thread(reading.shutdown)  # the reads under way end first
            while not self._readers.empty():
                self._readers.get().close()

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            raise StorageError("database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    # ------------------------------------------------------------------ writing
    async def write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` on the writer's thread as one savepoint of the open batch (with the
        claim of the update being handled, if this is its first write); its result once the batch
        is committed. An exception from the body undoes its work and comes back out of here. A
        caller that gives up (is cancelled) after its body has started does not stop it: the body's
        work is then stored or undone as a whole, like any other."""
        if self._writer is None:
            raise StorageError("database is not open")
        started = time.perf_counter()
        self._on_their_way += 1
        self._handed += 1
        try:
            result, batch = await self._call(self._writer.run, body, _take_claim())
        except _BatchLost as lost:
            self._settle(lost.batch, lost.cause)
            raise StorageError(str(lost.cause)) from lost.cause
        except Exception as exc:
            error = _storage_error(exc)
            if error is exc:
                raise
            raise error from exc
        finally:
            self._on_their_way -= 1
            if self._on_their_way == 0:
                self._commit_soon()
        committed = self._commits.get(batch)
        if committed is None:
            committed = self._commits[batch] = asyncio.get_running_loop().create_future()
        self._sizes[batch] += 1
        if self._sizes[batch] == MAX_BATCH:  # a steady stream of writes does not keep the first waiting
            self._commit_soon()
        await asyncio.shield(committed)  # shielded: a cancelled writer must not cancel the others' batch
        self.observe_write(time.perf_counter() - started)
        return result

    def _commit_soon(self) -> None:
        """Ask for a commit after every write handed over so far (unless that is asked already)."""
        if self._covered == self._handed:
            return
        self._covered = self._handed
        task = asyncio.ensure_future(self._commit())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _commit(self) -> None:
        try:
            await self.on_writer(_nothing)
        except StorageError:
            pass  # the batch's writers have their error; the log has the detail

    async def on_writer(self, function: Callable[[sqlite3.Connection], T]) -> T:
        """Commit what is written so far, then run ``function`` on the writing connection, on its
        thread: closing, backups, and tests staging disk trouble."""
        if self._writer is None:
            raise StorageError("database is not open")
        self._covered = self._handed
        try:
            batch, outcome = await self._call(self._writer.after_commit, function)
        except _BatchLost as lost:
            self._settle(lost.batch, lost.cause)
            raise StorageError(str(lost.cause)) from lost.cause
        except Exception as exc:  # the thread is gone: nobody may wait for a commit forever
            self._settle(max(self._commits, default=0), exc)
            raise
        self._settle(batch)
        return outcome.result()

    def _settle(self, batch: int, failure: BaseException | None = None) -> None:
        """Batches up to ``batch`` are committed (or, with ``failure``, lost): tell their writers."""
        for number in sorted(n for n in self._commits if n <= batch):
            committed = self._commits.pop(number)
            del self._sizes[number]
            if failure is None:
                committed.set_result(None)
            else:
                committed.set_exception(StorageError(f"{failure.__class__.__name__}: {failure}"))
                committed.exception()  # retrieved here: writers that were cancelled never ask

    # ------------------------------------------------------------------ reading
    async def read(self, body: Callable[[Connection], T]) -> T:
        """Run ``body(conn)`` on a reader's thread in one read transaction: committed data only,
        one moment for all its statements (the first one's), without waiting for writers."""
        if self._reading is None:
            raise StorageError("database is not open")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._reading, self._read, body)
        except Exception as exc:
            error = _storage_error(exc)
            if error is exc:
                raise
            raise error from exc

    def _read(self, body: Callable[[Connection], T]) -> T:
        conn = self._readers.get()
        try:
            conn.execute("BEGIN")
            try:
                return body(conn)
            finally:
                if conn.in_transaction:  # nothing to keep: the connection only reads
                    conn.execute("ROLLBACK")
        finally:
            self._readers.put(conn)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One query's rows (tests and scripts)."""
        return await self.read(lambda conn: fetch_all(conn, sql, params))

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)

        def copy(conn: sqlite3.Connection) -> None:
            dest = sqlite3.connect(target)
            try:
                conn.backup(dest)
            finally:
                dest.close()

        await self.on_writer(copy)


def _nothing_to_observe(seconds: float) -> None:
    """No metrics are kept (``bot.runtime.ops.install`` sets them)."""


def _nothing(conn: sqlite3.Connection) -> None:
    """Nothing to do after the commit."""


class _BatchLost(Exception):
    """The whole batch was rolled back: every write in it is lost."""

    def __init__(self, batch: int, cause: BaseException) -> None:
        super().__init__(batch, cause)
        self.batch, self.cause = batch, cause


class _Writer:
    """The writing connection and its batches; used on the writer's thread only."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            self.conn.execute(f"PRAGMA {pragma}")
        self.batch = 0  # the number of the open (or last) batch

    def migrate(self) -> list[str]:
        from storage.migrate import apply_migrations

        return apply_migrations(self.conn)

    def run(self, body: Callable[[Connection], T], claim: tuple[int, datetime] | None) -> tuple[T, int]:
        conn = self.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self.batch += 1
        try:
            conn.execute("SAVEPOINT write")
            result: T
            if claim is not None and not updates.claim(conn, *claim):
                kept = updates.replay_result(conn, claim[0])
                if kept is None:
                    raise AlreadyProcessed(claim[0])
                result = pickle.loads(kept)  # handled again from the inbox: the same answer, no new effect
            else:
                result = body(conn)
                if claim is not None:
                    updates.keep_result(conn, claim[0], _pickled(result))
            conn.execute("RELEASE write")
        except BaseException as exc:
            self._undo(exc)
            raise
        return result, self.batch

    def _undo(self, exc: BaseException) -> None:
        """Roll back this write's savepoint; if even that fails (or SQLite has already rolled back
        the whole transaction, as it does on a full disk), the batch is lost."""
        try:
            self.conn.execute("ROLLBACK TO write")
            self.conn.execute("RELEASE write")
        except sqlite3.Error:
            self._lose(exc)

    def after_commit(self, function: Callable[[sqlite3.Connection], T]) -> tuple[int, Future[T]]:
        """Commit the open batch; then ``function``, whose outcome (even an exception) comes back
        apart from the commit's."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._lose(exc)
        outcome: Future[T] = Future()
        try:
            outcome.set_result(function(self.conn))
        except Exception as exc:
            outcome.set_exception(exc)
        return self.batch, outcome

    def _lose(self, exc: BaseException) -> None:
        log.error("write batch rolled back after %s: %s", exc.__class__.__name__, exc)
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.warning("rollback failed after %s", exc.__class__.__name__)
        raise _BatchLost(self.batch, exc) from exc


def _pickled(result: Any) -> bytes | None:
    """A write's result as kept for a replay (None when it cannot be kept: that update's replay is
    then dropped as handled)."""
    try:
        return pickle.dumps(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


def _reader(path: Path) -> sqlite3.Connection:
    """A reading connection: used by one reader thread at a time (whichever takes it)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only=ON")
    return conn


def _storage_error(exc: BaseException) -> BaseException:
    """SQLite's operational trouble (read-only, full, locked, corrupt) as a :class:`StorageError`;
    a broken rule of the schema (``IntegrityError``) and everything else as it is."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError
    ):
        return StorageError(str(exc))
    return exc
