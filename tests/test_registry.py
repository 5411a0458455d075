"""One declaration per command (``bot.language.registry``): the parser, the menus, the help topics
and the README's command reference all come from it."""

import re
from pathlib import Path

import pytest

from bot.domain.permissions import RULES, Who
from bot.language.registry import COMMANDS, Menu
from bot.runtime.reference import reference
from bot.texts.i18n import CATALOGUES, t
from handlers import menus
from tests.harness import COMMITTEE

README = Path(__file__).resolve().parent.parent / "README.md"
_REFERENCE = re.compile(r"<!-- command reference: begin.*?-->\n(?P<table>.*?)\n<!-- command reference: end -->", re.S)


def test_the_readme_command_reference_is_the_registry():
    found = _REFERENCE.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no generated command reference"
    assert found["table"] == reference(), "regenerate it: .venv/bin/python -m bot.runtime.reference"


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda spec: spec.name)
def test_every_command_names_a_rule_or_a_role_and_has_its_texts(spec):
    assert spec.who is None or spec.who in RULES or spec.who in set(Who)
    assert spec.usage_key in CATALOGUES["zh"].texts
    assert spec.menu is Menu.NONE or spec.menu_key in CATALOGUES["zh"].texts


async def test_the_menus_list_every_declared_command_with_a_handler(bot):
    await menus.published(bot.app)
    listed = [spec for spec in COMMANDS if spec.menu is not Menu.NONE]
    for lang, code in (("zh", "zh"), ("en", "")):
        entries = bot.api.commands[(f"chat:{COMMITTEE.id}", code)]  # a committee member's private chat: the fullest
        assert [(e["command"], e["description"]) for e in entries] == [
            (spec.name, t(lang, spec.menu_key)) for spec in listed
        ]
