from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
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
