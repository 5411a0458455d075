"""Every button's callback data, declared once: one small typed dataclass per kind of button.

A kind names its data's form (``data="med:{action}:{request_id}"``) and its fields' types: an
``int`` is an id (up to 12 digits), a ``bool`` is ``yes``/``no``, a ``Literal`` lists the words
it may be, a ``Topic`` is a help topic of the registry. From that alone come ``encode()`` (checked
against Telegram's 64 bytes, and to read back as itself) and :func:`decode`, which gives the typed
button for data of a known form and None for anything else (a client may send any data: nothing
unchecked reaches a handler). ``handlers/router.py``'s ``on_press`` registers a handler per kind.

The forms are those the bot has always sent, so buttons already in chats keep working after an
upgrade; ``handlers/guards.py`` still refuses data a message was not sent with.
"""

from __future__ import annotations

import inspect
import re
import string
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

from bot.language.registry import TOPICS, Topic

LIMIT = 64  # bytes: Telegram's limit for a button's callback data
_ID = "0|[1-9][0-9]{0,11}"  # written one way only: no leading zeros, no full-width digits


class Button:
    """A kind of button: subclass it as a frozen dataclass, with ``data=`` its form."""

    FORMAT: ClassVar[str]
    _PATTERN: ClassVar[re.Pattern[str]]
    _WORDS: ClassVar[dict[str, dict[str, Any] | None]]  # field → its words and their values (None: an id)

    def __init_subclass__(cls, *, data: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = get_type_hints(cls)
        cls.FORMAT = data
        cls._WORDS = {name: _words(hints[name]) for name in inspect.get_annotations(cls)}
        pattern = ""
        for literal, name, _, _ in string.Formatter().parse(data):
            pattern += re.escape(literal)
            if name is not None:
                words = cls._WORDS[name]
                choices = _ID if words is None else "|".join(map(re.escape, words))
                pattern += f"(?P<{name}>{choices})"
        cls._PATTERN = re.compile(pattern)
        _KINDS.append(cls)

    def encode(self) -> str:
        """The callback data of this button; ValueError when it would not come back as this button
        (an id over 12 digits) or is over Telegram's 64 bytes."""
        values = {name: _word(getattr(self, name), words) for name, words in self._WORDS.items()}
        data = self.FORMAT.format(**values)
        if len(data.encode()) > LIMIT or self.read(data) != self:
            raise ValueError(f"{self!r} does not fit a button's callback data")
        return data

    @classmethod
    def read(cls, data: object) -> Self | None:
        """This kind's button for ``data``, or None (data of another form, or no text at all)."""
        found = cls._PATTERN.fullmatch(data) if isinstance(data, str) else None
        if found is None:
            return None
        fields: dict[str, Any] = {}
        for name, text in found.groupdict().items():
            words = cls._WORDS[name]
            fields[name] = int(text) if words is None else words[text]
        return cls(**fields)

    @classmethod
    def matches(cls, data: object) -> bool:
        """Whether ``data`` is this kind's (the pattern a Telegram handler is registered with)."""
        return cls.read(data) is not None


_KINDS: list[type[Button]] = []


def _words(hint: Any) -> dict[str, Any] | None:
    """The words a field's type allows, each with its value; None for an id."""
    if hint is int:
        return None
    if hint is bool:
        return {"yes": True, "no": False}
    if hint is Topic:
        return {topic.name: topic for topic in TOPICS}
    if get_origin(hint) is Literal:
        return {word: word for word in get_args(hint)}
    raise TypeError(f"a button's field is an int, a bool, a Topic or a Literal of words, not {hint}")


def _word(value: Any, words: dict[str, Any] | None) -> str:
    if words is None:
        return str(value)
    return next((word for word, meant in words.items() if meant == value), "")


def decode(data: object) -> Button | None:
    """The button ``data`` is (a typed value of one kind), or None: unknown, malformed or too long."""
    return next((button for kind in _KINDS if (button := kind.read(data)) is not None), None)


# ------------------------------------------------------------------------------------ the kinds
@dataclass(frozen=True)
class MedAction(Button, data="med:{action}:{request_id}"):
    """✅ confirm / ✖ cancel under a medicine request's list; ✅ under its line in the group."""

    action: Literal["confirm", "cancel"]
    request_id: int


@dataclass(frozen=True)
class BuyAction(Button, data="gb:{action}:{buy_id}"):
    """A buy's board (+1, −1), its summary (the CSV), its summary below the minimum (call it off)."""

    action: Literal["+1", "-1", "csv", "off"]
    buy_id: int


@dataclass(frozen=True)
class Answer(Button, data="ask:{question_id}:{choice}"):
    """An answer to a question the bot asked (``bot.services.questions``): yes, edit (the deadline),
    none (no deadline, no, call off), keep (the buy open)."""

    question_id: int
    choice: Literal["yes", "edit", "none", "keep"]


@dataclass(frozen=True)
class BuyChoice(Button, data="ask:{question_id}:b{buy_id}"):
    """The answer to "which buy is this relay for?": that buy."""

    question_id: int
    buy_id: int


@dataclass(frozen=True)
class ApproveJoin(Button, data="home:approve"):
    """✅ under a request to join a household."""


@dataclass(frozen=True)
class ApproveVolunteer(Button, data="vol:approve"):
    """✅ under a volunteer's application."""


@dataclass(frozen=True)
class SlotTake(Button, data="slot:take:{slot_id}"):
    """🙋 under a shift slot."""

    slot_id: int


@dataclass(frozen=True)
class Purge(Button, data="purge:{yes}"):
    """The committee's confirmation of /purge, or its refusal."""

    yes: bool


@dataclass(frozen=True)
class HelpTopic(Button, data="help:{topic}"):
    """A topic's button under /help."""

    topic: Topic
