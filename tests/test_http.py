"""The real HTTP stack: PTB's HTTPX client polls a small Bot API server on 127.0.0.1."""

import asyncio
import logging
import os
import signal
import socket
import sys

from bot.runtime.app import build_application, running
from bot.runtime.cli import reach_telegram
from bot.runtime.localapi import LocalBotApi
from bot.runtime.localapi_http import HttpBotApi
from tests.conftest import make_config
from tests.harness import BUILDING_3, RESIDENT


async def ask_for_help_by_polling(api: LocalBotApi, config) -> None:
    """A resident's /help, fetched by the bot's own polling over HTTP, is answered."""
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


async def test_polling_a_bot_api_server_over_http(tmp_path):
    api = LocalBotApi()
    tokens: list[str] = []
    async with HttpBotApi(api, observe=lambda token, method, params: tokens.append(token)) as server:
        config = make_config(tmp_path, telegram={"base_url": server.base_url, "token": "123:http-test"})
        await ask_for_help_by_polling(api, config)
    assert set(tokens) == {"123:http-test"}
    assert {call.method for call in api.calls} >= {"getMe", "getUpdates", "sendMessage", "setMyCommands"}


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config_file(tmp_path, base_url: str, token: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base_url}"\n[storage]\npath = "bot.sqlite3"\n', encoding="utf-8"
    )
    return str(path)


async def _start_run(config_file: str) -> asyncio.subprocess.Process:
    env = {key: value for key, value in os.environ.items() if key != "BUILDING_BOT_TOKEN"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", config_file,
        stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def test_a_proxy_setting_is_how_the_bot_reaches_telegram(tmp_path):
    api = LocalBotApi()
    async with HttpBotApi(api) as proxy:
        # telegram.invalid never resolves: only the proxy can carry the requests
        config = make_config(
            tmp_path, telegram={"base_url": "http://telegram.invalid/bot", "token": "123:t", "proxy": proxy.url}
        )
        await ask_for_help_by_polling(api, config)


async def test_a_rejected_token_stops_at_once_with_one_line_and_status_2(tmp_path):
    api = LocalBotApi()
    tried: list[str] = []
    async with HttpBotApi(api, observe=lambda token, method, params: tried.append(method), token="123:right") as server:
        process = await _start_run(_config_file(tmp_path, server.base_url, "123:wrong-token"))
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    err = err.decode()
    assert process.returncode == 2
    assert "rejected the token" in err and "BUILDING_BOT_TOKEN" in err
    assert "Traceback" not in err and "wrong-token" not in err
    assert tried == ["getMe"]  # never retried


async def test_no_route_to_telegram_is_one_line_a_try_with_back_off_and_ctrl_c_quits(tmp_path):
    port = _unused_port()
    process = await _start_run(_config_file(tmp_path, f"http://127.0.0.1:{port}/bot", "123:t"))
    lines: list[str] = []
    while sum("cannot reach Telegram" in line for line in lines) < 2:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
        assert line, "the bot exited instead of waiting for Telegram"
        lines.append(line)
    process.send_signal(signal.SIGINT)
    _, rest = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in "".join(lines) + rest.decode()
    tries = [line for line in lines if "cannot reach Telegram" in line]
    assert "retrying in 1 s" in tries[0] and "retrying in 2 s" in tries[1]
    assert "check the network, or set [telegram] proxy" in tries[0]
    # the database named in full, in the config file's folder though the bot runs from elsewhere
    assert f"database {tmp_path / 'bot.sqlite3'}" in "".join(lines)


async def test_the_bot_waits_for_telegram_and_starts_once_it_answers(tmp_path, caplog):
    port = _unused_port()
    server = HttpBotApi(LocalBotApi(), port=port)
    config = make_config(tmp_path, telegram={"base_url": f"http://127.0.0.1:{port}/bot", "token": "123:t"})
    app = build_application(config)
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 3:
            await server.__aenter__()

    with caplog.at_level(logging.WARNING):
        assert await reach_telegram(app, config, sleep=sleep)
    await app.shutdown()
    await server.__aexit__()
    assert delays == [1, 2, 4]
    tries = [record for record in caplog.records if "cannot reach Telegram" in record.getMessage()]
    assert len(tries) == 3
    assert all(record.exc_info is None and "\n" not in record.getMessage() for record in tries)
    assert app.bot.username == "building_bot"
