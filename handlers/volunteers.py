"""志愿者: applications and their approval (✅ or a reply #通过), check-in/out, who is on duty, hours,
shift slots (排班) and their reminders."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatType

from bot.domain.models import Slot, VolunteerApplication
from bot.language import commands as c
from bot.language.callbacks import ApproveVolunteer, SlotTake
from bot.language.volunteering import SKILL_KEYS
from bot.services import Services
from bot.services.errors import UserError
from bot.texts.i18n import join, t
from handlers import menus
from handlers.context import BotApp, BotContext, Incoming, Press, job_queue
from handlers.roster import approve_by_reply, replied_request
from handlers.router import on_press, router_of
from handlers.sending import Reply, answer_or_fold, send_private

TICK_SECONDS = 60


def _hhmm(services: Services, moment: datetime) -> str:
    return moment.astimezone(services.config.schedule.tz).strftime("%H:%M")


def _when(services: Services, moment: datetime) -> str:
    return moment.astimezone(services.config.schedule.tz).strftime("%m-%d %H:%M")


def skill_name(lang: str, skill: str) -> str:
    """A skill or shift task stored by its Chinese name (``核酸``), in ``lang`` ("PCR testing"); a task
    in the volunteer's own words stays as written."""
    key = SKILL_KEYS.get(skill)
    return t(lang, f"skill.{key}") if key else skill


def _skills(lang: str, skills: list[str]) -> str:
    return t(lang, "vol.skills", skills=join(lang, (skill_name(lang, s) for s in skills))) if skills else ""


def _task(lang: str, task: str | None) -> str:
    """A shift's task in ``lang``: a skill's name, the volunteer's own words, or "duty"."""
    return skill_name(lang, task) if task else t(lang, "vol.task_default")


async def register_volunteer(incoming: Incoming, context: BotContext, command: c.VolunteerRegister) -> None:
    """An application, answered with a ✅ button for the leader or the committee (in a group)."""
    message = incoming.message
    volunteers = context.services.volunteers
    applied = await volunteers.apply(await context.actor(), message.chat_id, command, incoming.user.first_name)
    skills = _skills(context.lang, applied.skills)
    if applied.approved_at is not None:
        await message.reply_text(context.t("vol.registered", skills=skills))
    elif incoming.chat.type == ChatType.PRIVATE:
        await message.reply_text(context.t("vol.apply_in_group", skills=skills))
    else:
        button = InlineKeyboardButton(context.t("vol.approve_button"), callback_data=ApproveVolunteer().encode())
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
    await send_private(context.bot, applied.user_id, t(context.lang_of(applied.user_id), "vol.approved_note"))
    await menus.follow_roles(context.application, applied.user_id)


async def approve(incoming: Incoming, context: BotContext, command: c.Approve) -> None:
    """A reply #通过 to a request to join a household, or to the bot's volunteer application message
    or any message of the applicant."""
    message = incoming.message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None:
        raise UserError("vol.err.approve_how")
    request = replied_request(context, replied, replied.from_user)
    if await approve_by_reply(incoming, context, request):  # a request to join a household
        return
    actor = await context.actor()
    applied = await context.services.volunteers.approve(actor, message.chat_id, **request)
    await message.reply_text(_approved_text(context, applied))
    await _tell_applicant(context, applied)


async def approve_button(press: Press[ApproveVolunteer], context: BotContext) -> None:
    """✅ under an application: only that message approves, and only for its building's leader or the committee."""
    applied = await context.services.volunteers.approve(
        await context.actor(), press.message.chat_id, message=press.message.message_id
    )
    text = _approved_text(context, applied)
    await press.query.answer(text)
    await press.query.edit_message_text(text)
    await _tell_applicant(context, applied)


async def check_in(incoming: Incoming, context: BotContext, command: c.CheckIn) -> None:
    message = incoming.message
    shift = await context.services.volunteers.check_in(
        await context.actor(), message.chat_id, message.message_id, command
    )
    if shift is None:
        return
    await answer_or_fold(
        incoming,
        context,
        context.t(
            "vol.checked_in",
            task=_task(context.lang, shift.task),
            place=f" @{shift.place}" if shift.place else "",
            time=_hhmm(context.services, shift.started_at),
        ),
        Reply.RECORDED,
    )


async def check_out(incoming: Incoming, context: BotContext, command: c.CheckOut) -> None:
    hours, capped = await context.services.volunteers.check_out(await context.actor())
    text = context.t("vol.checked_out", hours=hours)
    if capped:
        text += context.t("vol.capped", max=f"{context.services.config.volunteers.max_shift_hours:g}")
    await answer_or_fold(incoming, context, text, Reply.RECORDED)


async def on_duty(incoming: Incoming, context: BotContext, command: c.OnDuty) -> None:
    shifts = await context.services.volunteers.on_duty()
    if not shifts:
        await incoming.message.reply_text(context.t("vol.onduty_none"))
        return
    lines = [context.t("vol.onduty_title", count=len(shifts))]
    for shift in shifts:
        lines.append(
            context.t(
                "vol.onduty_line",
                task=_task(context.lang, shift.task),
                place=f" @{shift.place}" if shift.place else "",
                name=shift.display_name or shift.user_id,
                time=_hhmm(context.services, shift.started_at),
            )
        )
    await incoming.message.reply_text("\n".join(lines))


async def hours(incoming: Incoming, context: BotContext, command: c.WorkHours) -> None:
    rows = await context.services.volunteers.hours()
    if not rows:
        await incoming.message.reply_text(context.t("vol.hours_none"))
        return
    lines = [context.t("vol.hours_title")]
    lines += [context.t("vol.hours_line", name=row.name, today=row.today, week=row.week) for row in rows]
    await incoming.message.reply_text("\n".join(lines))


async def roster(incoming: Incoming, context: BotContext, command: c.VolunteerRoster) -> None:
    grouped, waiting = await context.services.volunteers.by_skill(await context.actor())
    lines = [context.t("vol.roster_title")]
    lines += [
        context.t(
            "vol.roster_line", skill=skill_name(context.lang, skill), count=len(names), names=join(context.lang, names)
        )
        for skill, names in sorted(grouped.items(), key=lambda entry: -len(entry[1]))
    ]
    if waiting:
        lines.append(context.t("vol.roster_waiting", count=len(waiting), names=join(context.lang, waiting)))
    await incoming.message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------- slots
def _slot_text(lang: str, services: Services, slot: Slot) -> str:
    return t(
        lang,
        "vol.slot",
        id=slot.id,
        task=_task(lang, slot.task),
        start=_when(services, slot.starts_at),
        end=_hhmm(services, slot.ends_at),
        headcount=slot.headcount,
        taken=len(slot.takers),
    )


def _slot_markup(lang: str, slot: Slot) -> InlineKeyboardMarkup | None:
    if len(slot.takers) >= slot.headcount:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "vol.slot_button"), callback_data=SlotTake(slot.id).encode())]]
    )


async def open_slot(incoming: Incoming, context: BotContext, command: c.ShiftOpen) -> None:
    message = incoming.message
    slot = await context.services.volunteers.open_slot(
        await context.actor(), message.chat_id, message.message_id, command
    )
    if slot is None:
        return
    await message.reply_text(
        _slot_text(context.lang, context.services, slot), reply_markup=_slot_markup(context.lang, slot)
    )


async def take_slot(incoming: Incoming, context: BotContext, command: c.ShiftTake) -> None:
    slot = await context.services.volunteers.take_slot(await context.actor(), command.slot_id)
    await incoming.message.reply_text(
        context.t("vol.slot_taken", id=slot.id, taken=len(slot.takers), headcount=slot.headcount)
    )


async def slot_button(press: Press[SlotTake], context: BotContext) -> None:
    query = press.query
    slot = await context.services.volunteers.take_slot(await context.actor(), press.data.slot_id)
    await query.answer(context.t("vol.slot_taken", id=slot.id, taken=len(slot.takers), headcount=slot.headcount))
    await query.edit_message_text(
        _slot_text(context.lang, context.services, slot), reply_markup=_slot_markup(context.lang, slot)
    )


async def vacancies(incoming: Incoming, context: BotContext, command: c.Vacancies) -> None:
    slots = await context.services.volunteers.vacancies()
    if not slots:
        await incoming.message.reply_text(context.t("vol.vacancies_none"))
        return
    services = context.services
    lines = [context.t("vol.vacancies_title")]
    lines += [
        context.t(
            "vol.vacancy_line",
            id=slot.id,
            task=_task(context.lang, slot.task),
            start=_when(services, slot.starts_at),
            end=_hhmm(services, slot.ends_at),
            short=slot.headcount - len(slot.takers),
        )
        for slot in slots
    ]
    await incoming.message.reply_text("\n".join(lines))


# ---------------------------------------------------------------------- the minute tick
async def tick(context: BotContext) -> None:
    """Close forgotten shifts at the maximum length; remind the volunteers of slots starting soon.
    State lives in SQLite, so a restart neither repeats nor loses a reminder."""
    app = context.application
    services = app.bot_data.services
    result = await services.volunteers.tick(services.roster.bot_id)
    max_hours = f"{services.config.volunteers.max_shift_hours:g}"
    for shift in result.closed:
        lang = services.chat_language(shift.user_id)
        await send_private(
            app.bot, shift.user_id, t(lang, "vol.auto_closed", time=_hhmm(services, shift.started_at), max=max_hours)
        )
    for slot in result.reminders:
        lang = services.chat_language(slot.chat_id)
        text = t(
            lang, "vol.slot_reminder", id=slot.id, task=_task(lang, slot.task), start=_hhmm(services, slot.starts_at)
        )
        reached = [await send_private(app.bot, user_id, text) for user_id in slot.takers]
        if not all(reached):
            await app.bot.send_message(slot.chat_id, text)


def start_jobs(app: BotApp) -> None:
    job_queue(app).run_repeating(
        tick,
        interval=TICK_SECONDS,
        first=1,
        name="volunteers-tick",
        job_kwargs={"misfire_grace_time": 30, "coalesce": True},
    )


def register(app: BotApp) -> None:
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
    on_press(app, SlotTake, slot_button)
    on_press(app, ApproveVolunteer, approve_button)
