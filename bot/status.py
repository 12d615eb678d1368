"""`linli status` and `linli inbox`: what an operator looks at (no residents' texts)."""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import col, select

from storage.db import session_scope, utcnow
from storage.inbox import counts, failed, last_received, retry
from storage.leases import all_leases
from storage.models import OutboxMessage, OutboxStatus


def status_report(engine: Engine, *, mode: str) -> str:
    now = utcnow()
    with session_scope(engine) as session:
        inbox = counts(session=session)
        outbox = dict(
            session.exec(
                select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
            ).all()
        )
        last = last_received(session=session)
        leases = all_leases(session=session)
    lines = [
        f"mode:              {mode}",
        f"inbox backlog:     {inbox.get('pending', 0)}",
        f"failed updates:    {inbox.get('failed', 0)}"
        + ("  (linli inbox --failed)" if inbox.get("failed") else ""),
        f"outbox backlog:    {outbox.get(OutboxStatus.PENDING, 0)}",
        f"outbox dead rows:  {outbox.get(OutboxStatus.DEAD, 0)}",
        f"last update:       {_ago(last, now) if last else 'none yet'}",
    ]
    if not leases:
        lines.append("leases:            none held (no bot running)")
    for lease in leases:
        state = "held" if lease.until > now else "expired"
        lines.append(
            f"lease {lease.name:<12} {lease.holder} ({state}, until {lease.until:%Y-%m-%d %H:%M:%S} UTC)"
        )
    return "\n".join(lines)


def failed_report(engine: Engine) -> str:
    with session_scope(engine) as session:
        rows = failed(session=session)
    if not rows:
        return "no failed updates"
    lines = [f"{len(rows)} failed update(s), newest first; `linli inbox --retry ID` handles one again:"]
    for row in rows:
        first_line = (row.error or "").strip().splitlines()[-1:] or [""]
        lines.append(
            f"  ID {row.id}  update {row.update_id}  chat {row.chat_key}  "
            f"{row.received_at:%Y-%m-%d %H:%M:%S} UTC  {first_line[0][:160]}"
        )
    return "\n".join(lines)


def retry_failed(engine: Engine, inbox_id: int) -> bool:
    with session_scope(engine) as session:
        return retry(session=session, inbox_id=inbox_id)


def _ago(moment: object, now: object) -> str:
    seconds = int((now - moment).total_seconds())  # type: ignore[operator]
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({seconds} s ago)"
