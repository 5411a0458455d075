"""Console mode: the real Application over the in-process Bot API, typed at from a terminal.

You type as a resident would in a building group; the bot's answers print as they are sent.
Lines starting with ``:`` steer the console itself (who you are, which chat you are in).
Every message shown gets a number, ``(3)``, by which ``:reply`` and ``:press`` name it; files the
bot sends are written to a folder. Works with stdin piped from a file, so a session can be replayed.
Input is read on a thread of its own, so Ctrl-C quits at once.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.config import Config
from bot.domain.permissions import Actor
from bot.language.rooms import parse_building
from bot.runtime.app import build_application, running
from bot.runtime.localapi import BOT_ID, ApiCall, LocalBotApi, LocalRequest, LocalUser
from bot.services.roster import Roster

COMMITTEE_CHAT = -1000000000000
BUILDING_CHAT_BASE = -1001000000000

BANNER = """楼组助手 · console mode (no Telegram needed). Type messages as in a building group, e.g.
  #登记 3号楼502 张三      #配药 布洛芬 2盒      /help
Every message is shown with its number, e.g. (3). Console commands:
  :as NAME [ROOM]   be another person (e.g. :as 张三 3-502), in their own language
  :lang zh|en       your Telegram language                    :who   where and who you are
  :chat 3号楼 | :chat 居委 | :dm   switch chat
  :reply N TEXT     reply to message N (a person's, e.g. for #楼组长, or the bot's: +2 to a buy)
  :press N B        press button B under message N            :edit TEXT  edit your last message
  :photo CAPTION    send a photo with that caption            :contact PHONE  share your phone number
  :role committee | leader [BUILDING] | volunteer | resident   your role (you are the local operator)
  :paste            send the following lines as one message, up to a line with a single "." (pasted 接龙 lists)
  :quit (or Ctrl-C) leave
Building chats you switch to are bound to their building; 居委 is the committee's chat.
Files the bot sends (charts, CSV, XLSX) are saved in {files}/.
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
    languages: dict[str, str] = field(default_factory=dict)  # each person's :lang


class Console:
    def __init__(self, config: Config, stdin: TextIO, stdout: TextIO, files: Path = Path("console-files")) -> None:
        self.stdin, self.stdout = stdin, stdout
        self.files = files
        self.database = config.storage.database_label
        # Ids continue across sessions, as Telegram's do, so a new session never reuses one.
        self.api = LocalBotApi(id_base=int(time.time() * 1000))
        self.api.listeners.append(self._show)
        self.app = build_application(config, LocalRequest(self.api))
        self.state = ConsoleState(user=_user("居民", "zh"), chat_id=building_chat(1))
        self.api.chat(self.state.user.id, self.state.user.first_name)
        self.numbered: list[tuple[int, int]] = []  # (chat, message id) of message (1), (2), …
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.interactive = stdin.isatty()

    @property
    def roster(self) -> Roster:
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

    def _number(self, chat_id: int, message_id: int) -> int:
        """The number the console shows for a message, given on first sight."""
        key = (chat_id, message_id)
        if key not in self.numbered:
            self.numbered.append(key)
        return self.numbered.index(key) + 1

    def _show(self, call: ApiCall, result: Any) -> None:
        if call.method == "answerCallbackQuery":
            if call.params.get("text"):
                kind = "alert" if call.params.get("show_alert") else "pop-up"
                self._out(f"    💬 {kind}: {call.params['text']}")
            return
        if call.method not in {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto"}:
            return
        chat_id = int(call.params["chat_id"])
        number = self._number(chat_id, int(call.params.get("message_id") or result["message_id"]))
        head = f"({number}) [{self._chat_label(chat_id)}] " + ("✎" if call.method.startswith("edit") else "🤖")
        markup = call.params.get("reply_markup") or {}
        if call.method == "editMessageReplyMarkup":
            self._out(f"{head} buttons" + ("" if markup.get("inline_keyboard") else ": none any more"))
        else:
            lines = (call.params.get("text") or call.params.get("caption") or "").splitlines() or [""]
            self._out(f"{head} {lines[0]}")
            for line in lines[1:]:
                self._out(f"    {line}")
        for name, content in call.files.items():
            self._out(f"    📎 saved {self._save(number, name, content)}")
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        if buttons:
            self._out("    " + "  ".join(f"[{i}] {b.get('text')}" for i, b in enumerate(buttons, 1)))
        keys = [k.get("text") for row in markup.get("keyboard", []) for k in row]
        if keys:
            self._out("    keyboard: " + "  ".join(f"[{k}]" for k in keys) + "   (:contact PHONE shares a number)")

    def _save(self, number: int, name: str, content: bytes) -> Path:
        """A file the bot sent, written where the operator can open it."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{number}-{Path(name).name}"
        path.write_bytes(content)
        return path

    # ------------------------------------------------------------------ input
    def _read_lines(self) -> None:
        """On a thread of its own (a daemon: Ctrl-C never waits for a line to be typed)."""
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                for line in iter(self.stdin.readline, ""):
                    loop.call_soon_threadsafe(self.lines.put_nowait, line.rstrip("\n"))
                loop.call_soon_threadsafe(self.lines.put_nowait, None)
            except RuntimeError:  # the console has ended
                return

        threading.Thread(target=read, name="console-input", daemon=True).start()

    def _prompt(self) -> str:
        return f"{self.state.user.first_name}@{self._chat_label(self.state.chat_id)}> "

    async def run(self) -> None:
        async with running(self.app):
            await self._bind(COMMITTEE_CHAT, "居委工作群", None)
            await self._bind(self.state.chat_id, "1号楼群", 1)
            self._out(BANNER.format(files=self.files))
            self._out(f"(database {self.database})")
            self._who()
            self._read_lines()
            while True:
                if self.interactive:  # the number the next message will get
                    self.stdout.write(f"({len(self.numbered) + 1}) {self._prompt()}")
                    self.stdout.flush()
                line = await self.lines.get()
                if line is None:
                    break
                if not line.strip():
                    continue
                if not line.startswith(":"):
                    await self.send(line, echo=not self.interactive, expected=len(self.numbered) + 1)
                    continue
                if not self.interactive:
                    self._out(self._prompt() + line)
                if not await self._console_command(line[1:].strip()):
                    break
        self._out("再见 · bye")

    async def feed(self, payload: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def send(
        self,
        text: str,
        reply_to: int | None = None,
        *,
        photo: str | None = None,
        echo: bool = True,
        expected: int | None = None,
    ) -> None:
        """Send ``text`` as the current person; shown with its number when ``echo`` (or when it did
        not get the ``expected`` number the prompt showed)."""
        payload = self.api.message_update(self.state.chat_id, self.state.user, text, reply_to=reply_to, photo=photo)
        message_id = payload["message"]["message_id"]
        self.state.last_own_message[self.state.chat_id] = message_id
        number = self._number(self.state.chat_id, message_id)
        if echo or number != expected:
            replied = f"↩({self._number(self.state.chat_id, reply_to)}) " if reply_to else ""
            lines = text.splitlines() or [""]
            self._out(f"({number}) {self._prompt()}{replied}{'📷 ' if photo else ''}{lines[0]}")
            for line in lines[1:]:
                self._out(f"    {line}")
        await self.feed(payload)

    def _message(self, text: str) -> dict[str, Any] | None:
        """Message number ``text`` of the current chat (else say why not)."""
        number = int(text) if text.isdigit() else 0
        if not 1 <= number <= len(self.numbered):
            self._out(f"(no message ({text}): numbers are shown before each message)")
            return None
        chat_id, message_id = self.numbered[number - 1]
        if chat_id != self.state.chat_id:
            self._out(f"(message ({number}) is in {self._chat_label(chat_id)}: switch there first)")
            return None
        message = self.api.messages.get((chat_id, message_id))
        if message is None:
            self._out(f"(message ({number}) was deleted)")
        return message

    async def _console_command(self, line: str) -> bool:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word in {"quit", "q", "exit"}:
            return False
        if word == "as" and rest:
            await self._switch_user(rest)
        elif word == "lang" and rest in {"zh", "en"}:
            self.state.languages[self.state.user.first_name] = rest
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
        elif word == "reply":
            number, _, text = rest.partition(" ")
            if not text.strip():
                self._out("(say :reply N TEXT, N being the message's number, e.g. :reply 3 #楼组长)")
            elif (message := self._message(number)) is not None:
                await self.send(text.strip(), reply_to=message["message_id"])
        elif word == "photo":
            await self.send(rest, photo=f"console-photo-{len(self.numbered) + 1}")
        elif word == "edit" and rest:
            message_id = self.state.last_own_message.get(self.state.chat_id)
            if message_id is None:
                self._out("(you have sent nothing in this chat yet)")
            else:
                await self.feed(self.api.edit_update(self.state.chat_id, message_id, rest))
        elif word == "paste":
            pasted = []
            while (next_line := await self.lines.get()) is not None and next_line != ".":
                pasted.append(next_line)
            if pasted:
                await self.send("\n".join(pasted))
        elif word == "contact" and rest:
            await self.feed(self.api.contact_update(self.state.chat_id, self.state.user, rest))
        elif word == "press":
            await self._press(*rest.split())
        elif word == "who":
            self._who()
        else:
            self._out(BANNER)
        return True

    async def _switch_user(self, rest: str) -> None:
        parts = rest.split()
        name = parts[0]
        was_private = self.state.chat_id == self.state.user.id
        self.state.user = _user(name, self.state.languages.get(name, "zh"))
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

    async def _press(self, message_number: str = "", button_number: str = "", *extra: str) -> None:
        """``:press 3 2``: button 2 under message (3); nothing is pressed unless both are clear."""
        if not button_number.isdigit() or extra:
            self._out("(say :press N B: button B under message N, e.g. :press 3 2)")
            return
        message = self._message(message_number)
        if message is None:
            return
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not 1 <= int(button_number) <= len(buttons):
            self._out(f"(message ({message_number}) has {len(buttons) or 'no'} buttons)")
            return
        button = buttons[int(button_number) - 1]
        if "callback_data" not in button:
            self._out(f"(that button opens {button.get('url', 'a link')})")
            return
        self._out(f"(pressing [{button_number}] {button.get('text')} under ({message_number}))")
        await self.feed(
            self.api.callback_update(
                self.state.chat_id, message["message_id"], self.state.user, button["callback_data"]
            )
        )

    def _who(self) -> None:
        user = self.state.user
        self._out(
            f"(you are {user.first_name}, user {user.id}, language {user.language_code}, "
            f"in {self._chat_label(self.state.chat_id)})"
        )


def _user(name: str, language: str) -> LocalUser:
    """A stable user id per name, so ':as 张三' is the same person across sessions."""
    return LocalUser(id=100000 + zlib.crc32(name.encode()) % 900_000_000, first_name=name, language_code=language)


async def run_console(config: Config, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    await Console(config, stdin or sys.stdin, stdout or sys.stdout).run()


__all__ = ["BOT_ID", "COMMITTEE_CHAT", "Console", "building_chat", "run_console"]
