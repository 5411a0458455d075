"""A household's address as the bot keeps it: building, optional unit, room; and its one display form.
Reading rooms out of messages is ``bot.language.rooms``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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


class LocalRoom(BaseModel):
    """A room written without its building (``#登记 502`` in a building's group): the chat's
    building completes it."""

    model_config = ConfigDict(frozen=True)

    unit: int | None = Field(default=None, ge=1, le=99)
    room: int = Field(ge=100, le=9999)

    def in_building(self, building: int) -> Room:
        return Room(building=building, unit=self.unit, room=self.room)

    def __str__(self) -> str:
        return f"{self.unit}-{self.room}" if self.unit else str(self.room)
