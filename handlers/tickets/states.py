"""The one table of allowed ticket moves; the workflow enforces it, the card offers only its buttons."""

from __future__ import annotations

from storage.models import TicketStatus

S = TicketStatus
ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.MERGED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.REJECTED}),
    S.RESOLVED: frozenset({S.RATED, S.ACCEPTED}),  # rated, or reopened because the reporter is not satisfied
    S.RATED: frozenset(),
    S.REJECTED: frozenset(),
    S.MERGED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
