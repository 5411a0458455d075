"""Running it for real: /healthz, /metrics, JSON logs, Sentry, backups and restore, the webhook's
secret over real HTTP, and the deploy files naming real commands."""

import asyncio
import io
import json
import logging
import os
import re
import shlex
import signal
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import pytest
import sentry_sdk
from prometheus_client.parser import text_string_to_metric_families
from sentry_sdk.transport import Transport

from bot.runtime import logfilter, ops
from bot.runtime.app import build_application, running
from bot.runtime.cli import _parser, main
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.runtime.localapi_http import HttpBotApi
from storage.db import Database
from tests.conftest import make_config, read_only, sqlite_only
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT, Harness
from tests.test_http import _unused_port

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13912345678"


def _metrics(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
async def ops_server(bot: Harness, config):
    config = config.model_copy(update={"ops": config.ops.model_copy(update={"http": "127.0.0.1:0"})})
    server = await ops.OpsServer(bot.app, config).start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        yield client
    await server.stop()


async def test_healthz_is_200_when_healthy_and_503_with_the_reason_when_the_database_is_read_only(
    bot, ops_server, monkeypatch
):
    monkeypatch.setattr(ops.METRICS, "last_poll", time.monotonic())
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    answer = await ops_server.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["database_writable"] is True
    assert body["last_update_seconds_ago"] < 60 and body["jobs_scheduled"] > 0

    await bot.services.db.on_writer(read_only(True))
    answer = await ops_server.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["database_writable"] is False
    assert answer.json()["problems"][0].startswith("database not writable")

    await bot.services.db.on_writer(read_only(False))
    assert (await ops_server.get("/healthz")).status_code == 200


async def test_healthz_is_503_when_polling_stalls(bot, ops_server, monkeypatch):
    monkeypatch.setattr(ops.METRICS, "last_poll", time.monotonic() - 300)
    answer = await ops_server.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["problems"] == ["polling stalled: no answer from Telegram for 300 s"]


async def test_healthz_in_webhook_mode_is_503_until_the_webhook_is_set(tmp_path):
    url = "https://bot.example.org/telegram"
    config = make_config(tmp_path, telegram={"mode": "webhook", "url": url})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api))
    async with running(app):
        status, body = await ops.health(app, config)
        assert (status, body["problems"]) == (503, ["webhook not set"])
        await app.bot.set_webhook(url)
        status, body = await ops.health(app, config)
    assert status == 200 and "problems" not in body


async def test_metrics_count_updates_sends_429s_database_writes_and_jobs(bot, ops_server):
    before = _metrics((await ops_server.get("/metrics")).text)
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
    await bot.send(BUILDING_3, RESIDENT, "/help")
    await bot.press(BUILDING_3, bot.last_message(BUILDING_3)["message_id"], RESIDENT, "nothing")
    job = bot.app.job_queue.jobs()[0]
    await ops.MeteredJobQueue.job_callback(bot.app.job_queue, job)
    after = _metrics((await ops_server.get("/metrics")).text)

    def grew(metric: str, **labels: str) -> float:
        key = (metric, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("building_bot_updates_total", kind="message") == 2
    assert grew("building_bot_updates_total", kind="callback_query") == 1
    assert grew("building_bot_update_seconds_count") == 3
    assert grew("building_bot_sends_total", result="429") == 1
    assert grew("building_bot_sends_total", result="retried") == 1
    assert grew("building_bot_sends_total", result="ok") >= 2
    assert grew("building_bot_db_write_seconds_count") >= 1
    await bot.services.outbox.owe("telegram", BUILDING_3, {"text": "later"}, "test:owed")
    after = _metrics((await ops_server.get("/metrics")).text)
    assert after[("building_bot_outbox_items", (("channel", "telegram"), ("state", "owed")))] == 1
    assert grew("building_bot_jobs_total", name=ops.job_kind(job.name), result="ok") >= 1  # the scheduler runs it too


async def test_json_log_lines_carry_the_update_and_chat_ids_and_a_masked_traceback(bot, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ops.JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    logfilter.install({})

    async def broken(*args, **kwargs):
        raise RuntimeError(f"the disk said no to {PHONE}")

    monkeypatch.setattr(bot.services.roster, "register", broken)
    try:
        payload = await bot.send(BUILDING_3, RESIDENT, f"#登记 3-502 张三 {PHONE}")
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["logger"] == "handlers.errors" and error["update_id"] == payload["update_id"]
    assert error["chat_id"] == BUILDING_3 and "time" in error
    assert "Traceback" in error["exc_info"] and "RuntimeError" in error["exc_info"]
    assert "139****5678" in error["exc_info"]
    text = stream.getvalue()
    assert PHONE not in text and "张三" not in text and "#登记" not in text


class RecordingTransport(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def capture_envelope(self, envelope) -> None:
        self.sent.append(envelope.serialize().decode())


async def test_sentry_gets_unhandled_errors_scrubbed_of_message_text_numbers_and_names(bot, monkeypatch):
    transport = RecordingTransport()

    async def broken(*args, **kwargs):
        raise ValueError(f"张三 {PHONE} 'Alice Smith' 6222021234567890123")

    monkeypatch.setattr(bot.services.roster, "register", broken)
    ops.start_sentry("https://public@sentry.example.org/1", transport=transport)
    try:
        await bot.send(BUILDING_3, RESIDENT, f"#登记 3-502 张三 {PHONE}")
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # off again for the other tests
    assert len(transport.sent) == 1
    event = transport.sent[0]
    assert "ValueError" in event
    for secret in (PHONE, "6222021234567890123", "张三", "Alice Smith", "#登记", "3-502"):
        assert secret not in event
    assert "139****5678" in event


@sqlite_only("building-bot's backups are SQLite's; PostgreSQL's are pg_dump's")
async def test_the_daily_backup_keeps_the_newest_few_and_counts_its_runs(tmp_path, clock):
    config = make_config(tmp_path, storage={"backup_dir": str(tmp_path / "backups"), "backup_keep": 2})
    app = build_application(config, LocalRequest(LocalBotApi()), clock=clock)
    async with running(app):
        job = next(job for job in app.job_queue.jobs() if job.name == "backup")
        before = ops.METRICS.jobs.labels("backup", "ok")._value.get()
        for _ in range(3):
            await ops.MeteredJobQueue.job_callback(app.job_queue, job)
            clock.advance(days=1)
        assert ops.METRICS.jobs.labels("backup", "ok")._value.get() == before + 3
    kept = sorted(path.name for path in (tmp_path / "backups").iterdir())
    assert kept == ["building-bot-20260411-090000.sqlite3", "building-bot-20260412-090000.sqlite3"]
    ops.check_backup(tmp_path / "backups" / kept[-1])


def _households(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM households").fetchone()[0]
    finally:
        conn.close()


def _config_file(tmp_path: Path, **sections: dict) -> str:
    lines = ['[storage]\npath = "bot.sqlite3"\n']
    for name, values in sections.items():
        lines.append(f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()))
    path = tmp_path / "config.toml"
    path.write_text("".join(lines), encoding="utf-8")
    return str(path)


@sqlite_only("building-bot's backups are SQLite's; PostgreSQL's are pg_dump's")
async def test_a_backup_taken_while_the_bot_writes_is_whole_and_restores(bot, tmp_path, capsys):
    config_file = _config_file(tmp_path)
    # the harness's database is tmp_path/bot.sqlite3, as the config file says
    stop = asyncio.Event()

    async def keep_registering() -> None:
        room = 100
        while not stop.is_set():
            room += 1
            await bot.services.roster.import_csv(f"3,,{room}\n")

    writing = asyncio.create_task(keep_registering())
    await asyncio.sleep(0.05)
    backup = tmp_path / "copy.sqlite3"
    assert await asyncio.to_thread(main, ["backup", str(backup), "--config", config_file]) == 0
    stop.set()
    await writing
    ops.check_backup(backup)
    assert 0 < _households(backup) < _households(tmp_path / "bot.sqlite3")


async def test_restore_checks_the_backup_refuses_while_the_bot_runs_and_keeps_the_replaced_database(tmp_path, capsys):
    config_file = _config_file(tmp_path)
    live = tmp_path / "bot.sqlite3"
    db = Database(live)
    await db.open()
    add = "INSERT INTO households (building, unit, room, created_at) VALUES (3, '', ?, 'now')"
    await db.write(lambda conn: conn.execute(add, (502,)))
    await db.backup(tmp_path / "backup.sqlite3")
    await db.write(lambda conn: conn.execute(add, (601,)))
    await db.close()

    running_bot = ops.RunLock(live)
    assert running_bot.acquire()
    assert main(["restore", str(tmp_path / "backup.sqlite3"), "--config", config_file]) == 2
    assert "stop it before restoring" in capsys.readouterr().err
    running_bot.release()

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert main(["restore", str(broken), "--config", config_file]) == 2
    assert "cannot restore" in capsys.readouterr().err
    assert _households(live) == 2

    assert main(["restore", str(tmp_path / "backup.sqlite3"), "--config", config_file]) == 0
    assert _households(live) == 1
    kept = next(tmp_path.glob("bot.sqlite3.before-restore-*"))
    assert _households(kept) == 2
    assert "the database it replaced is" in capsys.readouterr().out


# ---------------------------------------------------------------------------- real HTTP, real process
async def test_webhook_without_a_configured_secret_refuses_forged_updates_over_http(tmp_path):
    api = LocalBotApi()
    webhook_port, ops_port = _unused_port(), _unused_port()
    async with HttpBotApi(api) as telegram:
        config_file = _config_file(
            tmp_path,
            telegram={
                "token": "123:t",
                "base_url": telegram.base_url,
                "mode": "webhook",
                "port": webhook_port,
                "url": "https://bot.example.org/telegram",
            },
            ops={"http": f"127.0.0.1:{ops_port}"},
            logging={"format": "json"},
        )
        env = {key: value for key, value in os.environ.items() if key != "BUILDING_BOT_TOKEN"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", config_file,
            stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        try:
            for _ in range(400):
                if api.calls_of("setWebhook") and api.calls_of("setMyCommands"):
                    break
                await asyncio.sleep(0.05)
            secret = api.calls_of("setWebhook")[0].params["secret_token"]
            assert len(secret) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)
            webhook = f"http://127.0.0.1:{webhook_port}/telegram"
            async with httpx.AsyncClient() as client:
                for _ in range(100):  # the web server starts right after setWebhook
                    try:
                        await client.get(f"http://127.0.0.1:{ops_port}/healthz")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                forged = api.message_update(BUILDING_3, COMMITTEE, "#绑定 3号楼")
                refused = [
                    await client.post(webhook, json=forged),
                    await client.post(webhook, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}),
                ]
                update = api.message_update(BUILDING_3, RESIDENT, f"#登记 3-502 张三 {PHONE}")
                accepted = await client.post(webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                for _ in range(200):
                    if api.texts(BUILDING_3):
                        break
                    await asyncio.sleep(0.05)
                health = await client.get(f"http://127.0.0.1:{ops_port}/healthz")
                metrics = _metrics((await client.get(f"http://127.0.0.1:{ops_port}/metrics")).text)
        finally:
            process.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert [answer.status_code for answer in refused] == [403, 403]
    assert accepted.status_code == 200
    assert api.texts(BUILDING_3) == ["已登记：3-502。"]  # the forged #绑定 was never handled
    assert health.status_code == 200 and health.json()["mode"] == "webhook"
    assert metrics[("building_bot_updates_total", (("kind", "message"),))] == 1
    lines = err.decode().splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert secret not in err.decode() and PHONE not in err.decode() and "张三" not in err.decode()


# ------------------------------------------------------------------------------------- deploy files
def _parses(argv: list[str]) -> None:
    """``building-bot ARGS`` as the CLI reads them: an unknown command or option exits."""
    _parser().parse_args(argv)


def test_the_dockerfile_and_the_systemd_unit_run_real_cli_commands():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")  # continued lines joined
    entry = json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.M)[1])
    command = json.loads(re.search(r"^CMD (.+)$", dockerfile, re.M)[1])
    assert entry == ["building-bot"]
    _parses(command)
    assert command[0] == "run"
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M) and re.search(r"^VOLUME ", dockerfile, re.M)
    assert "/healthz" in re.search(r"^HEALTHCHECK .+$", dockerfile, re.M)[0]

    unit = (ROOT / "deploy" / "building-bot.service").read_text(encoding="utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    program, *args = shlex.split(settings["ExecStart"])
    assert program.endswith("/building-bot")
    _parses(args)
    assert args[0] == "run"
    assert settings["Restart"] == "on-failure" and settings["User"] != "root"
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "true"
    assert "EnvironmentFile" in settings
