from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from storage import postgres
from storage.db import Database
from tests.harness import COMMITTEE, Harness
from tests.postgres import shared_server, switched_on

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_config(tmp_path: Path, **sections: dict) -> Config:
    """The tests' config: a SQLite file in ``tmp_path``, or with ``BUILDING_BOT_TEST_DATABASE=postgres``
    a PostgreSQL database of the session's server, one per ``tmp_path`` (tests/postgres.py)."""
    data = {
        "storage": storage_for(tmp_path),
        "committee": {"admins": [COMMITTEE.id]},
        "telegram": {"group_messages_per_minute": 10000, "messages_per_second": 10000},
    }
    for name, values in sections.items():
        section = data.setdefault(name, {})
        if name == "storage" and "url" in values:
            section.pop("path", None)
        section.update(values)
    return Config.model_validate(data)


_databases: dict[Path, str] = {}


def storage_for(tmp_path: Path) -> dict[str, str]:
    """``[storage]`` for a test's database in ``tmp_path`` (the same one each time it is asked)."""
    if not switched_on():
        return {"path": str(tmp_path / "bot.sqlite3")}
    if tmp_path not in _databases:
        _databases[tmp_path] = shared_server().new_database(migrated=True)
    return {"url": _databases[tmp_path]}


@dataclass(frozen=True)
class Backing:
    """One test database: a SQLite file (``path``) or a PostgreSQL database (``url``)."""

    path: Path | None = None
    url: str | None = None

    def database(self) -> Database:
        """A new, not yet open, :class:`Database` over it (every call: the same data)."""
        return Database(url=self.url) if self.url else Database(self.path)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection of its own, as another process opens one: sqlite3's or psycopg's through
        ``storage.postgres`` (``conn.execute(sql, params).fetchone()[0]`` reads alike on both)."""
        conn = postgres.connect(self.url) if self.url else sqlite3.connect(self.path)
        try:
            yield conn
        finally:
            conn.close()

    def intact(self) -> bool:
        """SQLite's ``PRAGMA integrity_check`` passes (a SQLite file only: on PostgreSQL the server
        writes its files, and a killed client cannot damage them)."""
        assert self.path is not None, "an integrity check of a SQLite file"
        with self.connect() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def backing_for(tmp_path: Path) -> Backing:
    """The test's database in ``tmp_path`` (:func:`storage_for`: SQLite, or PostgreSQL under the switch)."""
    storage = storage_for(tmp_path)
    return Backing(url=storage["url"]) if "url" in storage else Backing(path=Path(storage["path"]))


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip a test under ``BUILDING_BOT_TEST_DATABASE=postgres``: it is about SQLite itself."""
    return pytest.mark.skipif(switched_on(), reason=f"SQLite only: {reason}")


def storage_toml(config: Config) -> str:
    """The ``[storage]`` section of a config file naming the test's database (for the CLI)."""
    if config.storage.database_url:
        return f'[storage]\nurl = "{config.storage.database_url}"\n'
    return f'[storage]\npath = "{config.storage.path}"\n'


def read_only(on: bool) -> Callable[[Any], Any]:
    """For ``Database.on_writer``: the writing connection refuses (or again takes) writes:
    SQLite's ``query_only``, PostgreSQL's ``default_transaction_read_only`` for its session."""

    def switch(conn: Any) -> Any:
        if isinstance(conn, sqlite3.Connection):
            return conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
        return conn.execute(f"SET default_transaction_read_only = {'on' if on else 'off'}")

    return switch


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 4, 10, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def bot(config: Config, clock: FixedClock) -> AsyncIterator[Harness]:
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        yield Harness(app, api)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator:
    """A throwaway PostgreSQL server for the session (tests/postgres.py); the tests using it are
    skipped on a machine without the binaries, where ``make test-postgres`` fails instead."""
    from tests.postgres import NoPostgres, find_binaries

    try:
        find_binaries()
    except NoPostgres as missing:
        pytest.skip(str(missing))
    yield shared_server()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backing(request: pytest.FixtureRequest, tmp_path: Path) -> Backing:
    """A new, empty database on each backend, for tests of the storage contract: SQLite (skipped
    under ``BUILDING_BOT_TEST_DATABASE=postgres``, like every SQLite test) and PostgreSQL (marked
    ``postgres``: ``make test-postgres`` runs it first)."""
    if request.param == "sqlite":
        if switched_on():
            pytest.skip("SQLite: the postgres case runs this on PostgreSQL")
        return Backing(path=tmp_path / "bot.sqlite3")
    return Backing(url=request.getfixturevalue("postgres_server").new_database())


@pytest.fixture
async def database(backing: Backing) -> AsyncIterator[Database]:
    """An open :class:`Database` over :func:`backing` (migrated), closed after the test."""
    db = backing.database()
    await db.open()
    try:
        yield db
    finally:
        await db.close()
