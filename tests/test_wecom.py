"""Reaching WeChat: WeCom group robots (against a loopback fake of the webhook that answers as
WeCom does) and the 接龙 text that pastes back into WeChat."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from bot.config import ConfigError, load_config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.services.wecom import DailyReport, RelayText, split_bytes
from bot.services.wecom_sender import WeComSender
from handlers.reports import send_daily_reports
from storage import bulletins
from storage.migrate import migrations
from tests.conftest import SHANGHAI, make_config, sqlite_only
from tests.harness import BUILDING_3, COMMITTEE, COMMITTEE_CHAT, NEIGHBOUR, RESIDENT, Harness, LocalUser

LEADER = LocalUser(2001, "楼长老陈")
VOLUNTEER = LocalUser(3001, "小李")
HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
KEYS = {"committee": "c0mm1ttee-key", "3": "b3-key-693a91f6", "5": "b5-key-0b2c"}
PHONE, CARD, NAME, NOTE = "13912345678", "310101195001011234", "张三", "糖尿病晚期"


class FakeWeCom:
    """The group robots' webhook as WeCom answers it: errcode 0, 45009 past 20 a minute per robot,
    40058 over the length limits, 40009 for a bad image or md5, 93000 for an unknown key; ``down``
    requests fail on the network. Time is virtual: the sender sleeps on this clock."""

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys
        self.now = 0.0
        self.received: dict[str, list[dict]] = defaultdict(list)
        self.accepted_at: dict[str, list[float]] = defaultdict(list)
        self.answers: list[int] = []
        self.down = 0

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)

    def monotonic(self) -> float:
        return self.now

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.down -= 1
            raise httpx.ConnectError("no route to host")
        code = self._errcode(request)
        self.answers.append(code)
        return httpx.Response(200, json={"errcode": code, "errmsg": "ok" if code == 0 else "error"})

    def _errcode(self, request: httpx.Request) -> int:
        key = request.url.params.get("key", "")
        if key not in self.keys:
            return 93000
        recent = [at for at in self.accepted_at[key] if self.now - at < 60]
        self.accepted_at[key] = recent
        if len(recent) >= 20:
            return 45009
        body = json.loads(request.content)
        kind = body["msgtype"]
        if kind == "text" and len(body["text"]["content"].encode()) > 2048:
            return 40058
        if kind == "markdown" and len(body["markdown"]["content"].encode()) > 4096:
            return 40058
        if kind == "image":
            raw = base64.b64decode(body["image"]["base64"])
            if len(raw) > 2 * 1024 * 1024 or hashlib.md5(raw).hexdigest() != body["image"]["md5"]:
                return 40009
        recent.append(self.now)
        self.received[key].append(body)
        return 0

    def texts(self, robot: str) -> list[str]:
        return [
            body["text"]["content"] if body["msgtype"] == "text" else body["markdown"]["content"]
            for body in self.received[KEYS[robot]]
            if body["msgtype"] != "image"
        ]

    def everything(self) -> str:
        return json.dumps(self.received, ensure_ascii=False)


def wecom_config(tmp_path: Path, buildings: tuple[str, ...] = ("3", "5")):
    return make_config(
        tmp_path,
        wecom={
            "committee_webhook": HOOK + KEYS["committee"],
            "buildings": {number: HOOK + KEYS[number] for number in buildings},
        },
    )


def connect(bot: Harness, fake: FakeWeCom) -> None:
    bot.services.wecom.sender = WeComSender(
        20, transport=httpx.MockTransport(fake.handle), sleep=fake.sleep, monotonic=fake.monotonic
    )


@pytest.fixture
def fake() -> FakeWeCom:
    return FakeWeCom({KEYS["committee"], KEYS["3"], KEYS["5"]})


@pytest.fixture
async def bot(tmp_path: Path, clock, fake: FakeWeCom) -> AsyncIterator[Harness]:
    api = LocalBotApi()
    app = build_application(wecom_config(tmp_path), LocalRequest(api), clock=clock)
    harness = Harness(app, api)
    connect(harness, fake)
    async with running(app):
        yield harness


async def setup(bot: Harness) -> None:
    """Building 3 with its leader, 3-502 (张三, with a phone) and 3-601 registered; the committee chat."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, RESIDENT, f"#登记 3-502 {NAME}")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601 李四")
    await bot.send(RESIDENT.id, RESIDENT, "/start phone")
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, PHONE))


async def test_rebuttals_and_notices_reach_every_building_robot_and_not_the_committees(bot, fake):
    await setup(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#辟谣 物资被私吞 | 关键词: 私吞 | 物资全部按户发放 | 来源: 街道公众号")
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸，请带身份证")
    await bot.services.wecom.deliver()
    for building in ("3", "5"):
        assert fake.texts(building) == [
            "🛡 辟谣：物资被私吞\n物资全部按户发放\n来源：街道公众号",
            "📢 居委通知：明早7点核酸，请带身份证",
        ]
    assert fake.texts("committee") == []


async def test_the_daily_report_goes_to_the_committee_robot_as_markdown_with_its_chart(bot, fake):
    await setup(bot)
    await send_daily_reports(bot.app)
    await send_daily_reports(bot.app)  # once a day, also on WeChat
    await bot.services.wecom.deliver()
    kinds = [body["msgtype"] for body in fake.received[KEYS["committee"]]]
    assert kinds == ["markdown", "image"]  # the fake checked the image's md5
    assert fake.texts("committee")[0].startswith("📊") and "2026-04-10" in fake.texts("committee")[0]
    assert fake.texts("3") == []


async def test_a_long_report_is_split_at_4096_bytes_numbered_and_nothing_lost(bot, fake):
    lines = [f"{n:03d} 楼栋情况：配药 3 单，团购 2 单，志愿者 5 人在岗" for n in range(300)]
    await bot.services.wecom.mirror(DailyReport(date(2026, 4, 10), lines, None))
    await bot.services.wecom.deliver()
    parts = fake.texts("committee")
    assert len(parts) > 2 and all(len(part.encode()) <= 4096 for part in parts)
    assert [part.split("\n")[0] for part in parts] == [f"({n}/{len(parts)})" for n in range(1, len(parts) + 1)]
    assert [line for part in parts for line in part.split("\n")[1:]] == lines


def test_a_line_longer_than_a_message_is_cut_between_characters():
    parts = split_bytes(["蔬" * 2000], 2048)
    assert all(len(part.encode()) <= 2048 for part in parts)
    assert "".join(part.split("\n", 1)[1] for part in parts) == "蔬" * 2000


async def test_a_group_buy_opens_and_closes_on_its_building_robot_with_rooms_only(bot, fake):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00 限购3 3号楼东门自提")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 1")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    await bot.services.wecom.deliver()
    opened, closed = fake.texts("3")
    assert opened.startswith("🛒 团购开始：蔬菜包\n单价 68.00 元/份\n截止 04月10日 20:00\n每户限购 3 份")
    assert "楼组长" in opened
    assert closed.split("\n") == [
        "🛒 团购已截单：蔬菜包，共 2 户 3份",
        "取货：3号楼东门自提",
        "3-502 ×2份",
        "3-601 ×1份",
    ]
    assert fake.texts("5") == [] and fake.texts("committee") == []


async def test_a_care_escalation_reaches_the_committee_robot_with_room_and_time_only(bot, fake, clock):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, f"#关爱 3-502 独居老人 {NOTE}")
    for hour in (18, 19, 20):
        clock.set(datetime(2026, 4, 10, hour, 0, tzinfo=SHANGHAI))
        await bot.app.job_queue.get_jobs_by_name("care-tick")[0].run(bot.app)
    await bot.services.wecom.deliver()
    assert fake.texts("committee") == ["⚠️ 关爱提醒：3-502 今天到 20:00 还没有报平安，请安排人去看看。"]


async def test_nothing_personal_crosses_to_wechat(bot, fake, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, f"#配药 胰岛素 2支 {CARD} 电话 {PHONE} 备注：{NOTE}")
    await bot.send(BUILDING_3, LEADER, f"#关爱 3-502 {NOTE}")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, f"#接龙 1 2 {NAME}")
    await bot.send(BUILDING_3, LEADER, "#接龙文本 1")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    for hour in (18, 19, 20):
        clock.set(datetime(2026, 4, 10, hour, 0, tzinfo=SHANGHAI))
        await bot.app.job_queue.get_jobs_by_name("care-tick")[0].run(bot.app)
    await send_daily_reports(bot.app)
    await bot.services.wecom.deliver()
    sent = fake.everything()
    assert len(fake.received) == 2 and "3-502" in sent  # the buy's and the committee's robots
    for personal in (PHONE, "139", CARD, NAME, "李四", NOTE, "胰岛素", "独居"):
        assert personal not in sent


async def test_relay_text_pastes_into_wechat_and_back_with_the_same_totals(bot, fake):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00 3号楼东门自提")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 1")
    await bot.send(BUILDING_3, LEADER, "#接龙文本 1")
    text = bot.last(BUILDING_3)
    assert text.split("\n")[0] == "#接龙 1 蔬菜包"
    assert text.split("\n")[-2:] == ["1. 3-502 2份", "2. 3-601 1份"]
    await bot.services.wecom.deliver()
    assert fake.texts("3")[-1] == text  # posted to the building's robot too

    async def totals() -> dict[str, int]:
        tally = await bot.services.groupbuys.tally(1)
        return {order.household: order.quantity for order in tally.ordering}

    await bot.send(BUILDING_3, LEADER, text)  # pasted back unchanged
    assert await totals() == {"3-502": 2, "3-601": 1}
    await bot.send(BUILDING_3, LEADER, text + "\n3. 3-702 1份")  # continued in WeChat, pasted back
    assert await totals() == {"3-502": 2, "3-601": 1, "3-702": 1}


async def test_relay_text_is_a_leaders_and_asked_in_private_answers_in_private(bot, fake):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙文本 1")
    assert bot.last(BUILDING_3).startswith("只有本楼楼组长或居委可以这样做。")
    await bot.send(LEADER.id, LEADER, "/relaytext 1")
    assert bot.last(LEADER.id).startswith("#接龙 1 蔬菜包")


async def test_each_robot_is_paced_to_20_a_minute_in_order(bot, fake):
    for n in range(45):
        await bot.services.wecom.mirror(RelayText(key=f"t{n}", building=3, text=f"第{n}条"))
    await bot.services.wecom.deliver()
    assert fake.texts("3") == [f"第{n}条" for n in range(45)]
    assert 45009 not in fake.answers  # the bot kept to the limit itself
    assert fake.now >= 120


async def test_a_robot_over_its_limit_is_retried_with_back_off_and_the_message_sent_once(bot, fake, clock):
    fake.accepted_at[KEYS["3"]] = [0.0] * 20  # someone else used the robot's minute
    await bot.services.wecom.mirror(RelayText(key="late", building=3, text="稍后送达"))
    await bot.services.wecom.deliver()
    assert 45009 in fake.answers and fake.texts("3") == []  # still owed, retried later
    fake.down = 2  # and then the network drops twice
    for _ in range(3):
        clock.advance(minutes=1)
        fake.now += 60
        await bot.services.wecom.deliver()
    assert fake.texts("3") == ["稍后送达"]
    assert await bot.services.outbox.counts("wecom") == {"sent": 1}


async def test_a_refused_key_stops_that_robot_and_tells_the_committee_once(bot, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.keys.discard(KEYS["5"])
    await setup(bot)
    for n in (1, 2):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, f"#通知 第{n}次通知")
        await bot.services.wecom.deliver()
    assert fake.texts("3") == ["📢 居委通知：第1次通知", "📢 居委通知：第2次通知"]
    told = [text for text in bot.texts(COMMITTEE_CHAT) if "企业微信" in text]
    assert told == [
        "企业微信5号楼群机器人的地址被拒绝（错误 93000），发往那里的消息已停止。请在配置里换上新的机器人地址，然后重启。"
    ]
    assert fake.answers.count(93000) == 1  # not retried, and nothing more tried on that key
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert all(key not in logged and key not in "\n".join(bot.texts()) for key in KEYS.values())


async def test_a_restart_neither_loses_nor_doubles_what_is_owed(tmp_path, clock, fake):
    config = wecom_config(tmp_path)
    fake.down = 10**6  # no network at all
    api = LocalBotApi()
    first = Harness(build_application(config, LocalRequest(api), clock=clock), api)
    connect(first, fake)
    async with running(first.app):
        await setup(first)
        await first.send(COMMITTEE_CHAT, COMMITTEE, "#通知 停水通知")
        await first.services.wecom.deliver()
    assert fake.received == {}
    fake.down = 0
    second = Harness(build_application(config, LocalRequest(api), clock=clock), api)
    connect(second, fake)
    clock.advance(minutes=1)  # each item keeps its retry time across the restart
    async with running(second.app):
        await second.services.wecom.deliver()
        await second.services.wecom.mirror(await _notice(second))  # owed again: nothing more
        await second.services.wecom.deliver()
    assert fake.texts("3") == ["📢 居委通知：停水通知"] and fake.texts("5") == ["📢 居委通知：停水通知"]


@sqlite_only("the database from before migration 0019 is built with sqlite3")
async def test_what_the_old_wecom_queue_still_owed_goes_out_after_the_upgrade_and_nothing_sent_again(
    tmp_path, clock, fake
):
    config = wecom_config(tmp_path)
    with sqlite3.connect(config.storage.path) as conn:  # a database as the bot left it before 0019
        for number, _, sql in migrations()[:18]:
            conn.executescript(f"{sql}\n;PRAGMA user_version = {number};")
        conn.executemany(
            "INSERT INTO wecom_outbox(robot, key, part, body, created_at, sent_at, failed) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    "building:3",
                    "rumor:1",
                    0,
                    json.dumps({"msgtype": "text", "text": {"content": "已发"}}),
                    "2026-04-09T08:00:00+00:00",
                    "2026-04-09T08:00:01+00:00",
                    None,
                ),
                (
                    "building:3",
                    "rumor:2",
                    0,
                    json.dumps({"msgtype": "text", "text": {"content": "欠1"}}),
                    "2026-04-09T08:00:00+00:00",
                    None,
                    None,
                ),
                (
                    "building:3",
                    "rumor:2",
                    1,
                    json.dumps({"msgtype": "text", "text": {"content": "欠2"}}),
                    "2026-04-09T08:00:00+00:00",
                    None,
                    None,
                ),
            ],
        )
    api = LocalBotApi()
    bot = Harness(build_application(config, LocalRequest(api), clock=clock), api)
    connect(bot, fake)
    async with running(bot.app):
        await bot.services.wecom.deliver()
        await bot.services.wecom.mirror(RelayText(key="rumor:2", building=3, text="欠1"))  # owed before: no more
        await bot.services.wecom.deliver()
        assert await bot.services.outbox.counts("wecom") == {"sent": 3}
    assert fake.texts("3") == ["欠1", "欠2"]


async def _notice(bot: Harness):
    """Notice #1 as stored."""
    return await bot.services.db.read(lambda conn: bulletins.notice(conn, 1))


async def test_without_a_wecom_section_nothing_is_owed(tmp_path, clock):
    api = LocalBotApi()
    app = build_application(make_config(tmp_path), LocalRequest(api), clock=clock)
    bot = Harness(app, api)
    async with running(app):
        await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸")
        assert not bot.services.wecom.enabled
        assert await bot.services.outbox.counts("wecom") == {}


def test_robot_urls_come_from_the_file_or_the_environment_and_are_never_shown(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[wecom]\nmessages_per_minute = 10\n[wecom.buildings]\n"3" = "nonsense-secret"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert "nonsense-secret" not in str(error.value) and "wecom.buildings" in str(error.value)
    path.write_text("[telegram]\n", encoding="utf-8")
    assert load_config(path, environ={}).wecom is None
    environ = {"BUILDING_BOT_WECOM_COMMITTEE": HOOK + "c", "BUILDING_BOT_WECOM_BUILDING_3": HOOK + "b3"}
    wecom = load_config(path, environ=environ).wecom
    assert wecom.committee_webhook.get_secret_value() == HOOK + "c"
    assert wecom.buildings[3].get_secret_value() == HOOK + "b3"
    assert "b3" not in repr(wecom)
