"""配药 end to end: from the resident's list to the door."""

from datetime import date

import pytest

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from tests.conftest import make_config
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, LocalUser

VOLUNTEER = LocalUser(3001, "志愿者小李")
OTHER_VOLUNTEER = LocalUser(3002, "志愿者小王")
LEADER = LocalUser(2001, "楼长老陈")
CARD = "310101195001011234"
PHONE = "13912345678"


async def setup(bot: Harness) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    for user in (RESIDENT, VOLUNTEER, OTHER_VOLUNTEER):
        await bot.send(user.id, user, "/start")  # they have opened a private chat with the bot
    for user in (VOLUNTEER, OTHER_VOLUNTEER):
        await bot.services.roster.grant(await bot.services.roster.actor(COMMITTEE.id), user.id, "volunteer")


async def file(bot: Harness, text: str = "#配药 布洛芬缓释胶囊 2盒，二甲双胍 3盒", user=RESIDENT) -> dict:
    return await bot.send(BUILDING_3, user, text)


async def status(bot: Harness, request_id: int = 1) -> str:
    return (await bot.services.medicine.get(request_id)).status


def group_texts(bot: Harness) -> list[str]:
    return [text for chat_id in {m["chat"]["id"] for m in bot.api.sent()} if chat_id < 0 for text in bot.texts(chat_id)]


async def tick(bot: Harness) -> None:
    """The minute tick (care's) that also tells leaders of requests left unconfirmed."""
    await bot.app.job_queue.get_jobs_by_name("care-tick")[0].run(bot.app)


def confirm_button(bot: Harness, user=RESIDENT) -> dict:
    return next(m for m in reversed(bot.api.sent(user.id)) if m.get("reply_markup"))


async def test_full_lifecycle(bot):
    await setup(bot)
    await file(bot)
    assert bot.last(BUILDING_3) == "配药单 #1 · 3-502 · 2 项\n" + t("zh", "med.check_private")
    listing = confirm_button(bot)
    assert "1. 布洛芬缓释胶囊 ×2盒\n2. 二甲双胍 ×3盒" in listing["text"]
    assert await status(bot) == "pending"
    await bot.press(RESIDENT.id, listing["message_id"], RESIDENT, "med:confirm:1")
    assert await status(bot) == "open"
    assert t("zh", "med.status.open") in bot.api.messages[(RESIDENT.id, listing["message_id"])]["text"]

    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    assert bot.last(BUILDING_3) == t("zh", "med.claimed", id=1, household="3-502")
    assert bot.last(RESIDENT.id) == t("zh", "med.notify.claimed", id=1)
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1 86.5元")
    assert bot.last(BUILDING_3) == t("zh", "med.bought", id=1, cost="86.50")
    assert (await bot.services.medicine.get(1)).cost_fen == 8650
    await bot.send(BUILDING_3, VOLUNTEER, "/delivered 1")
    assert bot.last(BUILDING_3) == t("zh", "med.delivered", id=1, household="3-502")
    assert bot.last(RESIDENT.id) == t("zh", "med.notify.delivered", id=1)
    assert await status(bot) == "delivered"


async def test_a_resident_who_chose_english_is_told_in_english_whoever_acts(bot):
    await setup(bot)
    await bot.send(RESIDENT.id, RESIDENT, "/lang English")  # in their private chat: their own language
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")  # a Chinese group, a Chinese volunteer
    assert bot.last(BUILDING_3) == t("zh", "med.claimed", id=1, household="3-502")
    assert bot.last(RESIDENT.id) == t("en", "med.notify.claimed", id=1)
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    assert bot.last(RESIDENT.id) == t("en", "med.notify.delivered", id=1)


async def test_the_group_never_sees_the_drugs(bot):
    await setup(bot)
    await file(bot, "#配药 奥氮平 2盒")
    assert not any("奥氮平" in text for text in group_texts(bot))


async def test_without_a_private_chat_the_group_gets_a_deep_link(bot):
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await file(bot, "#配药 布洛芬 1盒", user=NEIGHBOUR)
    reply = bot.last_message(BUILDING_3)
    assert t("zh", "med.check_link") in reply["text"]
    url = reply["reply_markup"]["inline_keyboard"][0][1]["url"]
    assert url == "https://t.me/building_bot?start=med1"
    await bot.send(NEIGHBOUR.id, NEIGHBOUR, "/start med1")
    assert "1. 布洛芬 ×1盒" in bot.last(NEIGHBOUR.id)


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("#配药 急 布洛芬 1盒", True),
        ("/med urgent aspirin x1", True),
        ("#配药 胰岛素注射液 两支", True),
        ("#配药 透析液 10袋", True),
        ("#配药 化疗药 1盒", True),
        ("/med insulin 2 pens", True),
        ("#配药 奥氮平 1盒", True),
        ("#配药 布洛芬 1盒", False),
    ],
)
async def test_urgent_detection(bot, text, urgent):
    await setup(bot)
    await file(bot, text)
    assert (await bot.services.medicine.get(1)).urgent is urgent


async def test_configured_keywords_are_urgent_and_urgent_leads_the_list(tmp_path, clock):
    config = make_config(tmp_path, medicine={"urgent_keywords": ["氧气"], "auto_confirm": True})
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await file(bot, "#配药 布洛芬 1盒")
        await file(bot, "#配药 氧气袋 2个")
        assert await status(bot, 1) == "open"  # auto_confirm: no ✅ needed
        await bot.send(BUILDING_3, VOLUNTEER, "#配药清单")
        text = bot.last(VOLUNTEER.id)
        assert text.index("🔴急 #2") < text.index("#1 3-502")


async def test_private_details_reach_only_the_claimer_and_the_committee(bot):
    await setup(bot)
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(RESIDENT.id, RESIDENT, f"医保卡 {CARD} 电话 {PHONE} 交卡 放门口鞋柜")
    saved = bot.last(RESIDENT.id)
    assert "已保存" in saved and CARD not in saved and PHONE not in saved
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    details = bot.last(VOLUNTEER.id)
    assert CARD in details and PHONE in details and "放门口鞋柜" in details
    await bot.send(OTHER_VOLUNTEER.id, OTHER_VOLUNTEER, "/start info1")
    assert bot.last(OTHER_VOLUNTEER.id) == t("zh", "refused.volunteer")
    await bot.send(COMMITTEE.id, COMMITTEE, "/start info1")
    assert CARD in bot.last(COMMITTEE.id)
    assert not any(CARD in text or PHONE in text for text in group_texts(bot))


async def test_a_phone_typed_into_the_group_list_is_kept_privately_not_repeated(bot):
    await setup(bot)
    await file(bot, f"#配药 布洛芬 1盒，电话{PHONE}")
    request = await bot.services.medicine.get(1)
    assert all(PHONE not in item.name for item in request.items)
    assert t("zh", "med.kept_private") in bot.last(BUILDING_3)
    volunteer = await bot.services.roster.actor(COMMITTEE.id)
    assert (await bot.services.medicine.private_details(volunteer, 1)).phone == PHONE
    assert not any(PHONE in text for text in bot.texts())


async def test_card_custody_from_claim_to_delivery(bot):
    await setup(bot)
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(RESIDENT.id, RESIDENT, f"{CARD} 交卡")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, VOLUNTEER, "#配药清单")
    listing = bot.last(VOLUNTEER.id)
    assert (
        t("zh", "medlist.card_with", holder="志愿者小李") in listing
        and t("zh", "medlist.card_line", household="3-502", holder="志愿者小李", id=1) in listing
    )
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    await bot.send(BUILDING_3, VOLUNTEER, "#配药清单")
    assert t("zh", "medlist.cards_out") not in bot.last(VOLUNTEER.id)


async def test_permission_refusals(bot):
    await setup(bot)
    await file(bot)
    await bot.send(BUILDING_3, NEIGHBOUR, "#配药 布洛芬 1盒")  # not registered
    assert bot.last(BUILDING_3) == t("zh", "refused.resident")
    await bot.send(BUILDING_3, NEIGHBOUR, "#配药 3-601 布洛芬 1盒")  # someone for another household
    assert bot.last(BUILDING_3) == t("zh", "refused.own_home")
    apply = "这需要志愿者身份：在楼组群发 #报到 姓名 技能 登记，楼组长确认后即可。"
    await bot.send(BUILDING_3, RESIDENT, "#认领 1")
    assert bot.last(BUILDING_3) == apply
    await bot.send(BUILDING_3, NEIGHBOUR, "#取消 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.requester")
    listing = confirm_button(bot)
    await bot.press(RESIDENT.id, listing["message_id"], NEIGHBOUR, "med:confirm:1")  # a forged press
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == t("zh", "refused.requester")
    assert await status(bot) == "pending"
    refusals = await bot.services.db.fetchall("SELECT action FROM audit_log WHERE outcome = 'refused'")
    assert [r["action"] for r in refusals] == ["med", "med.other", "med.claim", "med.cancel", "med.confirm"]


async def test_volunteers_and_leaders_file_for_other_households(bot):
    await setup(bot)
    await bot.send(BUILDING_3, VOLUNTEER, "#配药 3-601 布洛芬 1盒")
    assert (await bot.services.medicine.get(1)).household == "3-601"
    said = await bot.send(BUILDING_3, LEADER, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, LEADER, "【配药】3号楼702 硝苯地平控释片 1盒")
    assert (await bot.services.medicine.get(2)).household == "3-702"
    await bot.send(BUILDING_3, LEADER, "#配药 5-101 布洛芬 1盒")
    assert bot.last(BUILDING_3) == t("zh", "refused.volunteer")


async def test_edit_updates_the_list_instead_of_filing_twice(bot):
    await setup(bot)
    sent = await file(bot, "#配药 布洛芬 2盒")
    message_id = sent["message"]["message_id"]
    await bot.edit(BUILDING_3, message_id, "#配药 布洛芬 3盒，维生素C 1瓶")
    request = await bot.services.medicine.get(1)
    assert [(i.name, i.quantity) for i in request.items] == [("布洛芬", 3), ("维生素C", 1)]
    assert bot.last(BUILDING_3) == t("zh", "med.updated", id=1, count=2)
    count = await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests")
    assert count[0]["n"] == 1
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.edit(BUILDING_3, message_id, "#配药 布洛芬 9盒")
    assert bot.last(BUILDING_3) == t("zh", "med.err.edit_too_late", id=1)
    assert (await bot.services.medicine.get(1)).items[0].quantity == 3


async def test_a_redelivered_request_is_filed_once(bot):
    await setup(bot)
    payload = bot.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    await bot.feed(payload)
    await bot.feed(payload)
    assert (await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests"))[0]["n"] == 1


@pytest.mark.parametrize("text", ["#配药", "#配药 布洛芬 0盒", "/med"])
async def test_malformed_lists_store_nothing(bot, text):
    await setup(bot)
    await file(bot, text)
    assert bot.last(BUILDING_3) == t("zh", "parse.bad", usage=t("zh", "usage.med"))
    assert (await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests"))[0]["n"] == 0


async def test_illegal_transitions_get_a_clear_answer(bot):
    await setup(bot)
    await file(bot)
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.pending", id=1)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.not_claimed", id=1)
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, OTHER_VOLUNTEER, "#认领 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.already_claimed", id=1)
    await bot.send(BUILDING_3, OTHER_VOLUNTEER, "#已购 1 10元")
    assert bot.last(BUILDING_3) == t("zh", "refused.volunteer")
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1 10元")
    await bot.send(BUILDING_3, RESIDENT, "#取消 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.cancel_bought", id=1)
    await file(bot, "#配药 布洛芬 1盒")
    await bot.send(BUILDING_3, RESIDENT, "#取消 2")
    assert bot.last(BUILDING_3) == t("zh", "med.cancelled", id=2)
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 2")
    assert bot.last(BUILDING_3) == t("zh", "med.err.cancelled", id=2)
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 99")
    assert bot.last(BUILDING_3) == t("zh", "med.err.not_found", id=99)


async def test_forty_households_overflow_into_several_messages(tmp_path, clock):
    config = make_config(tmp_path, medicine={"auto_confirm": True})
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        drugs = "，".join(f"药品{j}号缓释片 {j}盒" for j in range(1, 9))
        for i in range(40):
            await bot.send(BUILDING_3, VOLUNTEER, f"#配药 3-{1001 + i} {drugs}")
        before = len(bot.api.sent(VOLUNTEER.id))
        await bot.send(BUILDING_3, VOLUNTEER, "#配药清单")
        parts = [m["text"] for m in bot.api.sent(VOLUNTEER.id)[before:]]
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    joined = "\n".join(parts)
    assert all(f"3-{1001 + i}" in joined for i in range(40))
    assert "药品8号缓释片 ×320盒" in joined  # 40 households × 8
    assert t("zh", "medlist.title", households=40, requests=40) in joined


async def test_the_phone_shared_with_start_phone_reaches_the_claiming_volunteer(bot):
    await setup(bot)
    await bot.feed(bot.api.contact_update(RESIDENT.id, RESIDENT, PHONE))
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    assert f"电话：{PHONE}" in bot.last(VOLUNTEER.id)
    assert not any(PHONE in text for text in group_texts(bot))


# ---------------------------------------------------------------------- confirming in the group
def alert(bot: Harness) -> dict:
    return bot.api.calls_of("answerCallbackQuery")[-1].params


async def test_the_requester_confirms_in_the_group_and_only_they_see_the_list(bot):
    """A resident who never opened a private chat confirms under the group's line; the list pops up
    for them alone and the group message never shows a drug."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await file(bot, "#配药 布洛芬 1盒，二甲双胍 3盒", user=NEIGHBOUR)
    line = bot.last_message(BUILDING_3)
    assert line["text"].startswith("配药单 #1 · 3-601 · 2 项\n")
    confirm, link = line["reply_markup"]["inline_keyboard"][0]
    assert confirm["callback_data"] == "med:confirm:1" and link["url"].endswith("start=med1")

    await bot.press(BUILDING_3, line["message_id"], RESIDENT, "med:confirm:1")  # not his household
    assert alert(bot)["text"] == t("zh", "refused.requester")
    assert await status(bot) == "pending"

    await bot.press(BUILDING_3, line["message_id"], NEIGHBOUR, "med:confirm:1")
    assert alert(bot)["show_alert"] is True
    assert "1. 布洛芬 ×1盒\n2. 二甲双胍 ×3盒" in alert(bot)["text"]
    assert await status(bot) == "open"
    edited = bot.last_message(BUILDING_3)
    assert edited["text"] == "配药单 #1 · 3-601 · 2 项\n" + t("zh", "med.status.open")
    assert edited["reply_markup"]["inline_keyboard"] == [[link]]  # the private chat is still offered
    assert not any("布洛芬" in text or "二甲双胍" in text for text in group_texts(bot))


async def test_the_buildings_leader_may_confirm_for_a_resident(bot):
    await setup(bot)
    said = await bot.send(BUILDING_3, LEADER, "hi")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await file(bot)
    line = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, line["message_id"], LEADER, "med:confirm:1")
    assert await status(bot) == "open" and "布洛芬缓释胶囊 ×2盒" in alert(bot)["text"]
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")  # the private ✅
    assert alert(bot)["text"] == t("zh", "med.err.already_confirmed", id=1)


async def test_a_long_list_fits_the_pop_up(bot):
    await setup(bot)
    await file(bot, "#配药 " + "，".join(f"药品{i}号缓释胶囊 {i}盒" for i in range(1, 16)))
    await bot.press(BUILDING_3, bot.last_message(BUILDING_3)["message_id"], RESIDENT, "med:confirm:1")
    text = alert(bot)["text"]
    assert len(text) <= 200 and "1. 药品1号缓释胶囊 ×1盒" in text and "…还有" in text
    assert await status(bot) == "open"


async def test_a_group_press_elsewhere_or_a_forged_cancel_changes_nothing_and_shows_no_list(bot):
    await setup(bot)
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await file(bot)
    line = bot.last_message(BUILDING_3)
    chatter = await bot.send(BUILDING_5, RESIDENT, "大家好")
    await bot.press(BUILDING_5, chatter["message"]["message_id"], RESIDENT, "med:confirm:1")
    assert "布洛芬" not in alert(bot)["text"]
    await bot.press(BUILDING_3, line["message_id"], RESIDENT, "med:cancel:1")
    assert "布洛芬" not in alert(bot)["text"]
    assert await status(bot) == "pending"
    assert bot.last_message(BUILDING_3) == line
    assert not any("布洛芬" in text for text in group_texts(bot))


# ---------------------------------------------------------------------- waiting for the ✅
async def test_unconfirmed_requests_are_listed_as_waiting_and_an_urgent_one_can_be_claimed(bot, clock):
    await setup(bot)
    await file(bot, "#配药 布洛芬 1盒")
    await file(bot, "#配药 急 胰岛素 2支")
    clock.advance(minutes=45)
    await bot.send(VOLUNTEER.id, VOLUNTEER, "#配药清单")
    listing = bot.last(VOLUNTEER.id)
    assert "🔴急 #2 3-502（待确认 · 已等 45 分钟）：胰岛素 ×2支" in listing
    assert "#1 3-502（待确认 · 已等 45 分钟）：布洛芬 ×1盒" in listing
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.pending", id=1)
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 2")
    assert bot.last(BUILDING_3) == t("zh", "med.claimed", id=2, household="3-502")
    assert await status(bot, 2) == "claimed"


async def test_the_leader_is_told_once_when_a_request_waits_too_long(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        said = await bot.send(BUILDING_3, LEADER, "hi")
        await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
        await bot.send(LEADER.id, LEADER, "/start")
        await file(bot, "#配药 急 胰岛素 2支")  # 09:00
        await file(bot, "#配药 布洛芬 1盒")
        clock.advance(minutes=9)
        await tick(bot)
        assert not any(text.startswith("⏰") for text in bot.texts(LEADER.id))
        clock.advance(minutes=1)
        await tick(bot)
        await tick(bot)
        told = [text for text in bot.texts(LEADER.id) if text.startswith("⏰")]
        assert told == [
            t("zh", "med.waiting.leader", urgent="🔴急 ", id=1, household="3-502", age="10 分钟")
            + "\n"
            + t("zh", "med.waiting.urgent", id=1)
        ]
        clock.advance(minutes=20)
        await tick(bot)
        assert [text for text in bot.texts(LEADER.id) if text.startswith("⏰")][1:] == [
            t("zh", "med.waiting.leader", urgent="", id=2, household="3-502", age="30 分钟")
        ]

    api2 = LocalBotApi(id_base=10_000)
    api2.started |= {LEADER.id}
    async with running(build_application(config, LocalRequest(api2), clock=clock)) as app2:
        clock.advance(minutes=5)
        await tick(Harness(app2, api2))
        assert not any(text.startswith("⏰") for text in api2.texts())  # told before the restart


async def test_without_a_reachable_leader_the_group_is_told_without_the_drugs(bot, clock):
    await setup(bot)
    await file(bot, "#配药 奥氮平 2盒")  # urgent: a psychiatric drug
    clock.advance(minutes=10)
    await tick(bot)
    told = bot.last(BUILDING_3)
    assert told.startswith("⏰ 🔴急 配药单 #1（3-502）") and "#认领 1" in told
    assert not any("奥氮平" in text for text in group_texts(bot))


# ---------------------------------------------------------------------- the cost, later
async def test_a_cost_left_out_is_added_later_and_exported(bot):
    await setup(bot)
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1")
    assert bot.last(BUILDING_3) == t("zh", "med.bought", id=1, cost="—")
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1 45块")
    assert bot.last(BUILDING_3) == t("zh", "med.cost_added", id=1, cost="45.00")
    assert bot.last(RESIDENT.id) == t("zh", "med.notify.cost", id=1, cost="45.00")
    await bot.send(BUILDING_3, VOLUNTEER, "#已购 1 共花了45.5元")
    assert (await bot.services.medicine.get(1)).cost_fen == 4550
    await bot.send(BUILDING_3, OTHER_VOLUNTEER, "#已购 1 1元")  # not the one who bought it
    assert bot.last(BUILDING_3) == t("zh", "refused.volunteer")
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    await bot.send(BUILDING_3, VOLUNTEER, "/bought 1 46.5 yuan")  # corrected after delivery
    assert (await bot.services.medicine.get(1)).cost_fen == 4650
    assert await status(bot) == "delivered"

    header, rows = (await bot.services.reports.export_tables(date(2026, 4, 1), date(2026, 4, 10)))["medicine_requests"]
    assert rows[0][header.index("cost_yuan")] == "46.50"


@pytest.mark.parametrize(
    ("text", "fen"), [("#已购 1 花了45.5元", 4550), ("#已购 1 共花了45块", 4500), ("/bought 1 spent 45.5 yuan", 4550)]
)
async def test_a_cost_as_volunteers_write_it(bot, text, fen):
    await setup(bot)
    await file(bot)
    await bot.press(RESIDENT.id, confirm_button(bot)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, VOLUNTEER, text)
    assert (await bot.services.medicine.get(1)).cost_fen == fen


# ---------------------------------------------------------------------- whose room
async def test_a_resident_may_write_their_own_room_but_not_a_neighbours(bot):
    await setup(bot)
    await file(bot, "#配药 3-502 二甲双胍 2盒")
    assert (await bot.services.medicine.get(1)).household == "3-502"
    await file(bot, "#配药 3-601 二甲双胍 2盒")
    assert bot.last(BUILDING_3) == t("zh", "refused.own_home")
    assert (await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests"))[0]["n"] == 1
