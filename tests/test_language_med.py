"""Medicine lists as residents write them (the text after #配药 / /med), and the personal numbers
(phones, resident IDs, medical-insurance cards) found in them. All names and numbers are made up."""

import pytest

from bot.domain.rooms import Room
from bot.language.commands import ParseError
from bot.language.medlist import parse_med
from bot.language.normalize import normalize
from bot.language.personal import find_card, find_phones, scrub


def med(text: str):
    return parse_med(normalize(text))


def items(text: str) -> list[tuple[str, int, str | None]]:
    return [(item.name, item.quantity, item.unit) for item in med(text).items]


# (what the resident typed after the tag, the drugs read)
LISTS = [
    # the forms of the README
    ("布洛芬缓释胶囊 2盒，二甲双胍 3盒", [("布洛芬缓释胶囊", 2, "盒"), ("二甲双胍", 3, "盒")]),
    ("ibuprofen 2 boxes, metformin 3", [("ibuprofen", 2, "boxes"), ("metformin", 3, None)]),
    ("metformin 2 boxes; aspirin x1", [("metformin", 2, "boxes"), ("aspirin", 1, None)]),
    ("布洛芬2盒", [("布洛芬", 2, "盒")]),
    ("胰岛素注射液 两支", [("胰岛素注射液", 2, "支")]),
    # only spaces between name-quantity pairs
    ("布洛芬两盒 感冒灵颗粒一盒", [("布洛芬", 2, "盒"), ("感冒灵颗粒", 1, "盒")]),
    ("氨氯地平 2盒 二甲双胍 3盒", [("氨氯地平", 2, "盒"), ("二甲双胍", 3, "盒")]),
    (
        "阿莫西林 1盒 蒙脱石散 2盒 藿香正气水 1盒",
        [("阿莫西林", 1, "盒"), ("蒙脱石散", 2, "盒"), ("藿香正气水", 1, "盒")],
    ),
    ("阿托伐他汀钙片 20mg 1盒", [("阿托伐他汀钙片 20mg", 1, "盒")]),
    ("阿莫西林 胶囊", [("阿莫西林 胶囊", 1, None)]),
    # strengths and pack sizes stay with the name
    ("硝苯地平控释片 30mg*7片 2盒", [("硝苯地平控释片 30mg*7片", 2, "盒")]),
    ("阿莫西林胶囊 0.5g×24粒 1盒", [("阿莫西林胶囊 0.5g×24粒", 1, "盒")]),
    ("氨氯地平片5mg*28片 x2", [("氨氯地平片5mg*28片", 2, None)]),
    ("止咳糖浆 100ml", [("止咳糖浆 100ml", 1, None)]),
    ("二甲双胍缓释片 0.5g 30片/盒 三盒", [("二甲双胍缓释片 0.5g 30片/盒", 3, "盒")]),
    ("甘精胰岛素 300单位/3ml 2支", [("甘精胰岛素 300单位/3ml", 2, "支")]),
    # quantity before or after, in every way it is written
    ("两盒布洛芬", [("布洛芬", 2, "盒")]),
    ("布洛芬 盒×2", [("布洛芬", 2, "盒")]),
    ("感冒灵×2；板蓝根*3", [("感冒灵", 2, None), ("板蓝根", 3, None)]),
    ("二甲双胍 二盒", [("二甲双胍", 2, "盒")]),
    ("布洛芬 十二片", [("布洛芬", 12, "片")]),
    ("metformin two boxes", [("metformin", 2, "boxes")]),
    ("aspirin", [("aspirin", 1, None)]),
    ("布洛芬", [("布洛芬", 1, None)]),
    # names that look like quantities
    ("三七片", [("三七片", 1, None)]),
    ("三七片 2盒", [("三七片", 2, "盒")]),
    ("维生素B12 2瓶", [("维生素B12", 2, "瓶")]),
    ("急支糖浆 1瓶", [("急支糖浆", 1, "瓶")]),
    ("六味地黄丸 2盒", [("六味地黄丸", 2, "盒")]),
    # numbering, bullets, emoji
    ("1. 布洛芬 2盒\n2. 感冒灵 1盒", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒")]),
    ("1、硝苯地平 1盒\n2、阿司匹林肠溶片 2盒", [("硝苯地平", 1, "盒"), ("阿司匹林肠溶片", 2, "盒")]),
    ("① 布洛芬 2盒\n② 感冒灵颗粒 1盒", [("布洛芬", 2, "盒"), ("感冒灵颗粒", 1, "盒")]),
    ("一、布洛芬2盒\n二、感冒灵1盒", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒")]),
    ("(1)布洛芬 2盒\n(2)二甲双胍 x2", [("布洛芬", 2, "盒"), ("二甲双胍", 2, None)]),
    ("1)氨氯地平 1盒\n2)阿司匹林 2盒", [("氨氯地平", 1, "盒"), ("阿司匹林", 2, "盒")]),
    ("• 布洛芬 2盒\n• 感冒灵 1盒 💊", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒")]),
    ("1.布洛芬2盒 2.感冒灵1盒", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒")]),
    ("- 连花清瘟胶囊 2盒\n- 对乙酰氨基酚片 1盒 🙏🙏", [("连花清瘟胶囊", 2, "盒"), ("对乙酰氨基酚片", 1, "盒")]),
    # a quantity on its own belongs to the drug before it
    ("布洛芬，两盒", [("布洛芬", 2, "盒")]),
    # what leads in to the drug, and a name before it
    ("张三 布洛芬 2盒", [("布洛芬", 2, "盒")]),
    ("降压药：苯磺酸氨氯地平片 2盒", [("苯磺酸氨氯地平片", 2, "盒")]),
    ("我家老人需要降压药 2盒", [("降压药", 2, "盒")]),
    ("帮忙配一下 二甲双胍 3盒 谢谢", [("二甲双胍", 3, "盒")]),
    ("麻烦帮忙配药：阿卡波糖 2盒，格列美脲 1盒，谢谢志愿者！", [("阿卡波糖", 2, "盒"), ("格列美脲", 1, "盒")]),
    ("阿卡波糖50mg*30片*2盒", [("阿卡波糖50mg*30片", 2, "盒")]),
    # 老人 心脏不好 要 X: what leads in to a lone 要 is a remark
    ("我家老头子 心脏不好 要 速效救心丸 两瓶", [("速效救心丸", 2, "瓶")]),
    ("老伴 血压高 要 硝苯地平控释片 2盒", [("硝苯地平控释片", 2, "盒")]),
    ("孩子发烧 要 美林 1瓶", [("美林", 1, "瓶")]),
    # a word before a strength is the drug, even one holding 他 or 卡 (words of remarks)
    ("阿卡波糖 50mg×30片×2盒", [("阿卡波糖 50mg×30片", 2, "盒")]),
    ("倍他乐克 47.5mg 2盒", [("倍他乐克 47.5mg", 2, "盒")]),
    ("他克莫司 1mg 2盒", [("他克莫司 1mg", 2, "盒")]),
    ("美卡素 80mg 1盒", [("美卡素 80mg", 1, "盒")]),
    # a unit set apart from its number that starts a word is the next drug's: 板蓝根, 片仔癀
    ("左氧氟沙星 x1 板蓝根 x3", [("左氧氟沙星", 1, None), ("板蓝根", 3, None)]),
    ("布洛芬 ×1 片仔癀 ×1", [("布洛芬", 1, None), ("片仔癀", 1, None)]),
    ("布洛芬 2 片仔癀 1", [("布洛芬", 2, None), ("片仔癀", 1, None)]),
    ("两 盒布洛芬", [("布洛芬", 2, "盒")]),
    ("布洛芬 x 2 盒", [("布洛芬", 2, "盒")]),
    # + between items
    ("头孢克洛干混悬剂 2盒 + 小儿氨酚黄那敏颗粒 1盒", [("头孢克洛干混悬剂", 2, "盒"), ("小儿氨酚黄那敏颗粒", 1, "盒")]),
    ("布洛芬2盒+感冒灵1盒", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒")]),
    ("连花清瘟+布洛芬", [("连花清瘟", 1, None), ("布洛芬", 1, None)]),
    ("metformin 2 boxes + aspirin 1 box", [("metformin", 2, "boxes"), ("aspirin", 1, "box")]),
    # 各 / 每样 / each: the quantity is for every drug before it given none
    ("蒲地蓝消炎片、清开灵颗粒各两盒", [("蒲地蓝消炎片", 2, "盒"), ("清开灵颗粒", 2, "盒")]),
    ("布洛芬，感冒灵，各一盒", [("布洛芬", 1, "盒"), ("感冒灵", 1, "盒")]),
    ("连花清瘟胶囊、布洛芬、板蓝根每样2盒", [("连花清瘟胶囊", 2, "盒"), ("布洛芬", 2, "盒"), ("板蓝根", 2, "盒")]),
    ("布洛芬 2盒、感冒灵、板蓝根各一盒", [("布洛芬", 2, "盒"), ("感冒灵", 1, "盒"), ("板蓝根", 1, "盒")]),
    ("ibuprofen, paracetamol 2 boxes each", [("ibuprofen", 2, "boxes"), ("paracetamol", 2, "boxes")]),
    ("拜新同 2盒 络活喜 1盒 立普妥 1盒", [("拜新同", 2, "盒"), ("络活喜", 1, "盒"), ("立普妥", 1, "盒")]),
    ("布洛芬 2 盒", [("布洛芬", 2, "盒")]),
    ("布洛芬 两 盒", [("布洛芬", 2, "盒")]),
    ("布洛芬混悬液 1瓶（孩子用）", [("布洛芬混悬液", 1, "瓶")]),
    ("急 3号楼1201 独居老人 降压药吃完了 苯磺酸氨氯地平 1盒", [("苯磺酸氨氯地平", 1, "盒")]),
    ("奥氮平片 2盒 精神科的药 很急", [("奥氮平片", 2, "盒")]),
    ("右佐匹克隆 1盒 (安眠药，医生开过的)", [("右佐匹克隆", 1, "盒")]),
    ("布洛芬缓释胶囊（芬必得）2盒", [("布洛芬缓释胶囊（芬必得）", 2, "盒")]),
    # English
    ("Please help, my mother needs Metformin 500mg x3 boxes. Room 12-1103. Thanks!", [("Metformin 500mg", 3, "boxes")]),
    ("amoxicillin 2 boxes (for my kid, 6 years old)", [("amoxicillin", 2, "boxes")]),
    ("Hi neighbours, does anyone have spare Lianhua Qingwen? Need 1 box, thanks", [("Lianhua Qingwen", 1, "box")]),
    ("for my mother: amlodipine 5mg 1 box", [("amlodipine 5mg", 1, "box")]),
    ("Metformin 500mg x 60 tablets", [("Metformin 500mg", 60, "tablets")]),
    ("metformin 2 boxes, atorvastatin 1 box, urgent", [("metformin", 2, "boxes"), ("atorvastatin", 1, "box")]),
    ("I need 2 boxes of metformin and 1 box of aspirin please", [("metformin", 2, "boxes"), ("aspirin", 1, "box")]),
    ("ibuprofen x2; paracetamol 1 box", [("ibuprofen", 2, None), ("paracetamol", 1, "box")]),
    ("insulin 2 pens", [("insulin", 2, "pens")]),
    ("Does anyone have spare ibuprofen? Need 1 box, thanks", [("ibuprofen", 1, "box")]),
    (
        "Could someone get 2 bottles of Huoxiang Zhengqi water for 6-702? Thank you",
        [("Huoxiang Zhengqi water", 2, "bottles")],
    ),
    ("Can anyone get 1 box of ibuprofen for 3-502?", [("ibuprofen", 1, "box")]),
    ("Would someone please buy 2 boxes of Lianhua Qingwen for 12-1101? Thanks", [("Lianhua Qingwen", 2, "boxes")]),
    # questions to the neighbours
    ("谁家还有多的布洛芬，想买一盒，谢谢", [("布洛芬", 1, "盒")]),
    ("求助：孩子发烧，谁有美林？", [("美林", 1, None)]),
    ("有没有邻居有多余的连花清瘟，急需两盒", [("连花清瘟", 2, "盒")]),
    ("请问哪位邻居家里有退烧药？想要一盒", [("退烧药", 1, "盒")]),
    ("请问谁家有多的美林？想借一瓶，孩子发烧了", [("美林", 1, "瓶")]),
    ("谁有多余的布洛芬？想借两盒", [("布洛芬", 2, "盒")]),
    ("请问谁家有连花清瘟？借一盒，谢谢", [("连花清瘟", 1, "盒")]),
]


@pytest.mark.parametrize(("text", "expected"), LISTS, ids=[text for text, _ in LISTS])
def test_the_drugs_of_a_list(text, expected):
    assert items(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "急 胰岛素 2支",
        "胰岛素 2支（急）",
        "胰岛素 2支 (急)",
        "布洛芬 1盒 急!!",
        "布洛芬 1盒 急！",
        "加急 二甲双胍 3盒",
        "紧急！胰岛素 2支",
        "很急 布洛芬 1盒",
        "布洛芬 2盒 URGENT",
        "urgent insulin 2 pens",
        "布洛芬 1盒\n急",
        "急胰岛素 2支",
        "【急】胰岛素 2支",
        "急急急！！！胰岛素 2支",
        "胰岛素笔芯 3支 十万火急",
        "Need insulin urgently, 3 pens",
        "奥氮平 2盒 断药了很急",
    ],
)
def test_the_urgent_word_anywhere(text):
    request = med(text)
    assert request.urgent
    assert all("急" not in item.name and "urgent" not in item.name.lower() for item in request.items)


@pytest.mark.parametrize("text", ["急支糖浆 1瓶", "布洛芬 1盒", "急性肠胃炎\n蒙脱石散 2盒"])
def test_no_urgent_word_no_urgency(text):
    assert not med(text).urgent


def test_the_full_example_keeps_phone_and_condition_out_of_the_drugs():
    request = med("急 胰岛素 2支 电话13912345678 我有糖尿病")
    assert [(i.name, i.quantity, i.unit) for i in request.items] == [("胰岛素", 2, "支")]
    assert request.urgent and request.phone == "13912345678"
    assert "糖尿病" in request.note


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("3-601 布洛芬 1盒", Room(building=3, room=601)),
        ("3号楼502 硝苯地平控释片 1盒、阿托伐他汀 1盒", Room(building=3, room=502)),
        ("急 3-502 胰岛素 2支", Room(building=3, room=502)),
        ("张三 3-502\n布洛芬 2盒", Room(building=3, room=502)),
        ("布洛芬 2盒\n张三\n3号楼502", Room(building=3, room=502)),
        ("布洛芬 2盒\n5栋1201室 李四", Room(building=5, room=1201)),
        ("3号楼2单元502\n布洛芬 1盒", Room(building=3, unit=2, room=502)),
        ("甲硝唑片 1盒（3-1502）", Room(building=3, room=1502)),
        ("URGENT insulin aspart 3 pens for 5-1101", Room(building=5, room=1101)),
        ("姓名：赵美华\n地址：8号楼1002\n药品：瑞格列奈片 1mg 2盒、阿卡波糖 3盒", Room(building=8, room=1002)),
        # a label before the room, on its line or in brackets
        ("姓名：孙桂英\n楼号：10号楼 701\n药品：苯磺酸氨氯地平片 2盒", Room(building=10, room=701)),
        ("楼栋：3号楼502\n布洛芬 1盒", Room(building=3, room=502)),
        ("房间号：8-1101\n布洛芬 1盒", Room(building=8, room=1101)),
        ("metformin 500mg 3 boxes, glimepiride 2mg 1 box (room 4-803)", Room(building=4, room=803)),
        ("布洛芬 1盒 (房号：3-502)", Room(building=3, room=502)),
        ("ibuprofen 2 boxes (Rm 12-1101)", Room(building=12, room=1101)),
        # the room at the end of an English question, after for / to
        ("Could someone get 2 bottles of Huoxiang Zhengqi water for 6-702? Thank you", Room(building=6, room=702)),
        ("2 boxes of metformin to 3-502", Room(building=3, room=502)),
    ],
)
def test_the_room_leading_or_on_its_own_line(text, room):
    request = med(text)
    assert request.room == room
    assert all(str(room.room) not in item.name for item in request.items)


def test_a_street_address_gives_its_room_and_stays_private():
    request = med("长宁路100弄7号1101 布洛芬 2盒")
    assert request.room == Room(building=7, room=1101)
    assert [(i.name, i.quantity) for i in request.items] == [("布洛芬", 2)]
    assert "长宁路100弄" in request.note


def test_two_different_rooms_are_asked_about_not_guessed():
    with pytest.raises(ParseError):
        med("3-502 布洛芬 1盒\n4-601 感冒灵 1盒")


def test_a_pasted_list_with_names_remarks_phone_and_card():
    request = med(
        "王阿姨 3-502\n"
        "1. 氨氯地平片 5mg*28片 2盒\n"
        "2. 二甲双胍 3盒\n"
        "医保卡号：A12345678\n"
        "手机：139-1234-5678\n"
        "老人独居，麻烦了🙏"
    )
    assert [(i.name, i.quantity) for i in request.items] == [("氨氯地平片 5mg*28片", 2), ("二甲双胍", 3)]
    assert request.room == Room(building=3, room=502)
    assert request.card == "A12345678" and request.phone == "13912345678"
    assert "独居" in request.note and "王阿姨" in request.note


@pytest.mark.parametrize(
    ("text", "in_note"),
    [
        ("布洛芬 2盒\n谢谢", "谢谢"),
        ("布洛芬 2盒，麻烦了", "麻烦了"),
        ("胰岛素 2支\n我有糖尿病", "糖尿病"),
        ("降压药 1盒\n老人独居", "老人独居"),
        ("医保卡在我这\n布洛芬 2盒", "医保卡在我这"),
        ("备注：饭后吃，每天两次\n布洛芬 1盒", "每天两次"),
        ("诊断:高血压\n氨氯地平 5mg*28片 2盒", "高血压"),
        ("高血压\n硝苯地平控释片 1盒", "高血压"),
        ("求助：孩子发烧，谁有美林？", "孩子发烧"),
        ("王阿姨\n长宁路100弄7号1101\n降压药 1盒", "长宁路100弄7号1101"),
        ("metformin 2 boxes\nI have diabetes", "diabetes"),
        ("布洛芬混悬液 1瓶（孩子用）", "孩子用"),
        ("我家老人需要降压药 2盒", "老人"),
        ("3号楼502 张三 布洛芬 2盒", "张三"),
        ("for my mother: amlodipine 5mg 1 box", "my mother"),
        ("右佐匹克隆 1盒 (安眠药，医生开过的)", "安眠药"),
        ("amoxicillin 2 boxes (for my kid, 6 years old)", "6 years old"),
        ("急 3号楼1201 独居老人 降压药吃完了 苯磺酸氨氯地平 1盒", "独居老人"),
        ("我家老头子 心脏不好 要 速效救心丸 两瓶", "心脏不好"),
        ("老伴 血压高 要 硝苯地平控释片 2盒", "血压高"),
        ("请问谁家有多的美林？想借一瓶，孩子发烧了", "孩子发烧"),
    ],
)
def test_remarks_go_to_the_private_note_not_the_drugs(text, in_note):
    request = med(text)
    assert in_note in request.note
    assert all(in_note not in item.name for item in request.items)
    assert len(request.items) == 1


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("布洛芬 1盒 手机 139 1234 5678", "13912345678"),
        ("布洛芬 1盒\n联系电话：021-62345678", "021-62345678"),
        ("布洛芬 1盒 电话：+86 139 1234 5678", "13912345678"),
        ("布洛芬 1盒\n13912345678 张三", "13912345678"),
        ("布洛芬 1盒 tel 62345678", "62345678"),
        ("布洛芬 1盒 手机一三九一二三四五六七八", "13912345678"),
    ],
)
def test_the_phone_number_is_kept_apart(text, phone):
    request = med(text)
    assert request.phone == phone
    assert [item.name for item in request.items] == ["布洛芬"]


def test_a_resident_id_is_a_card_and_never_an_item():
    request = med("布洛芬 1盒\n身份证 110101199003071233")
    assert request.card == "110101199003071233"
    assert [item.name for item in request.items] == ["布洛芬"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "谢谢",
        "麻烦了，谢谢",
        "电话13912345678",
        "3-502",
        "布洛芬 0盒",
        "布洛芬 10000盒",
        "布洛芬 1391234567",  # a phone number one digit short: asked, not read as a quantity
        "两盒",
        "怎么用？",
        "要怎么写？我写了没反应",
        "我有糖尿病",
    ],
)
def test_no_drug_or_an_unreadable_quantity_is_a_parse_error(text):
    with pytest.raises(ParseError) as info:
        med(text)
    assert info.value.usage_key == "usage.med"


def test_more_than_fifty_drugs_is_a_parse_error():
    with pytest.raises(ParseError):
        med("\n".join(f"药{n}号片 1盒" for n in range(51)))
    assert len(med("\n".join(f"药{n}号片 1盒" for n in range(50))).items) == 50


# ----------------------------------------------------------------------------- personal numbers
@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("13912345678", "13912345678"),
        ("电话13912345678", "13912345678"),
        ("手机：13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("139.1234.5678", "13912345678"),
        ("139/1234/5678", "13912345678"),
        ("139\u00ad1234\u00ad5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("１３９　１２３４　５６７８", "13912345678"),
        ("一三九一二三四五六七八", "13912345678"),
        ("幺三九 幺二三四 五六七八", "13912345678"),
        ("有事打15800001111找我", "15800001111"),
        ("call me on 18612345678 thanks", "18612345678"),
        ("021-62345678", "021-62345678"),
        ("(021)62345678", "021-62345678"),
        ("（021）62345678", "021-62345678"),
        ("021 6234 5678", "021-62345678"),
        ("+86 21 6234 5678", "021-62345678"),
        ("010-12345678", "010-12345678"),
        ("电话 62345678", "62345678"),
        ("座机：6234 5678", "62345678"),
        ("tel: 62345678", "62345678"),
        ("Phone 62345678", "62345678"),
        ("联系 021-62345678", "021-62345678"),
    ],
)
def test_phone_shapes(text, number):
    assert [found for found, _ in find_phones(text)] == [number]


@pytest.mark.parametrize(
    "text",
    [
        "62345678",  # a bare landline without a label is not taken
        "布洛芬 2盒",
        "1391234567",
        "139123456789",
        "订单号 20220410123",
        "110101199003071233",  # a resident ID is not a phone
        "3号楼502",
        "5mg*28片 2盒",
    ],
)
def test_not_phones(text):
    assert find_phones(text) == []


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("身份证110101199003071233", "110101199003071233"),
        ("310104198505120017", "310104198505120017"),
        ("身份证号：44030119771201888X", "44030119771201888X"),
        ("44030119771201888x", "44030119771201888X"),
        ("医保卡号：A12345678", "A12345678"),
        ("医保卡 1234 5678 9012", "123456789012"),
        ("社保卡号为 0012345678", "0012345678"),
        ("卡号:SH20220410", "SH20220410"),
        ("card no. HK88776655", "HK88776655"),
        ("Card number: 9876-5432-10", "9876543210"),
    ],
)
def test_card_shapes(text, card):
    found = find_card(text)
    assert found is not None and found[0] == card


@pytest.mark.parametrize(
    "text",
    ["110101199003071234", "医保卡在我这", "card in my bag please", "医保卡 1234", "布洛芬 2盒"],
)
def test_not_cards(text):
    assert find_card(text) is None


def test_scrub_takes_every_number_out():
    text, phones, cards = scrub("张三 13912345678 身份证110101199003071233 医保卡号A12345678 021-62345678")
    assert phones == ["13912345678", "021-62345678"]
    assert cards == ["110101199003071233", "A12345678"]
    assert not any(ch.isdigit() for ch in text) and "张三" in text
