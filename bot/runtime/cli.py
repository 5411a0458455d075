"""``building-bot``: run on Telegram, run in the console, migrate, back up, restore."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import TOKEN_ENV, Config, ConfigError, load_config
from bot.runtime import logfilter

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger("building_bot")

PG_BACKUP = (
    "the database is PostgreSQL ([storage] url): back it up and restore it with pg_dump and pg_restore "
    "(and WAL archiving), see README 'Running a district'"
)
NO_TOKEN = f"""No Telegram bot token configured.
  1. In Telegram, talk to @BotFather, send /newbot, and copy the token it gives you.
  2. Put it in config.toml under [telegram] token = "...", or export {TOKEN_ENV}=...
To try the bot without Telegram first:  building-bot console   (or: make console)"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="building-bot", description="楼组助手: a Telegram bot for building groups")
    config_help = "configuration file (default: config.toml, or built-in defaults when it is absent)"
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (
        ("run", "run on Telegram (polling or webhook, as configured)"),
        ("console", "run locally in this terminal: no token, no network"),
        ("migrate", "apply pending database migrations and exit"),
    ):
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--config", type=Path, help=config_help)
    roster = sub.add_parser(
        "import-roster",
        help="import households from a CSV file: building,unit,room[,name][,special_care]",
        description="Import a building's households (all lines or none), so the bot knows who has not responded.",
    )
    roster.add_argument("file", type=Path, help="CSV file: building,unit,room[,name][,special_care]")
    roster.add_argument("--config", type=Path, help=config_help)
    export = sub.add_parser(
        "export",
        help="write CSV files of medicine requests, group-buy orders, shifts and care checks",
        description="Write one CSV file per kind of record created in the date range (local dates, inclusive).",
    )
    export.add_argument("--out", type=Path, required=True, help="folder to write the CSV files to")
    export.add_argument("--from", dest="start", type=_date, help="first day, YYYY-MM-DD (default: 30 days ago)")
    export.add_argument("--to", dest="end", type=_date, help="last day, YYYY-MM-DD (default: today)")
    export.add_argument("--config", type=Path, help=config_help)
    backup = sub.add_parser("backup", help="copy the live database to PATH (SQLite online backup)")
    backup.add_argument("path", type=Path, help="where to write the copy")
    backup.add_argument("--config", type=Path, help=config_help)
    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (checked first; the bot must be stopped)",
        description="Check PATH (SQLite's integrity check, a building-bot schema), then copy it over the "
        "database; the database it replaces is kept beside it as <name>.before-restore-<time>.",
    )
    restore.add_argument("path", type=Path, help="the backup to restore")
    restore.add_argument("--config", type=Path, help=config_help)
    district = sub.add_parser(
        "migrate-to-postgres",
        help="copy a compound's SQLite database into a district's PostgreSQL database (new record numbers)",
        description="Copy every record of a compound's SQLite file (no bot running on it) into the PostgreSQL "
        "database at URL, in one transaction: migrations applied there first, every record numbered anew, "
        "counts checked and printed. Refused, with nothing written, when the district holds the compound "
        "already or the file is not a building-bot database.",
    )
    district.add_argument("--from", dest="source", type=Path, required=True, help="the compound's SQLite file")
    district.add_argument("--to", dest="url", required=True, help="postgresql://user@host:5432/district")
    district.add_argument("--config", type=Path, help=config_help + "; for the logging settings")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"building-bot: config error: {exc}", file=sys.stderr)
        return 2
    console = args.command == "console"
    stderr = logging.StreamHandler(sys.stderr)
    if console:  # the libraries' INFO lines would drown the conversation
        stderr.setLevel(logging.WARNING)
    if config.logging.format == "json":
        from bot.runtime.ops import JsonLines

        stderr.setFormatter(JsonLines())
    logging.basicConfig(
        level=logging.WARNING if console else config.logging.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[stderr],
    )
    logfilter.install(os.environ)  # no phone, ID or card number in the log; libraries at INFO
    try:
        if args.command == "run":
            return _run(config)
        if args.command == "console":
            from bot.runtime.console import run_console

            asyncio.run(run_console(config))
        elif args.command == "migrate":
            asyncio.run(_migrate(config))
        elif args.command == "backup":
            return asyncio.run(_backup(config, args.path))
        elif args.command == "restore":
            return _restore(config, args.path)
        elif args.command == "export":
            return asyncio.run(_export(config, args.out, args.start, args.end))
        elif args.command == "import-roster":
            return _import_roster(config, args.file)
        elif args.command == "migrate-to-postgres":
            return _migrate_to_postgres(args.source, args.url)
    except KeyboardInterrupt:
        return 130
    return 0


def _run(config: Config) -> int:
    from bot.runtime import ops

    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    telegram = config.telegram
    if telegram.mode == "webhook" and not telegram.url:
        print("building-bot: config error: telegram.url: needed in webhook mode", file=sys.stderr)
        return 2
    if config.storage.database_url:  # PostgreSQL: several processes may share it
        return _run_locked(config)
    lock = ops.RunLock(config.storage.path)
    if not lock.acquire():
        print(f"building-bot: another building-bot is running on {config.storage.path}", file=sys.stderr)
        return 2
    try:
        return _run_locked(config)
    finally:
        lock.release()


def _run_locked(config: Config) -> int:
    from telegram import Update

    from bot.runtime import ops
    from bot.runtime.app import build_application

    telegram = config.telegram
    if config.ops.sentry_dsn.get_secret_value():
        ops.start_sentry(config.ops.sentry_dsn.get_secret_value())
    app = build_application(config)
    log.info("starting in %s mode, database %s", telegram.mode, config.storage.database_label)
    # The loop run_polling/run_webhook then use: the Application they find initialized is not initialized again.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if not loop.run_until_complete(reach_telegram(app, config)):
        loop.close()
        print(TOKEN_REJECTED.format(base_url=telegram.base_url, env=TOKEN_ENV), file=sys.stderr)
        return 2
    if config.ops.http:
        loop.run_until_complete(ops.OpsServer(app, config).start())
    if telegram.mode == "webhook":
        app.run_webhook(
            listen=telegram.listen,
            port=telegram.port,
            url_path="telegram",
            webhook_url=telegram.url,
            # Without a configured secret, a new one each start: Telegram sends it with every update
            # and PTB answers 403 to a POST without it, so finding the URL is not enough to post updates.
            secret_token=telegram.secret_token.get_secret_value() or secrets.token_urlsafe(32),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


TOKEN_REJECTED = (
    "building-bot: Telegram ({base_url}) rejected the token: check [telegram] token in config.toml or {env} "
    "(@BotFather's /token shows it again)"
)
RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60)  # seconds; the last one repeats


async def reach_telegram(
    app: Application, config: Config, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
) -> bool:
    """Initialize ``app`` (its getMe checks the token), waiting with back-off, one log line a try,
    while Telegram cannot be reached. False when Telegram rejects the token: no use retrying."""
    from telegram.error import InvalidToken, TelegramError

    telegram = config.telegram
    proxy = telegram.proxy.get_secret_value()
    route = f" through the proxy {telegram.proxy_label}" if proxy else ""
    hint = "is the proxy running?" if proxy else "check the network, or set [telegram] proxy"
    delays = itertools.chain(RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1]))
    while True:
        try:
            await app.initialize()
            return True
        except InvalidToken:
            return False
        except TelegramError as exc:
            reason = str(exc) or exc.__class__.__name__
            for secret in filter(None, (config.token, proxy)):
                reason = reason.replace(secret, "<hidden>")
            delay = next(delays)
            log.warning(
                "cannot reach Telegram at %s%s (%s): %s; retrying in %s s",
                telegram.base_url,
                route,
                reason,
                hint,
                delay,
            )
            await sleep(delay)


async def _migrate(config: Config) -> None:
    from storage.db import Database

    db = Database(config.storage.path, url=config.storage.database_url)
    await db.open()
    try:
        print(f"{config.storage.database_label}: schema version {await db.schema_version()}")
    finally:
        await db.close()


def _import_roster(config: Config, file: Path) -> int:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"building-bot: cannot read {file}: {exc.__class__.__name__}", file=sys.stderr)
        return 2
    return asyncio.run(_import_roster_text(config, file, text))


async def _import_roster_text(config: Config, file: Path, text: str) -> int:
    from bot.services import Services
    from bot.services.roster import RosterImportError

    services = Services.create(config)
    await services.start()
    try:
        count = await services.roster.import_csv(text)
    except RosterImportError as exc:
        print(f"building-bot: {file} {exc}; nothing was imported", file=sys.stderr)
        return 2
    finally:
        await services.stop()
    print(f"imported {count} households from {file}")
    return 0


async def _export(config: Config, out: Path, start: date | None, end: date | None) -> int:
    from bot.render.exports import to_csv_files
    from bot.services import Services

    services = Services.create(config)
    await services.start()
    try:
        today = services.clock.now().astimezone(config.schedule.tz).date()
        end = end or today
        start = start or end - timedelta(days=29)
        if start > end:
            print("building-bot: --from is after --to", file=sys.stderr)
            return 2
        tables = await services.reports.export_tables(start, end)
    finally:
        await services.stop()
    for path in await asyncio.to_thread(to_csv_files, tables, out):
        print(f"wrote {path}")
    return 0


async def _backup(config: Config, target: Path) -> int:
    from storage.db import Database

    if config.storage.database_url:
        print(f"building-bot: {PG_BACKUP}", file=sys.stderr)
        return 2
    db = Database(config.storage.path)
    await db.open()
    try:
        await db.backup(target)
    finally:
        await db.close()
    print(f"backed up {config.storage.path} to {target}")
    return 0


def _restore(config: Config, backup: Path) -> int:
    from bot.runtime import ops

    if config.storage.database_url:
        print(f"building-bot: {PG_BACKUP}", file=sys.stderr)
        return 2
    database = config.storage.path
    lock = ops.RunLock(database)
    if not lock.acquire():
        print(f"building-bot: the bot is running on {database}: stop it before restoring", file=sys.stderr)
        return 2
    try:
        kept = ops.restore(backup, database, datetime.now().strftime("%Y%m%d-%H%M%S"))
    except ops.RestoreError as exc:
        print(f"building-bot: cannot restore: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.release()
    print(f"restored {database} from {backup}" + (f"; the database it replaced is {kept}" if kept else ""))
    return 0


def _migrate_to_postgres(source: Path, url: str) -> int:
    import psycopg

    from bot.runtime import ops
    from storage import copy_to_postgres, postgres

    lock = ops.RunLock(source)
    if source.is_file() and not lock.acquire():
        print(f"building-bot: a bot is running on {source}: stop it before moving its records", file=sys.stderr)
        return 2
    try:
        with postgres.connect(url) as target:
            moved = copy_to_postgres.move(source, target)
    except copy_to_postgres.Refused as refused:
        print(f"building-bot: migrate-to-postgres refused: {refused}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:  # the first line names the host or the rule; values (DETAIL) come after it
        print(f"building-bot: cannot use the PostgreSQL database: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        lock.release()
    print(f"moved {source} into the district database; rows per table:")
    print("\n".join(moved.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
