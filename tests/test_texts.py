"""Every user-facing text exists in zh and en, with the same placeholders; every command has its usage line."""

import string

import pytest

from bot.language.parser import PARSERS
from bot.texts.texts import TEXTS


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_both_languages_with_the_same_placeholders(key):
    entry = TEXTS[key]
    assert set(entry) == {"zh", "en"}, key
    assert entry["zh"].strip() and entry["en"].strip()
    assert placeholders(entry["zh"]) == placeholders(entry["en"]), key


@pytest.mark.parametrize("command", sorted(set(PARSERS) - {"unknown"}))
def test_every_command_has_a_usage_line(command):
    assert f"usage.{command}" in TEXTS
