"""Medicine requests (配药): from the resident's list to the door, exactly.

States and the changes allowed between them: ``bot.domain.statuses.MED``. Private details (card number, phone, notes) live apart and are
read only by the claiming volunteer and the committee.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import CardOut, MedItem, MedPrivate, MedRequest
from bot.domain.permissions import Actor, Target, allows, authorize, require_household
from bot.domain.statuses import MED, MED_CLAIMABLE, MED_HELD, MED_OPEN, MedStatus
from bot.language import commands as c
from bot.language.personal import scrub
from bot.services.errors import UserError
from storage import audit, roster
from storage import medicine as store
from storage.db import Database
from storage.sql import Connection

# A request still awaiting the resident's ✅ this long: its building's leader is told (once).
WAITING_TOO_LONG = timedelta(minutes=30)
URGENT_WAITING_TOO_LONG = timedelta(minutes=10)
# Nudges: the resident is reminded to confirm this long after filing; an urgent request unclaimed
# this long goes to the volunteers on duty, and as long again later to the building's leader.
REMIND_AFTER = timedelta(minutes=30)
UNCLAIMED_TOO_LONG = timedelta(hours=1)


@dataclass(frozen=True)
class Filed:
    request: MedRequest
    created: bool  # False: this message had filed it before (re-delivery)
    kept_private: bool = False  # a phone, card number or remark in the message went to the private details


@dataclass(frozen=True)
class HospitalRun:
    """What ``#配药清单`` shows: totals per drug (of confirmed requests), one slip per household (those
    awaiting the resident's ✅ too, with how many minutes they have waited), cards still out."""

    totals: list[tuple[str, str | None, int]]
    slips: list[MedRequest]
    cards_out: list[CardOut]
    waiting_minutes: dict[int, int]


_HAND_OVER = re.compile(r"交卡|给卡|带卡|卡交|hand(?:ing)? over|card to", re.I)
_LABELS = re.compile(r"医保卡号?|社保卡号?|卡号|联系电话|电话|手机号?|备注|card(?: number)?|phone|notes?|[:：]", re.I)
# Sent in private when asked for the card: a bare 8-20 character code with digits is the card number.
_BARE_CARD = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z]*\d{4})[0-9A-Za-z]{8,20}(?![0-9A-Za-z])")


def _items(command: c.MedRequest) -> list[MedItem]:
    """The list as stored (the parser already took phone and card numbers out of the names)."""
    return [MedItem(name=item.name, quantity=item.quantity, unit=item.unit) for item in command.items]


class Medicine:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def is_urgent(self, items: list[MedItem]) -> bool:
        keywords = [k.lower() for k in self._config.medicine.all_urgent_keywords]
        return any(keyword in item.name.lower() for item in items for keyword in keywords)

    async def get(self, request_id: int) -> MedRequest:
        request = await self._db.read(lambda conn: store.get(conn, request_id))
        if request is None:
            raise UserError("med.err.not_found", id=request_id)
        return request

    @staticmethod
    def _private_in(request_id: int, command: c.MedRequest, photo: str | None) -> MedPrivate | None:
        """The private details a message carried (phone, card, remarks, a prescription photo), or None."""
        if not (command.phone or command.card or command.note or photo):
            return None
        return MedPrivate(
            request_id=request_id,
            card_number=command.card,
            phone=command.phone,
            notes=command.note,
            card_handed=False,
            photo_file_id=photo,
        )

    # ------------------------------------------------------------------ filing
    async def file(
        self, actor: Actor, chat_id: int, message_id: int, command: c.MedRequest, photo: str | None = None
    ) -> Filed:
        """A new request; ``photo``: the file id of a prescription photo the list came with."""
        items = _items(command)
        urgent = command.urgent or self.is_urgent(items)
        now = self._clock.now()
        status = MedStatus.OPEN if self._config.medicine.auto_confirm else MedStatus.PENDING

        def body(conn: Connection) -> Filed:
            if command.room is None or (actor.household is not None and actor.household.is_at(command.room)):
                household = require_household(actor, "med")  # their own room, written out or not
            else:
                room = command.room
                authorize(actor, "med.other", Target(building=room.building))
                household = roster.ensure_household(conn, room.building, room.unit, room.room, now)
            request_id = store.create(
                conn,
                household_id=household.id,
                requested_by=actor.user_id,
                chat_id=chat_id,
                message_id=message_id,
                status=status,
                urgent=urgent,
                at=now,
            )
            if request_id is None:  # this message filed its request before
                existing = store.by_message(conn, chat_id, message_id)
                assert existing is not None
                return Filed(existing, created=False)
            store.add_items(conn, request_id, items)
            # The filer's private chat is about to be asked for the card number and phone.
            store.start_session(conn, actor.user_id, request_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="med.new", detail=f"#{request_id}")
            details = self._private_in(request_id, command, photo)
            if details is not None:
                store.save_private(conn, details, now)
            request = MedRequest(
                id=request_id,
                household_id=household.id,
                household=household.label,
                building=household.building,
                requested_by=actor.user_id,
                chat_id=chat_id,
                message_id=message_id,
                status=status,
                urgent=urgent,
                volunteer_id=None,
                volunteer_name=None,
                cost_fen=None,
                created_at=now,
                items=items,
            )
            kept = details is not None and bool(details.phone or details.card_number or details.notes)
            return Filed(request, created=True, kept_private=kept)

        return await self._db.write(body)

    async def edit(
        self, actor: Actor, chat_id: int, message_id: int, command: c.MedRequest, photo: str | None = None
    ) -> MedRequest | None:
        """The original message was edited: update the list while the request is still open (a phone,
        card number or remark added by the edit goes to the private details). None when that message
        filed no request."""
        items = _items(command)
        now = self._clock.now()

        def body(conn: Connection) -> MedRequest | None:
            request = store.by_message(conn, chat_id, message_id)
            if request is None:
                return None
            authorize(actor, "med.edit", Target(filed_by=request.requested_by))
            if request.status not in MED_CLAIMABLE:
                raise UserError("med.err.edit_too_late", id=request.id)
            store.replace_items(conn, request.id, items)
            store.update(conn, request.id, now, urgent=int(command.urgent or self.is_urgent(items)))
            details = self._private_in(request.id, command, photo)
            if details is not None:
                store.save_private(conn, details, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="med.edit", detail=f"#{request.id}")
            updated = store.get(conn, request.id)
            assert updated is not None
            return updated

        return await self._db.write(body)

    # ------------------------------------------------------------------ lifecycle
    async def _change(
        self,
        actor: Actor,
        request_id: int,
        action: str,
        new: MedStatus | None,
        check: Callable[[MedRequest], None] | None = None,
        **fields: object,
    ) -> MedRequest:
        """Change a request: the move to ``new`` (None: the state stays) if :data:`MED` allows it,
        then ``check`` (who may, rules beyond the table), and ``fields``; audited. A card handed over
        goes with the claiming volunteer and counts as returned at delivery or cancelling."""
        now = self._clock.now()
        changes = fields if new is None else {**fields, "status": new}

        def body(conn: Connection) -> MedRequest | None:
            request = store.get(conn, request_id)
            if request is None:
                raise UserError("med.err.not_found", id=request_id)
            if new is not None:
                MED.check(request.status, new, id=request_id)
            if check is not None:
                check(request)
            store.update(conn, request_id, now, **changes)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action=action, detail=f"#{request_id}")
            if new is MedStatus.CLAIMED:
                details = store.private(conn, request_id)
                if details and details.card_handed:
                    store.take_card(conn, request_id, request.household_id, actor.user_id, now)
            elif new in (MedStatus.DELIVERED, MedStatus.CANCELLED):
                store.return_card(conn, request_id, now)
            return store.get(conn, request_id)

        updated = await self._db.write(body)
        assert updated is not None
        return updated

    @staticmethod
    def _target(request: MedRequest) -> Target:
        """What the permission rules need of a request; its volunteer holds it only while the run is open."""
        return Target(
            building=request.building,
            household_id=request.household_id,
            filed_by=request.requested_by,
            claimer=request.volunteer_id if request.status in MED_HELD else None,
        )

    async def confirm(self, actor: Actor, request_id: int) -> MedRequest:
        authorize(actor, "med.confirm", self._target(await self.get(request_id)))
        return await self._change(actor, request_id, "med.confirm", MedStatus.OPEN)

    async def claim(self, actor: Actor, request_id: int, volunteer_name: str) -> MedRequest:
        """An open request, or an urgent one still awaiting the resident's ✅ (claiming confirms it)."""

        def check(current: MedRequest) -> None:
            authorize(actor, "med.claim", Target(building=current.building))
            if current.status is MedStatus.PENDING and not current.urgent:
                raise UserError("med.err.pending", id=request_id)

        return await self._change(
            actor,
            request_id,
            "med.claim",
            MedStatus.CLAIMED,
            check,
            volunteer_id=actor.user_id,
            volunteer_name=volunteer_name,
        )

    async def bought(self, actor: Actor, request_id: int, cost_fen: int | None) -> tuple[MedRequest, bool]:
        """Bought, with the cost if given. A cost given for a request bought (or delivered) before is
        added, or corrected, by whoever bought it, the leader or the committee: then True."""
        costed = (MedStatus.BOUGHT, MedStatus.DELIVERED)
        if cost_fen is not None and (await self.get(request_id)).status in costed:

            def add_cost(current: MedRequest) -> None:
                if current.status not in costed:
                    raise UserError(MED.refusal(current.status, MedStatus.BOUGHT), id=request_id)
                authorize(actor, "med.cost", Target(building=current.building, claimer=current.volunteer_id))

            return await self._change(actor, request_id, "med.cost", None, add_cost, cost_fen=cost_fen), True

        def check(current: MedRequest) -> None:
            authorize(actor, "med.bought", self._target(current))

        changed = await self._change(actor, request_id, "med.bought", MedStatus.BOUGHT, check, cost_fen=cost_fen)
        return changed, False

    async def delivered(self, actor: Actor, request_id: int) -> MedRequest:
        def check(current: MedRequest) -> None:
            authorize(actor, "med.delivered", self._target(current))

        return await self._change(
            actor, request_id, "med.delivered", MedStatus.DELIVERED, check, delivered_at=self._clock.now()
        )

    async def cancel(self, actor: Actor, request_id: int) -> MedRequest:
        authorize(actor, "med.cancel", self._target(await self.get(request_id)))
        return await self._change(actor, request_id, "med.cancel", MedStatus.CANCELLED)

    # ------------------------------------------------------------------ private details
    async def start_private(self, actor: Actor, request_id: int) -> MedRequest:
        """``/start med12`` in private: the requester is about to send the details."""
        request = await self.get(request_id)
        authorize(actor, "med.private", self._target(request))
        now = self._clock.now()
        await self._db.write(lambda conn: store.start_session(conn, actor.user_id, request_id, now))
        return request

    async def save_private(self, user_id: int, text: str, photo: str | None = None) -> tuple[int, MedPrivate] | None:
        """A private message after ``/start medN``: card number, phone, notes, whether the card is
        handed over, a prescription photo. None when no request was waiting for details."""
        rest, phones, cards = scrub(text)
        bare = _BARE_CARD.search(rest) if not cards else None
        if bare:
            cards, rest = [bare.group()], f"{rest[: bare.start()]} {rest[bare.end() :]}"
        phone, card = (phones[0] if phones else None), (cards[0] if cards else None)
        notes = " ".join(_LABELS.sub(" ", _HAND_OVER.sub(" ", rest)).split()).strip(" ,，;；")[:500] or None
        now = self._clock.now()

        def body(conn: Connection) -> tuple[int, MedPrivate] | None:
            request_id = store.take_session(conn, user_id)
            if request_id is None:
                return None
            details = MedPrivate(
                request_id=request_id,
                card_number=card,
                phone=phone,
                notes=notes,
                card_handed=bool(_HAND_OVER.search(text)),
                photo_file_id=photo,
            )
            store.save_private(conn, details, now)
            audit.add(conn, at=now, user_id=user_id, chat_id=None, action="med.private", detail=f"#{request_id}")
            saved = store.private(conn, request_id)
            assert saved is not None
            return request_id, saved

        return await self._db.write(body)

    async def private_details(self, actor: Actor, request_id: int) -> MedPrivate | None:
        """Read by the household, the volunteer holding the open run, the building's leader and the
        committee (``RULES["med.details"]``). Without a phone given for this request, the
        requester's phone from ``/start phone`` stands in."""

        def body(conn: Connection) -> tuple[MedPrivate | None, str | None]:
            request = store.get(conn, request_id)
            if request is None:
                raise UserError("med.err.not_found", id=request_id)
            authorize(actor, "med.details", self._target(request))
            return store.private(conn, request_id), roster.phone(conn, request.requested_by)

        details, phone = await self._db.read(body)
        if phone and (details is None or details.phone is None):
            base = details or MedPrivate(
                request_id=request_id, card_number=None, phone=None, notes=None, card_handed=False
            )
            details = base.model_copy(update={"phone": phone})
        return details

    # ------------------------------------------------------------------ the hospital run
    async def hospital_run(self, actor: Actor) -> HospitalRun:
        """Only the requests the actor may see (``RULES["med.slip"]``): a leader their building(s),
        a volunteer the buildings they serve and the runs they hold, the committee everything."""
        authorize(actor, "med.list")
        now = self._clock.now()
        everything, cards = await self._db.read(lambda conn: (store.with_status(conn, MED_OPEN), store.cards_out(conn)))
        visible = [request for request in everything if allows(actor, "med.slip", self._target(request))]
        requests = [request for request in visible if request.status is not MedStatus.BOUGHT]
        seen = {request.id for request in visible}
        cards = [card for card in cards if card.request_id in seen]
        totals: OrderedDict[tuple[str, str | None], int] = OrderedDict()
        for request in requests:
            if request.status is MedStatus.PENDING:  # not confirmed: nothing to buy yet
                continue
            for item in request.items:
                totals[(item.name, item.unit)] = totals.get((item.name, item.unit), 0) + item.quantity
        ordered = sorted(totals.items(), key=lambda entry: (-entry[1], entry[0][0]))
        return HospitalRun(
            totals=[(name, unit, quantity) for (name, unit), quantity in ordered],
            slips=requests,
            cards_out=cards,
            waiting_minutes={r.id: waited_minutes(r, now) for r in requests if r.status is MedStatus.PENDING},
        )

    async def waiting_too_long(self, bot_id: int) -> list[MedRequest]:
        """Requests awaiting the resident's ✅ for longer than :data:`WAITING_TOO_LONG` (urgent:
        :data:`URGENT_WAITING_TOO_LONG`) whose leader has not been told, of the buildings the bot
        ``bot_id`` serves (or no bot does): marked told, so each is told once, even across restarts
        and by one bot of several."""
        now = self._clock.now()

        def body(conn: Connection) -> list[MedRequest]:
            told = store.mark_waiting_told(conn, bot_id, now - WAITING_TOO_LONG, now - URGENT_WAITING_TOO_LONG, now)
            return [request for request_id in told if (request := store.get(conn, request_id))]

        return await self._db.write(body)

    async def nudges_due(self, bot_id: int, *, quiet: bool) -> dict[str, list[MedRequest]]:
        """The requests due for each nudge not given yet that the bot ``bot_id`` sends (of the
        buildings it serves, or no bot does; the resident's reminder: of the groups it is in):
        ``remind`` (the resident, to confirm; in quiet hours only the urgent), ``duty`` (urgent and
        unclaimed: the volunteers on duty), ``leader`` (still unclaimed an hour after that). Each is
        marked by :meth:`nudged` once owed."""
        now = self._clock.now()
        return await self._db.read(
            lambda conn: {
                "remind": store.nudges_due(conn, bot_id, "remind", now - REMIND_AFTER, urgent_only=quiet),
                "duty": store.nudges_due(conn, bot_id, "duty", now - UNCLAIMED_TOO_LONG),
                "leader": store.nudges_due(conn, bot_id, "leader", now - UNCLAIMED_TOO_LONG),
            }
        )

    async def nudged(self, kind: str, request_id: int) -> None:
        now = self._clock.now()
        await self._db.write(lambda conn: store.mark_nudged(conn, kind, request_id, now))

    async def requester_ids(self, request: MedRequest) -> list[int]:
        """Who to tell about a change: the household's members and whoever filed it."""
        members = await self._db.read(lambda conn: roster.members_of(conn, request.household_id))
        return sorted({*members, request.requested_by})


def waited_minutes(request: MedRequest, now: datetime) -> int:
    """How long a request has been waiting since it was filed, in whole minutes."""
    return max(0, int((now - request.created_at).total_seconds() // 60))
