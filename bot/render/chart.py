"""The daily report's picture: medicine requests and group-buy orders per building over the last
seven days, drawn with Pillow in Noto Sans CJK so the Chinese labels are readable."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.services.reports import Activity
from bot.texts.i18n import t

WIDTH, HEIGHT = 960, 540
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 30, 115, 70
MEDICINE_COLOUR = (214, 69, 65)
ORDERS_COLOUR = (52, 120, 190)
GRID = (225, 225, 225)
INK = (40, 40, 40)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    import cvttf_NotoSansCJK_Regular

    return ImageFont.truetype(cvttf_NotoSansCJK_Regular.get_TTF_path(), size)


def activity_chart(activity: Activity, lang: str) -> bytes:
    """A grouped bar chart as PNG bytes: per building, the week's requests and orders."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    first, last = activity.days[0], activity.days[-1]
    draw.text(
        (MARGIN_LEFT, 18),
        t(lang, "chart.title", start=first.strftime("%m-%d"), end=last.strftime("%m-%d")),
        font=font(26),
        fill=INK,
    )
    totals = [
        (
            building,
            sum(activity.medicine.get((building, d), 0) for d in activity.days),
            sum(activity.orders.get((building, d), 0) for d in activity.days),
        )
        for building in activity.buildings
    ]
    _legend(draw, lang)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_h
    peak = max([1] + [max(m, o) for _, m, o in totals])
    step = max(1, -(-peak // 5))
    for value in range(0, peak + step, step):
        y = bottom - plot_h * value / (step * (-(-peak // step)) or 1)
        draw.line([(MARGIN_LEFT, y), (WIDTH - MARGIN_RIGHT, y)], fill=GRID)
        draw.text((MARGIN_LEFT - 10, y), str(value), font=font(16), fill=INK, anchor="rm")
    top_value = step * (-(-peak // step)) or 1
    if not totals:
        draw.text((WIDTH / 2, MARGIN_TOP + plot_h / 2), t(lang, "chart.empty"), font=font(22), fill=INK, anchor="mm")
    slot = plot_w / max(1, len(totals))
    bar = min(40, slot / 3)
    for i, (building, medicine, orders) in enumerate(totals):
        centre = MARGIN_LEFT + slot * (i + 0.5)
        for offset, value, colour in ((-bar, medicine, MEDICINE_COLOUR), (0, orders, ORDERS_COLOUR)):
            height = plot_h * value / top_value
            draw.rectangle([centre + offset, bottom - height, centre + offset + bar, bottom], fill=colour)
            if value:
                draw.text(
                    (centre + offset + bar / 2, bottom - height - 4), str(value), font=font(14), fill=INK, anchor="mb"
                )
        draw.text(
            (centre, bottom + 10), t(lang, "chart.building", building=building), font=font(18), fill=INK, anchor="mt"
        )
    draw.line([(MARGIN_LEFT, bottom), (WIDTH - MARGIN_RIGHT, bottom)], fill=INK, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, lang: str) -> None:
    x = MARGIN_LEFT
    for colour, key in ((MEDICINE_COLOUR, "chart.medicine"), (ORDERS_COLOUR, "chart.orders")):
        draw.rectangle([x, 60, x + 18, 78], fill=colour)
        label = t(lang, key)
        draw.text((x + 26, 69), label, font=font(18), fill=INK, anchor="lm")
        x += 26 + int(draw.textlength(label, font=font(18))) + 30
