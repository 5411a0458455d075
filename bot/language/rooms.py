"""Room addresses: 3号楼502, 3-502, 3#502, 3栋502, 3幢502室, 3号楼2单元502, 3-2-502, 三号楼502, ３－５０２."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from bot.language.numbers import CN_CHARS, parse_int


def room_label(building: int, unit: int | None, room: int) -> str:
    """The canonical display form every group sees: ``3-502``, or ``3-2-502`` with a unit."""
    return f"{building}-{room}" if not unit else f"{building}-{unit}-{room}"


class Room(BaseModel):
    """Building, optional unit, room; ``str(room)`` is the canonical form ``3-502`` / ``3-2-502``."""

    model_config = ConfigDict(frozen=True)

    building: int = Field(ge=1, le=9999)
    unit: int | None = Field(default=None, ge=1, le=99)
    room: int = Field(ge=1, le=99999)

    def __str__(self) -> str:
        return room_label(self.building, self.unit, self.room)


_BUILDING = rf"(?P<b>\d{{1,4}}|[{CN_CHARS}]{{1,5}})"
_ROOM_PATTERN = re.compile(
    rf"{_BUILDING}\s*(?:号楼|号|栋|幢|楼|#|-)\s*"
    r"(?:(?P<u>\d{1,2})\s*(?:单元|-)\s*)?"
    r"(?P<r>\d{2,5})(?:\s*(?:室|号))?"
    r"(?![\d.])"
)
# "3号楼" or "3" alone: a building.
BUILDING_PATTERN = re.compile(rf"^{_BUILDING}\s*(?:号楼|号|栋|幢|楼)?$")


def match_room(text: str, pos: int = 0) -> tuple[Room, int] | None:
    """A room address at ``pos`` of normalised text: (room, end position), or None."""
    match = _ROOM_PATTERN.match(text, pos)
    if not match:
        return None
    try:
        room = Room(
            building=parse_int(match["b"]),
            unit=int(match["u"]) if match["u"] else None,
            room=int(match["r"]),
        )
    except ValueError:
        return None
    return room, match.end()


def parse_room(text: str) -> Room | None:
    """The whole (normalised) text as a room, or None."""
    found = match_room(text.strip())
    if found and found[1] == len(text.strip()):
        return found[0]
    return None


def parse_building(text: str) -> int | None:
    """``3``, ``3号楼``, ``三号楼``, ``3栋`` → 3; None otherwise."""
    match = BUILDING_PATTERN.match(text.strip())
    if not match:
        return None
    try:
        number = parse_int(match["b"])
    except ValueError:
        return None
    return number if 1 <= number <= 9999 else None
