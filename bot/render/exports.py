"""Writing the export tables: one XLSX with a sheet per kind (for /export, in the chat's language
and the configured time zone), or CSV files (CLI, with the storage's column names and UTC times).

Every cell is inert: text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (the OWASP rule against CSV
injection); numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bot.texts.i18n import t

Tables = dict[str, tuple[list[str], list[tuple]]]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """``value``, or the text with a leading ``'`` if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def inert_row(row: Iterable[object]) -> list[object]:
    return [inert(value) for value in row]


def localized(tables: Tables, lang: str, tz: tzinfo) -> Tables:
    """The tables as a person reads them: sheet names and column headers in ``lang``, times (the
    ``*_utc`` columns) in the configured zone as ``2026-04-10 09:00``."""
    result: Tables = {}
    for kind, (header, rows) in tables.items():
        times = [i for i, name in enumerate(header) if name.endswith("_utc")]
        columns = [t(lang, f"export.col.{name.removesuffix('_utc')}") for name in header]
        result[t(lang, f"export.sheet.{kind}")] = (columns, [_local_times(row, times, tz) for row in rows])
    return result


def _local_times(row: tuple, times: list[int], tz: tzinfo) -> tuple:
    cells = list(row)
    for i in times:
        if cells[i]:
            cells[i] = datetime.fromisoformat(cells[i]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return tuple(cells)


def to_xlsx(tables: Tables) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, (header, rows) in tables.items():
        sheet = workbook.create_sheet(kind[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_text(value) for value in inert_row(row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_text(value: object) -> object:
    """XLSX cannot hold control characters (a pasted message may carry one): they are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_csv_files(tables: Tables, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, (header, rows) in tables.items():
        path = folder / f"{kind}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(inert_row(row) for row in rows)
        written.append(path)
    return written
