"""Medicine requests, their items, private details and card custody."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.models import CardOut, MedItem, MedPrivate, MedRequest
from bot.domain.rooms import room_label
from bot.domain.statuses import MED_CLAIMABLE, MedStatus
from storage import roster
from storage.sql import Connection, Row, fetch_all, fetch_one
from storage.timefmt import from_db, to_db

_SELECT = "SELECT r.*, h.building, h.unit, h.room FROM med_requests r JOIN households h ON h.id = r.household_id"


def _label(row: Row) -> str:
    return room_label(row["building"], row["unit"], row["room"])


def _items(conn: Connection, request_ids: list[int]) -> dict[int, list[MedItem]]:
    found: dict[int, list[MedItem]] = {rid: [] for rid in request_ids}
    for start in range(0, len(request_ids), 500):
        chunk = request_ids[start : start + 500]
        for row in fetch_all(
            conn,
            f"SELECT * FROM med_items WHERE request_id IN ({','.join('?' * len(chunk))}) ORDER BY request_id, position",
            chunk,
        ):
            found[row["request_id"]].append(MedItem(name=row["name"], quantity=row["quantity"], unit=row["unit"]))
    return found


def _requests(conn: Connection, rows: Iterable[Row]) -> list[MedRequest]:
    rows = list(rows)
    items = _items(conn, [row["id"] for row in rows])
    return [
        MedRequest(
            id=row["id"],
            household_id=row["household_id"],
            household=_label(row),
            building=row["building"],
            requested_by=row["requested_by"],
            chat_id=row["chat_id"],
            message_id=row["message_id"],
            status=MedStatus(row["status"]),
            urgent=bool(row["urgent"]),
            volunteer_id=row["volunteer_id"],
            volunteer_name=row["volunteer_name"],
            cost_fen=row["cost_fen"],
            created_at=from_db(row["created_at"]),
            items=items[row["id"]],
        )
        for row in rows
    ]


def get(conn: Connection, request_id: int) -> MedRequest | None:
    found = _requests(conn, fetch_all(conn, f"{_SELECT} WHERE r.id = ?", (request_id,)))
    return found[0] if found else None


def by_message(conn: Connection, chat_id: int, message_id: int) -> MedRequest | None:
    found = _requests(
        conn, fetch_all(conn, f"{_SELECT} WHERE r.chat_id = ? AND r.message_id = ?", (chat_id, message_id))
    )
    return found[0] if found else None


def status_in(statuses: Sequence[MedStatus], column: str = "r.status") -> str:
    """``r.status IN (?, ?, …)``, a condition whose parameters are ``statuses``."""
    return f"{column} IN ({', '.join('?' * len(statuses))})"


def with_status(conn: Connection, statuses: Sequence[MedStatus]) -> list[MedRequest]:
    """Requests in these states, urgent first, then oldest first."""
    rows = fetch_all(conn, f"{_SELECT} WHERE {status_in(statuses)} ORDER BY r.urgent DESC, r.id", statuses)
    return _requests(conn, rows)


def create(
    conn: Connection,
    *,
    household_id: int,
    requested_by: int,
    chat_id: int,
    message_id: int,
    status: MedStatus,
    urgent: bool,
    at: datetime,
) -> int | None:
    """The request row (its items are :func:`add_items`); None when this message has filed one."""
    row = fetch_one(
        conn,
        "INSERT INTO med_requests(household_id, requested_by, chat_id, message_id, status, urgent, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(chat_id, message_id) DO NOTHING RETURNING id",
        (household_id, requested_by, chat_id, message_id, status, int(urgent), to_db(at), to_db(at)),
    )
    return row["id"] if row else None


def add_items(conn: Connection, request_id: int, items: list[MedItem]) -> None:
    conn.executemany(
        "INSERT INTO med_items(request_id, position, name, quantity, unit) VALUES (?, ?, ?, ?, ?)",
        [(request_id, i, item.name, item.quantity, item.unit) for i, item in enumerate(items)],
    )


def replace_items(conn: Connection, request_id: int, items: list[MedItem]) -> None:
    conn.execute("DELETE FROM med_items WHERE request_id = ?", (request_id,))
    add_items(conn, request_id, items)


def update(conn: Connection, request_id: int, at: datetime, **fields: object) -> None:
    """Set columns of one request (names are this module's callers' constants, never user input)."""
    allowed = {"status", "urgent", "volunteer_id", "volunteer_name", "cost_fen", "delivered_at"}
    assert set(fields) <= allowed, fields
    values = {key: (to_db(value) if isinstance(value, datetime) else value) for key, value in fields.items()}
    assignments = ", ".join(f"{key} = ?" for key in values)
    conn.execute(
        f"UPDATE med_requests SET {assignments}, updated_at = ? WHERE id = ?", [*values.values(), to_db(at), request_id]
    )


def mark_waiting_told(
    conn: Connection, bot_id: int, before: datetime, urgent_before: datetime, at: datetime
) -> list[int]:
    """Requests still awaiting the resident's ✅, filed before ``before`` (``urgent_before`` when urgent),
    whose leader was not told yet, of the buildings ``bot_id`` serves (:func:`roster.serves`):
    marked told at ``at``; their ids."""
    building = "(SELECT h.building FROM households h WHERE h.id = med_requests.household_id)"
    rows = fetch_all(
        conn,
        "UPDATE med_requests SET waiting_told_at = ? WHERE status = 'pending' AND waiting_told_at IS NULL "
        f"AND created_at <= CASE WHEN urgent = 1 THEN ? ELSE ? END AND {roster.serves(building)} RETURNING id",
        (to_db(at), to_db(urgent_before), to_db(before), bot_id),
    )
    return sorted(row["id"] for row in rows)


# ------------------------------------------------------------------------------ nudges
# Each nudge: the column that marks it sent, the states it is for (the resident's reminder: awaiting
# their ✅; the volunteers on duty and the leader: nobody has claimed it), and which of those
# requests are due (filed, or for the leader: the volunteers told, before a moment; ``urgent_only``
# keeps the non-urgent for later). A bot is given those of the buildings it serves (the resident's
# reminder, which may fall back to the request's group: those of the groups it is in).
NUDGES: dict[str, tuple[str, Sequence[MedStatus], str]] = {
    "remind": ("reminded_at", (MedStatus.PENDING,), "r.created_at <= ?"),
    "duty": ("duty_told_at", MED_CLAIMABLE, "r.urgent = 1 AND r.created_at <= ?"),
    "leader": ("leader_nudged_at", MED_CLAIMABLE, "r.urgent = 1 AND r.duty_told_at <= ?"),
}


def nudges_due(
    conn: Connection, bot_id: int, kind: str, before: datetime, *, urgent_only: bool = False
) -> list[MedRequest]:
    """Requests due for the nudge ``kind`` (see :data:`NUDGES`) and not yet given it, that ``bot_id``
    may send, oldest first."""
    column, statuses, due = NUDGES[kind]
    urgent = " AND r.urgent = 1" if urgent_only else ""
    served, bots = roster.serves("h.building"), [bot_id]
    if kind == "remind":
        served, bots = roster.serves_chat("r.chat_id", served), [bot_id, bot_id]
    rows = fetch_all(
        conn,
        f"{_SELECT} WHERE r.{column} IS NULL AND {status_in(statuses)} AND {due}{urgent} AND {served} ORDER BY r.id",
        (*statuses, to_db(before), *bots),
    )
    return _requests(conn, rows)


def mark_nudged(conn: Connection, kind: str, request_id: int, at: datetime) -> None:
    column, _, _ = NUDGES[kind]
    conn.execute(f"UPDATE med_requests SET {column} = ? WHERE id = ?", (to_db(at), request_id))


# ------------------------------------------------------------------------------ private details
def private(conn: Connection, request_id: int) -> MedPrivate | None:
    row = fetch_one(conn, "SELECT * FROM med_private WHERE request_id = ?", (request_id,))
    if row is None:
        return None
    return MedPrivate(
        request_id=row["request_id"],
        card_number=row["card_number"],
        phone=row["phone"],
        notes=row["notes"],
        card_handed=bool(row["card_handed"]),
        photo_file_id=row["photo_file_id"],
    )


def save_private(conn: Connection, details: MedPrivate, at: datetime) -> None:
    conn.execute(
        "INSERT INTO med_private(request_id, card_number, phone, notes, card_handed, photo_file_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(request_id) DO UPDATE SET card_number = coalesce(excluded.card_number, med_private.card_number), "
        "phone = coalesce(excluded.phone, med_private.phone), notes = coalesce(excluded.notes, med_private.notes), "
        "card_handed = max(med_private.card_handed, excluded.card_handed), "
        "photo_file_id = coalesce(excluded.photo_file_id, med_private.photo_file_id), updated_at = excluded.updated_at",
        (
            details.request_id,
            details.card_number,
            details.phone,
            details.notes,
            int(details.card_handed),
            details.photo_file_id,
            to_db(at),
        ),
    )


def start_session(conn: Connection, user_id: int, request_id: int, at: datetime) -> None:
    conn.execute(
        "INSERT INTO med_private_sessions(user_id, request_id, started_at) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET request_id = excluded.request_id, started_at = excluded.started_at",
        (user_id, request_id, to_db(at)),
    )


def take_session(conn: Connection, user_id: int) -> int | None:
    row = fetch_one(conn, "DELETE FROM med_private_sessions WHERE user_id = ? RETURNING request_id", (user_id,))
    return row["request_id"] if row else None


def purge_private(conn: Connection) -> int:
    cursor = conn.execute("DELETE FROM med_private")
    conn.execute("UPDATE med_requests SET volunteer_name = NULL")
    return cursor.rowcount


# ------------------------------------------------------------------------------ cards
def take_card(conn: Connection, request_id: int, household_id: int, holder_id: int, at: datetime) -> None:
    conn.execute(
        "INSERT INTO card_custody(request_id, household_id, holder_id, taken_at) VALUES (?, ?, ?, ?)",
        (request_id, household_id, holder_id, to_db(at)),
    )


def return_card(conn: Connection, request_id: int, at: datetime) -> int:
    cursor = conn.execute(
        "UPDATE card_custody SET returned_at = ? WHERE request_id = ? AND returned_at IS NULL", (to_db(at), request_id)
    )
    return cursor.rowcount


def cards_out(conn: Connection) -> list[CardOut]:
    rows = fetch_all(
        conn,
        "SELECT c.request_id, c.holder_id, c.taken_at, r.volunteer_name, h.building, h.unit, h.room "
        "FROM card_custody c JOIN med_requests r ON r.id = c.request_id JOIN households h ON h.id = c.household_id "
        "WHERE c.returned_at IS NULL ORDER BY h.building, h.unit, h.room",
    )
    return [
        CardOut(
            request_id=row["request_id"],
            household=_label(row),
            holder_id=row["holder_id"],
            holder_name=row["volunteer_name"],
            taken_at=from_db(row["taken_at"]),
        )
        for row in rows
    ]
