from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from tests.harness import COMMITTEE, Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_config(tmp_path: Path, **sections: dict) -> Config:
    data = {
        "storage": {"path": str(tmp_path / "bot.sqlite3")},
        "committee": {"admins": [COMMITTEE.id]},
        "telegram": {"group_messages_per_minute": 10000, "messages_per_second": 10000},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.model_validate(data)


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
    from tests.postgres import NoPostgres, PostgresServer, find_binaries

    try:
        find_binaries()
    except NoPostgres as missing:
        pytest.skip(str(missing))
    with PostgresServer.start() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return postgres_server.new_database()
