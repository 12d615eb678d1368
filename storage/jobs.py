"""Periodic jobs done once per period, whichever bot process gets there first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import JobRun


def claim_job(*, session: Session, job: str, period: str, now: datetime) -> bool:
    """True for the one caller that claims `job` for `period`; the claim commits with the caller's work."""
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, period=period, done_at=now))
    except IntegrityError:
        return False
    return True
