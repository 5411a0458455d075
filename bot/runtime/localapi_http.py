"""The local Bot API served over HTTP on 127.0.0.1, so the real HTTPX stack (``building-bot run``
or a polling Application) can be driven without Telegram: used by the tests and benchmarks.

It also answers as an HTTP proxy would (``POST http://any.host/bot<token>/<method>``), and with
``token`` set it rejects every other token with 401, as Telegram does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.runtime.localapi import ApiError, LocalBotApi

Observer = Callable[[str, str, dict], None]  # (token, method, parameters)


class _Endpoint(tornado.web.RequestHandler):
    def initialize(self, api: LocalBotApi, observe: Observer | None, token: str | None) -> None:
        self.api = api
        self.observe = observe
        self.token = token

    async def post(self, token: str, method: str) -> None:
        params: dict = {}
        for key, values in self.request.body_arguments.items():
            raw = values[0].decode()
            try:
                params[key] = json.loads(raw)
            except ValueError:
                params[key] = raw
        if self.observe is not None:
            self.observe(token, method, params)
        if self.token is not None and token != self.token:
            self.set_status(401)
            self.write({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        if method == "getUpdates":  # long polling: wait (briefly) for an update to arrive
            offset = int(params.get("offset") or 0)
            for _ in range(min(int(params.get("timeout") or 0), 2) * 20):
                if any(u["update_id"] >= offset for u in self.api.pending_updates):
                    break
                await asyncio.sleep(0.05)
        try:
            body = {"ok": True, "result": self.api.handle(method, params)}
        except ApiError as exc:
            self.set_status(exc.code)
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(body))


class HttpBotApi:
    """``async with HttpBotApi(api) as server:`` then point ``telegram.base_url`` at ``server.base_url``
    (or ``telegram.proxy`` at ``server.url``); ``port`` 0 takes a free one."""

    def __init__(
        self, api: LocalBotApi, observe: Observer | None = None, *, port: int = 0, token: str | None = None
    ) -> None:
        route = r"(?:http://[^/]+)?/bot([^/]+)/(\w+)"  # the absolute form is what a proxy receives
        app = tornado.web.Application([(route, _Endpoint, {"api": api, "observe": observe, "token": token})])
        self._server = tornado.httpserver.HTTPServer(app)
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    async def __aenter__(self) -> HttpBotApi:
        sockets = tornado.netutil.bind_sockets(self.port, "127.0.0.1")
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.stop()
