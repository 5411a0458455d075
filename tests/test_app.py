import asyncio
import logging

from bot.language import commands as c
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from handlers import menus
from handlers.router import router_of
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, ENGLISH_RESIDENT, RESIDENT


async def test_start_and_help_in_chinese_by_default(bot):
    await bot.send(RESIDENT.id, RESIDENT, "/start")
    texts = bot.texts(RESIDENT.id)
    assert "楼组助手" in texts[0]
    assert "/lang" in texts[1] and "用法" in texts[1]


async def test_help_in_english_for_an_english_user_and_hashtag_form(bot):
    await bot.send(BUILDING_3, ENGLISH_RESIDENT, "/help")
    assert bot.last(BUILDING_3).startswith("Building assistant usage")
    await bot.send(BUILDING_3, RESIDENT, "#帮助")
    assert bot.last(BUILDING_3).startswith("楼组助手 用法")


async def test_chat_language_wins_over_the_users_and_survives_a_restart(config, clock):
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        update = api.message_update(BUILDING_3, COMMITTEE, "/lang en")
        await app.process_update(_update(app, update))
    assert api.texts(BUILDING_3)[-1] == "This chat's language is now English."

    api2 = LocalBotApi(id_base=1000)
    app2 = build_application(config, LocalRequest(api2), clock=clock)
    async with running(app2):
        await app2.process_update(_update(app2, api2.message_update(BUILDING_3, RESIDENT, "/help")))
    assert api2.texts(BUILDING_3)[-1].startswith("Building assistant usage")


async def test_redelivered_update_is_handled_once(bot):
    payload = bot.api.message_update(BUILDING_3, COMMITTEE, "/lang en")
    await bot.feed(payload)
    await bot.feed(payload)  # Telegram re-sends after a timeout
    assert bot.texts(BUILDING_3) == ["This chat's language is now English."]


async def test_malformed_and_unknown_commands_get_the_right_form(bot):
    await bot.send(BUILDING_3, RESIDENT, "/lang fr")
    assert bot.last(BUILDING_3) == t("zh", "parse.bad", usage=t("zh", "usage.lang"))
    await bot.send(BUILDING_3, RESIDENT, "/frobnicate")
    assert "/help" in bot.last(BUILDING_3)
    await bot.send(BUILDING_3, RESIDENT, "/help@some_other_bot")
    await bot.send(BUILDING_3, RESIDENT, "今天天气不错")
    assert len(bot.texts(BUILDING_3)) == 2  # other bots' commands and chatter get no answer


async def test_a_crash_in_a_feature_apologises_in_the_users_language_and_logs_no_text(bot, caplog):
    async def broken(update, context, command):
        raise RuntimeError("boom")

    router = router_of(bot.app)
    router._routes[c.Help] = (broken, False)
    with caplog.at_level(logging.ERROR):
        await bot.send(BUILDING_3, ENGLISH_RESIDENT, "/help my phone is 13912345678")
    assert bot.last(BUILDING_3).startswith("Sorry, something went wrong")
    assert "RuntimeError" in caplog.text
    assert "13912345678" not in caplog.text


async def test_command_menus_are_published_in_both_languages(bot):
    await menus.published(bot.app)
    scopes = {(scope, lang) for scope, lang in bot.api.commands}
    assert ("all_group_chats", "zh") in scopes and ("all_group_chats", "") in scopes
    assert ("all_private_chats", "zh") in scopes
    zh = {entry["command"]: entry["description"] for entry in bot.api.commands[("all_group_chats", "zh")]}
    en = {entry["command"]: entry["description"] for entry in bot.api.commands[("all_group_chats", "")]}
    assert zh.keys() == en.keys() and "help" in zh
    assert zh["help"] != en["help"]


def _update(app, payload):
    from telegram import Update

    return Update.de_json(payload, app.bot)


def _privacy_mode_on(api: LocalBotApi, admin_in: set[int] = frozenset()) -> None:
    """Telegram's default for a new bot: plain group messages reach it only where it is an admin."""
    api.bot_user["can_read_all_group_messages"] = False
    api.admin_in.update(admin_in)


async def test_binding_where_privacy_mode_hides_plain_messages_says_exactly_what_to_do(bot):
    _privacy_mode_on(bot.api, admin_in={BUILDING_5})
    blind = t("zh", "privacy.blind", bot="building_bot")
    await bot.send(BUILDING_3, COMMITTEE, "/bind 3")
    assert bot.last(BUILDING_3) == t("zh", "bind.building", building=3) + "\n\n" + blind
    assert "/setprivacy" in blind and "管理员" in blind
    await bot.send(BUILDING_5, COMMITTEE, "/bind 5")  # the bot is an admin there: it reads everything
    assert bot.last(BUILDING_5) == t("zh", "bind.building", building=5)


async def test_at_start_every_bound_group_the_bot_cannot_read_is_told(config, clock):
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        for chat_id, building in ((BUILDING_3, 3), (BUILDING_5, 5)):
            await app.process_update(_update(app, api.message_update(chat_id, COMMITTEE, f"/bind {building}")))
    assert api.texts(BUILDING_3) == [t("zh", "bind.building", building=3)]  # privacy mode was off

    api2 = LocalBotApi(id_base=1000)
    _privacy_mode_on(api2, admin_in={BUILDING_5})
    app2 = build_application(config, LocalRequest(api2), clock=clock)
    async with running(app2):
        for _ in range(100):
            if api2.texts(BUILDING_3):
                break
            await asyncio.sleep(0.05)
    assert api2.texts(BUILDING_3) == [t("zh", "privacy.blind", bot="building_bot")]
    assert api2.texts(BUILDING_5) == []


async def test_the_committees_me_shows_which_groups_the_bot_cannot_read(bot):
    bot.api.chat(BUILDING_3, "3号楼群")
    bot.api.chat(BUILDING_5, "5号楼群")
    await bot.send(BUILDING_3, COMMITTEE, "/bind 3")
    await bot.send(BUILDING_5, COMMITTEE, "/bind 5")
    await bot.send(COMMITTEE.id, COMMITTEE, "/me")
    assert t("zh", "privacy.all_ok", count=2) in bot.last(COMMITTEE.id)

    _privacy_mode_on(bot.api, admin_in={BUILDING_5})
    await bot.send(COMMITTEE.id, COMMITTEE, "/me")
    assert t("zh", "privacy.some_blind", bot="building_bot", chats="3号楼群") in bot.last(COMMITTEE.id)
    await bot.send(BUILDING_3, COMMITTEE, "/me")  # answered privately, about this group
    assert t("zh", "privacy.here_blind", bot="building_bot") in bot.last(COMMITTEE.id)
    await bot.send(RESIDENT.id, RESIDENT, "/me")
    assert "⚠️" not in bot.last(RESIDENT.id)  # only the committee is told


async def test_losing_telegram_while_polling_is_one_line_in_the_log(bot, caplog):
    from telegram.error import NetworkError

    with caplog.at_level("WARNING"):
        await bot.app.process_error(None, NetworkError("Bad Gateway"))
    [record] = [r for r in caplog.records if r.name == "handlers.errors"]
    assert record.levelname == "WARNING" and record.exc_info is None
