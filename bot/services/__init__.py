"""Domain services: the rules, permissions and arithmetic of each feature. No Telegram imports."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Config
from bot.services.audit import Audit
from bot.services.bulletins import Bulletins
from bot.services.care import Care
from bot.services.deliveries import Deliveries
from bot.services.groupbuys import GroupBuys
from bot.services.medicine import Medicine
from bot.services.menus import PublishedMenus
from bot.services.outbox import Outbox
from bot.services.questions import Questions
from bot.services.reports import Reports
from bot.services.roster import Roster
from bot.services.settings import ChatSettings
from bot.services.volunteers import Volunteers
from bot.services.wecom import WeCom
from storage.db import Database


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    settings: ChatSettings
    audit: Audit
    deliveries: Deliveries
    outbox: Outbox
    roster: Roster
    medicine: Medicine
    groupbuys: GroupBuys
    questions: Questions
    volunteers: Volunteers
    care: Care
    bulletins: Bulletins
    reports: Reports
    wecom: WeCom
    menus: PublishedMenus

    @classmethod
    def create(cls, config: Config, clock: Clock | None = None) -> Services:
        db = Database(config.storage.path, url=config.storage.database_url)
        clock = clock or Clock()
        volunteers = Volunteers(db, config, clock)
        care = Care(db, config, clock)
        bulletins = Bulletins(db, config, clock)
        outbox = Outbox(db, clock)
        return cls(
            config=config,
            db=db,
            clock=clock,
            settings=ChatSettings(db),
            audit=Audit(db, clock),
            deliveries=Deliveries(db, clock),
            outbox=outbox,
            roster=Roster(db, config, clock),
            medicine=Medicine(db, config, clock),
            groupbuys=GroupBuys(db, clock, config.schedule.tz),
            questions=Questions(db, clock),
            volunteers=volunteers,
            care=care,
            bulletins=bulletins,
            reports=Reports(db, config, clock, volunteers, care, bulletins),
            wecom=WeCom(db, config, clock, outbox),
            menus=PublishedMenus(db),
        )

    def chat_language(self, chat_id: int) -> str:
        """For messages no user triggered (jobs): the chat's /lang, else the configured default."""
        return self.settings.language(chat_id) or self.config.committee.language

    def quiet_hours(self) -> bool:
        """Is it now within ``nudges.quiet_hours`` (the non-urgent nudges wait for their end)?"""
        return self.config.nudges.quiet(self.clock.now().astimezone(self.config.schedule.tz).time())

    async def start(self) -> None:
        await self.db.open()
        await self.settings.load()

    async def stop(self) -> None:
        await self.outbox.stop()
        await self.db.close()
