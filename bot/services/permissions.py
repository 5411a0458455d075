"""Who may do what (COMMANDS.md, "Who may do what"), checked in one place for commands and buttons.

Services call ``require_*`` before they change anything; a refusal raises :class:`Refused`, which
the Telegram layer turns into one line saying who may do it, and writes to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.models import Household


class Who(StrEnum):
    COMMITTEE = "committee"
    LEADER = "leader"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"
    REQUESTER = "requester"


class Refused(Exception):
    def __init__(self, action: str, who: Who) -> None:
        super().__init__(f"{action}: needs {who}")
        self.action = action
        self.who = who


@dataclass(frozen=True)
class Actor:
    """The person behind an update, with what the roster knows of them."""

    user_id: int
    household: Household | None = None
    committee: bool = False
    leader_of: frozenset[int] = frozenset()
    volunteer: bool = False

    def leads(self, building: int) -> bool:
        """Leader of ``building`` (the committee counts as leader everywhere)."""
        return self.committee or building in self.leader_of

    @property
    def helper(self) -> bool:
        """Volunteer, leader of any building, or committee."""
        return self.committee or self.volunteer or bool(self.leader_of)


def require(allowed: bool, action: str, who: Who) -> None:
    if not allowed:
        raise Refused(action, who)


def require_committee(actor: Actor, action: str) -> None:
    require(actor.committee, action, Who.COMMITTEE)


def require_leader(actor: Actor, building: int, action: str) -> None:
    require(actor.leads(building), action, Who.LEADER)


def require_helper(actor: Actor, action: str) -> None:
    require(actor.helper, action, Who.VOLUNTEER)


def require_household(actor: Actor, action: str) -> Household:
    require(actor.household is not None, action, Who.RESIDENT)
    assert actor.household is not None
    return actor.household
