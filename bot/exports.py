"""Writing the export tables: one XLSX with a sheet per kind (for /export), or CSV files (CLI)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

Tables = dict[str, tuple[list[str], list[tuple]]]


def to_xlsx(tables: Tables) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, (header, rows) in tables.items():
        sheet = workbook.create_sheet(kind[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv_files(tables: Tables, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, (header, rows) in tables.items():
        path = folder / f"{kind}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written
