"""志愿者: applications and their approval (✅ or a reply #通过), check-in/out, who is on duty, hours,
shift slots (排班) and their reminders."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.models import Slot, VolunteerApplication
from bot.language import commands as c
from bot.services.errors import UserError
from bot.texts.i18n import t
from handlers import menus
from handlers.context import BotContext
from handlers.roster import approve_by_reply, replied_request
from handlers.router import guarded, router_of
from handlers.sending import answer_or_fold, send_private

TICK_SECONDS = 60


def _hhmm(services, moment) -> str:
    return moment.astimezone(services.config.schedule.tz).strftime("%H:%M")


def _when(services, moment) -> str:
    return moment.astimezone(services.config.schedule.tz).strftime("%m-%d %H:%M")


def _skills(skills: list[str]) -> str:
    return f"（{'、'.join(skills)}）" if skills else ""


async def register_volunteer(update: Update, context: BotContext, command: c.VolunteerRegister) -> None:
    """An application, answered with a ✅ button for the leader or the committee (in a group)."""
    message = update.effective_message
    volunteers = context.services.volunteers
    applied = await volunteers.apply(await context.actor(), message.chat_id, command, update.effective_user.first_name)
    skills = _skills(applied.skills)
    if applied.approved_at is not None:
        await message.reply_text(context.t("vol.registered", skills=skills))
    elif update.effective_chat.type == ChatType.PRIVATE:
        await message.reply_text(context.t("vol.apply_in_group", skills=skills))
    else:
        button = InlineKeyboardButton(context.t("vol.approve_button"), callback_data="vol:approve")
        posted = await message.reply_text(
            context.t("vol.applied", name=applied.display_name, skills=skills),
            reply_markup=InlineKeyboardMarkup([[button]]),
        )
        await volunteers.application_posted(applied.user_id, posted.chat_id, posted.message_id)


def _approved_text(context: BotContext, applied: VolunteerApplication) -> str:
    scope = (
        context.t("vol.scope.building", building=applied.building) if applied.building else context.t("vol.scope.all")
    )
    return context.t("vol.approved", name=applied.display_name or applied.user_id, scope=scope)


async def _tell_applicant(context: BotContext, applied: VolunteerApplication) -> None:
    """Tell the new volunteer privately, and give them the volunteers' "/" menu."""
    await send_private(context.bot, applied.user_id, context.t("vol.approved_note"))
    await menus.follow_roles(context.application, applied.user_id)


async def approve(update: Update, context: BotContext, command: c.Approve) -> None:
    """A reply #通过 to a request to join a household, or to the bot's volunteer application message
    or any message of the applicant."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None:
        raise UserError("vol.err.approve_how")
    if await approve_by_reply(update, context):  # a request to join a household
        return
    actor = await context.actor()
    applied = await context.services.volunteers.approve(actor, message.chat_id, **replied_request(update, context))
    await message.reply_text(_approved_text(context, applied))
    await _tell_applicant(context, applied)


async def approve_button(update: Update, context: BotContext) -> None:
    """✅ under an application: only that message approves, and only for its building's leader or the committee."""
    query = update.callback_query
    applied = await context.services.volunteers.approve(
        await context.actor(), query.message.chat_id, message=query.message.message_id
    )
    text = _approved_text(context, applied)
    await query.answer(text)
    await query.edit_message_text(text)
    await _tell_applicant(context, applied)


async def check_in(update: Update, context: BotContext, command: c.CheckIn) -> None:
    message = update.effective_message
    shift = await context.services.volunteers.check_in(
        await context.actor(), message.chat_id, message.message_id, command
    )
    if shift is None:
        return
    await answer_or_fold(
        update,
        context,
        context.t(
            "vol.checked_in",
            task=shift.task or context.t("vol.task_default"),
            place=f" @{shift.place}" if shift.place else "",
            time=_hhmm(context.services, shift.started_at),
        ),
        recorded=True,
    )


async def check_out(update: Update, context: BotContext, command: c.CheckOut) -> None:
    hours, capped = await context.services.volunteers.check_out(await context.actor())
    text = context.t("vol.checked_out", hours=hours)
    if capped:
        text += context.t("vol.capped", max=f"{context.services.config.volunteers.max_shift_hours:g}")
    await update.effective_message.reply_text(text)


async def on_duty(update: Update, context: BotContext, command: c.OnDuty) -> None:
    shifts = await context.services.volunteers.on_duty()
    if not shifts:
        await update.effective_message.reply_text(context.t("vol.onduty_none"))
        return
    lines = [context.t("vol.onduty_title", count=len(shifts))]
    for shift in shifts:
        lines.append(
            context.t(
                "vol.onduty_line",
                task=shift.task or context.t("vol.task_default"),
                place=f" @{shift.place}" if shift.place else "",
                name=shift.display_name or shift.user_id,
                time=_hhmm(context.services, shift.started_at),
            )
        )
    await update.effective_message.reply_text("\n".join(lines))


async def hours(update: Update, context: BotContext, command: c.WorkHours) -> None:
    rows = await context.services.volunteers.hours()
    if not rows:
        await update.effective_message.reply_text(context.t("vol.hours_none"))
        return
    lines = [context.t("vol.hours_title")]
    lines += [context.t("vol.hours_line", name=row.name, today=row.today, week=row.week) for row in rows]
    await update.effective_message.reply_text("\n".join(lines))


async def roster(update: Update, context: BotContext, command: c.VolunteerRoster) -> None:
    grouped, waiting = await context.services.volunteers.by_skill(await context.actor())
    lines = [context.t("vol.roster_title")]
    lines += [
        context.t("vol.roster_line", skill=skill, count=len(names), names="、".join(names))
        for skill, names in sorted(grouped.items(), key=lambda entry: -len(entry[1]))
    ]
    if waiting:
        lines.append(context.t("vol.roster_waiting", count=len(waiting), names="、".join(waiting)))
    await update.effective_message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------- slots
def _slot_text(lang: str, services, slot: Slot) -> str:
    return t(
        lang,
        "vol.slot",
        id=slot.id,
        task=slot.task,
        start=_when(services, slot.starts_at),
        end=_hhmm(services, slot.ends_at),
        headcount=slot.headcount,
        taken=len(slot.takers),
    )


def _slot_markup(lang: str, slot: Slot) -> InlineKeyboardMarkup | None:
    if len(slot.takers) >= slot.headcount:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "vol.slot_button"), callback_data=f"slot:take:{slot.id}")]]
    )


async def open_slot(update: Update, context: BotContext, command: c.ShiftOpen) -> None:
    message = update.effective_message
    slot = await context.services.volunteers.open_slot(
        await context.actor(), message.chat_id, message.message_id, command
    )
    if slot is None:
        return
    await message.reply_text(
        _slot_text(context.lang, context.services, slot), reply_markup=_slot_markup(context.lang, slot)
    )


async def take_slot(update: Update, context: BotContext, command: c.ShiftTake) -> None:
    slot = await context.services.volunteers.take_slot(await context.actor(), command.slot_id)
    await update.effective_message.reply_text(
        context.t("vol.slot_taken", id=slot.id, taken=len(slot.takers), headcount=slot.headcount)
    )


async def slot_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    slot_id = int(query.data.rsplit(":", 1)[1])
    slot = await context.services.volunteers.take_slot(await context.actor(), slot_id)
    await query.answer(context.t("vol.slot_taken", id=slot.id, taken=len(slot.takers), headcount=slot.headcount))
    await query.edit_message_text(
        _slot_text(context.lang, context.services, slot), reply_markup=_slot_markup(context.lang, slot)
    )


async def vacancies(update: Update, context: BotContext, command: c.Vacancies) -> None:
    slots = await context.services.volunteers.vacancies()
    if not slots:
        await update.effective_message.reply_text(context.t("vol.vacancies_none"))
        return
    services = context.services
    lines = [context.t("vol.vacancies_title")]
    lines += [
        context.t(
            "vol.vacancy_line",
            id=slot.id,
            task=slot.task,
            start=_when(services, slot.starts_at),
            end=_hhmm(services, slot.ends_at),
            short=slot.headcount - len(slot.takers),
        )
        for slot in slots
    ]
    await update.effective_message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------- the minute tick
async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close forgotten shifts at the maximum length; remind the volunteers of slots starting soon.
    State lives in SQLite, so a restart neither repeats nor loses a reminder."""
    app = context.application
    services = app.bot_data.services
    result = await services.volunteers.tick()
    max_hours = f"{services.config.volunteers.max_shift_hours:g}"
    for shift in result.closed:
        lang = services.chat_language(shift.user_id)
        await send_private(
            app.bot, shift.user_id, t(lang, "vol.auto_closed", time=_hhmm(services, shift.started_at), max=max_hours)
        )
    for slot in result.reminders:
        lang = services.chat_language(slot.chat_id)
        text = t(lang, "vol.slot_reminder", id=slot.id, task=slot.task, start=_hhmm(services, slot.starts_at))
        reached = [await send_private(app.bot, user_id, text) for user_id in slot.takers]
        if not all(reached):
            await app.bot.send_message(slot.chat_id, text)


def start_jobs(app: Application) -> None:
    app.job_queue.run_repeating(
        tick,
        interval=TICK_SECONDS,
        first=1,
        name="volunteers-tick",
        job_kwargs={"misfire_grace_time": 30, "coalesce": True},
    )


def register(app: Application) -> None:
    router = router_of(app)
    router.add(c.VolunteerRegister, register_volunteer)
    router.add(c.Approve, approve)
    router.add(c.CheckIn, check_in)
    router.add(c.CheckOut, check_out)
    router.add(c.OnDuty, on_duty)
    router.add(c.WorkHours, hours)
    router.add(c.VolunteerRoster, roster)
    router.add(c.ShiftOpen, open_slot)
    router.add(c.ShiftTake, take_slot)
    router.add(c.Vacancies, vacancies)
    app.add_handler(CallbackQueryHandler(guarded(slot_button), pattern=r"^slot:take:\d{1,12}$"))
    app.add_handler(CallbackQueryHandler(guarded(approve_button), pattern=r"^vol:approve$"))
