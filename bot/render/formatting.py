"""Shared reply formatting: money, item lists, and splitting long texts for Telegram."""

from __future__ import annotations

from collections.abc import Iterable

from bot.language.money import format_fen

TELEGRAM_LIMIT = 4096

__all__ = ["TELEGRAM_LIMIT", "format_fen", "item_text", "split_message"]


def item_text(name: str, quantity: int, unit: str | None) -> str:
    """``布洛芬 ×2盒``: how an item reads everywhere."""
    return f"{name} ×{quantity}{unit or ''}"


def split_message(lines: Iterable[str], limit: int = TELEGRAM_LIMIT - 96) -> list[str]:
    """Join lines into as few messages as fit ``limit``, breaking between lines (a line longer than
    ``limit`` is broken into pieces; nothing is dropped)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    pieces = (line[i : i + limit] for whole in lines for i in range(0, max(len(whole), 1), limit) for line in [whole])
    for line in pieces:
        if current and size + len(line) + 1 > limit:
            messages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        messages.append("\n".join(current))
    return messages
