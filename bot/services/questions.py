"""Ask once: when a command was read with a guess (a buy's deadline, which buy a relay is for), the
bot asks its sender before acting, with buttons, and the command waits in SQLite until the answer.

Only the sender may answer, only from the question's own message, and only once; an edit of the
source message replaces the waiting command.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.domain.models import Question
from bot.domain.permissions import Actor
from bot.language import commands as c
from bot.services.errors import UserError
from storage import questions as store
from storage.db import Database
from storage.sql import Connection

Waiting = c.GroupBuyOpen | c.BuyChange | c.RelayImport | c.Order | c.CloseBuy
# The commands that can wait for an answer.
_WAITING: dict[str, type[Waiting]] = {
    command.name: command for command in (c.GroupBuyOpen, c.BuyChange, c.RelayImport, c.Order, c.CloseBuy)
}


class Questions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def ask(self, actor: Actor, chat_id: int, source_message_id: int, kind: str, command: Waiting) -> Question:
        now = self._clock.now()
        payload = f"{command.name}:{command.model_dump_json()}"

        def body(conn: Connection) -> Question:
            return store.ask(
                conn,
                chat_id=chat_id,
                user_id=actor.user_id,
                source_message_id=source_message_id,
                kind=kind,
                command=payload,
                at=now,
            )

        return await self._db.write(body)

    async def prompted(self, question_id: int, message_id: int) -> None:
        """The bot's question went out as ``message_id``: answers must come from it."""
        await self._db.write(lambda conn: store.set_prompt(conn, question_id, message_id))

    async def by_prompt(self, chat_id: int, message_id: int) -> Question | None:
        return await self._db.read(lambda conn: store.by_prompt(conn, chat_id, message_id))

    async def by_source(self, chat_id: int, message_id: int) -> Question | None:
        return await self._db.read(lambda conn: store.by_source(conn, chat_id, message_id))

    async def waiting(self, actor: Actor, question_id: int, chat_id: int, message_id: int) -> Question:
        """The open question behind a button press or a reply: from its asker, on its own message."""
        question = await self._db.read(lambda conn: store.get(conn, question_id))
        if question is None or question.chat_id != chat_id or question.prompt_message_id != message_id:
            raise UserError("ask.err.gone")
        if question.user_id != actor.user_id:
            raise UserError("ask.err.not_yours")
        if question.answered:
            raise UserError("ask.err.answered")
        return question

    async def settle(self, question: Question) -> bool:
        """Mark the question answered; False when an answer was already taken (a double press)."""
        now = self._clock.now()
        return await self._db.write(lambda conn: store.answer(conn, question.id, now))

    @staticmethod
    def command(question: Question) -> Waiting:
        name, _, payload = question.command.partition(":")
        return _WAITING[name].model_validate_json(payload)
