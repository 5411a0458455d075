"""What ``storage/`` needs of a connection (DB-API shaped, synchronous), and the queries every
module makes through it.

A storage function is a plain ``def f(conn: Connection, ...)``, run inside a write
(``Database.write``) or a read (``Database.read``) on a database thread. Its SQL is kept portable:
``?`` parameters, ``INSERT … ON CONFLICT``, ``RETURNING``, columns read by name (``row["x"]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Row(Protocol):
    """A result row, read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


def fetch_all(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return conn.execute(sql, tuple(params)).fetchall()


def fetch_one(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Row | None:
    row: Row | None = conn.execute(sql, tuple(params)).fetchone()
    return row


def insert_id(conn: Connection, sql: str, params: Sequence[Any] = ()) -> int | None:
    """Run an ``INSERT`` and return the new row's ``id`` (None when ``ON CONFLICT DO NOTHING`` kept
    the row out)."""
    row = fetch_one(conn, f"{sql} RETURNING id", params)
    return None if row is None else int(row["id"])
