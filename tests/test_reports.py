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
from bot.texts.i18n import join, t
from handlers.bulletins import notice_job_name
from handlers.reports import DIGEST_GRACE_SECONDS, DIGEST_JOB
from storage import reports as report_queries
from tests.conftest import SHANGHAI, storage_toml
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, RESIDENT, Harness, LocalUser

LEADER = LocalUser(2001, "楼长老陈")
NEIGHBOUR_5 = LocalUser(1005, "赵六")
RUMOR = "#辟谣 居委私吞物资 | 关键词: 私吞,物资 | 经核实，视频拍摄地并非本小区，系外地旧视频 | 来源: 街道公众号"
# the rebuttal as the groups read it: its title, its words and its source from RUMOR
REBUTTAL = (
    t("zh", "rumor.post", title="居委私吞物资", content="经核实，视频拍摄地并非本小区，系外地旧视频")
    + "\n"
    + t("zh", "rumor.source", source="街道公众号")
)
COMMITTEE_ONLY = t("zh", "refused.committee")
SHEETS = ("medicine_requests", "groupbuy_orders", "shifts", "care_checks")  # the export's, in order


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=SHANGHAI)


def title(day: int, building: int | None = None) -> str:
    """The first line of the report of 2026-04-``day``: the committee's, or ``building``'s group's."""
    if building is None:
        return t("zh", "digest.title", day=date(2026, 4, day).isoformat())
    return t("zh", "digest.building_title", building=building, day=date(2026, 4, day).isoformat())


def medicine(new: int, open: int, urgent: int) -> str:
    """A report's line of medicine figures (nothing delivered, no card out in these tests)."""
    return t("zh", "digest.medicine", new=new, open=open, urgent=urgent, delivered=0, cards=0)


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
    # what needs someone first: the care household not reported safe, the urgent request
    unsafe = t("zh", "digest.unsafe", count=1, households="3-601")
    assert report.startswith(f"{title(10)}\n{unsafe}\n{t('zh', 'digest.urgent', count=1, requests='#1 3-502')}")
    assert medicine(new=2, open=2, urgent=1) in report
    assert t("zh", "digest.groupbuys", open=1, closed=0, ordered=2, unpaid="136.00") in report
    assert t("zh", "digest.building", building=3) in report and t("zh", "digest.building", building=5) in report
    photo = bot.api.sent(COMMITTEE_CHAT)[-1]
    image = Image.open(io.BytesIO(photo["local_file"]))
    assert image.format == "PNG" and image.size == (960, 540) and 5_000 < len(photo["local_file"]) < 500_000
    building_3 = bot.last(BUILDING_3)
    assert building_3.startswith(title(10, building=3))
    assert t("zh", "digest.unsafe_count", count=1) in building_3  # counted, no household named
    assert "3-601" not in building_3 and "3-502" not in building_3
    assert medicine(new=1, open=1, urgent=1) in building_3
    assert medicine(new=1, open=1, urgent=0) in bot.last(BUILDING_5)


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
    assert bot.last(BUILDING_3).startswith(title(11, building=3))


async def test_missed_grace_is_set_deliberately(bot):
    job = bot.app.job_queue.get_jobs_by_name(DIGEST_JOB)[0]
    assert job.job.misfire_grace_time == DIGEST_GRACE_SECONDS


async def _restart(config, clock, api) -> list[str]:
    async with running(build_application(config, LocalRequest(api), clock=clock)):
        for _ in range(50):
            await asyncio.sleep(0.02)  # let the start-up catch-up (if any) run
    return api.texts(COMMITTEE_CHAT)


async def test_restarts_sent_before_nothing_after_missed_while_down_sent_once(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    clock.set(at(10, 21, 30))  # the bot was down at 20:00
    assert any(text.startswith(title(10)) for text in await _restart(config, clock, LocalBotApi(id_base=1000)))
    clock.set(at(10, 22, 0))  # a second start the same day
    assert not reports_in(await _restart(config, clock, LocalBotApi(id_base=2000)))
    clock.set(at(11, 9, 0))  # next morning, before the digest time, past the grace for yesterday's
    assert not reports_in(await _restart(config, clock, LocalBotApi(id_base=3000)))


def reports_in(texts: list[str]) -> list[str]:
    """The committee's reports among the texts (a restart may also send nudges, which are not reports)."""
    return [text for text in texts if text.startswith(t("zh", "digest.title", day=""))]


async def test_a_report_killed_while_sending_is_finished_after_the_restart_once(config, clock):
    """Killed after the report's texts went out (its chart had not): after the restart the chart
    goes out, alone; the texts are not posted again, and another start sends nothing."""
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
        clock.set(at(10, 20, 0))
        api.fail("sendPhoto", 0, times=100)  # the chart times out until the "kill"
        await app.job_queue.get_jobs_by_name(DIGEST_JOB)[0].run(app)
        assert bot_texts_start(api, COMMITTEE_CHAT, title(10)) == 1
        assert not api.sent(COMMITTEE_CHAT)[-1].get("local_file")
    api.faults.clear()
    clock.set(at(10, 20, 5))
    await _restart(config, clock, api)
    assert bot_texts_start(api, COMMITTEE_CHAT, title(10)) == 1
    photos = [message for message in api.sent(COMMITTEE_CHAT) if message.get("local_file")]
    assert len(photos) == 1
    assert bot_texts_start(api, BUILDING_3, title(10, building=3)) == 1
    await _restart(config, clock, api)
    assert len([message for message in api.sent(COMMITTEE_CHAT) if message.get("local_file")]) == 1


async def test_a_bot_down_from_1900_to_0010_sends_the_missed_report_with_its_day(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    clock.set(at(11, 0, 10))  # down at 19:00 on the 10th, back ten minutes past midnight
    texts = await _restart(config, clock, api)
    (report,) = reports_in(texts)
    assert report.startswith(title(10)) and medicine(new=2, open=2, urgent=1) in report  # the 10th's figures
    assert bot_texts_start(api, BUILDING_3, title(10, building=3)) == 1
    clock.set(at(11, 0, 20))
    await _restart(config, clock, api)
    assert len(reports_in(api.texts(COMMITTEE_CHAT))) == 1, "sent once"


def bot_texts_start(api: LocalBotApi, chat_id: int, start: str) -> int:
    return sum(text.startswith(start) for text in api.texts(chat_id))


async def test_digest_command_is_committee_only_and_names_no_household_in_a_building_group(bot):
    await seed(bot)
    await bot.send(BUILDING_3, RESIDENT, "#日报")
    assert bot.last(BUILDING_3) == COMMITTEE_ONLY
    await bot.send(BUILDING_3, COMMITTEE, "#日报")
    assert bot.last(BUILDING_3).startswith(title(10, building=3)) and "3-502" not in bot.last(BUILDING_3)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/digest")
    assert bot.texts(COMMITTEE_CHAT)[-2].startswith(title(10))
    assert "photo" in bot.api.sent(COMMITTEE_CHAT)[-1]


async def test_a_report_that_fits_nowhere_is_split_cleanly(bot, clock):
    await seed(bot)
    for i in range(500):
        await bot.services.roster.register(await bot.services.roster.actor(COMMITTEE.id), _room(i), user_id=60_000 + i)
        await bot.services.care.add(await bot.services.roster.actor(COMMITTEE.id), _room(i), "独居老人")
    clock.set(at(10, 20, 0))
    await fire_digest(bot)
    texts = [m["text"] for m in bot.api.sent(COMMITTEE_CHAT) if "text" in m]
    texts = texts[next(i for i, text in enumerate(texts) if text.startswith(title(10))) :]  # the report's parts
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
    assert bot.last(COMMITTEE_CHAT) == t("zh", "rumor.sent", id=1, count=2)
    for chat in (BUILDING_3, BUILDING_5):
        assert bot.last(chat) == REBUTTAL
    assert len(bot.api.calls_of("pinChatMessage")) == 2
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, RESIDENT, "听说居委私吞物资了？")
    assert len(bot.texts(BUILDING_3)) == before + 1 and bot.last(BUILDING_3) == REBUTTAL
    clock.advance(minutes=30)
    await bot.send(BUILDING_3, RESIDENT, "物资到底去哪了")
    assert len(bot.texts(BUILDING_3)) == before + 1  # within the hour: no second reply
    answered_5 = len(bot.texts(BUILDING_5))
    await bot.send(BUILDING_5, NEIGHBOUR_5, "私吞？")
    assert len(bot.texts(BUILDING_5)) == answered_5 + 1 and bot.last(BUILDING_5) == REBUTTAL  # its own hour
    clock.advance(minutes=31)
    await bot.send(BUILDING_3, RESIDENT, "物资的事是真的吗")
    assert len(bot.texts(BUILDING_3)) == before + 2
    told = len(bot.texts(COMMITTEE_CHAT))
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "物资清单发一下")
    assert len(bot.texts(COMMITTEE_CHAT)) == told  # only building groups get rebuttals


async def test_a_new_rebuttal_supersedes_and_one_can_be_retired(bot):
    await seed(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR.replace("系外地旧视频", "系2019年外地视频"))
    assert bot.last(COMMITTEE_CHAT).endswith(t("zh", "rumor.superseded", ids="#1"))
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/rumors")
    keywords = join("zh", ["私吞", "物资"])
    active = t("zh", "rumor.list_line", id=2, title="居委私吞物资", keywords=keywords, time="04-10 09:00")
    assert bot.last(COMMITTEE_CHAT).splitlines()[1:] == [active]  # under the list's title: #2 alone
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/rumor_off 2")
    assert bot.last(COMMITTEE_CHAT) == t("zh", "rumor.retired", id=2)
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, RESIDENT, "私吞物资")
    assert len(bot.texts(BUILDING_3)) == before  # no active rebuttal answers any more
    await bot.send(BUILDING_3, RESIDENT, RUMOR)
    assert bot.last(BUILDING_3) == COMMITTEE_ONLY


async def test_notices_go_to_every_building_group_and_kicked_chats_are_marked(bot):
    await seed(bot)
    bot.api.kicked_from.add(BUILDING_5)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸，请带身份证")
    assert bot.last(BUILDING_3) == t("zh", "notice.post", text="明早7点核酸，请带身份证")
    assert bot.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=2)  # owed to both; building 5 refused it
    assert [c.chat_id for c in await bot.services.roster.building_chats()] == [BUILDING_3]
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 停水")
    assert bot.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=1)  # the bot is in no other group now


async def test_daily_notices_go_out_once_a_day_until_stopped(bot, clock):
    await seed(bot)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#通知 每天07:00 核酸检测请下楼")
    assert bot.last(COMMITTEE_CHAT) == t("zh", "notice.scheduled", id=1, time="07:00")
    posted = t("zh", "notice.post", text="核酸检测请下楼")
    job = bot.app.job_queue.get_jobs_by_name(notice_job_name(1))[0]
    clock.set(at(11, 7, 0))
    await job.run(bot.app)
    await job.run(bot.app)
    assert bot.texts(BUILDING_3).count(posted) == 1
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/notices")
    assert t("zh", "notice.list_line", id=1, time="07:00", text="核酸检测请下楼") in bot.last(COMMITTEE_CHAT)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "/notice_off 1")
    assert bot.app.job_queue.get_jobs_by_name(notice_job_name(1)) == () or all(
        j.removed for j in bot.app.job_queue.get_jobs_by_name(notice_job_name(1))
    )
    clock.set(at(12, 7, 0))
    await job.run(bot.app)
    assert bot.texts(BUILDING_3).count(posted) == 1


async def test_export_xlsx_in_private_holds_the_seeded_rows(bot):
    await seed(bot)
    await bot.send(BUILDING_3, COMMITTEE, "/export")
    assert bot.last(BUILDING_3) == t("zh", "export.private_only")
    await bot.send(RESIDENT.id, RESIDENT, "/export")
    assert bot.last(RESIDENT.id) == COMMITTEE_ONLY
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-01 2026-04-10")
    document = bot.api.sent(COMMITTEE.id)[-1]
    workbook = openpyxl.load_workbook(io.BytesIO(document["local_file"]))
    sheets = [t("zh", f"export.sheet.{kind}") for kind in SHEETS]
    assert workbook.sheetnames == sheets  # in the chat's language
    counts = join("zh", (f"{sheet} {rows}" for sheet, rows in zip(sheets, (2, 1, 0, 0), strict=True)))
    assert document["caption"] == t("zh", "export.caption", start="2026-04-01", end="2026-04-10", counts=counts)
    medicine = list(workbook[sheets[0]].values)
    header = [t("zh", f"export.col.{name}") for name in ("id", "household", "status", "created_at")]
    assert [*medicine[0][:3], medicine[0][6]] == header
    assert [row[1] for row in medicine[1:]] == ["3-502", "5-1201"] and medicine[1][4] == "胰岛素 x2支"
    first = await bot.services.medicine.get(1)
    assert medicine[1][6] == first.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")  # local, not UTC
    orders = list(workbook[sheets[1]].values)
    assert orders[1][:4] == (1, "蔬菜包", "3-502", 2) and orders[1][6] == "136.00"
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-11 2026-04-12")
    empty = openpyxl.load_workbook(io.BytesIO(bot.api.sent(COMMITTEE.id)[-1]["local_file"]))
    assert list(empty[sheets[0]].values)[1:] == []


async def test_export_for_an_english_committee_member_is_in_english(bot):
    await seed(bot)
    await bot.send(COMMITTEE.id, COMMITTEE, "/lang en")
    await bot.send(COMMITTEE.id, COMMITTEE, "/export 2026-04-01 2026-04-10")
    document = bot.api.sent(COMMITTEE.id)[-1]
    sheets = [t("en", f"export.sheet.{kind}") for kind in SHEETS]
    counts = join("en", (f"{sheet} {rows}" for sheet, rows in zip(sheets, (2, 1, 0, 0), strict=True)))
    assert document["caption"] == t("en", "export.caption", start="2026-04-01", end="2026-04-10", counts=counts)
    workbook = openpyxl.load_workbook(io.BytesIO(document["local_file"]))
    assert workbook.sheetnames == sheets
    header = tuple(t("en", f"export.col.{name}") for name in ("id", "household", "status"))
    assert next(workbook[sheets[0]].values)[:3] == header


async def test_cli_export_writes_csv_files(config, clock, tmp_path):
    import csv

    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await seed(Harness(app, api))
    config_file = tmp_path / "config.toml"
    config_file.write_text(storage_toml(config), encoding="utf-8")
    out = tmp_path / "out"
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
    for goods in ("牛奶 8元/盒", "鸡蛋 35元/盒", "大米 60元/袋"):
        await bot.send(BUILDING_3, LEADER, f"#开团 {goods}")  # #2-#4, building 3's, nobody ordered yet
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
