"""Console mode: the real Application over the in-process Bot API, typed at from a terminal.

You type as a resident would in a building group; the bot's answers print as they are sent.
Lines starting with ``:`` steer the console itself (who you are, which chat you are in).
Works with stdin piped from a file, so a session can be replayed.
"""

from __future__ import annotations

import asyncio
import sys
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, TextIO

from telegram import Update

from bot.app import build_application, running
from bot.config import Config
from bot.language.rooms import parse_building
from bot.localapi import BOT_ID, ApiCall, LocalBotApi, LocalRequest, LocalUser
from bot.services.permissions import Actor

COMMITTEE_CHAT = -1000000000000
BUILDING_CHAT_BASE = -1001000000000

BANNER = """楼组助手 · console mode (no Telegram needed). Type messages as in a building group, e.g.
  #登记 3号楼502 张三      #配药 布洛芬 2盒      /help
Console commands:
  :as NAME [ROOM]   be another person (e.g. :as 张三 3-502)   :lang zh|en  your Telegram language
  :chat 3号楼 | :chat 居委 | :dm   switch chat               :reply TEXT  reply to the bot's last message
  :press N          press button N under the bot's last message   :edit TEXT  edit your last message
  :role committee | leader [BUILDING] | volunteer | resident   your role (you are the local operator)
  :contact PHONE    share your phone number (as the 📱 button does, in a private chat)
  :paste            send the following lines as one message, up to a line with a single "." (pasted 接龙 lists)
  :who              where and who you are                     :quit        leave
Building chats you switch to are bound to their building; 居委 is the committee's chat.
"""

# The console's operator may set anyone's role, as the committee would.
OPERATOR = Actor(user_id=0, committee=True)


def building_chat(building: int) -> int:
    return BUILDING_CHAT_BASE - building


@dataclass
class ConsoleState:
    user: LocalUser
    chat_id: int
    last_own_message: dict[int, int] = field(default_factory=dict)


class Console:
    def __init__(self, config: Config, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin, self.stdout = stdin, stdout
        # Ids continue across sessions, as Telegram's do, so a new session never reuses one.
        self.api = LocalBotApi(id_base=int(time.time() * 1000))
        self.api.listeners.append(self._show)
        self.app = build_application(config, LocalRequest(self.api))
        self.state = ConsoleState(user=_user("居民", "zh"), chat_id=building_chat(1))
        self.api.chat(self.state.user.id, self.state.user.first_name)

    @property
    def roster(self):
        return self.app.bot_data.services.roster

    async def _bind(self, chat_id: int, title: str, building: int | None) -> None:
        self.api.chat(chat_id, title)
        binding = await self.roster.chat(chat_id)
        if binding is None or binding.building != building:
            await self.roster.bind(OPERATOR, chat_id, title, building=building, committee=building is None)

    # ------------------------------------------------------------------ output
    def _out(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _chat_label(self, chat_id: int) -> str:
        if chat_id > 0:
            return f"私聊 {self.api.chat(chat_id).title or chat_id}"
        return self.api.chat(chat_id).title or str(chat_id)

    def _show(self, call: ApiCall, result: Any) -> None:
        if call.method not in {"sendMessage", "editMessageText", "sendDocument", "sendPhoto"}:
            return
        chat_id = int(call.params["chat_id"])
        verb = "✎" if call.method == "editMessageText" else "🤖"
        body = call.params.get("text") or call.params.get("caption") or ""
        if call.files:
            body = f"{body}\n📎 {', '.join(call.files)}".strip()
        lines = body.splitlines() or [""]
        self._out(f"[{self._chat_label(chat_id)}] {verb} {lines[0]}")
        for line in lines[1:]:
            self._out(f"    {line}")
        markup = call.params.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        if buttons:
            self._out("    " + "  ".join(f"[{i}] {b.get('text')}" for i, b in enumerate(buttons, 1)))
        keys = [k.get("text") for row in markup.get("keyboard", []) for k in row]
        if keys:
            self._out("    keyboard: " + "  ".join(f"[{k}]" for k in keys) + "   (:contact PHONE shares a number)")

    # ------------------------------------------------------------------ input
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        interactive = self.stdin.isatty()
        async with running(self.app):
            await self._bind(COMMITTEE_CHAT, "居委工作群", None)
            await self._bind(self.state.chat_id, "1号楼群", 1)
            self._out(BANNER)
            self._who()
            while True:
                if interactive:
                    self.stdout.write(f"{self.state.user.first_name}@{self._chat_label(self.state.chat_id)}> ")
                    self.stdout.flush()
                line = await loop.run_in_executor(None, self.stdin.readline)
                if not line:
                    break
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if not interactive:
                    self._out(f"{self.state.user.first_name}@{self._chat_label(self.state.chat_id)}> {line}")
                if line.startswith(":"):
                    if not await self._console_command(line[1:].strip()):
                        break
                else:
                    await self.send(line)
        self._out("再见 · bye")

    async def feed(self, payload: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def send(self, text: str, reply_to: int | None = None) -> None:
        payload = self.api.message_update(self.state.chat_id, self.state.user, text, reply_to=reply_to)
        self.state.last_own_message[self.state.chat_id] = payload["message"]["message_id"]
        await self.feed(payload)

    def _last_bot_message(self) -> dict[str, Any] | None:
        sent = self.api.sent(self.state.chat_id)
        return sent[-1] if sent else None

    async def _console_command(self, line: str) -> bool:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word in {"quit", "q", "exit"}:
            return False
        if word == "as" and rest:
            await self._switch_user(rest)
        elif word == "lang" and rest in {"zh", "en"}:
            self.state.user = _user(self.state.user.first_name, rest)
            self._out(f"(your Telegram language is now {rest})")
        elif word == "chat" and rest:
            await self._switch_chat(rest)
        elif word == "role" and rest:
            await self._set_role(rest)
        elif word == "dm":
            self.state.chat_id = self.state.user.id
            self.api.chat(self.state.user.id, self.state.user.first_name)
            self._who()
        elif word == "reply" and rest:
            last = self._last_bot_message()
            if last is None:
                self._out("(the bot has said nothing in this chat yet)")
            else:
                await self.send(rest, reply_to=last["message_id"])
        elif word == "edit" and rest:
            message_id = self.state.last_own_message.get(self.state.chat_id)
            if message_id is None:
                self._out("(you have sent nothing in this chat yet)")
            else:
                await self.feed(self.api.edit_update(self.state.chat_id, message_id, rest))
        elif word == "paste":
            lines = []
            loop = asyncio.get_running_loop()
            while (line := await loop.run_in_executor(None, self.stdin.readline)) and line.rstrip("\n") != ".":
                lines.append(line.rstrip("\n"))
            if lines:
                await self.send("\n".join(lines))
        elif word == "contact" and rest:
            await self.feed(self.api.contact_update(self.state.chat_id, self.state.user, rest))
        elif word == "press" and rest.isdigit():
            await self._press(int(rest))
        elif word == "who":
            self._who()
        else:
            self._out(BANNER)
        return True

    async def _switch_user(self, rest: str) -> None:
        parts = rest.split()
        name = parts[0]
        was_private = self.state.chat_id == self.state.user.id
        self.state.user = _user(name, self.state.user.language_code)
        self.api.chat(self.state.user.id, name)
        if was_private:
            self.state.chat_id = self.state.user.id
        self._who()
        if len(parts) > 1:
            await self.send(f"/register {parts[1]} {name}")

    async def _switch_chat(self, rest: str) -> None:
        if rest in {"居委", "committee", "居委会"}:
            self.state.chat_id = COMMITTEE_CHAT
        else:
            building = parse_building(rest)
            if building is None:
                self._out("(say :chat 3号楼, :chat 居委 or :dm)")
                return
            self.state.chat_id = building_chat(building)
            await self._bind(self.state.chat_id, f"{building}号楼群", building)
        self._who()

    async def _set_role(self, rest: str) -> None:
        role, _, building_text = rest.partition(" ")
        user_id = self.state.user.id
        if role == "resident":
            await self.roster.clear_roles(OPERATOR, user_id)
        elif role in {"committee", "volunteer"}:
            await self.roster.grant(OPERATOR, user_id, role)
        elif role == "leader":
            binding = await self.roster.chat(self.state.chat_id)
            building = parse_building(building_text) if building_text else (binding.building if binding else None)
            if building is None:
                self._out("(say :role leader 3, or switch to a building chat first)")
                return
            await self.roster.grant(OPERATOR, user_id, "leader", building)
        else:
            self._out("(roles: committee, leader [BUILDING], volunteer, resident)")
            return
        self._out(f"({self.state.user.first_name} is now {rest})")

    async def _press(self, number: int) -> None:
        last = next(
            (m for m in reversed(self.api.sent(self.state.chat_id)) if m.get("reply_markup")),
            None,
        )
        buttons = [b for row in (last or {}).get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not 1 <= number <= len(buttons):
            self._out("(no such button under the bot's last message with buttons)")
            return
        button = buttons[number - 1]
        if "callback_data" not in button:
            self._out(f"(that button opens {button.get('url', 'a link')})")
            return
        await self.feed(
            self.api.callback_update(self.state.chat_id, last["message_id"], self.state.user, button["callback_data"])
        )

    def _who(self) -> None:
        user = self.state.user
        self._out(f"(you are {user.first_name}, user {user.id}, in {self._chat_label(self.state.chat_id)})")


def _user(name: str, language: str) -> LocalUser:
    """A stable user id per name, so ':as 张三' is the same person across sessions."""
    return LocalUser(id=100000 + zlib.crc32(name.encode()) % 900_000_000, first_name=name, language_code=language)


async def run_console(config: Config, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    await Console(config, stdin or sys.stdin, stdout or sys.stdout).run()


__all__ = ["BOT_ID", "COMMITTEE_CHAT", "Console", "building_chat", "run_console"]
