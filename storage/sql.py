"""What ``storage/`` needs of a connection, and the two queries every module makes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, Protocol


class Connection(Protocol):
    """The aiosqlite calls ``storage/`` makes: offered by the reading connection (aiosqlite
    itself) and, inside a write, by the writer's thread (``storage.db``)."""

    async def execute(self, sql: str, parameters: Iterable[Any] | dict[str, Any] = ...) -> Any: ...

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] | dict[str, Any] = ...) -> Iterable[Any]: ...

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Any: ...

    async def executescript(self, sql_script: str) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...


async def fetch_all(conn: Connection, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, params if isinstance(params, dict) else tuple(params)))


async def fetch_one(conn: Connection, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None
