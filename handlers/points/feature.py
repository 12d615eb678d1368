"""Points (积分): asking (我的积分, /points, 明细, /rank), redeeming (兑换), staff's /award and /revoke."""

from __future__ import annotations

from handlers import texts as common
from handlers.feature import ADMIN, STAFF, Audience, Command, Feature, Flow, MenuButton, OnButton
from handlers.points import asking, awarding, buttons, redeeming, texts

FEATURE = Feature(
    name="points",
    commands=(
        Command("points", asking.points_command, menu=Audience.RESIDENT, description=texts.CMD_POINTS),
        Command("rank", asking.rank_command, menu=Audience.RESIDENT, description=texts.CMD_RANK),
        Command(
            "award", awarding.award_command, allowed=STAFF, menu=Audience.STAFF, description=texts.CMD_AWARD
        ),
        Command(
            "revoke",
            awarding.revoke_command,
            allowed=STAFF,
            menu=Audience.STAFF,
            description=texts.CMD_REVOKE,
        ),
        Command(
            "points_review",
            awarding.review_command,
            allowed=ADMIN,
            menu=Audience.ADMIN,
            description=texts.CMD_POINTS_REVIEW,
        ),
    ),
    menu_buttons=(
        MenuButton(common.BTN_POINTS, asking.my_points),
        MenuButton(common.BTN_ELDER_POINTS, asking.my_points),
    ),
    buttons=(
        OnButton(buttons.Details, asking.details_button),
        OnButton(buttons.ToggleRankName, asking.toggle_rank_name),
        OnButton(buttons.RewardMenu, redeeming.reward_menu),
        OnButton(buttons.PickReward, redeeming.pick),
        OnButton(buttons.ConfirmReward, redeeming.confirm),
        OnButton(buttons.CancelReward, redeeming.cancel),
        OnButton(buttons.ApproveRedemption, redeeming.approve, allowed=STAFF),
        OnButton(buttons.RejectRedemption, redeeming.ask_reason, allowed=STAFF),
        OnButton(buttons.ApproveAward, awarding.approve_award, allowed=STAFF),
        OnButton(buttons.RejectAward, awarding.reject_award, allowed=STAFF),
    ),
    flows=(Flow(redeeming.REJECT_FLOW, redeeming.reject_with_reason, allowed=STAFF),),
)
