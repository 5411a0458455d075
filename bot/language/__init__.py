"""The command language of COMMANDS.md: text in, typed command (or ParseError) out.

Pure: no Telegram, no storage. ``parse`` is the entry point; the value parsers (rooms, numbers,
quantities, money, times) are each written once here and used by every feature.
"""

from bot.language.commands import Command, ParseError
from bot.language.parser import ParseContext, parse

__all__ = ["Command", "ParseContext", "ParseError", "parse"]
