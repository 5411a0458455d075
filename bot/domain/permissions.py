"""Who may do what, and who sees what: one table (:data:`RULES`), checked for every command and button.

Each action lists the ways of standing towards what it acts on (:class:`Rel`) that allow it; any
one suffices. Services call :func:`authorize` (or a shorthand) before they change or show
anything; a refusal raises :class:`Refused`, which the Telegram layer turns into one line saying
who may do it, and writes to the audit log.

The rules in words:
- the committee may do everything;
- a floor leader acts only in the building(s) they lead;
- a volunteer is someone a leader (of their building) or the committee approved; an applicant is
  nobody until then. A volunteer serves the building they were approved for and their own
  household's building (every building when approved for none, as were all volunteers from before
  approvals existed): they claim, file and list there;
- a medicine request's private details (card, phone, notes, photo) are seen by its household (and
  whoever filed it), the volunteer holding the run while it is open (claimed or bought, not after
  delivery or cancelling), the building's leader and the committee — nobody else;
- a resident files medicine requests for their own household only (for a neighbour they are told
  to ask a leader or a volunteer); a care household's 报平安 is its paired volunteer's (an approved
  volunteer of its building), its leader's or the committee's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.models import Household


class Who(StrEnum):
    """Who a refusal says may do it (the text ``refused.<who>``)."""

    COMMITTEE = "committee"
    LEADER = "leader"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"
    REQUESTER = "requester"
    APPLY = "apply"  # as VOLUNTEER, said to someone who is none yet: with how to apply
    HOUSEHOLD = "household"  # a member of the household, the building's leader or the committee
    OWN_HOME = "own_home"  # a resident filing for a neighbour: only their own home, else ask a helper


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
    volunteer_in: frozenset[int] = frozenset()  # approved volunteer for these buildings; 0: every building

    def leads(self, building: int) -> bool:
        """Leader of ``building`` (the committee counts as leader everywhere)."""
        return self.committee or building in self.leader_of

    @property
    def volunteer(self) -> bool:
        """An approved volunteer (an applicant is not one)."""
        return bool(self.volunteer_in)

    def serves(self, building: int) -> bool:
        """An approved volunteer of ``building``: approved for it (or for every building), or living there."""
        return self.volunteer and (
            0 in self.volunteer_in
            or building in self.volunteer_in
            or (self.household is not None and self.household.building == building)
        )

    @property
    def helper(self) -> bool:
        """Volunteer, leader of any building, or committee."""
        return self.committee or self.volunteer or bool(self.leader_of)


class Rel(StrEnum):
    """How an actor stands towards what an action concerns."""

    COMMITTEE = "committee"
    LEADER = "leader"  # floor leader of the building concerned
    ANY_LEADER = "any leader"  # floor leader of some building (for actions tied to none)
    VOLUNTEER = "volunteer"  # approved volunteer serving the building concerned (any, when none is)
    CLAIMER = "claimer"  # the volunteer holding it: this medicine run while open, this care household paired
    HOUSEHOLD = "household"  # a member of the household concerned, or whoever filed the record
    RESIDENT = "resident"  # registered to a household
    ANYONE = "anyone"


@dataclass(frozen=True)
class Target:
    """What an action concerns; unset fields concern nothing."""

    building: int | None = None
    household_id: int | None = None
    filed_by: int | None = None
    claimer: int | None = None  # a medicine run's volunteer (only while the run is open), a care household's


NOTHING = Target()


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[Rel]
    refusal: Who
    # A volunteer's action refused to someone who is no volunteer, leader or committee: what to say.
    to_others: Who = Who.APPLY


def _rule(refusal: Who, *allowed: Rel, to_others: Who = Who.APPLY) -> Rule:
    return Rule(frozenset(allowed), refusal, to_others)


_C, _L, _AL, _V, _CL, _H, _R = (
    Rel.COMMITTEE,
    Rel.LEADER,
    Rel.ANY_LEADER,
    Rel.VOLUNTEER,
    Rel.CLAIMER,
    Rel.HOUSEHOLD,
    Rel.RESIDENT,
)
_COMMITTEE = _rule(Who.COMMITTEE, _C)
_LEADER = _rule(Who.LEADER, _C, _L)
_REQUESTER = _rule(Who.REQUESTER, _C, _L, _H)

# action → who may. Private details and list slips are actions too: "see" is a permission.
RULES: dict[str, Rule] = {
    # roster
    "bind": _COMMITTEE,
    "leader": _COMMITTEE,
    "role.clear": _COMMITTEE,
    "purge": _COMMITTEE,
    "register.other": _LEADER,
    "household.approve": _rule(Who.HOUSEHOLD, _C, _L, _H),  # letting someone join a household
    "lang.chat": _LEADER,  # a group's language (anyone may set their own)
    # medicine requests
    "med": _rule(Who.RESIDENT, _R),
    "med.other": _rule(Who.VOLUNTEER, _C, _L, _V, to_others=Who.OWN_HOME),  # filing for another household
    "med.edit": _rule(Who.REQUESTER, _H),
    "med.confirm": _REQUESTER,
    "med.cancel": _REQUESTER,
    "med.private": _REQUESTER,  # giving the private details (/start med12)
    "med.claim": _rule(Who.VOLUNTEER, _C, _L, _V),
    "med.bought": _rule(Who.VOLUNTEER, _C, _L, _CL),
    "med.cost": _rule(Who.VOLUNTEER, _C, _L, _CL),  # the cost added later (claimer: whoever bought it)
    "med.delivered": _rule(Who.VOLUNTEER, _C, _L, _CL),
    "med.details": _rule(Who.VOLUNTEER, _C, _L, _CL, _H),  # seeing card, phone, notes, photo
    "med.list": _rule(Who.VOLUNTEER, _C, _AL, _V),  # #配药清单 at all
    "med.slip": _rule(Who.VOLUNTEER, _C, _L, _V, _CL),  # one request's slip on that list
    # group buys
    "gb.open": _LEADER,
    "gb.order": _rule(Who.RESIDENT, _R),
    "gb.relay": _rule(Who.RESIDENT, _R),
    "gb.order.other": _LEADER,
    "gb.change": _LEADER,  # a running buy's terms (#改团); also its opener (GroupBuys.manages)
    "gb.reopen": _LEADER,  # the next round of a closed buy (#再开团); also its opener
    "gb.relaytext": _LEADER,  # a buy's WeChat 接龙 text (#接龙文本), also posted to the building's WeCom robot
    # volunteers
    "volunteer.apply": _rule(Who.RESIDENT, Rel.ANYONE),
    "volunteer.approve": _LEADER,
    "volunteer.roster": _COMMITTEE,
    "checkin": _rule(Who.VOLUNTEER, _C, _AL, _V),
    "checkout": _rule(Who.VOLUNTEER, _C, _AL, _V),
    "shift.open": _rule(Who.LEADER, _C, _AL),
    "shift.take": _rule(Who.VOLUNTEER, _C, _AL, _V),
    # special care
    "care.add": _LEADER,
    "care.pair": _LEADER,
    "care.paired": _rule(Who.VOLUNTEER, _V),  # who may be paired with a household: a volunteer serving it
    "care.safe": _rule(Who.VOLUNTEER, _C, _L, _CL),  # 报平安 (claimer: the paired volunteer)
    # notices, rumors, reports
    "notice": _COMMITTEE,
    "notices": _COMMITTEE,
    "notice_off": _COMMITTEE,
    "rumor": _COMMITTEE,
    "rumor_off": _COMMITTEE,
    "digest": _COMMITTEE,
    "export": _COMMITTEE,
}


def relations(actor: Actor, target: Target) -> frozenset[Rel]:
    found = {Rel.ANYONE}
    if actor.committee:
        found.add(Rel.COMMITTEE)
    if actor.leader_of:
        found.add(Rel.ANY_LEADER)
    if target.building is not None and target.building in actor.leader_of:
        found.add(Rel.LEADER)
    if actor.volunteer and (target.building is None or actor.serves(target.building)):
        found.add(Rel.VOLUNTEER)
    if target.claimer is not None and target.claimer == actor.user_id:
        found.add(Rel.CLAIMER)
    home = actor.household
    if actor.user_id == target.filed_by or (home is not None and home.id == target.household_id):
        found.add(Rel.HOUSEHOLD)
    if home is not None:
        found.add(Rel.RESIDENT)
    return frozenset(found)


def allows(actor: Actor, action: str, target: Target = NOTHING) -> bool:
    return bool(RULES[action].allowed & relations(actor, target))


def authorize(actor: Actor, action: str, target: Target = NOTHING) -> None:
    """Raise :class:`Refused` unless ``RULES[action]`` lets ``actor`` act on ``target``."""
    if not allows(actor, action, target):
        who = RULES[action].refusal
        raise Refused(action, RULES[action].to_others if who is Who.VOLUNTEER and not actor.helper else who)


def require(allowed: bool, action: str, who: Who) -> None:
    """A check the table does not hold yet (group buys' managers, role grants)."""
    if not allowed:
        raise Refused(action, who)


def require_committee(actor: Actor, action: str) -> None:
    authorize(actor, action)


def require_leader(actor: Actor, building: int, action: str) -> None:
    authorize(actor, action, Target(building=building))


def require_household(actor: Actor, action: str) -> Household:
    authorize(actor, action)
    assert actor.household is not None
    return actor.household
