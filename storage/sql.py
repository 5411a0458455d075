"""One-hop reads: aiosqlite runs each call on its thread, so a query and its fetch go together."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] | dict[str, Any] = ()
) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params if isinstance(params, dict) else tuple(params)))


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] | dict[str, Any] = ()
) -> aiosqlite.Row | None:
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None
