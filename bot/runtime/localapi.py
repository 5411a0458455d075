"""An in-process Telegram Bot API: the console's server and the tests' recording fake.

``LocalBotApi`` keeps chats and messages in memory, answers the Bot API methods the bot uses,
records every call, and makes the updates a real server would send (a user's message, an edit,
a button press, a supergroup upgrade). ``LocalRequest`` plugs it in at PTB's ``BaseRequest`` seam,
so the real ``Application`` runs over it unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's GroupAnonymousBot


class ApiError(Exception):
    """An error answer of the Bot API (HTTP status, description, optional parameters)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Fault:
    """An error the local Bot API answers ``times`` times to ``method`` (``code`` 0: a timeout)."""

    method: str
    code: int
    description: str = ""
    parameters: dict[str, Any] | None = None
    chat_id: int | None = None
    times: int = 1


class LocalTimeout(Exception):
    """The local Bot API "did not answer in time"."""


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class LocalUser:
    id: int
    first_name: str
    language_code: str = "zh"
    username: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class LocalChat:
    id: int
    title: str = ""

    @property
    def type(self) -> str:
        return "private" if self.id > 0 else "supergroup"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or str(self.id)
        else:
            data["title"] = self.title or f"chat {self.id}"
        return data


Listener = Callable[[ApiCall, Any], None]


class LocalBotApi:
    """The Bot API's state and methods, in memory."""

    def __init__(self, bot_username: str = "building_bot", *, id_base: int = 1) -> None:
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "楼组助手",
            "username": bot_username,
            "can_join_groups": True,
            # Privacy mode off, so the console and the tests see every group message; a test of
            # privacy mode sets it False (getMe answers the current value) and ``admin_in``.
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        # Groups where the bot is an administrator (which reads every message, privacy mode or not).
        self.admin_in: set[int] = set()
        self.chats: dict[int, LocalChat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.calls: list[ApiCall] = []
        self.webhook_url = ""  # set by setWebhook
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.pending_updates: list[dict[str, Any]] = []
        # Users who have opened a private chat with the bot; Telegram refuses to let a bot write first.
        self.started: set[int] = set()
        # Groups that removed the bot: anything sent there is refused.
        self.kicked_from: set[int] = set()
        self.faults: list[Fault] = []
        # Chats whose sends wait for their event (a slow network or a rate-limited group).
        self.held: dict[int, asyncio.Event] = {}
        self.listeners: list[Listener] = []
        self._update_ids = itertools.count(id_base)
        self._message_ids: dict[int, itertools.count] = {}
        self._id_base = id_base
        self._callback_ids = itertools.count(1)

    # ----------------------------------------------------------------- chats and messages
    def chat(self, chat_id: int, title: str = "") -> LocalChat:
        if chat_id not in self.chats or (title and self.chats[chat_id].title != title):
            self.chats[chat_id] = LocalChat(chat_id, title or self.chats.get(chat_id, LocalChat(chat_id)).title)
        return self.chats[chat_id]

    def _new_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(self._id_base))
        return next(counter)

    def _message(self, chat_id: int, sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
        if chat_id in self.kicked_from and sender["id"] == BOT_ID:
            raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        if chat_id > 0:
            if sender["id"] == chat_id:
                self.started.add(chat_id)
            elif chat_id not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self.chat(chat_id).to_dict(),
            "from": sender,
            **{key: value for key, value in fields.items() if value is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _stored(self, chat_id: int, message_id: int) -> dict[str, Any]:
        try:
            return self.messages[(chat_id, message_id)]
        except KeyError:
            raise ApiError(400, "Bad Request: message to edit not found") from None

    # ----------------------------------------------------------------- updates a server would send
    def _update(self, **payload: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **payload}

    def message_update(
        self,
        chat_id: int,
        user: LocalUser,
        text: str,
        *,
        reply_to: int | None = None,
        anonymous: bool = False,
        photo: str | None = None,
        forwarded_from: LocalUser | None = None,
    ) -> dict[str, Any]:
        """A new text message from ``user`` in ``chat_id`` (``reply_to``: a message id there); with
        ``photo`` (a file id), a photo whose caption is ``text``; ``forwarded_from``: whose message
        ``user`` forwarded."""
        extra: dict[str, Any] = {"caption": text} if photo else {"text": text}
        entities = _command_entities(text)
        if entities:
            extra["caption_entities" if photo else "entities"] = entities
        if photo:
            extra["photo"] = [{"file_id": photo, "file_unique_id": photo, "width": 800, "height": 600}]
        if forwarded_from is not None:
            extra["forward_origin"] = {
                "type": "user",
                "date": int(time.time()),
                "sender_user": forwarded_from.to_dict(),
            }
        if reply_to is not None:
            replied = dict(self._stored(chat_id, reply_to))
            replied.pop("reply_to_message", None)
            extra["reply_to_message"] = replied
        sender = user.to_dict()
        if anonymous:
            sender = {"id": ANONYMOUS_ADMIN_ID, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
            extra["sender_chat"] = self.chat(chat_id).to_dict()
        message = self._message(chat_id, sender, **extra)
        return self._update(message=message)

    def contact_update(self, chat_id: int, user: LocalUser, phone: str, *, owner: int | None = None) -> dict[str, Any]:
        """``user`` shares a contact (their own unless ``owner`` says whose)."""
        contact = {"phone_number": phone, "first_name": user.first_name, "user_id": owner or user.id}
        return self._update(message=self._message(chat_id, user.to_dict(), contact=contact))

    def edit_update(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The user edited their message ``message_id`` to ``text``."""
        message = dict(self._stored(chat_id, message_id))
        field, entities_field = ("caption", "caption_entities") if "photo" in message else ("text", "entities")
        message[field] = text
        message["edit_date"] = int(time.time())
        message.pop(entities_field, None)
        entities = _command_entities(text)
        if entities:
            message[entities_field] = entities
        self.messages[(chat_id, message_id)] = message
        return self._update(edited_message=message)

    def callback_update(self, chat_id: int, message_id: int, user: LocalUser, data: str) -> dict[str, Any]:
        """``user`` pressed the inline button carrying ``data`` under message ``message_id``."""
        return self._update(
            callback_query={
                "id": str(next(self._callback_ids)),
                "from": user.to_dict(),
                "chat_instance": str(chat_id),
                "data": data,
                "message": self._stored(chat_id, message_id),
            }
        )

    def bot_membership_update(self, chat_id: int, by: LocalUser, old: str, new: str) -> dict[str, Any]:
        """The bot's own membership in ``chat_id`` changed (added: left → member; removed: → kicked)."""
        bot = {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}
        return self._update(
            my_chat_member={
                "chat": self.chat(chat_id).to_dict(),
                "from": by.to_dict(),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot},
                "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})},
            }
        )

    def migrate_updates(self, old_id: int, new_id: int, user: LocalUser) -> list[dict[str, Any]]:
        """A group upgraded to a supergroup: the service messages in the old and the new chat."""
        title = self.chat(old_id).title
        self.chat(new_id, title)
        return [
            self._update(message=self._message(old_id, user.to_dict(), migrate_to_chat_id=new_id)),
            self._update(message=self._message(new_id, user.to_dict(), migrate_from_chat_id=old_id)),
        ]

    # ----------------------------------------------------------------- what the bot did
    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (text, documents, photos), oldest first, in their current state."""
        return [
            message
            for (cid, _), message in self.messages.items()
            if message["from"]["id"] == BOT_ID and (chat_id is None or cid == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.sent(chat_id)]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    # ----------------------------------------------------------------- the Bot API methods
    def fail(
        self,
        method: str,
        code: int,
        description: str = "",
        *,
        parameters: dict[str, Any] | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``) with an error; code 0 times out."""
        self.faults.append(Fault(method, code, description, parameters, chat_id, times))

    def hold(self, chat_id: int) -> asyncio.Event:
        """Calls addressed to ``chat_id`` wait until the returned event is set."""
        return self.held.setdefault(chat_id, asyncio.Event())

    def _fault(self, method: str, params: dict[str, Any]) -> None:
        for fault in self.faults:
            chat_matches = fault.chat_id is None or str(params.get("chat_id")) == str(fault.chat_id)
            if fault.times > 0 and fault.method == method and chat_matches:
                fault.times -= 1
                if fault.code == 0:
                    raise LocalTimeout(method)
                raise ApiError(fault.code, fault.description, fault.parameters)

    def handle(self, method: str, params: dict[str, Any], files: dict[str, bytes] | None = None) -> Any:
        call = ApiCall(method, dict(params), dict(files or {}))
        self.calls.append(call)
        self._fault(method, params)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, f"Not Found: method {method} is not served by the local Bot API")
        result = handler(params, files or {})
        for listener in self.listeners:
            listener(call, result)
        return result

    def _api_getMe(self, params: dict, files: dict) -> Any:
        return self.bot_user

    def _api_sendMessage(self, params: dict, files: dict) -> Any:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._message(
            chat_id,
            self.bot_user,
            text=text,
            entities=params.get("entities"),
            reply_markup=_inline_only(params.get("reply_markup")),
        )

    def _send_file(self, kind: str, params: dict, files: dict) -> Any:
        chat_id = int(params["chat_id"])
        caption = params.get("caption")
        if caption and len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content = next(iter(files.values()), b"")
        name = next(iter(files), kind)
        # A file sent again by its id (a photo a resident sent) keeps that id.
        file_id = params[kind] if isinstance(params.get(kind), str) else f"local-{name}"
        file = {"file_id": file_id, "file_unique_id": name, "file_size": len(content)}
        if kind == "photo":
            file.update(width=1, height=1)
        return self._message(
            chat_id,
            self.bot_user,
            caption=caption,
            **{kind: [file] if kind == "photo" else {**file, "file_name": name}},
            local_file=content,
        )

    def _api_sendDocument(self, params: dict, files: dict) -> Any:
        return self._send_file("document", params, files)

    def _api_sendPhoto(self, params: dict, files: dict) -> Any:
        return self._send_file("photo", params, files)

    def _api_editMessageText(self, params: dict, files: dict) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self._stored(chat_id, message_id)
        text = str(params.get("text", ""))
        markup = _inline_only(params.get("reply_markup"))
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message",
            )
        message = {**message, "text": text, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        return message

    def _api_editMessageReplyMarkup(self, params: dict, files: dict) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = dict(self._stored(chat_id, message_id))
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message_id)] = message
        return message

    def _api_deleteMessage(self, params: dict, files: dict) -> Any:
        self.messages.pop((int(params["chat_id"]), int(params["message_id"])), None)
        return True

    def _api_pinChatMessage(self, params: dict, files: dict) -> Any:
        self._stored(int(params["chat_id"]), int(params["message_id"]))
        return True

    def _api_answerCallbackQuery(self, params: dict, files: dict) -> Any:
        return True

    @staticmethod
    def _menu_key(params: dict) -> tuple[str, str]:
        """``("all_group_chats", "zh")``, ``("chat:-100", "")``, ``("chat_member:-100:7", "zh")``."""
        scope = params.get("scope") or {}
        name = ":".join(
            str(part) for part in (scope.get("type", "default"), scope.get("chat_id"), scope.get("user_id")) if part
        )
        return name, params.get("language_code", "")

    def _api_setMyCommands(self, params: dict, files: dict) -> Any:
        self.commands[self._menu_key(params)] = list(params["commands"])
        return True

    def _api_deleteMyCommands(self, params: dict, files: dict) -> Any:
        self.commands.pop(self._menu_key(params), None)
        return True

    def _api_getChatMember(self, params: dict, files: dict) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        if chat_id in self.kicked_from:
            raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        user = self.bot_user if user_id == BOT_ID else {"id": user_id, "is_bot": False, "first_name": str(user_id)}
        if user_id == BOT_ID and chat_id in self.admin_in:
            rights = dict.fromkeys(_ADMIN_RIGHTS, False)
            return {"status": "administrator", "user": user, **rights, "can_manage_chat": True}
        return {"status": "member", "user": user}

    def _api_getChat(self, params: dict, files: dict) -> Any:
        return self.chat(int(params["chat_id"])).to_dict()

    def _api_getUpdates(self, params: dict, files: dict) -> Any:
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        return list(self.pending_updates)

    def _api_deleteWebhook(self, params: dict, files: dict) -> Any:
        self.webhook_url = ""
        return True

    def _api_setWebhook(self, params: dict, files: dict) -> Any:
        self.webhook_url = params["url"]
        return True

    def _api_getWebhookInfo(self, params: dict, files: dict) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _api_close(self, params: dict, files: dict) -> Any:
        return True


_ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories",
)  # fmt: skip


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Telegram returns a message's markup only when it is an inline keyboard."""
    return markup if markup and "inline_keyboard" in markup else None


def _command_entities(text: str) -> list[dict[str, Any]]:
    """Telegram marks a leading ``/command`` with a bot_command entity."""
    if not text.startswith("/"):
        return []
    length = len(text.split()[0]) if text.split() else 1
    return [{"type": "bot_command", "offset": 0, "length": length}]


class LocalRequest(BaseRequest):
    """PTB's request seam, answered by a :class:`LocalBotApi` instead of the network."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, bytes] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1]
                files[part[0] or name] = content if isinstance(content, bytes) else content.read()
        gate = self.api.held.get(params["chat_id"]) if "chat_id" in params else None
        if gate is not None:
            await gate.wait()
        try:
            result = self.api.handle(api_method, params, files)
        except LocalTimeout:
            raise TimedOut("local Bot API timed out") from None
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": _jsonable(result)}).encode()


def _jsonable(result: Any) -> Any:
    if isinstance(result, dict) and "local_file" in result:
        return {key: value for key, value in result.items() if key != "local_file"}
    return result
