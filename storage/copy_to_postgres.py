"""``building-bot migrate-to-postgres``: a compound's SQLite file into the district's PostgreSQL.

:func:`move` applies the migrations on the target if needed, then copies every table of the
SQLite file in one transaction, in foreign-key order, and checks each table's count before it
commits. The district may hold other compounds already, so every record gets a new number from
the target's identity (in the source's order) and every column that refers to one is rewritten:
the foreign keys the schema declares (read with ``PRAGMA foreign_key_list``) and the record ids
kept where no foreign key declares them:

- ``audit_log.detail``: ``#12`` after an action on a notice, rumor, buy (``gb.*``), medicine
  request (``med.*``) or shift slot (``shift.*``), see :data:`AUDIT_RECORDS`;
- ``questions.command``: a waiting command's ``buy_id`` (``order:{"buy_id": 3, …}``);
- ``message_id`` of a record made in a private chat and then purged: ``/purge`` sets its chat to 0
  and its message to minus its own id, which stays so (:data:`PURGED_MESSAGES`).

Not copied: the old bot's delivery state, :data:`NOT_COPIED`. The move refuses (:class:`Refused`,
one line, nothing written) while that state is unsettled (updates not handled, messages owed), while
its chats do not yet name the bot in them (kept from before migration 0027: the bot takes them at its
next start; copied as no bot's, they would go to whichever bot of the district starts first), when
the file is not a building-bot database at this version, when the district already holds the
compound (one of its chats), and when its building numbers are another compound's: the schema has
no compound key yet, so buildings must be numbered apart across the district. Nothing personal is
in what it says: tables, counts and record numbers only.
"""

from __future__ import annotations

import graphlib
import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from storage.migrate import migrations
from storage.postgres import PgConnection, apply_migrations, scalar

COPY_LOCK = 0x6262_6370  # "bbcp": one move at a time into a district

NOT_COPIED = {
    "processed_updates": "the old bot's re-delivery guard (Telegram's update ids are per bot)",
    "inbox": "updates the old bot received, all handled (checked)",
    "outbox": "what the old bot sent, nothing owed (checked); its keys are the old bot's",
    "buttons": "buttons on messages sent before the move: they carry the old numbers, so they stop working",
    "menus_published": "the menus the old bot set: the bot in the district sets them again once at its start",
}
# An action's first word → the table of the record its audit detail names as #id.
AUDIT_RECORDS = {"notice": "notices", "rumor": "rumors", "gb": "group_buys", "med": "med_requests", "shift": "slots"}
QUESTION_RECORDS = {"buy_id": "group_buys"}  # fields of a waiting command that name a record
# Tables whose (chat, message) pair /purge sets to (0, -id) for a record made in a private chat.
PURGED_MESSAGES = {"med_requests": "chat_id", "group_buys": "chat_id", "shifts": "chat_id", "slots": "chat_id"}
# Records still open after the move, whose numbers residents and volunteers type (#接龙 3, #认领 12).
OPEN_RECORDS = {
    "group buys": ("group_buys", "status = 'open'"),
    "medicine requests": ("med_requests", "status NOT IN ('delivered', 'cancelled')"),
}


class Refused(Exception):
    """The move cannot be made; nothing was written. The message is one line for the operator."""


@dataclass
class Moved:
    copied: dict[str, int] = field(default_factory=dict)  # table → rows (as many as the source has)
    left: dict[str, int] = field(default_factory=dict)  # NOT_COPIED table → rows left behind
    renumbered: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # open records: old → new

    def lines(self) -> list[str]:
        width = max(map(len, [*self.copied, *self.left]), default=0)
        out = [f"  {table:<{width}}  {count:>8}" for table, count in sorted(self.copied.items())]
        out += [f"  {table:<{width}}  {count:>8} not copied: {NOT_COPIED[table]}" for table, count in self.left.items()]
        for kind, pairs in self.renumbered.items():
            changed = ", ".join(f"#{old}→#{new}" for old, new in pairs if old != new)
            if changed:
                out.append(f"still open, now numbered: {kind} {changed}")
        return out


def move(source: Path, target: PgConnection) -> Moved:
    """Copy the compound in ``source`` (an SQLite file no bot is running on) into ``target``."""
    src = _open(source)
    try:
        src.execute("BEGIN")  # one snapshot of the source
        tables = _schema(src, source)
        moved = Moved(left={table: _count(src, table) for table in NOT_COPIED})
        _settled(src)
        _chats_have_their_bot(src)
        apply_migrations(target)
        if _target_schema(target) != tables:
            raise Refused(f"{source}: its tables differ from this version's schema: is it a building-bot database?")
        raw = target.raw
        raw.execute("SELECT pg_advisory_lock(%s)", (COPY_LOCK,))
        try:
            with raw.transaction():
                # After the lock, so the snapshot holds every move committed before this one.
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                _not_there_yet(src, raw)
                _Copy(src, raw, tables, moved).run()
        except psycopg.errors.IntegrityError as clash:  # the detail holds the values: never shown
            diag = clash.diag
            raise Refused(
                f"{diag.table_name}: a row breaks {diag.constraint_name} in the district database "
                "(the same person or chat in two compounds?); nothing was copied"
            ) from None
        finally:
            raw.execute("SELECT pg_advisory_unlock(%s)", (COPY_LOCK,))
        return moved
    finally:
        src.close()


def _open(source: Path) -> sqlite3.Connection:
    if not source.is_file():
        raise Refused(f"{source}: no such file")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    src.row_factory = sqlite3.Row
    return src


def _schema(src: sqlite3.Connection, source: Path) -> dict[str, list[str]]:
    """The source's tables and their columns, once it is known to be building-bot's at this version."""
    try:
        version = src.execute("PRAGMA user_version").fetchone()[0]
        names = [
            row[0]
            for row in src.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    except sqlite3.DatabaseError:
        raise Refused(f"{source}: not an SQLite database") from None
    latest = len(migrations())
    if version == 0 or "households" not in names:
        raise Refused(f"{source}: not a building-bot database")
    if version != latest:
        raise Refused(
            f"{source}: schema version {version}, this building-bot's is {latest}: "
            + ("run `building-bot migrate` on it first" if version < latest else "use the building-bot that wrote it")
        )
    return {name: [column[1] for column in src.execute(f"PRAGMA table_info({name})")] for name in names}


def _target_schema(target: PgConnection) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for row in target.raw.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
           ORDER BY table_name, ordinal_position"""
    ):
        columns.setdefault(row[0], []).append(row[1])
    return dict(sorted(columns.items()))


def _count(src: sqlite3.Connection, table: str) -> int:
    return src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _settled(src: sqlite3.Connection) -> None:
    """The old bot's delivery state, which is not copied, must hold nothing still to do."""
    pending = src.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    if pending:
        raise Refused(
            f"{pending} updates received and not yet handled: start the bot once so it handles them, stop it, then move"
        )
    owed = src.execute("SELECT count(*) FROM outbox WHERE state = 'owed'").fetchone()[0]
    if owed:
        raise Refused(f"{owed} messages still owed to chats: run the bot until its outbox is empty, stop it, then move")


def _chats_have_their_bot(src: sqlite3.Connection) -> None:
    """Which bot is in each chat is copied: chats kept from before that was recorded (bot 0) would
    go to whichever bot of the district starts first, so the file's own bot must have taken them."""
    unowned = src.execute("SELECT count(*) FROM chat_bots WHERE bot_id = 0").fetchone()[0]
    if unowned:
        raise Refused(
            f"{unowned} chats do not yet name the bot that is in them: start the bot once on this file, stop it, then move"
        )


def _not_there_yet(src: sqlite3.Connection, raw: psycopg.Connection[Any]) -> None:
    chats = [row[0] for row in src.execute("SELECT chat_id FROM chats")]
    there = scalar(raw, "SELECT count(*) FROM chats WHERE chat_id = ANY(%s)", (chats,))
    if there:
        raise Refused(f"the district database already holds this compound: {there} of its {len(chats)} chats are there")
    ours = {row[0] for row in src.execute("SELECT building FROM households UNION SELECT building FROM chats")}
    theirs = {row[0] for row in raw.execute("SELECT building FROM households UNION SELECT building FROM chats")}
    taken = sorted(ours & theirs - {None})
    if taken:
        raise Refused(
            f"building(s) {', '.join(map(str, taken))} are already another compound's in the district database: "
            "building numbers must differ across a district (the schema has no compound key yet)"
        )


class _Copy:
    """One move's work inside the target's transaction: tables in foreign-key order, new ids."""

    def __init__(
        self, src: sqlite3.Connection, raw: psycopg.Connection[Any], tables: dict[str, list[str]], moved: Moved
    ) -> None:
        self.src, self.raw, self.tables, self.moved = src, raw, tables, moved
        self.new_ids: dict[str, dict[int, int]] = {}  # table → old id → new id

    def run(self) -> None:
        references = {table: self._references(table) for table in self.tables if table not in NOT_COPIED}
        after = {table: set(refers.values()) - {table} for table, refers in references.items()}
        after["audit_log"] |= set(AUDIT_RECORDS.values())
        after["questions"] |= set(QUESTION_RECORDS.values())
        for table in graphlib.TopologicalSorter(after).static_order():
            before = self._target_count(table)
            self._table(table, references[table])
            copied = self._target_count(table) - before
            if copied != _count(self.src, table):
                raise Refused(f"{table}: {copied} rows arrived of {_count(self.src, table)}; nothing was copied")
            self.moved.copied[table] = copied
        for kind, (table, where) in OPEN_RECORDS.items():
            ids = [row[0] for row in self.src.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")]
            self.moved.renumbered[kind] = [(old, self.new_ids[table][old]) for old in ids]

    def _references(self, table: str) -> dict[str, str]:
        """Column → the table whose id it holds, as the schema declares."""
        return {fk["from"]: fk["table"] for fk in self.src.execute(f"PRAGMA foreign_key_list({table})")}

    def _target_count(self, table: str) -> int:
        return int(scalar(self.raw, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))))

    def _table(self, table: str, references: dict[str, str]) -> None:
        columns = self.tables[table]
        if "id" in columns:  # a row's own number: new ones from the target's identity, in the source's order
            old = [row[0] for row in self.src.execute(f"SELECT id FROM {table} ORDER BY id")]
            new = self.raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, len(old))
            )
            self.new_ids[table] = dict(zip(old, (row[0] for row in new), strict=True))
        copy_in = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        later: list[tuple[int, str, int]] = []  # (new id, column, old id referred to) within the table itself
        order = " ORDER BY id" if "id" in columns else ""
        with self.raw.cursor().copy(copy_in) as copy:
            for row in self.src.execute(f"SELECT {', '.join(columns)} FROM {table}{order}"):
                values: dict[str, Any] = dict(zip(columns, row, strict=True))
                if "id" in values:
                    values["id"] = self.new_ids[table][values["id"]]
                for column, referred in references.items():
                    if values[column] is None:
                        continue
                    if referred == table:  # its row may come later: set once the table is in
                        later.append((values["id"], column, values[column]))
                        values[column] = None
                    else:
                        values[column] = self._new_id(referred, values[column], f"{table}.{column}")
                self._rewrite(table, values)
                copy.write_row(tuple(values.values()))
        for new_id, column, old_referred in later:
            self.raw.execute(
                sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(sql.Identifier(table), sql.Identifier(column)),
                (self._new_id(table, old_referred, f"{table}.{column}"), new_id),
            )

    def _new_id(self, table: str, old: int, where: str) -> int:
        try:
            return self.new_ids[table][old]
        except KeyError:
            raise Refused(f"{where} refers to a {table} row the source does not have; nothing was copied") from None

    def _rewrite(self, table: str, values: dict[str, Any]) -> None:
        """Record ids held where no foreign key declares them (see the module's docstring)."""
        if table == "audit_log":
            referred = AUDIT_RECORDS.get(values["action"].split(".")[0])
            number = re.match(r"#(\d+)", values["detail"])
            if referred and number and int(number.group(1)) in self.new_ids[referred]:
                new = self.new_ids[referred][int(number.group(1))]
                values["detail"] = f"#{new}{values['detail'][number.end() :]}"
        elif table == "questions":
            name, _, payload = values["command"].partition(":")
            command = json.loads(payload)
            for key, referred in QUESTION_RECORDS.items():
                if isinstance(command.get(key), int):
                    command[key] = self._new_id(referred, command[key], f"questions.command {key}")
            values["command"] = f"{name}:{json.dumps(command, ensure_ascii=False, separators=(',', ':'))}"
        elif table in PURGED_MESSAGES and values[PURGED_MESSAGES[table]] == 0:
            values["message_id"] = -values["id"]
