"""Every button's callback data through one typed codec (``bot.language.callbacks``): each kind
round-trips, the strings sent before the codec still read the same, anything else reads as nothing
and is refused through the real Application; /help's topic buttons come from the registry."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language import callbacks as cb
from bot.language.registry import TOPICS
from bot.texts.i18n import t
from storage import buttons
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT, Harness, LocalUser

IDS = st.integers(min_value=0, max_value=10**12 - 1)
KINDS = {
    cb.MedAction: st.builds(cb.MedAction, st.sampled_from(["confirm", "cancel"]), IDS),
    cb.BuyAction: st.builds(cb.BuyAction, st.sampled_from(["+1", "-1", "csv", "off"]), IDS),
    cb.Answer: st.builds(cb.Answer, IDS, st.sampled_from(["yes", "edit", "none", "keep"])),
    cb.BuyChoice: st.builds(cb.BuyChoice, IDS, IDS),
    cb.ApproveJoin: st.just(cb.ApproveJoin()),
    cb.ApproveVolunteer: st.just(cb.ApproveVolunteer()),
    cb.SlotTake: st.builds(cb.SlotTake, IDS),
    cb.Purge: st.builds(cb.Purge, st.booleans()),
    cb.HelpTopic: st.builds(cb.HelpTopic, st.sampled_from(TOPICS)),
}
TOPIC = {topic.name: topic for topic in TOPICS}
LEADER = LocalUser(2001, "楼长老陈")
GONE = t("zh", "button.gone")


def test_every_kind_of_button_is_tested():
    assert set(KINDS) == set(cb.Button.__subclasses__())


@given(st.one_of(*KINDS.values()))
def test_every_button_reads_back_as_itself_within_telegrams_64_bytes(button):
    data = button.encode()
    assert len(data.encode()) <= 64
    assert cb.decode(data) == button
    assert type(button).matches(data)


@pytest.mark.parametrize(
    ("data", "button"),
    [
        ("med:confirm:12", cb.MedAction("confirm", 12)),
        ("med:cancel:7", cb.MedAction("cancel", 7)),
        ("gb:+1:3", cb.BuyAction("+1", 3)),
        ("gb:-1:3", cb.BuyAction("-1", 3)),
        ("gb:csv:1", cb.BuyAction("csv", 1)),
        ("gb:off:2", cb.BuyAction("off", 2)),
        ("ask:5:yes", cb.Answer(5, "yes")),
        ("ask:5:edit", cb.Answer(5, "edit")),
        ("ask:5:none", cb.Answer(5, "none")),
        ("ask:5:keep", cb.Answer(5, "keep")),
        ("ask:5:b12", cb.BuyChoice(5, 12)),
        ("home:approve", cb.ApproveJoin()),
        ("vol:approve", cb.ApproveVolunteer()),
        ("slot:take:4", cb.SlotTake(4)),
        ("purge:yes", cb.Purge(yes=True)),
        ("purge:no", cb.Purge(yes=False)),
        *((f"help:{name}", cb.HelpTopic(TOPIC[name])) for name in ("med", "gb", "vol", "care", "notice")),
    ],
)
def test_buttons_already_in_chats_keep_their_meaning(data, button):
    """The data strings the bot sent before the codec: keyboards in chats stay valid after an upgrade."""
    assert cb.decode(data) == button
    assert button.encode() == data


@pytest.mark.parametrize(
    "data",
    [
        "",
        "nonsense",
        "med:confirm:1234567890123",  # an id over 12 digits
        "med:approve:1",
        "med:confirm:-1",
        "med:confirm:012",  # never sent so
        "med:confirm:1 ",
        "gb:+2:1",
        "ask:1:b",
        "ask:1:bb2",
        "help:general",  # no such topic
        "purge:maybe",
        "slot:take:" + "1" * 60,
        "med:confirm:１２",  # full-width digits
    ],
)
def test_forged_overlong_or_unknown_data_reads_as_no_button(data):
    assert cb.decode(data) is None


@given(st.one_of(st.text(max_size=80), st.binary(max_size=80), st.integers(), st.none()))
def test_any_data_reads_as_no_button_or_as_exactly_what_it_says(data):
    button = cb.decode(data)
    assert button is None or button.encode() == data


def test_an_id_that_would_not_read_back_cannot_be_put_on_a_button():
    with pytest.raises(ValueError):
        cb.SlotTake(10**12).encode()


async def test_a_recorded_press_of_no_known_kind_is_answered_that_it_no_longer_works(bot: Harness):
    """A button the bot no longer declares (data recorded on the board as if an old version sent it)."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    board = next(m for m in reversed(bot.api.sent(BUILDING_3)) if m["text"].startswith("🛒"))
    now = bot.services.clock.now()
    await bot.services.db.write(lambda conn: buttons.carry(conn, BUILDING_3, board["message_id"], ["gb:+2:1"], now))
    await bot.press(BUILDING_3, board["message_id"], RESIDENT, "gb:+2:1")
    popup = bot.api.calls_of("answerCallbackQuery")[-1].params
    assert (popup["text"], popup["show_alert"]) == (GONE, True)
    assert (await bot.services.groupbuys.tally(1)).orders == []


async def test_every_help_topic_button_shows_its_topics_texts(bot: Harness):
    await bot.send(RESIDENT.id, RESIDENT, "/help")
    help_message = bot.last_message(RESIDENT.id)
    row = help_message["reply_markup"]["inline_keyboard"][0]
    assert [(b["text"], b["callback_data"]) for b in row] == [
        (t("zh", topic.label_key), f"help:{topic.name}") for topic in TOPICS
    ]
    for topic in TOPICS:
        await bot.press(RESIDENT.id, help_message["message_id"], RESIDENT, f"help:{topic.name}")
        shown = bot.api.messages[(RESIDENT.id, help_message["message_id"])]
        assert shown["text"] == "\n".join(t("zh", key) for key in topic.texts)
