"""The daily report: figures per building and in total, the 7-day activity for its chart, the
exactly-once bookkeeping of scheduled reports, and the exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.clock import Clock
from bot.config import Config
from bot.domain.rooms import room_label
from bot.services.bulletins import Bulletins
from bot.services.care import Care
from bot.services.volunteers import Volunteers
from storage import reports as store
from storage.db import Database
from storage.sql import Connection


@dataclass
class Figures:
    """One building's figures (building 0: all buildings)."""

    building: int
    med_new: int = 0
    med_open: int = 0
    med_urgent: int = 0
    med_delivered: int = 0
    cards_out: int = 0
    buys_open: int = 0
    buys_closed: int = 0
    ordered: int = 0
    unpaid_fen: int = 0
    unsafe: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Digest:
    day: date
    total: Figures
    buildings: list[Figures]
    urgent: list[tuple[int, str]]  # (request id, household) of urgent requests not delivered
    everyone_buys: tuple[int, int]  # the committee's buys for every building: (open, closed in the day)
    on_duty: int
    hours_today: float
    slots_short: int
    rumors_today: int

    def building(self, number: int) -> Figures:
        return next((f for f in self.buildings if f.building == number), Figures(number))


@dataclass(frozen=True)
class Activity:
    """Per building, per day of the last week: medicine requests and group-buy orders."""

    days: list[date]
    buildings: list[int]
    medicine: dict[tuple[int, date], int]
    orders: dict[tuple[int, date], int]


EXPORT_FIRST_DAY = date(2000, 1, 1)  # no record is older


class Reports:
    def __init__(
        self,
        db: Database,
        config: Config,
        clock: Clock,
        volunteers: Volunteers,
        care: Care,
        bulletins: Bulletins,
    ) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._volunteers = volunteers
        self._care = care
        self._bulletins = bulletins

    def _day_window(self, day: date | None = None) -> tuple[date, datetime, datetime]:
        """A local day (today by default) and its start and end."""
        day = day or self._clock.now().astimezone(self._config.schedule.tz).date()
        start = datetime.combine(day, time(), self._config.schedule.tz)
        return day, start, start + timedelta(days=1)

    def due_day(self, grace: timedelta) -> date | None:
        """The day whose report is due now: today once its digest time has passed, else yesterday
        while its digest time is less than ``grace`` ago (a bot down from 19:00 to 00:10 sends
        yesterday's report when it comes back); None in between."""
        schedule = self._config.schedule
        now = self._clock.now().astimezone(schedule.tz)
        today_at = datetime.combine(now.date(), schedule.digest_time, schedule.tz)
        if now >= today_at:
            return now.date()
        if now - (today_at - timedelta(days=1)) <= grace:
            return now.date() - timedelta(days=1)
        return None

    async def digest(self, day: date | None = None) -> Digest:
        """The report of ``day`` (today by default). Medicine, group buys and the chart cover that
        day; volunteers on duty and hours, households not reported safe and rumors are as of now."""
        return await self._db.read(lambda conn: self._digest(conn, day))

    def _digest(self, conn: Connection, day: date | None) -> Digest:
        """The report, from one read: every figure of it is of the same moment."""
        day, start, end = self._day_window(day)
        medicine = store.medicine_by_building(conn, start, end)
        cards = store.cards_out_by_building(conn)
        by_building = store.groupbuys_by_building(conn, start, end)
        urgent = store.urgent_open(conn)
        unsafe = self._care.not_safe_in(conn)
        everyone = by_building.get(None, {})  # the committee's buys for every building
        buys = {number: figures for number, figures in by_building.items() if number is not None}
        numbers = sorted(set(medicine) | set(cards) | set(buys) | {u.building for u in unsafe})
        buildings = []
        for number in numbers:
            med = medicine.get(number, {})
            buy = buys.get(number, {})
            buildings.append(
                Figures(
                    building=number,
                    med_new=med.get("new", 0),
                    med_open=med.get("open", 0),
                    med_urgent=med.get("urgent", 0),
                    med_delivered=med.get("delivered", 0),
                    cards_out=cards.get(number, 0),
                    buys_open=buy.get("open", 0),
                    buys_closed=buy.get("closed", 0),
                    ordered=buy.get("quantity", 0),
                    unpaid_fen=buy.get("unpaid", 0),
                    unsafe=[u.household for u in unsafe if u.building == number],
                )
            )
        total = Figures(
            building=0,
            buys_open=everyone.get("open", 0),
            buys_closed=everyone.get("closed", 0),
            unsafe=[u.household for u in unsafe],
        )
        for figures in buildings:  # every figure is a building's, so the buildings add up to the whole
            for name in (
                "med_new", "med_open", "med_urgent", "med_delivered", "cards_out",
                "buys_open", "buys_closed", "ordered", "unpaid_fen",
            ):  # fmt: skip
                setattr(total, name, getattr(total, name) + getattr(figures, name))
        hours = self._volunteers.hours_in(conn)
        return Digest(
            day=day,
            total=total,
            buildings=buildings,
            urgent=[(rid, room_label(b, u, r)) for rid, b, u, r in urgent],
            everyone_buys=(everyone.get("open", 0), everyone.get("closed", 0)),
            on_duty=len(self._volunteers.on_duty_in(conn)),
            hours_today=round(sum(h.today for h in hours), 1),
            slots_short=sum(s.headcount - len(s.takers) for s in self._volunteers.vacancies_in(conn)),
            rumors_today=self._bulletins.rumors_today(conn),
        )

    async def activity(self, days: int = 7, until: date | None = None) -> Activity:
        day = self._day_window(until)[0]
        dates = [day - timedelta(days=n) for n in range(days - 1, -1, -1)]
        bounds = [self._day_window(d)[1] for d in [*dates, day + timedelta(days=1)]]
        counts = await self._db.read(lambda conn: store.activity_by_day(conn, bounds))
        medicine = {(b, d): n for b, (placed, _) in counts.items() for d, n in zip(dates, placed, strict=True) if n}
        orders = {(b, d): n for b, (_, placed) in counts.items() for d, n in zip(dates, placed, strict=True) if n}
        return Activity(
            days=dates,
            buildings=sorted(counts),
            medicine=medicine,
            orders=orders,
        )

    # ------------------------------------------------------------------ exactly once
    def claim(self, chat_id: int, day: date) -> Callable[[Connection], bool]:
        """The claim of ``day``'s report for ``chat_id``, made in the write that owes it (the outbox's
        ``owe_all(provided=…)``): True for the first such write, whichever bot's; False after."""
        now = self._clock.now()
        return lambda conn: store.claim_digest(conn, chat_id, day.isoformat(), now)

    async def claimed(self, chat_id: int, day: date) -> bool:
        return await self._db.read(lambda conn: store.digest_claimed(conn, chat_id, day.isoformat()))

    # ------------------------------------------------------------------ exports
    async def export_tables(self, start: date, end: date) -> dict[str, tuple[list[str], list[tuple]]]:
        """Every kind of record created between ``start`` and ``end`` (local days, inclusive; a
        range reaching beyond the records, such as 0001-01-01 to 9999-12-31, stops at 2000 and today)."""
        start, end = max(start, EXPORT_FIRST_DAY), min(end, self._day_window()[0])
        tz = self._config.schedule.tz
        begin = datetime.combine(start, datetime.min.time(), tz)
        finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
        return await self._db.read(
            lambda conn: {
                kind: (header, store.export_rows(conn, kind, begin, finish))
                for kind, (header, _) in store.EXPORTS.items()
            }
        )
