"""Every column that holds personal data, and what /purge does to it.

Personal data: names, Telegram user ids (and private chat ids, which are the same numbers), rooms
linked to people, drugs, notes, phones, cards, places, photos. Purge deletes a row where the row
itself is personal, and otherwise replaces the personal columns (an SQL expression over the old
row), keeping what the anonymous counts need: requests, orders, hours, checks still add up.

Every other column is named in ``NOT_PERSONAL`` with the reason; ``tests/test_privacy.py`` fails on a
column in neither, so a new column cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.sql import Connection, fetch_one
from storage.timefmt import to_db


@dataclass(frozen=True)
class Purge:
    """What purge does to one table: delete its rows (those matching ``where``, or all), or set
    ``columns`` to the SQL expressions given."""

    delete: bool = False
    where: str = ""
    columns: dict[str, str] = field(default_factory=dict)


DELETE = Purge(delete=True)
NOBODY = "0"  # a NOT NULL user id column: nobody
# A message in a private chat: its chat id is the user's id. The pair (chat_id, message_id) stays
# unique by taking the row's own negative id as the message id.
PRIVATE_CHAT = {
    "chat_id": "min(chat_id, 0)",
    "message_id": "CASE WHEN chat_id > 0 THEN -id ELSE message_id END",
}

PERSONAL: dict[str, Purge] = {
    "private_contacts": DELETE,
    "members": DELETE,  # user → room
    "roles": DELETE,  # user → role and building (the configured committee stays)
    "volunteers": DELETE,  # names, skills
    "slot_takers": DELETE,  # who takes which slot
    "med_private": DELETE,  # card number, phone, notes
    "med_private_sessions": DELETE,
    "care_households": DELETE,  # health needs, who checks on whom
    "questions": DELETE,  # a command waiting for its sender's answer
    "household_joins": DELETE,  # who asks to join which room
    "inbox": DELETE,  # updates as Telegram sent them: names, texts
    "menus_published": DELETE,  # a menu's scope names a person (sent again once after)
    "outbox": DELETE,  # what the bot owes or sent a chat (a private message may hold a card number)
    "processed_updates": Purge(columns={"result": "NULL"}),  # what an update's first write gave back
    "chat_settings": Purge(delete=True, where="chat_id > 0"),  # a person's language
    "digests_sent": Purge(delete=True, where="chat_id > 0"),  # a report sent to a person's chat
    "buttons": Purge(delete=True, where="chat_id > 0"),  # the buttons of a message in a person's chat
    "households": Purge(columns={"contact_name": "NULL", "special_care": "0"}),
    "audit_log": Purge(columns={"user_id": "NULL", "chat_id": "NULL", "detail": "''"}),
    "chats": Purge(columns={"bound_by": "NULL"}),
    "med_requests": Purge(
        columns={"requested_by": NOBODY, "volunteer_id": "NULL", "volunteer_name": "NULL", **PRIVATE_CHAT}
    ),
    "med_items": Purge(columns={"name": "''"}),  # the drug, of a room
    "card_custody": Purge(columns={"holder_id": NOBODY}),
    "group_buys": Purge(columns={"opened_by": NOBODY, **PRIVATE_CHAT}),
    "group_buy_boards": Purge(delete=True, where="board_chat_id > 0"),  # a buy's board in a person's chat
    "group_buy_orders": Purge(columns={"updated_by": "NULL"}),
    "shifts": Purge(columns={"user_id": NOBODY, "place": "NULL", **PRIVATE_CHAT}),
    "slots": Purge(columns={"opened_by": NOBODY, **PRIVATE_CHAT}),
    "care_checks": Purge(columns={"checked_by": NOBODY}),
    "notices": Purge(columns={"created_by": NOBODY}),
    "rumors": Purge(columns={"issued_by": NOBODY}),
}

NOT_PERSONAL: dict[str, dict[str, str]] = {
    "processed_updates": {"bot_id": "the bot's id", "update_id": "Telegram's counter", "processed_at": "time"},
    "audit_log": {"id": "row", "at": "time", "action": "what was done", "outcome": "ok or refused"},
    "chat_settings": {"chat_id": "a group (private chats are deleted)", "language": "a group's language"},
    "chats": {
        "chat_id": "a group",
        "kind": "building or committee",
        "building": "a building number",
        "title": "the group's public name",
        "bound_at": "time",
    },
    "chat_bots": {"bot_id": "a bot's id", "chat_id": "a group the bot is in", "kicked": "flag: the bot was removed"},
    "households": {
        "id": "row",
        "building": "address",
        "unit": "address",
        "room": "address",
        "created_at": "time",
        "self_registered": "flag: listed only while someone lives there",
    },
    "med_requests": {
        "id": "row",
        "household_id": "a room (no person once members are deleted)",
        "status": "lifecycle",
        "urgent": "count in reports",
        "cost_fen": "money in reports",
        "created_at": "time",
        "updated_at": "time",
        "delivered_at": "time",
        "waiting_told_at": "time",
        "reminded_at": "time",
        "duty_told_at": "time",
        "leader_nudged_at": "time",
    },
    "med_items": {"request_id": "row", "position": "row", "quantity": "count", "unit": "box, strip"},
    "card_custody": {
        "id": "row",
        "request_id": "row",
        "household_id": "a room",
        "taken_at": "time",
        "returned_at": "time",
    },
    "group_buys": {
        "id": "row",
        "title": "the goods",
        "spec": "the goods",
        "pickup": "where the goods are collected: announced to the group",
        "price_fen": "money",
        "unit": "the goods",
        "deadline": "time",
        "minimum": "count",
        "case_size": "count",
        "max_each": "count",
        "building": "a building number",
        "status": "lifecycle",
        "called_off": "flag",
        "created_at": "time",
        "closed_at": "time",
        "reminded_at": "time",
    },
    "group_buy_boards": {
        "board_chat_id": "a group (private chats are deleted)",
        "message_id": "a message of the bot",
        "buy_id": "row",
        "posted_at": "time",
    },
    "group_buy_orders": {
        "buy_id": "row",
        "household_id": "a room's order: the supplier's and the treasurer's ledger",
        "quantity": "count",
        "paid": "flag",
        "paid_quantity": "count",
        "paid_fen": "money",
        "updated_at": "time",
    },
    "shifts": {"id": "row", "task": "nucleic, delivery", "started_at": "hours", "ended_at": "hours", "flagged": "flag"},
    "slots": {
        "id": "row",
        "task": "nucleic, delivery",
        "starts_at": "time",
        "ends_at": "time",
        "headcount": "count",
        "reminded": "flag",
        "created_at": "time",
    },
    "care_checks": {"household_id": "a room's daily check (count)", "day": "date", "checked_at": "time"},
    "care_escalations": {"household_id": "a room", "day": "date", "level": "count", "sent_at": "time"},
    "digests_sent": {"chat_id": "a group (private chats are deleted)", "day": "date", "sent_at": "time"},
    "buttons": {
        "chat_id": "a group (private chats are deleted)",
        "message_id": "a message of the bot",
        "data": "a button's action and record id",
        "recorded_at": "time",
    },
    "notices": {
        "id": "row",
        "text": "published to every group",
        "daily_at": "time",
        "active": "flag",
        "created_at": "time",
    },
    "notice_sends": {"notice_id": "row", "chat_id": "a building group", "day": "date", "sent_at": "time"},
    "rumors": {
        "id": "row",
        "title": "published",
        "keywords": "published",
        "content": "published",
        "source": "published",
        "issued_at": "time",
        "active": "flag",
        "superseded_by": "row",
    },
    "rumor_replies": {"chat_id": "a group (rumors are answered in groups)", "rumor_id": "row", "replied_at": "time"},
    "wecom_bad_keys": {"robot": "committee or a building", "url_hash": "a hash of a robot's URL", "at": "time"},
}

_COUNTS = (
    "SELECT "
    "(SELECT count(*) FROM (SELECT phone FROM private_contacts UNION "
    "SELECT phone FROM med_private WHERE phone IS NOT NULL) AS p) AS phones, "
    "(SELECT count(*) FROM (SELECT display_name FROM members WHERE display_name IS NOT NULL UNION "
    "SELECT contact_name FROM households WHERE contact_name IS NOT NULL UNION "
    "SELECT display_name FROM volunteers WHERE display_name IS NOT NULL UNION "
    "SELECT volunteer_name FROM med_requests WHERE volunteer_name IS NOT NULL) AS n) AS names, "
    "(SELECT count(*) FROM med_private) AS details"
)


def _statement(table: str, rule: Purge) -> str:
    if rule.delete:
        return f"DELETE FROM {table}" + (f" WHERE {rule.where}" if rule.where else "")
    return f"UPDATE {table} SET " + ", ".join(f"{column} = {value}" for column, value in rule.columns.items())


_STATEMENTS = [_statement(table, rule) for table, rule in PERSONAL.items()]


def purge(conn: Connection, at: datetime) -> dict[str, int]:
    """Forget every person; returns how many distinct phone numbers and names, and how many private
    medicine details, were deleted. A shift still open ends now (its volunteer is forgotten)."""
    counted = fetch_one(conn, _COUNTS)
    assert counted is not None
    conn.execute("UPDATE shifts SET ended_at = ? WHERE ended_at IS NULL", (to_db(at),))
    for statement in _STATEMENTS:
        conn.execute(statement)
    return {"phones": counted["phones"], "names": counted["names"], "details": counted["details"]}
