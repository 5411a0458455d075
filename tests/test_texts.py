"""The texts' catalogues (gettext .po files, read with Babel): both languages have every text with the same
placeholders and valid plural forms, English replies are in English, and every command has its usage line."""

import gettext
import re
import string

import pytest
from babel.messages.pofile import read_po

from bot.language.parser import PARSERS
from bot.language.volunteering import SKILL_KEYS, SKILLS
from bot.texts.i18n import CATALOGUES, LOCALE, load, t
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT, LocalUser

PLURAL_FORMS = {"zh": (1, "0"), "en": (2, "(n != 1)")}


def catalog(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, abort_invalid=True)


CATALOGS = {lang: catalog(lang) for lang in PLURAL_FORMS}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def entries(lang: str) -> dict[str, tuple[str, ...]]:
    """Each msgid (a plural entry's singular) → its msgstr forms."""
    return {
        (m.id[0] if m.pluralizable else m.id): (tuple(m.string) if m.pluralizable else (m.string,))
        for m in CATALOGS[lang]
        if m.id
    }


ZH, EN = entries("zh"), entries("en")


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_each_catalogue_declares_its_plural_forms(lang):
    count, expression = PLURAL_FORMS[lang]
    found = CATALOGS[lang]
    assert (found.num_plurals, found.plural_expr) == (count, expression)
    rule = gettext.c2py(found.plural_expr)
    assert {rule(n) for n in range(200)} == set(range(count))
    assert not [m.id for m in found if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))]


def test_both_catalogues_have_the_same_keys_and_plural_entries():
    assert list(ZH) == list(EN)
    plural = {lang: {m.id[0] for m in CATALOGS[lang] if m.pluralizable} for lang in PLURAL_FORMS}
    assert plural["zh"] == plural["en"]
    for lang, texts in (("zh", ZH), ("en", EN)):
        assert all(len(texts[key]) == CATALOGS[lang].num_plurals for key in plural[lang]), lang


@pytest.mark.parametrize("key", sorted(ZH))
def test_every_text_and_form_has_the_same_placeholders(key):
    forms = ZH[key] + EN[key]
    assert all(form.strip() for form in forms), key
    assert len({frozenset(placeholders(form)) for form in forms}) == 1, forms
    if len(EN[key]) > 1:
        assert "count" in placeholders(EN[key][0]), "a plural text's number is its {count}"


# Chinese in an English text only as a tag users type (#接龙) or a quoted example of Chinese input ('交卡').
_ALLOWED = re.compile(r"#\w+|'[^'A-Za-z]+'|“[^”A-Za-z]+”")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def test_english_texts_have_no_chinese_words_or_punctuation():
    chinese = {key: forms for key, forms in EN.items() for form in forms if _CJK.search(_ALLOWED.sub("", form))}
    assert chinese == {}


def test_a_plural_text_takes_the_form_of_its_count():
    assert t("en", "notice.sent", count=1) == "Notice posted to 1 building group."
    assert t("en", "notice.sent", count=2) == "Notice posted to 2 building groups."
    assert t("en", "gb.more", count=0) == "… and 0 more households"
    assert t("zh", "notice.sent", count=1) == "通知已发到 1 个楼组群。"
    assert t("zh", "notice.sent", count=2) == "通知已发到 2 个楼组群。"
    with pytest.raises(TypeError):
        t("en", "notice.sent", count=1.5)  # gettext's forms are for whole numbers


def test_a_text_missing_or_fuzzy_in_a_language_falls_back_to_chinese(tmp_path):
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "ask.button.yes"\nmsgstr "✅ Oui"\n\n'
        'msgid "ask.button.no"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "ask.dropped"\nmsgstr "D\'accord"\n\n'
        'msgid "gb.more"\nmsgid_plural "gb.more"\nmsgstr[0] "… et {count} autre foyer"\nmsgstr[1] "… et {count} autres foyers"\n',
        encoding="utf-8",
    )
    french = load("fr", tmp_path)
    assert set(french.texts) == {"ask.button.yes", "gb.more"}  # t() takes the others from zh
    assert [french.plural(n) for n in (0, 1, 2)] == [0, 0, 1]


def test_every_skill_has_its_name_in_each_language():
    assert set(SKILLS.values()) == set(SKILL_KEYS)
    for lang in PLURAL_FORMS:
        assert all(f"skill.{key}" in CATALOGUES[lang].texts for key in SKILL_KEYS.values())


async def test_skills_and_lists_in_an_english_group_are_in_english(bot):
    volunteer = LocalUser(3001, "Li")
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, COMMITTEE, "/lang en")
    await bot.send(BUILDING_3, volunteer, "#报到 小李 核酸 配送")
    assert bot.last(BUILDING_3).startswith("🙋 小李 applies as a volunteer (PCR testing, deliveries).")
    await bot.press(BUILDING_3, bot.last_message(BUILDING_3)["message_id"], COMMITTEE, "vol:approve")
    await bot.send(BUILDING_3, volunteer, "#签到 核酸 2号门")
    assert bot.last(BUILDING_3) == "✅ Checked in: PCR testing @2号门 (09:00)"
    await bot.send(BUILDING_3, RESIDENT, "#在岗")
    assert bot.last(BUILDING_3) == "1 on duty:\nPCR testing @2号门: 小李 (since 09:00)"


@pytest.mark.parametrize("command", sorted(set(PARSERS) - {"unknown"}))
def test_every_command_has_a_usage_line(command):
    assert f"usage.{command}" in CATALOGUES["zh"].texts
