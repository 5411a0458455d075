"""Volunteers, shifts and shift slots."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Shift, Slot, VolunteerApplication
from storage import roster
from storage.sql import Connection, Row, fetch_all, fetch_one, insert_id
from storage.timefmt import from_db, to_db


def _volunteer(row: Row) -> VolunteerApplication:
    return VolunteerApplication(
        user_id=row["user_id"],
        display_name=row["display_name"],
        skills=[s for s in row["skills"].split(",") if s],
        building=row["building"],
        approved_at=from_db(row["approved_at"]) if row["approved_at"] else None,
    )


def apply(
    conn: Connection, user_id: int, name: str | None, skills: list[str], building: int | None, at: datetime
) -> VolunteerApplication:
    """An application (again: new name, skills and building; an approved volunteer stays approved)."""
    row = fetch_one(
        conn,
        "INSERT INTO volunteers(user_id, display_name, skills, building, registered_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET display_name = coalesce(excluded.display_name, volunteers.display_name), "
        "skills = excluded.skills, "
        "building = CASE WHEN volunteers.approved_at IS NULL THEN excluded.building ELSE volunteers.building END "
        "RETURNING *",
        (user_id, name, ",".join(skills), building, to_db(at)),
    )
    assert row is not None
    return _volunteer(row)


def application_posted(conn: Connection, user_id: int, chat_id: int, message_id: int) -> None:
    """The bot's message carrying the ✅ button; only that message approves."""
    conn.execute(
        "UPDATE volunteers SET application_chat_id = ?, application_message_id = ? WHERE user_id = ?",
        (chat_id, message_id, user_id),
    )


def volunteer(conn: Connection, user_id: int) -> VolunteerApplication | None:
    row = fetch_one(conn, "SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
    return _volunteer(row) if row else None


def by_application(conn: Connection, chat_id: int, message_id: int) -> VolunteerApplication | None:
    row = fetch_one(
        conn,
        "SELECT * FROM volunteers WHERE application_chat_id = ? AND application_message_id = ?",
        (chat_id, message_id),
    )
    return _volunteer(row) if row else None


def approve(conn: Connection, user_id: int, building: int | None, by: int, at: datetime) -> bool:
    cursor = conn.execute(
        "UPDATE volunteers SET approved_by = ?, approved_at = ?, building = ? WHERE user_id = ? AND approved_at IS NULL",
        (by, to_db(at), building, user_id),
    )
    return cursor.rowcount == 1


def all_volunteers(conn: Connection) -> list[VolunteerApplication]:
    """Approved volunteers and applicants, oldest first."""
    return [_volunteer(row) for row in fetch_all(conn, "SELECT * FROM volunteers ORDER BY registered_at")]


def _shift(row: Row) -> Shift:
    return Shift(
        id=row["id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        task=row["task"],
        place=row["place"],
        started_at=from_db(row["started_at"]),
        ended_at=from_db(row["ended_at"]) if row["ended_at"] else None,
        flagged=bool(row["flagged"]),
    )


_SHIFT = "SELECT s.*, v.display_name FROM shifts s LEFT JOIN volunteers v ON v.user_id = s.user_id"


def open_shift(conn: Connection, user_id: int) -> Shift | None:
    row = fetch_one(conn, f"{_SHIFT} WHERE s.user_id = ? AND s.ended_at IS NULL", (user_id,))
    return _shift(row) if row else None


def open_shifts(conn: Connection) -> list[Shift]:
    return [
        _shift(row)
        for row in fetch_all(conn, f"{_SHIFT} WHERE s.ended_at IS NULL ORDER BY s.task, s.place, s.started_at")
    ]


def start_shift(
    conn: Connection,
    user_id: int,
    task: str | None,
    place: str | None,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> int | None:
    return insert_id(
        conn,
        "INSERT INTO shifts(user_id, task, place, chat_id, message_id, started_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (user_id, task, place, chat_id, message_id, to_db(at)),
    )


def end_shift(
    conn: Connection, shift_id: int, at: datetime, *, flagged: bool = False, bot_id: int | None = None
) -> bool:
    """End an open shift; False when it had ended already (another process ended it meanwhile) or,
    with ``bot_id`` (the tick closing a forgotten shift, which that bot then tells), when the shift
    was started in a chat that bot is not in and another bot is (:func:`roster.serves_chat`)."""
    served, bots = ("", ()) if bot_id is None else (f" AND {roster.serves_chat('shifts.chat_id')}", (bot_id,))
    cursor = conn.execute(
        f"UPDATE shifts SET ended_at = ?, flagged = ? WHERE id = ? AND ended_at IS NULL{served}",
        (to_db(at), int(flagged), shift_id, *bots),
    )
    return cursor.rowcount == 1


def shifts_between(conn: Connection, start: datetime, end: datetime) -> list[Shift]:
    """Shifts that started in [start, end)."""
    return [
        _shift(row)
        for row in fetch_all(
            conn,
            f"{_SHIFT} WHERE s.started_at >= ? AND s.started_at < ? ORDER BY s.started_at",
            (to_db(start), to_db(end)),
        )
    ]


# ------------------------------------------------------------------------------ slots
def create_slot(
    conn: Connection,
    *,
    task: str,
    starts_at: datetime,
    ends_at: datetime,
    headcount: int,
    chat_id: int,
    message_id: int,
    opened_by: int,
    at: datetime,
) -> int | None:
    return insert_id(
        conn,
        "INSERT INTO slots(task, starts_at, ends_at, headcount, chat_id, message_id, opened_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (task, to_db(starts_at), to_db(ends_at), headcount, chat_id, message_id, opened_by, to_db(at)),
    )


def _slots(conn: Connection, where: str, params: tuple) -> list[Slot]:
    rows = fetch_all(conn, f"SELECT * FROM slots WHERE {where} ORDER BY starts_at, id", params)
    slots = []
    for row in rows:
        takers = conn.execute("SELECT user_id FROM slot_takers WHERE slot_id = ? ORDER BY taken_at", (row["id"],))
        slots.append(
            Slot(
                id=row["id"],
                task=row["task"],
                starts_at=from_db(row["starts_at"]),
                ends_at=from_db(row["ends_at"]),
                headcount=row["headcount"],
                chat_id=row["chat_id"],
                takers=[r["user_id"] for r in takers.fetchall()],
                reminded=bool(row["reminded"]),
            )
        )
    return slots


def slot(conn: Connection, slot_id: int) -> Slot | None:
    found = _slots(conn, "id = ?", (slot_id,))
    return found[0] if found else None


def upcoming_slots(conn: Connection, now: datetime) -> list[Slot]:
    return _slots(conn, "ends_at > ?", (to_db(now),))


def take_slot(conn: Connection, slot_id: int, user_id: int, at: datetime) -> bool:
    cursor = conn.execute(
        "INSERT INTO slot_takers(slot_id, user_id, taken_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (slot_id, user_id, to_db(at)),
    )
    return cursor.rowcount == 1


def mark_reminded(conn: Connection, bot_id: int, slot_id: int) -> bool:
    """The slot's reminder is ``bot_id``'s to send: not sent yet, and the bot is in the slot's chat
    or no bot is (:func:`roster.serves_chat`)."""
    cursor = conn.execute(
        f"UPDATE slots SET reminded = 1 WHERE id = ? AND reminded = 0 AND {roster.serves_chat('slots.chat_id')}",
        (slot_id, bot_id),
    )
    return cursor.rowcount == 1
