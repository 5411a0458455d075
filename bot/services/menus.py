"""The "/" menus as last published, so that a menu is sent to Telegram only when it changed (a new
command, a changed text, a role given or taken away): a start with nothing changed sends none."""

from __future__ import annotations

from collections.abc import Iterable

from storage import menus
from storage.db import Database


class PublishedMenus:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def published(self, bot_id: int) -> dict[str, dict[str, str]]:
        """``bot_id``'s menus as last published: scope → language → digest (deleted ones absent)."""
        return await self._db.read(lambda conn: menus.published(conn, bot_id))

    async def record(self, bot_id: int, sent: Iterable[tuple[str, str, str | None]]) -> None:
        """Menus just published: (scope, language, digest) each, digest None for a menu deleted."""
        rows = list(sent)
        await self._db.write(lambda conn: menus.record(conn, bot_id, rows))
