"""Tickets: the staff workflow on the card and by command, rating, lists and history, escalation (吹哨)."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import STAFF, Audience, Command, Feature, Flow, Job, MenuButton, OnButton
from handlers.tickets import buttons, escalation, listing, rating, staff, texts
from storage.models import TicketStatus

FEATURE = Feature(
    name="tickets",
    commands=(
        Command("mine", listing.mine, menu=Audience.RESIDENT, description=texts.CMD_MINE),
        Command("ticket", listing.ticket_command, menu=Audience.STAFF, description=texts.CMD_TICKET),
        Command(
            "tickets",
            listing.tickets_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_TICKETS,
        ),
        Command(
            "accept",
            staff.move_command(TicketStatus.ACCEPTED, "accept"),
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_ACCEPT,
        ),
        Command(
            "resolve",
            staff.move_command(TicketStatus.RESOLVED, "resolve"),
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_RESOLVE,
        ),
        Command(
            "reject",
            staff.move_command(TicketStatus.REJECTED, "reject"),
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_REJECT,
        ),
        Command(
            "assign", staff.assign_command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_ASSIGN
        ),
    ),
    menu_buttons=(MenuButton(common.BTN_MY_TICKETS, listing.mine),),
    buttons=(
        OnButton(buttons.Accept, staff.press_move, allowed=STAFF),
        OnButton(buttons.Progress, staff.press_move, allowed=STAFF),
        OnButton(buttons.Resolve, staff.press_needing_words, allowed=STAFF),
        OnButton(buttons.Reject, staff.press_needing_words, allowed=STAFF),
        OnButton(buttons.SkipNote, staff.skip_note, allowed=STAFF),
        OnButton(buttons.CancelStep, staff.cancel_step, allowed=STAFF),
        OnButton(buttons.Assign, staff.show_staff, allowed=STAFF),
        OnButton(buttons.AssignTo, staff.assign_to, allowed=STAFF),
        OnButton(buttons.TicketsPage, listing.turn_page, allowed=STAFF),
        OnButton(buttons.Rate, rating.rate),
        OnButton(buttons.History, listing.history_button),
    ),
    flows=(
        Flow(staff.FLOW, staff.answer_step, allowed=STAFF),
        Flow(rating.FLOW, rating.answer_why),
    ),
    messages=(staff.after_photo,),
    jobs=(Job("escalation", escalation.raise_alerts),),
)
