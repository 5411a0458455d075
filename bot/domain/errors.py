"""What the domain answers when its rules say no: :class:`UserError`, a catalogue text's key with
its values, which the Telegram layer sends in the chat's language."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
