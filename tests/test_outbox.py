"""The outbox: what the bot owes a chat is stored before it is sent, sent once, retried with
back-off when Telegram cannot take it, and still owed (then sent once) across a restart."""

from __future__ import annotations

import asyncio

from bot.clock import FixedClock
from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.services.outbox import DRAIN_WIDTH
from handlers.sending import TELEGRAM, owe_text, telegram_payload
from tests.harness import BUILDING_3, BUILDING_5, Harness, until


async def test_an_owed_message_is_sent_once_and_owing_its_key_again_sends_nothing(bot: Harness):
    outbox = bot.services.outbox
    await outbox.owe(TELEGRAM, BUILDING_3, telegram_payload("核酸 7:00"), "notice:1:-1003")
    await until(lambda: "核酸 7:00" in bot.texts(BUILDING_3))
    again = await outbox.owe(TELEGRAM, BUILDING_3, telegram_payload("核酸 7:00"), "notice:1:-1003")
    assert again.state == "sent" and again.result["chat"]["id"] == BUILDING_3
    await outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3).count("核酸 7:00") == 1
    assert await outbox.counts(TELEGRAM) == {"sent": 1}


async def test_a_502_a_timeout_and_a_429_are_retried_after_their_back_off(bot: Harness, clock: FixedClock):
    outbox = bot.services.outbox
    bot.api.fail("sendMessage", 502, "Bad Gateway", chat_id=BUILDING_3)
    item = await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("第一条"), "a")
    assert item.state == "owed" and bot.texts(BUILDING_3) == []
    await outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3) == [], "not before its back-off"
    bot.api.fail("sendMessage", 0, chat_id=BUILDING_3)  # then a timeout
    clock.advance(seconds=2)
    await outbox.drain(TELEGRAM)
    # a 429 past the rate limiter's own three retries (each waits the 1 s it says)
    bot.api.fail("sendMessage", 429, "Too Many Requests", parameters={"retry_after": 1}, chat_id=BUILDING_3, times=4)
    clock.advance(seconds=4)
    await outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3) == [], "a 429 is retried after its retry_after"
    clock.advance(seconds=1)
    await outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3) == ["第一条"]


async def test_a_chat_waiting_for_its_retry_holds_back_its_own_later_messages_only(bot: Harness, clock: FixedClock):
    outbox = bot.services.outbox
    bot.api.fail("sendMessage", 502, "Bad Gateway", chat_id=BUILDING_3)
    await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("一"), "3:1")
    later = await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("二"), "3:2")
    other = await outbox.send(TELEGRAM, BUILDING_5, telegram_payload("五号楼"), "5:1")
    assert later.state == "owed" and other.state == "sent"
    clock.advance(seconds=2)
    await outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3) == ["一", "二"]


async def test_a_chat_that_removed_the_bot_fails_the_item_and_it_is_never_tried_again(bot: Harness, clock):
    outbox = bot.services.outbox
    bot.api.fail("sendMessage", 403, "Forbidden: bot was kicked from the group chat", chat_id=BUILDING_3)
    item = await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("喂"), "kicked")
    assert item.state == "failed"
    clock.advance(hours=1)
    await outbox.drain(TELEGRAM)
    assert len(bot.api.calls_of("sendMessage")) == 1
    assert await outbox.counts(TELEGRAM) == {"failed": 1}


async def test_a_long_text_is_split_at_lines_and_a_very_long_one_goes_as_a_file(bot: Harness):
    outbox = bot.services.outbox
    lines = [f"{n:03d} 3-{n} 布洛芬 ×2盒 读不懂的一行" for n in range(300)]
    await owe_text(outbox, BUILDING_3, "\n".join(lines), "long")
    parts = bot.texts(BUILDING_3)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts).splitlines() == lines, "split between lines, nothing lost"
    await owe_text(outbox, BUILDING_5, "\n".join(lines * 20), "very long")
    (document,) = [call for call in bot.api.calls_of("sendDocument")]
    assert document.params["chat_id"] == BUILDING_5
    assert b"".join(document.files.values()).decode().splitlines() == lines * 20
    assert not [call for call in bot.api.calls_of("sendMessage") if call.params["chat_id"] == BUILDING_5]


async def test_what_is_owed_survives_a_restart_and_goes_out_once(config: Config, clock: FixedClock):
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        outbox = app.bot_data.services.outbox
        await outbox.send(TELEGRAM, BUILDING_5, telegram_payload("已发"), "sent-before")
        api.fail("sendMessage", 0, chat_id=BUILDING_3, times=100)  # Telegram unreachable for this chat
        await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("日报"), "owed-at-stop")
    assert api.texts() == ["已发"]
    api.faults.clear()
    clock.advance(minutes=10)
    restarted = build_application(config, LocalRequest(api), clock=clock)
    async with running(restarted):
        await until(lambda: "日报" in api.texts())
    assert api.texts() == ["已发", "日报"]


async def test_an_item_listed_before_another_drain_sent_it_is_not_sent_again(bot: Harness):
    """The background drainer and a job may list the same owed item; whichever attempts it second,
    after the first has sent it, must not send it again (the list it holds is stale)."""
    outbox = bot.services.outbox
    sent: list[str] = []

    async def record(target, payload):
        sent.append(payload["text"])
        return {"ok": True}

    outbox.register("test", record)
    listed = await outbox.owe("test", "x", {"text": "一次"}, "overlap:1")  # as a drain would list it
    await outbox.drain("test")  # another drain sends it meanwhile
    await outbox._attempt(listed)  # the first drain reaches its stale entry
    assert (await outbox.counts("test"), sent) == ({"sent": 1}, ["一次"])


async def test_a_target_whose_send_is_slow_holds_back_no_other_target(bot: Harness):
    """A chat waiting on its rate limit (or a paced WeCom robot) must not hold back another target:
    here the slow target's send only returns once the other target has had both its items."""
    outbox = bot.services.outbox
    sent: list[str] = []
    other_done = asyncio.Event()

    async def record(target, payload):
        if target == "slow":
            await other_done.wait()
        sent.append(payload["text"])
        if sent == ["甲1", "甲2"]:
            other_done.set()
        return {"ok": True}

    outbox.register("test", record)
    await outbox.owe("test", "slow", {"text": "慢"}, "slow:1")
    await outbox.owe_all("test", "other", [{"text": "甲1"}, {"text": "甲2"}], "other")
    assert await asyncio.wait_for(outbox.drain("test"), 5) == 3
    assert sent == ["甲1", "甲2", "慢"]


async def test_a_slow_target_holds_back_none_of_many_others_owed_something(bot: Harness):
    """With more targets owed something than are drained side by side (``DRAIN_WIDTH``), the first
    one's send only returns once the last target has had its item: the targets after the first
    50 must not wait for the slowest of them."""
    outbox = bot.services.outbox
    targets = [f"chat{n}" for n in range(DRAIN_WIDTH + 10)]
    last_sent = asyncio.Event()

    async def record(target, payload):
        if target == targets[0]:
            await last_sent.wait()
        if target == targets[-1]:
            last_sent.set()
        return {"ok": True}

    outbox.register("test", record)
    for target in targets:
        await outbox.owe("test", target, {"text": target}, f"notice:{target}")
    assert await asyncio.wait_for(outbox.drain("test"), 5) == len(targets)
