import logging

from bot.app import build_application, running
from bot.language import commands as c
from bot.localapi import LocalBotApi, LocalRequest
from handlers.router import router_of
from tests.harness import BUILDING_3, ENGLISH_RESIDENT, RESIDENT


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
        update = api.message_update(BUILDING_3, RESIDENT, "/lang en")
        await app.process_update(_update(app, update))
    assert api.texts(BUILDING_3)[-1] == "This chat's language is now English."

    api2 = LocalBotApi(id_base=1000)
    app2 = build_application(config, LocalRequest(api2), clock=clock)
    async with running(app2):
        await app2.process_update(_update(app2, api2.message_update(BUILDING_3, RESIDENT, "/help")))
    assert api2.texts(BUILDING_3)[-1].startswith("Building assistant usage")


async def test_redelivered_update_is_handled_once(bot):
    payload = bot.api.message_update(BUILDING_3, RESIDENT, "/lang en")
    await bot.feed(payload)
    await bot.feed(payload)  # Telegram re-sends after a timeout
    assert bot.texts(BUILDING_3) == ["This chat's language is now English."]


async def test_malformed_and_unknown_commands_get_the_right_form(bot):
    await bot.send(BUILDING_3, RESIDENT, "/lang fr")
    assert bot.last(BUILDING_3) == "没看懂这条指令。正确格式：\n/lang zh 或 /lang en"
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
