"""Refusals that guide: each says what to do, and whom to ask, not only who may."""

import pytest

from bot.domain.permissions import Who
from bot.texts.i18n import t
from tests.harness import BUILDING_3, COMMITTEE, ENGLISH_RESIDENT, RESIDENT


async def test_a_resident_refused_a_claim_is_told_how_to_become_a_volunteer(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, "#配药 急 胰岛素 2支")
    await bot.send(BUILDING_3, RESIDENT, "#认领 1")
    assert bot.last(BUILDING_3) == "这需要志愿者身份：在楼组群发 #报到 姓名 技能 登记，楼组长确认后即可。"


async def test_someone_with_no_room_yet_is_told_how_to_register(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    assert "#登记 3号楼502" in bot.last(BUILDING_3)
    await bot.send(BUILDING_3, ENGLISH_RESIDENT, "/order 1 2")
    assert "/register 3-502" in bot.last(BUILDING_3)


async def test_a_leaders_action_refused_says_whom_to_ask(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, RESIDENT, "#开团 蔬菜包 68元/份 截止20:00")
    assert bot.last(BUILDING_3).endswith("请找本楼楼组长（不知道是谁，可在楼组群里问）。")


@pytest.mark.parametrize("who", list(Who))
def test_every_refusal_says_what_to_do_or_whom_to_ask(who):
    assert any(word in t("zh", f"refused.{who}") for word in ("请", "找", "发 #"))
    assert any(word in t("en", f"refused.{who}") for word in ("Ask", "ask", "send"))
