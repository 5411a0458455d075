"""Translation: every user-facing text lives in :mod:`bot.texts.texts` in zh and en.

A number with its noun is written ``{count:item|items}``: ``1 item``, ``2 items``."""

from __future__ import annotations

import re

from bot.texts.texts import TEXTS

LANGUAGES = ("zh", "en")

_PLURAL = re.compile(r"\{(?P<name>\w+):(?P<one>[^{}|]*)\|(?P<many>[^{}|]*)\}")


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (falling back to zh), with ``values`` filled in."""
    entry = TEXTS[key]
    return _PLURAL.sub(lambda m: _noun(m, values), entry.get(lang, entry["zh"])).format(**values)


def _noun(match: re.Match[str], values: dict[str, object]) -> str:
    """``{count:item|items}`` → ``{count} item`` when count is 1, else ``{count} items``."""
    one = str(values[match["name"]]) in {"1", "1.0"}
    return f"{{{match['name']}}} {match['one'] if one else match['many']}"


def pick_language(chat_language: str | None, user_language_code: str | None, default: str) -> str:
    """The chat's ``/lang`` (or the person's own) first, then the user's Telegram language, then the
    configured default."""
    if chat_language in LANGUAGES:
        return chat_language
    if user_language_code:
        code = user_language_code.lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return default
