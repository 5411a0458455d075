"""Two bots (one per street) over one PostgreSQL database: scheduled work about a building is sent
by the bot in that building's group (or by any bot when no bot is in one), whichever bot ticks
first. Bot A is in building 3's group, bot B in building 5's; the people of building 5 have opened
private chats with both bots, so a nudge taken by the wrong bot would reach them from it."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.texts.i18n import t
from handlers import groupbuys
from handlers.bulletins import notice_job_name
from handlers.groupbuys import board_job_name, close_job_name
from tests import test_postgres_processes as processes
from tests.conftest import SHANGHAI
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, NEIGHBOUR, RESIDENT, Harness, LocalUser
from tests.test_postgres_processes import calls_about, sent_by

bots, workers, shared = (
    processes.bots,
    processes.workers,
    processes.shared,
)  # the fixtures: over one PostgreSQL database

pytestmark = pytest.mark.postgres

LEADER = LocalUser(2005, "五号楼长")
VOLUNTEER = LocalUser(3005, "志愿者小五")
BUILDING_7 = -1007


async def tick(job: str, *order: Harness) -> None:
    """Run the job ``job`` of each bot, in this order (bot A first: the old behaviour's winner)."""
    for bot in order:
        await bot.app.job_queue.get_jobs_by_name(job)[0].run(bot.app)


async def street(a: Harness, b: Harness) -> None:
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    for bot in (a, b):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await b.send(BUILDING_5, RESIDENT, "#登记 5-502")
    await b.send(BUILDING_5, NEIGHBOUR, "#登记 5-601")
    said = await b.send(BUILDING_5, LEADER, "hi")
    await b.send(BUILDING_5, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    for bot in (a, b):
        for user in (RESIDENT, LEADER, VOLUNTEER):
            await bot.send(user.id, user, "/start")


def last_from(bot: Harness, chat_id: int) -> int:
    """The id of the last message ``bot`` sent into a chat (``Harness.last_message`` knows only the first bot)."""
    return max(
        mid
        for (cid, mid), message in bot.api.messages.items()
        if cid == chat_id and message["from"]["id"] == bot.api.bot_user["id"]
    )


async def volunteer(b: Harness) -> None:
    """The volunteer applies in building 5's group and its leader approves."""
    await b.send(BUILDING_5, VOLUNTEER, "#报到 小五 核酸")
    await b.press(BUILDING_5, last_from(b, BUILDING_5), LEADER, "vol:approve")


def nothing_from_a_about_building_5(a: Harness) -> None:
    assert calls_about(a, BUILDING_5) == []
    for person in (RESIDENT, LEADER, VOLUNTEER):
        assert [text for text in sent_by(a, person.id) if text.startswith(("⏰", "⚠"))] == []


async def test_medicine_nudges_about_a_building_go_from_the_bot_in_its_group(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await b.send(BUILDING_5, RESIDENT, "#配药 急 胰岛素 2支")  # 09:00, never confirmed nor claimed
    for minutes in (10, 20, 30, 60):  # the leader told it waits, the resident reminded, the duty, the leader
        clock.advance(minutes=minutes)
        await tick("care-tick", a, b)
    waiting = "\n".join(
        [
            t("zh", "med.waiting.leader", urgent="🔴急 ", id=1, household="5-502", age="10 分钟"),
            t("zh", "med.waiting.urgent", id=1),
        ]
    )
    assert sent_by(b, LEADER.id).count(waiting) == 1
    assert sent_by(b, RESIDENT.id).count(t("zh", "nudge.med.remind", id=1)) == 1
    assert sent_by(b, BUILDING_5).count(t("zh", "nudge.med.duty", id=1, household="5-502", count=1)) == 1
    assert sent_by(b, LEADER.id).count(t("zh", "nudge.med.leader", id=1, household="5-502", count=2)) == 1
    nothing_from_a_about_building_5(a)


async def test_a_building_no_bot_is_in_is_told_once_by_the_first_bot_to_tick(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await b.send(BUILDING_7, COMMITTEE, "#绑定 7号楼")
    await b.send(BUILDING_7, NEIGHBOUR, "#登记 7-701")
    said = await b.send(BUILDING_7, LEADER, "hi")
    await b.send(BUILDING_7, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await b.send(BUILDING_7, NEIGHBOUR, "#配药 急 胰岛素 2支")
    await b.feed(b.api.bot_membership_update(BUILDING_7, COMMITTEE, "member", "left"))  # no bot in 7's group now
    clock.advance(minutes=10)
    await tick("care-tick", a, b)
    await tick("care-tick", b, a)
    told = t("zh", "med.waiting.leader", urgent="🔴急 ", id=1, household="7-701", age="10 分钟")
    assert [text.split("\n")[0] for text in sent_by(a, LEADER.id)].count(told) == 1
    assert not any(text.startswith(told) for text in sent_by(b, LEADER.id))


async def test_a_care_escalation_goes_from_the_bot_in_the_households_building_group(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await volunteer(b)
    await b.send(BUILDING_5, LEADER, "#关爱 5-502 独居老人")
    said = await b.send(BUILDING_5, VOLUNTEER, "hi")
    await b.send(BUILDING_5, LEADER, "#结对 5-502", reply_to=said["message"]["message_id"])
    for hour, minute in ((18, 0), (19, 0), (20, 5)):  # the volunteer, the leader, the committee
        clock.set(datetime(2026, 4, 10, hour, minute, tzinfo=SHANGHAI))
        await tick("care-tick", a, b)
    assert [text for text in sent_by(b, VOLUNTEER.id) if text.startswith("⚠")] == [
        t("zh", "care.escalate.1", household="5-502", needs="独居老人")
    ]
    assert [text for text in sent_by(b, LEADER.id) if text.startswith("⚠")] == [
        t("zh", "care.escalate.2", household="5-502")
    ]
    assert [text for text in sent_by(b, COMMITTEE_CHAT) if text.startswith("⚠")] == [
        t("zh", "care.escalate.3", household="5-502")
    ]
    nothing_from_a_about_building_5(a)
    assert not any(text.startswith("⚠") for text in sent_by(a, COMMITTEE_CHAT))


async def test_a_buys_reminder_goes_from_the_bot_in_its_buildings_group(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await b.send(BUILDING_5, LEADER, "#开团 蔬菜包 68元/份 截止今天12:00")
    await b.send(BUILDING_5, RESIDENT, "#接龙 1 2")
    clock.advance(minutes=120)  # 11:00, an hour before the deadline
    await tick("care-tick", a, b)
    reminder = t("zh", "nudge.gb.remind", id=1, title="蔬菜包", time="12:00", households="5-601")
    assert sent_by(b, BUILDING_5).count(reminder) == 1


async def test_a_forgotten_check_out_and_a_slot_reminder_go_from_the_bot_in_their_group(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await volunteer(b)
    await b.send(BUILDING_5, VOLUNTEER, "#签到 核酸")  # 09:00, never checked out
    await b.send(BUILDING_5, LEADER, "#排班 核酸 明天7:00-11:00 1人")
    await b.press(BUILDING_5, last_from(b, BUILDING_5), VOLUNTEER, "slot:take:1")
    clock.set(datetime(2026, 4, 11, 6, 15, tzinfo=SHANGHAI))
    await tick("volunteers-tick", a, b)
    assert sent_by(b, VOLUNTEER.id).count(t("zh", "vol.auto_closed", time="09:00", max=12)) == 1
    assert [text for text in sent_by(b, VOLUNTEER.id) if text.startswith("⏰")] == [
        t("zh", "vol.slot_reminder", id=1, task="核酸", start="07:00")
    ]
    assert not any("自动结束" in text for text in sent_by(a, VOLUNTEER.id))
    nothing_from_a_about_building_5(a)


SUMMARY = "📋 团购 #1「蔬菜包」汇总（已截单）"
DEADLINE = datetime(2026, 4, 10, 12, 0, tzinfo=SHANGHAI)


async def run_all(job: str, *apps: Harness) -> None:
    """Run the job ``job`` of each process at the same moment."""
    await asyncio.gather(*(bot.app.job_queue.get_jobs_by_name(job)[0].run(bot.app) for bot in apps))


async def buy_with_an_order(a: Harness) -> None:
    """Buy #1 in building 3's group, closing at noon, with 3-502's order, through worker ``a``."""
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await a.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await a.send(BUILDING_3, COMMITTEE, "#开团 蔬菜包 68元/份 截止今天12:00")
    await a.send(BUILDING_3, RESIDENT, "#接龙 1 2")


async def test_two_workers_at_a_buys_deadline_post_its_summary_once(workers, clock) -> None:
    a, b = workers
    await buy_with_an_order(a)
    await groupbuys.restore_jobs(b.app)  # the second worker (re)started since: it has the deadline too
    clock.set(DEADLINE)
    await run_all(close_job_name(1), a, b)
    assert sum(text.startswith(SUMMARY) for text in a.texts(BUILDING_3)) == 1


async def test_a_deadline_moved_on_the_other_worker_is_not_closed_at_the_old_one(workers, clock) -> None:
    a, b = workers
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await a.send(BUILDING_3, COMMITTEE, "#开团 蔬菜包 68元/份 截止今天12:00")
    await groupbuys.restore_jobs(b.app)
    await b.send(BUILDING_3, COMMITTEE, "#改团 1 截团 今天14:00")  # the second worker moves it
    clock.set(DEADLINE)
    await run_all(close_job_name(1), a)  # the first worker's job of the old deadline
    assert (await a.services.groupbuys.get(1)).status == "open"
    [job] = a.app.job_queue.get_jobs_by_name(close_job_name(1))  # waits for the new one
    clock.set(datetime(2026, 4, 10, 14, 0, tzinfo=SHANGHAI))
    await job.run(a.app)
    assert sum(text.startswith(SUMMARY) for text in a.texts(BUILDING_3)) == 1


async def test_a_buys_deadline_is_announced_by_the_bot_in_its_group(bots, clock) -> None:
    a, b = bots
    await street(a, b)
    await b.send(BUILDING_5, LEADER, "#开团 蔬菜包 68元/份 截止今天12:00")
    await b.send(BUILDING_5, RESIDENT, "#接龙 1 2")
    await groupbuys.restore_jobs(a.app)  # bot A (re)started since: every bot has every deadline
    clock.set(DEADLINE)
    await tick(close_job_name(1), a, b)
    assert sum(text.startswith(SUMMARY) for text in sent_by(b, BUILDING_5)) == 1
    assert calls_about(a, BUILDING_5) == []


async def test_an_order_from_another_bots_group_leaves_the_board_to_the_bot_in_its_group(bots, clock) -> None:
    """5-502 orders from building 3's group (bot A), by the buy's number: A answers there and never
    touches the board in building 5's group (bot B's), which shows the order at B's next refresh.
    A change and the closing given in A's group are answered there."""
    a, b = bots
    await street(a, b)
    await b.send(BUILDING_5, LEADER, "#开团 蔬菜包 68元/份 截止今天12:00")
    await a.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    assert sent_by(a, BUILDING_3)[-1] == t("zh", "gb.ordered", id=1, household="5-502", quantity=2)
    await tick(board_job_name(1), a)
    assert calls_about(a, BUILDING_5) == []
    await b.send(BUILDING_5, NEIGHBOUR, "#接龙 1 1")
    for job in b.app.job_queue.get_jobs_by_name(board_job_name(1)):
        await job.run(b.app)
    board = await b.services.groupbuys.latest_board(1)
    assert board is not None
    assert "5-502×2 · 5-601×1" in b.api.messages[(BUILDING_5, board.message_id)]["text"]
    await a.send(BUILDING_3, LEADER, "#改团 1 价格 60元")
    assert sent_by(a, BUILDING_3)[-1].startswith(t("zh", "gb.changed", id=1, title="蔬菜包"))
    await a.send(BUILDING_3, LEADER, "#截单 1")
    assert sent_by(a, BUILDING_3)[-1].startswith(SUMMARY)
    assert calls_about(a, BUILDING_5) == []


async def test_a_committee_buys_reminder_goes_from_the_bot_in_its_chat(bots, clock) -> None:
    a, b = bots
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await b.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")  # only bot B is in the committee's chat
    await a.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await b.send(BUILDING_5, RESIDENT, "#登记 5-502")
    await b.send(COMMITTEE_CHAT, COMMITTEE, "#开团 蔬菜包 68元/份 截止今天12:00")  # for every building
    clock.advance(minutes=120)  # 11:00, an hour before the deadline
    await tick("care-tick", a, b)
    reminder = t("zh", "nudge.gb.remind", id=1, title="蔬菜包", time="12:00", households="5-502")
    assert sent_by(b, BUILDING_5).count(reminder) == 1
    assert not any(text.startswith("⏰") for text in sent_by(a, BUILDING_3))  # A is not in the buy's chat


async def test_a_daily_notice_goes_to_every_bots_groups_once_a_day(bots, clock) -> None:
    """Issued through bot A, posted by A to its group and by B (which learns of it within a minute)
    to its own; building 3's group, which both bots are in, and a second run of A's job get it once."""
    a, b = bots
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await b.feed(b.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))  # B added beside A
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#通知 每天07:00 核酸检测请下楼")
    await tick("notices-sync", b)
    clock.set(datetime(2026, 4, 11, 7, 0, tzinfo=SHANGHAI))
    await run_all(notice_job_name(1), a, a, b)
    posted = t("zh", "notice.post", text="核酸检测请下楼")
    assert sent_by(a, BUILDING_3).count(posted) + sent_by(b, BUILDING_3).count(posted) == 1
    assert sent_by(b, BUILDING_5).count(posted) == 1
    clock.set(datetime(2026, 4, 12, 7, 0, tzinfo=SHANGHAI))
    await run_all(notice_job_name(1), b, a)
    assert sent_by(b, BUILDING_5).count(posted) == 2  # and again the next day


async def test_a_buy_opened_on_one_worker_is_closed_by_another_that_never_restarted(workers, clock) -> None:
    a, b = workers
    await buy_with_an_order(a)
    assert not b.app.job_queue.get_jobs_by_name(close_job_name(1))  # the second worker has not heard of it
    await tick("buys-sync", b)  # its minute's look at the open buys
    for job in a.app.job_queue.get_jobs_by_name(close_job_name(1)):
        job.schedule_removal()  # the first worker is gone with its job
    clock.set(DEADLINE)
    await run_all(close_job_name(1), b)
    assert (await b.services.groupbuys.get(1)).status == "closed"
    assert sum(text.startswith(SUMMARY) for text in a.texts(BUILDING_3)) == 1
