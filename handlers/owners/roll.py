"""The household roll: staff paste it into the private chat after `/roll 3号楼` (rows copied from Excel
arrive tab-separated, typed ones comma-separated) or send it there as a CSV or XLSX file, `/roll_codes`
lists the one-time claim codes to hand to owners, and an owner links their household with `/claim 12345678`.

The core does no network I/O: the worker fetches a document that `wants_content` accepts before the core
sees it and hands its bytes in with the event. `read_rows` turns a file into cells for `parse_cells`, the
same for a file sent in chat and for `linli roll import FILE --building 3号楼`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers import views as common_views
from handlers.actions import Action, ReplyKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import Document, IncomingMessage
from handlers.owners import texts, views
from storage import owner_votes as store
from storage.models import Building, ConversationState
from storage.people import get_building, get_or_create_building, list_buildings

FLOW = "owner_roll"
BUILDING_NAME_LIMIT = 32
PLACE_LIMIT, NAME_LIMIT = 16, 64
MAX_PROBLEMS = 10
_AREA = re.compile(r"^(\d{1,7})(?:\.(\d{1,2}))?$")
_TG_ID = re.compile(r"^\d{1,18}$")
_CODE = re.compile(r"^\d{4,16}$")
FILE_LIMIT = 2 * 1024 * 1024  # bytes: a roll of thousands of households is far smaller
XLSX_SUFFIXES = (".xlsx", ".xlsm")
FILE_SUFFIXES = (*XLSX_SUFFIXES, ".csv")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in Chinese saves "CSV" as GBK unless told UTF-8


class UnreadableFile(ValueError):
    """The file is not the CSV or XLSX its name says."""


def is_roll_file(name: str) -> bool:
    return name.lower().endswith(FILE_SUFFIXES)


def wants_content(document: Document) -> bool:
    """Whether the runtime should fetch this document's content for the core: a roll file, small enough."""
    return is_roll_file(document.file_name) and (document.size is None or document.size <= FILE_LIMIT)


def read_rows(data: bytes, name: str) -> list[list[str]]:
    """The file's rows as cells: the first sheet of an XLSX workbook, or CSV (UTF-8 with or without BOM,
    or GBK). Raises UnreadableFile when it is neither."""
    if name.lower().endswith(XLSX_SUFFIXES):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise UnreadableFile(type(exc).__name__) from exc
        try:
            if not book.worksheets:
                return []
            return [
                ["" if cell is None else str(cell) for cell in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            book.close()
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise UnreadableFile(type(exc).__name__) from exc
    raise UnreadableFile("not UTF-8 or GBK text")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    text: str


def parse_area(text: str) -> int | None:
    """ "89.5" / "89.50㎡" → 8950 hundredths of a square metre, exactly; None when it is not an area."""
    value = text.strip()
    for suffix in texts.AREA_SUFFIXES:
        value = value.removesuffix(suffix).strip()
    found = _AREA.match(value)
    if found is None:
        return None
    centi = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    return centi if centi > 0 else None


def split_line(line: str) -> list[str]:
    """One pasted row's cells: tabs from a spreadsheet, else commas (full-width or not)."""
    for separator in texts.CELL_SEPARATORS:
        if separator in line:
            return [cell.strip() for cell in line.split(separator)]
    return [line.strip()]


def parse_cells(rows: Iterable[Sequence[str]]) -> tuple[list[store.RollRow], list[Problem]]:
    """Rows of cells (unit, room, area, owner, Telegram id) → the households, or every problem found.

    A first row whose area is not a number is a header and skipped; blank rows are skipped.
    """
    parsed: list[store.RollRow] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    first = True
    for number, raw in enumerate(rows, start=1):
        cells = [str(cell).strip() for cell in raw]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if first:
            first = False
            if len(cells) >= 3 and parse_area(cells[2]) is None and not any(c.isdigit() for c in cells[2]):
                continue  # a header: 单元,房号,面积,…
        if len(cells) < 4:
            problems.append(Problem(number, texts.ROLL_TOO_FEW))
            continue
        unit, room, area_text, owner = cells[0], cells[1], cells[2], " ".join(cells[3].split())
        tg_text = cells[4] if len(cells) > 4 else ""
        if not unit or not room:
            problems.append(Problem(number, texts.ROLL_NO_UNIT))
            continue
        if len(unit) > PLACE_LIMIT or len(room) > PLACE_LIMIT or len(owner) > NAME_LIMIT:
            problems.append(Problem(number, texts.ROLL_TOO_LONG))
            continue
        centi = parse_area(area_text)
        if centi is None:
            problems.append(Problem(number, texts.ROLL_BAD_AREA.format(area=area_text)))
            continue
        if not owner:
            problems.append(Problem(number, texts.ROLL_NO_NAME))
            continue
        if tg_text and not _TG_ID.match(tg_text):
            problems.append(Problem(number, texts.ROLL_BAD_ID.format(id=tg_text)))
            continue
        if (unit, room) in seen:
            problems.append(Problem(number, texts.ROLL_TWICE.format(label=f"{unit}-{room}")))
            continue
        seen.add((unit, room))
        parsed.append(store.RollRow(unit, room, centi, owner, int(tg_text) if tg_text else None))
    return parsed, problems


def parse_text(text: str) -> tuple[list[store.RollRow], list[Problem]]:
    return parse_cells(split_line(line) for line in text.splitlines())


def problems_text(problems: Sequence[Problem]) -> str:
    lines = [texts.ROLL_PROBLEM_LINE.format(line=p.line, problem=p.text) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(texts.ROLL_MORE_PROBLEMS.format(n=len(problems) - MAX_PROBLEMS))
    return texts.ROLL_PROBLEMS.format(problems="\n".join(lines))


def find_building(ctx: Ctx, name: str) -> Building | None:
    wanted = " ".join(name.split())
    return next((b for b in list_buildings(session=ctx.session) if b.name == wanted), None)


def _summary(ctx: Ctx, building: Building) -> tuple[int, int, int]:
    """(households, owners, area in hundredths) of the building's roll."""
    roll = store.households(session=ctx.session, building_id=building.id)
    return len(roll), len({h.owner_key for h in roll}), sum(h.area_centi for h in roll)


def _import(ctx: Ctx, building: Building, text: str) -> tuple[str, bool]:
    """Import the pasted rows (all or nothing); what to say, and whether anything was imported."""
    return _import_parsed(ctx, building, *parse_text(text))


def _import_document(ctx: Ctx, building: Building, document: Document) -> str:
    """Import a file sent in chat (all or nothing, as a paste), or say in one line why it can't be read."""
    if not is_roll_file(document.file_name):
        return texts.ROLL_FILE_TYPE
    size = len(document.data) if document.data is not None else document.size
    if size is not None and size > FILE_LIMIT:
        return texts.ROLL_FILE_TOO_BIG
    if document.data is None:  # the download failed: nothing was imported, sending it again will do
        return texts.ROLL_FILE_MISSING
    try:
        cells = read_rows(document.data, document.file_name)
    except UnreadableFile:
        return texts.ROLL_FILE_UNREADABLE
    return _import_parsed(ctx, building, *parse_cells(cells))[0]


def _import_parsed(
    ctx: Ctx, building: Building, rows: list[store.RollRow], problems: list[Problem]
) -> tuple[str, bool]:
    if problems:
        return problems_text(problems), False
    if not rows:
        return texts.ROLL_EMPTY, False
    assert building.id is not None
    result = store.import_roll(session=ctx.session, building_id=building.id, rows=rows, now=ctx.now)
    households, _, area = _summary(ctx, building)
    said = texts.ROLL_IMPORTED.format(
        building=building.name,
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        households=households,
        area=views.area(area),
    )
    return said, True


def _done_keyboard() -> ReplyKeyboard:
    return ReplyKeyboard(rows=((texts.BTN_DONE,),))


def roll_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str, keyboard: ReplyKeyboard | None = None) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id, keyboard=keyboard)]

    if not msg.chat.is_private:
        return reply(texts.ROLL_PRIVATE_ONLY)
    head, _, pasted = args.partition("\n")
    name = " ".join(head.split())
    if not name or len(name) > BUILDING_NAME_LIMIT or name == texts.WORD_COMPOUND:
        return reply(texts.ROLL_USAGE)
    building = get_or_create_building(session=ctx.session, name=name, now=ctx.now)
    if msg.document is None and pasted.strip():
        return reply(_import(ctx, building, pasted)[0], _done_keyboard())
    ctx.enter(FLOW, "rows", {"building": building.id})
    if msg.document is not None:  # the file came with /roll 3号楼 as its caption; more may follow
        return reply(_import_document(ctx, building, msg.document), _done_keyboard())
    return reply(texts.ROLL_ASK.format(building=building.name), _done_keyboard())


def roll_step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """Each pasted batch is imported as it comes; 完成 ends the flow with the roll's totals."""
    building = get_building(session=ctx.session, building_id=state.data.get("building"))
    if building is None:
        ctx.forget_state()
        return [
            SendMessage(chat_id=msg.chat.id, text=texts.ROLL_USAGE, keyboard=common_views.main_menu(ctx.user))
        ]
    if msg.text.strip() == texts.BTN_DONE:
        ctx.forget_state()
        households, owners, area = _summary(ctx, building)
        text = (
            texts.ROLL_SAVED.format(
                building=building.name, households=households, owners=owners, area=views.area(area)
            )
            if households
            else texts.ROLL_NOTHING.format(building=building.name)
        )
        return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=common_views.main_menu(ctx.user))]
    if msg.document is not None:
        said = _import_document(ctx, building, msg.document)
    else:
        said, _ = _import(ctx, building, msg.text)
    return [SendMessage(chat_id=msg.chat.id, text=said, reply_to=msg.message_id)]


def stray_file(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """Staff sent a roll file privately without `/roll 3号楼` and outside the flow: ask which building."""
    if not (msg.chat.is_private and ctx.is_staff and msg.document and is_roll_file(msg.document.file_name)):
        return None
    return [SendMessage(chat_id=msg.chat.id, text=texts.ROLL_FILE_WHICH, reply_to=msg.message_id)]


def codes_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """The unclaimed households' one-time codes, privately: they are what proves ownership here."""

    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    if not msg.chat.is_private:
        return reply(texts.CODES_PRIVATE_ONLY)
    if not args.strip():
        return reply(texts.CODES_USAGE)
    building = find_building(ctx, args)
    roll = store.households(session=ctx.session, building_id=building.id) if building else []
    if building is None or not roll:
        return reply(texts.UNKNOWN_ROLL.format(building=" ".join(args.split())))
    lines = [
        texts.CODES_LINE.format(label=store.label_of(h), owner=h.owner_name, code=h.claim_code)
        for h in roll
        if h.claim_code is not None
    ]
    if not lines:
        return reply(texts.CODES_NONE.format(building=building.name))
    head = texts.CODES_TITLE.format(building=building.name)
    return [SendMessage(chat_id=msg.chat.id, text=part) for part in views.chunks(head, lines)]


def claim_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    if not msg.chat.is_private:
        return reply(texts.CLAIM_PRIVATE_ONLY)
    code = "".join(args.split())
    if not _CODE.match(code):
        return reply(texts.CLAIM_USAGE)
    household = store.claim(session=ctx.session, code=code, user_id=ctx.user.id, now=ctx.now)
    if household is None:
        return reply(texts.CLAIM_WRONG)
    if ctx.user.building_id is None:
        ctx.user.building_id = household.building_id  # an owner lives there as far as the bot can tell
    building = get_building(session=ctx.session, building_id=household.building_id)
    return reply(
        texts.CLAIM_DONE.format(
            building=common_views.building_name(building),
            label=store.label_of(household),
            area=views.area(household.area_centi),
            owner=household.owner_name,
        )
    )
