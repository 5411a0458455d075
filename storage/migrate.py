"""Numbered SQL migrations (``storage/migrations/NNNN_name.sql``) under ``PRAGMA user_version``.

Each file is applied once, in order, inside its own transaction together with the new version
number, so a failed migration leaves the database as it was. SQLite's: the version is its
``PRAGMA user_version`` and a file is run as one script.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from importlib import resources

from storage.sql import Connection, fetch_one

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def current_version(conn: Connection) -> int:
    row = fetch_one(conn, "PRAGMA user_version")
    assert row is not None
    return int(row["user_version"])


def apply_migrations(conn: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations; return the names of those applied."""
    version = current_version(conn)
    applied = []
    for number, name, sql in migrations():
        if number <= version:
            continue
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.error("migration %s failed; database left at version %d", name, version)
            raise
        version = number
        applied.append(name)
        log.info("applied migration %s", name)
    return applied
