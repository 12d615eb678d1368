"""SQLModel tables. Times are aware UTC; Telegram ids are 64-bit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    RESIDENT = "resident"
    LEADER = "leader"
    STAFF = "staff"


class TicketStatus(StrEnum):
    RECEIVED = "received"  # 已收到
    ACCEPTED = "accepted"  # 已受理: someone on the staff owns it
    IN_PROGRESS = "in_progress"  # 处理中
    RESOLVED = "resolved"  # 已解决: waiting for the reporter's rating
    RATED = "rated"  # 已评价
    REJECTED = "rejected"  # 已驳回, with a reason
    MERGED = "merged"  # the reporter joined an earlier ticket about the same thing
    WITHDRAWN = "withdrawn"  # 已撤回 by the reporter before staff took it on


OPEN_STATUSES = (TicketStatus.RECEIVED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)


class Rating(StrEnum):
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


class SortState(StrEnum):
    """Where a ticket's category came from."""

    AUTO = "auto"  # the classifier was confident
    ASKED = "asked"  # the classifier was unsure; the reporter is being asked
    REPORTER = "reporter"  # the reporter chose or changed it
    STAFF = "staff"  # staff re-sorted it
    UNSORTED = "unsorted"  # nobody answered in time; staff see the guess marked as unsorted


class Hold(StrEnum):
    """Why a new ticket has not reached staff yet (it does at `held_until` at the latest)."""

    CATEGORY = "category"
    DUPLICATE = "duplicate"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # Telegram refused for good (403/400); kept for the record


def _tg_id(*, primary_key: bool = False, nullable: bool = False, fk: str | None = None) -> Any:
    args: list[Any] = [BigInteger]
    if fk:
        args.append(ForeignKey(fk))
    return Field(
        default=None if nullable else ...,
        sa_column=Column(*args, primary_key=primary_key, autoincrement=False, nullable=nullable),
    )


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int = _tg_id(primary_key=True)
    first_name: str = ""
    username: str | None = None
    role: str = Field(default=Role.RESIDENT, max_length=16)
    # True once the user has opened a private chat with the bot: only then may it write to them.
    private_chat_open: bool = False
    # 私聊提醒: news of a ticket reported in a group also comes privately (otherwise only as a group reply).
    private_notices: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Shown by name on /rank (积分榜显示我); otherwise as "3号楼 一位居民".
    rank_by_name: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # 长辈模式: the private menu shows four large buttons, one a row.
    elder_mode: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    created_at: datetime


class Building(SQLModel, table=True):
    __tablename__ = "buildings"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    created_at: datetime


class Chat(SQLModel, table=True):
    __tablename__ = "chats"

    id: int = _tg_id(primary_key=True)
    type: str = Field(max_length=16)
    title: str = ""
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    active: bool = True
    # Whether the bot may delete residents' messages here (an admin with that right), from my_chat_member.
    can_delete_messages: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        # /stats: the window's counts by state, category and building read this index alone.
        Index("ix_tickets_created_counts", "created_at", "status", "category", "building_id"),
        Index("ix_tickets_accepted", "accepted_at", "status", "created_at"),
        Index("ix_tickets_resolved", "resolved_at", "status", "created_at"),
        Index("ix_tickets_rated", "rated_at", "rating"),
        # The overdue rule, per state: /tickets 超时 and the count /stats shows.
        Index("ix_tickets_status_accept_due", "status", "accept_due_at"),
        Index("ix_tickets_status_resolve_due", "status", "resolve_due_at"),
        # /tickets filters: each with the state, newest first.
        Index("ix_tickets_building_status", "building_id", "status", "id"),
        Index("ix_tickets_category_status", "category", "status", "id"),
        Index("ix_tickets_assignee_status", "assignee_id", "status", "id"),
        Index("ix_tickets_urgent_status", "urgent", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    reporter_id: int = _tg_id(fk="users.id")
    chat_id: int = _tg_id()
    message_id: int
    text: str
    photo_file_id: str | None = None
    voice_file_id: str | None = None
    category: str = Field(default="other", max_length=32)
    status: str = Field(default=TicketStatus.RECEIVED, max_length=16)
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolved_by: int | None = _tg_id(nullable=True, fk="users.id")
    resolution_note: str | None = None
    card_chat_id: int | None = _tg_id(nullable=True)
    card_message_id: int | None = None
    sort_state: str = Field(default=SortState.AUTO, max_length=16)
    confidence: float = 0.0
    matched: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgent: bool = False
    urgent_words: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgent_reason: str | None = Field(default=None, max_length=32)  # the hazard in plain words
    location: str | None = Field(default=None, max_length=64)
    held_until: datetime | None = Field(default=None, index=True)
    hold_reason: str | None = Field(default=None, max_length=16)
    # The earlier open ticket this one looks like; after a join, the ticket it was merged into.
    duplicate_of: int | None = Field(default=None, foreign_key="tickets.id")
    anonymous: bool = False
    assignee_id: int | None = _tg_id(nullable=True, fk="users.id")
    accepted_at: datetime | None = None
    rejection_reason: str | None = None
    after_photo_file_id: str | None = None
    rating: str | None = Field(default=None, max_length=16)
    rating_comment: str | None = None
    rated_at: datetime | None = None
    # Deadlines from the taxonomy's response times; alerts raised for each (0, 1 = staff, 2 = admins).
    accept_due_at: datetime | None = Field(default=None, index=True)
    resolve_due_at: datetime | None = Field(default=None, index=True)
    accept_alerts: int = 0
    resolve_alerts: int = 0
    # What the duplicate check needs of the report (nlp.ReportTerms as JSON), worked out once when it is
    # filed; None for tickets filed before it was stored.
    duplicate_terms: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class TicketEvent(SQLModel, table=True):
    """One step in a ticket's life: who moved it, when, from which state to which, and why."""

    __tablename__ = "ticket_events"
    # A ticket's history in order (the export reads every ticket's in one pass).
    __table_args__ = (Index("ix_ticket_events_ticket_at", "ticket_id", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    at: datetime
    actor_id: int | None = _tg_id(nullable=True, fk="users.id")  # None: the bot itself (e.g. an escalation)
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    note: str | None = None


class JobRun(SQLModel, table=True):
    """A periodic job done for one period (e.g. the weekly report of 2026-W48), claimed by one process."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32)
    period: str = Field(max_length=32)
    done_at: datetime


class TicketFollower(SQLModel, table=True):
    """A neighbour who reported the same thing and joined the ticket: they hear what the reporter hears."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id", name="uq_follower_ticket_user"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    user_id: int = _tg_id(fk="users.id")
    chat_id: int = _tg_id()
    message_id: int
    created_at: datetime


class Reclassification(SQLModel, table=True):
    """A category change by a person, kept with the text so the keyword miner can learn from it."""

    __tablename__ = "reclassifications"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    old_category: str = Field(max_length=32)
    new_category: str = Field(max_length=32)
    by_user_id: int = _tg_id(fk="users.id")
    by_role: str = Field(max_length=16)  # reporter | staff
    text: str
    created_at: datetime


class ChatMember(SQLModel, table=True):
    """Someone the bot has seen write in a group: who lives in which building, as far as the bot knows."""

    __tablename__ = "chat_members"

    chat_id: int = _tg_id(primary_key=True)
    user_id: int = _tg_id(primary_key=True, fk="users.id")
    first_seen: datetime


class ConversationState(SQLModel, table=True):
    """Where a user is in a multi-step flow; kept here so restarts and second instances lose nothing."""

    __tablename__ = "conversation_states"

    user_id: int = _tg_id(primary_key=True)
    chat_id: int = _tg_id(primary_key=True)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_updates"

    update_id: int = _tg_id(primary_key=True)
    processed_at: datetime = Field(index=True)


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # unparseable, or its handling raised; kept for `linli inbox --failed`


class InboxUpdate(SQLModel, table=True):
    """An update exactly as Telegram sent it, committed before Telegram is told it arrived."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_work", "status", "chat_key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Unique while Telegram might redeliver it; cleared once it is older than the de-duplication window,
    # because Telegram reuses update ids after a week of silence.
    update_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True, autoincrement=False)
    )
    # The chat whose order this update keeps (0: none, e.g. an update type without a chat).
    chat_key: int = _tg_id()
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=InboxStatus.PENDING, max_length=8)
    received_at: datetime = Field(index=True)
    attempts: int = 0
    claimed_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    finished_at: datetime | None = None
    error: str | None = None


class Lease(SQLModel, table=True):
    """A role only one bot process may hold at a time (polling Telegram, sending the outbox)."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    until: datetime


class OutboxMessage(SQLModel, table=True):
    """A Bot API call to make later, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_chat", "chat_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _tg_id()
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=8)
    attempts: int = 0
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None = None
    sent_message_id: int | None = None
    last_error: str | None = None
    # When set, the sent message becomes this ticket's staff card (so later edits can find it).
    card_for_ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    # A sender claims a row until this time before calling Telegram, so a second process leaves it alone.
    claimed_until: datetime | None = None


class PendingExport(SQLModel, table=True):
    """An /export asked for and not delivered yet: the file is built by a clock job from a read-only
    snapshot, outside the transaction of the update that asked for it."""

    __tablename__ = "pending_exports"
    __table_args__ = (Index("ix_pending_exports_open", "done_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _tg_id()
    reply_to: int | None = None  # the /export message
    user_id: int = _tg_id()
    days: int
    csv: bool = False
    since: datetime
    until: datetime
    # The outbox row of the notice that it is being built (no foreign key: outbox rows may be pruned);
    # once sent, that message is edited to the result.
    notice_outbox_id: int | None = None
    requested_at: datetime
    claimed_until: datetime | None = None  # a process building it holds it until then
    done_at: datetime | None = None


# --- points (积分): a double-entry ledger, append-only and hash-chained


class PointsEntry(SQLModel, table=True):
    """One movement of points from one account to another; never updated, never deleted.

    Accounts: "pool" (the community's, which pays for earning), "rewards" (what redemptions are paid to),
    "u:<user id>" (a resident) and "held:<user id>" (points a pending redemption holds). `key` makes the
    same rule for the same reference pay once; `hash` chains the entry to the one before it.
    """

    __tablename__ = "points_entries"
    __table_args__ = (
        Index("ix_points_entries_user", "user_id", "id"),
        Index("ix_points_entries_user_rule", "user_id", "rule", "created_at"),
        Index("ix_points_entries_building", "building_id", "created_at"),
        Index("ix_points_entries_giver", "granted_by", "user_id", "created_at"),
        Index("ix_points_entries_created", "created_at"),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))  # the chain's seq
    from_account: str = Field(max_length=32)
    to_account: str = Field(max_length=32)
    amount: int
    rule: str = Field(max_length=32)
    key: str | None = Field(default=None, max_length=96, unique=True)
    user_id: int | None = _tg_id(nullable=True)  # the resident whose account moves
    building_id: int | None = None  # the resident's building then (for the monthly rank)
    ref: str | None = Field(default=None, max_length=48)  # "ticket:12", "reward:meal", "poll:3"
    granted_by: int | None = _tg_id(nullable=True)  # the staff member who made a hand entry
    approved_by: int | None = _tg_id(nullable=True)  # the second staff member, beyond the pair cap
    reverses: int | None = None  # the entry this one corrects
    note: str = ""
    created_at: datetime
    month: str = Field(max_length=7)  # "2026-11", the community's local month: what the monthly rank counts
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class PointsHead(SQLModel, table=True):
    """The chain's end (one row): locked by every append, so entries are chained one after another."""

    __tablename__ = "points_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)


class PointsBalance(SQLModel, table=True):
    """Each account's balance, written in the transaction of every entry; `points verify` checks it."""

    __tablename__ = "points_balances"

    account: str = Field(primary_key=True, max_length=32)
    balance: int = 0
    earned: int = 0  # for a resident: all ever earned from the pool, less reversals (their level)


class PointsMonthly(SQLModel, table=True):
    """Points earned per resident, month and building (0: none), written with each entry; `points verify`
    checks it. The monthly rank reads this instead of summing a month of entries."""

    __tablename__ = "points_monthly"
    __table_args__ = (Index("ix_points_monthly_rank", "month", "building_id", "earned"),)

    month: str = Field(primary_key=True, max_length=7)
    building_id: int = Field(primary_key=True)
    user_id: int = _tg_id(primary_key=True)
    earned: int = 0


class RedemptionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Redemption(SQLModel, table=True):
    """A resident's request for a reward; its points are held from the request until staff decide."""

    __tablename__ = "redemptions"
    __table_args__ = (Index("ix_redemptions_reward_status", "reward", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _tg_id(fk="users.id")
    reward: str = Field(max_length=32)
    price: int
    status: str = Field(default=RedemptionStatus.PENDING, max_length=16)
    code: str | None = Field(default=None, max_length=16)  # shown at the counter
    reason: str | None = None  # why staff said no
    hold_entry_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = _tg_id(nullable=True)


class PendingAward(SQLModel, table=True):
    """A hand award beyond the giver's cap for this resident: it waits for a second staff member."""

    __tablename__ = "pending_awards"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=96, unique=True)  # the /award message, so a redelivery asks once
    giver_id: int = _tg_id()
    user_id: int = _tg_id()
    rule: str = Field(max_length=32)
    amount: int
    note: str = ""
    status: str = Field(default=RedemptionStatus.PENDING, max_length=16)
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = _tg_id(nullable=True)
    entry_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


# --- polls (投票)


class PollStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Poll(SQLModel, table=True):
    """A building poll run with inline buttons; its message is edited as votes arrive."""

    __tablename__ = "polls"
    __table_args__ = (
        Index("ix_polls_status_closes", "status", "closes_at"),
        Index("ix_polls_chat_status", "chat_id", "status", "id"),
        Index("ix_polls_building_status", "building_id", "status"),
        Index("ix_polls_stale", "stale", "edited_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _tg_id()  # the building group it is posted in
    message_id: int | None = None  # the poll message, once known
    message_outbox_id: int | None = None  # the outbox row that posts it (its message id, once sent)
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    creator_id: int = _tg_id(fk="users.id")
    question: str
    options: list[str] = Field(sa_column=Column(JSON, nullable=False))
    max_choices: int = 1  # 1: single choice
    anonymous: bool = False
    status: str = Field(default=PollStatus.OPEN, max_length=8)
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None = None
    reminders_sent: int = 0  # how many of the configured reminders went out
    # The poll message is edited at most once per pace (polls/voting.py); taps in between mark it stale and
    # a job or a later tap brings it up to date.
    edited_at: datetime | None = None
    stale: bool = False
    nudged_at: datetime | None = None  # the last 提醒未投票的人: residents are nudged at most once an hour


class PollTally(SQLModel, table=True):
    """Votes per option, written with each vote: the only place an anonymous poll's counts live."""

    __tablename__ = "poll_tallies"

    poll_id: int = Field(primary_key=True, foreign_key="polls.id")
    option: int = Field(primary_key=True)
    votes: int = 0


class PollVote(SQLModel, table=True):
    """A named poll's choice: who chose which option (one row per chosen option)."""

    __tablename__ = "poll_votes"

    poll_id: int = Field(primary_key=True, foreign_key="polls.id")
    user_id: int = _tg_id(primary_key=True)
    option: int = Field(primary_key=True)
    voted_at: datetime


class PollBallot(SQLModel, table=True):
    """An anonymous poll's ballot: a keyed hash of poll and voter (not reversible without the bot's key)
    and the chosen options sealed with a key derived from it. No user id, no time: it links nobody."""

    __tablename__ = "poll_ballots"
    __table_args__ = {"sqlite_with_rowid": False}

    poll_id: int = Field(primary_key=True, foreign_key="polls.id")
    voter: str = Field(primary_key=True, max_length=64)
    sealed: int  # the chosen options as a bit mask, XOR a mask only the key can make


# --- owners' votes (业主表决): the roll of households and formal votes on a hash-chained ballot record


class OwnerHousehold(SQLModel, table=True):
    """One household (专有部分) on a building's roll: its registered area and its owner.

    `owner_key` names the owner for the headcount (one person with several units counts once): "tg:<id>"
    when the roll gives a Telegram id, else "name:<name>" as the roll spells it. `claim_code` is the
    one-time code staff hand out; it is cleared when the owner claims the household.
    """

    __tablename__ = "owner_households"
    __table_args__ = (
        UniqueConstraint("building_id", "unit", "room", name="uq_owner_households_place"),
        Index("ix_owner_households_owner", "owner_tg_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="buildings.id")
    unit: str = Field(max_length=16)
    room: str = Field(max_length=16)
    area_centi: int  # hundredths of a square metre: areas add up exactly
    owner_name: str = Field(max_length=64)
    owner_key: str = Field(max_length=80)
    owner_tg_id: int | None = _tg_id(nullable=True)  # the owner's Telegram account, once known
    claim_code: str | None = Field(default=None, max_length=16, unique=True)
    claimed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class OwnerVoteStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OwnerVote(SQLModel, table=True):
    """A formal owners' vote on one building's roll (building_id) or the whole compound's (None).

    The roll is copied at creation (owner_vote_roll), so the totals cannot move while it runs. The ballots'
    chain starts at `anchor_hash` (the vote's terms and that copy) and ends at `head_hash`; closing writes
    the figures (`result`) and `final_hash`, which also covers them.
    """

    __tablename__ = "owner_votes"
    __table_args__ = (Index("ix_owner_votes_status_closes", "status", "closes_at"),)

    id: int | None = Field(default=None, primary_key=True)
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    matter: str = Field(max_length=16)  # ordinary | fund | rebuild | common
    title: str = Field(max_length=64)
    question: str
    creator_id: int = _tg_id(fk="users.id")
    status: str = Field(default=OwnerVoteStatus.OPEN, max_length=8)
    created_at: datetime
    closes_at: datetime
    closed_at: datetime | None = None
    anchor_hash: str = Field(max_length=64)
    head_seq: int = 0
    head_hash: str = Field(max_length=64)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    passed: bool | None = None
    final_hash: str | None = Field(default=None, max_length=64)
    # Where the ballot was sent, as [chat id, outbox row id] pairs: closing takes the buttons off them.
    messages: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class OwnerVoteRoll(SQLModel, table=True):
    """A household as it stood on the roll when the vote opened: the weights and headcount it counts by."""

    __tablename__ = "owner_vote_roll"

    vote_id: int = Field(primary_key=True, foreign_key="owner_votes.id")
    household_id: int = Field(primary_key=True, foreign_key="owner_households.id")
    building_id: int
    label: str = Field(max_length=40)  # "1-502": unit and room
    area_centi: int
    owner_key: str = Field(max_length=80)


class OwnerBallot(SQLModel, table=True):
    """One entry on a vote's ballot record; never updated, never deleted.

    A household's later entry supersedes its earlier one (`supersedes`), and the tally counts each
    household's latest. `method` says how it came (button, paper, proxy, door), `entered_by` who entered
    it for the owner; `hash` chains it to the entry before it in the same vote.
    """

    __tablename__ = "owner_ballots"
    __table_args__ = (
        UniqueConstraint("vote_id", "seq", name="uq_owner_ballots_seq"),
        Index("ix_owner_ballots_household", "vote_id", "household_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="owner_votes.id")
    seq: int
    household_id: int = Field(foreign_key="owner_households.id")
    choice: str = Field(max_length=8)  # yes | no | abstain
    method: str = Field(max_length=8)  # button | paper | proxy | door
    voter_id: int | None = _tg_id(nullable=True)  # the owner who pressed the button
    entered_by: int | None = _tg_id(nullable=True)  # the staff member who entered it for the owner
    note: str = ""
    supersedes: int | None = None  # the household's entry this one replaces
    created_at: datetime
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


# --- notices (通知): staff notices fanned out to the building groups through the outbox


class NoticeStatus(StrEnum):
    SENDING = "sending"  # outbox rows still out; the progress message is edited as they go
    DONE = "done"  # every row sent or failed; the progress message shows the summary
    WITHDRAWN = "withdrawn"  # 撤回: sent copies deleted, unsent ones cancelled
    SCHEDULED = "scheduled"  # 定时发送: nothing queued until send_at; a clock job claims it then


class NoticeAudience(StrEnum):
    ALL = "all"  # every bound group
    BUILDINGS = "buildings"  # the groups of the chosen buildings
    LEADERS = "leaders"  # building leaders, privately


class Notice(SQLModel, table=True):
    """A notice staff sent: its text, its targets and options, and the sender's progress message."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = _tg_id(fk="users.id")
    text: str
    audience: str = Field(max_length=16)
    building_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pin: bool = False
    ask_ack: bool = True
    status: str = Field(default=NoticeStatus.SENDING, max_length=12)
    created_at: datetime
    finished_at: datetime | None = None
    withdrawn_at: datetime | None = None
    # The sender's message edited with the progress and then the summary (the preview they confirmed).
    progress_chat_id: int | None = _tg_id(nullable=True)
    progress_message_id: int | None = None
    progress_text: str | None = None  # what it shows now, so an unchanged count is not edited again
    reminded_at: datetime | None = None  # 再提醒: at most once an hour per notice
    # A photo or document Telegram already has, sent with the text as its caption.
    media_kind: str | None = Field(default=None, max_length=10)
    media_file_id: str | None = None
    send_at: datetime | None = None  # 定时发送: its copies are queued when this time comes


class NoticeDeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the outbox gave up (403: the bot was removed; 400)
    CANCELLED = "cancelled"  # withdrawn before it went out
    DELETED = "deleted"  # withdrawn after it went out: a delete is queued


class NoticeDelivery(SQLModel, table=True):
    """One copy of a notice: the chat it goes to and the outbox row that takes it there."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "chat_id", name="uq_notice_deliveries_chat"),
        Index("ix_notice_deliveries_state", "notice_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notices.id")
    chat_id: int = _tg_id()
    chat_title: str = ""
    building_id: int | None = None
    outbox_id: int  # no foreign key: outbox rows may be pruned; the message id is copied here once sent
    state: str = Field(default=NoticeDeliveryState.PENDING, max_length=10)
    message_id: int | None = None


class NoticeAck(SQLModel, table=True):
    """A resident's 收到 for a notice: once per person (the primary key refuses a second)."""

    __tablename__ = "notice_acks"
    __table_args__ = (Index("ix_notice_acks_building", "notice_id", "building_id"),)

    notice_id: int = Field(primary_key=True, foreign_key="notices.id")
    user_id: int = _tg_id(primary_key=True)
    building_id: int | None = None
    acked_at: datetime


# --- grid workers (网格员): one per building, and residents' requests to be called back


class GridWorker(SQLModel, table=True):
    """A building's grid worker, set by staff; a new one replaces the old (the building is the key)."""

    __tablename__ = "grid_workers"

    building_id: int = Field(primary_key=True, foreign_key="buildings.id")
    user_id: int = _tg_id(fk="users.id")
    set_by: int = _tg_id(fk="users.id")
    set_at: datetime


class CallbackStatus(StrEnum):
    OPEN = "open"
    DONE = "done"  # 已联系: staff or the grid worker called the resident back


class CallbackRequest(SQLModel, table=True):
    """请网格员联系我: who asks, for which building, and their phone only once they chose to share it."""

    __tablename__ = "callback_requests"
    __table_args__ = (
        # One open request per resident: a second press shows the first instead of asking twice.
        Index(
            "uq_callback_requests_open",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    building_id: int | None = Field(default=None, foreign_key="buildings.id")
    resident_id: int = _tg_id(fk="users.id")
    worker_id: int | None = _tg_id(nullable=True, fk="users.id")  # the building's grid worker when asked
    phone: str | None = Field(default=None, max_length=32)
    status: str = Field(default=CallbackStatus.OPEN, max_length=8)
    created_at: datetime
    phone_at: datetime | None = None
    done_at: datetime | None = None
    done_by: int | None = _tg_id(nullable=True, fk="users.id")
    # The outbox rows of the copies staff and the grid worker got, edited once the request is done. No
    # foreign key: outbox rows may be pruned, and then that copy simply stays as it was.
    copies: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
