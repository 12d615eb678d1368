"""The ticket export for the monthly 居民建议落地清单: XLSX (tickets and their history) or CSV.

Cells hold residents' own words, so nothing is ever written as a formula: a report that starts with "=" stays
text in Excel (XLSX cells are typed as strings; CSV cells get the usual leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers import texts
from storage.stats import ExportEvent, ExportRow

# --- user-facing strings (may move to handlers/texts.py)

TICKETS_SHEET = "报事"
HISTORY_SHEET = "处理记录"
# (header, column width in characters); a CJK character is about two widths.
TICKET_COLUMNS = (
    ("编号", 8),
    ("创建时间", 17),
    ("楼栋", 10),
    ("位置", 14),
    ("分类", 10),
    ("紧急", 6),
    ("状态", 8),
    ("报事人", 12),
    ("负责人", 12),
    ("内容", 50),
    ("受理时间", 17),
    ("解决时间", 17),
    ("处理说明", 30),
    ("驳回理由", 24),
    ("评价", 8),
    ("评价说明", 24),
)
HISTORY_COLUMNS = (("编号", 8), ("时间", 17), ("操作人", 12), ("从", 8), ("到", 8), ("说明", 50))
HISTORY_IN_CSV = "处理记录"
HISTORY_SEPARATOR = " | "
HISTORY_ENTRY = "{when} {who} {change}"
HISTORY_NOTE = "（{note}）"
CHANGE = "{from_}→{to}"
CREATED = "创建"
SYSTEM_ACTOR = "系统"
URGENT = "是"

TIME_FORMAT = "%Y-%m-%d %H:%M"
EXCEL_TIME_FORMAT = "yyyy-mm-dd hh:mm"
WRAPPED = frozenset({"内容", "处理说明", "驳回理由", "评价说明", "说明"})
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula

Cell = str | int | datetime | None


def export_xlsx(rows: Sequence[ExportRow], *, names: Mapping[str, str], tz: tzinfo) -> bytes:
    """Sheet 报事: one row per ticket; sheet 处理记录: one row per step, oldest first within a ticket."""
    book = Workbook()
    tickets = book.active
    assert tickets is not None  # a new workbook always has its first sheet
    tickets.title = TICKETS_SHEET
    history = book.create_sheet(HISTORY_SHEET)
    _header(tickets, TICKET_COLUMNS)
    _header(history, HISTORY_COLUMNS)
    for row in rows:
        _append(tickets, _ticket_cells(row, names=names, tz=tz), TICKET_COLUMNS)
        for step in row.events:
            _append(history, _event_cells(row.ticket.id, step, tz=tz), HISTORY_COLUMNS)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv(rows: Sequence[ExportRow], *, names: Mapping[str, str], tz: tzinfo) -> bytes:
    """The tickets sheet with the history in one last column; UTF-8 with a BOM so Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in TICKET_COLUMNS] + [HISTORY_IN_CSV])
    for row in rows:
        cells = [
            *_ticket_cells(row, names=names, tz=tz),
            HISTORY_SEPARATOR.join(_history_entry(e, tz) for e in row.events),
        ]
        writer.writerow([_csv_text(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _ticket_cells(row: ExportRow, *, names: Mapping[str, str], tz: tzinfo) -> list[Cell]:
    t = row.ticket
    return [
        t.id,
        _local(t.created_at, tz),
        row.building,
        t.location,
        names.get(t.category, t.category),
        URGENT if t.urgent else None,
        texts.STATUS_NAMES.get(t.status, t.status),
        row.reporter,
        row.assignee,
        t.text,
        _local(t.accepted_at, tz),
        _local(t.resolved_at, tz),
        t.resolution_note,
        t.rejection_reason,
        texts.RATING_WORDS.get(t.rating, t.rating) if t.rating else None,
        t.rating_comment,
    ]


def _event_cells(ticket_id: int | None, step: ExportEvent, *, tz: tzinfo) -> list[Cell]:
    e = step.event
    return [
        ticket_id,
        _local(e.at, tz),
        step.actor or SYSTEM_ACTOR,
        texts.STATUS_NAMES.get(e.from_status, e.from_status) if e.from_status else CREATED,
        texts.STATUS_NAMES.get(e.to_status, e.to_status),
        e.note,
    ]


def _history_entry(step: ExportEvent, tz: tzinfo) -> str:
    e = step.event
    if e.from_status:
        change = CHANGE.format(
            from_=texts.STATUS_NAMES.get(e.from_status, e.from_status),
            to=texts.STATUS_NAMES.get(e.to_status, e.to_status),
        )
    else:
        change = CREATED
    entry = HISTORY_ENTRY.format(
        when=e.at.astimezone(tz).strftime(TIME_FORMAT), who=step.actor or SYSTEM_ACTOR, change=change
    )
    # The separator inside a note would split one step into two for whoever reads the column back.
    note = " ".join(e.note.split()).replace("|", "｜") if e.note else ""
    return entry + (HISTORY_NOTE.format(note=note) if note else "")


def _header(sheet: Worksheet, columns: Sequence[tuple[str, int]]) -> None:
    sheet.append([header for header, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"


def _append(sheet: Worksheet, cells: Sequence[Cell], columns: Sequence[tuple[str, int]]) -> None:
    sheet.append([_xlsx_value(cell) for cell in cells])
    row = sheet.max_row
    for index, ((header, _), value) in enumerate(zip(columns, cells, strict=True), start=1):
        cell = sheet.cell(row=row, column=index)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
        elif isinstance(value, datetime):
            cell.number_format = EXCEL_TIME_FORMAT
        if header in WRAPPED:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cell.alignment = Alignment(vertical="top")


def _xlsx_value(cell: Cell) -> Cell:
    # Control characters from a pasted message would make openpyxl refuse the whole file.
    return ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime(TIME_FORMAT)
    text = str(cell)
    return "'" + text if isinstance(cell, str) and text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    # Excel has no time zones: write the local wall-clock time the staff read.
    return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None
