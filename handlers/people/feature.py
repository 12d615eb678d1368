"""People: the menu and help everybody sees, roles, and binding a group to its building."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import ADMIN, STAFF, Audience, Command, Feature, MenuButton, OnButton
from handlers.people import buttons, menu, roles, texts

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
        MenuButton(common.BTN_ELDER, menu.elder_mode),
        MenuButton(common.BTN_MAIN_MENU, menu.back_to_menu),
        MenuButton(common.BTN_PRIVATE_NOTICES, menu.toggle_private_notices),
    ),
    buttons=(
        OnButton(buttons.ElderMode, menu.switch_elder_mode),
        OnButton(buttons.PrivateNotices, menu.switch_private_notices),
        OnButton(buttons.MainMenu, menu.back_to_menu_button),
    ),
)
