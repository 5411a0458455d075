"""The real HTTP stack: PTB's HTTPX client polls a small Bot API server on 127.0.0.1."""

import asyncio

from bot.app import build_application, running
from bot.localapi import LocalBotApi
from bot.localapi_http import HttpBotApi
from tests.conftest import make_config
from tests.harness import BUILDING_3, RESIDENT


async def test_polling_a_bot_api_server_over_http(tmp_path):
    api = LocalBotApi()
    tokens: list[str] = []
    async with HttpBotApi(api, observe=lambda token, method, params: tokens.append(token)) as server:
        config = make_config(tmp_path, telegram={"base_url": server.base_url, "token": "123:http-test"})
        app = build_application(config)
        async with running(app):
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            api.pending_updates.append(api.message_update(BUILDING_3, RESIDENT, "/help"))
            for _ in range(200):
                if api.texts(BUILDING_3):
                    break
                await asyncio.sleep(0.05)
            await app.updater.stop()
    assert api.texts(BUILDING_3) and api.texts(BUILDING_3)[0].startswith("楼组助手 用法")
    assert set(tokens) == {"123:http-test"}
    assert {call.method for call in api.calls} >= {"getMe", "getUpdates", "sendMessage", "setMyCommands"}
