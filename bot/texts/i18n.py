"""Translation: every user-facing text is in a gettext catalogue per language,
``bot/texts/locale/<lang>/LC_MESSAGES/messages.po``, read with Babel when this module is imported.

An entry's msgid is the text's key (``gb.deadline``), its msgstr the text, with ``str.format``
placeholders. A text whose wording depends on a number is a plural entry (``msgid_plural``, one
``msgstr[i]`` per form of the catalogue's ``Plural-Forms``), and that number is its ``{count}``.
An entry left empty (or marked fuzzy) in a language falls back to Chinese."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
FALLBACK = "zh"
LOCALE = Path(__file__).with_name("locale")


@dataclass(frozen=True)
class Catalogue:
    """One language's texts by key (a plural entry: its forms) and the rule that picks a form for a count."""

    texts: dict[str, str | tuple[str, ...]]
    plural: Callable[[int], int]


def load(lang: str, folder: Path = LOCALE) -> Catalogue:
    with (folder / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    texts: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, str):
            texts[message.id] = str(message.string)
        elif all(message.string):
            texts[message.id[0]] = tuple(message.string)
    return Catalogue(texts, gettext.c2py(catalog.plural_expr))


CATALOGUES = {lang: load(lang) for lang in LANGUAGES}


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (falling back to zh), with ``values`` filled in; a plural text in
    the form its ``count`` takes."""
    catalogue = CATALOGUES.get(lang, CATALOGUES[FALLBACK])
    if key not in catalogue.texts:
        catalogue = CATALOGUES[FALLBACK]
    text = catalogue.texts[key]
    if isinstance(text, tuple):
        count = values["count"]
        if not isinstance(count, int):
            raise TypeError(f"{key}: its count must be a whole number, not {count!r}")
        text = text[min(catalogue.plural(count), len(text) - 1)]
    return text.format(**values)


def join(lang: str, items: Iterable[str]) -> str:
    """A list as the language writes one: ``3-502、3-601``, ``3-502, 3-601``."""
    return t(lang, "sep").join(items)


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
