"""Statuses and the one table of changes per entity: a wrong change is a friendly refusal in the
chat's language and changes nothing; every change a service makes is one the table allows."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.domain.rooms import Room
from bot.domain.statuses import BUY, INTERNAL, MED, OUTBOX, BuyStatus, Lifecycle, MedStatus, OutboxState
from bot.language import commands as c
from bot.language.quantities import Item
from bot.services.errors import UserError
from bot.services.outbox import TryLater, Undeliverable
from bot.texts.i18n import t
from handlers.groupbuys import close_job_name
from storage import outbox as outbox_table
from tests.conftest import SHANGHAI
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT, Harness, LocalUser

VOLUNTEER = LocalUser(3001, "志愿者小李")
OTHER_VOLUNTEER = LocalUser(3002, "志愿者小王")
LEADER = LocalUser(2001, "楼长老陈")


# ---------------------------------------------------------------------- the tables against the services
Command = Callable[[Harness, Any, int], Awaitable[object]]

# Each command that changes a request's state, by the state it asks for (as the committee, who may
# do everything, so that only the state decides).
MED_COMMANDS: dict[MedStatus, Command] = {
    MedStatus.OPEN: lambda bot, actor, i: bot.services.medicine.confirm(actor, i),
    MedStatus.CLAIMED: lambda bot, actor, i: bot.services.medicine.claim(actor, i, "王主任"),
    MedStatus.BOUGHT: lambda bot, actor, i: bot.services.medicine.bought(actor, i, None),
    MedStatus.DELIVERED: lambda bot, actor, i: bot.services.medicine.delivered(actor, i),
    MedStatus.CANCELLED: lambda bot, actor, i: bot.services.medicine.cancel(actor, i),
}
BUY_COMMANDS: dict[BuyStatus, Command] = {
    BuyStatus.CLOSED: lambda bot, actor, i: bot.services.groupbuys.close(actor, i),
    BuyStatus.CALLED_OFF: lambda bot, actor, i: bot.services.groupbuys.call_off(actor, i),
}


async def explore(
    bot: Harness,
    lifecycle: Lifecycle[Any],
    start: Any,
    create: Callable[[Any, int], Awaitable[int]],
    state_of: Callable[[int], Awaitable[Any]],
    commands: dict[Any, Command],
) -> set[tuple[Any, Any]]:
    """Run every command from every state the commands reach (each on a record of its own, brought
    there by the commands that first reached it): a change must be one the table allows, a command
    the table does not allow must be refused with a text of its own in both languages and change
    nothing. The changes seen."""
    actor = await bot.services.roster.actor(COMMITTEE.id)
    paths: dict[Any, list[Any]] = {start: []}
    queue, seen, made = [start], set(), 0
    while queue:
        state = queue.pop(0)
        for asked, command in commands.items():
            made += 1
            record = await create(actor, made)
            for step in paths[state]:
                await commands[step](bot, actor, record)
            assert await state_of(record) == state
            refusal = None
            try:
                await command(bot, actor, record)
            except UserError as error:
                refusal = error.key
            after = await state_of(record)
            if after != state:
                assert lifecycle.allows(state, after), f"a service wrote {state} → {after}, not in the table"
                seen.add((state, after))
                if after not in paths:
                    paths[after] = [*paths[state], asked]
                    queue.append(after)
            else:
                assert not lifecycle.allows(state, asked), f"{state} → {asked} is allowed but nothing changed"
                assert refusal == lifecycle.refusal(state, asked) != INTERNAL
                for lang in ("zh", "en"):
                    assert t(lang, refusal, id=record)
    return seen


def moves(lifecycle: Lifecycle[Any]) -> set[tuple[Any, Any]]:
    return {(state, new) for state, news in lifecycle.moves.items() for new in news}


async def test_every_change_the_medicine_service_makes_is_in_the_table_and_every_move_is_made(bot):
    medicine = bot.services.medicine

    async def create(actor: Any, n: int) -> int:
        command = c.MedRequest(room=Room(building=3, room=502), items=[Item(name="胰岛素", quantity=1)], urgent=True)
        return (await medicine.file(actor, BUILDING_3, n, command)).request.id

    async def state_of(request_id: int) -> MedStatus:
        return (await medicine.get(request_id)).status

    seen = await explore(bot, MED, MedStatus.PENDING, create, state_of, MED_COMMANDS)
    assert seen == moves(MED)


async def test_every_change_the_groupbuy_service_makes_is_in_the_table_and_every_move_is_made(bot):
    groupbuys = bot.services.groupbuys

    async def create(actor: Any, n: int) -> int:
        buy = await groupbuys.open(actor, BUILDING_3, n, 3, c.GroupBuyOpen(title="蔬菜包", price_fen=6800))
        assert buy is not None
        return buy.id

    async def state_of(buy_id: int) -> BuyStatus:
        return (await groupbuys.get(buy_id)).status

    seen = await explore(bot, BUY, BuyStatus.OPEN, create, state_of, BUY_COMMANDS)
    assert seen == moves(BUY)


async def test_every_change_the_outbox_makes_is_in_the_table_and_a_sent_or_failed_item_stays(bot):
    outbox = bot.services.outbox

    async def sender(target: str, payload: dict[str, Any]) -> object:
        if payload["outcome"] == "never":
            raise Undeliverable("the bot was removed")
        if payload["outcome"] == "later":
            raise TryLater("timed out")
        return {}

    async def state_of(key: str) -> OutboxState:
        item = await bot.services.db.read(lambda conn: outbox_table.by_key(conn, key))
        return item.state

    outbox.register("test", sender)
    seen = set()
    for outcome in ("sent", "never", "later"):
        item = await outbox.owe("test", outcome, {"outcome": outcome}, outcome)
        for _ in range(2):  # a second drain finds nothing more to do
            before = await state_of(item.key)
            await outbox.drain("test")
            after = await state_of(item.key)
            if after != before:
                assert OUTBOX.allows(before, after), f"the outbox wrote {before} → {after}, not in the table"
                seen.add((before, after))
    assert seen == moves(OUTBOX)


# ---------------------------------------------------------------------- refusals, end to end
async def medicine_setup(bot: Harness) -> int:
    """Building 3 bound, the resident registered, two approved volunteers; the resident's request
    #1 filed in the group; the group's message with its ✅."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    for user in (VOLUNTEER, OTHER_VOLUNTEER):
        await bot.services.roster.grant(await bot.services.roster.actor(COMMITTEE.id), user.id, "volunteer")
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒")
    return bot.last_message(BUILDING_3)["message_id"]


async def request_state(bot: Harness) -> tuple[MedStatus, int | None]:
    request = await bot.services.medicine.get(1)
    return request.status, request.volunteer_id


async def test_confirming_a_cancelled_request_is_refused_and_it_stays_cancelled(bot):
    group_line = await medicine_setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#取消 1")
    await bot.press(BUILDING_3, group_line, RESIDENT, "med:confirm:1")
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == t("zh", "med.err.cancelled", id=1)
    assert await request_state(bot) == (MedStatus.CANCELLED, None)


async def test_claiming_a_delivered_request_says_it_was_delivered_and_changes_nothing(bot):
    group_line = await medicine_setup(bot)
    await bot.press(BUILDING_3, group_line, RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, VOLUNTEER, "#认领 1")
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    await bot.send(BUILDING_3, OTHER_VOLUNTEER, "#认领 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.already_delivered", id=1)
    assert await request_state(bot) == (MedStatus.DELIVERED, VOLUNTEER.id)


async def test_delivering_a_request_nobody_claimed_says_to_claim_it_first(bot):
    await medicine_setup(bot)
    await bot.send(BUILDING_3, VOLUNTEER, "#已送达 1")
    assert bot.last(BUILDING_3) == t("zh", "med.err.not_claimed", id=1)
    assert await request_state(bot) == (MedStatus.PENDING, None)


async def buy_setup(bot: Harness, announcement: str) -> None:
    """Building 3's group in English, its leader, the resident registered; the leader opens buy #1
    and the resident orders 2."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, COMMITTEE, "/lang en")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, LEADER, announcement)
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")


async def orders(bot: Harness) -> list[tuple[str, int, bool]]:
    tally = await bot.services.groupbuys.tally(1)
    return [(order.household, order.quantity, order.paid) for order in tally.orders]


async def test_a_closed_buy_is_not_closed_again_and_takes_no_orders(bot):
    await buy_setup(bot, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    assert (await bot.services.groupbuys.get(1)).status is BuyStatus.CLOSED
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    assert bot.last(BUILDING_3) == t("en", "gb.err.already_closed", id=1)
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    assert bot.last(BUILDING_3) == t("en", "gb.err.closed", id=1)
    assert (await bot.services.groupbuys.get(1)).status is BuyStatus.CLOSED
    assert await orders(bot) == [("3-502", 2, False)]


async def test_a_called_off_buy_takes_no_payment_is_not_closed_again_and_its_deadline_passes_quietly(bot, clock):
    await buy_setup(bot, "#开团 蔬菜包 68元/份 截止20:00 起订30")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    question = bot.last_message(BUILDING_3)
    buttons = {b["text"]: b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row}
    await bot.press(BUILDING_3, question["message_id"], LEADER, buttons[t("en", "ask.button.call_off")])
    assert (await bot.services.groupbuys.get(1)).status is BuyStatus.CALLED_OFF
    summary = bot.last(BUILDING_3)
    assert t("en", "gb.closed_mark") in summary and t("en", "gb.called_off_note") in summary

    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")
    assert bot.last(BUILDING_3) == t("en", "gb.err.paid_called_off", id=1)
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    assert bot.last(BUILDING_3) == t("en", "gb.err.called_off", id=1)
    sent = len(bot.texts(BUILDING_3))
    clock.set(datetime(2026, 4, 10, 20, 0, 1, tzinfo=SHANGHAI))
    for job in bot.app.job_queue.get_jobs_by_name(close_job_name(1)):
        await job.run(bot.app)
    assert len(bot.texts(BUILDING_3)) == sent  # no second summary
    assert (await bot.services.groupbuys.get(1)).status is BuyStatus.CALLED_OFF
    assert await orders(bot) == [("3-502", 2, False)]
