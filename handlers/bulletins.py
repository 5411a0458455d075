"""通知 and 辟谣: committee notices (now or every day at a time) and rumor rebuttals, posted to every
building group, whichever bot is in it (owed in the outbox to a bot in the group); a message that
mentions a rumor's keywords gets the rebuttal, at most hourly."""

from __future__ import annotations

from datetime import time

from bot.domain.models import Notice, Rumor
from bot.language import commands as c
from bot.texts.i18n import join, t
from handlers.context import BotApp, BotContext, Incoming, job_data, job_queue
from handlers.router import router_of
from handlers.sending import TELEGRAM, building_chat_ids, owe_every_building_group, text_payloads


def rumor_text(lang: str, rumor: Rumor) -> str:
    text = t(lang, "rumor.post", title=rumor.title, content=rumor.content)
    if rumor.source:
        text += "\n" + t(lang, "rumor.source", source=rumor.source)
    return text


def notice_job_name(notice_id: int) -> str:
    return f"notice-{notice_id}"


def schedule_notice(app: BotApp, notice: Notice) -> None:
    hour, minute = (int(part) for part in (notice.daily_at or "00:00").split(":"))
    tz = app.bot_data.services.config.schedule.tz
    job_queue(app).run_daily(
        _notice_job,
        time=time(hour, minute, tzinfo=tz),
        data=notice.id,
        name=notice_job_name(notice.id),
        job_kwargs={"misfire_grace_time": 3600},  # a notice up to an hour late is still worth sending
    )


async def _notice_job(context: BotContext) -> None:
    """A daily notice's post, owed in the outbox to each building group of this bot's that has not
    had it today, in one write with the group's claim for the day: every bot posts it to its own
    groups, a group two bots are in gets it once, and so does a bot's group whose two workers run
    the job."""
    app = context.application
    services = app.bot_data.services
    notice = await services.bulletins.repeating(job_data(context, int))
    if notice is None:
        return
    day = services.bulletins.today()
    for chat_id in await building_chat_ids(app):
        payloads = text_payloads(t(services.chat_language(chat_id), "notice.post", text=notice.text))
        claim = services.bulletins.claim_day(notice.id, chat_id, day)
        await services.outbox.owe_all(
            TELEGRAM, chat_id, payloads, f"notice:{notice.id}:{day}:{chat_id}", provided=claim
        )
    await services.wecom.mirror(notice)  # once a day for the district, whichever bot mirrors it
    await services.outbox.drain(TELEGRAM)


NOTICES_SYNC_SECONDS = 60


async def restore_jobs(app: BotApp) -> None:
    """Every daily notice gets its job here, at start and then every minute: one issued through
    another process (another worker, another bot) is posted by this one too, to its own groups."""
    await _schedule_missing(app)
    job_queue(app).run_repeating(_sync_job, interval=NOTICES_SYNC_SECONDS, name="notices-sync")


async def _sync_job(context: BotContext) -> None:
    await _schedule_missing(context.application)


async def _schedule_missing(app: BotApp) -> None:
    for notice in await app.bot_data.services.bulletins.recurring():
        if not job_queue(app).get_jobs_by_name(notice_job_name(notice.id)):
            schedule_notice(app, notice)


async def notice(incoming: Incoming, context: BotContext, command: c.Notice) -> None:
    issued = await context.services.bulletins.add_notice(await context.actor(), command)
    if issued.daily_at:
        schedule_notice(context.application, issued)
        await incoming.message.reply_text(context.t("notice.scheduled", id=issued.id, time=issued.daily_at))
        return
    key = f"notice:{issued.id}"
    count = await owe_every_building_group(
        context.application, key, lambda lang: t(lang, "notice.post", text=issued.text)
    )
    await context.services.wecom.mirror(issued)
    await incoming.message.reply_text(context.t("notice.sent", count=count))


async def notices(incoming: Incoming, context: BotContext, command: c.Notices) -> None:
    recurring = await context.services.bulletins.recurring(await context.actor())
    if not recurring:
        await incoming.message.reply_text(context.t("notice.none"))
        return
    lines = [context.t("notice.list_title")]
    lines += [context.t("notice.list_line", id=n.id, time=n.daily_at, text=n.text[:60]) for n in recurring]
    await incoming.message.reply_text("\n".join(lines))


async def notice_off(incoming: Incoming, context: BotContext, command: c.NoticeOff) -> None:
    await context.services.bulletins.stop_notice(await context.actor(), command.notice_id)
    for job in job_queue(context.application).get_jobs_by_name(notice_job_name(command.notice_id)):
        job.schedule_removal()
    await incoming.message.reply_text(context.t("notice.stopped", id=command.notice_id))


async def rumor(incoming: Incoming, context: BotContext, command: c.Rumor) -> None:
    issued, superseded = await context.services.bulletins.add_rumor(await context.actor(), command)
    key = f"rumor:{issued.id}"
    count = await owe_every_building_group(context.application, key, lambda lang: rumor_text(lang, issued), pin=True)
    await context.services.wecom.mirror(issued)
    text = context.t("rumor.sent", id=issued.id, count=count)
    if superseded:
        text += "\n" + context.t("rumor.superseded", ids=join(context.lang, (f"#{i}" for i in superseded)))
    await incoming.message.reply_text(text)


async def rumors(incoming: Incoming, context: BotContext, command: c.Rumors) -> None:
    active = await context.services.bulletins.active_rumors()
    if not active:
        await incoming.message.reply_text(context.t("rumor.none"))
        return
    tz = context.services.config.schedule.tz
    lines = [context.t("rumor.list_title")]
    lines += [
        context.t(
            "rumor.list_line",
            id=r.id,
            title=r.title,
            keywords=join(context.lang, r.keywords),
            time=r.issued_at.astimezone(tz).strftime("%m-%d %H:%M"),
        )
        for r in active
    ]
    await incoming.message.reply_text("\n".join(lines))


async def rumor_off(incoming: Incoming, context: BotContext, command: c.RumorOff) -> None:
    await context.services.bulletins.retire_rumor(await context.actor(), command.rumor_id)
    await incoming.message.reply_text(context.t("rumor.retired", id=command.rumor_id))


async def answer_rumors(incoming: Incoming, context: BotContext) -> None:
    """Chatter in a building group that mentions a rumor's keywords gets its rebuttal."""
    chat = incoming.chat
    bulletins = context.services.bulletins
    if chat.type == "private":
        return
    message = incoming.message
    matching = await bulletins.mentioned(message.text or message.caption or "")
    if not matching:
        return  # most messages: no database work at all
    binding = await context.services.roster.chat(chat.id)
    if binding is None or binding.kind != "building":
        return
    for found in await bulletins.rumors_to_answer(chat.id, matching):
        await incoming.message.reply_text(rumor_text(context.lang, found))


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.Notice, notice)
    router.add(c.Notices, notices)
    router.add(c.NoticeOff, notice_off)
    router.add(c.Rumor, rumor)
    router.add(c.Rumors, rumors)
    router.add(c.RumorOff, rumor_off)
    router.on_chatter(answer_rumors)
