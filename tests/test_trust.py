"""Trust, adversarially: who becomes a volunteer, who sees a household's medical details, and
leaders acting only in their own building — through the real Application, as an attacker would."""

import re
import sqlite3
from pathlib import Path

import pytest

from bot.domain.models import Household
from bot.domain.permissions import RULES, Actor, Refused, Target, Who, allows, authorize
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from storage.migrate import migrations
from tests.conftest import make_config, sqlite_only
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, RESIDENT, Harness, LocalUser

LEADER_3 = LocalUser(2001, "楼长老陈")
LEADER_5 = LocalUser(2005, "五号楼长")
SELF_MADE = LocalUser(4001, "好人")  # a resident of 3-601 who declares himself a volunteer
FAR = LocalUser(4005, "小周")  # a resident of 5-101
CARD = "310101195001011234"
PHONE = "13912345678"
APPLY = "这需要志愿者身份：在楼组群发 #报到 姓名 技能 登记，楼组长确认后即可。"
HELPERS_ONLY = "只有服务本楼的志愿者、本楼楼组长或居委可以这样做。请找本楼楼组长安排。"


async def setup(bot: Harness) -> None:
    """Buildings 3 and 5 with their leaders; 3-502 files request #1 with its private details,
    5-101 files request #2; both confirmed."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    for chat, leader in ((BUILDING_3, LEADER_3), (BUILDING_5, LEADER_5)):
        said = await bot.send(chat, leader, "大家好，我是楼组长")
        await bot.send(chat, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    for user in (RESIDENT, SELF_MADE, FAR, LEADER_3, LEADER_5, COMMITTEE):
        await bot.send(user.id, user, "/start")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, SELF_MADE, "#登记 3号楼601 好人")
    await bot.send(BUILDING_5, FAR, "5栋101 #登记")
    await bot.send(BUILDING_3, RESIDENT, "#配药 二甲双胍 3盒，胰岛素 2支")
    await bot.press(RESIDENT.id, _button_message(bot, RESIDENT), RESIDENT, "med:confirm:1")
    await bot.send(RESIDENT.id, RESIDENT, f"医保卡 {CARD} 电话 {PHONE} 备注：糖尿病晚期")
    await bot.send(BUILDING_5, FAR, "#配药 布洛芬 1盒")
    await bot.press(FAR.id, _button_message(bot, FAR), FAR, "med:confirm:2")


def _button_message(bot: Harness, user: LocalUser) -> int:
    return next(m for m in reversed(bot.api.sent(user.id)) if m.get("reply_markup"))["message_id"]


def seen_by(bot: Harness, user: LocalUser) -> str:
    """Everything the bot sent to that person privately, and every answer to their button presses."""
    answers = [c.params.get("text", "") for c in bot.api.calls_of("answerCallbackQuery")]
    return "\n".join(bot.texts(user.id) + answers)


def button_answer(bot: Harness) -> str:
    return bot.api.calls_of("answerCallbackQuery")[-1].params["text"]


async def roles(bot: Harness, user: LocalUser) -> list[str]:
    rows = await bot.services.db.fetchall("SELECT role FROM roles WHERE user_id = ?", (user.id,))
    return [row["role"] for row in rows]


# ------------------------------------------------------------------------------ self-made volunteers
async def test_a_self_made_volunteer_gets_nothing_private_and_is_told_how_to_apply(bot):
    await setup(bot)
    await bot.send(BUILDING_3, SELF_MADE, "#报到 好人")
    application = bot.last_message(BUILDING_3)
    assert application["text"].startswith("🙋 好人 申请做志愿者。")
    assert await roles(bot, SELF_MADE) == []

    await bot.send(BUILDING_3, SELF_MADE, "#认领 1")
    assert bot.last(BUILDING_3) == APPLY
    await bot.send(SELF_MADE.id, SELF_MADE, "/start info1")
    assert bot.last(SELF_MADE.id) == APPLY
    await bot.send(SELF_MADE.id, SELF_MADE, "#配药清单")
    assert bot.last(SELF_MADE.id) == APPLY
    await bot.send(BUILDING_3, SELF_MADE, "#配药 3-502 胰岛素 5支 急")  # filing for another household
    assert bot.last(BUILDING_3) == t("zh", "refused.own_home")
    await bot.send(BUILDING_3, SELF_MADE, "#签到 配送 1号门")
    assert bot.last(BUILDING_3) == APPLY
    await bot.send(BUILDING_3, SELF_MADE, "#报到 好人 配送")  # applying again changes nothing
    application = bot.last_message(BUILDING_3)
    await bot.send(BUILDING_3, SELF_MADE, "#认领 1")
    assert bot.last(BUILDING_3) == APPLY

    # He cannot approve himself, nor can another building's leader.
    await bot.press(BUILDING_3, application["message_id"], SELF_MADE, "vol:approve")
    assert button_answer(bot) == t("zh", "refused.leader")
    await bot.press(BUILDING_3, application["message_id"], LEADER_5, "vol:approve")
    assert button_answer(bot) == t("zh", "refused.leader")

    private = seen_by(bot, SELF_MADE)
    assert CARD not in private and PHONE not in private and "糖尿病" not in private and "5-101" not in private
    assert (await bot.services.medicine.get(1)).status == "open"
    assert (await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests"))[0]["n"] == 2
    refused = await bot.services.db.fetchall(
        "SELECT action FROM audit_log WHERE outcome = 'refused' AND user_id IN (?, ?)", (SELF_MADE.id, LEADER_5.id)
    )
    assert [r["action"] for r in refused] == [
        "med.claim",
        "med.details",
        "med.list",
        "med.other",
        "checkin",
        "med.claim",
        "volunteer.approve",
        "volunteer.approve",
    ]


async def test_approved_by_the_leaders_button_the_volunteer_claims_and_reads_the_details(bot):
    await setup(bot)
    await bot.send(BUILDING_3, SELF_MADE, "#报到 好人 配送")
    application = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, application["message_id"], LEADER_3, "vol:approve")
    assert bot.last(BUILDING_3) == t("zh", "vol.approved", name="好人", scope="3号楼")  # the application, edited
    assert bot.last(SELF_MADE.id) == t("zh", "vol.approved_note")
    assert await roles(bot, SELF_MADE) == ["volunteer"]
    approvals = await bot.services.db.fetchall(
        "SELECT user_id, detail FROM audit_log WHERE action = 'volunteer.approve' AND outcome = 'ok'"
    )
    assert [tuple(r) for r in approvals] == [(LEADER_3.id, f"user {SELF_MADE.id} building 3")]

    await bot.press(BUILDING_3, application["message_id"], LEADER_3, "vol:approve")  # pressed twice: ✅ is gone
    assert button_answer(bot) == t("zh", "button.gone")

    await bot.send(BUILDING_3, SELF_MADE, "#认领 1")
    details = bot.last(SELF_MADE.id)
    assert CARD in details and PHONE in details and "糖尿病晚期" in details
    await bot.send(SELF_MADE.id, SELF_MADE, "#配药清单")
    listing = bot.last(SELF_MADE.id)
    assert "3-502" in listing and "5-101" not in listing and "布洛芬" not in listing  # building 5 is not his


async def test_a_reply_approves_the_bots_application_or_the_applicants_own_message(bot):
    await setup(bot)
    said = await bot.send(BUILDING_3, SELF_MADE, "我报名志愿者 #报到 好人 核酸 配送")
    await bot.send(BUILDING_3, LEADER_5, "#通过", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER_3, "#通过")  # no reply: which application?
    assert bot.last(BUILDING_3) == t("zh", "vol.err.approve_how")
    await bot.send(BUILDING_3, LEADER_3, "好的 #通过", reply_to=said["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "vol.approved", name="好人", scope="3号楼")

    await bot.send(BUILDING_5, FAR, "/volunteer 小周 delivery")
    application = bot.last_message(BUILDING_5)
    await bot.send(BUILDING_5, LEADER_5, "/approve", reply_to=application["message_id"])
    assert bot.last(BUILDING_5) == t("zh", "vol.approved", name="小周", scope="5号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#通过", reply_to=application["message_id"])
    assert bot.last(BUILDING_5) == t("zh", "vol.err.already_approved", name="小周")

    chatter = await bot.send(BUILDING_3, RESIDENT, "谢谢大家")
    await bot.send(BUILDING_3, LEADER_3, "#通过", reply_to=chatter["message"]["message_id"])
    assert bot.last(BUILDING_3) == t("zh", "vol.err.no_application")
    assert await roles(bot, RESIDENT) == []


async def test_an_applicant_without_a_household_belongs_to_the_group_they_applied_in(bot):
    await setup(bot)
    helper = LocalUser(4100, "热心人")
    await bot.send(BUILDING_5, helper, "#报到 热心人 跑腿")
    application = bot.last_message(BUILDING_5)
    await bot.press(BUILDING_5, application["message_id"], LEADER_3, "vol:approve")
    assert button_answer(bot) == t("zh", "refused.leader")
    await bot.press(BUILDING_5, application["message_id"], LEADER_5, "vol:approve")
    assert bot.last(BUILDING_5) == t("zh", "vol.approved", name="热心人", scope="5号楼")
    await bot.send(BUILDING_3, helper, "#认领 1")  # building 3 is not his
    assert bot.last(BUILDING_3) == HELPERS_ONLY
    await bot.send(BUILDING_5, helper, "#认领 2")
    assert (await bot.services.medicine.get(2)).volunteer_id == helper.id


async def test_an_old_button_or_a_forged_press_approves_nobody(bot):
    await setup(bot)
    await bot.send(BUILDING_3, SELF_MADE, "#报到 好人")
    first = bot.last_message(BUILDING_3)
    await bot.send(BUILDING_3, SELF_MADE, "#报到 好人 配送")  # a second application replaces the first
    await bot.press(BUILDING_3, first["message_id"], LEADER_3, "vol:approve")
    assert button_answer(bot) == t("zh", "vol.err.no_application")
    chatter = await bot.send(BUILDING_3, RESIDENT, "大家好")
    await bot.press(BUILDING_3, chatter["message"]["message_id"], LEADER_3, "vol:approve")
    assert await roles(bot, SELF_MADE) == []


# ------------------------------------------------------------------------------ leaders in their own building
async def test_a_leader_of_building_5_cannot_list_claim_or_see_building_3s_requests(bot):
    await setup(bot)
    await bot.send(LEADER_5.id, LEADER_5, "#配药清单")
    listing = bot.last(LEADER_5.id)
    assert "5-101" in listing and "3-502" not in listing and "二甲双胍" not in listing
    await bot.send(BUILDING_3, LEADER_5, "#认领 1")
    assert bot.last(BUILDING_3) == HELPERS_ONLY
    await bot.send(LEADER_5.id, LEADER_5, "/start info1")
    assert bot.last(LEADER_5.id) == HELPERS_ONLY
    await bot.send(BUILDING_3, LEADER_5, "#取消 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.requester")
    await bot.send(BUILDING_3, LEADER_5, "#配药 3-702 布洛芬 1盒")
    assert bot.last(BUILDING_3) == HELPERS_ONLY
    assert CARD not in seen_by(bot, LEADER_5) and "糖尿病" not in seen_by(bot, LEADER_5)
    assert (await bot.services.medicine.get(1)).status == "open"

    # Their own building's leader sees all of it.
    await bot.send(LEADER_3.id, LEADER_3, "/start info1")
    assert CARD in bot.last(LEADER_3.id) and "糖尿病晚期" in bot.last(LEADER_3.id)
    await bot.send(LEADER_3.id, LEADER_3, "#配药清单")
    assert "3-502" in bot.last(LEADER_3.id) and "5-101" not in bot.last(LEADER_3.id)
    await bot.send(COMMITTEE.id, COMMITTEE, "#配药清单")
    assert "3-502" in bot.last(COMMITTEE.id) and "5-101" in bot.last(COMMITTEE.id)


async def test_the_household_reads_its_own_details_and_a_neighbour_does_not(bot):
    await setup(bot)
    await bot.send(RESIDENT.id, RESIDENT, "/start info1")
    assert CARD in bot.last(RESIDENT.id)
    await bot.send(SELF_MADE.id, SELF_MADE, "/start info1")
    assert CARD not in bot.last(SELF_MADE.id)


# ------------------------------------------------------------------------------ the run ends, so does access
async def test_a_volunteer_whose_run_was_delivered_no_longer_sees_the_details(bot):
    await setup(bot)
    await bot.volunteer(BUILDING_3, SELF_MADE, LEADER_3, "#报到 好人 配送")
    await bot.send(BUILDING_3, SELF_MADE, "#认领 1")
    await bot.send(BUILDING_3, SELF_MADE, "#已购 1 86.5元")
    await bot.send(SELF_MADE.id, SELF_MADE, "/start info1")
    assert CARD in bot.last(SELF_MADE.id)  # bought, not delivered yet: still his run
    await bot.send(BUILDING_3, SELF_MADE, "#已送达 1")
    await bot.send(SELF_MADE.id, SELF_MADE, "/start info1")
    assert bot.last(SELF_MADE.id) == HELPERS_ONLY
    await bot.send(SELF_MADE.id, SELF_MADE, "#配药清单")
    assert "#1 " not in bot.last(SELF_MADE.id)


async def test_a_cancelled_run_closes_the_details_too(bot):
    await setup(bot)
    helper = LocalUser(4100, "热心人")
    await bot.send(helper.id, helper, "/start")
    await bot.volunteer(BUILDING_5, helper, LEADER_5, "#报到 热心人 跑腿")
    await bot.send(BUILDING_5, helper, "#认领 2")
    assert "5-101" in bot.last(helper.id)
    await bot.send(BUILDING_5, LEADER_5, "#取消 2")
    await bot.send(helper.id, helper, "/start info2")
    assert bot.last(helper.id) == HELPERS_ONLY


# ------------------------------------------------------------------------------ migration
@sqlite_only("the database from before migration 0009 is built with sqlite3")
async def test_volunteers_from_before_approvals_stay_volunteers(tmp_path: Path, clock):
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    for version, _, sql in migrations():
        if version < 9:
            conn.executescript(f"{sql}\n;PRAGMA user_version = {version};")
    conn.execute(
        "INSERT INTO volunteers(user_id, display_name, skills, registered_at) VALUES (3001, '小李', '配送', '2026-04-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO roles(user_id, role, building, granted_at) VALUES (3001, 'volunteer', 0, '2026-04-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    api = LocalBotApi()
    async with running(build_application(make_config(tmp_path), LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        old = LocalUser(3001, "志愿者小李")
        await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        await bot.send(BUILDING_3, old, "#签到 配送")
        assert bot.last(BUILDING_3).startswith("✅ 已签到：配送")
        await bot.send(BUILDING_3, old, "#报到 小李 配送 核酸")
        assert bot.last(BUILDING_3) == "已登记为志愿者（配送、核酸）。谢谢您！"


# ------------------------------------------------------------------------------ the table itself
HOME = Household(id=1, building=3, unit=None, room=502, special_care=False)
NEXT_DOOR = Household(id=2, building=3, unit=None, room=601, special_care=False)
ROLES = {
    "committee": Actor(1, committee=True),
    "leader here": Actor(2, leader_of=frozenset({3})),
    "leader elsewhere": Actor(3, leader_of=frozenset({5})),
    "volunteer here": Actor(4, volunteer_in=frozenset({3})),
    "volunteer elsewhere": Actor(5, volunteer_in=frozenset({5})),
    "volunteer everywhere": Actor(6, volunteer_in=frozenset({0})),
    "volunteer living here": Actor(7, household=NEXT_DOOR, volunteer_in=frozenset({5})),
    "claimer": Actor(8, volunteer_in=frozenset({5})),
    "household": Actor(9, household=HOME),
    "neighbour": Actor(10, household=NEXT_DOOR),
    "applicant": Actor(11),
}
HERE = Target(building=3, household_id=HOME.id, filed_by=9, claimer=8)  # 3-502's request, claimer 8's run
NOWHERE = Target()

_COMMITTEE = {"committee"}
_LEADER = {"committee", "leader here"}
_RESIDENTS = {"household", "neighbour", "volunteer living here"}
_REQUESTER = {"committee", "leader here", "household"}
_SERVING = {"committee", "leader here", "volunteer here", "volunteer everywhere", "volunteer living here"}
_HELPERS = {"committee", "leader here", "leader elsewhere", "volunteer here", "volunteer elsewhere",
            "volunteer everywhere", "volunteer living here", "claimer"}  # fmt: skip
_HOLDER = {"committee", "leader here", "claimer"}

# action → (what it concerns, who may)
EXPECTED: dict[str, tuple[Target, set[str]]] = {
    "bind": (NOWHERE, _COMMITTEE),
    "leader": (NOWHERE, _COMMITTEE),
    "role.clear": (NOWHERE, _COMMITTEE),
    "purge": (NOWHERE, _COMMITTEE),
    "register.other": (HERE, _LEADER),
    "household.approve": (HERE, {"committee", "leader here", "household"}),
    "lang.chat": (HERE, _LEADER),
    "med": (NOWHERE, _RESIDENTS),
    "med.other": (HERE, _SERVING),
    "med.edit": (HERE, {"household"}),
    "med.confirm": (HERE, _REQUESTER),
    "med.cancel": (HERE, _REQUESTER),
    "med.private": (HERE, _REQUESTER),
    "med.claim": (HERE, _SERVING),
    "med.bought": (HERE, _HOLDER),
    "med.cost": (HERE, _HOLDER),  # the claimer here: whoever bought it
    "med.delivered": (HERE, _HOLDER),
    "med.details": (HERE, _HOLDER | {"household"}),
    "med.list": (NOWHERE, _HELPERS),
    "med.slip": (HERE, _SERVING | {"claimer"}),
    "gb.open": (HERE, _LEADER),
    "gb.order": (NOWHERE, _RESIDENTS),
    "gb.relay": (NOWHERE, _RESIDENTS),
    "gb.order.other": (HERE, _LEADER),
    "gb.change": (HERE, _LEADER),
    "gb.reopen": (HERE, _LEADER),
    "gb.relaytext": (HERE, _LEADER),
    "volunteer.apply": (NOWHERE, set(ROLES)),
    "volunteer.approve": (HERE, _LEADER),
    "volunteer.roster": (NOWHERE, _COMMITTEE),
    "checkin": (NOWHERE, _HELPERS),
    "checkout": (NOWHERE, _HELPERS),
    "shift.open": (NOWHERE, {"committee", "leader here", "leader elsewhere"}),
    "shift.take": (NOWHERE, _HELPERS),
    "care.add": (HERE, _LEADER),
    "care.pair": (HERE, _LEADER),
    "care.paired": (HERE, {"volunteer here", "volunteer everywhere", "volunteer living here"}),
    "care.safe": (HERE, _HOLDER),  # the claimer here: the paired volunteer
    "notice": (NOWHERE, _COMMITTEE),
    "notices": (NOWHERE, _COMMITTEE),
    "notice_off": (NOWHERE, _COMMITTEE),
    "rumor": (NOWHERE, _COMMITTEE),
    "rumor_off": (NOWHERE, _COMMITTEE),
    "digest": (NOWHERE, _COMMITTEE),
    "export": (NOWHERE, _COMMITTEE),
}


def test_every_action_of_the_table_has_its_expected_row():
    assert set(RULES) == set(EXPECTED)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_role_is_allowed_or_refused_as_expected(action):
    target, expected = EXPECTED[action]
    allowed = {name for name, actor in ROLES.items() if allows(actor, action, target)}
    assert allowed == expected


def test_a_refusal_tells_someone_who_is_no_volunteer_how_to_become_one():
    with pytest.raises(Refused) as refusal:
        authorize(ROLES["applicant"], "med.claim", HERE)
    assert refusal.value.who is Who.APPLY
    with pytest.raises(Refused) as refusal:
        authorize(ROLES["volunteer elsewhere"], "med.claim", HERE)
    assert refusal.value.who is Who.VOLUNTEER


def test_a_resident_filing_for_a_neighbour_is_told_it_is_for_their_own_home_only():
    with pytest.raises(Refused) as refusal:
        authorize(ROLES["neighbour"], "med.other", HERE)
    assert refusal.value.who is Who.OWN_HOME
    with pytest.raises(Refused) as refusal:
        authorize(ROLES["leader elsewhere"], "med.other", HERE)
    assert refusal.value.who is Who.VOLUNTEER


_CHECKS = re.compile(
    r"(?:authorize|allows|require_committee|require_household)\(\s*[\w.]+,\s*\"([\w.]+)\""
    r"|require_leader\(\s*[\w.]+,\s*[\w.]+,\s*\"([\w.]+)\""
)


def test_every_action_the_code_checks_is_in_the_table():
    root = Path(__file__).parent.parent
    named = {
        a or b
        for folder in ("bot", "handlers")
        for source in (root / folder).rglob("*.py")
        for a, b in _CHECKS.findall(source.read_text(encoding="utf-8"))
    }
    assert named and named <= set(RULES), named - set(RULES)
