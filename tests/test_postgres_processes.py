"""Several processes over one PostgreSQL database: two Applications in this test process, each
with its own connections, as two workers of a district (or two bots) would run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from handlers.reports import send_daily_reports
from handlers.sending import TELEGRAM, telegram_payload
from tests.conftest import make_config
from tests.harness import (
    BUILDING_3,
    BUILDING_5,
    COMMITTEE,
    COMMITTEE_CHAT,
    NEIGHBOUR,
    RESIDENT,
    Harness,
    LocalUser,
    deliver,
    nothing_pending,
    until,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(tmp_path: Path, postgres_url: str) -> Config:
    return make_config(tmp_path, storage={"url": postgres_url})


@pytest.fixture
async def workers(shared: Config, clock) -> AsyncIterator[tuple[Harness, Harness]]:
    """Two workers of one bot (one token: the same Bot API) over one database."""
    api = LocalBotApi()
    first, second = (build_application(shared, LocalRequest(api), clock=clock) for _ in range(2))
    async with running(first), running(second):
        yield Harness(first, api), Harness(second, api)


@pytest.fixture
async def bots(shared: Config, clock) -> AsyncIterator[tuple[Harness, Harness]]:
    """Two bots (two tokens, one per street: two Bot APIs) over one database."""
    first_api, second_api = LocalBotApi(), LocalBotApi("second_bot")
    second_api.bot_user["id"] = first_api.bot_user["id"] + 1
    first = build_application(shared, LocalRequest(first_api), clock=clock)
    second = build_application(shared, LocalRequest(second_api), clock=clock)
    async with running(first), running(second):
        yield Harness(first, first_api), Harness(second, second_api)



async def deliver_to_both(a: Harness, b: Harness, payload: dict) -> None:
    """The same update reaches both workers (a re-delivery after a timeout, a retried webhook)."""
    await asyncio.gather(deliver(a, payload), deliver(b, payload))


def sent_by(bot: Harness, chat_id: int) -> list[str]:
    """The texts ``bot`` sent into a chat, through its own Bot API."""
    return [call.params["text"] for call in bot.api.calls_of("sendMessage") if int(call.params["chat_id"]) == chat_id]



async def settled(*bots: Harness) -> None:
    for bot in bots:
        await asyncio.wait_for(bot.app.update_queue.join(), 10)


async def test_the_same_updates_to_two_workers_are_handled_once(workers) -> None:
    a, b = workers
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    for text, user in [("#登记 3-502", RESIDENT), ("#登记 3-601", NEIGHBOUR), ("#配药 布洛芬 2盒", RESIDENT),
                       ("#配药 感冒灵 1盒", NEIGHBOUR), ("#帮助", RESIDENT)]:  # fmt: skip
        await deliver_to_both(a, b, a.api.message_update(BUILDING_3, user, text))
        await settled(a, b)  # the next one after (two workers may take two at once in either order)
    rows = await a.services.db.fetchall("SELECT household_id FROM med_requests ORDER BY id")
    assert len(rows) == 2
    households = await a.services.db.fetchall("SELECT count(*) AS n FROM households")
    assert households[0]["n"] == 2
    texts = a.texts(BUILDING_3)
    assert len(texts) == len(set(texts))  # every answer once (the help, too: it writes nothing)
    assert sum(text.startswith("配药单 #") for text in texts) == 2


async def test_two_bots_with_equal_update_ids_each_handle_their_own(bots) -> None:
    a, b = bots
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(-1005, COMMITTEE, "#绑定 5号楼")
    one = a.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502")
    other = b.api.message_update(-1005, NEIGHBOUR, "#登记 5-101")
    assert one["update_id"] == other["update_id"]  # Telegram numbers each bot's updates apart
    await asyncio.gather(deliver(a, one), deliver(b, other))
    await settled(a, b)
    rooms = await a.services.db.fetchall("SELECT building, room FROM households ORDER BY building")
    assert [(row["building"], row["room"]) for row in rooms] == [(3, 502), (5, 101)]


async def test_two_bots_each_send_only_what_they_owe(bots) -> None:
    a, b = bots
    for i in range(10):
        await a.services.outbox.owe(TELEGRAM, BUILDING_3, telegram_payload(f"三号楼 {i}"), f"notice:{i}")
        await b.services.outbox.owe(TELEGRAM, -1005, telegram_payload(f"五号楼 {i}"), f"notice:{i}")
    await asyncio.gather(a.services.outbox.drain(TELEGRAM), b.services.outbox.drain(TELEGRAM))
    await until(lambda: len(sent_by(a, BUILDING_3)) >= 10 and len(sent_by(b, -1005)) >= 10)
    await asyncio.sleep(0.5)  # whatever the other bot would send has had its time
    assert sent_by(a, BUILDING_3) == [f"三号楼 {i}" for i in range(10)]  # its own, the same keys notwithstanding
    assert sent_by(b, -1005) == [f"五号楼 {i}" for i in range(10)]
    assert sent_by(a, -1005) == [] and sent_by(b, BUILDING_3) == []  # neither sent the other's
    assert await a.services.outbox.counts(TELEGRAM) == await b.services.outbox.counts(TELEGRAM) == {"sent": 10}


def calls_about(bot: Harness, chat_id: int) -> list[str]:
    """The Bot API methods ``bot`` called about a chat: a send or an edit there, a menu scoped to it."""
    return [
        call.method
        for call in bot.api.calls
        if str(call.params.get("chat_id")) == str(chat_id)
        or str((call.params.get("scope") or {}).get("chat_id")) == str(chat_id)
    ]


async def test_two_bots_send_notices_and_reports_only_to_the_chats_they_are_in(bots) -> None:
    a, b = bots
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")  # the other street's bot, the other street's group
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸")
    assert a.last(BUILDING_3) == t("zh", "notice.post", text="明早7点核酸")
    assert a.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=2)  # its own group, and B's through B
    await until(lambda: t("zh", "notice.post", text="明早7点核酸") in sent_by(b, BUILDING_5))
    day = (await a.services.reports.digest()).day.isoformat()
    await asyncio.gather(send_daily_reports(a.app), send_daily_reports(b.app))
    for bot, chat, building in ((a, BUILDING_3, 3), (b, BUILDING_5, 5)):
        title = t("zh", "digest.building_title", building=building, day=day)
        await until(lambda bot=bot, chat=chat, title=title: any(s.startswith(title) for s in sent_by(bot, chat)))
    await asyncio.sleep(0.5)  # whatever a bot would send elsewhere has had its time
    assert calls_about(a, BUILDING_5) == []  # neither bot called Telegram about the other's chats
    assert calls_about(b, BUILDING_3) == [] and calls_about(b, COMMITTEE_CHAT) == []


@pytest.mark.parametrize("removed", ["left", "403"])
async def test_a_bot_removed_from_a_chat_leaves_the_other_bot_sending_there(bots, removed: str) -> None:
    a, b = bots
    for bot in (a, b):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.feed(b.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))  # added beside it
    assert sent_by(b, BUILDING_3) == [t("zh", "bot.back", building=3)]
    if removed == "left":
        await a.feed(a.api.bot_membership_update(BUILDING_3, COMMITTEE, "member", "left"))
    else:  # the first bot learns it when Telegram refuses its notice
        a.api.kicked_from.add(BUILDING_3)
        await a.send(COMMITTEE_CHAT, COMMITTEE, "#通知 停水通知")
        assert a.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=1)  # owed to it: refused, it marks itself gone
    assert await a.services.roster.building_chats() == []
    await b.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸")
    assert sent_by(b, BUILDING_3)[-1] == t("zh", "notice.post", text="明早7点核酸")  # the bot still there goes on
    assert sent_by(b, COMMITTEE_CHAT)[-1] == t("zh", "notice.sent", count=1)


@pytest.mark.parametrize("order", ["first bot first", "second bot first", "at once"])
async def test_a_committee_chat_both_bots_are_in_gets_the_days_report_once(bots, order: str) -> None:
    a, b = bots
    for bot in (a, b):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")  # the committee's chat has both bots
    title = t("zh", "digest.title", day=(await a.services.reports.digest()).day.isoformat())

    def reports(bot: Harness) -> int:
        return sum(text.startswith(title) for text in sent_by(bot, COMMITTEE_CHAT))

    if order == "at once":
        await asyncio.gather(*(send_daily_reports(bot.app) for bot in (a, b, a, b)))
    else:
        first, second = (a, b) if order == "first bot first" else (b, a)
        await send_daily_reports(first.app)
        await until(lambda: reports(first) == 1)
        await send_daily_reports(second.app)
    await until(lambda: reports(a) + reports(b) >= 1)
    await asyncio.sleep(0.5)  # whatever the other bot would send has had its time
    assert reports(a) + reports(b) == 1
    if order != "at once":
        assert reports(first) == 1  # whichever bot ran first sent it


async def test_the_daily_report_goes_out_once_when_both_workers_run_it(workers) -> None:
    a, b = workers
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    before = len(a.api.sent(COMMITTEE_CHAT))
    await asyncio.gather(send_daily_reports(a.app), send_daily_reports(b.app))
    await until(lambda: len(a.api.sent(COMMITTEE_CHAT)) > before)
    await asyncio.sleep(0.5)  # whatever a second sender would send has had its time
    reports = [m for m in a.api.sent(COMMITTEE_CHAT)[before:] if "text" in m]
    assert len(reports) == 1


async def test_owed_items_go_out_once_with_both_workers_draining(workers) -> None:
    a, b = workers
    for i in range(20):
        await a.services.outbox.owe(TELEGRAM, BUILDING_3, telegram_payload(f"通知 {i}"), f"notice:{i}")
    await asyncio.gather(a.services.outbox.drain(TELEGRAM), b.services.outbox.drain(TELEGRAM))
    await until(lambda: len(a.texts(BUILDING_3)) >= 20)
    await asyncio.sleep(0.5)
    assert a.texts(BUILDING_3) == [f"通知 {i}" for i in range(20)]  # once each, in order


async def test_two_updates_of_one_chat_at_two_workers_are_handled_in_order(workers) -> None:
    a, b = workers
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    slow = a.api.hold(BUILDING_3)  # the first worker's answer to the registration is held up
    register = a.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502")
    request = a.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    await deliver(a, register)
    await asyncio.sleep(0.3)
    await deliver(b, request)
    await asyncio.sleep(0.5)
    assert await b.services.db.fetchall("SELECT id FROM med_requests") == []  # waits for the chat's turn
    slow.set()
    await settled(a, b)
    assert len(await b.services.db.fetchall("SELECT id FROM med_requests")) == 1
    assert [text.split("\n")[0] for text in a.texts(BUILDING_3)[-2:]] == [
        t("zh", "register.done", room="3-502"),
        "配药单 #1 · 3-502 · 1 项",
    ]  # the registration answered first, then the request it allowed


async def test_an_update_waits_for_an_earlier_one_of_its_chat_that_another_worker_holds(workers) -> None:
    """An update of the chat reached the first worker and is stored, held by it, not yet handled; a
    later one reaches the second worker, which lets the earlier go first, however the turns fall,
    and goes on once it is done. An earlier update held by a worker that is gone holds nothing up."""
    a, b = workers
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await a.send(BUILDING_3, RESIDENT, "#登记 3-502")
    earlier = a.api.message_update(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await a.services.deliveries.receive([(earlier["update_id"], json.dumps(earlier), ("chat", BUILDING_3), None)])
    await deliver(b, a.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒"))
    await asyncio.sleep(0.5)
    assert await b.services.db.fetchall("SELECT id FROM med_requests") == [], "waits for the earlier update"
    await a.services.deliveries.done([earlier["update_id"]])  # the first worker is done with it
    await settled(b)
    assert len(await b.services.db.fetchall("SELECT id FROM med_requests")) == 1

    gone = a.api.message_update(BUILDING_3, NEIGHBOUR, "#登记 3-602")
    await a.services.db.write(
        lambda conn: conn.execute(
            "INSERT INTO inbox(bot_id, update_id, payload, received_at, leased_by, chat_key) VALUES (?, ?, ?, ?, ?, ?)",
            (a.app.bot.id, gone["update_id"], json.dumps(gone), "2026-12-01T00:00:00", "gone", f"chat:{BUILDING_3}"),
        )
    )
    await deliver(b, a.api.message_update(BUILDING_3, RESIDENT, "#配药 感冒灵 1盒"))
    await settled(b)
    assert len(await b.services.db.fetchall("SELECT id FROM med_requests")) == 2, (
        "a gone worker's update holds nothing up"
    )


async def test_a_forgotten_check_out_is_closed_and_told_once_when_both_workers_tick(workers, clock) -> None:
    a, b = workers
    volunteer = LocalUser(3001, "志愿者小李")
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await a.send(volunteer.id, volunteer, "/start")
    await a.volunteer(BUILDING_3, volunteer, COMMITTEE, "#报到 小李 核酸")
    await a.send(BUILDING_3, volunteer, "#签到 核酸")
    clock.advance(hours=20)  # never checked out
    await asyncio.gather(*(bot.app.job_queue.get_jobs_by_name("volunteers-tick")[0].run(bot.app) for bot in (a, b)))
    closed = t("zh", "vol.auto_closed", time="09:00", max=12)
    assert a.texts(volunteer.id).count(closed) == 1


async def test_a_starting_worker_leaves_a_live_workers_updates_alone_and_handles_a_gone_ones(
    shared: Config, clock
) -> None:
    api = LocalBotApi()
    first = build_application(shared, LocalRequest(api), clock=clock)
    async with running(first):
        a = Harness(first, api)
        await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        await a.send(BUILDING_3, RESIDENT, "#登记 3-502")
        left = api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
        await a.services.deliveries.receive(
            [(left["update_id"], json.dumps(left), ("chat", BUILDING_3), None)]
        )  # never queued
        second = build_application(shared, LocalRequest(api), clock=clock)
        async with running(second):  # the first is alive: its update stays its own
            await asyncio.sleep(0.3)
            assert await second.bot_data.services.db.fetchall("SELECT 1 FROM med_requests") == []
    async with running(build_application(shared, LocalRequest(api), clock=clock)) as third:  # the first is gone
        await until(lambda: any(text.startswith("配药单 #1") for text in api.texts(BUILDING_3)))
        await until(nothing_pending(third))
    assert sum(text.startswith("配药单 #1") for text in api.texts(BUILDING_3)) == 1
