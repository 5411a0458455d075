"""Rooms, traditional characters, orders, pasted WeChat relays (接龙) and +N replies, written the way
residents write them: names before rooms, emoji, chatter, numbering or none, full-width text."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import ParseContext, ParseError, parse
from bot.language import commands as c
from bot.language.normalize import normalize
from bot.language.relay import parse_order, parse_reply
from bot.language.rooms import Room, find_room, parse_registration, parse_room

TZ = ZoneInfo("Asia/Shanghai")
CTX = ParseContext(now=datetime(2026, 4, 10, 14, 0, tzinfo=TZ), tz=TZ)


def R(building: int, room: int, unit: int | None = None) -> Room:
    return Room(building=building, unit=unit, room=room)


def order(args: str) -> c.Command:
    """What follows ``#接龙`` / ``/order`` in a message, read as the parser hands it over."""
    return parse_order(normalize(args), CTX)


def lines(args: str) -> list[tuple[int, str, int, bool]]:
    relay = order(args)
    assert isinstance(relay, c.RelayImport)
    return [(line.number, str(line.room), line.quantity, line.paid) for line in relay.lines]


# ------------------------------------------------------------------------------- rooms
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("长宁路100弄7号1101", R(7, 1101)),
        ("长宁路1000号7-1101", R(7, 1101)),
        ("XX路88号 5号楼803", R(5, 803)),
        ("XX小区5号楼803", R(5, 803)),
        ("18号-301", R(18, 301)),
        ("5栋1单元502", R(5, 502, 1)),
        ("5号楼二单元502室", R(5, 502, 2)),
        ("3幢502室", R(3, 502)),
        ("3#502", R(3, 502)),
        ("三号楼五零二", R(3, 502)),
        ("五号楼一二零一", R(5, 1201)),
        ("３号楼５０２室", R(3, 502)),
        ("3-2-502", R(3, 502, 2)),
    ],
)
def test_a_room_is_found_after_an_address_or_in_chinese_digits(text, expected):
    found = find_room(normalize(text))
    assert found is not None and found[0] == expected


@pytest.mark.parametrize("text", ["明天8-10点送菜", "4-10日到货", "价格10-15元", "电话13912345678", "5号楼门口"])
def test_times_dates_prices_and_phone_numbers_are_not_rooms(text):
    assert find_room(normalize(text)) is None


def test_a_room_still_reads_whole_and_canonical():
    assert parse_room("18号-301") == R(18, 301)
    assert parse_room("3-502盒") is None
    assert str(R(18, 301)) == "18-301"


@pytest.mark.parametrize(
    ("args", "room", "name"),
    [
        ("5号楼803室（王）", R(5, 803), "王"),
        ("5号楼803室(王阿姨)", R(5, 803), "王阿姨"),
        ("3-702张大妈", R(3, 702), "张大妈"),
        ("3号楼702室张大妈", R(3, 702), "张大妈"),
        ("张三 3-502", R(3, 502), "张三"),
        ("长宁路100弄7号1101 李四", R(7, 1101), "李四"),
        ("长宁路100弄7号1101", R(7, 1101), None),
        ("XX小区5号楼803", R(5, 803), None),
        ("3栋502室 王 五", R(3, 502), "王 五"),
        ("3-502 🌷李阿姨🌷", R(3, 502), "李阿姨"),
        ("我是3-502的张三", R(3, 502), "张三"),
        ("3-502 张三 13912345678", R(3, 502), "张三"),
        ("5號樓803室（陳）", R(5, 803), "陈"),
        ("3-502 王小明（租户）", R(3, 502), "王小明"),
        ("8-802 Ms. Lee", R(8, 802), "Ms. Lee"),
        ("3-502：张三。", R(3, 502), "张三"),
        # how a name is introduced is not part of it
        ("我住5号楼1102，姓郑", R(5, 1102), "郑"),
        ("5号楼1102 我姓王", R(5, 1102), "王"),
        ("3-502，我叫张三", R(3, 502), "张三"),
        ("3-502 姓名：李四", R(3, 502), "李四"),
        ("免贵姓李 3-702", R(3, 702), "李"),
    ],
)
def test_registration_gives_the_room_and_the_name_wherever_it_stands(args, room, name):
    assert parse_registration(normalize(args)) == (room, name)


def test_registration_without_a_room_is_none():
    assert parse_registration(normalize("张三")) is None
    assert parse_registration(normalize("3号楼")) is None


# ------------------------------------------------------------------------------- traditional characters
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#登記 5號樓803室", "#登记 5号楼803室"),
        ("#開團 蔬菜包 68元/份", "#开团 蔬菜包 68元/份"),
        ("#配藥 布洛芬 2盒", "#配药 布洛芬 2盒"),
        ("#接龍 3 2", "#接龙 3 2"),
    ],
)
def test_traditional_characters_become_simplified(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "#配药 布洛芬缓释胶囊 2盒，二甲双胍 3盒",
        "明天几点发菜？干净的口罩放在里面了",
        "#开团 光明牛奶 整箱12 每盒8.5元 截止明天12:00",
        "#通知 明早7点核酸，请带身份证…于是大家下楼",
        "我们后天再说，只有几个人了解情况",
    ],
)
def test_simplified_text_is_not_changed(text):
    assert normalize(text) == text


def test_a_traditional_command_is_understood():
    command = parse("#開團 蔬菜包 68元/份 截止20:00", CTX)
    assert isinstance(command, c.GroupBuyOpen) and command.title == "蔬菜包" and command.price_fen == 6800


# ------------------------------------------------------------------------------- orders
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("3 2", c.Order(buy_id=3, quantity=2)),
        ("3 3-601 1", c.Order(buy_id=3, quantity=1, room=R(3, 601))),
        ("3 2份", c.Order(buy_id=3, quantity=2)),
        ("3 两份", c.Order(buy_id=3, quantity=2)),
        ("3 2 已付", c.Order(buy_id=3, quantity=2, paid=True)),
        ("3 2份已转", c.Order(buy_id=3, quantity=2, paid=True)),
        ("3 3-502 要2盒", c.Order(buy_id=3, quantity=2, room=R(3, 502))),
        ("3 3号楼502室 两盒", c.Order(buy_id=3, quantity=2, room=R(3, 502))),
        ("3 2 boxes", c.Order(buy_id=3, quantity=2)),
        ("3 x2", c.Order(buy_id=3, quantity=2)),
        ("3 0", c.Order(buy_id=3, quantity=0)),
        ("#3 2", c.Order(buy_id=3, quantity=2)),
        ("3号团 2份", c.Order(buy_id=3, quantity=2)),
        ("第3团 要两份", c.Order(buy_id=3, quantity=2)),
        ("8 3-502 2 paid", c.Order(buy_id=8, quantity=2, room=R(3, 502), paid=True)),
        ("3 2 谢谢团长", c.Order(buy_id=3, quantity=2)),
        ("3 2\n谢谢团长🙏", c.Order(buy_id=3, quantity=2)),
        ("３　２份", c.Order(buy_id=3, quantity=2)),
    ],
)
def test_an_order_names_its_buy_then_the_quantity(args, expected):
    assert order(args) == expected


@pytest.mark.parametrize(
    "args",
    [
        "3",  # no quantity: ask, never assume 1
        "3 3-502",
        "3 2 3",  # two quantities
        "3 2.5份",
        "3 99999",
        "3 同上",  # nothing above it
        "3 2份 明天8点前",  # stray digits
        "",
        "蔬菜包",
        "1234567890 2",  # a buy id of ten digits
        "0 2",
        "3 3-5022份",
    ],
)
def test_an_unreadable_order_is_a_parse_error(args):
    with pytest.raises(ParseError) as info:
        order(args)
    assert info.value.usage_key == "usage.order"


def test_an_order_without_a_buy_id_is_a_one_line_relay():
    relay = order("18号-301-1份")
    assert relay == c.RelayImport(title="", lines=[c.RelayLine(number=1, room=R(18, 301), quantity=1)])
    assert lines("3-502 要2盒") == [(1, "3-502", 2, False)]


def test_an_order_with_a_buy_id_and_several_rooms_is_a_tally_for_that_buy():
    relay = order("3 3-502 2 3-601 1")
    assert relay.buy_id == 3 and [(str(line.room), line.quantity) for line in relay.lines] == [
        ("3-502", 2),
        ("3-601", 1),
    ]


# ------------------------------------------------------------------------------- relays
WECHAT_PASTE = """【蔬菜包接龙】68元/份
截止今晚8点，明天下午到货
每户限2份
例：3-502 2份

1. 3-502 2份
2. 王伯伯 5-301 1份
3. 🌷5号楼402 两份
4. 18号-301-1份
5. 3-601 1份 已付
6. 3-702 同上
7. 张阿姨 3-801 +1
8. 3-901 x2
9. 3-1001 *2
10. 3-1101 一箱
11. 不知道"""


def test_a_wechat_paste_reads_every_line_and_skips_the_header_and_example():
    relay = order(WECHAT_PASTE)
    assert relay.title == "蔬菜包" and relay.buy_id is None
    assert [(line.number, str(line.room), line.quantity, line.paid) for line in relay.lines] == [
        (1, "3-502", 2, False),
        (2, "5-301", 1, False),
        (3, "5-402", 2, False),
        (4, "18-301", 1, False),
        (5, "3-601", 1, True),
        (6, "3-702", 1, False),
        (7, "3-801", 1, False),
        (8, "3-901", 2, False),
        (9, "3-1001", 2, False),
        (10, "3-1101", 1, False),
    ]
    assert relay.unreadable == ["11. 不知道"]


def test_a_paste_in_full_width_and_traditional_characters():
    relay = order("【蔬菜包接龍】６８元／份\n１．３－５０２　２份\n２．5號樓402 兩份")
    assert relay.title == "蔬菜包"
    assert [(str(line.room), line.quantity) for line in relay.lines] == [("3-502", 2), ("5-402", 2)]


def test_a_header_with_the_organiser_and_numbered_rules_is_not_read_as_orders():
    paste = "🥬🥬蔬菜包团购🥬🥬 68元一份\n团长：3-101 王阿姨\n取货地点 5号楼门口\n1. 每户限购2份\n2. 截止今晚8点\n------\n1. 3-502 2份"
    relay = order(paste)
    assert relay.title == "蔬菜包团购" and relay.unreadable == []
    assert [(line.number, str(line.room), line.quantity) for line in relay.lines] == [(1, "3-502", 2)]


def test_the_title_stops_before_the_price_and_deadline():
    assert order("蔬菜包 68元/份 今晚8点截止\n1. 3-502 2份").title == "蔬菜包"
    assert order("\n鸡蛋团购 35元/盒 明天12点截止\n1. 3-502 2盒").title == "鸡蛋团购"
    assert order("30枚鸡蛋\n1. 3-502 2盒").title == "30枚鸡蛋"


@pytest.mark.parametrize("numbering", ["①", "① ", "1️⃣ ", "❶", "⑴"])
def test_circled_and_keycap_list_numbers_are_numbers_not_part_of_the_room(numbering):
    assert lines(f"牛奶\n{numbering}3-502 2箱") == [(1, "3-502", 2, False)]


def test_lines_without_numbering_take_their_position():
    assert lines("蔬菜包\n3-502 2\n王伯伯 3-601 x2\n3-702") == [
        (1, "3-502", 2, False),
        (2, "3-601", 2, False),
        (3, "3-702", 1, False),
    ]


def test_a_relay_for_a_buy_named_by_its_id():
    relay = order("3\n1. 3-502 2份\n2. 3-601 1份")
    assert relay.buy_id == 3 and relay.title == ""
    assert [(str(line.room), line.quantity) for line in relay.lines] == [("3-502", 2), ("3-601", 1)]


@pytest.mark.parametrize("separator", ["，", ",", "、", ";", "；", " "])
def test_a_one_line_tally(separator):
    relay = order(f"蔬菜包 3-502 2{separator}3-601 1")
    assert relay.title == "蔬菜包"
    assert [(line.number, str(line.room), line.quantity) for line in relay.lines] == [
        (1, "3-502", 2),
        (2, "3-601", 1),
    ]


def test_an_order_naming_the_buy_by_its_item():
    assert order("鸡蛋 3-502 2盒") == c.RelayImport(
        title="鸡蛋", lines=[c.RelayLine(number=1, room=R(3, 502), quantity=2)]
    )


def test_zero_withdraws_only_when_written():
    assert lines("蔬菜包\n1. 3-502 0份\n2. 3-601") == [(1, "3-502", 0, False), (2, "3-601", 1, False)]


@pytest.mark.parametrize(
    "line",
    [
        "3-702 2.5份",
        "3-702 2份 3份",
        "3-702 2份 13912345678",
        "1 3-702 2份",  # numbering without a dot is a second number
        "3-702 同上 2份",
        "不知道",
        "3号楼 2份",
        "3-702 99999份",
        "3-7021份",  # 3-702 1份 or 3-7021?
    ],
)
def test_a_line_that_cannot_be_read_is_listed_back(line):
    relay = order(f"蔬菜包\n1. 3-502 2份\n{line}")
    assert [str(item.room) for item in relay.lines] == ["3-502"]
    assert relay.unreadable == [normalize(line).replace("13912345678", "***")]  # never a phone number


def test_same_as_above_with_nothing_above_is_unreadable():
    relay = order("蔬菜包\n1. 3-502 同上\n2. 3-601 1份\n3. 3-702 同上")
    assert relay.unreadable == ["1. 3-502 同上"]
    assert [(str(line.room), line.quantity) for line in relay.lines] == [("3-601", 1), ("3-702", 1)]


def test_a_tally_with_a_room_missing_its_quantity_is_unreadable_whole():
    relay = order("蔬菜包\n3-502，3-601 1")
    assert relay.lines == [] and relay.unreadable == ["3-502，3-601 1"]


def test_prices_and_paid_marks_on_a_line():
    assert lines("蔬菜包\n3-601 2份 已付136元\n5栋1单元502 1份 ¥68 paid\n3-2-502 1份 已转账") == [
        (1, "3-601", 2, True),
        (2, "5-1-502", 1, True),
        (3, "3-2-502", 1, True),
    ]


def test_units_and_a_dash_quantity_after_the_room():
    assert lines("蔬菜包\n3-502-2\n18-301-1份\n3#502 2块") == [
        (1, "3-502", 2, False),
        (2, "18-301", 1, False),
        (3, "3-502", 2, False),
    ]


def test_an_empty_relay_is_a_parse_error():
    with pytest.raises(ParseError):
        order("蔬菜包\n例：3-502 2份\n-----")


# ------------------------------------------------------------------------------- replies to the board
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1", c.ReplyOrder(quantity=1)),
        ("+2", c.ReplyOrder(quantity=2)),
        ("+ 2", c.ReplyOrder(quantity=2)),
        ("＋２", c.ReplyOrder(quantity=2)),
        ("+2份", c.ReplyOrder(quantity=2)),
        ("+3 份", c.ReplyOrder(quantity=3)),
        ("+1 已付", c.ReplyOrder(quantity=1, paid=True)),
        ("+1已付", c.ReplyOrder(quantity=1, paid=True)),
        ("+1🙏", c.ReplyOrder(quantity=1)),
        ("+1 please", c.ReplyOrder(quantity=1)),
        ("+2 boxes, paid", c.ReplyOrder(quantity=2, paid=True)),
        ("+1 谢谢团长", c.ReplyOrder(quantity=1)),
        ("2份", c.ReplyOrder(quantity=2)),
        ("两份", c.ReplyOrder(quantity=2)),
    ],
)
def test_a_reply_to_the_board(text, expected):
    assert parse_reply(normalize(text)) == expected


@pytest.mark.parametrize("text", ["加1", "再加1", "+1 明天要", "2", "+1.5", "+99999", "1+1=2", "好的", "3-502 2份"])
def test_anything_else_replied_to_the_board_is_chatter(text):
    assert parse_reply(normalize(text)) is None


# ------------------------------------------------------------------------------- properties
PIECES = st.sampled_from(
    ["3-502", "18号-301", "5栋1单元502", "三号楼五零二", " ", "\n", "1. ", "2份", "两", "x2", "+1", "已付", "同上",
     "，", "例：", "【蔬菜包接龙】", "68元", "-", "0", "99999", "张阿姨", "🌷", "3", "#"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=20) | st.text(max_size=80))
def test_any_arguments_give_an_order_a_relay_or_a_parse_error(pieces):
    args = normalize("".join(pieces))
    try:
        result = parse_order(args, CTX)
    except ParseError:
        return
    assert isinstance(result, c.Order | c.RelayImport)
    assert all(0 <= line.quantity <= 9999 for line in getattr(result, "lines", []))
    assert parse_reply(args) is None or parse_reply(args).quantity <= 9999
    assert parse_registration(args) is None or isinstance(parse_registration(args)[0], Room)
