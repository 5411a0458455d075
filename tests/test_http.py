"""The real HTTP stack: PTB's HTTPX client polls a small Bot API server on 127.0.0.1."""

import asyncio
import json

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.app import build_application, running
from bot.localapi import ApiError, LocalBotApi
from tests.conftest import make_config
from tests.harness import BUILDING_3, RESIDENT


class BotApiHandler(tornado.web.RequestHandler):
    def initialize(self, api: LocalBotApi, tokens: list[str]) -> None:
        self.api = api
        self.tokens = tokens

    async def post(self, token: str, method: str) -> None:
        self.tokens.append(token)
        params = {}
        for key, values in self.request.body_arguments.items():
            raw = values[0].decode()
            try:
                params[key] = json.loads(raw)
            except ValueError:
                params[key] = raw
        if method == "getUpdates":
            for _ in range(int(params.get("timeout") or 0) * 20):
                if any(u["update_id"] >= int(params.get("offset") or 0) for u in self.api.pending_updates):
                    break
                await asyncio.sleep(0.05)
        try:
            body = {"ok": True, "result": self.api.handle(method, params)}
        except ApiError as exc:
            self.set_status(exc.code)
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(body))


async def test_polling_a_bot_api_server_over_http(tmp_path):
    api = LocalBotApi()
    tokens: list[str] = []
    web = tornado.web.Application([(r"/bot([^/]+)/(\w+)", BotApiHandler, {"api": api, "tokens": tokens})])
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(web)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    config = make_config(tmp_path, telegram={"base_url": f"http://127.0.0.1:{port}/bot", "token": "123:http-test"})
    app = build_application(config)
    try:
        async with running(app):
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            api.pending_updates.append(api.message_update(BUILDING_3, RESIDENT, "/help"))
            for _ in range(200):
                if api.texts(BUILDING_3):
                    break
                await asyncio.sleep(0.05)
            await app.updater.stop()
    finally:
        server.stop()
    assert api.texts(BUILDING_3) and api.texts(BUILDING_3)[0].startswith("楼组助手 用法")
    assert set(tokens) == {"123:http-test"}
    assert {call.method for call in api.calls} >= {"getMe", "getUpdates", "sendMessage", "setMyCommands"}
