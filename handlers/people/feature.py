"""People: the menu and help everybody sees, roles, and binding a group to its building."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import ADMIN, STAFF, Audience, Command, Feature, MenuButton
from handlers.people import menu, roles, texts

FEATURE = Feature(
    name="people",
    commands=(
        Command("start", menu.start, menu=Audience.RESIDENT, description=texts.CMD_START),
        Command("menu", menu.start),
        Command("help", menu.help_text, menu=Audience.RESIDENT, description=texts.CMD_HELP),
        Command("bind", roles.bind, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_BIND),
        Command(
            "leader", roles.grant_leader, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_LEADER
        ),
        Command("staff", roles.grant_staff, allowed=ADMIN, menu=Audience.ADMIN, description=texts.CMD_STAFF),
    ),
    menu_buttons=(
        MenuButton(common.BTN_HELP, menu.help_text),
        MenuButton(common.BTN_PRIVATE_NOTICES, menu.toggle_private_notices),
    ),
)
