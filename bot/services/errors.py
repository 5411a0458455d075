"""What a service can fail with: a rule of the domain said no (:class:`UserError`, from
``bot.domain.errors``: the user gets the catalogue text ``key`` with ``values``), or storage could
not keep or read something (:class:`StorageError`, :class:`AlreadyProcessed`, raised by
``storage.db`` and passed on here so the Telegram layer never imports storage)."""

from __future__ import annotations

from bot.domain.errors import UserError
from storage.db import AlreadyProcessed, StorageError

__all__ = ["AlreadyProcessed", "StorageError", "UserError"]
