"""日报: the committee's daily report (with its chart) and each building group's own figures, sent
once per chat and day even across restarts; /digest now; /export spreadsheets."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram.constants import ChatType

from bot.domain.permissions import require_committee
from bot.language import commands as c
from bot.render.chart import activity_chart
from bot.render.exports import localized, to_xlsx
from bot.render.formatting import format_fen, split_message
from bot.services.reports import Digest, Figures
from bot.services.wecom import DailyReport
from bot.texts.i18n import join, t
from handlers.context import BotApp, BotContext, Incoming, job_queue
from handlers.router import router_of
from handlers.sending import TELEGRAM, telegram_payload, text_payloads

log = logging.getLogger(__name__)

DIGEST_JOB = "daily-digest"
LISTED = 30  # households per line of the report
# A report missed by up to a few hours (the machine was busy or asleep) is still sent by the job;
# one missed while the bot was down is sent by the catch-up at start-up.
DIGEST_GRACE_SECONDS = 6 * 3600


def _figure_lines(lang: str, f: Figures) -> list[str]:
    return [
        t(
            lang,
            "digest.medicine",
            new=f.med_new,
            open=f.med_open,
            urgent=f.med_urgent,
            delivered=f.med_delivered,
            cards=f.cards_out,
        ),
        t(
            lang,
            "digest.groupbuys",
            open=f.buys_open,
            closed=f.buys_closed,
            ordered=f.ordered,
            unpaid=format_fen(f.unpaid_fen),
        ),
    ]


def committee_report(lang: str, digest: Digest) -> list[str]:
    """Urgent and unsafe first, then totals, then each building."""
    lines = [t(lang, "digest.title", day=digest.day.isoformat())]
    unsafe = digest.total.unsafe
    if unsafe:
        lines.append(t(lang, "digest.unsafe", count=len(unsafe), households=join(lang, unsafe[:LISTED])))
        lines += ["  " + join(lang, unsafe[i : i + LISTED]) for i in range(LISTED, len(unsafe), LISTED)]
    if digest.urgent:
        listed = join(lang, (f"#{rid} {household}" for rid, household in digest.urgent[:30]))
        lines.append(t(lang, "digest.urgent", count=len(digest.urgent), requests=listed))
    lines.append(t(lang, "digest.all"))
    lines += _figure_lines(lang, digest.total)
    lines.append(
        t(lang, "digest.volunteers", on_duty=digest.on_duty, hours=digest.hours_today, short=digest.slots_short)
    )
    lines.append(t(lang, "digest.rumors", count=digest.rumors_today))
    for figures in digest.buildings:
        lines.append(t(lang, "digest.building", building=figures.building))
        lines += [f"  {line}" for line in _figure_lines(lang, figures)]
        if figures.unsafe:
            lines.append("  " + t(lang, "digest.unsafe_count", count=len(figures.unsafe)))
    if any(digest.everyone_buys):
        lines.append(t(lang, "digest.everyone_buys", open=digest.everyone_buys[0], closed=digest.everyone_buys[1]))
    return split_message(lines)


def building_report(lang: str, digest: Digest, building: int) -> str:
    """A building group's own figures: counts only, no households, no names."""
    figures = digest.building(building)
    lines = [t(lang, "digest.building_title", building=building, day=digest.day.isoformat())]
    if figures.unsafe:
        lines.append(t(lang, "digest.unsafe_count", count=len(figures.unsafe)))
    lines += _figure_lines(lang, figures)
    return "\n".join(lines)


async def _committee_payloads(app: BotApp, chat_id: int, digest: Digest, chart: bytes) -> list[dict]:
    lang = app.bot_data.services.chat_language(chat_id)
    texts = committee_report(lang, digest)
    await app.bot_data.services.wecom.mirror(DailyReport(digest.day, texts, chart))
    return [telegram_payload(text) for text in texts] + [telegram_payload(t(lang, "digest.chart_caption"), photo=chart)]


async def send_daily_reports(app: BotApp, day: date | None = None) -> int:
    """The report of ``day`` (today by default) to every chat of this bot's that has not had it; how
    many chats it was owed to. Each chat's report (its texts, then the chart) is owed in the outbox
    in one write with the chat's claim for the day, keyed by day and chat, before anything is sent:
    killed while sending, the rest goes out after the restart, once; a chart that timed out is
    retried alone, the texts are not posted again. A chat that several bots are in gets it once,
    from whichever claims it first (the reports cover the whole database, whichever bot sends)."""
    services = app.bot_data.services
    reports = services.reports
    digest = await reports.digest(day)
    targets: list[tuple[int, int | None]] = [(chat_id, None) for chat_id in await services.roster.committee_chat_ids()]
    targets += [(chat.chat_id, chat.building) for chat in await services.roster.building_chats()]
    chart = None
    owed = 0
    for chat_id, building in targets:
        if await reports.claimed(chat_id, digest.day):
            continue
        if building is None:
            if chart is None:
                chart = activity_chart(await reports.activity(until=digest.day), services.chat_language(chat_id))
            payloads = await _committee_payloads(app, chat_id, digest, chart)
        else:
            payloads = text_payloads(building_report(services.chat_language(chat_id), digest, building))
        key, claim = f"report:{digest.day.isoformat()}:{chat_id}", reports.claim(chat_id, digest.day)
        owed += await services.outbox.owe_all(TELEGRAM, chat_id, payloads, key, provided=claim)
    await services.outbox.drain(TELEGRAM)
    return owed


async def _digest_job(context: BotContext) -> None:
    """The report of the day whose digest time passed last (yesterday's, when the bot was down at
    its time and is back within the grace)."""
    app = context.application
    day = app.bot_data.services.reports.due_day(timedelta(seconds=DIGEST_GRACE_SECONDS))
    if day is not None:
        await send_daily_reports(app, day)


async def start_jobs(app: BotApp) -> None:
    """The daily job at ``schedule.digest_time`` in ``schedule.timezone``; and at start-up, the
    report that is due and was not sent (the bot was down at its time)."""
    config = app.bot_data.services.config
    job_queue(app).run_daily(
        _digest_job,
        time=config.schedule.digest_time.replace(tzinfo=config.schedule.tz),
        name=DIGEST_JOB,
        job_kwargs={"misfire_grace_time": DIGEST_GRACE_SECONDS},
    )
    if app.bot_data.services.reports.due_day(timedelta(seconds=DIGEST_GRACE_SECONDS)) is not None:
        job_queue(app).run_once(_digest_job, when=0, name=f"{DIGEST_JOB}-catch-up")


async def digest_now(incoming: Incoming, context: BotContext, command: c.Digest) -> None:
    """/digest: the report here and now (the scheduled one still goes out). In a building group
    it is that building's report, so no household is named there."""
    reports = context.services.reports
    require_committee(await context.actor(), "digest")
    digest = await reports.digest()
    binding = await context.services.roster.chat(incoming.chat.id)
    if binding is not None and binding.building is not None:
        await incoming.message.reply_text(building_report(context.lang, digest, binding.building))
        return
    for text in committee_report(context.lang, digest):
        await incoming.message.reply_text(text)
    chart = activity_chart(await reports.activity(), context.lang)
    await context.bot.send_photo(
        incoming.chat.id, chart, caption=context.t("digest.chart_caption"), filename="report.png"
    )


async def export(incoming: Incoming, context: BotContext, command: c.Export) -> None:
    """/export [FROM TO]: committee, private chat only: an XLSX with a sheet per kind."""
    require_committee(await context.actor(), "export")
    if incoming.chat.type != ChatType.PRIVATE:
        await incoming.message.reply_text(context.t("export.private_only"))
        return
    today = context.services.clock.now().astimezone(context.services.config.schedule.tz).date()
    start: date = command.start or today - timedelta(days=29)
    end: date = command.end or today
    tables = localized(
        await context.services.reports.export_tables(start, end), context.lang, context.services.config.schedule.tz
    )
    counts = join(context.lang, (f"{sheet} {len(rows)}" for sheet, (_, rows) in tables.items()))
    await context.bot.send_document(
        incoming.chat.id,
        to_xlsx(tables),
        filename=f"building-bot-{start}-{end}.xlsx",
        caption=context.t("export.caption", start=start, end=end, counts=counts),
    )


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.Digest, digest_now)
    router.add(c.Export, export)
