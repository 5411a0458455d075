"""Nudges (issue 20): a resident reminded to confirm, an urgent request nobody claimed sent to the
volunteers on duty and then to the leader, a buy's reminder to the households that have not joined,
quiet hours; each once, even across a restart, driven by the minute tick and the test clock."""

from datetime import datetime

from bot.clock import FixedClock
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from tests.conftest import SHANGHAI, make_config
from tests.harness import BUILDING_3, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, LocalUser

VOLUNTEER = LocalUser(3001, "志愿者小李")
LEADER = LocalUser(2001, "楼长老陈")


async def tick(bot: Harness) -> None:
    await bot.app.job_queue.get_jobs_by_name("care-tick")[0].run(bot.app)


async def setup(bot: Harness, *, resident_private: bool = True) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    said = await bot.send(BUILDING_3, LEADER, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    for user in (LEADER, VOLUNTEER, *([RESIDENT] if resident_private else [])):
        await bot.send(user.id, user, "/start")
    await bot.services.roster.grant(await bot.services.roster.actor(COMMITTEE.id), VOLUNTEER.id, "volunteer")


def nudges(bot: Harness, chat_id: int, key: str, **fields) -> list[str]:
    """The texts sent to ``chat_id`` that begin as the nudge ``key`` does."""
    start = t("zh", key, **fields).split("：")[0]
    return [text for text in bot.texts(chat_id) if text.startswith(start)]


REMIND = t("zh", "nudge.med.remind", id=1)


async def test_an_unconfirmed_request_reminds_its_resident_privately_once_after_30_minutes(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    clock.advance(minutes=29)
    await tick(bot)
    assert REMIND not in bot.texts(RESIDENT.id)
    clock.advance(minutes=1)
    await tick(bot)
    await tick(bot)
    assert bot.texts(RESIDENT.id).count(REMIND) == 1
    assert not any("⏰" in text and "3-502" in text and "#1" in text for text in bot.texts(BUILDING_3))


async def test_a_confirmed_request_is_not_reminded(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    listing = next(m for m in reversed(bot.api.sent(RESIDENT.id)) if m.get("reply_markup"))
    await bot.press(RESIDENT.id, listing["message_id"], RESIDENT, "med:confirm:1")
    assert (await bot.services.medicine.get(1)).status == "open"
    clock.advance(minutes=45)
    await tick(bot)
    assert REMIND not in bot.texts(RESIDENT.id)


async def test_a_resident_without_a_private_chat_is_mentioned_in_the_group_without_the_drugs(bot, clock):
    await setup(bot, resident_private=False)
    await bot.send(BUILDING_3, RESIDENT, "#配药 奥美拉唑 1盒")
    clock.advance(minutes=30)
    await tick(bot)
    await tick(bot)
    expected = t("zh", "nudge.med.remind_group", household="3-502", id=1)
    sent = [m for m in bot.api.sent(BUILDING_3) if m["text"] == expected]
    assert len(sent) == 1
    assert sent[0]["entities"] == [
        {
            "type": "text_mention",
            "offset": 0,
            "length": 5,
            "user": {"id": RESIDENT.id, "first_name": "3-502", "is_bot": False},
        }
    ]
    assert not any("奥美拉唑" in text for text in bot.texts(BUILDING_3))


async def test_an_urgent_request_unclaimed_goes_to_the_volunteers_on_duty_then_to_the_leader(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 急 胰岛素 2支")
    duty = "配药单 #1 · 3-502 加急，已等 1 小时，请在岗志愿者 #认领 1"
    leader = t("zh", "nudge.med.leader", id=1, household="3-502", count=2)
    clock.advance(minutes=59)
    await tick(bot)
    assert duty not in bot.texts(BUILDING_3)
    clock.advance(minutes=1)
    await tick(bot)
    await tick(bot)
    assert bot.texts(BUILDING_3).count(duty) == 1
    assert not any("胰岛素" in text for text in bot.texts(BUILDING_3))
    assert leader not in bot.texts(LEADER.id)
    clock.advance(minutes=60)
    await tick(bot)
    await tick(bot)
    assert bot.texts(LEADER.id).count(leader) == 1


async def test_a_claimed_urgent_request_is_not_sent_to_the_volunteers(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 急 胰岛素 2支")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    clock.advance(hours=3)
    await tick(bot)
    assert not any("请在岗志愿者" in text for text in bot.texts(BUILDING_3))
    assert not any(text.startswith("⏰ 加急配药单") for text in bot.texts(LEADER.id))


async def test_a_buy_reminds_the_households_that_have_not_joined_once_an_hour_before_its_deadline(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, LocalUser(4001, "王五"), "#登记 3-702")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止今天12:00")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    reminder = t("zh", "nudge.gb.remind", id=1, title="蔬菜包", time="12:00", households="3-601、3-702")
    clock.advance(minutes=119)  # 10:59
    await tick(bot)
    assert reminder not in bot.texts(BUILDING_3)
    clock.advance(minutes=1)
    await tick(bot)
    clock.advance(minutes=30)
    await tick(bot)
    assert bot.texts(BUILDING_3).count(reminder) == 1


async def test_quiet_hours_hold_non_urgent_nudges_until_they_end_but_not_urgent_ones(tmp_path):
    clock_at = datetime(2026, 4, 10, 21, 50, tzinfo=SHANGHAI)
    clock = FixedClock(clock_at)
    api = LocalBotApi()
    async with running(build_application(make_config(tmp_path), LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")  # 21:50
        await bot.send(BUILDING_3, NEIGHBOUR, "#配药 急 胰岛素 2支")
        clock.advance(minutes=60)  # 22:50: quiet
        await tick(bot)
        assert REMIND not in bot.texts(RESIDENT.id)
        assert "配药单 #2 · 3-601 加急，已等 1 小时，请在岗志愿者 #认领 2" in bot.texts(BUILDING_3)
        clock.advance(hours=8, minutes=9)  # 06:59
        await tick(bot)
        assert REMIND not in bot.texts(RESIDENT.id)
        clock.advance(minutes=1)  # 07:00: quiet hours are over
        await tick(bot)
        assert bot.texts(RESIDENT.id).count(REMIND) == 1


async def test_quiet_hours_are_configurable(tmp_path):
    clock = FixedClock(datetime(2026, 4, 10, 12, 0, tzinfo=SHANGHAI))
    api = LocalBotApi()
    config = make_config(tmp_path, nudges={"quiet_hours": "12:00-14:00"})
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
        clock.advance(minutes=40)
        await tick(bot)
        assert REMIND not in bot.texts(RESIDENT.id)
        clock.advance(minutes=80)  # 14:00
        await tick(bot)
        assert REMIND in bot.texts(RESIDENT.id)


async def test_a_restart_does_not_repeat_a_nudge(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, RESIDENT, "#配药 急 胰岛素 2支")
        clock.advance(minutes=60)
        await tick(bot)
        assert any("请在岗志愿者 #认领 1" in text for text in bot.texts(BUILDING_3))
    api2 = LocalBotApi(id_base=10_000)
    api2.started |= {RESIDENT.id, LEADER.id}
    async with running(build_application(config, LocalRequest(api2), clock=clock)) as app2:
        clock.advance(minutes=5)
        await tick(Harness(app2, api2))
        assert not any("请在岗志愿者" in text or text == REMIND for text in api2.texts())
