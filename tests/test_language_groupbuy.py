"""开团 announcements, prices, times, shifts and check-ins, written the way residents write them.

The clock stands at Friday 10 April 2026, 14:00 in Shanghai.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.language import ParseContext, ParseError
from bot.language import commands as c
from bot.language.announcement import parse_groupbuy
from bot.language.money import find_money, parse_money
from bot.language.normalize import normalize
from bot.language.times import find_times, parse_time
from bot.language.volunteering import parse_checkin, parse_shift

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 10, 14, 0, tzinfo=TZ)  # a Friday afternoon
CTX = ParseContext(now=NOW, tz=TZ)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=TZ)


def buy(text: str) -> c.GroupBuyOpen:
    return parse_groupbuy(normalize(text), CTX)


# ------------------------------------------------------------------------------ 开团 announcements
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蔬菜包 68元/份 截止20:00 起订30", dict(title="蔬菜包", price_fen=6800, deadline=at(10, 20), minimum=30)),
        ("蔬菜包 68/份 20:00 min30", dict(title="蔬菜包", price_fen=6800, deadline=at(10, 20), minimum=30)),
        (
            "光明牛奶 整箱12 每盒8.5元 截止明天12:00",
            dict(title="光明牛奶", price_fen=850, unit="盒", deadline=at(11, 12), case_size=12),
        ),
        ("青菜包 58元/份 明天12点截止", dict(title="青菜包", price_fen=5800, deadline=at(11, 12))),
        (
            "eggs 30 per box, closes tomorrow noon, minimum 20 boxes",
            dict(title="eggs", price_fen=3000, unit="box", deadline=at(11, 12), minimum=20),
        ),
        (
            "鸡蛋 30枚/盒 35元 后天上午10点截团 满30份发车",
            dict(title="鸡蛋", spec="30枚/盒", price_fen=3500, unit="盒", deadline=at(12, 10), minimum=30),
        ),
        (
            "猪肉 35块一盒 4.13 18:00截单",
            dict(title="猪肉", price_fen=3500, unit="盒", deadline=at(13, 18)),
        ),
        (
            "土豆 10r 每户限1份 截至4月13日18:00",
            dict(title="土豆", price_fen=1000, limit=1, deadline=at(13, 18)),
        ),
        ("牛奶 每份35元 by tomorrow 10am", dict(title="牛奶", price_fen=3500, deadline=at(11, 10))),
        ("bread 35 yuan until 20:00 limit 2", dict(title="bread", price_fen=3500, deadline=at(10, 20), limit=2)),
        (
            "西瓜 35元一个 20个起 周六下午3点截止",
            dict(title="西瓜", price_fen=3500, unit="个", minimum=20, deadline=at(11, 15)),
        ),
        ("大闸蟹 单价98 每户最多2份 成团10", dict(title="大闸蟹", price_fen=9800, limit=2, minimum=10)),
        (
            "apples 30 each, deadline 8pm, pickup at gate 2, limit 2",
            dict(title="apples", price_fen=3000, deadline=at(10, 20), pickup="gate 2", limit=2),
        ),
        (
            "可乐 case12 ¥45/箱 today 20:00",
            dict(title="可乐", case_size=12, price_fen=4500, unit="箱", deadline=at(10, 20)),
        ),
        (
            "大米 5斤装 ￥35 今晚8点前接龙 起订20",
            dict(title="大米", spec="5斤装", price_fen=3500, deadline=at(10, 20), minimum=20),
        ),
        ("酸奶 12元 tonight 8 截止 最少20", dict(title="酸奶", price_fen=1200, deadline=at(10, 20), minimum=20)),
        (
            "面条 15元/袋 500g/袋 明天中午截单",
            dict(title="面条", spec="500g/袋", price_fen=1500, unit="袋", deadline=at(11, 12)),
        ),
        (  # the price label among other numbers: 起订 is the minimum, not 45起
            "面包套餐 单价45 起订20 截止明天12:00 自提点：3号楼门口",
            dict(title="面包套餐", price_fen=4500, minimum=20, deadline=at(11, 12), pickup="3号楼门口"),
        ),
        ("盒马蔬菜包 ￥78 今天下午5点截止 满20单成团", dict(title="盒马蔬菜包", price_fen=7800, minimum=20)),
        ("酸奶 3.5元/杯 起订50 截止20:00", dict(title="酸奶", price_fen=350, unit="杯", minimum=50)),
        (
            "instant noodles 28 yuan a case, until 20:00",
            dict(title="instant noodles", price_fen=2800, unit="case", deadline=at(10, 20)),
        ),
    ],
)
def test_one_line_announcements(text, expected):
    reading = buy(text).model_dump()
    assert {key: reading[key] for key in expected} == expected
    assert reading["unsure"] == () and reading["deadline_text"] is None


def test_a_pasted_wechat_announcement():
    text = "【团购】新鲜土鸡蛋🥚\n规格：30枚/盒\n价格：35元/盒\n截团时间：4月13日18:00\n自提点：3号楼门口\n每户限购2盒\n满30份发车"
    assert buy(text) == c.GroupBuyOpen(
        title="新鲜土鸡蛋",
        spec="30枚/盒",
        price_fen=3500,
        unit="盒",
        deadline=at(13, 18),
        pickup="3号楼门口",
        limit=2,
        minimum=30,
    )


def test_a_minimum_on_its_own_labelled_line():
    text = "【团购】新鲜蔬菜包\n价格：68元/份\n截止时间：明天上午10点\n起订：30份\n自提：各楼栋门口"
    reading = buy(text)
    assert (reading.title, reading.minimum, reading.pickup) == ("新鲜蔬菜包", 30, "各楼栋门口")


@pytest.mark.parametrize(
    ("text", "title", "spec", "unit"),
    [
        ("金龙鱼大米10斤 ¥55", "金龙鱼大米10斤", None, "份"),  # a weight glued to the name names the product
        ("冷冻鸡腿 10斤 120元", "冷冻鸡腿", "10斤", "份"),  # standing apart, it is the spec
        ("fresh milk 1L ¥12 per bottle", "fresh milk", "1L", "bottle"),
        ("五花肉 2斤装 58元/份", "五花肉", "2斤装", "份"),
        ("鸡蛋30枚 35元", "鸡蛋", "30枚", "份"),  # a count of pieces is the spec, glued or not
        ("鸡蛋 35元/盒（30枚）", "鸡蛋", "30枚", "盒"),
        ("鲜鸡蛋 一盒30个 35元", "鲜鸡蛋", "30个", "盒"),  # what the pieces come in is the unit
    ],
)
def test_sizes_and_counts_next_to_the_name(text, title, spec, unit):
    reading = buy(text)
    assert (reading.title, reading.spec, reading.unit) == (title, spec, unit)


@pytest.mark.parametrize(
    ("text", "pickup"),
    [
        ("上海青 5斤装 25元 今晚20:00截止 3号楼东门自提", "3号楼东门自提"),
        ("五花肉 58元/份 明天下午3点截止 到货后在小区东门自提", "到货后在小区东门自提"),
    ],
)
def test_a_place_before_the_pickup_word_is_the_pickup(text, pickup):
    reading = buy(text)
    assert (reading.pickup, reading.deadline is not None) == (pickup, True)


def test_greetings_and_arrival_notes_stay_out_of_the_title():
    text = "各位邻居大家好！本周团购开始啦\n五斤装 苹果 45块一箱\n今晚8点前接龙，明天下午到货"
    assert buy(text) == c.GroupBuyOpen(
        title="苹果", spec="五斤装", price_fen=4500, unit="箱", deadline=at(10, 20), pickup="明天下午到货"
    )


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("大米 35元/袋 8点截", at(10, 20)),  # 8 a.m. has passed: 8 p.m. is a guess
        ("草莓 ¥35 截止13:00", at(11, 13)),  # 13:00 has passed today: tomorrow is a guess
        ("猪肉 每份35元 截止今天10点", at(10, 22)),
        ("鸡蛋 35元/盒 截止明天8点", at(11, 8)),  # 明天 08:00 or 20:00?
        ("牛奶 35r 周五中午截止", at(17, 12)),  # said on a Friday afternoon: next Friday?
        ("yogurt 4.5 per cup closes 8", at(10, 20)),  # a bare hour after a deadline word
        ("酸奶 3.5元/杯 截止八点", at(10, 20)),
        ("酸奶 3.5元/杯 截止20", at(10, 20)),  # or the 20th?
    ],
)
def test_a_guessed_deadline_is_marked_unsure(text, deadline):
    reading = buy(text)
    assert (reading.deadline, reading.unsure) == (deadline, ("deadline",))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("蔬菜包 68元/份 截止25:00", "截止25:00"),
        ("鸡蛋 35元 周五截团", "周五截团"),
        ("面包 20元 截单时间另行通知", "截单时间另行通知"),
        ("水果 50元一箱 明天截止", "明天截止"),
        ("大米 35元 截止4月31日18:00", "截止4月31日18:00"),
        ("coffee beans ¥88 per bag, closing date to be announced", "closing date to be announced"),
        ("面包 20元 截单时间另行通知\n自提：东门", "截单时间另行通知"),  # the line, not the next
    ],
)
def test_unreadable_deadline_words_are_kept_for_the_bot_to_ask(text, words):
    reading = buy(text)
    assert (reading.deadline, reading.deadline_text) == (None, words)


def test_no_deadline_words_means_no_deadline():
    assert buy("葱油饼 10元/份 起订10").deadline is None
    assert buy("葱油饼 10元/份 起订10").deadline_text is None


@pytest.mark.parametrize(
    "text",
    [
        "蔬菜包",  # no price
        "68元/份 截止20:00",  # no title
        "猪肉 每份35元 截止昨天10点",  # in the past
        "猪肉 每份35元 截止今天09:00",  # in the past (09:00 is not 21:00)
        "milk 6 per box, deadline yesterday 8pm",  # in the past, said in English
        "eggs 35 per box, closes last night 9",
        "bread 12 per bag, order by yesterday 6pm",
        "鸡蛋 35元 截止4月1日18:00",
        "鸡蛋 35元 限购0",
        "鸡蛋 35元 起订99999",
    ],
)
def test_announcements_that_cannot_open(text):
    with pytest.raises(ParseError) as info:
        buy(text)
    assert info.value.usage_key == "usage.groupbuy"


# ------------------------------------------------------------------------------ money
@pytest.mark.parametrize(
    ("text", "fen", "unit"),
    [
        ("35元/盒", 3500, "盒"),
        ("¥35", 3500, None),
        ("35块一盒", 3500, "盒"),
        ("单价35", 3500, None),
        ("35r", 3500, None),
        ("35R", 3500, None),
        ("35元一份", 3500, "份"),
        ("每份35元", 3500, "份"),
        ("35 yuan", 3500, None),
        ("30 per box", 3000, "box"),
        ("30 each", 3000, None),
        ("价格：12.5元/袋", 1250, "袋"),
        ("3.5元/杯", 350, "杯"),
        ("8.5 per carton", 850, "carton"),
        ("4.5 per cup", 450, "cup"),
        ("28 yuan a case", 2800, "case"),
    ],
)
def test_every_everyday_price(text, fen, unit):
    money = parse_money(normalize(text))
    assert (money.fen, money.unit) == (fen, unit)


@pytest.mark.parametrize("text", ["30枚/盒", "500g", "30份", "20:00", "截止20:00 起订30", "3-502 2份", "1234567890元"])
def test_specs_counts_and_times_are_not_prices(text):
    assert find_money(normalize(text)) is None


def test_the_price_after_a_spec_is_found():
    money, span = find_money("鸡蛋 30枚/盒 35元")
    assert (money.fen, span) == (3500, (9, 12))


# ------------------------------------------------------------------------------ times
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("后天上午10点", at(12, 10)),
        ("4月13日18:00", at(13, 18)),
        ("4.13 18:00", at(13, 18)),
        ("4/13 8pm", at(13, 20)),
        ("周六下午3点", at(11, 15)),
        ("星期一 9:00", at(13, 9)),
        ("礼拜天中午", at(12, 12)),
        ("下周一上午9点", at(13, 9)),
        ("12点半", at(11, 12, 30)),
        ("8pm", at(10, 20)),
        ("tomorrow 10am", at(11, 10)),
        ("tomorrow noon", at(11, 12)),
        ("today 20:00", at(10, 20)),
        ("tonight 8", at(10, 20)),
        ("明晚七点半", at(11, 19, 30)),
        ("yesterday 8pm", at(9, 20)),
        ("last night 9", at(9, 21)),
    ],
)
def test_times_residents_write(text, expected):
    assert parse_time(normalize(text), NOW, TZ) == expected


@pytest.mark.parametrize(
    ("text", "guessed"),
    [("截止20:00", False), ("明天12点", False), ("后天上午10点", False), ("4月13日18:00", False),
     ("8点截", True), ("9:00", True), ("13:00", True), ("明天8点", True)],
)  # fmt: skip
def test_a_reading_says_whether_it_was_guessed(text, guessed):
    (reading,) = find_times(text, NOW, TZ)
    assert reading.guessed is guessed


def test_words_that_look_like_times_are_not():
    assert find_times("快一点 限购 2 35元/份", NOW, TZ) == []


# ------------------------------------------------------------------------------ shifts
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("核酸 明天7:00-11:00 4人", c.ShiftOpen(task="核酸", start=at(11, 7), end=at(11, 11), headcount=4)),
        ("明早7点-11点 核酸 需要4个人", c.ShiftOpen(task="核酸", start=at(11, 7), end=at(11, 11), headcount=4)),
        ("配送 明天下午2点到5点 2人", c.ShiftOpen(task="配送", start=at(11, 14), end=at(11, 17), headcount=2)),
        ("delivery tomorrow 2pm-5pm 2", c.ShiftOpen(task="配送", start=at(11, 14), end=at(11, 17), headcount=2)),
        ("nucleic tomorrow 7:00-11:00 4", c.ShiftOpen(task="核酸", start=at(11, 7), end=at(11, 11), headcount=4)),
        ("消杀 明天8点到12点 需要三个人", c.ShiftOpen(task="消杀", start=at(11, 8), end=at(11, 12), headcount=3)),
        ("晚上10点到2点 秩序 2 people", c.ShiftOpen(task="秩序", start=at(10, 22), end=at(11, 2), headcount=2)),
        ("搬运 后天9:00-10:30", c.ShiftOpen(task="搬运", start=at(12, 9), end=at(12, 10, 30), headcount=1)),
        (
            "核酸 明天 早上7:00—11:00 需要志愿者4名",
            c.ShiftOpen(task="核酸", start=at(11, 7), end=at(11, 11), headcount=4),
        ),
    ],
)
def test_shifts_in_everyday_words(text, expected):
    assert parse_shift(normalize(text), CTX) == expected


@pytest.mark.parametrize("text", ["核酸 明天", "核酸 明天7点 4人", "明天7:00-11:00 4人", "核酸 昨天7:00-11:00", ""])
def test_a_shift_needs_a_task_and_a_time_range_to_come(text):
    with pytest.raises(ParseError) as info:
        parse_shift(normalize(text), CTX)
    assert info.value.usage_key == "usage.shift"


# ------------------------------------------------------------------------------ check-ins
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("核酸采样 南门", c.CheckIn(task="核酸采样", place="南门")),
        ("南门 核酸", c.CheckIn(task="核酸", place="南门")),
        ("nucleic gate 2", c.CheckIn(task="核酸", place="gate 2")),
        ("nucleic gate2", c.CheckIn(task="核酸", place="gate2")),
        ("3号楼门口 配送", c.CheckIn(task="配送", place="3号楼门口")),
        ("核酸 2号门", c.CheckIn(task="核酸", place="2号门")),
        ("核酸 小区北侧", c.CheckIn(task="核酸", place="小区北侧")),
        ("delivery north gate", c.CheckIn(task="配送", place="north gate")),
        ("", c.CheckIn()),
    ],
)
def test_check_ins(text, expected):
    assert parse_checkin(normalize(text), CTX) == expected
