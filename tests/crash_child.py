"""A bot process for the crash-safety test: handles a fixed stream of updates (registrations, then
medicine requests) and prints ``ACK <update_id>`` once each is fully handled. Killed at random by
the test and started again, it is fed the whole stream again, as Telegram re-delivers updates
that were not confirmed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from telegram import Update

from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser

CHAT = -1003
HOUSEHOLDS = 20


def stream(requests: int) -> list[dict]:
    api = LocalBotApi()
    users = [LocalUser(10_000 + i, f"居民{i}") for i in range(HOUSEHOLDS)]
    payloads = [api.message_update(CHAT, user, f"#登记 3-{101 + i}") for i, user in enumerate(users)]
    payloads += [api.message_update(CHAT, users[n % HOUSEHOLDS], f"#配药 药品{n} 1盒") for n in range(requests)]
    return payloads


async def main(database: Path, requests: int) -> None:
    config = Config.model_validate(
        {
            "storage": {"path": str(database)},
            "medicine": {"auto_confirm": True},
            "telegram": {"group_messages_per_minute": 10000},
        }
    )
    app = build_application(config, LocalRequest(LocalBotApi()))
    async with running(app):
        for payload in stream(requests):
            await app.process_update(Update.de_json(payload, app.bot))
            print(f"ACK {payload['update_id']}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
