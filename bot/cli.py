"""The `linli` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEMO_HINT = "try the bot offline first with `make demo`"


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise SystemExit(f"linli: invalid setting: {exc}") from None


def _run(_args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if settings.bot_token is None or not settings.bot_token.get_secret_value():
        raise SystemExit(f"linli: LINLI_BOT_TOKEN is not set (get one from @BotFather), or {DEMO_HINT}")
    if settings.staff_chat_id is None:
        raise SystemExit("linli: LINLI_STAFF_CHAT_ID is not set (the staff group's id, e.g. -1001234567890)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram").setLevel(logging.WARNING)
    from bot.runtime import StartupError, serve
    from handlers.points.book import PointsFileError
    from nlp import TaxonomyError

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # systemctl stop and docker stop send SIGTERM: the same orderly shutdown as Ctrl-C.
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, stop)

    try:
        asyncio.run(main())
    except (TaxonomyError, PointsFileError, StartupError) as exc:
        raise SystemExit(f"linli: {exc}") from None
    return 0


def _engine() -> Engine:
    from storage.db import make_engine, migrate

    engine = make_engine(_settings_or_exit().database_url)
    migrate(engine)
    return engine


def _status(_args: argparse.Namespace) -> int:
    from bot.status import status_report

    settings = _settings_or_exit()
    print(status_report(_engine(), mode="webhook" if settings.webhook_url else "polling"))
    return 0


def _inbox(args: argparse.Namespace) -> int:
    from bot.status import failed_report, retry_failed

    engine = _engine()
    if args.retry is not None:
        if not retry_failed(engine, args.retry):
            raise SystemExit(f"linli: no failed update with id {args.retry} (see `linli inbox --failed`)")
        print(f"linli: update {args.retry} is back in line; a running bot handles it next")
        return 0
    print(failed_report(engine))
    return 0


def _points(args: argparse.Namespace) -> int:
    """`linli points verify`: the chain and every balance recomputed from the entries."""
    from storage.db import session_scope
    from storage.points import verify

    with session_scope(_engine()) as session:
        result = verify(session=session)
    for problem in result.problems:
        print(f"linli: points: {problem}")
    if result.problems:
        print(f"linli: points: {len(result.problems)} problems in {result.entries} entries", file=sys.stderr)
        return 1
    print(f"linli: points: {result.entries} entries and {result.accounts} accounts check out")
    return 0


def _vote(args: argparse.Namespace) -> int:
    """`linli vote verify N`: an owners' vote's chain, tally and final hash recomputed from its record."""
    from storage.db import session_scope
    from storage.owner_votes import Check, verify

    def say(line: str) -> None:
        print(f"linli: vote {args.number}: {line}")

    def share(what: str, check: Check) -> None:
        met = "met" if check.ok else "NOT met"
        say(f"{what} {check.part} of {check.whole}, at least {check.need} needed: {met}")

    with session_scope(_engine()) as session:
        result = verify(session=session, vote_id=args.number)
    for problem in result.problems:
        say(problem)
    if result.tally is not None and result.verdict is not None:
        tally, verdict = result.tally, result.verdict
        say(f"{result.entries} entries; {tally.voted_households} of {tally.households} households voted")
        share("turnout, area in 0.01 m²:", verdict.turnout_area)
        share("turnout, owners:", verdict.turnout_owners)
        share("agreeing, area in 0.01 m²:", verdict.agree_area)
        share("agreeing, owners:", verdict.agree_owners)
        say("passed" if verdict.passed else "not passed")
        if result.final_hash:
            say(f"final hash {result.final_hash}")
    if result.problems:
        print(f"linli: vote {args.number}: {len(result.problems)} problems", file=sys.stderr)
        return 1
    say("the record checks out")
    return 0


def _roll(args: argparse.Namespace) -> int:
    """`linli roll import FILE --building 3号楼`: a CSV or XLSX roll into the building's households."""
    from pathlib import Path

    from handlers.owners.roll import UnreadableFile, parse_cells, read_rows
    from storage.db import session_scope, utcnow
    from storage.owner_votes import import_roll
    from storage.people import get_or_create_building

    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"linli: roll: no such file: {path}")
    try:
        rows = read_rows(path.read_bytes(), path.name)
    except UnreadableFile as exc:
        raise SystemExit(f"linli: roll: cannot read {path.name} as CSV or XLSX ({exc})") from exc
    households, problems = parse_cells(rows)
    for problem in problems:
        print(f"linli: roll: {path.name} row {problem.line}: {problem.text}", file=sys.stderr)
    if problems:
        print(f"linli: roll: nothing imported ({len(problems)} problems)", file=sys.stderr)
        return 1
    now = utcnow()
    with session_scope(_engine()) as session:
        building = get_or_create_building(session=session, name=" ".join(args.building.split()), now=now)
        assert building.id is not None
        result = import_roll(session=session, building_id=building.id, rows=households, now=now)
        name = building.name
    print(
        f"linli: roll: {name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged"
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from storage.db import make_engine, migrate, new_revision

    engine = make_engine(_settings_or_exit().database_url)
    if args.new:
        migrate(engine)
        new_revision(engine, args.new)
    else:
        migrate(engine)
        print("linli: database is up to date")
    return 0


def _export_labels(args: argparse.Namespace) -> int:
    """Tickets whose category a person chose or corrected, as `text,label` for `linli nlp mine`."""
    import csv

    from storage.db import make_engine, migrate, session_scope
    from storage.tickets import sorted_by_people

    engine = make_engine(_settings_or_exit().database_url)
    migrate(engine)
    with session_scope(engine) as session, open(args.file, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        rows = sorted_by_people(session=session)
        writer.writerows([t.text, t.category] for t in rows)
    print(f"linli: wrote {len(rows)} labelled reports to {args.file}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(framework=args.framework))


def _shell(args: argparse.Namespace) -> int:
    from bot.shell import run_shell

    return asyncio.run(run_shell(framework=args.framework))


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import serve

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="Linli: a bot for building group chats.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Telegram (needs LINLI_BOT_TOKEN and LINLI_STAFF_CHAT_ID)").set_defaults(
        func=_run
    )
    sub.add_parser("status", help="inbox and outbox backlog, failures, leases").set_defaults(func=_status)
    inbox = sub.add_parser("inbox", help="updates that failed: list them, or put one back in line")
    group = inbox.add_mutually_exclusive_group()
    group.add_argument("--failed", action="store_true", help="list failed updates (the default)")
    group.add_argument("--retry", type=int, metavar="ID", help="handle this failed update again")
    inbox.set_defaults(func=_inbox)
    points = sub.add_parser("points", help="points ledger tools")
    points.add_argument(
        "action", choices=["verify"], help="verify: recompute the hash chain and every balance"
    )
    points.set_defaults(func=_points)
    vote = sub.add_parser("vote", help="owners' vote tools")
    vote.add_argument("action", choices=["verify"], help="verify: recompute the ballot chain and the tally")
    vote.add_argument("number", type=int, help="the vote's number")
    vote.set_defaults(func=_vote)
    roll = sub.add_parser("roll", help="owners' roll tools")
    roll.add_argument("action", choices=["import"], help="import: a CSV or XLSX roll of households")
    roll.add_argument("file", help="columns: unit, room, area in m², owner name, owner's Telegram id")
    roll.add_argument("--building", required=True, help="the building's name, as in /bind")
    roll.set_defaults(func=_roll)
    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--new", metavar="MESSAGE", help="also autogenerate a new revision (developers)")
    migrate.set_defaults(func=_migrate)
    for name, func, text in (
        ("demo", _demo, "play a scripted conversation offline and print the transcript"),
        ("shell", _shell, "talk to the bot offline as residents and staff"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--framework", choices=["ptb", "aiogram"], help="default: LINLI_FRAMEWORK")
        cmd.set_defaults(func=func)
    export = sub.add_parser(
        "export-labels", help="write reports sorted by people as text,label CSV (for nlp mine)"
    )
    export.add_argument("file")
    export.set_defaults(func=_export_labels)
    sandbox = sub.add_parser("sandbox", help="run the local Bot API stand-in alone")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    sandbox.set_defaults(func=_sandbox)
    sub.add_parser("nlp", help="classifier tools: classify, eval, mine, check (see `linli nlp -h`)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["nlp"]:
        from nlp.cli import main as nlp_main

        return nlp_main(argv[1:])
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
