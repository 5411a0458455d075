"""The states a record goes through, and the one table per entity of the changes allowed.

Every status write in the services goes through :meth:`Lifecycle.check` first; a change the table
does not allow raises :class:`WrongTransition`, a :class:`UserError` whose text says what state the
record is in and what can be done (``med.err.cancelled``, ``gb.err.already_closed``). The values
are the strings stored in SQLite, so the enums need no migration; storage turns text into these
enums when it reads and back when it writes.

Medicine requests: pending (awaiting the resident's ✅) → open → claimed → bought → delivered; an
urgent request may be claimed while pending (claiming confirms it); a volunteer may deliver without
marking it bought; cancelled from pending, open or claimed. Group buys: open → closed → called off
(未成团, nothing owed), or open → called off at once; a re-opened buy is a new buy. The outbox: owed
→ sent, or failed; a retry leaves an item owed.

The groups that reports, nudges and rules use are read off the tables: a request is still open
while something can still happen to it, claimable while a volunteer can still claim it, and held
by its volunteer while it can be delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from bot.domain.errors import UserError


class MedStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLAIMED = "claimed"
    BOUGHT = "bought"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class BuyStatus(StrEnum):
    """Stored as the ``status`` column and the ``called_off`` flag: a called-off buy is closed."""

    OPEN = "open"
    CLOSED = "closed"
    CALLED_OFF = "called_off"


class OutboxState(StrEnum):
    OWED = "owed"
    SENT = "sent"
    FAILED = "failed"


S = TypeVar("S", bound=StrEnum)

# The text for a move no table allows and no refusal explains: only a mistake of the bot's own
# (a state nobody can change by a command) comes to it.
INTERNAL = "error.apology"


class WrongTransition(UserError):
    """A change its lifecycle does not allow from the record's current state."""

    def __init__(self, key: str, current: StrEnum, new: StrEnum, **values: object) -> None:
        super().__init__(key, **values)
        self.current, self.new = current, new


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """An entity's states: the moves allowed from each, and the text a refused move is answered
    with, by the state the record is in (``refusals``) or, where the move asked for says more, by
    both (``refusals_to``)."""

    moves: Mapping[S, frozenset[S]]
    refusals: Mapping[S, str] = field(default_factory=dict)
    refusals_to: Mapping[tuple[S, S], str] = field(default_factory=dict)

    def allows(self, current: S, new: S) -> bool:
        return new in self.moves[current]

    def refusal(self, current: S, new: S) -> str:
        return self.refusals_to.get((current, new)) or self.refusals.get(current, INTERNAL)

    def check(self, current: S, new: S, **values: object) -> None:
        """Raise :class:`WrongTransition` (its text formatted with ``values``) unless ``current →
        new`` is allowed."""
        if not self.allows(current, new):
            raise WrongTransition(self.refusal(current, new), current, new, **values)

    def leading_to(self, new: S) -> tuple[S, ...]:
        """The states from which ``new`` is one move away, in the enum's order."""
        return tuple(state for state, moves in self.moves.items() if new in moves)

    @property
    def still_open(self) -> tuple[S, ...]:
        """The states something can still happen from, in the enum's order."""
        return tuple(state for state, moves in self.moves.items() if moves)


_M = MedStatus
MED = Lifecycle[MedStatus](
    moves={
        _M.PENDING: frozenset({_M.OPEN, _M.CLAIMED, _M.CANCELLED}),
        _M.OPEN: frozenset({_M.CLAIMED, _M.CANCELLED}),
        _M.CLAIMED: frozenset({_M.BOUGHT, _M.DELIVERED, _M.CANCELLED}),
        _M.BOUGHT: frozenset({_M.DELIVERED}),
        _M.DELIVERED: frozenset(),
        _M.CANCELLED: frozenset(),
    },
    refusals={
        _M.PENDING: "med.err.not_claimed",
        _M.OPEN: "med.err.not_claimed",
        _M.CLAIMED: "med.err.already_claimed",
        _M.BOUGHT: "med.err.already_bought",
        _M.DELIVERED: "med.err.already_delivered",
        _M.CANCELLED: "med.err.cancelled",
    },
    refusals_to={
        (_M.OPEN, _M.OPEN): "med.err.already_confirmed",
        (_M.CLAIMED, _M.OPEN): "med.err.already_confirmed",
        (_M.BOUGHT, _M.OPEN): "med.err.already_confirmed",
        (_M.BOUGHT, _M.CLAIMED): "med.err.already_claimed",
        (_M.BOUGHT, _M.CANCELLED): "med.err.cancel_bought",
    },
)
MED_OPEN = MED.still_open  # pending, open, claimed, bought: in lists, reports and the hospital run
MED_CLAIMABLE = MED.leading_to(MedStatus.CLAIMED)  # pending, open: nobody holds it, the list may change
MED_HELD = MED.leading_to(MedStatus.DELIVERED)  # claimed, bought: its volunteer holds the run

BUY = Lifecycle[BuyStatus](
    moves={
        BuyStatus.OPEN: frozenset({BuyStatus.CLOSED, BuyStatus.CALLED_OFF}),
        BuyStatus.CLOSED: frozenset({BuyStatus.CALLED_OFF}),
        BuyStatus.CALLED_OFF: frozenset(),
    },
    refusals={BuyStatus.CLOSED: "gb.err.already_closed", BuyStatus.CALLED_OFF: "gb.err.called_off"},
)

OUTBOX = Lifecycle[OutboxState](
    moves={
        OutboxState.OWED: frozenset({OutboxState.SENT, OutboxState.FAILED}),
        OutboxState.SENT: frozenset(),
        OutboxState.FAILED: frozenset(),
    },
)
