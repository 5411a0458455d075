"""The bot under test: the real Application over the recording local Bot API."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.runtime.localapi import LocalBotApi, LocalUser

RESIDENT = LocalUser(1001, "张三")
NEIGHBOUR = LocalUser(1002, "李四")
ENGLISH_RESIDENT = LocalUser(1003, "Alice", language_code="en")
COMMITTEE = LocalUser(9001, "王主任")
BUILDING_3 = -1003
BUILDING_5 = -1005
COMMITTEE_CHAT = -1999


async def until(condition: Callable[[], bool | Awaitable[Any]], seconds: float = 10.0) -> None:
    """Wait until ``condition()`` (plain or awaitable) holds; fail after ``seconds``. The limit is
    generous for a loaded machine: a condition that holds returns at once."""
    for _ in range(int(seconds / 0.01)):
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the condition never held in {seconds} s")


def nothing_pending(app: Application) -> Callable[[], Awaitable[bool]]:
    """A condition for ``until``: is every update stored in ``app``'s inbox done?"""

    async def condition() -> bool:
        return await app.bot_data.services.deliveries.pending() == []

    return condition


async def deliver(bot: Harness, payload: dict) -> None:
    """An update as polling or a webhook hands it over: stored in the inbox, then queued."""
    await bot.app.update_queue.put(Update.de_json(payload, bot.app.bot))


class Harness:
    def __init__(self, app: Application, api: LocalBotApi) -> None:
        self.app = app
        self.api = api

    @property
    def services(self):
        return self.app.bot_data.services

    async def feed(self, payload: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def send(
        self,
        chat_id: int,
        user: LocalUser,
        text: str,
        *,
        reply_to: int | None = None,
        anonymous: bool = False,
        photo: str | None = None,
        forwarded_from: LocalUser | None = None,
    ) -> dict[str, Any]:
        """A user's message (a photo with ``text`` as its caption when ``photo`` is a file id);
        returns the update payload (its message id is in ``["message"]``)."""
        payload = self.api.message_update(
            chat_id, user, text, reply_to=reply_to, anonymous=anonymous, photo=photo, forwarded_from=forwarded_from
        )
        await self.feed(payload)
        return payload

    async def edit(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        payload = self.api.edit_update(chat_id, message_id, text)
        await self.feed(payload)
        return payload

    async def press(self, chat_id: int, message_id: int, user: LocalUser, data: str) -> dict[str, Any]:
        payload = self.api.callback_update(chat_id, message_id, user, data)
        await self.feed(payload)
        return payload

    def texts(self, chat_id: int | None = None) -> list[str]:
        return self.api.texts(chat_id)

    def last(self, chat_id: int) -> str:
        texts = self.texts(chat_id)
        assert texts, f"the bot sent nothing to {chat_id}"
        return texts[-1]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        return self.api.sent(chat_id)[-1]

    async def volunteer(self, chat_id: int, user: LocalUser, approver: LocalUser, text: str = "#报到") -> None:
        """``user`` applies with ``text`` in ``chat_id``; ``approver`` presses ✅ on the application."""
        await self.send(chat_id, user, text)
        await self.press(chat_id, self.last_message(chat_id)["message_id"], approver, "vol:approve")


def run_config(tmp_path: Path, base_url: str, token: str, storage: Mapping[str, str], extra: str = "") -> Path:
    """A config.toml for a real ``building-bot run`` against a Bot API at ``base_url``, its
    database ``storage`` (``[storage]``'s path or url: ``tests.conftest.storage_for``)."""
    path = tmp_path / "config.toml"
    database = "".join(f'{key} = "{value}"\n' for key, value in storage.items())
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base_url}"\n{extra}[storage]\n{database}',
        encoding="utf-8",
    )
    return path


async def start_bot_process(
    config: Path, *, stderr: int | None = asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    """``building-bot run`` in a process of its own (the token only from the config)."""
    env = {key: value for key, value in os.environ.items() if key != "BUILDING_BOT_TOKEN"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=stderr, env=env,
    )  # fmt: skip
