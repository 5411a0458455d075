"""Parse a mixed corpus of residents' messages and print messages per second (one core).

Run: .venv/bin/python bench/parse.py   (or make bench)
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.language import ParseContext, ParseError, parse

TEMPLATES = [
    "#配药 布洛芬缓释胶囊 {n}盒，二甲双胍 {m}盒",
    "＃配药 急 胰岛素注射液 两支",
    "【配药】{b}号楼{r} 硝苯地平控释片 1盒、阿托伐他汀 {m}盒",
    "/med metformin {n} boxes; aspirin x1",
    "#接龙 {k} {n}",
    "/order {k} {n}",
    "#开团 蔬菜包 68元/份 截止20:00 起订30",
    "#开团 光明牛奶 整箱12 每盒8.5元 截止明天12:00",
    "#接龙 蔬菜包\n1. {b}-{r} 2份\n2. {b}-601 1份\n3. 5号楼1201 三份",
    "#签到 核酸 {n}号门",
    "#签退",
    "#平安 {b}-{r}",
    "#认领 {k}",
    "#已购 {k} 86.5元",
    "大家好，{b}号楼{r}的快递放在门口了，谢谢志愿者！",
    "请问今天还有核酸吗？",
    "收到 👍",
    "明天几点发菜？",
    "/help",
    "#辟谣 居委私吞物资 | 关键词: 私吞,物资 | 经核实，视频拍摄地并非本小区 | 来源: 街道公众号",
]


def corpus(size: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(TEMPLATES).format(
            n=rng.randint(1, 9),
            m=rng.randint(1, 5),
            b=rng.randint(1, 50),
            r=rng.randint(101, 2004),
            k=rng.randint(1, 99),
        )
        for _ in range(size)
    ]


def main(size: int = 20_000) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    ctx = ParseContext(now=datetime(2026, 4, 10, 14, 0, tzinfo=tz), tz=tz, bot_username="building_bot")
    messages = corpus(size)
    commands = errors = 0
    start = time.perf_counter()
    for text in messages:
        try:
            commands += parse(text, ctx) is not None
        except ParseError:
            errors += 1
    elapsed = time.perf_counter() - start
    print(f"parse: {size} messages in {elapsed:.3f} s = {size / elapsed:,.0f} messages/s on one core")
    print(f"parse: {commands} commands, {size - commands - errors} chatter, {errors} parse errors")


if __name__ == "__main__":
    main()
