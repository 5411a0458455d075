"""A rule of the domain said no: the user gets the catalogue text ``key`` with ``values``."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
