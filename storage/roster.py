"""Chats, households, members and roles."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import ChatBinding, Household, Join, Member, RoleGrant
from storage import dialect, personal
from storage.sql import Connection, Row, fetch_all, fetch_one
from storage.timefmt import to_db

_HOUSEHOLD = "h.id, h.building, h.unit, h.room, h.special_care"


def _household(row: Row, prefix: str = "") -> Household:
    return Household(
        id=row[f"{prefix}id"],
        building=row[f"{prefix}building"],
        unit=row[f"{prefix}unit"] or None,
        room=row[f"{prefix}room"],
        special_care=bool(row[f"{prefix}special_care"]),
    )


def _binding(row: Row) -> ChatBinding:
    return ChatBinding(
        chat_id=row["chat_id"],
        kind=row["kind"],
        building=row["building"],
        title=row["title"],
    )


# ------------------------------------------------------------------------------ chats
def chat(conn: Connection, chat_id: int) -> ChatBinding | None:
    row = fetch_one(conn, "SELECT * FROM chats WHERE chat_id = ?", (chat_id,))
    return _binding(row) if row else None


def bind_chat(
    conn: Connection,
    bot_id: int,
    chat_id: int,
    kind: str,
    building: int | None,
    title: str,
    by: int | None,
    at: datetime,
) -> None:
    """The chat is the building's (or the committee's) and ``bot_id`` is in it."""
    conn.execute(
        "INSERT INTO chats(chat_id, kind, building, title, bound_by, bound_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET kind = excluded.kind, building = excluded.building, "
        "title = excluded.title, bound_by = excluded.bound_by, bound_at = excluded.bound_at",
        (chat_id, kind, building, title, by, to_db(at)),
    )
    present(conn, bot_id, chat_id)


def chats(conn: Connection, bot_id: int, kind: str, building: int | None = None) -> list[ChatBinding]:
    """The bound chats of ``kind`` that ``bot_id`` is in (not removed from)."""
    sql = (
        "SELECT c.* FROM chats c JOIN chat_bots b ON b.chat_id = c.chat_id "
        "WHERE b.bot_id = ? AND b.kicked = 0 AND c.kind = ?"
    )
    params: list[object] = [bot_id, kind]
    if building is not None:
        sql += " AND c.building = ?"
        params.append(building)
    order = " ORDER BY c.building IS NOT NULL, c.building, c.chat_id"
    return [_binding(row) for row in fetch_all(conn, sql + order, params)]


def building_chats_and_senders(conn: Connection, bot_id: int) -> list[tuple[ChatBinding, int]]:
    """Every bound building chat a bot is in (not removed from), whichever bot's, with the bot to
    send there: ``bot_id`` when it is in it, else the lowest id of those that are."""
    rows = fetch_all(
        conn,
        "SELECT c.*, b.bot_id AS sender FROM chats c JOIN chat_bots b ON b.chat_id = c.chat_id "
        "WHERE c.kind = 'building' AND b.kicked = 0 "
        "ORDER BY c.building IS NOT NULL, c.building, c.chat_id, b.bot_id <> ?, b.bot_id",
        (bot_id,),
    )
    senders: dict[int, tuple[ChatBinding, int]] = {}
    for row in rows:
        senders.setdefault(row["chat_id"], (_binding(row), row["sender"]))
    return list(senders.values())


def serves(building: str) -> str:
    """SQL: the bot given as the one ``?`` parameter may take scheduled work about the building
    ``building`` (an SQL expression): it is in one of the building's bound chats, or no bot is (any
    bot then, as with one bot). Used inside the write that claims the work, so claim and rule are
    one moment."""
    present = (
        "SELECT 1 FROM chats sc JOIN chat_bots sb ON sb.chat_id = sc.chat_id "
        f"WHERE sc.kind = 'building' AND sc.building = {building} AND sb.kicked = 0"
    )
    return f"(EXISTS ({present} AND sb.bot_id = ?) OR NOT EXISTS ({present}))"


def serves_chat(chat: str, otherwise: str = "1 = 1") -> str:
    """SQL: the bot given as the first ``?`` parameter may take scheduled work that belongs to the
    chat ``chat`` (an SQL expression): it is in that chat, or no bot is and ``otherwise`` holds
    (its parameters follow)."""
    present = f"SELECT 1 FROM chat_bots cb WHERE cb.chat_id = {chat} AND cb.kicked = 0"
    return f"(EXISTS ({present} AND cb.bot_id = ?) OR NOT EXISTS ({present}) AND {otherwise})"


def present(conn: Connection, bot_id: int, chat_id: int) -> None:
    """``bot_id`` is in the chat (bound there, added back, added beside another bot)."""
    conn.execute(
        "INSERT INTO chat_bots(bot_id, chat_id) VALUES (?, ?) ON CONFLICT(bot_id, chat_id) DO UPDATE SET kicked = 0",
        (bot_id, chat_id),
    )


def mark_kicked(conn: Connection, bot_id: int, chat_id: int) -> None:
    """``bot_id`` was removed from the chat; other bots in it stay."""
    conn.execute("UPDATE chat_bots SET kicked = 1 WHERE bot_id = ? AND chat_id = ?", (bot_id, chat_id))


def adopt_chats(conn: Connection, bot_id: int) -> None:
    """Chats from before they were kept per bot (bot_id 0, migration 0027) are this bot's: the
    database had one bot then."""
    conn.execute(
        "UPDATE chat_bots SET bot_id = ? WHERE bot_id = 0 AND NOT EXISTS "
        "(SELECT 1 FROM chat_bots mine WHERE mine.bot_id = ? AND mine.chat_id = chat_bots.chat_id)",
        (bot_id, bot_id),
    )


def move_chat_everywhere(conn: Connection, old_id: int, new_id: int) -> list[str]:
    """A group became a supergroup: every stored chat id (columns ``chat_id`` and ``*_chat_id``)
    moves to the new id. Returns the tables touched. (The tables and columns come from the
    database's own catalogue: ``dialect.columns``.)"""
    touched = []
    for table, column in dialect.columns(conn):
        if column == "chat_id" or column.endswith("_chat_id"):
            result = conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new_id, old_id))
            if result.rowcount:
                touched.append(f"{table}.{column}")
    return touched


# ------------------------------------------------------------------------------ households and members
def household(conn: Connection, building: int, unit: int | None, room: int) -> Household | None:
    row = fetch_one(
        conn,
        f"SELECT {_HOUSEHOLD} FROM households h WHERE building = ? AND unit = ? AND room = ?",
        (building, unit or 0, room),
    )
    return _household(row) if row else None


def ensure_household(
    conn: Connection,
    building: int,
    unit: int | None,
    room: int,
    at: datetime,
    *,
    contact_name: str | None = None,
    special_care: bool = False,
    self_registered: bool = False,
) -> Household:
    """The room's household, created on first use. ``self_registered``: created by someone registering
    to it, listed only while someone lives there (named any other way, it stays listed)."""
    conn.execute(
        "INSERT INTO households(building, unit, room, contact_name, special_care, created_at, self_registered) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(building, unit, room) DO UPDATE SET "
        "contact_name = coalesce(excluded.contact_name, households.contact_name), "
        "special_care = max(households.special_care, excluded.special_care), "
        "self_registered = min(households.self_registered, excluded.self_registered)",
        (building, unit or 0, room, contact_name, int(special_care), to_db(at), int(self_registered)),
    )
    found = household(conn, building, unit, room)
    assert found is not None
    return found


def households(conn: Connection, building: int | None = None) -> list[Household]:
    """The roster: rooms from the roster file or named by a leader, and rooms someone lives in."""
    sql = (
        f"SELECT {_HOUSEHOLD} FROM households h WHERE (h.self_registered = 0 "
        "OR EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id))"
    )
    params: tuple = ()
    if building is not None:
        sql += " AND building = ?"
        params = (building,)
    return [_household(row) for row in fetch_all(conn, sql + " ORDER BY building, unit, room", params)]


def member(conn: Connection, user_id: int) -> Member | None:
    row = fetch_one(
        conn,
        "SELECT m.user_id, m.display_name, h.id AS h_id, h.building AS h_building, h.unit AS h_unit, "
        "h.room AS h_room, h.special_care AS h_special_care "
        "FROM members m LEFT JOIN households h ON h.id = m.household_id WHERE m.user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    home = _household(row, "h_") if row["h_id"] is not None else None
    return Member(user_id=row["user_id"], household=home, display_name=row["display_name"])


def members_of(conn: Connection, household_id: int) -> list[int]:
    return [
        row["user_id"]
        for row in fetch_all(
            conn, "SELECT user_id FROM members WHERE household_id = ? ORDER BY user_id", (household_id,)
        )
    ]


def set_member(conn: Connection, user_id: int, household_id: int, display_name: str | None, at: datetime) -> None:
    conn.execute(
        "INSERT INTO members(user_id, household_id, display_name, registered_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET household_id = excluded.household_id, "
        "display_name = coalesce(excluded.display_name, members.display_name), "
        "registered_at = excluded.registered_at",
        (user_id, household_id, display_name, to_db(at)),
    )


def member_and_roles(conn: Connection, user_id: int) -> tuple[Member | None, list[RoleGrant]]:
    """Everything the permission checks need about a user, in one query."""
    rows = fetch_all(
        conn,
        "SELECT m.user_id AS m_user, m.display_name, h.id AS h_id, h.building AS h_building, h.unit AS h_unit, "
        "h.room AS h_room, h.special_care AS h_special_care, r.role, r.building AS r_building "
        "FROM (SELECT ? AS uid) u LEFT JOIN members m ON m.user_id = u.uid "
        "LEFT JOIN households h ON h.id = m.household_id LEFT JOIN roles r ON r.user_id = u.uid",
        (user_id,),
    )
    first = rows[0]
    member = None
    if first["m_user"] is not None:
        home = _household(first, "h_") if first["h_id"] is not None else None
        member = Member(user_id=user_id, household=home, display_name=first["display_name"])
    grants = [RoleGrant(user_id=user_id, role=r["role"], building=r["r_building"]) for r in rows if r["role"]]
    return member, grants


# ------------------------------------------------------------------------------ joining a household
def request_join(conn: Connection, user_id: int, household_id: int, display_name: str | None, at: datetime) -> None:
    """A request to join (replacing the person's earlier one, and the message it was on)."""
    conn.execute(
        "INSERT INTO household_joins(user_id, household_id, display_name, requested_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET household_id = excluded.household_id, "
        "display_name = excluded.display_name, requested_at = excluded.requested_at, chat_id = NULL, message_id = NULL",
        (user_id, household_id, display_name, to_db(at)),
    )


def join_posted(conn: Connection, user_id: int, chat_id: int, message_id: int) -> None:
    conn.execute(
        "UPDATE household_joins SET chat_id = ?, message_id = ? WHERE user_id = ?", (chat_id, message_id, user_id)
    )


def join(conn: Connection, *, user_id: int | None = None, chat_id: int = 0, message_id: int = 0) -> Join | None:
    """The waiting request of ``user_id``, or the one the bot's message ``message_id`` in ``chat_id`` carries."""
    where, params = (
        ("j.user_id = ?", (user_id,))
        if user_id is not None
        else ("j.chat_id = ? AND j.message_id = ?", (chat_id, message_id))
    )
    row = fetch_one(
        conn,
        f"SELECT j.user_id, j.display_name, {_HOUSEHOLD} FROM household_joins j "
        f"JOIN households h ON h.id = j.household_id WHERE {where}",
        params,
    )
    return Join(user_id=row["user_id"], household=_household(row), display_name=row["display_name"]) if row else None


def drop_join(conn: Connection, user_id: int) -> None:
    conn.execute("DELETE FROM household_joins WHERE user_id = ?", (user_id,))


# ------------------------------------------------------------------------------ roles
def grant(conn: Connection, user_id: int, role: str, building: int, by: int | None, at: datetime) -> bool:
    cursor = conn.execute(
        "INSERT INTO roles(user_id, role, building, granted_by, granted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (user_id, role, building, by, to_db(at)),
    )
    return cursor.rowcount == 1


def revoke(conn: Connection, user_id: int, role: str, building: int | None = None) -> int:
    sql = "DELETE FROM roles WHERE user_id = ? AND role = ?"
    params: list[object] = [user_id, role]
    if building is not None:
        sql += " AND building = ?"
        params.append(building)
    cursor = conn.execute(sql, params)
    return cursor.rowcount


def leaders_of(conn: Connection, building: int) -> list[int]:
    return [
        row["user_id"]
        for row in fetch_all(conn, "SELECT user_id FROM roles WHERE role = 'leader' AND building = ?", (building,))
    ]


# ------------------------------------------------------------------------------ private data
def save_phone(conn: Connection, user_id: int, phone: str, at: datetime) -> None:
    conn.execute(
        "INSERT INTO private_contacts(user_id, phone, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at",
        (user_id, phone, to_db(at)),
    )


def phone(conn: Connection, user_id: int) -> str | None:
    row = fetch_one(conn, "SELECT phone FROM private_contacts WHERE user_id = ?", (user_id,))
    return row["phone"] if row else None


def purge_personal_data(conn: Connection, at: datetime) -> dict[str, int]:
    """Forget every person (see ``storage.personal``); keep households and every anonymous count."""
    return personal.purge(conn, at)


def role_holders(conn: Connection) -> list[int]:
    """Everyone holding a role (leader, approved volunteer, appointed committee)."""
    return [row["user_id"] for row in fetch_all(conn, "SELECT DISTINCT user_id FROM roles ORDER BY user_id")]
