"""The ticket export for the monthly 居民建议落地清单: XLSX (tickets and their history) or CSV.

Cells hold residents' own words, so nothing is ever written as a formula: a report that starts with "=" stays
text in Excel (XLSX cells are typed as strings; CSV cells get the usual leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers import texts as common
from handlers.numbers import texts
from handlers.numbers.summaries import building_label
from handlers.views import display_name
from storage.models import Rating, User
from storage.stats import ExportEvent, ExportRow


class Column(NamedTuple):
    header: str
    width: int  # in characters; a CJK character is about two widths
    wrapped: bool = False  # long free text: wrap it in the cell


TICKET_COLUMNS = (
    Column(texts.EXPORT_COLUMN_NUMBER, 8),
    Column(texts.EXPORT_COLUMN_CREATED, 17),
    Column(texts.EXPORT_COLUMN_BUILDING, 10),
    Column(texts.EXPORT_COLUMN_LOCATION, 14),
    Column(texts.EXPORT_COLUMN_CATEGORY, 10),
    Column(texts.EXPORT_COLUMN_URGENT, 6),
    Column(texts.EXPORT_COLUMN_STATUS, 8),
    Column(texts.EXPORT_COLUMN_REPORTER, 12),
    Column(texts.EXPORT_COLUMN_ASSIGNEE, 12),
    Column(texts.EXPORT_COLUMN_TEXT, 50, wrapped=True),
    Column(texts.EXPORT_COLUMN_ACCEPTED, 17),
    Column(texts.EXPORT_COLUMN_RESOLVED, 17),
    Column(texts.EXPORT_COLUMN_RESOLUTION_NOTE, 30, wrapped=True),
    Column(texts.EXPORT_COLUMN_REJECTION_REASON, 24, wrapped=True),
    Column(texts.EXPORT_COLUMN_RATING, 8),
    Column(texts.EXPORT_COLUMN_RATING_COMMENT, 24, wrapped=True),
)
HISTORY_COLUMNS = (
    Column(texts.EXPORT_COLUMN_NUMBER, 8),
    Column(texts.EXPORT_COLUMN_TIME, 17),
    Column(texts.EXPORT_COLUMN_ACTOR, 12),
    Column(texts.EXPORT_COLUMN_FROM, 8),
    Column(texts.EXPORT_COLUMN_TO, 8),
    Column(texts.EXPORT_COLUMN_NOTE, 50, wrapped=True),
)
# Between the steps in the CSV's history cell (a format, like the CSV's commas: see _history_entry).
HISTORY_SEPARATOR = " | "

TIME_FORMAT = "%Y-%m-%d %H:%M"
EXCEL_TIME_FORMAT = "yyyy-mm-dd hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula

Cell = str | int | datetime | None


def export_xlsx(rows: Sequence[ExportRow], *, names: Mapping[str, str], tz: tzinfo) -> bytes:
    """Sheet 报事: one row per ticket; sheet 处理记录: one row per step, oldest first within a ticket."""
    book = Workbook()
    tickets = book.active
    assert tickets is not None  # a new workbook always has its first sheet
    tickets.title = texts.EXPORT_TICKETS_SHEET
    history = book.create_sheet(texts.EXPORT_HISTORY_SHEET)
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
    writer.writerow([column.header for column in TICKET_COLUMNS] + [texts.EXPORT_COLUMN_HISTORY])
    for row in rows:
        cells = [
            *_ticket_cells(row, names=names, tz=tz),
            HISTORY_SEPARATOR.join(_history_entry(e, tz) for e in row.events),
        ]
        writer.writerow([_csv_text(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _ticket_cells(row: ExportRow, *, names: Mapping[str, str], tz: tzinfo) -> list[Cell]:
    t = row.ticket
    # Whoever owns it; a ticket resolved without being accepted first has no owner but its resolver.
    handler = row.assignee or row.resolver
    return [
        t.id,
        _local(t.created_at, tz),
        building_label(row.building),
        t.location,
        names.get(t.category, t.category),
        texts.EXPORT_URGENT_YES if t.urgent else texts.EXPORT_URGENT_NO,
        common.STATUS_NAMES.get(t.status, t.status),
        common.ANONYMOUS if t.anonymous else _name(row.reporter, t.reporter_id),
        display_name(handler) if handler is not None else None,
        t.text,
        _local(t.accepted_at, tz),
        _local(t.resolved_at, tz),
        t.resolution_note,
        t.rejection_reason,
        common.RATING_WORDS.get(t.rating, t.rating) if t.rating else None,
        # The reason belongs to 不满意; a later 满意 / 一般 does not carry an earlier one.
        t.rating_comment if t.rating == Rating.UNSATISFIED else None,
    ]


def _event_cells(ticket_id: int | None, step: ExportEvent, *, tz: tzinfo) -> list[Cell]:
    e = step.event
    return [
        ticket_id,
        _local(e.at, tz),
        _actor(step),
        common.STATUS_NAMES.get(e.from_status, e.from_status) if e.from_status else texts.EXPORT_CREATED,
        common.STATUS_NAMES.get(e.to_status, e.to_status),
        e.note,
    ]


def _history_entry(step: ExportEvent, tz: tzinfo) -> str:
    e = step.event
    if e.from_status:
        change = texts.EXPORT_HISTORY_CHANGE.format(
            from_=common.STATUS_NAMES.get(e.from_status, e.from_status),
            to=common.STATUS_NAMES.get(e.to_status, e.to_status),
        )
    else:
        change = texts.EXPORT_CREATED
    entry = texts.EXPORT_HISTORY_ENTRY.format(
        when=e.at.astimezone(tz).strftime(TIME_FORMAT), who=_actor(step), change=change
    )
    # The separator inside a note would split one step into two for whoever reads the column back.
    note = " ".join(e.note.split()).replace("|", "｜") if e.note else ""
    return entry + (texts.EXPORT_HISTORY_NOTE.format(note=note) if note else "")


def _actor(step: ExportEvent) -> str:
    if step.by_anonymous_reporter:
        return common.ANONYMOUS
    if step.event.actor_id is None:
        return common.SYSTEM_ACTOR
    return _name(step.actor, step.event.actor_id)


def _name(user: User | None, user_id: int) -> str:
    # Someone no longer on record is still told apart by their id.
    return display_name(user) if user is not None else str(user_id)


def _header(sheet: Worksheet, columns: Sequence[Column]) -> None:
    sheet.append([column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"


def _append(sheet: Worksheet, cells: Sequence[Cell], columns: Sequence[Column]) -> None:
    sheet.append([_xlsx_value(cell) for cell in cells])
    row = sheet.max_row
    for index, (column, value) in enumerate(zip(columns, cells, strict=True), start=1):
        cell = sheet.cell(row=row, column=index)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
        elif isinstance(value, datetime):
            cell.number_format = EXCEL_TIME_FORMAT
        if column.wrapped:
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
