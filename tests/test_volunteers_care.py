"""Volunteers and special care, with time controlled by the clock (no sleeping)."""

from datetime import datetime

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from handlers import care as care_handlers
from handlers import volunteers as volunteer_handlers
from tests.conftest import SHANGHAI
from tests.harness import BUILDING_3, COMMITTEE, COMMITTEE_CHAT, NEIGHBOUR, RESIDENT, Harness, LocalUser

VOLUNTEER = LocalUser(3001, "志愿者小李")
OTHER = LocalUser(3002, "志愿者小王")
LEADER = LocalUser(2001, "楼长老陈")
APPLY_REFUSAL = "这需要志愿者身份：在楼组群发 #报到 姓名 技能 登记，楼组长确认后即可。"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=SHANGHAI)


async def tick(bot: Harness, module) -> None:
    job = bot.app.job_queue.get_jobs_by_name(f"{module.__name__.rsplit('.', 1)[1]}-tick")[0]
    await job.run(bot.app)


async def setup(bot: Harness) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    for user in (VOLUNTEER, OTHER, LEADER):
        await bot.send(user.id, user, "/start")
    await bot.volunteer(BUILDING_3, VOLUNTEER, LEADER, "#报到 小李 核酸 配送")
    await bot.volunteer(BUILDING_3, OTHER, COMMITTEE, "/volunteer 小王 delivery disinfection")


async def test_registration_and_the_committees_roster_by_skill(bot):
    await setup(bot)
    assert bot.texts(BUILDING_3)[-1] == t("zh", "vol.approved", name="小王", scope="3号楼")
    await bot.send(BUILDING_3, OTHER, "#报到 小王 配送 消杀 核酸")  # new skills, still approved
    assert bot.last(BUILDING_3) == "已登记为志愿者（配送、消杀、核酸）。谢谢您！"
    await bot.send(BUILDING_3, NEIGHBOUR, "#报到 老周 跑腿")
    await bot.send(BUILDING_3, VOLUNTEER, "#志愿者名单")
    assert bot.last(BUILDING_3) == t("zh", "refused.committee")
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#志愿者名单")
    assert bot.last(COMMITTEE_CHAT) == (
        "志愿者名单（按技能）：\n核酸（2）：小李、小王\n配送（2）：小李、小王\n消杀（1）：小王\n待通过（1）：老周"
    )


async def test_check_in_twice_says_since_when_and_check_out_counts_hours(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#签到 核酸 2号门")
    assert bot.last(BUILDING_3) == APPLY_REFUSAL
    clock.set(at(10, 8, 0))
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸 2号门")
    assert bot.last(BUILDING_3) == t("zh", "vol.checked_in", task="核酸", place=" @2号门", time="08:00")
    clock.set(at(10, 9, 0))
    await bot.send(BUILDING_3, VOLUNTEER, "/checkin delivery")
    assert bot.last(BUILDING_3) == t("zh", "vol.err.on_duty", since="08:00")
    await bot.send(BUILDING_3, OTHER, "/checkin delivery gate1")
    await bot.send(BUILDING_3, RESIDENT, "#在岗")
    assert bot.last(BUILDING_3) == "在岗 2 人：\n核酸 @2号门：小李（08:00 起）\n配送 @gate1：小王（09:00 起）"
    clock.set(at(10, 11, 30))
    await bot.send(BUILDING_3, VOLUNTEER, "#签退")
    assert bot.last(BUILDING_3) == t("zh", "vol.checked_out", hours="3.5")
    await bot.send(BUILDING_3, VOLUNTEER, "#签退")
    assert bot.last(BUILDING_3) == t("zh", "vol.err.not_on_duty")


async def test_a_forgotten_check_out_is_closed_at_the_maximum_and_flagged(bot, clock):
    await setup(bot)
    clock.set(at(10, 7, 0))
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸")
    clock.set(at(11, 3, 0))  # 20 hours later, never checked out
    await tick(bot, volunteer_handlers)
    assert bot.last(VOLUNTEER.id) == t("zh", "vol.auto_closed", time="07:00", max=12)
    rows = await bot.services.db.fetchall("SELECT ended_at, flagged FROM shifts")
    assert rows[0]["flagged"] == 1 and rows[0]["ended_at"].startswith("2026-04-10T11:00")
    await bot.send(BUILDING_3, VOLUNTEER, "#工时")
    assert t("zh", "vol.hours_line", name="小李", today="0.0", week="12.0") in bot.last(BUILDING_3)


async def test_hours_per_day_and_week(bot, clock):
    await setup(bot)
    clock.set(at(8, 8, 0))  # Wednesday
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸")
    clock.set(at(8, 10, 0))
    await bot.send(BUILDING_3, VOLUNTEER, "#签退")
    clock.set(at(10, 8, 0))  # Friday
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 配送")
    clock.set(at(10, 9, 30))
    await bot.send(BUILDING_3, VOLUNTEER, "#签退")
    await bot.send(BUILDING_3, OTHER, "#签到 消杀")
    clock.set(at(10, 10, 30))
    await bot.send(BUILDING_3, LEADER, "/hours")
    assert bot.last(BUILDING_3) == "工时（今日 / 本周，小时）：\n小李：1.5 / 3.5\n小王：1.0 / 1.0"


async def test_shift_slots_fill_up_and_their_volunteers_are_reminded_once(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#排班 核酸 明天7:00-11:00 2人")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER, "#排班 核酸 明天7:00-11:00 2人")
    slot_message = bot.last_message(BUILDING_3)
    assert slot_message["text"] == t(
        "zh", "vol.slot", id=1, task="核酸", start="04-11 07:00", end="11:00", headcount=2, taken=0
    )
    await bot.press(BUILDING_3, slot_message["message_id"], VOLUNTEER, "slot:take:1")
    assert bot.last(BUILDING_3) == t(
        "zh", "vol.slot", id=1, task="核酸", start="04-11 07:00", end="11:00", headcount=2, taken=1
    )
    await bot.send(BUILDING_3, VOLUNTEER, "#认领班 1")
    assert bot.last(BUILDING_3) == t("zh", "vol.err.slot_taken", id=1)
    await bot.send(BUILDING_3, RESIDENT, "#空缺")
    assert bot.last(BUILDING_3) == "还缺人的班：\n#1 核酸 04-11 07:00–11:00 还缺 1 人"
    await bot.send(BUILDING_3, OTHER, "#认领班 1")
    assert bot.last(BUILDING_3) == t("zh", "vol.slot_taken", id=1, taken=2, headcount=2)
    await bot.send(BUILDING_3, LEADER, "#认领班 1")
    assert bot.last(BUILDING_3) == t("zh", "vol.err.slot_full", id=1)
    await bot.send(BUILDING_3, RESIDENT, "#空缺")
    assert bot.last(BUILDING_3) == t("zh", "vol.vacancies_none")

    clock.set(at(11, 5, 0))  # two hours before: too early
    await tick(bot, volunteer_handlers)
    assert "提醒" not in bot.last(VOLUNTEER.id)
    clock.set(at(11, 6, 15))
    await tick(bot, volunteer_handlers)
    await tick(bot, volunteer_handlers)
    reminders = [t for t in bot.texts(VOLUNTEER.id) if t.startswith("⏰")]
    assert reminders == ["⏰ 提醒：排班 #1 核酸 将于 07:00 开始，请准时到岗。"]
    assert any(t.startswith("⏰") for t in bot.texts(OTHER.id))


async def test_care_roster_pairing_and_safety_checks(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#关爱 3-502 独居老人")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER, "#关爱 3-502 独居老人 透析")
    assert bot.last(BUILDING_3) == t("zh", "care.added", household="3-502")
    said = await bot.send(BUILDING_3, VOLUNTEER, "我来负责502")
    await bot.send(BUILDING_3, LEADER, "#结对 3-502", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "care.paired", household="3-502", name="志愿者小李")
    assert "独居老人 透析" in bot.last(VOLUNTEER.id)
    await bot.send(BUILDING_3, OTHER, "#平安 3-502")  # the real reason, not "only volunteers…"
    assert bot.last(BUILDING_3) == t("zh", "care.err.paired_other", household="3-502")
    await bot.send(BUILDING_3, VOLUNTEER, "#平安 3-502")
    assert bot.last(BUILDING_3) == t("zh", "care.safe", household="3-502")
    await bot.send(BUILDING_3, VOLUNTEER, "/safe 3-502")
    assert bot.last(BUILDING_3) == t("zh", "care.already_safe", household="3-502")
    await bot.send(BUILDING_3, VOLUNTEER, "#平安 3-601")
    assert bot.last(BUILDING_3) == t("zh", "care.err.not_in_roster", room="3-601")
    assert not any("透析" in text or "独居" in text for text in bot.texts(BUILDING_3))


async def test_escalation_goes_volunteer_then_leader_then_committee_once_each(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#关爱 3-502 独居老人")
    await bot.send(BUILDING_3, LEADER, "#关爱 3-601 孕妇")
    said = await bot.send(BUILDING_3, VOLUNTEER, "hi")
    await bot.send(BUILDING_3, LEADER, "#结对 3-502", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, LEADER, "#结对 3-601", reply_to=said["message"]["message_id"])
    clock.set(at(10, 12, 0))
    await bot.send(BUILDING_3, VOLUNTEER, "#平安 3-601")  # 3-601 is safe today

    clock.set(at(10, 17, 59))
    await tick(bot, care_handlers)
    assert not any(t.startswith("⚠") for t in bot.texts())
    clock.set(at(10, 18, 0))
    await tick(bot, care_handlers)
    assert [t for t in bot.texts(VOLUNTEER.id) if t.startswith("⚠")] == [
        "⚠ 3-502（独居老人）今天还没有报平安，请去看看，然后发送 #平安 3-502。"
    ]
    assert not any(t.startswith("⚠") for t in bot.texts(LEADER.id))
    clock.set(at(10, 19, 0))
    await tick(bot, care_handlers)
    assert [t for t in bot.texts(LEADER.id) if t.startswith("⚠")] == [
        "⚠ 3-502 今天还没有报平安（已提醒结对志愿者），请楼组长确认。"
    ]
    assert not any(t.startswith("⚠") for t in bot.texts(COMMITTEE_CHAT))
    clock.set(at(10, 20, 5))
    await tick(bot, care_handlers)
    await tick(bot, care_handlers)
    assert [t for t in bot.texts(COMMITTEE_CHAT) if t.startswith("⚠")] == [
        "⚠ 居委请注意：3-502 今天还没有报平安（已提醒志愿者和楼组长）。"
    ]
    assert len([t for t in bot.texts() if t.startswith("⚠")]) == 3
    assert not any("3-601" in t for t in bot.texts() if t.startswith("⚠"))


async def test_a_restart_in_the_middle_of_the_day_keeps_schedules_and_sends_nothing_twice(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, LEADER, "#关爱 3-502 独居老人")
        said = await bot.send(BUILDING_3, VOLUNTEER, "hi")
        await bot.send(BUILDING_3, LEADER, "#结对 3-502", reply_to=said["message"]["message_id"])
        await bot.send(BUILDING_3, LEADER, "#排班 核酸 明天7:00-11:00 2人")
        await bot.send(BUILDING_3, VOLUNTEER, "#认领班 1")
        clock.set(at(10, 18, 30))
        await tick(bot, care_handlers)  # level 1 sent before the restart
        assert sum(t.startswith("⚠") for t in api.texts(VOLUNTEER.id)) == 1

    api2 = LocalBotApi(id_base=10_000)
    api2.started |= {VOLUNTEER.id, LEADER.id}
    async with running(build_application(config, LocalRequest(api2), clock=clock)) as app2:
        bot2 = Harness(app2, api2)
        assert app2.job_queue.get_jobs_by_name("care-tick") and app2.job_queue.get_jobs_by_name("volunteers-tick")
        clock.set(at(10, 19, 10))
        await tick(bot2, care_handlers)
        assert not any(t.startswith("⚠") for t in api2.texts(VOLUNTEER.id))  # level 1 is not repeated
        assert sum(t.startswith("⚠") for t in api2.texts(LEADER.id)) == 1  # level 2 goes on
        clock.set(at(11, 6, 30))
        await tick(bot2, volunteer_handlers)
        assert api2.texts(VOLUNTEER.id)[-1].startswith("⏰ 提醒：排班 #1")


async def test_unregistered_people_cannot_check_on_households(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#关爱 3-502")
    await bot.send(BUILDING_3, NEIGHBOUR, "#结对 3-502")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, NEIGHBOUR, "#平安 3-502")
    assert bot.last(BUILDING_3) == APPLY_REFUSAL


async def test_pairing_names_an_approved_volunteer_by_a_reply(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#关爱 3-702 独居老人")
    await bot.send(BUILDING_3, LEADER, "#结对 3-702")  # no reply: the leader is not paired himself
    assert bot.last(BUILDING_3) == t("zh", "care.err.need_volunteer", room="3-702")
    said = await bot.send(BUILDING_3, NEIGHBOUR, "我可以帮忙")  # not a volunteer
    await bot.send(BUILDING_3, LEADER, "#结对 3-702", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "care.err.not_volunteer")
    assert (await bot.services.care.not_safe_today())[0].volunteer_id is None
    await bot.send(BUILDING_3, VOLUNTEER, "#平安 3-702")
    assert bot.last(BUILDING_3) == t("zh", "care.err.not_paired", household="3-702")
    said = await bot.send(BUILDING_3, OTHER, "我来")
    await bot.send(BUILDING_3, LEADER, "/pair 3-702", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "care.paired", household="3-702", name="志愿者小王")
    assert (await bot.services.care.not_safe_today())[0].volunteer_id == OTHER.id
