from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import pausing
from handlers.callbacks import FAMILIES, MAX_BYTES, ButtonData, button, decode
from handlers.grid import buttons as grid
from handlers.notices import buttons as notices
from handlers.owners import buttons as owners
from handlers.people import buttons as people
from handlers.points import buttons as points
from handlers.polls import buttons as polls
from handlers.reports.buttons import (
    Anonymous,
    FileSecond,
    JoinTicket,
    LeaveToStaff,
    NotDuplicate,
    OtherBuildings,
    ReportBuilding,
    ReportCancel,
    Withdraw,
)
from handlers.router import BUTTONS
from handlers.tickets.buttons import (
    Accept,
    Assign,
    AssignTo,
    CancelStep,
    CategoryBack,
    ChangeCategory,
    History,
    Progress,
    Rate,
    Reject,
    Resolve,
    SetCategory,
    SkipNote,
    TicketsPage,
)

# Every family's payload as written once (the first 19 by the release before typed button data). Buttons
# with these payloads sit under old messages in chats for good, so none of these lines may ever change.
PINNED = [
    ("1:ac:12", Accept(12)),
    ("1:ip:12", Progress(12)),
    ("1:rs:12", Resolve(12)),
    ("1:sn:12", SkipNote(12)),
    ("1:rj:12", Reject(12)),
    ("1:cx:12", CancelStep(12)),
    ("1:as:12", Assign(12)),
    ("1:at:12:100001", AssignTo(12, 100001)),
    ("1:rt:12:satisfied", Rate(12, "satisfied")),
    ("1:an:12", Anonymous(12)),
    ("1:hi:12", History(12)),
    ("1:tp:2:accepted:3:noise:5", TicketsPage(2, "accepted", 3, "noise", 5)),
    ("1:tp:1:x:0:x:0", TicketsPage(1)),
    ("1:rb:4", ReportBuilding(4)),
    ("1:rb:0", ReportBuilding(0)),
    ("1:rc", ReportCancel()),
    ("1:sc:12:noise", SetCategory(12, "noise")),
    ("1:cc:12", ChangeCategory(12)),
    ("1:cb:12", CategoryBack(12)),
    ("1:jt:13:12", JoinTicket(13, 12)),
    ("1:nd:13", NotDuplicate(13)),
    ("1:ob", OtherBuildings()),
    ("1:wd:12", Withdraw(12)),
    ("1:fs:12", FileSecond(12)),
    ("1:pd", points.Details()),
    ("1:pm", points.RewardMenu()),
    ("1:pp:meal", points.PickReward("meal")),
    ("1:pk:meal", points.ConfirmReward("meal")),
    ("1:pn", points.CancelReward()),
    ("1:pv", points.ToggleRankName()),
    ("1:ra:7", points.ApproveRedemption(7)),
    ("1:rx:7", points.RejectRedemption(7)),
    ("1:wa:7", points.ApproveAward(7)),
    ("1:wx:7", points.RejectAward(7)),
    ("1:vo:3:1", polls.Vote(3, 1)),
    ("1:vr:3", polls.RemindVoters(3)),
    ("1:vn", polls.NewPoll()),
    ("1:vd", polls.OptionsDone()),
    ("1:vk:1", polls.Kind(1)),
    ("1:va:1", polls.Anonymity(1)),
    ("1:vt:7200", polls.Duration(7200)),
    ("1:vg:4", polls.PollBuilding(4)),
    ("1:vc", polls.ConfirmPoll()),
    ("1:vx", polls.CancelPoll()),
    ("1:ow:3:yes", owners.OwnerChoice(3, "yes")),
    ("1:ny:5", notices.Acknowledge(5)),
    ("1:ng:all", notices.NoticeTargets("all")),
    ("1:nb:4", notices.NoticeBuilding(4)),
    ("1:no:pin", notices.NoticeOption("pin")),
    ("1:nc", notices.ConfirmNotice()),
    ("1:nx", notices.CancelNotice()),
    ("1:nr:5", notices.RemindAcks(5)),
    ("1:nw:5", notices.WithdrawNotice(5)),
    ("1:nz:5", notices.ConfirmWithdraw(5)),
    ("1:nk:5", notices.KeepNotice(5)),
    ("1:gb:4", grid.GridBuilding(4)),
    ("1:gc:4", grid.CallMe(4)),
    ("1:gp:7", grid.SharePhone(7)),
    ("1:gd:7", grid.MarkCalled(7)),
    ("1:em:1", people.ElderMode(1)),
    ("1:pt:0", people.PrivateNotices(0)),
    ("1:mm", people.MainMenu()),
    ("1:fg", pausing.ResumeFlow()),
    ("1:fq", pausing.DropFlow()),
    ("1:ls:12", LeaveToStaff(12)),
]


@pytest.mark.parametrize(("data", "meaning"), PINNED)
def test_buttons_already_in_chat_history_keep_their_meaning(data: str, meaning: ButtonData) -> None:
    assert decode(data) == meaning
    assert meaning.encode() == data


def test_every_family_is_pinned_by_a_legacy_payload() -> None:
    """A new family is fine; changing an old one's prefix or fields would misread old buttons."""
    assert {type(meaning) for _, meaning in PINNED} == set(FAMILIES.values())


def test_every_family_has_a_handler() -> None:
    assert set(BUTTONS) == set(FAMILIES.values())


@pytest.mark.parametrize(
    "family", sorted((f for f in FAMILIES.values() if f is not TicketsPage), key=lambda f: f.prefix)
)
def test_largest_ids_fit_in_64_bytes(family: type[ButtonData]) -> None:
    values = {
        f.name: 10**18 - 1 if f.type in (int, "int") else "a" * 24
        for f in dataclasses.fields(family)  # type: ignore[arg-type]
    }
    data = family(**values).encode()
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == family(**values)


def test_the_widest_page_button_fits() -> None:
    page = TicketsPage(9999, "in_progress", 10**6, "a" * 24, 7)
    assert len(page.encode().encode()) <= MAX_BYTES


def test_wrong_values_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        SetCategory(1, "噪音").encode()  # Chinese text never goes into button data
    with pytest.raises(ValueError):
        SetCategory(1, "Noise").encode()
    with pytest.raises(ValueError):
        Accept(-1).encode()


def test_a_prefix_cannot_be_taken_twice() -> None:
    with pytest.raises(ValueError, match="taken"):

        @button("ac")
        @dataclass(frozen=True)
        class Another(ButtonData):
            ticket: int


def test_a_field_the_codec_cannot_carry_is_refused() -> None:
    with pytest.raises(TypeError):

        @button("zz")
        @dataclass(frozen=True)
        class Floaty(ButtonData):
            share: float

    FAMILIES.pop("zz", None)


@pytest.mark.parametrize(
    "data",
    [
        "1:sc:1:Noise",
        "1:sc:1:",
        "1:sc:x:noise",
        "1:sc:1:noise:2",
        "1:sc:1:噪音",
        "2:ac:1",
        "1:zz:1",
        "1:ac",
        "1:ac:1:2",
        "1:ac:-1",
        "1:ac:1e3",
        "",
        "1:rc:",
        "1:ac:" + "9" * 19,
    ],
)
def test_malformed_or_forged_data_is_invalid(data: str) -> None:
    assert decode(data) is None


@given(st.text(max_size=200))
def test_any_text_decodes_to_valid_data_or_none(data: str) -> None:
    result = decode(data)
    if result is not None:
        assert result.encode() == data


@given(st.binary(max_size=100))
def test_binary_garbage_never_raises(raw: bytes) -> None:
    decode(raw.decode("utf-8", "replace"))
