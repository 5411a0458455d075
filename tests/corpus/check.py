"""The corpus of residents' messages (messages.toml) and how each is compared with its reading.

Pure functions, no pytest: ``load()`` gives the cases, ``check(case)`` gives (ok, diff text).
``load(name="holdout.toml")`` gives the held-out corpus (never tuned against), its ids prefixed
``holdout-``.
A case names its ``kind``; the fields it lists are the only ones compared (see the brief in the
TOML's header). Names and titles are compared without spaces, in normalised form, ignoring case;
a text field may list several acceptable readings.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.rooms import LocalRoom
from bot.language import ParseContext, ParseError, parse
from bot.language import commands as c
from bot.language.normalize import normalize

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 10, 14, 0, tzinfo=TZ)  # a Friday afternoon
DATA = Path(__file__).with_name("messages.toml")
CORPORA = ("messages.toml", "holdout.toml")  # the main (tuned) corpus and the held-out one

MODELS: dict[str, type[c.Command] | None] = {
    "med": c.MedRequest,
    "groupbuy": c.GroupBuyOpen,
    "order": c.Order,
    "relay": c.RelayImport,
    "register": c.Register,
    "checkin": c.CheckIn,
    "shift": c.ShiftOpen,
    "reply": c.ReplyOrder,
    "chatter": None,
}
KINDS = (*MODELS, "other")
# Case field → model attribute, where they differ.
ATTRIBUTE = {"name": "display_name"}
TEXT_FIELDS = {"title", "name", "task", "place", "spec"}
_SPACES = re.compile(r"\s+")
_PLURAL = re.compile(r"(?<=x)es$|(?<=[a-z])s$")


def load(path: Path | None = None, *, name: str = "messages.toml") -> list[dict[str, Any]]:
    """Every case of a corpus (``name`` beside this file, or ``path``), each with an ``id`` of its
    kind and index within the kind (``med-007``); outside the main corpus the id is prefixed with
    the file's stem (``holdout-med-007``)."""
    path = path or DATA.with_name(name)
    prefix = "" if path.name == DATA.name else f"{path.stem}-"
    with path.open("rb") as file:
        cases = tomllib.load(file)["case"]
    seen: dict[str, int] = {}
    for case in cases:
        if case["kind"] not in KINDS:
            raise ValueError(f"unknown kind {case['kind']!r} in case {case['text']!r}")
        seen[case["kind"]] = seen.get(case["kind"], 0) + 1
        case["id"] = f"{prefix}{case['kind']}-{seen[case['kind']]:03d}"
    return cases


def read(case: dict[str, Any]) -> c.Command | ParseError | None:
    ctx = ParseContext(now=NOW, tz=TZ, reply_to_bot=case["kind"] == "reply")
    try:
        return parse(case["text"], ctx)
    except ParseError as exc:
        return exc


def check(case: dict[str, Any]) -> tuple[bool, str]:
    """(True, "") when the message is read as the case expects; else (False, what differs)."""
    try:
        result = read(case)
    except Exception as exc:  # anything but ParseError is a bug, reported as a miss
        return False, f"raised {exc.__class__.__name__}: {exc}"
    diffs = _diffs(case, result)
    return not diffs, "\n".join(diffs)


def _diffs(case: dict[str, Any], result: c.Command | ParseError | None) -> list[str]:
    got = _describe(result)
    if "error" in case:
        if isinstance(result, ParseError) and result.command == case["error"]:
            return []
        return [f"expected ParseError({case['error']}), got {got}"]
    if isinstance(result, ParseError):
        return [f"expected a {case['kind']} reading, got {got}"]
    kind = case["kind"]
    expected_model = case["model"] if kind == "other" else MODELS[kind]
    if expected_model is None:
        return [] if result is None else [f"expected chatter (None), got {got}"]
    model_name = expected_model if isinstance(expected_model, str) else expected_model.__name__
    if type(result).__name__ != model_name:
        return [f"expected {model_name}, got {got}"]
    fields = case.get("fields", {}) if kind == "other" else case
    return [diff for key, want in fields.items() if (diff := _field(key, want, result))]


def _field(key: str, want: Any, result: c.Command) -> str | None:
    if key in {"kind", "text", "id", "known_miss", "model", "fields"}:
        return None
    if key == "items":
        return _compare(key, [_item(i) for i in want], [_item(i) for i in result.items])
    if key == "lines":
        with_paid = any(len(line) == 3 for line in want)
        expected = [(*line, False) if with_paid and len(line) == 2 else tuple(line) for line in want]
        return _compare(key, expected, _relay_lines(result, with_paid))
    if key == "unreadable":
        return _compare(key, want, len(result.unreadable))
    if key == "note_has":
        missing = [word for word in want if word not in (result.note or "")]
        return f"note {result.note!r} lacks {missing}" if missing else None
    if key == "pickup_has":
        missing = [word for word in want if word not in (result.pickup or "")]
        return f"pickup {result.pickup!r} lacks {missing}" if missing else None
    if key == "private_not_in_items":
        leaked = [word for word in want for item in result.items if word in item.name]
        return f"items {_names(result)} contain private {leaked}" if leaked else None
    if key == "unsure":
        return _compare(key, sorted(want), sorted(result.unsure))
    if key == "deadline_text_present":
        return _compare(key, want, bool(result.deadline_text))
    actual = _value(getattr(result, ATTRIBUTE.get(key, key)))
    if key in TEXT_FIELDS:
        options = want if isinstance(want, list) else [want]
        if _text(actual) in {_text(option) for option in options}:
            return None
        return f"{key}: expected {' or '.join(map(repr, options))}, got {actual!r}"
    if key == "unit":
        return _compare(key, _unit(want), _unit(actual))
    return _compare(key, want, actual)


def _compare(key: str, want: Any, actual: Any) -> str | None:
    return None if want == actual else f"{key}: expected {want!r}, got {actual!r}"


def _value(value: Any) -> Any:
    """A reading's value as the TOML writes it: rooms as labels, moments as local minutes, None as ""."""
    if value is None:
        return ""
    if isinstance(value, c.Room | LocalRoom):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return value


def _text(value: Any) -> str:
    return _SPACES.sub("", normalize(str(value))).casefold()


def _unit(value: str | None) -> str:
    return _PLURAL.sub("", (value or "").lower())


def _item(item: Any) -> tuple[str, int, str]:
    if isinstance(item, list):
        name, quantity, unit = item
        return _text(name), quantity, _unit(unit)
    return _text(item.name), item.quantity, _unit(item.unit)


def _relay_lines(result: c.RelayImport, with_paid: bool) -> list[tuple[Any, ...]]:
    """The reading's lines, with the paid mark only where the expectation states one."""
    return [
        (str(line.room), line.quantity, line.paid) if with_paid else (str(line.room), line.quantity)
        for line in result.lines
    ]


def _names(result: c.Command) -> list[str]:
    return [item.name for item in result.items]


def _describe(result: c.Command | ParseError | None) -> str:
    if result is None:
        return "None (chatter)"
    if isinstance(result, ParseError):
        return f"ParseError({result.command}, {result.detail!r})"
    return f"{type(result).__name__}({result.model_dump(exclude_defaults=True)})"
