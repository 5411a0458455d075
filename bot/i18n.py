"""Translation: every user-facing text lives in :mod:`bot.texts` in zh and en."""

from __future__ import annotations

from bot.texts import TEXTS

LANGUAGES = ("zh", "en")


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (falling back to zh), with ``values`` filled in."""
    entry = TEXTS[key]
    return entry.get(lang, entry["zh"]).format(**values)


def pick_language(chat_language: str | None, user_language_code: str | None, default: str) -> str:
    """The chat's ``/lang`` first, then the user's Telegram language, then the configured default."""
    if chat_language in LANGUAGES:
        return chat_language
    if user_language_code:
        code = user_language_code.lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return default
