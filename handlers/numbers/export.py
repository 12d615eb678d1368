"""The ticket export for the monthly 居民建议落地清单: XLSX (tickets and their history) or CSV.

Cells hold residents' own words, so nothing is ever written as a formula: a report that starts with "=" stays
text in Excel (XLSX cells are typed as strings; CSV cells get the usual leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterable, Mapping, Sequence
from copy import copy
from datetime import datetime, tzinfo
from functools import cache
from typing import NamedTuple
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

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
HEADER_FONT = Font(bold=True)
WRAPPED = Alignment(wrap_text=True, vertical="top")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula

Cell = str | int | datetime | None


def export_xlsx(rows: Iterable[ExportRow], *, names: Mapping[str, str], tz: tzinfo) -> bytes:
    """Sheet 报事: one row per ticket; sheet 处理记录: one row per step, oldest first within a ticket.

    openpyxl's write-only mode streams each row to the file as it comes (a normal workbook keeps every
    cell, and asking it for the last row scans them all)."""
    book = Workbook(write_only=True)
    tickets = _Sheet(book, texts.EXPORT_TICKETS_SHEET, TICKET_COLUMNS)
    history = _Sheet(book, texts.EXPORT_HISTORY_SHEET, HISTORY_COLUMNS)
    people = _People()
    for row in rows:
        tickets.append(_ticket_cells(row, names=names, tz=tz, people=people))
        for step in row.events:
            history.append(_event_cells(row.ticket.id, step, tz=tz, people=people))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv(rows: Iterable[ExportRow], *, names: Mapping[str, str], tz: tzinfo) -> bytes:
    """The tickets sheet with the history in one last column; UTF-8 with a BOM so Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in TICKET_COLUMNS] + [texts.EXPORT_COLUMN_HISTORY])
    people, minutes = _People(), _Minutes(tz)
    for row in rows:
        cells = [
            *_ticket_cells(row, names=names, tz=tz, people=people),
            HISTORY_SEPARATOR.join(_history_entry(e, people, minutes) for e in row.events),
        ]
        writer.writerow([_csv_text(cell, minutes) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _ticket_cells(row: ExportRow, *, names: Mapping[str, str], tz: tzinfo, people: _People) -> list[Cell]:
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
        common.ANONYMOUS if t.anonymous else people.name(row.reporter, t.reporter_id),
        people.name(handler, handler.id) if handler is not None else None,
        t.text,
        _local(t.accepted_at, tz),
        _local(t.resolved_at, tz),
        t.resolution_note,
        t.rejection_reason,
        common.RATING_WORDS.get(t.rating, t.rating) if t.rating else None,
        # The reason belongs to 不满意; a later 满意 / 一般 does not carry an earlier one.
        t.rating_comment if t.rating == Rating.UNSATISFIED else None,
    ]


def _event_cells(ticket_id: int | None, step: ExportEvent, *, tz: tzinfo, people: _People) -> list[Cell]:
    e = step.event
    return [
        ticket_id,
        _local(e.at, tz),
        _actor(step, people),
        common.STATUS_NAMES.get(e.from_status, e.from_status) if e.from_status else texts.EXPORT_CREATED,
        common.STATUS_NAMES.get(e.to_status, e.to_status),
        e.note,
    ]


def _history_entry(step: ExportEvent, people: _People, minutes: _Minutes) -> str:
    e = step.event
    entry = texts.EXPORT_HISTORY_ENTRY.format(
        when=minutes.text(e.at),
        who=_actor(step, people),
        change=_change(e.from_status, e.to_status),
    )
    # The separator inside a note would split one step into two for whoever reads the column back.
    note = " ".join(e.note.split()).replace("|", "｜") if e.note else ""
    return entry + (texts.EXPORT_HISTORY_NOTE.format(note=note) if note else "")


@cache  # a handful of state pairs, each worded once per process
def _change(from_status: str, to_status: str) -> str:
    if not from_status:
        return texts.EXPORT_CREATED
    return texts.EXPORT_HISTORY_CHANGE.format(
        from_=common.STATUS_NAMES.get(from_status, from_status),
        to=common.STATUS_NAMES.get(to_status, to_status),
    )


def _actor(step: ExportEvent, people: _People) -> str:
    if step.by_anonymous_reporter:
        return common.ANONYMOUS
    if step.event.actor_id is None:
        return common.SYSTEM_ACTOR
    return people.name(step.actor, step.event.actor_id)


class _People:
    """Names as the export shows them, each worked out once: staff handle thousands of the tickets, and
    a user's name read through the ORM for every cell was a tenth of a 50,000-row export."""

    def __init__(self) -> None:
        self._names: dict[int | None, str] = {}

    def name(self, user: User | None, user_id: int | None) -> str:
        known = self._names.get(user_id)
        if known is None:
            # Someone no longer on record is still told apart by their id.
            known = display_name(user) if user is not None else str(user_id)
            self._names[user_id] = known
        return known


class _Sheet:
    """A write-only sheet: a bold, frozen, filterable header, then styled rows streamed one at a time.

    openpyxl lays out the workbook (sheets, styles, widths, panes, the filter) and streams each sheet to its
    own temporary file. With its pure-Python XML writer, serialising a cell costs it some 20 µs, most of an
    export's time; when that writer is in use, the rows' XML is written here directly, as plain strings of
    the same cells. With lxml, openpyxl's own row writer is used as it is."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.sheet = book.create_sheet(title)
        self.columns = columns
        self.letters = [get_column_letter(index) for index in range(1, len(columns) + 1)]
        for letter, column in zip(self.letters, columns, strict=True):
            self.sheet.column_dimensions[letter].width = column.width
        self.sheet.freeze_panes = "A2"
        self.sheet.auto_filter.ref = f"A1:{self.letters[-1]}1"
        header = self._prototype(font=HEADER_FONT, fill=HEADER_FILL)
        wrapped = self._prototype(alignment=WRAPPED)
        self.header_style = header.style_id
        # Per column: the style of its text, and of its times (number_format), as ids in the book's table.
        self.text_styles = [wrapped.style_id if c.wrapped else 0 for c in columns]
        self.time_styles = [
            self._prototype(
                number_format=EXCEL_TIME_FORMAT, alignment=WRAPPED if c.wrapped else None
            ).style_id
            for c in columns
        ]
        self.sheet._write_rows = self._write_rows  # type: ignore[method-assign]
        self.sheet.append([column.header for column in columns])

    def append(self, cells: Sequence[Cell]) -> None:
        self.sheet.append(cells)

    def _prototype(self, **styles: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet)
        for name, value in styles.items():
            if value is not None:
                setattr(cell, name, value)
        return cell

    def _write_rows(self) -> Generator[None, Sequence[Cell], None]:
        """Stands in for openpyxl's WriteOnlyWorksheet._write_rows: receives each appended row."""
        sheet = self.sheet
        xf = sheet._writer.xf.send(True)
        raw = getattr(xf, "_file", None)  # et_xmlfile's writer of text as it is; lxml has none
        with xf.element("sheetData"):
            number = 1
            try:
                while True:
                    values = yield
                    if raw is not None:
                        raw(self._row_xml(values, number))
                    else:
                        cells = sheet._values_to_row(self._cells(values, number), number)
                        sheet._writer.write_row(xf, cells, number)
                    number += 1
            except GeneratorExit:
                pass
        sheet._writer.xf.send(None)

    def _row_xml(self, values: Sequence[Cell], number: int) -> str:
        parts = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None:
                continue
            ref = f"{self.letters[index]}{number}"
            if isinstance(value, str):
                style = self.header_style if number == 1 else self.text_styles[index]
                text = xml_escape(_xlsx_value(value))  # type: ignore[arg-type]
                space = ' xml:space="preserve"' if text != text.strip() else ""
                # An inline string: whatever the text starts with, it is never a formula.
                parts.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif isinstance(value, datetime):
                serial = to_excel(_xlsx_value(value))
                parts.append(f'<c r="{ref}" s="{self.time_styles[index]}"><v>{serial!r}</v></c>')
            else:
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    def _cells(self, values: Sequence[Cell], number: int) -> list[object]:
        """The same row as openpyxl cells, for its own writer."""
        row: list[object] = []
        for index, value in enumerate(values):
            if value is None or not isinstance(value, str | datetime):
                row.append(value)
                continue
            cell = WriteOnlyCell(self.sheet, value=_xlsx_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula
            if isinstance(value, datetime):
                prototype = self.time_styles[index]
            else:
                prototype = self.header_style if number == 1 else self.text_styles[index]
            cell._style = copy(self.sheet.parent._cell_styles[prototype])
            row.append(cell)
        return row


def _xlsx_value(cell: Cell) -> Cell:
    if isinstance(cell, str):
        # Control characters from a pasted message would make openpyxl refuse the whole file.
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)  # Excel has no time zones: the local wall-clock time
    return cell


def _csv_text(cell: Cell, minutes: _Minutes) -> str:
    if isinstance(cell, str):
        return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return minutes.text(cell)
    return str(cell)


class _Minutes:
    """Moments as the CSV writes them (TIME_FORMAT's "2026-11-16 10:00", local time), each minute worded
    once: a 50,000-row export holds some 250,000 moments in a few tens of thousands of minutes, and wording
    one took a fifth of the export."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._texts: dict[int, str] = {}

    def text(self, moment: datetime) -> str:
        minute = int(moment.timestamp()) // 60
        known = self._texts.get(minute)
        if known is None:
            # isoformat, several times faster than strftime
            known = moment.astimezone(self._tz).isoformat(" ", "minutes")[:16]
            self._texts[minute] = known
        return known


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    # The local time the staff read, still zoned: the CSV prints it as it is, the XLSX drops the zone.
    return moment.astimezone(tz) if moment is not None else None
