"""Proof under faults: re-delivery, Telegram errors, hostile input, disk trouble."""

import asyncio
import logging
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from handlers.groupbuys import board_job_name
from tests.conftest import make_config, read_only, sqlite_only
from tests.harness import (
    BUILDING_3,
    COMMITTEE,
    COMMITTEE_CHAT,
    NEIGHBOUR,
    RESIDENT,
    Harness,
    LocalUser,
    nothing_pending,
    until,
)

LEADER = LocalUser(2001, "楼长老陈")
VOLUNTEER = LocalUser(3001, "志愿者小李")
STRANGER = LocalUser(4444, "陌生人")

SCRIPT = [
    (BUILDING_3, COMMITTEE, "#绑定 3号楼"),
    (BUILDING_3, RESIDENT, "#登记 3-502"),
    (BUILDING_3, NEIGHBOUR, "#登记 3-601"),
    (BUILDING_3, VOLUNTEER, "#报到 小李 配送"),
    (BUILDING_3, RESIDENT, "#配药 布洛芬 2盒"),
    (BUILDING_3, COMMITTEE, "#开团 蔬菜包 68元/份"),
    (BUILDING_3, RESIDENT, "#接龙 1 2"),
    (BUILDING_3, NEIGHBOUR, "#接龙 1 3"),
    (BUILDING_3, VOLUNTEER, "#签到 配送"),
    (BUILDING_3, COMMITTEE, "#关爱 3-601 独居老人"),
    (BUILDING_3, COMMITTEE, "#已付 1 3-502"),
    (BUILDING_3, RESIDENT, "#取消 1"),
    (BUILDING_3, VOLUNTEER, "#签退"),
]

TABLES = ["households", "members", "roles", "med_requests", "med_items", "group_buys", "group_buy_orders",
          "shifts", "care_households", "volunteers", "chats", "audit_log"]  # fmt: skip


async def snapshot(bot: Harness) -> dict[str, list[tuple]]:
    found = {}
    for table in TABLES:
        rows = await bot.services.db.fetchall(f"SELECT * FROM {table}")
        found[table] = [tuple(row) for row in rows]
    return found


async def play(config, clock, times: int) -> tuple[dict, list[str]]:
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        for chat, user, text in SCRIPT:
            payload = api.message_update(chat, user, text)
            for _ in range(times):
                await bot.feed(payload)
        return await snapshot(bot), api.texts()


async def test_every_update_delivered_twice_changes_nothing_the_second_time(tmp_path, clock):
    once = await play(make_config(tmp_path / "once"), clock, 1)
    twice = await play(make_config(tmp_path / "twice"), clock, 2)
    assert once == twice


# ------------------------------------------------------------------------------ Telegram faults
async def test_retry_after_is_waited_out_and_nothing_is_lost(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    assert (await bot.services.medicine.get(1)).household == "3-502"
    assert bot.last(BUILDING_3).startswith("配药单 #1")  # sent on the retry


async def test_a_reply_telegram_does_not_take_is_owed_never_apologised_for_and_sent_when_it_can(bot, clock):
    """A timeout, a 502 or a 429 past the limiter's retries on the reply to a stored record: the
    user is not told to try again (that would file it twice); the reply goes out once Telegram
    takes it, exactly once."""
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    for code, description, times in ((0, "", 2), (502, "Bad Gateway", 1), (429, "Too Many Requests", 4)):
        bot.api.faults.clear()
        bot.api.fail(
            "sendMessage", code, description, parameters={"retry_after": 1} if code == 429 else None, times=times
        )
        before = len(bot.texts(BUILDING_3))
        await bot.send(BUILDING_3, RESIDENT, f"#配药 布洛芬 {times}盒")
        for _ in range(4):
            clock.advance(seconds=60)
            await bot.services.outbox.drain("telegram")
        answers = bot.texts(BUILDING_3)[before:]
        assert len(answers) == 1 and answers[0].startswith("配药单 #"), answers
    assert not any("请稍后再试" in text for text in bot.texts())
    await bot.send(BUILDING_3, RESIDENT, "#配药 维生素C 1瓶")
    assert (await bot.services.medicine.get(4)).items[0].name == "维生素C"


async def test_message_not_modified_on_a_board_edit_is_harmless(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, COMMITTEE, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    bot.api.fail("editMessageText", 400, "Bad Request: message is not modified")
    for job in bot.app.job_queue.get_jobs_by_name(board_job_name(1)):
        await job.run(bot.app)
        job.schedule_removal()
    boards = [m for m in bot.api.sent(BUILDING_3) if m["text"].startswith("🛒")]
    assert len(boards) == 1  # no re-post, no crash
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    assert (await bot.services.groupbuys.tally(1)).total == 3


async def test_a_kicked_group_is_marked_and_the_bot_keeps_running(bot):
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    bot.api.kicked_from.add(BUILDING_3)
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    assert await bot.services.roster.building_chats(3) == []
    assert (await bot.services.roster.actor(RESIDENT.id)).household.label == "3-502"  # the record stands
    await bot.send(RESIDENT.id, RESIDENT, "/me")
    assert bot.last(RESIDENT.id).startswith("户号：3-502")


# ------------------------------------------------------------------------------ hostile input
CALLBACKS = st.one_of(
    st.builds(lambda a, n: f"med:{a}:{n}", st.sampled_from(["confirm", "cancel"]), st.integers(0, 5)),
    st.builds(lambda a, n: f"gb:{a}:{n}", st.sampled_from(["+1", "-1", "csv"]), st.integers(0, 3)),
    st.builds(lambda n: f"slot:take:{n}", st.integers(0, 3)),
    st.just("purge:yes"),
    st.text(string.printable, max_size=64),
)
# Numbers where ids, quantities, sizes and dates go, up to 30 digits: never an overflow or a traceback.
OVERFLOWS = st.builds(
    lambda template, n: template.format(n=n),
    st.sampled_from(
        ["/start med{n}", "/start info{n}", "#已付 {n} 3-502", "#接龙 {n} {n}", "#接龙 1 {n}", "#开团 菜 5元 整箱{n}",
         "#开团 菜 {n}元", "#开团 菜 5元 起订{n} 限购{n}", "#认领 {n}", "#已购 {n} {n}元", "#配药 布洛芬 {n}盒",
         "#排班 核酸 明天7:00-11:00 {n}人", "/export 0001-01-01 {n}-12-31", "#登记 {n}-{n}", "+{n}"]
    ),
    st.integers(0, 10**30),
)  # fmt: skip
TEXTS = st.one_of(
    OVERFLOWS,
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
    st.builds(lambda s: "#配药 " + s * 700, st.text(min_size=1, max_size=8)),
    st.sampled_from(
        ["#取消 1", "#认领 1", "#已购 1 5元", "#已送达 1", "#截单 1", "#已付 1 3-502", "#接龙 1 3-502 9", "/purge",
         "#绑定 9", "#团购汇总 1", "/export", "#平安 3-601", "#结对 3-601", "#楼组长", "#日报",
         "#辟谣 假 | 关键词: 假 | 假的 | 来源: 我", "#通知 散会", "#配药 3-502 安眠药 9盒", "/notice_off 1"]
    ),
)  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.booleans(), TEXTS, CALLBACKS), min_size=1, max_size=25))
def test_hostile_messages_and_forged_buttons_never_crash_or_change_others_records(tmp_path_factory, clock, actions):
    config = make_config(tmp_path_factory.mktemp("hostile"))
    asyncio.run(_hostile(config, clock, actions))


async def _hostile(config, clock, actions) -> None:
    api = LocalBotApi()
    errors: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record)

    catcher = Catch()
    logging.getLogger().addHandler(catcher)
    try:
        async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
            bot = Harness(app, api)
            for chat, user, text in SCRIPT[:8]:
                await bot.send(chat, user, text)
            board = next(m for m in api.sent(BUILDING_3) if m["text"].startswith("🛒"))
            guarded = {t: v for t, v in (await snapshot(bot)).items() if t != "audit_log"}
            for is_button, text, data in actions:
                if "登记" in text or "register" in text.lower():
                    continue  # the stranger stays a stranger (anyone may join a household by registering)
                if is_button:
                    await bot.press(BUILDING_3, board["message_id"], STRANGER, data)
                else:
                    await bot.send(BUILDING_3, STRANGER, text)
            after = {t: v for t, v in (await snapshot(bot)).items() if t != "audit_log"}
    finally:
        logging.getLogger().removeHandler(catcher)
    assert errors == []
    for table, rows in guarded.items():  # everything that existed is still there, unchanged
        assert set(rows) <= set(after[table]), table
    assert after["roles"] == guarded["roles"] and after["chats"] == guarded["chats"]


# ------------------------------------------------------------------------------ disk trouble
async def test_a_read_only_database_answers_clearly_and_recovers(bot, caplog):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.services.db.on_writer(read_only(True))
    with caplog.at_level(logging.ERROR):
        await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    assert bot.last(BUILDING_3) == t("zh", "error.storage")
    assert "storage error" in caplog.text and "布洛芬" not in caplog.text
    await bot.services.db.on_writer(read_only(False))
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    assert bot.last(BUILDING_3).startswith("配药单 #1")


async def test_an_update_that_failed_on_storage_is_handled_when_delivered_again(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    request = bot.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    await bot.services.db.on_writer(read_only(True))
    await bot.feed(request)
    await bot.services.db.on_writer(read_only(False))
    await bot.feed(request)  # the same update again: its failed attempt did not mark it as handled
    assert bot.last(BUILDING_3).startswith("配药单 #1")


@sqlite_only("a full disk is staged with SQLite's max_page_count")
async def test_a_full_database_answers_clearly_and_recovers(bot):
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    db = bot.services.db
    await db.on_writer(
        lambda conn: conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    )
    await bot.send(BUILDING_3, RESIDENT, "#配药 " + "，".join(f"{'很长的药品名称' * 12}{i} 1盒" for i in range(45)))
    assert bot.last(BUILDING_3) == t("zh", "error.storage")
    await db.on_writer(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    assert bot.last(BUILDING_3).startswith("配药单 #")
    rows = await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests")
    assert rows[0]["n"] == 1


# ------------------------------------------------------------------------------ long answers
async def test_an_answer_over_4096_characters_is_split_at_lines_with_nothing_lost(bot):
    """#在岗 with 150 volunteers on duty: several messages, each within Telegram's limit, every
    volunteer's line whole (before, "message too long" and the apology)."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    for n in range(150):
        volunteer = LocalUser(50_000 + n, f"志愿者{n:03d}号")
        await bot.volunteer(BUILDING_3, volunteer, COMMITTEE, f"#报到 志愿者{n:03d}号 配送")
        await bot.send(BUILDING_3, volunteer, "#签到 配送 3号楼东门物资集散点")
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, COMMITTEE, "#在岗")
    parts = bot.texts(BUILDING_3)[before:]
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    lines = "\n".join(parts).splitlines()
    assert all(sum(f"志愿者{n:03d}号" in line for line in lines) == 1 for n in range(150))
    assert not any("请稍后再试" in part for part in parts)


# ------------------------------------------------------------------------------ the inbox
async def test_an_update_stored_but_not_answered_before_a_crash_is_answered_after_the_restart_once(
    config, clock, monkeypatch
):
    """Polling stores each update before confirming it. The process dies after the request was
    filed and before its answer went out: after the restart the update is handled again from the
    inbox, the request is not filed twice, and the answer it owed is given."""
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)  # the "crash": the update is cut short
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        bot = Harness(app, api)
        await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
        stalled = api.hold(BUILDING_3)  # Telegram never answers the reply
        update = Update.de_json(api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒"), app.bot)
        await app.update_queue.put(update)  # as polling hands it over
        await until(lambda: app.bot_data.services.db.fetchall("SELECT 1 FROM med_requests"))
        assert "配药单 #1" not in " ".join(api.texts(BUILDING_3))
        pending = await app.bot_data.services.deliveries.pending()
        assert len(pending) == 1
    stalled.set()
    del api.held[BUILDING_3]
    async with running(build_application(config, LocalRequest(api), clock=clock)) as restarted:
        await until(lambda: any(text.startswith("配药单 #1") for text in api.texts(BUILDING_3)))
        await until(nothing_pending(restarted))  # marked handled right after its answer went out
        rows = await restarted.bot_data.services.db.fetchall("SELECT count(*) FROM med_requests")
    assert rows[0][0] == 1, "filed once"
    assert sum(text.startswith("配药单 #1") for text in api.texts(BUILDING_3)) == 1


async def test_a_notice_stored_but_not_yet_owed_to_the_groups_before_a_crash_is_posted_after_the_restart_once(
    config, clock, monkeypatch
):
    """The notice is one write, its posts to the groups the next: the process dies between them.
    The update is handled again from the inbox: the notice's write gives back what it stored (not
    a second notice) and its posts are owed then, once."""
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)  # the "crash": the update is cut short
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        bot = Harness(app, api)
        await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        outbox = app.bot_data.services.outbox

        async def dies_here(*args: object, **kwargs: object) -> None:
            await asyncio.Event().wait()

        monkeypatch.setattr(outbox, "owe_for", dies_here)
        update = Update.de_json(api.message_update(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸"), app.bot)
        await app.update_queue.put(update)  # as polling hands it over
        await until(lambda: app.bot_data.services.db.fetchall("SELECT 1 FROM notices"))
    monkeypatch.undo()
    posted = t("zh", "notice.post", text="明早7点核酸")
    assert posted not in api.texts(BUILDING_3)
    async with running(build_application(config, LocalRequest(api), clock=clock)) as restarted:
        await until(lambda: posted in api.texts(BUILDING_3))
        await until(nothing_pending(restarted))
        rows = await restarted.bot_data.services.db.fetchall("SELECT count(*) FROM notices")
    assert rows[0][0] == 1, "stored once"
    assert api.texts(BUILDING_3).count(posted) == 1
