"""The composition root: ``build_application`` wires config, services and handlers.

Production, console mode and the tests all call it; only ``request`` (PTB's ``BaseRequest`` seam)
differs: HTTPX to Telegram, the console's in-process Bot API, or the tests' recording fake.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot.clock import Clock
from bot.config import Config
from bot.runtime.chat_order import ChatOrderedProcessor
from bot.services import Services
from handlers.buttons import RecordingRateLimiter
from handlers.context import AppState, BotContext
from handlers.menus import publish_all as publish_command_menus
from storage.db import recording_update

log = logging.getLogger(__name__)

LOCAL_TOKEN = "1:local-console-token"


class BotApplication(Application):
    """PTB's Application, recording each update's id with the first write it makes."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        with recording_update(update.update_id, self.bot_data.services.clock.now()):
            await super().process_update(update)
        self.bot_data.newest_update = max(self.bot_data.newest_update, update.update_id)


def build_application(config: Config, request: BaseRequest | None = None, *, clock: Clock | None = None) -> Application:
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(config.token or LOCAL_TOKEN)
        .base_url(config.telegram.base_url)
        .defaults(Defaults(tzinfo=config.schedule.tz))
        .rate_limiter(
            RecordingRateLimiter(  # which message carries which buttons: handlers/buttons.py
                overall_max_rate=config.telegram.messages_per_second,
                overall_time_period=1,
                group_max_rate=config.telegram.group_messages_per_minute,
                group_time_period=60,
                max_retries=3,
            )
        )
        .concurrent_updates(ChatOrderedProcessor(config.telegram.concurrent_updates))
        .context_types(ContextTypes(context=BotContext, bot_data=AppState))
        .post_init(startup)
        .post_shutdown(shutdown)
    )
    proxy = config.telegram.proxy.get_secret_value()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif proxy:
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    app = builder.build()
    app.bot_data.services = Services.create(config, clock)
    handlers.register_all(app)
    return app


def services_of(app: Application) -> Services:
    return app.bot_data.services


async def startup(app: Application) -> None:
    """``post_init``: open the database, load settings, publish the command menus."""
    services = services_of(app)
    await services.start()
    await services.deliveries.forget_old()
    app.bot_data.newest_update = await services.deliveries.newest_update()
    await handlers.on_startup(app)
    await publish_command_menus(app)


async def shutdown(app: Application) -> None:
    """``post_shutdown``: close the database."""
    await services_of(app).stop()


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Start the application without polling (console, tests): what ``run_polling`` does around
    fetching updates, so updates can be fed with ``app.process_update``."""
    await app.initialize()
    await startup(app)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
        await app.shutdown()
        await shutdown(app)
