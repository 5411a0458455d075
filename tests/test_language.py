"""The command language: every example of COMMANDS.md and the corpus, messier variants, properties."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import ParseContext, ParseError, parse
from bot.language import commands as c
from bot.language.money import format_fen, parse_money
from bot.language.normalize import normalize
from bot.language.numbers import chinese_to_int, parse_int
from bot.language.quantities import Item, parse_items, parse_quantity
from bot.language.rooms import Room, parse_building, parse_room
from bot.language.times import parse_clock, parse_time
from tests.harness import BUILDING_3, COMMITTEE, RESIDENT

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 10, 14, 0, tzinfo=TZ)
CTX = ParseContext(now=NOW, tz=TZ, bot_username="building_bot")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=TZ)


R3_502 = Room(building=3, room=502)
I = Item  # noqa: E741

# (message, expected command) for every form of COMMANDS.md and ../shared/corpus/messages.md.
EXAMPLES = [
    # setup and roster
    ("#绑定 3号楼", c.Bind(building=3)),
    ("/bind 3", c.Bind(building=3)),
    ("#绑定 居委", c.Bind(committee=True)),
    ("/bind committee", c.Bind(committee=True)),
    ("#登记 3号楼502 张三", c.Register(room=R3_502, display_name="张三")),
    ("/register 3-502 张三", c.Register(room=R3_502, display_name="张三")),
    ("#登记 3-2-502", c.Register(room=Room(building=3, unit=2, room=502))),
    ("#楼组长", c.AppointLeader()),
    ("/leader", c.AppointLeader()),
    ("#我的", c.Me()),
    ("/me", c.Me()),
    ("/lang en", c.SetLanguage(language="en")),
    ("/lang zh", c.SetLanguage(language="zh")),
    ("/help", c.Help()),
    ("#帮助", c.Help()),
    # medicine
    (
        "#配药 布洛芬缓释胶囊 2盒，二甲双胍 3盒",
        c.MedRequest(
            items=[I(name="布洛芬缓释胶囊", quantity=2, unit="盒"), I(name="二甲双胍", quantity=3, unit="盒")]
        ),
    ),
    (
        "/med ibuprofen 2 boxes, metformin 3",
        c.MedRequest(items=[I(name="ibuprofen", quantity=2, unit="boxes"), I(name="metformin", quantity=3)]),
    ),
    ("#配药 急 胰岛素 2支", c.MedRequest(items=[I(name="胰岛素", quantity=2, unit="支")], urgent=True)),
    ("＃配药 急 胰岛素注射液 两支", c.MedRequest(items=[I(name="胰岛素注射液", quantity=2, unit="支")], urgent=True)),
    (
        "【配药】3号楼502 硝苯地平控释片 1盒、阿托伐他汀 1盒",
        c.MedRequest(
            room=R3_502,
            items=[I(name="硝苯地平控释片", quantity=1, unit="盒"), I(name="阿托伐他汀", quantity=1, unit="盒")],
        ),
    ),
    (
        "#配药 3-601 布洛芬 1盒",
        c.MedRequest(room=Room(building=3, room=601), items=[I(name="布洛芬", quantity=1, unit="盒")]),
    ),
    (
        "/med metformin 2 boxes; aspirin x1",
        c.MedRequest(items=[I(name="metformin", quantity=2, unit="boxes"), I(name="aspirin", quantity=1)]),
    ),
    ("#配药布洛芬2盒", c.MedRequest(items=[I(name="布洛芬", quantity=2, unit="盒")])),
    ("#认领 12", c.MedClaim(request_id=12)),
    ("/claim 12", c.MedClaim(request_id=12)),
    ("#已购 12 86.5元", c.MedBought(request_id=12, cost_fen=8650)),
    ("/bought 12 86.5", c.MedBought(request_id=12, cost_fen=8650)),
    ("#已送达 12", c.MedDelivered(request_id=12)),
    ("/delivered 12", c.MedDelivered(request_id=12)),
    ("#取消 12", c.MedCancel(request_id=12)),
    ("/cancel 12", c.MedCancel(request_id=12)),
    ("#配药清单", c.MedList()),
    ("/medlist", c.MedList()),
    # group buys
    (
        "#开团 蔬菜包 68元/份 截止20:00 起订30",
        c.GroupBuyOpen(title="蔬菜包", price_fen=6800, unit="份", deadline=at(10, 20), minimum=30),
    ),
    (
        "/groupbuy 蔬菜包 68/份 20:00 min30",
        c.GroupBuyOpen(title="蔬菜包", price_fen=6800, unit="份", deadline=at(10, 20), minimum=30),
    ),
    (
        "#开团 光明牛奶 整箱12 每盒8.5元 截止明天12:00",
        c.GroupBuyOpen(title="光明牛奶", price_fen=850, unit="盒", deadline=at(11, 12), case_size=12),
    ),
    ("#接龙 3 2", c.Order(buy_id=3, quantity=2)),
    ("/order 3 2", c.Order(buy_id=3, quantity=2)),
    ("/order 3 0", c.Order(buy_id=3, quantity=0)),
    ("#接龙 3 3-601 1", c.Order(buy_id=3, quantity=1, room=Room(building=3, room=601))),
    (
        "#接龙 蔬菜包\n1. 3-502 2份\n2. 3-601 1份\n3. 5号楼1201 三份",
        c.RelayImport(
            title="蔬菜包",
            lines=[
                c.RelayLine(number=1, room=R3_502, quantity=2),
                c.RelayLine(number=2, room=Room(building=3, room=601), quantity=1),
                c.RelayLine(number=3, room=Room(building=5, room=1201), quantity=3),
            ],
        ),
    ),
    ("#截单 3", c.CloseBuy(buy_id=3)),
    ("/close 3", c.CloseBuy(buy_id=3)),
    ("#已付 3 3-502", c.MarkPaid(buy_id=3, room=R3_502)),
    ("/paid 3 3-502", c.MarkPaid(buy_id=3, room=R3_502)),
    ("#团购汇总 3", c.BuySummary(buy_id=3)),
    ("/orders 3", c.BuySummary(buy_id=3)),
    # volunteers and care
    ("#报到 李四 核酸 配送", c.VolunteerRegister(display_name="李四", skills=["核酸", "配送"])),
    ("/volunteer 李四 nucleic delivery", c.VolunteerRegister(display_name="李四", skills=["核酸", "配送"])),
    ("#签到 核酸 2号门", c.CheckIn(task="核酸", place="2号门")),
    ("/checkin nucleic gate2", c.CheckIn(task="核酸", place="gate2")),
    ("#签退", c.CheckOut()),
    ("/checkout", c.CheckOut()),
    ("#在岗", c.OnDuty()),
    ("/onduty", c.OnDuty()),
    ("#排班 核酸 明天7:00-11:00 4人", c.ShiftOpen(task="核酸", start=at(11, 7), end=at(11, 11), headcount=4)),
    ("#认领班 5", c.ShiftTake(slot_id=5)),
    ("#空缺", c.Vacancies()),
    ("#关爱 3-502 独居老人", c.CareAdd(room=R3_502, needs="独居老人")),
    ("/care 3-502 elderly alone", c.CareAdd(room=R3_502, needs="elderly alone")),
    ("#结对 3-502", c.CarePair(room=R3_502)),
    ("/pair 3-502", c.CarePair(room=R3_502)),
    ("#平安 3-502", c.CareSafe(room=R3_502)),
    ("/safe 3-502", c.CareSafe(room=R3_502)),
    # rumors, notices, reports
    (
        "#辟谣 居委私吞物资 | 关键词: 私吞,物资 | 经核实，该视频非本小区… | 来源: 街道公众号",
        c.Rumor(
            title="居委私吞物资", keywords=["私吞", "物资"], content="经核实，该视频非本小区…", source="街道公众号"
        ),
    ),
    (
        "#辟谣 居委私吞物资 | 关键词: 私吞,物资 | 经核实，视频拍摄地并非本小区，系外地旧视频 | 来源: 街道公众号",
        c.Rumor(
            title="居委私吞物资",
            keywords=["私吞", "物资"],
            content="经核实，视频拍摄地并非本小区，系外地旧视频",
            source="街道公众号",
        ),
    ),
    ("#通知 明早7点核酸，请带身份证", c.Notice(text="明早7点核酸，请带身份证")),
    ("#通知 每天07:00 核酸检测请下楼", c.Notice(text="核酸检测请下楼", daily_at=time(7, 0))),
    ("/notice daily 07:00 nucleic test downstairs", c.Notice(text="nucleic test downstairs", daily_at=time(7, 0))),
    ("/rumors", c.Rumors()),
    ("/rumor_off 2", c.RumorOff(rumor_id=2)),
    ("/notices", c.Notices()),
    ("/notice_off 2", c.NoticeOff(notice_id=2)),
    ("#日报", c.Digest()),
    ("/digest", c.Digest()),
    ("/export", c.Export()),
]

# Messier messages people really send.
MESSY = [
    ("  ＃配药　　布洛芬缓释胶囊　２盒 ， 二甲双胍 ３盒  ", EXAMPLES[15][1]),
    ("#配药 布洛芬缓释胶囊 2盒\n二甲双胍 3盒", EXAMPLES[15][1]),
    ("请帮忙 #配药 布洛芬 1盒 🙏", c.MedRequest(items=[I(name="布洛芬", quantity=1, unit="盒")])),
    ("/med@building_bot aspirin x2", c.MedRequest(items=[I(name="aspirin", quantity=2)])),
    ("/MED urgent insulin 2 pens", c.MedRequest(items=[I(name="insulin", quantity=2, unit="pens")], urgent=True)),
    ("#配药 三七片", c.MedRequest(items=[I(name="三七片", quantity=1)])),
    ("#配药 维生素B12 2瓶", c.MedRequest(items=[I(name="维生素B12", quantity=2, unit="瓶")])),
    ("#配药 布洛芬 十二片", c.MedRequest(items=[I(name="布洛芬", quantity=12, unit="片")])),
    ("#配药 感冒灵×2；板蓝根*3", c.MedRequest(items=[I(name="感冒灵", quantity=2), I(name="板蓝根", quantity=3)])),
    ("#认领 #12", c.MedClaim(request_id=12)),
    ("#已购 12 ¥86.5", c.MedBought(request_id=12, cost_fen=8650)),
    ("【接龙】 3 2", c.Order(buy_id=3, quantity=2)),
    ("#接龙3 2", c.Order(buy_id=3, quantity=2)),
    ("＃绑定 三号楼", c.Bind(building=3)),
    ("#登记 3栋502室 王 五", c.Register(room=R3_502, display_name="王 五")),
    ("#登记 ３－５０２", c.Register(room=R3_502)),
    ("/lang English", c.SetLanguage(language="en")),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES + MESSY, ids=[t for t, _ in EXAMPLES + MESSY])
def test_every_form_is_understood(text, expected):
    assert parse(text, CTX) == expected


def test_the_corpus_relay_with_unreadable_lines_keeps_them():
    command = parse("#接龙 蔬菜包\n1. 3-502 2份\n2. 不知道\n3. 5号楼1201 三份\n备注：放门口", CTX)
    assert [line.room for line in command.lines] == [R3_502, Room(building=5, room=1201)]
    assert command.unreadable == ["2. 不知道", "备注:放门口"]


def test_reply_plus_is_an_order_only_when_replying_to_the_bot():
    replying = ParseContext(now=NOW, tz=TZ, reply_to_bot=True)
    assert parse("+2", replying) == c.ReplyOrder(quantity=2)
    assert parse("+ 3份", replying) == c.ReplyOrder(quantity=3)
    assert parse("+2", CTX) is None


# The list written first and the tag last, as many residents do; only when nothing follows the tag
# but an urgent word, and only a list with quantities (a name or a greeting before the tag is not one).
LIST_FIRST = [
    ("布洛芬 2盒 #配药", c.MedRequest(items=[I(name="布洛芬", quantity=2, unit="盒")])),
    (
        "布洛芬2盒 感冒灵颗粒1盒 二甲双胍3盒 #配药",
        c.MedRequest(
            items=[
                I(name="布洛芬", quantity=2, unit="盒"),
                I(name="感冒灵颗粒", quantity=1, unit="盒"),
                I(name="二甲双胍", quantity=3, unit="盒"),
            ]
        ),
    ),
    (
        "3-502 硝苯地平 两盒 #配药 急！",
        c.MedRequest(room=R3_502, items=[I(name="硝苯地平", quantity=2, unit="盒")], urgent=True),
    ),
    (
        "大家好\n布洛芬 2盒\n感冒灵 一盒\n#配药",  # the greeting gives no quantity: not a drug
        c.MedRequest(items=[I(name="布洛芬", quantity=2, unit="盒"), I(name="感冒灵", quantity=1, unit="盒")]),
    ),
    ("metformin x3 #med", c.MedRequest(items=[I(name="metformin", quantity=3)])),
    ("布洛芬2盒 #配药 谢谢", c.MedRequest(items=[I(name="布洛芬", quantity=2, unit="盒")], note="谢谢")),
    (
        "王建国 3-702 布洛芬两盒 #配药 急!!",
        c.MedRequest(
            room=Room(building=3, room=702), items=[I(name="布洛芬", quantity=2, unit="盒")], urgent=True, note="王建国"
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), LIST_FIRST, ids=[t for t, _ in LIST_FIRST])
def test_a_list_written_before_the_tag_is_the_request(text, expected):
    assert parse(text, CTX) == expected


@pytest.mark.parametrize("text", ["王阿姨 #配药", "请帮忙 #配药", "3-502 #配药", "布洛芬2盒 #配药 怎么写"])
def test_no_list_before_the_tag_still_gets_the_form(text):
    with pytest.raises(ParseError) as info:
        parse(text, CTX)
    assert info.value.usage_key == "usage.med"


def test_a_question_with_a_quantity_before_the_tag_is_chatter():
    assert parse("布洛芬2盒 怎么 #配药？", CTX) is None


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("#配药", "usage.med"),
        ("/med", "usage.med"),
        ("#认领", "usage.claim"),
        ("#认领 abc", "usage.claim"),
        ("#开团 蔬菜包", "usage.groupbuy"),
        ("#开团 68元/份", "usage.groupbuy"),
        ("#接龙 3", "usage.order"),
        ("#已购 12 很多钱", "usage.bought"),
        ("#绑定 火星", "usage.bind"),
        ("#登记 张三", "usage.register"),
        ("#辟谣 只有标题", "usage.rumor"),
        ("#通知", "usage.notice"),
        ("/lang fr", "usage.lang"),
        ("#排班 核酸 明天", "usage.shift"),
        ("#配药 布洛芬 0盒", "usage.med"),
    ],
)
def test_malformed_commands_raise_parse_error_with_usage(text, usage):
    with pytest.raises(ParseError) as info:
        parse(text, CTX)
    assert info.value.usage_key == usage


@pytest.mark.parametrize(
    "text", ["大家好", "3号楼502的快递到了", "#今天天气", "1+1=2", "", "   ", "/order@other_bot 3 2"]
)
def test_chatter_is_not_a_command(text):
    assert parse(text, CTX) is None


@pytest.mark.parametrize(
    "text", ["3号楼502", "3-502", "3#502", "3栋502", "3幢502室", "3号楼2单元502", "3-2-502", "三号楼502", "３－５０２"]
)
def test_every_room_form(text):
    room = parse_room(normalize(text))
    assert room is not None and room.building == 3 and room.room == 502
    assert room.unit == (2 if "2" in text.replace("502", "") else None)


def test_canonical_room_display():
    assert str(Room(building=3, room=502)) == "3-502"
    assert str(Room(building=3, unit=2, room=502)) == "3-2-502"
    assert parse_building("三号楼") == 3 and parse_building("12栋") == 12 and parse_building("楼") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2盒", (2, "盒")), ("两盒", (2, "盒")), ("二十盒", (20, "盒")), ("x2", (2, None)), ("×2", (2, None)),
     ("*2", (2, None)), ("2 boxes", (2, "boxes")), ("十二片", (12, "片"))],
)  # fmt: skip
def test_quantities(text, expected):
    assert parse_quantity(normalize(text)) == expected


def test_no_quantity_means_one():
    assert parse_items("布洛芬") == [Item(name="布洛芬", quantity=1)]


@pytest.mark.parametrize(
    ("text", "value"),
    [("两", 2), ("十二", 12), ("一百零五", 105), ("三千零八十", 3080), ("九千九百九十九", 9999), ("十", 10)],
)
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize(
    ("text", "fen", "unit"),
    [
        ("68元", 6800, None),
        ("¥68", 6800, None),
        ("￥68.5", 6850, None),
        ("68.5/份", 6850, "份"),
        ("每盒8.5元", 850, "盒"),
    ],
)
def test_money_in_fen(text, fen, unit):
    money = parse_money(normalize(text))
    assert (money.fen, money.unit) == (fen, unit)
    assert format_fen(fen) == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20:00", at(10, 20)), ("20：00", at(10, 20)), ("晚上8点", at(10, 20)), ("8点半", at(10, 20, 30)),
     ("明天12:00", at(11, 12)), ("明早7点", at(11, 7)), ("9:00", at(10, 21)), ("13:00", at(11, 13))],
)  # fmt: skip
def test_times_are_in_the_future_in_the_configured_zone(text, expected):
    moment = parse_time(normalize(text), NOW, TZ)
    assert moment == expected and moment > NOW and moment.utcoffset().total_seconds() == 8 * 3600


def test_clock_times():
    assert parse_clock("07:00") == time(7, 0)
    assert parse_clock("晚上8点") == time(20, 0)
    with pytest.raises(ValueError):
        parse_clock("明天")


# ------------------------------------------------------------------------------- properties
@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_command_none_or_parse_error(text):
    try:
        result = parse(text, CTX)
    except ParseError:
        return
    assert result is None or isinstance(result, c.Command)


TAGS = st.sampled_from(
    ["#配药 ", "#开团 ", "#接龙 ", "#辟谣 ", "#通知 ", "#排班 ", "/med ", "/groupbuy ", "#登记 ", "#已购 1 "]
)


@settings(max_examples=400, deadline=None)
@given(
    TAGS,
    st.text(
        alphabet=st.sampled_from("0123456789一二两十百盒份元:：-#|/.,，、 \n急x×*¥号楼单元室明天点半abc"), max_size=60
    ),
)
def test_command_arguments_never_crash_the_parser(tag, args):
    try:
        result = parse(tag + args, CTX)
    except ParseError:
        return
    assert result is None or isinstance(result, c.Command)


@given(st.builds(Room, building=st.integers(1, 9999), unit=st.none() | st.integers(1, 99), room=st.integers(10, 99999)))
def test_a_canonical_room_parses_back_to_itself(room):
    assert parse_room(str(room)) == room


@given(st.integers(0, 9999))
def test_chinese_numerals_round_trip(number):
    assert parse_int(int_to_chinese(number)) == number


# ------------------------------------------------------------------------------- in the application
async def test_an_edited_command_is_not_handled_again(bot):
    sent = await bot.send(BUILDING_3, COMMITTEE, "/lang en")
    await bot.edit(BUILDING_3, sent["message"]["message_id"], "/lang zh")
    assert bot.texts(BUILDING_3) == ["This chat's language is now English."]
    assert bot.services.settings.language(BUILDING_3) == "en"


async def test_an_edited_malformed_command_gets_no_second_usage_reply(bot):
    sent = await bot.send(BUILDING_3, RESIDENT, "#配药")
    await bot.edit(BUILDING_3, sent["message"]["message_id"], "#配药 ")
    assert len(bot.texts(BUILDING_3)) == 1


# The inverse of the parser, to check it: how a number is written in Chinese.
_CN_NAMES = "零一二三四五六七八九"


def int_to_chinese(value: int) -> str:
    """0 → 零, 12 → 十二, 105 → 一百零五, 20000 → 二万 (for 0 ≤ value < 100,000,000)."""
    if not 0 <= value < 100_000_000:
        raise ValueError(value)
    if value == 0:
        return "零"
    high, low = divmod(value, 10000)
    if high:
        rest = _below_10000(low, leading=False) if low else ""
        joiner = "零" if 0 < low < 1000 else ""
        return _below_10000(high, leading=True) + "万" + joiner + rest
    return _below_10000(low, leading=True)


def _below_10000(value: int, *, leading: bool) -> str:
    out = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        if not (unit == 10 and digit == 1 and not out and leading):
            out.append(_CN_NAMES[digit])
        out.append(name)
    return "".join(out)


def test_a_deadline_that_cannot_be_read_is_kept_to_ask_about_never_dropped():
    command = parse("#开团 蔬菜包 68元/份 截止25:00", CTX)
    assert command.deadline is None and command.deadline_text and "25:00" in command.deadline_text


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        ["#已付 {n} 3-502", "#接龙 {n} {n}", "#开团 菜 5元 整箱{n}", "#开团 菜 {n}元 起订{n} 限购{n}", "#认领 {n}",
         "#已购 {n} {n}元", "#配药 布洛芬 {n}盒", "#排班 核酸 明天7:00-11:00 {n}人", "/export 0001-01-01 {n}-12-31",
         "#登记 {n}-{n}", "#接龙 蔬菜包\\n1. 3-502 {n}份"]
    ),
    st.integers(0, 10**30),
)  # fmt: skip
def test_numbers_of_any_size_are_bounded_or_refused(template, n):
    """Ids, quantities, sizes and dates are bounded at the parser: a reading or a ParseError, never an
    overflow further down."""
    try:
        command = parse(template.format(n=n), CTX)
    except ParseError:
        return
    for value in command.model_dump().values():
        assert not isinstance(value, int) or value <= 999_999_999
