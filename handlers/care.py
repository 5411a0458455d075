"""特殊关爱: the care roster, pairing volunteers, 报平安, and escalating households not reported safe
(volunteer → the building's leader → the committee)."""

from __future__ import annotations

from bot.language import commands as c
from bot.texts.i18n import t
from handlers import groupbuys, medicine
from handlers.context import BotApp, BotContext, Incoming, job_queue
from handlers.router import router_of
from handlers.sending import Reply, answer_or_fold, send_private

TICK_SECONDS = 60


async def add(incoming: Incoming, context: BotContext, command: c.CareAdd) -> None:
    member = await context.services.care.add(await context.actor(), command.room, command.needs)
    await incoming.message.reply_text(context.t("care.added", household=member.household))


async def pair(incoming: Incoming, context: BotContext, command: c.CarePair) -> None:
    """Reply to a volunteer's message with #结对 3-502: that volunteer is paired (a reply is required)."""
    replied = incoming.message.reply_to_message
    person = replied.from_user if replied and replied.from_user and not replied.from_user.is_bot else None
    volunteer = await context.services.roster.actor(person.id) if person else None
    member = await context.services.care.pair(await context.actor(), command.room, volunteer)
    if person is None:  # not reached: pair() refuses without a reply
        return
    await incoming.message.reply_text(context.t("care.paired", household=member.household, name=person.first_name))
    note = t(context.lang_of(person.id), "care.pair_note", household=member.household, needs=member.needs or "—")
    await send_private(context.bot, person.id, note)  # if unreachable, escalation goes via the leader


async def safe(incoming: Incoming, context: BotContext, command: c.CareSafe) -> None:
    member, fresh = await context.services.care.safe(await context.actor(), command.room)
    key = "care.safe" if fresh else "care.already_safe"
    await answer_or_fold(incoming, context, context.t(key, household=member.household), Reply.RECORDED)


async def tick(context: BotContext) -> None:
    """Send the escalations that are due (each once per household, day and level, even across restarts);
    the same minute tells leaders of medicine requests left unconfirmed too long, and sends the
    nudges (medicine and group buys) that are due."""
    app = context.application
    await medicine.tell_waiting(app)
    await medicine.nudge(app)
    await groupbuys.remind(app)
    services = app.bot_data.services
    for level, member in await services.care.due_escalations(services.roster.bot_id):
        if level == 1:
            if member.volunteer_id:
                lang = services.chat_language(member.volunteer_id)
                text = t(lang, "care.escalate.1", household=member.household, needs=member.needs or "—")
                await send_private(app.bot, member.volunteer_id, text)
        elif level == 2:
            leaders = await services.roster.leaders_of(member.building)
            reached = False
            for leader in leaders:
                lang = services.chat_language(leader)
                reached |= await send_private(app.bot, leader, t(lang, "care.escalate.2", household=member.household))
            if not reached:
                for chat in await services.roster.building_chats(member.building):
                    lang = services.chat_language(chat.chat_id)
                    await app.bot.send_message(chat.chat_id, t(lang, "care.escalate.2", household=member.household))
        else:
            for chat_id in await services.roster.committee_chat_ids():
                lang = services.chat_language(chat_id)
                await app.bot.send_message(chat_id, t(lang, "care.escalate.3", household=member.household))
            await services.wecom.mirror(member)


def start_jobs(app: BotApp) -> None:
    job_queue(app).run_repeating(
        tick, interval=TICK_SECONDS, first=1, name="care-tick", job_kwargs={"misfire_grace_time": 30, "coalesce": True}
    )


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.CareAdd, add)
    router.add(c.CarePair, pair)
    router.add(c.CareSafe, safe)
