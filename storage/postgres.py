"""A PostgreSQL connection that ``storage/`` uses as it uses sqlite3's.

:class:`PgConnection` wraps a psycopg (synchronous) connection and offers what a storage body
calls: ``execute(sql, params)`` → a cursor with ``fetchone()``, ``fetchall()`` and ``rowcount``,
``executemany(sql, rows)``, and what the writer asks, ``in_transaction``. The SQL is SQLite's, translated once per text by
:mod:`storage.dialect`. Values come back as sqlite3 gives them: rows readable by column name
(any case) and by position, and unpacked like tuples (:class:`Row`); numbers from ``sum()`` or
arithmetic as ``int`` when whole and ``float`` otherwise, never ``Decimal``. Booleans given as
parameters are stored as 0 and 1, as the schema's INTEGER columns hold them.

Parameters are bound on the server (psycopg's default cursor), and a statement run five times on a
connection is prepared there (psycopg's ``prepare_threshold``): the server parses and plans it once,
and the client does not quote values into the text. So a parameter must be typed by where it
stands: one whose type nothing in the statement says (``CASE WHEN ? IS NULL``, ``SELECT ? AS uid``)
is refused or taken as text; ``storage/`` has none (write ``CAST(? AS BIGINT)`` if one is needed).

The connection is in autocommit mode: whoever runs a body says ``BEGIN``, ``SAVEPOINT`` and
``COMMIT`` as the SQLite writer does (``storage.db``). :func:`apply_migrations` brings the schema
up to date, recording versions in ``schema_migrations`` (PostgreSQL has no ``user_version``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Composed

from storage import dialect

# The advisory lock taken while migrating: processes starting together apply each migration once.
MIGRATION_LOCK = 0x6262_6D69  # "bbmi"
BOOKKEEPING = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version     BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)"""

Params = Sequence[Any] | Mapping[str, Any]


class Row:
    """A result row as sqlite3.Row reads: ``row["title"]`` (any case), ``row[0]``, ``a, b = row``,
    ``row.keys()``, ``dict(row)``."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key.lower()]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return self._values == other._values and self._index == other._index

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=False))!r})"


def _rows(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    index: dict[str, int] = {}
    for position, column in enumerate(cursor.description or ()):
        index.setdefault(column.name.lower(), position)  # the first of two same names, as sqlite3
    return lambda values: Row(values, index)


class _WholeOrFraction(Loader):
    """``numeric`` (what PostgreSQL's ``sum()`` of integers and its decimal arithmetic give) as
    sqlite3 gives such numbers: an ``int`` when whole, else a ``float``."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


class Cursor:
    """The part of sqlite3's cursor that ``storage/`` reads."""

    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall() if self._cursor.description else []


class PgConnection:
    """sqlite3's ``execute`` and ``executemany`` over a psycopg connection (see the module)."""

    def __init__(self, raw: psycopg.Connection[Row]) -> None:
        self.raw = raw
        self.statements = 0  # run so far (bench/postgres.py prints them per update)
        self.round_trips = 0  # waits for the server's answer

    def execute(self, sql: str, parameters: Params = ()) -> Cursor:
        self.statements += 1
        self.round_trips += 1
        return Cursor(self.raw.execute(dialect.statement(sql), _stored(parameters)))

    @property
    def in_transaction(self) -> bool:
        """As sqlite3's: a transaction is open (also one that a failed statement left to roll back)."""
        return self.raw.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def executemany(self, sql: str, rows: Iterable[Params]) -> Cursor:
        stored = [_stored(row) for row in rows]
        self.statements += len(stored)
        self.round_trips += 1  # psycopg sends them in one pipeline
        cursor = self.raw.cursor()
        cursor.executemany(dialect.statement(sql), stored)
        return Cursor(cursor)

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stored(parameters: Params) -> Params:
    """Booleans as the integers the schema holds (psycopg would send a PostgreSQL boolean)."""
    if isinstance(parameters, Mapping):
        return {name: int(value) if isinstance(value, bool) else value for name, value in parameters.items()}
    return tuple(int(value) if isinstance(value, bool) else value for value in parameters)


def connect(url: str) -> PgConnection:
    """A connection to the database at ``url`` (``postgresql://user@host:5432/db``), in autocommit."""
    raw = psycopg.connect(url, autocommit=True, row_factory=_rows)
    raw.adapters.register_loader("numeric", _WholeOrFraction)
    return PgConnection(raw)


def scalar(raw: psycopg.Connection[Any], query: str | SQL | Composed, params: Params | None = None) -> Any:
    """The first value of a statement written for psycopg (``%s``), that gives one row."""
    row = raw.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def current_version(conn: PgConnection) -> int:
    """The newest migration applied (0 on an empty database)."""
    if scalar(conn.raw, "SELECT to_regclass('schema_migrations')") is None:
        return 0
    return int(scalar(conn.raw, "SELECT coalesce(max(version), 0) FROM schema_migrations"))


def apply_migrations(conn: PgConnection) -> list[str]:
    """Apply the pending migrations, each in its own transaction with its version; the names of
    those applied. Under an advisory lock, so several processes starting at once apply each once."""
    applied = []
    for version, name, sql in dialect.migrations():
        with conn.raw.transaction():
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.raw.execute(BOOKKEEPING)
            if version <= current_version(conn):
                continue
            conn.raw.execute(sql)  # no parameters: the script runs as written, several statements
            conn.raw.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name))
        applied.append(name)
    return applied
