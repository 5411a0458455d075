"""Fewer round trips to aiosqlite's thread: each call is one trip (about a tenth of a millisecond),
so a query and its fetch go together, and independent statements go out at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
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


async def together(*statements: Awaitable[Any]) -> list[Any]:
    """Run independent statements of one transaction (none needs another's result) in one trip:
    they are queued at once and aiosqlite's single thread runs them back to back, in this order.
    Every one finishes before the first failure, if any, is raised, so the transaction's rollback
    comes after all of them."""
    results = await asyncio.gather(*statements, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
