"""The Telegram-facing layer: one module per feature, each with ``register(app)``.

This is the one ordered place where everything is registered.
"""

from __future__ import annotations

from handlers import (
    bulletins,
    buttons,
    care,
    errors,
    general,
    groupbuys,
    guards,
    medicine,
    reports,
    roster,
    router,
    sending,
    volunteers,
    wecom,
)
from handlers.context import BotApp


def register_all(app: BotApp) -> None:
    buttons.register(app)  # the callback data of every message the bot sends is recorded
    guards.register(app)  # groups -3 to -1: other bots, re-delivered updates, presses of buttons not sent
    router.register(app)  # group 0: every text message is parsed once
    general.register(app)
    roster.register(app)
    medicine.register(app)
    groupbuys.register(app)
    volunteers.register(app)
    care.register(app)
    bulletins.register(app)
    reports.register(app)
    wecom.register(app)
    errors.register(app)


async def on_startup(app: BotApp) -> None:
    """After the database is open: start sending what the outbox owes, re-register the schedules
    kept in SQLite."""
    sending.start_outbox(app)
    await groupbuys.restore_jobs(app)
    volunteers.start_jobs(app)
    care.start_jobs(app)
    await bulletins.restore_jobs(app)
    await reports.start_jobs(app)
