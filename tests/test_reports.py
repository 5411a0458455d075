"""Daily reports, notices, rumor rebuttals and exports."""

import asyncio
import io
import threading
from datetime import date, datetime

import openpyxl
from PIL import Image

from bot.runtime.app import build_application, running
from bot.runtime.cli import main
from bot.runtime.localapi import LocalBotApi, LocalRequest
from handlers import sending
from handlers.bulletins import notice_job_name
from handlers.reports import DIGEST_GRACE_SECONDS, DIGEST_JOB
from storage import reports as report_queries
from tests.conftest import SHANGHAI, storage_toml
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, RESIDENT, Harness, LocalUser

LEADER = LocalUser(2001, "楼长老陈")
NEIGHBOUR_5 = LocalUser(1005, "赵六")
RUMOR = "#辟谣 居委私吞物资 | 关键词: 私吞,物资 | 经核实，视频拍摄地并非本小区，系外地旧视频 | 来源: 街道公众号"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=SHANGHAI)


async def seed(bot: Harness) -> None:
    """Two buildings, a committee chat, two medicine requests (one urgent), a buy, a care household."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    said = await bot.send(BUILDING_3, LEADER, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_5, NEIGHBOUR_5, "#登记 5-1201")
    await bot.send(BUILDING_3, RESIDENT, "#配药 急 胰岛素 2支")
    await bot.send(BUILDING_5, NEIGHBOUR_5, "#配药 布洛芬 1盒")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, LEADER, "#关爱 3-601 独居老人")


async def fire_digest(bot: Harness) -> None:
    await bot.app.job_queue.get_jobs_by_name(DIGEST_JOB)[0].run(bot.app)


async def test_the_daily_job_reports_to_the_committee_and_each_building(bot, clock):
    await seed(bot)
    clock.set(at(10, 20, 0))
    await fire_digest(bot)
    committee = bot.texts(COMMITTEE_CHAT)
    report = committee[-2]
    assert report.startswith("📊 日报 2026-04-10\n⚠ 未报平安 1 户：3-601\n🔴 加急配药未完成 1 单：#1 3-502")
    assert "配药：今日新增 2，待办 2（加急 1），今日送达 0，医保卡在外 0" in report
    assert "团购：进行中 1，今日截单 0，接龙 2 份，未收款 136.00 元" in report
    assert "— 3号楼 —" in report and "— 5号楼 —" in report
    photo = bot.api.sent(COMMITTEE_CHAT)[-1]
    image = Image.open(io.BytesIO(photo["local_file"]))
    assert image.format == "PNG" and image.size == (960, 540) and 5_000 < len(photo["local_file"]) < 500_000
    building_3 = bot.last(BUILDING_3)
    assert building_3.startswith("📊 3号楼日报 2026-04-10")
    assert "⚠ 未报平安 1 户" in building_3 and "3-601" not in building_3 and "3-502" not in building_3
    assert "配药：今日新增 1，待办 1（加急 1）" in building_3
    assert "配药：今日新增 1，待办 1（加急 0）" in bot.last(BUILDING_5)


async def test_the_weeks_chart_counts_each_record_on_its_local_day_in_its_building(bot, clock):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_5, NEIGHBOUR_5, "#登记 5-1201")
    for moment, chat, user in [
        (at(3, 12), BUILDING_3, RESIDENT),  # a week before: not in the chart
        (at(8, 23, 50), BUILDING_3, RESIDENT),  # ten minutes before midnight in Shanghai, 15:50 UTC
        (at(9, 0, 10), BUILDING_5, NEIGHBOUR_5),
        (at(10, 8), BUILDING_3, RESIDENT),
    ]:
        clock.set(moment)
        await bot.send(chat, user, "#配药 布洛芬 1盒")
    await bot.send(BUILDING_3, COMMITTEE, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    activity = await bot.services.reports.activity(until=date(2026, 4, 10))
    assert activity.days[0] == date(2026, 4, 4) and activity.days[-1] == date(2026, 4, 10)
    assert activity.buildings == [3, 5]
    assert activity.medicine == {(3, date(2026, 4, 8)): 1, (5, date(2026, 4, 9)): 1, (3, date(2026, 4, 10)): 1}
    assert activity.orders == {(3, date(2026, 4, 10)): 1}


async def test_a_days_report_is_sent_once_even_when_the_job_fires_twice(bot, clock):
    await seed(bot)
    clock.set(at(10, 20, 0))
    await fire_digest(bot)
    count = len(bot.api.sent())
    await fire_digest(bot)
    assert len(bot.api.sent()) == count
    clock.set(at(11, 20, 0))
    await fire_digest(bot)
    assert bot.last(BUILDING_3).startswith("📊 3号楼日报 2026-04-11")


async def test_missed_grace_is_set_deliberately(bot):
    job = bot.app.job_queue.get_jobs_by_name(DIGEST_JOB)[0]
    assert job.job.misfire_grace_time == DIGEST_GRACE_SECONDS


async def _restart(config, clock, api) -> list[str]:
    import asyncio

    async with running(build_application(config, LocalRequest(api), clock=clock)):
        for _ in range(50):
            await asyncio.sleep(0.02)  # let the start-up catch-up (if any) run
    return api.texts(COMMITTEE_CHAT)


async def test_restarts_sent_before_nothing_after_missed_while_down_sent_once(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    clock.set(at(10, 21, 30))  # the bot was down at 20:00
    assert any(
        text.startswith("📊 日报 2026-04-10") for text in await _restart(config, clock, LocalBotApi(id_base=1000))
    )
    clock.set(at(10, 22, 0))  # a second start the same day
    assert not reports_in(await _restart(config, clock, LocalBotApi(id_base=2000)))
    clock.set(at(11, 9, 0))  # next morning, before the digest time, past the grace for yesterday's
    assert not reports_in(await _restart(config, clock, LocalBotApi(id_base=3000)))


def reports_in(texts: list[str]) -> list[str]:
    """The reports among the texts (a restart may also send nudges, which are not reports)."""
    return [text for text in texts if text.startswith("📊")]


async def test_a_report_killed_while_sending_is_finished_after_the_restart_once(config, clock):
    """Killed after the report's texts went out (its chart had not): after the restart the chart
    goes out, alone; the texts are not posted again, and another start sends nothing."""
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
        clock.set(at(10, 20, 0))
        api.fail("sendPhoto", 0, times=100)  # the chart times out until the "kill"
        await app.job_queue.get_jobs_by_name(DIGEST_JOB)[0].run(app)
        assert sum(text.startswith("📊 日报 2026-04-10") for text in api.texts(COMMITTEE_CHAT)) == 1
        assert not api.sent(COMMITTEE_CHAT)[-1].get("local_file")
    api.faults.clear()
    clock.set(at(10, 20, 5))
    await _restart(config, clock, api)
    assert sum(text.startswith("📊 日报 2026-04-10") for text in api.texts(COMMITTEE_CHAT)) == 1
    photos = [message for message in api.sent(COMMITTEE_CHAT) if message.get("local_file")]
    assert len(photos) == 1
    assert sum(text.startswith("📊 3号楼日报") for text in api.texts(BUILDING_3)) == 1
    await _restart(config, clock, api)
    assert len([message for message in api.sent(COMMITTEE_CHAT) if message.get("local_file")]) == 1


async def test_a_bot_down_from_1900_to_0010_sends_the_missed_report_with_its_day(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    clock.set(at(11, 0, 10))  # down at 19:00 on the 10th, back ten minutes past midnight
    texts = await _restart(config, clock, api)
    assert sum(text.startswith("📊 日报 2026-04-10") for text in texts) == 1
    assert "配药：今日新增 2" in next(text for text in texts if text.startswith("📊 日报"))
    assert bot_texts_start(api, BUILDING_3, "📊 3号楼日报 2026-04-10") == 1
    clock.set(at(11, 0, 20))
    await _restart(config, clock, api)
    assert bot_texts_start(api, COMMITTEE_CHAT, "📊 日报") == 1, "sent once"


def bot_texts_start(api: LocalBotApi, chat_id: int, start: str) -> int:
    return sum(text.startswith(start) for text in api.texts(chat_id))


async def test_digest_command_is_committee_only_and_names_no_household_in_a_building_group(bot):
    await seed(bot)
    await bot.send(BUILDING_3, RESIDENT, "#日报")
    assert bot.last(BUILDING_3) == "只有居委可以这样做。需要的话请在居委群里说，或请本楼楼组长转告居委。"
    await bot.send(BUILDING_3, COMMITTEE, "#日报")
    assert bot.last(BUILDING_3).startswith("📊 3号楼日报") and "3-502" not in bot.last(BUILDING_3)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/digest")
    assert bot.texts(COMMITTEE_CHAT)[-2].startswith("📊 日报")
    assert "photo" in bot.api.sent(COMMITTEE_CHAT)[-1]


async def test_a_report_that_fits_nowhere_is_split_cleanly(bot, clock):
    await seed(bot)
    for i in range(500):
        await bot.services.roster.register(await bot.services.roster.actor(COMMITTEE.id), _room(i), user_id=60_000 + i)
        await bot.services.care.add(await bot.services.roster.actor(COMMITTEE.id), _room(i), "独居老人")
    clock.set(at(10, 20, 0))
    await fire_digest(bot)
    texts = [m["text"] for m in bot.api.sent(COMMITTEE_CHAT) if "text" in m and not m["text"].startswith("本群")]
    assert len(texts) >= 2 and all(len(text) <= 4096 for text in texts)
    joined = "\n".join(texts)
    missing = [str(_room(i)) for i in range(500) if str(_room(i)) not in joined]
    assert not missing


def _room(i: int):
    from bot.domain.rooms import Room

    return Room(building=7, unit=i // 100 + 1, room=1000 + i)


async def test_rumor_is_posted_everywhere_and_keyword_replies_are_hourly(bot, clock):
    await seed(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR)
    assert bot.last(COMMITTEE_CHAT) == "辟谣 #1 已发到 2 个楼组群。"
    for chat in (BUILDING_3, BUILDING_5):
        assert bot.last(chat).startswith("🛡 辟谣：居委私吞物资") and "来源：街道公众号" in bot.last(chat)
    assert len(bot.api.calls_of("pinChatMessage")) == 2
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, RESIDENT, "听说居委私吞物资了？")
    assert len(bot.texts(BUILDING_3)) == before + 1 and bot.last(BUILDING_3).startswith("🛡 辟谣")
    clock.advance(minutes=30)
    await bot.send(BUILDING_3, RESIDENT, "物资到底去哪了")
    assert len(bot.texts(BUILDING_3)) == before + 1  # within the hour: no second reply
    await bot.send(BUILDING_5, NEIGHBOUR_5, "私吞？")
    assert bot.last(BUILDING_5).startswith("🛡 辟谣")  # another chat has its own hour
    clock.advance(minutes=31)
    await bot.send(BUILDING_3, RESIDENT, "物资的事是真的吗")
    assert len(bot.texts(BUILDING_3)) == before + 2
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "物资清单发一下")
    assert not bot.last(COMMITTEE_CHAT).startswith("🛡")  # only building groups


async def test_a_new_rebuttal_supersedes_and_one_can_be_retired(bot):
    await seed(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR.replace("系外地旧视频", "系2019年外地视频"))
    assert "已取代旧的辟谣 #1" in bot.last(COMMITTEE_CHAT)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/rumors")
    assert "#2 居委私吞物资" in bot.last(COMMITTEE_CHAT) and "#1" not in bot.last(COMMITTEE_CHAT)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/rumor_off 2")
    assert bot.last(COMMITTEE_CHAT) == "辟谣 #2 已撤下。"
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, RESIDENT, "私吞物资")
    assert len(bot.texts(BUILDING_3)) == before  # no active rebuttal answers any more
    await bot.send(BUILDING_3, RESIDENT, RUMOR)
    assert bot.last(BUILDING_3) == "只有居委可以这样做。需要的话请在居委群里说，或请本楼楼组长转告居委。"


async def test_notices_are_staggered_to_every_building_group_and_kicked_chats_are_marked(bot, monkeypatch):
    await seed(bot)
    pauses = []

    async def record(seconds):
        pauses.append(seconds)

    monkeypatch.setattr(sending.asyncio, "sleep", record)
    bot.api.kicked_from.add(BUILDING_5)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸，请带身份证")
    assert bot.last(BUILDING_3) == "📢 居委通知：明早7点核酸，请带身份证"
    assert bot.last(COMMITTEE_CHAT) == "通知已发到 1 个楼组群。"
    assert pauses == [sending.STAGGER_SECONDS]
    assert [c.chat_id for c in await bot.services.roster.building_chats()] == [BUILDING_3]


async def test_daily_notices_go_out_once_a_day_until_stopped(bot, clock):
    await seed(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 每天07:00 核酸检测请下楼")
    assert bot.last(COMMITTEE_CHAT) == "每日通知 #1 已设置：每天 07:00 发到各楼组群。"
    job = bot.app.job_queue.get_jobs_by_name(notice_job_name(1))[0]
    clock.set(at(11, 7, 0))
    await job.run(bot.app)
    await job.run(bot.app)
    assert bot.texts(BUILDING_3).count("📢 居委通知：核酸检测请下楼") == 1
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/notices")
    assert "#1 每天 07:00：核酸检测请下楼" in bot.last(COMMITTEE_CHAT)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/notice_off 1")
    assert bot.app.job_queue.get_jobs_by_name(notice_job_name(1)) == () or all(
        j.removed for j in bot.app.job_queue.get_jobs_by_name(notice_job_name(1))
    )
    clock.set(at(12, 7, 0))
    await job.run(bot.app)
    assert bot.texts(BUILDING_3).count("📢 居委通知：核酸检测请下楼") == 1


async def test_export_xlsx_in_private_holds_the_seeded_rows(bot):
    await seed(bot)
    await bot.send(BUILDING_3, COMMITTEE, "/export")
    assert bot.last(BUILDING_3).startswith("导出表格含住户信息")
    await bot.send(RESIDENT.id, RESIDENT, "/export")
    assert bot.last(RESIDENT.id) == "只有居委可以这样做。需要的话请在居委群里说，或请本楼楼组长转告居委。"
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-01 2026-04-10")
    document = bot.api.sent(COMMITTEE.id)[-1]
    workbook = openpyxl.load_workbook(io.BytesIO(document["local_file"]))
    assert workbook.sheetnames == ["配药单", "团购订单", "志愿者值班", "报平安"]  # in the chat's language
    assert document["caption"] == "2026-04-01 至 2026-04-10：配药单 2、团购订单 1、志愿者值班 0、报平安 0"
    medicine = list(workbook["配药单"].values)
    assert medicine[0][:3] == ("编号", "户号", "状态") and medicine[0][6] == "登记时间"
    assert [row[1] for row in medicine[1:]] == ["3-502", "5-1201"] and medicine[1][4] == "胰岛素 x2支"
    first = await bot.services.medicine.get(1)
    assert medicine[1][6] == first.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")  # local, not UTC
    orders = list(workbook["团购订单"].values)
    assert orders[1][:4] == (1, "蔬菜包", "3-502", 2) and orders[1][6] == "136.00"
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-11 2026-04-12")
    empty = openpyxl.load_workbook(io.BytesIO(bot.api.sent(COMMITTEE.id)[-1]["local_file"]))
    assert list(empty["配药单"].values)[1:] == []


async def test_export_for_an_english_committee_member_is_in_english(bot):
    await seed(bot)
    await bot.send(COMMITTEE.id, COMMITTEE, "/lang en")
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-01 2026-04-10")
    document = bot.api.sent(COMMITTEE.id)[-1]
    assert document["caption"].startswith("2026-04-01 to 2026-04-10: Medicine requests 2, Group-buy orders 1")
    workbook = openpyxl.load_workbook(io.BytesIO(document["local_file"]))
    assert next(workbook["Medicine requests"].values)[:3] == ("ID", "Household", "Status")


async def test_cli_export_writes_csv_files(config, clock, tmp_path):
    import csv

    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    config_file = tmp_path / "config.toml"
    config_file.write_text(storage_toml(config), encoding="utf-8")
    out = tmp_path / "out"
    import asyncio

    argv = ["export", "--out", str(out), "--from", "2026-04-01", "--to", "2026-04-30", "--config", str(config_file)]
    assert await asyncio.to_thread(main, argv) == 0
    rows = list(csv.reader((out / "medicine_requests.csv").open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["id", "household", "status"] and len(rows) == 3
    assert {p.name for p in out.iterdir()} == {
        "medicine_requests.csv",
        "groupbuy_orders.csv",
        "shifts.csv",
        "care_checks.csv",
    }


async def test_each_buildings_figures_add_up_to_the_whole(bot):
    await seed(bot)  # building 3 opened buy #1
    for title in ("牛奶 8元/盒", "鸡蛋 35元/盒", "大米 60元/袋"):
        await bot.send(BUILDING_3, LEADER, f"#开团 {title}")  # #2-#4, building 3's, nobody ordered yet
    await bot.send(BUILDING_5, COMMITTEE, "#开团 水果 30元/份")  # #5, building 5's
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#开团 面包 10元/份")  # #6, the committee's for everyone
    await bot.send(BUILDING_5, NEIGHBOUR_5, "#接龙 6 3")
    digest = await bot.services.reports.digest()
    by_building = {f.building: f for f in digest.buildings}
    assert (by_building[3].buys_open, by_building[5].buys_open, digest.everyone_buys) == (4, 1, (1, 0))
    assert digest.total.buys_open == 6 == sum(f.buys_open for f in digest.buildings) + digest.everyone_buys[0]
    assert (by_building[3].ordered, by_building[5].ordered, digest.total.ordered) == (2, 3, 5)
    assert digest.total.med_new == sum(f.med_new for f in digest.buildings) == 2


async def test_a_request_cancelled_while_the_report_is_read_is_in_it_as_one_moment(bot, monkeypatch):
    """The report counts urgent requests, then lists them: a cancel committed in between must
    not leave it saying "1 urgent" above an empty list."""
    await seed(bot)  # request #1 urgent and open
    counted, cancelled = threading.Event(), threading.Event()
    listed = report_queries.urgent_open

    def urgent_open_after_the_cancel(conn):
        counted.set()
        assert cancelled.wait(timeout=5)
        return listed(conn)

    monkeypatch.setattr(report_queries, "urgent_open", urgent_open_after_the_cancel)
    reading = asyncio.create_task(bot.services.reports.digest())
    await asyncio.to_thread(counted.wait, 5)
    await bot.send(BUILDING_3, RESIDENT, "#取消 1")
    cancelled.set()
    digest = await reading
    assert (await bot.services.medicine.get(1)).status == "cancelled"
    assert digest.total.med_urgent == 1 and [request for request, _ in digest.urgent] == [1]
