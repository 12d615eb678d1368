"""Grid workers (找网格员 / 找人帮忙): /grid, the menu buttons, 请网格员联系我, the phone, 已联系."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import STAFF, Allowed, Audience, Command, Feature, Flow, MenuButton, OnButton
from handlers.grid import asking, buttons, called, phone, texts, workers

# 已联系: staff, or a grid worker (called.py checks it is the request's own).
STAFF_OR_WORKER = Allowed(called.may_mark, texts.DENY_NOT_WORKER)

FEATURE = Feature(
    name="grid",
    commands=(
        Command("grid", workers.command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_GRID),
    ),
    menu_buttons=(
        MenuButton(common.BTN_GRID, asking.menu),
        MenuButton(common.BTN_ELDER_GRID, asking.menu),
    ),
    buttons=(
        OnButton(buttons.GridBuilding, asking.choose_building),
        OnButton(buttons.CallMe, asking.call_me),
        OnButton(buttons.SharePhone, phone.share_phone),
        OnButton(buttons.MarkCalled, called.mark_called, allowed=STAFF_OR_WORKER),
    ),
    flows=(Flow(phone.FLOW, phone.step),),
    messages=(phone.stray_contact,),
)
