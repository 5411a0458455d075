"""The migrations, written once for SQLite, on PostgreSQL (storage/dialect.py, storage/postgres.py)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from storage import dialect, postgres
from storage.migrate import migrations

pytestmark = pytest.mark.postgres

TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}
ON_DELETE = {"NO ACTION": "a", "CASCADE": "c", "SET NULL": "n", "RESTRICT": "r", "SET DEFAULT": "d"}


def sqlite_schema(path: Path) -> dict[str, object]:
    """Tables with their columns (name, type, not null, generated id), indexes and foreign keys."""
    conn = sqlite3.connect(path)
    for _, _, sql in migrations():
        conn.executescript(sql)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    columns, indexes, keys = {}, set(), set()
    for table in tables:
        columns[table] = [
            (name, TYPES.get(kind, f"unmapped {kind}"), bool(notnull or pk), name == "id" and pk == 1)
            for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")
        ]
        for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
            if origin == "c":
                indexes.add((table, name, bool(unique), bool(partial)))
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            keys.add((table, fk[3], fk[2], fk[4], ON_DELETE[fk[6]]))
    conn.close()
    return {"columns": columns, "indexes": indexes, "foreign keys": keys}


def postgres_schema(conn: postgres.PgConnection) -> dict[str, object]:
    columns: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for table, name, kind, nullable, identity in conn.raw.execute(
        """SELECT table_name, column_name, data_type, is_nullable, is_identity FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
           ORDER BY table_name, ordinal_position"""
    ):
        columns.setdefault(table, []).append((name, kind, nullable == "NO", identity == "YES"))
    indexes = {
        (table, name, definition.startswith("CREATE UNIQUE"), " WHERE " in definition)
        for table, name, definition in conn.raw.execute(
            """SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
               AND indexname NOT IN (SELECT conname FROM pg_constraint)"""
        )
    }
    keys = {
        tuple(key)
        for key in conn.raw.execute(
            """SELECT t.relname, a.attname, r.relname, ra.attname, c.confdeltype FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
               WHERE c.contype = 'f'"""
        )
    }
    return {"columns": dict(sorted(columns.items())), "indexes": indexes, "foreign keys": keys}


def test_every_migration_applies_on_postgres_and_gives_sqlites_tables(tmp_path: Path, postgres_url: str) -> None:
    """Same tables, columns in the same order, types mapped (INTEGER → bigint: Telegram's ids exceed
    32 bits), the same NOT NULLs, indexes and foreign keys; only a row's own ``id`` is generated.
    A new migration that does not translate fails here."""
    with postgres.connect(postgres_url) as conn:
        applied = postgres.apply_migrations(conn)
        assert applied == [name for _, name, _ in migrations()]
        assert postgres.current_version(conn) == len(migrations())
        on_postgres = postgres_schema(conn)
    on_sqlite = sqlite_schema(tmp_path / "schema.sqlite3")
    assert on_postgres["columns"] == on_sqlite["columns"]
    assert on_postgres["indexes"] == on_sqlite["indexes"]
    assert on_postgres["foreign keys"] == on_sqlite["foreign keys"]


def test_migrations_are_applied_once_even_by_processes_starting_together(postgres_url: str) -> None:
    results: list[list[str]] = []

    def start() -> None:
        with postgres.connect(postgres_url) as conn:
            results.append(postgres.apply_migrations(conn))

    starting = [threading.Thread(target=start) for _ in range(3)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    assert sorted(name for applied in results for name in applied) == sorted(name for _, name, _ in migrations())
    with postgres.connect(postgres_url) as conn:
        assert postgres.apply_migrations(conn) == []
        recorded = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [row["version"] for row in recorded] == list(range(1, len(migrations()) + 1))


def test_a_migration_only_sqlite_understands_names_the_override_to_write() -> None:
    for sqlite_only in (
        "PRAGMA foreign_keys = OFF;",
        "INSERT OR IGNORE INTO chats(chat_id) VALUES (1);",
        "CREATE TABLE t (n INTEGER PRIMARY KEY AUTOINCREMENT);",
        "UPDATE t SET at = datetime('now');",
        "SELECT rowid FROM t;",
    ):
        with pytest.raises(dialect.Untranslatable, match=r"0021_next\.postgres\.sql"):
            dialect.translate_migration("0021_next.sql", sqlite_only)


def test_a_migration_is_translated_outside_its_literals_and_comments() -> None:
    translated = dialect.translate_migration(
        "0021_next.sql",
        "-- an INTEGER PRAGMA in a comment\nCREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  chat_id INTEGER NOT NULL,\n"
        "  note TEXT DEFAULT 'INTEGER or BLOB',\n  data BLOB,\n  score REAL\n) WITHOUT ROWID;",
    )
    assert translated == (
        "-- an INTEGER PRAGMA in a comment\nCREATE TABLE t (\n  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
        "  chat_id BIGINT NOT NULL,\n  note TEXT DEFAULT 'INTEGER or BLOB',\n  data BYTEA,\n  score DOUBLE PRECISION\n);"
    )


def test_statements_take_psycopgs_placeholders_outside_literals() -> None:
    assert dialect.statement(
        "SELECT '?', x FROM t WHERE a = ? AND b LIKE '50%' -- why?\n AND c = :c AND d::text = ?"
    ) == ("SELECT '?', x FROM t WHERE a = %s AND b LIKE '50%%' -- why?\n AND c = %(c)s AND d::text = %s")
    assert dialect.statement('SELECT x % 2 FROM "odd?name"') == 'SELECT x %% 2 FROM "odd?name"'
    assert dialect.statement("SELECT max(a, min(b, ?)), max(c), 'max(d, e)' FROM t") == (
        "SELECT GREATEST(a, LEAST(b, %s)), max(c), 'max(d, e)' FROM t"
    )


def test_without_postgresql_binaries_make_test_postgres_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    from tests import postgres as server

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(server, "VERSIONED", tmp_path / "postgresql")
    with pytest.raises(server.NoPostgres, match=r"no PostgreSQL server binaries .* apt-get install postgresql"):
        server.find_binaries()
