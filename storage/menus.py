"""What each "/" menu was last published as (table ``menus_published``): per bot, scope and
language, a digest of its command list; a deleted menu has no row (nothing kept of a person whose
role was taken away)."""

from __future__ import annotations

from collections.abc import Iterable

from storage.sql import Connection, fetch_all


def published(conn: Connection, bot_id: int) -> dict[str, dict[str, str]]:
    """``bot_id``'s menus as last published: scope → language → digest."""
    known: dict[str, dict[str, str]] = {}
    for row in fetch_all(conn, "SELECT scope, language, digest FROM menus_published WHERE bot_id = ?", (bot_id,)):
        known.setdefault(row["scope"], {})[row["language"]] = row["digest"]
    return known


def record(conn: Connection, bot_id: int, sent: Iterable[tuple[str, str, str | None]]) -> None:
    """Menus just published: (scope, language, digest) each, digest None for a menu deleted."""
    sent = list(sent)
    conn.executemany(
        "DELETE FROM menus_published WHERE bot_id = ? AND scope = ? AND language = ?",
        [(bot_id, scope, language) for scope, language, digest in sent if digest is None],
    )
    conn.executemany(
        "INSERT INTO menus_published(bot_id, scope, language, digest) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(bot_id, scope, language) DO UPDATE SET digest = excluded.digest",
        [(bot_id, scope, language, digest) for scope, language, digest in sent if digest is not None],
    )
