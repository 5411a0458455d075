"""storage/postgres.py: storage's SQLite statements and row reading, unchanged, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from storage import postgres

pytestmark = pytest.mark.postgres

HOUSEHOLD = "INSERT INTO households(building, room, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"


@pytest.fixture
def conn(postgres_url: str) -> Iterator[postgres.PgConnection]:
    with postgres.connect(postgres_url) as conn:
        postgres.apply_migrations(conn)
        yield conn


def test_an_insert_returns_its_new_id_and_a_conflict_inserts_nothing(conn: postgres.PgConnection) -> None:
    first = conn.execute(HOUSEHOLD, (3, 502, "2026-04-10T01:00:00"))
    assert first.rowcount == 1
    new_id = first.fetchone()["id"]
    second = conn.execute(HOUSEHOLD, (3, 601, "2026-04-10T01:00:00")).fetchone()["id"]
    assert second == new_id + 1
    again = conn.execute(HOUSEHOLD, (3, 502, "2026-04-10T02:00:00"))
    assert (again.rowcount, again.fetchone()) == (0, None)


def test_rows_read_by_name_in_any_case_by_position_and_unpacked(conn: postgres.PgConnection) -> None:
    conn.execute(HOUSEHOLD, (3, 502, "2026-04-10T01:00:00"))
    row = conn.execute(
        "SELECT building AS Building, room, count(*) AS n FROM households GROUP BY building, room"
    ).fetchone()
    assert (row["building"], row["BUILDING"], row["room"], row[2]) == (3, 3, 502, 1)
    building, room, n = row
    assert (building, room, n) == (3, 502, 1)
    assert dict(row) == {"building": 3, "room": 502, "n": 1}
    assert conn.execute("SELECT room FROM households WHERE building = ?", (99,)).fetchall() == []


def test_bytes_booleans_and_sums_come_back_as_sqlite_gives_them(conn: postgres.PgConnection) -> None:
    pickled = bytes(range(256))
    conn.execute(
        "INSERT INTO processed_updates(bot_id, update_id, processed_at, result) VALUES (1, ?, ?, ?)",
        (2**40, "t", pickled),
    )
    assert conn.execute("SELECT result FROM processed_updates WHERE update_id = ?", (2**40,)).fetchone()[0] == pickled
    household = conn.execute(HOUSEHOLD, (3, 502, "t")).fetchone()["id"]
    buy = conn.execute(
        "INSERT INTO group_buys(title, price_fen, unit, opened_by, chat_id, message_id, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        ("蔬菜包", 6800, "份", 9001, -1003, 1, "open", "t"),
    ).fetchone()["id"]
    conn.executemany(
        "INSERT INTO group_buy_orders(buy_id, household_id, quantity, paid, updated_at) VALUES (?, ?, ?, ?, ?)",
        [(buy, household, 2, True, "t")],
    )
    totals = conn.execute(
        "SELECT paid, sum(quantity) AS units, sum(quantity * price_fen) / 100.0 AS yuan "
        "FROM group_buy_orders JOIN group_buys ON group_buys.id = buy_id GROUP BY paid"
    ).fetchone()
    assert (totals["paid"], totals["units"], totals["yuan"]) == (1, 2, 136.0)
    assert (type(totals["units"]), type(totals["yuan"])) == (int, float)


def test_literal_question_marks_percents_and_named_parameters(conn: postgres.PgConnection) -> None:
    conn.execute("INSERT INTO chat_settings(chat_id, language) VALUES (?, ?)", (-1003, "zh"))
    found = conn.execute(
        "SELECT '50%?' AS label, chat_id FROM chat_settings WHERE language LIKE 'z%' AND chat_id = :chat",
        {"chat": -1003},
    ).fetchall()
    assert [(row["label"], row["chat_id"]) for row in found] == [("50%?", -1003)]


def test_sqlites_scalar_max_and_min_beside_the_aggregates(conn: postgres.PgConnection) -> None:
    for room in (502, 601):
        conn.execute(HOUSEHOLD, (3, room, "t"))
    conn.execute(
        "INSERT INTO households(building, room, special_care, created_at) VALUES (3, 502, 1, 't') "
        "ON CONFLICT(building, unit, room) DO UPDATE SET special_care = max(households.special_care, excluded.special_care)"
    )
    row = conn.execute(
        "SELECT max(room) AS top, min(max(room, 600)) AS low, max(special_care) AS care FROM households"
    ).fetchone()
    assert (row["top"], row["low"], row["care"]) == (601, 600, 1)


def test_a_statement_run_often_is_prepared_on_the_server(conn: postgres.PgConnection) -> None:
    """Parsed and planned once per connection, its parameters bound on the server."""
    for room in range(501, 508):
        conn.execute(HOUSEHOLD, (3, room, "t"))
    prepared = conn.raw.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    assert any("INSERT INTO households" in row[0] for row in prepared)


def test_a_batch_of_savepoints_as_the_writer_runs_them(conn: postgres.PgConnection) -> None:
    """BEGIN, a savepoint per write, a failing write undone alone, then COMMIT."""
    assert not conn.in_transaction
    conn.execute("BEGIN")
    conn.execute("SAVEPOINT write")
    conn.execute(HOUSEHOLD, (3, 502, "t"))
    conn.execute("RELEASE write")
    conn.execute("SAVEPOINT write")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO chats(chat_id, kind, bound_at) VALUES (?, ?, ?)", (-1003, "shop", "t"))
    assert conn.in_transaction
    conn.execute("ROLLBACK TO write")
    conn.execute("RELEASE write")
    conn.execute("COMMIT")
    assert not conn.in_transaction
    assert [tuple(row) for row in conn.execute("SELECT building, room FROM households").fetchall()] == [(3, 502)]
