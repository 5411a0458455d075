"""配药: filing, confirming, the lifecycle commands and buttons, private details, the hospital run.

Groups only ever see "request #12 · 3-502 · 3 items"; the list itself, card numbers, phone numbers
and notes go to private chats.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, User
from telegram.constants import ChatType
from telegram.helpers import create_deep_linked_url

from bot.domain.models import MedPrivate, MedRequest
from bot.domain.statuses import MED_CLAIMABLE, MedStatus
from bot.language import commands as c
from bot.language.callbacks import MedAction
from bot.render.formatting import format_fen, item_text, split_message
from bot.services.errors import UserError
from bot.services.medicine import HospitalRun, waited_minutes
from bot.texts.i18n import join, t
from handlers.context import BotApp, BotContext, Incoming, Press
from handlers.router import on_press, router_of
from handlers.sending import TELEGRAM, Reply, answer_or_fold, group_is_busy, owe_text, send_private, send_private_photo

log = logging.getLogger(__name__)

ALERT_LIMIT = 200  # Telegram's limit for a button's pop-up (answerCallbackQuery)


def _link_button(context: BotContext, payload: str, key: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key), url=create_deep_linked_url(context.bot.username, payload))


def _link(context: BotContext, payload: str, key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_link_button(context, payload, key)]])


def _age(lang: str, minutes: int) -> str:
    """45 分钟, 2 小时 5 分钟."""
    if minutes < 60:
        return t(lang, "med.age.minutes", minutes=minutes)
    return t(lang, "med.age.hours", hours=minutes // 60, minutes=minutes % 60)


async def _notify(context: BotContext, request: MedRequest, key: str, **values: object) -> None:
    """Tell the requester (privately where possible) that their request changed."""
    acting = await context.actor()
    for user_id in await context.services.medicine.requester_ids(request):
        if user_id != acting.user_id:  # the person acting already got the reply
            await send_private(context.bot, user_id, t(context.lang_of(user_id), key, id=request.id, **values))


def _summary(context: BotContext, request: MedRequest) -> str:
    urgent = context.t("med.urgent_mark") if request.urgent else ""
    return context.t("med.summary", id=request.id, household=request.household, count=len(request.items), urgent=urgent)


def _list_text(context: BotContext, request: MedRequest) -> str:
    lines = [_summary(context, request)]
    lines += [f"{i}. {item_text(item.name, item.quantity, item.unit)}" for i, item in enumerate(request.items, 1)]
    lines.append(context.t(f"med.status.{request.status}"))
    if request.status == MedStatus.PENDING:
        lines.append(context.t("med.check_list"))
    if request.status in MED_CLAIMABLE:  # nobody holds it yet: the list may still change
        lines.append(context.t("med.ask_private"))
    return "\n".join(lines)


def _button(context: BotContext, key: str, data: MedAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key), callback_data=data.encode())


def _list_buttons(context: BotContext, request: MedRequest) -> InlineKeyboardMarkup | None:
    buttons = []
    if request.status == MedStatus.PENDING:
        buttons.append(_button(context, "med.button.confirm", MedAction("confirm", request.id)))
    if request.status in MED_CLAIMABLE:
        buttons.append(_button(context, "med.button.cancel", MedAction("cancel", request.id)))
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def _send_list(incoming: Incoming, context: BotContext, request: MedRequest) -> bool:
    """The list as understood, with ✅/✖, in the sender's private chat."""
    return await send_private(
        context.bot, incoming.user.id, _list_text(context, request), _list_buttons(context, request)
    )


async def _show_list_privately(incoming: Incoming, context: BotContext, request: MedRequest) -> bool:
    """The list in the sender's private chat, which then waits for the private details."""
    await context.services.medicine.start_private(await context.actor(), request.id)
    return await _send_list(incoming, context, request)


# ---------------------------------------------------------------------- filing
async def file_request(incoming: Incoming, context: BotContext, command: c.MedRequest) -> None:
    message = incoming.message
    actor = await context.actor()
    medicine = context.services.medicine
    # A prescription photo with #配药 as its caption is kept with the private details.
    photo = message.photo[-1].file_id if message.photo else None
    if incoming.edited:
        request = await medicine.edit(actor, message.chat_id, message.message_id, command, photo)
        if request is not None:
            updated = context.t("med.updated", id=request.id, count=len(request.items))
            await answer_or_fold(incoming, context, updated, Reply.RECORDED)
            await _show_list_privately(incoming, context, request)
        return
    filed = await medicine.file(actor, message.chat_id, message.message_id, command, photo)
    if not filed.created:
        return
    request = filed.request
    if incoming.chat.type == ChatType.PRIVATE:
        await _send_list(incoming, context, request)
        return
    text = _summary(context, request)
    if filed.kept_private:
        text += "\n" + context.t("med.kept_private")
    if request.status != MedStatus.PENDING:  # medicine.auto_confirm: nothing to confirm
        await _send_list(incoming, context, request)
        await answer_or_fold(incoming, context, text, Reply.RECORDED)
        return
    # A ✅ in the group too: a resident may never open (or tap in) a private chat with the bot.
    buttons = [_button(context, "med.button.confirm_group", MedAction("confirm", request.id))]
    if await _send_list(incoming, context, request):
        if group_is_busy(context, message.chat_id):  # the list and its ✅ are in the private chat
            await answer_or_fold(incoming, context, text, Reply.PRIVATE)
            return
        text += "\n" + context.t("med.check_private")
    else:
        text += "\n" + context.t("med.check_link")
        buttons.append(_link_button(context, f"med{request.id}", "med.button.check"))
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup([buttons]))


async def open_request_privately(incoming: Incoming, context: BotContext, argument: str) -> None:
    """``/start med12``: the list with ✅/✖, and the request for private details."""
    if not argument:
        return
    if len(argument) > 9:  # longer than any request's id (and than SQLite's integers)
        await incoming.message.reply_text(context.t("med.err.not_found", id=argument))
        return
    request = await context.services.medicine.get(int(argument))
    await _show_list_privately(incoming, context, request)


async def private_details(incoming: Incoming, context: BotContext) -> None:
    """A private message after the list was shown: card number, phone, notes. Never echoed."""
    if incoming.chat.type != ChatType.PRIVATE:
        return
    message = incoming.message
    photo = message.photo[-1].file_id if message.photo else None
    saved = await context.services.medicine.save_private(incoming.user.id, message.text or message.caption or "", photo)
    if saved is None:
        return
    request_id, details = saved
    yes, no = "✓", "—"
    await incoming.message.reply_text(
        context.t(
            "med.private_saved",
            id=request_id,
            card=yes if details.card_number else no,
            phone=yes if details.phone else no,
            notes=yes if details.notes else no,
            handed=context.t("med.card_handed") if details.card_handed else "",
        )
    )


# ---------------------------------------------------------------------- lifecycle
async def claim(incoming: Incoming, context: BotContext, command: c.MedClaim) -> None:
    medicine = context.services.medicine
    request = await medicine.claim(await context.actor(), command.request_id, incoming.user.first_name)
    await incoming.message.reply_text(context.t("med.claimed", id=request.id, household=request.household))
    await _notify(context, request, "med.notify.claimed")
    if not await _send_details(context, incoming.user.id, request):
        await incoming.message.reply_text(
            context.t("med.details_link"), reply_markup=_link(context, f"info{request.id}", "med.button.details")
        )


def _details_text(context: BotContext, request: MedRequest, details: MedPrivate | None) -> str:
    lines = [_summary(context, request)]
    lines += [f"{i}. {item_text(item.name, item.quantity, item.unit)}" for i, item in enumerate(request.items, 1)]
    if details is None:
        lines.append(context.t("med.no_details"))
    else:
        lines.append(
            context.t(
                "med.details",
                card=details.card_number or "—",
                phone=details.phone or "—",
                notes=details.notes or "—",
                handed=context.t("med.card_handed") if details.card_handed else "",
            )
        )
    return "\n".join(lines)


async def _send_details(context: BotContext, user_id: int, request: MedRequest) -> bool:
    actor = await context.services.roster.actor(user_id)
    details = await context.services.medicine.private_details(actor, request.id)
    if not await send_private(context.bot, user_id, _details_text(context, request, details)):
        return False
    if details is not None and details.photo_file_id:  # the prescription photo, privately too
        await send_private_photo(context.bot, user_id, details.photo_file_id, context.t("med.photo", id=request.id))
    return True


async def show_details(incoming: Incoming, context: BotContext, argument: str) -> None:
    """``/start info12`` in private: the claiming volunteer (or committee) reads the details."""
    if not argument:
        return
    if len(argument) > 9:  # longer than any request's id (and than SQLite's integers)
        await incoming.message.reply_text(context.t("med.err.not_found", id=argument))
        return
    request = await context.services.medicine.get(int(argument))
    await _send_details(context, incoming.user.id, request)


async def bought(incoming: Incoming, context: BotContext, command: c.MedBought) -> None:
    """#已购 12 [cost]; a cost sent after the request was bought is added to it."""
    medicine = context.services.medicine
    request, cost_only = await medicine.bought(await context.actor(), command.request_id, command.cost_fen)
    cost = format_fen(request.cost_fen) if request.cost_fen is not None else "—"
    key = "cost_added" if cost_only else "bought"
    await incoming.message.reply_text(context.t(f"med.{key}", id=request.id, cost=cost))
    await _notify(context, request, "med.notify.cost" if cost_only else "med.notify.bought", cost=cost)


async def delivered(incoming: Incoming, context: BotContext, command: c.MedDelivered) -> None:
    request = await context.services.medicine.delivered(await context.actor(), command.request_id)
    await incoming.message.reply_text(context.t("med.delivered", id=request.id, household=request.household))
    await _notify(context, request, "med.notify.delivered")


async def cancel(incoming: Incoming, context: BotContext, command: c.MedCancel) -> None:
    request = await context.services.medicine.cancel(await context.actor(), command.request_id)
    await incoming.message.reply_text(context.t("med.cancelled", id=request.id))
    await _notify(context, request, "med.notify.cancelled")


def _confirmed_alert(context: BotContext, request: MedRequest) -> str:
    """The list as confirmed, for the presser's eyes only: as many items as fit a pop-up."""
    lines = [f"{i}. {item_text(item.name, item.quantity, item.unit)}" for i, item in enumerate(request.items, 1)]

    def alert(shown: int) -> str:
        more = [context.t("med.more_items", count=len(lines) - shown)] if shown < len(lines) else []
        return context.t("med.confirmed_alert", id=request.id, items="\n".join(lines[:shown] + more))

    fitting = (text for text in map(alert, range(len(lines), -1, -1)) if len(text) <= ALERT_LIMIT)
    return next(fitting, alert(0)[:ALERT_LIMIT])


async def _confirm_in_group(press: Press[MedAction], context: BotContext) -> None:
    """The ✅ under the group's "配药单 #12 · 3-502 · 2 项": the requester's household, the building's
    leader or the committee confirm; the list pops up for the presser alone, and the group message
    keeps showing no drugs."""
    query, request_id = press.query, press.data.request_id
    medicine = context.services.medicine
    if press.data.action != "confirm" or press.message.chat_id != (await medicine.get(request_id)).chat_id:
        raise UserError("med.err.wrong_button")
    request = await medicine.confirm(await context.actor(), request_id)
    await query.answer(_confirmed_alert(context, request), show_alert=True)
    keyboard = press.message.reply_markup.inline_keyboard if press.message.reply_markup else ()
    links = [button for row in keyboard for button in row if button.url]
    await query.edit_message_text(
        _summary(context, request) + "\n" + context.t("med.status.open"),
        reply_markup=InlineKeyboardMarkup([links]) if links else None,
    )


async def button(press: Press[MedAction], context: BotContext) -> None:
    """✅ confirm / ✖ cancel under the list (in a private chat) or ✅ under the group's line;
    permission is checked again on every press."""
    if press.message.chat.type != ChatType.PRIVATE:
        await _confirm_in_group(press, context)
        return
    medicine = context.services.medicine
    actor = await context.actor()
    if press.data.action == "confirm":
        request = await medicine.confirm(actor, press.data.request_id)
    else:
        request = await medicine.cancel(actor, press.data.request_id)
    await press.query.answer(context.t(f"med.status.{request.status}"))
    await press.query.edit_message_text(_list_text(context, request), reply_markup=_list_buttons(context, request))
    if press.data.action == "cancel":
        await _notify(context, request, "med.notify.cancelled")


# ---------------------------------------------------------------------- the hospital run
def hospital_run_messages(context: BotContext, run: HospitalRun) -> list[str]:
    households = {request.household for request in run.slips}
    lines = [context.t("medlist.title", households=len(households), requests=len(run.slips))]
    if not run.slips:
        lines.append(context.t("medlist.empty"))
    else:
        lines.append(context.t("medlist.totals"))
        lines += [item_text(name, quantity, unit) for name, unit, quantity in run.totals]
        lines.append(context.t("medlist.slips"))
        holders = {card.request_id: card.holder_name or str(card.holder_id) for card in run.cards_out}
        for request in run.slips:
            items = join(context.lang, (item_text(i.name, i.quantity, i.unit) for i in request.items))
            urgent = context.t("med.urgent_mark") if request.urgent else ""
            card = context.t("medlist.card_with", holder=holders[request.id]) if request.id in holders else ""
            if request.id in run.waiting_minutes:
                status = context.t("med.waiting", age=_age(context.lang, run.waiting_minutes[request.id]))
            else:
                status = context.t(f"med.status.{request.status}")
            lines.append(
                context.t(
                    "medlist.line",
                    urgent=urgent,
                    id=request.id,
                    household=request.household,
                    status=status,
                    items=items,
                    card=card,
                )
            )
    if run.cards_out:
        lines.append(context.t("medlist.cards_out"))
        lines += [
            context.t(
                "medlist.card_line",
                household=card.household,
                holder=card.holder_name or card.holder_id,
                id=card.request_id,
            )
            for card in run.cards_out
        ]
    return split_message(lines)


async def _send_hospital_run(context: BotContext, user_id: int) -> bool:
    run = await context.services.medicine.hospital_run(await context.services.roster.actor(user_id))
    for text in hospital_run_messages(context, run):
        if not await send_private(context.bot, user_id, text):
            return False
    return True


async def medlist(incoming: Incoming, context: BotContext, command: c.MedList) -> None:
    """Households and their drugs are sent privately, never into the group."""
    user_id = incoming.user.id
    if await _send_hospital_run(context, user_id):
        if incoming.chat.type != ChatType.PRIVATE:
            await incoming.message.reply_text(context.t("me.sent_private"))
        return
    await incoming.message.reply_text(
        context.t("medlist.link"), reply_markup=_link(context, "medlist", "med.button.medlist")
    )


async def medlist_link(incoming: Incoming, context: BotContext, argument: str) -> None:
    await _send_hospital_run(context, incoming.user.id)


# ---------------------------------------------------------------------- waiting too long
def _waiting_text(lang: str, key: str, request: MedRequest, now: datetime) -> str:
    """Who the request is and how long it has waited (never its drugs); urgent: that it may be claimed."""
    urgent = t(lang, "med.urgent_mark") if request.urgent else ""
    age = _age(lang, waited_minutes(request, now))
    lines = [t(lang, key, urgent=urgent, id=request.id, household=request.household, age=age)]
    if request.urgent:
        lines.append(t(lang, "med.waiting.urgent", id=request.id))
    return "\n".join(lines)


async def tell_waiting(app: BotApp) -> None:
    """Requests still awaiting the resident's ✅ too long: each building's leader is told privately,
    once (or, when no leader can be reached, the building group)."""
    services = app.bot_data.services
    now = services.clock.now()
    for request in await services.medicine.waiting_too_long(services.roster.bot_id):
        reached = False
        for leader in await services.roster.leaders_of(request.building):
            text = _waiting_text(services.chat_language(leader), "med.waiting.leader", request, now)
            reached |= await send_private(app.bot, leader, text)
        if not reached:
            for chat in await services.roster.building_chats(request.building):
                text = _waiting_text(services.chat_language(chat.chat_id), "med.waiting.group", request, now)
                await app.bot.send_message(chat.chat_id, text)


# ---------------------------------------------------------------------- nudges
async def nudge(app: BotApp) -> None:
    """The medicine nudges that are due (``Medicine.nudges_due``), each owed through the outbox under
    its own key and then marked: a restart before the mark owes the same key, which sends nothing more."""
    services = app.bot_data.services
    due = await services.medicine.nudges_due(services.roster.bot_id, quiet=services.quiet_hours())
    for request in due["remind"]:
        await _remind(app, request)
        await services.medicine.nudged("remind", request.id)
    for request in due["duty"]:
        for chat in await services.roster.building_chats(request.building):
            await _owe_nudge(app, chat.chat_id, "nudge.med.duty", request, count=1)
        await services.medicine.nudged("duty", request.id)
    for request in due["leader"]:
        reached = False
        for leader in await services.roster.leaders_of(request.building):
            reached |= await _owe_nudge(app, leader, "nudge.med.leader", request, count=2)
        if not reached:  # no leader, or none has opened a private chat with the bot
            for chat_id in await services.roster.committee_chat_ids():
                await _owe_nudge(app, chat_id, "nudge.med.leader", request, count=2)
        await services.medicine.nudged("leader", request.id)


async def _owe_nudge(app: BotApp, chat_id: int, key: str, request: MedRequest, **fields: object) -> bool:
    """Owe the nudge ``key`` about ``request`` to a chat, in its language; False when the chat cannot
    be written to (a person who has not opened a private chat with the bot)."""
    services = app.bot_data.services
    text = t(services.chat_language(chat_id), key, id=request.id, household=request.household, **fields)
    sent = await owe_text(services.outbox, chat_id, text, f"{key}:{request.id}:{chat_id}")
    return all(item.state != "failed" for item in sent)


async def _remind(app: BotApp, request: MedRequest) -> None:
    """Remind the resident to confirm: privately when they have opened a private chat with the bot,
    else in the group, as a reply to the request, by a mention of their room (never the drugs)."""
    if await _owe_nudge(app, request.requested_by, "nudge.med.remind", request) or request.chat_id > 0:
        return
    services = app.bot_data.services
    text = t(
        services.chat_language(request.chat_id), "nudge.med.remind_group", household=request.household, id=request.id
    )
    length = len(request.household.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
    mention = MessageEntity(
        MessageEntity.TEXT_MENTION, 0, length, user=User(request.requested_by, request.household, False)
    )
    params = {
        "chat_id": request.chat_id,
        "text": text,
        "entities": [mention.to_dict()],
        "reply_to_message_id": request.message_id,
        "allow_sending_without_reply": True,
    }
    payload = {"method": "sendMessage", "params": params, "files": {}}  # a text mention: the raw call
    await services.outbox.send(TELEGRAM, request.chat_id, payload, f"nudge.med.remind_group:{request.id}")


async def chatter(incoming: Incoming, context: BotContext) -> None:
    if incoming.chat.type == ChatType.PRIVATE:
        await private_details(incoming, context)


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.MedRequest, file_request, edits=True)
    router.add(c.MedClaim, claim)
    router.add(c.MedBought, bought)
    router.add(c.MedDelivered, delivered)
    router.add(c.MedCancel, cancel)
    router.add(c.MedList, medlist)
    router.on_chatter(chatter)
    router.start_payloads["med"] = open_request_privately
    router.start_payloads["info"] = show_details
    router.start_payloads["medlist"] = medlist_link
    on_press(app, MedAction, button)
