"""Polls (投票): one-line and guided launch, voting with a tap, closing with results, reminders."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import STAFF, Audience, Command, Feature, Flow, Job, Link, MenuButton, OnButton
from handlers.polls import buttons, closing, guided, launching, texts, viewing, voting

FEATURE = Feature(
    name="polls",
    commands=(
        Command("poll", launching.poll_command, menu=Audience.RESIDENT, description=texts.CMD_POLL),
        Command("endpoll", closing.endpoll_command, menu=Audience.STAFF, description=texts.CMD_ENDPOLL),
        Command("poll_votes", viewing.votes_command, menu=Audience.STAFF, description=texts.CMD_POLL_VOTES),
        Command(
            "poll_export", viewing.export_command, menu=Audience.STAFF, description=texts.CMD_POLL_EXPORT
        ),
    ),
    menu_buttons=(MenuButton(common.BTN_POLLS, viewing.polls_menu),),
    links=(Link("poll", viewing.open_poll),),
    buttons=(
        OnButton(buttons.Vote, voting.vote),
        OnButton(buttons.RemindVoters, closing.remind_voters),
        OnButton(buttons.NewPoll, guided.new_poll),
        OnButton(buttons.OptionsDone, guided.options_done),
        OnButton(buttons.Kind, guided.kind),
        OnButton(buttons.Anonymity, guided.anonymity),
        OnButton(buttons.Duration, guided.duration),
        OnButton(buttons.PollBuilding, guided.building, allowed=STAFF),
        OnButton(buttons.ConfirmPoll, guided.confirm),
        OnButton(buttons.CancelPoll, guided.cancel),
    ),
    flows=(Flow(launching.FLOW, guided.step, noun=texts.POLL_NOUN, ask=guided.ask_again, kept=guided.kept),),
    jobs=(
        Job("refresh_polls", voting.refresh_stale),
        Job("close_polls", closing.close_due),
        Job("poll_reminders", closing.send_reminders),
    ),
)
