"""Binding chats to buildings, registering households, appointing leaders, /me, phone numbers
(private chat only), /purge, and the chat events Telegram sends (supergroup upgrade, removal)."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, MessageHandler, filters
from telegram.helpers import create_deep_linked_url

from bot.domain.models import ChatBinding, Join
from bot.domain.permissions import Actor, require_committee
from bot.language import commands as c
from bot.language.callbacks import ApproveJoin, Purge
from bot.services.errors import UserError
from bot.services.roster import NotBound, RegisterOutcome
from bot.texts.i18n import join, t
from handlers import menus
from handlers.context import BotApp, BotContext, Incoming, Press, job_queue
from handlers.router import on_message, on_press, router_of
from handlers.sending import Reply, answer_or_fold, broadcast, send_private

log = logging.getLogger(__name__)

PHONE_PAYLOAD = "phone"


def _replied_user(incoming: Incoming) -> User | None:
    """The person the message replies to (not a bot), or None."""
    replied = incoming.message.reply_to_message
    user = replied.from_user if replied else None
    return user if user and not user.is_bot else None


async def bind(incoming: Incoming, context: BotContext, command: c.Bind) -> None:
    chat = incoming.chat
    if chat.type == ChatType.PRIVATE:
        await incoming.message.reply_text(context.t("bind.private"))
        return
    outcome = await context.services.roster.bind(
        await context.actor(), chat.id, chat.title or "", building=command.building, committee=command.committee
    )
    if command.committee:
        text = context.t("bind.committee")
    else:
        text = context.t("bind.building", building=command.building)
        previous = outcome.previous
        if previous and previous.building and previous.building != command.building:
            text += "\n" + context.t("bind.moved", old=previous.building)
    if await blind_chats(context.bot, [chat.id]):
        text += "\n\n" + context.t("privacy.blind", bot=context.bot.username)
    await incoming.message.reply_text(text)
    await menus.follow_chat(context.application, outcome.binding)


async def blind_chats(bot: Bot, chat_ids: list[int]) -> list[int]:
    """The chats whose plain messages (``#配药 …``) Telegram hides from the bot: privacy mode is on
    (BotFather's /setprivacy) and the bot is no admin there. A chat that cannot be checked is left out."""
    try:
        if (await bot.get_me()).can_read_all_group_messages:
            return []
    except TelegramError as exc:
        log.warning("could not ask Telegram about privacy mode: %s", exc.__class__.__name__)
        return []
    blind = []
    for chat_id in chat_ids:
        try:
            member = await bot.get_chat_member(chat_id, bot.id)
        except TelegramError as exc:
            log.warning("could not check the bot's status in a chat: %s", exc.__class__.__name__)
            continue
        if member.status not in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}:
            blind.append(chat_id)
    return blind


async def bound_chats(context: BotContext) -> list[ChatBinding]:
    roster = context.services.roster
    committee = [await roster.chat(chat_id) for chat_id in await roster.committee_chat_ids()]
    return [*await roster.building_chats(), *(binding for binding in committee if binding is not None)]


async def warn_blind_chats(context: BotContext) -> None:
    """At start-up: every bound chat where the bot cannot read plain messages is told what to do."""
    services, bot = context.services, context.bot
    blind = await blind_chats(bot, [binding.chat_id for binding in await bound_chats(context)])
    if blind:
        log.warning("privacy mode hides plain messages from the bot in %d bound chats; telling them", len(blind))

    async def send(chat_id: int) -> Message:
        return await bot.send_message(chat_id, t(services.chat_language(chat_id), "privacy.blind", bot=bot.username))

    await broadcast(context.application, blind, send)


async def reading_state(incoming: Incoming, context: BotContext) -> str:
    """For the committee's /me: does the bot see plain messages here (in a group) or in every bound chat?"""
    chat = incoming.chat
    if chat.type != ChatType.PRIVATE:
        blind = await blind_chats(context.bot, [chat.id])
        return context.t("privacy.here_blind" if blind else "privacy.here_ok", bot=context.bot.username)
    bound = await bound_chats(context)
    blind_here = set(await blind_chats(context.bot, [binding.chat_id for binding in bound]))
    if not blind_here:
        return context.t("privacy.all_ok", count=len(bound))
    titles = [binding.title or str(binding.chat_id) for binding in bound if binding.chat_id in blind_here]
    return context.t("privacy.some_blind", bot=context.bot.username, chats=join(context.lang, titles))


async def register_household(incoming: Incoming, context: BotContext, command: c.Register) -> None:
    actor = await context.actor()
    message = incoming.message
    target = _replied_user(incoming)
    user_id = target.id if target else actor.user_id
    outcome = await context.services.roster.register(
        actor, command.room, chat_id=message.chat_id, user_id=user_id, display_name=command.display_name
    )
    room = outcome.household.label
    if outcome.waiting_for:
        await _ask_to_join(incoming, context, outcome)
        return
    if user_id != actor.user_id:
        text = context.t("register.other", room=room)
    elif outcome.moved_from is not None:
        text = context.t("register.moved", old=outcome.moved_from.label, room=room)
    else:
        text = context.t("register.done", room=room)
    if outcome.chat_building is None:
        await answer_or_fold(incoming, context, text, Reply.RECORDED)
        return
    text += "\n" + context.t("register.elsewhere", building=outcome.chat_building)
    await answer_or_fold(incoming, context, text, Reply.PERSONAL)  # the warning matters to the sender


async def _ask_to_join(incoming: Incoming, context: BotContext, outcome: RegisterOutcome) -> None:
    """The room has members: in a group, a request with a ✅ for them or the leader (and a private
    note to the members); in a private chat, where nobody else can press it, say to ask in the group."""
    message = incoming.message
    room = outcome.household.label
    if incoming.chat.type == ChatType.PRIVATE:
        await message.reply_text(context.t("register.join_in_group", room=room))
        return
    button = InlineKeyboardButton(context.t("register.approve_button"), callback_data=ApproveJoin().encode())
    posted = await message.reply_text(
        context.t("register.asked", room=room), reply_markup=InlineKeyboardMarkup([[button]])
    )
    services = context.services
    await services.roster.join_posted(incoming.user.id, posted.chat_id, posted.message_id)
    for member in outcome.waiting_for:
        await send_private(context.bot, member, t(context.lang_of(member), "register.asked_note", room=room))


async def _joined(context: BotContext, joined: Join) -> str:
    """Tell the newcomer privately; the text for the group."""
    room = joined.household.label
    await send_private(context.bot, joined.user_id, t(context.lang_of(joined.user_id), "register.joined_note", room=room))
    return context.t("register.joined", room=room)


def replied_request(context: BotContext, replied: Message, sender: User) -> dict[str, int]:
    """What a reply #通过 points at: the bot's own request message (``replied``, sent by ``sender``),
    or else the person replied to."""
    if sender.id == context.bot.id:
        return {"message": replied.message_id}
    return {"user_id": sender.id}


async def approve_by_reply(incoming: Incoming, context: BotContext, request: dict[str, int]) -> bool:
    """A reply #通过 to a request to join a household (``request``: the bot's request or the
    newcomer's own message) approves it; False when the message replied to is no such request."""
    message = incoming.message
    actor = await context.actor()
    joined = await context.services.roster.approve_join(actor, message.chat_id, **request)
    if joined is None:
        return False
    await message.reply_text(await _joined(context, joined))
    return True


async def approve_button(press: Press[ApproveJoin], context: BotContext) -> None:
    """✅ under a request to join: only that message approves, for a member, the leader or the committee."""
    joined = await context.services.roster.approve_join(
        await context.actor(), press.message.chat_id, message=press.message.message_id
    )
    if joined is None:
        raise UserError("register.err.no_request")
    text = await _joined(context, joined)
    await press.query.answer(text)
    await press.query.edit_message_text(text)


async def leader(incoming: Incoming, context: BotContext, command: c.AppointLeader) -> None:
    target = _replied_user(incoming)
    if target is None:
        await incoming.message.reply_text(context.t("leader.need_reply"))
        return
    try:
        building = await context.services.roster.appoint_leader(
            await context.actor(), incoming.chat.id, target.id, demote=command.demote
        )
    except NotBound:
        await incoming.message.reply_text(context.t("leader.unbound"))
        return
    key = "leader.demoted" if command.demote else "leader.done"
    await incoming.message.reply_text(context.t(key, building=building))
    await menus.follow_roles(context.application, target.id)


def describe(actor: Actor, context: BotContext) -> str:
    roles = []
    if actor.committee:
        roles.append(context.t("role.committee"))
    roles += [context.t("role.leader", building=b) for b in sorted(actor.leader_of)]
    if actor.volunteer:
        roles.append(context.t("role.volunteer"))
    if not roles:
        roles.append(context.t("role.resident"))
    household = actor.household.label if actor.household else context.t("me.no_household")
    return context.t("me", household=household, roles=join(context.lang, roles))


async def me(incoming: Incoming, context: BotContext, command: c.Me) -> None:
    """Answered in private where possible; in the group only household and role, never more."""
    actor = await context.actor()
    text = describe(actor, context)
    if actor.committee:
        text += "\n" + await reading_state(incoming, context)
    phone_button = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t("phone.link"), url=create_deep_linked_url(context.bot.username, PHONE_PAYLOAD)
                )
            ]
        ]
    )
    if incoming.chat.type == ChatType.PRIVATE:
        await incoming.message.reply_text(text, reply_markup=phone_button)
        return
    if not await send_private(context.bot, actor.user_id, text, phone_button):
        await incoming.message.reply_text(text + "\n" + context.t("me.start_private"), reply_markup=phone_button)
        return
    await answer_or_fold(incoming, context, context.t("me.sent_private"), Reply.PRIVATE)


async def ask_phone(incoming: Incoming, context: BotContext, argument: str) -> None:
    """``/start phone`` in private: a button that shares the user's own contact."""
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(context.t("phone.button"), request_contact=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    await incoming.message.reply_text(context.t("phone.ask"), reply_markup=keyboard)


async def receive_contact(incoming: Incoming, context: BotContext) -> None:
    contact = incoming.message.contact
    if contact is None:
        return
    if contact.user_id != incoming.user.id:
        await incoming.message.reply_text(context.t("phone.not_yours"), reply_markup=ReplyKeyboardRemove())
        return
    try:
        await context.services.roster.save_phone(incoming.user.id, contact.phone_number)
    except ValueError:  # not a number at all (a contact edited by hand): ask again
        await incoming.message.reply_text(context.t("phone.invalid"))
        await ask_phone(incoming, context, "")
        return
    await incoming.message.reply_text(context.t("phone.saved"), reply_markup=ReplyKeyboardRemove())


async def purge(incoming: Incoming, context: BotContext, command: c.Purge) -> None:
    require_committee(await context.actor(), "purge")
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(context.t("purge.yes"), callback_data=Purge(yes=True).encode()),
                InlineKeyboardButton(context.t("purge.no"), callback_data=Purge(yes=False).encode()),
            ]
        ]
    )
    await incoming.message.reply_text(context.t("purge.confirm"), reply_markup=buttons)


async def purge_button(press: Press[Purge], context: BotContext) -> None:
    """The confirmation: permission is checked again on the press."""
    query = press.query
    if not press.data.yes:
        await query.answer()
        await query.edit_message_text(context.t("purge.cancelled"))
        return
    held_roles = await context.services.roster.role_holders()
    counts = await context.services.roster.purge(await context.actor())
    await context.services.settings.load()  # people's own languages are forgotten too
    await query.answer()
    await query.edit_message_text(context.t("purge.done", **counts))
    for user_id in held_roles:  # leaders and volunteers are no more: their menus go too
        await menus.follow_roles(context.application, user_id)


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its binding and every record move to the new chat id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    old_id, new_id = message.chat.id, message.migrate_to_chat_id
    touched = await context.services.roster.migrate_chat(old_id, new_id)
    context.services.settings.move_chat(old_id, new_id)
    log.info("chat migrated to a supergroup; moved %s", ", ".join(touched) or "nothing")


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group (say how to bind it, or that a group bound before still is) or
    removed (stop sending there; the binding stays for when it comes back)."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in {"left", "kicked"}:
        await context.services.roster.mark_kicked(change.chat.id)
    elif status in {"member", "administrator"} and change.old_chat_member.status in {"left", "kicked"}:
        if change.chat.type == ChatType.PRIVATE:
            return
        chat_id = change.chat.id
        binding = await context.services.roster.rejoined(chat_id)
        if binding is None:
            await context.bot.send_message(chat_id, context.t("bot.added"))
        elif binding.kind == "committee":
            await context.bot.send_message(chat_id, context.t("bot.back_committee"))
        else:
            await context.bot.send_message(chat_id, context.t("bot.back", building=binding.building))


def register(app: BotApp) -> None:
    router = router_of(app)
    router.add(c.Bind, bind)
    router.add(c.Register, register_household)
    router.add(c.AppointLeader, leader)
    router.add(c.Me, me)
    router.add(c.Purge, purge)
    router.start_payloads[PHONE_PAYLOAD] = ask_phone
    on_message(app, filters.CONTACT & filters.ChatType.PRIVATE, receive_contact)
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    on_press(app, Purge, purge_button)
    on_press(app, ApproveJoin, approve_button)
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    # once the application has started, however late Telegram answered
    job_queue(app).run_once(warn_blind_chats, when=0, job_kwargs={"misfire_grace_time": None})
