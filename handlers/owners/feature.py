"""Owners' votes (业主表决): the household roll and claiming a household, formal votes under 民法典 第278条
weighted by area and counted by owner, staff-entered ballots, live figures, who has not voted, closing."""

from __future__ import annotations

from handlers.feature import STAFF, Audience, Command, Feature, Flow, Job, OnButton
from handlers.owners import balloting, buttons, closing, launching, roll, texts, viewing

FEATURE = Feature(
    name="owners",
    commands=(
        Command("roll", roll.roll_command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_ROLL),
        Command(
            "roll_codes",
            roll.codes_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_ROLL_CODES,
        ),
        Command("claim", roll.claim_command, menu=Audience.RESIDENT, description=texts.CMD_CLAIM),
        Command(
            "owner_vote",
            launching.owner_vote_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_OWNER_VOTE,
        ),
        Command(
            "paper", balloting.paper_command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_PAPER
        ),
        Command(
            "owner_status",
            viewing.status_command,
            menu=Audience.RESIDENT,
            description=texts.CMD_OWNER_STATUS,
        ),
        Command("not_voted", viewing.not_voted_command, menu=Audience.STAFF, description=texts.CMD_NOT_VOTED),
        Command(
            "end_owner_vote",
            closing.end_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_END_OWNER_VOTE,
        ),
    ),
    buttons=(OnButton(buttons.OwnerChoice, balloting.press),),
    flows=(Flow(roll.FLOW, roll.roll_step, allowed=STAFF),),
    messages=(roll.stray_file,),
    jobs=(Job("close_owner_votes", closing.close_due),),
)
