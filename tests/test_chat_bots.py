"""Which bots are in a bound chat (migration 0027): a database from before is the first bot's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from storage.migrate import migrations
from tests.conftest import make_config, sqlite_only
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, Harness


@sqlite_only("the database from before migration 0027 is built with sqlite3")
async def test_chats_bound_before_bots_were_recorded_are_the_first_bots_and_a_removal_holds(tmp_path: Path, clock):
    config = make_config(tmp_path)
    conn = sqlite3.connect(config.storage.path)
    for version, _, sql in migrations():
        if version < 27:
            conn.executescript(f"{sql}\n;PRAGMA user_version = {version};")
    conn.executemany(
        "INSERT INTO chats(chat_id, kind, building, title, bound_at, kicked) VALUES (?, ?, ?, '', 't', ?)",
        [(COMMITTEE_CHAT, "committee", None, 0), (BUILDING_3, "building", 3, 0), (BUILDING_5, "building", 5, 1)],
    )  # building 5's group had removed the bot
    conn.commit()
    conn.close()
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸")
        assert bot.last(BUILDING_3) == t("zh", "notice.post", text="明早7点核酸")
        assert bot.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=1)
        assert bot.texts(BUILDING_5) == []
        await bot.feed(api.bot_membership_update(BUILDING_5, COMMITTEE, "left", "member"))  # added back
        assert bot.last(BUILDING_5) == t("zh", "bot.back", building=5)
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 停水")
        assert bot.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=2)
