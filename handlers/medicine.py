"""配药: filing, confirming, the lifecycle commands and buttons, private details, the hospital run.

Groups only ever see "request #12 · 3-502 · 3 items"; the list itself, card numbers, phone numbers
and notes go to private chats.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler
from telegram.helpers import create_deep_linked_url

from bot.context import BotContext
from bot.formatting import format_fen, item_text, split_message
from bot.language import commands as c
from bot.services.medicine import HospitalRun
from handlers.router import guarded, router_of
from handlers.sending import send_private, send_private_photo
from storage.models import MedPrivate, MedRequest

log = logging.getLogger(__name__)


def _link(context: BotContext, payload: str, key: str) -> InlineKeyboardMarkup:
    url = create_deep_linked_url(context.bot.username, payload)
    return InlineKeyboardMarkup([[InlineKeyboardButton(context.t(key), url=url)]])


async def _notify(update: Update, context: BotContext, request: MedRequest, key: str, **values: object) -> None:
    """Tell the requester (privately where possible) that their request changed."""
    for user_id in await context.services.medicine.requester_ids(request):
        if user_id != update.effective_user.id:  # the person acting already got the reply
            await send_private(context.bot, user_id, context.t(key, id=request.id, **values))


def _summary(context: BotContext, request: MedRequest) -> str:
    urgent = context.t("med.urgent_mark") if request.urgent else ""
    return context.t("med.summary", id=request.id, household=request.household, count=len(request.items), urgent=urgent)


def _list_text(context: BotContext, request: MedRequest) -> str:
    lines = [_summary(context, request)]
    lines += [f"{i}. {item_text(item.name, item.quantity, item.unit)}" for i, item in enumerate(request.items, 1)]
    lines.append(context.t(f"med.status.{request.status}"))
    if request.status == "pending":
        lines.append(context.t("med.check_list"))
    if request.status in ("pending", "open"):
        lines.append(context.t("med.ask_private"))
    return "\n".join(lines)


def _list_buttons(context: BotContext, request: MedRequest) -> InlineKeyboardMarkup | None:
    buttons = []
    if request.status == "pending":
        buttons.append(InlineKeyboardButton(context.t("med.button.confirm"), callback_data=f"med:confirm:{request.id}"))
    if request.status in ("pending", "open"):
        buttons.append(InlineKeyboardButton(context.t("med.button.cancel"), callback_data=f"med:cancel:{request.id}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def _send_list(update: Update, context: BotContext, request: MedRequest) -> bool:
    """The list as understood, with ✅/✖, in the sender's private chat."""
    return await send_private(
        context.bot, update.effective_user.id, _list_text(context, request), _list_buttons(context, request)
    )


async def _show_list_privately(update: Update, context: BotContext, request: MedRequest) -> bool:
    """The list in the sender's private chat, which then waits for the private details."""
    await context.services.medicine.start_private(await context.actor(), request.id)
    return await _send_list(update, context, request)


# ---------------------------------------------------------------------- filing
async def file_request(update: Update, context: BotContext, command: c.MedRequest) -> None:
    message = update.effective_message
    actor = await context.actor()
    medicine = context.services.medicine
    # A prescription photo with #配药 as its caption is kept with the private details.
    photo = message.photo[-1].file_id if message.photo else None
    if update.edited_message is not None:
        request = await medicine.edit(actor, message.chat_id, message.message_id, command, photo)
        if request is not None:
            await message.reply_text(context.t("med.updated", id=request.id, count=len(request.items)))
            await _show_list_privately(update, context, request)
        return
    filed = await medicine.file(actor, message.chat_id, message.message_id, command, photo)
    if not filed.created:
        return
    request = filed.request
    if update.effective_chat.type == ChatType.PRIVATE:
        await _send_list(update, context, request)
        return
    text = _summary(context, request)
    if filed.kept_private:
        text += "\n" + context.t("med.kept_private")
    if await _send_list(update, context, request):
        await message.reply_text(text + "\n" + context.t("med.check_private"))
    else:
        await message.reply_text(
            text + "\n" + context.t("med.check_link"),
            reply_markup=_link(context, f"med{request.id}", "med.button.check"),
        )


async def open_request_privately(update: Update, context: BotContext, argument: str) -> None:
    """``/start med12``: the list with ✅/✖, and the request for private details."""
    if not argument:
        return
    if len(argument) > 9:  # longer than any request's id (and than SQLite's integers)
        await update.effective_message.reply_text(context.t("med.err.not_found", id=argument))
        return
    request = await context.services.medicine.get(int(argument))
    await _show_list_privately(update, context, request)


async def private_details(update: Update, context: BotContext) -> None:
    """A private message after the list was shown: card number, phone, notes. Never echoed."""
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    message = update.effective_message
    photo = message.photo[-1].file_id if message.photo else None
    saved = await context.services.medicine.save_private(
        update.effective_user.id, message.text or message.caption or "", photo
    )
    if saved is None:
        return
    request_id, details = saved
    yes, no = "✓", "—"
    await update.effective_message.reply_text(
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
async def claim(update: Update, context: BotContext, command: c.MedClaim) -> None:
    medicine = context.services.medicine
    request = await medicine.claim(await context.actor(), command.request_id, update.effective_user.first_name)
    await update.effective_message.reply_text(context.t("med.claimed", id=request.id, household=request.household))
    await _notify(update, context, request, "med.notify.claimed")
    if not await _send_details(context, update.effective_user.id, request):
        await update.effective_message.reply_text(
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


async def show_details(update: Update, context: BotContext, argument: str) -> None:
    """``/start info12`` in private: the claiming volunteer (or committee) reads the details."""
    if not argument:
        return
    if len(argument) > 9:  # longer than any request's id (and than SQLite's integers)
        await update.effective_message.reply_text(context.t("med.err.not_found", id=argument))
        return
    request = await context.services.medicine.get(int(argument))
    await _send_details(context, update.effective_user.id, request)


async def bought(update: Update, context: BotContext, command: c.MedBought) -> None:
    request = await context.services.medicine.bought(await context.actor(), command.request_id, command.cost_fen)
    cost = format_fen(request.cost_fen) if request.cost_fen is not None else "—"
    await update.effective_message.reply_text(context.t("med.bought", id=request.id, cost=cost))
    await _notify(update, context, request, "med.notify.bought", cost=cost)


async def delivered(update: Update, context: BotContext, command: c.MedDelivered) -> None:
    request = await context.services.medicine.delivered(await context.actor(), command.request_id)
    await update.effective_message.reply_text(context.t("med.delivered", id=request.id, household=request.household))
    await _notify(update, context, request, "med.notify.delivered")


async def cancel(update: Update, context: BotContext, command: c.MedCancel) -> None:
    request = await context.services.medicine.cancel(await context.actor(), command.request_id)
    await update.effective_message.reply_text(context.t("med.cancelled", id=request.id))
    await _notify(update, context, request, "med.notify.cancelled")


async def button(update: Update, context: BotContext) -> None:
    """✅ confirm / ✖ cancel under the list; permission is checked again on every press."""
    query = update.callback_query
    _, action, raw_id = query.data.split(":")
    medicine = context.services.medicine
    actor = await context.actor()
    if action == "confirm":
        request = await medicine.confirm(actor, int(raw_id))
    else:
        request = await medicine.cancel(actor, int(raw_id))
    await query.answer(context.t(f"med.status.{request.status}"))
    await query.edit_message_text(_list_text(context, request), reply_markup=_list_buttons(context, request))
    if action == "cancel":
        await _notify(update, context, request, "med.notify.cancelled")


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
            items = "、".join(item_text(i.name, i.quantity, i.unit) for i in request.items)
            mark = context.t("med.urgent_mark") if request.urgent else ""
            card = context.t("medlist.card_with", holder=holders[request.id]) if request.id in holders else ""
            status = context.t(f"med.status.{request.status}")
            lines.append(f"{mark}#{request.id} {request.household}（{status}）：{items}{card}")
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


async def medlist(update: Update, context: BotContext, command: c.MedList) -> None:
    """Households and their drugs are sent privately, never into the group."""
    user_id = update.effective_user.id
    if await _send_hospital_run(context, user_id):
        if update.effective_chat.type != ChatType.PRIVATE:
            await update.effective_message.reply_text(context.t("me.sent_private"))
        return
    await update.effective_message.reply_text(
        context.t("medlist.link"), reply_markup=_link(context, "medlist", "med.button.medlist")
    )


async def medlist_link(update: Update, context: BotContext, argument: str) -> None:
    await _send_hospital_run(context, update.effective_user.id)


async def chatter(update: Update, context: BotContext) -> None:
    if update.effective_chat.type == ChatType.PRIVATE:
        await private_details(update, context)


def register(app: Application) -> None:
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
    router.help_keys.append("help.medicine")
    app.add_handler(CallbackQueryHandler(guarded(button), pattern=r"^med:(confirm|cancel):\d{1,12}$"))
