"""What the points feature says."""

from __future__ import annotations

CMD_POINTS = "我的积分：余额、等级、明细、兑换"
CMD_RANK = "本月积分榜"
CMD_AWARD = "给居民加积分：/award 用户ID 分数或2h 说明"
CMD_REVOKE = "收回一笔积分：/revoke 记录号 理由"
CMD_POINTS_REVIEW = "积分异常检查"

# --- asking
BALANCE = "您现在有 {balance} 分"
HELD = "（另有 {held} 分先扣下了，等兑换批准）"
LEVEL = "等级：{level}"
TITLES = "称号：{titles}"
TO_NEXT_LEVEL = "再得 {missing} 分升为 {level}"
TOP_LEVEL = "已是最高等级"
REWARD_IN_REACH = "可以兑换：{reward}（{price} 分）"
REWARD_AWAY = "离 {reward}（{price} 分）还差 {missing} 分"
NO_REWARDS = "暂无可兑换的奖励"
RANK_LINE = "本月在{building}排第 {rank} 名（{points} 分）"
RANK_NONE = "本月还没有得分，得了分就能上{building}的积分榜"
RANK_NO_BUILDING = "本月全社区排第 {rank} 名（{points} 分）"
HOW_TO_EARN = "做好事攒积分换奖励：{rules}"
SEPARATOR = "、"
EARN_RULE = "{name} +{amount}"
EARN_RULE_HOURLY = "{name} 每小时 +{amount}"
BTN_DETAILS = "📋 明细"
BTN_REDEEM = "🎁 兑换"
BTN_RANK_BY_NAME_ON = "积分榜显示我的名字：已开 ✅"
BTN_RANK_BY_NAME_OFF = "积分榜显示我的名字：已关"
RANK_BY_NAME_ON = "好的，积分榜上会显示您的名字。"
RANK_BY_NAME_OFF = "好的，积分榜上不再显示您的名字，只显示“{building} 一位居民”。"
IN_GROUP_SENT_PRIVATELY = "积分已私信发给您，群里不显示个人积分。"
IN_GROUP_OPEN_PRIVATE = "群里不显示个人积分。请点下面的按钮私聊我查看。"
BTN_OPEN_PRIVATE = "私聊查看积分"
PRIVATE_LINK = "https://t.me/{bot}?start=points"

DETAILS_TITLE = "最近的积分记录："
DETAILS_EMPTY = "还没有积分记录。报事被受理、参加议事、志愿服务都能得分。"
DETAIL_LINE = "{date} {reason} {sign}{amount}"
STATEMENT_TITLE = "{year}年{month}月 积分明细"
STATEMENT_OPENING = "月初余额：{balance} 分"
STATEMENT_LINE = "{date} {reason} {sign}{amount}（余 {after}）"
STATEMENT_EMPTY = "这个月没有积分记录。"
STATEMENT_CLOSING = "月末余额：{balance} 分"
STATEMENT_BAD_MONTH = "请这样写月份：/points 明细 11月（或 2026-11）"
STATEMENT_WORD = "明细"  # /points 明细 11月
# A month as residents write it: 11月, 2026-11, 2026年11月.
MONTH_PATTERN = r"^(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*月?$"
# Hours in /award: 2h, 2小时, 1.5个小时.
HOURS_PATTERN = r"^(\d{1,2}(?:\.\d)?)\s*(?:h|小时|个小时)$"
STATEMENT_HINT = "要看某个月的全部记录，请发：/points 明细 {month}月"

# Plain reasons in the history, by rule code; `{ref}` is the ticket number or the reward's name.
REASON_REPORT = "报事 #{ticket} {status}"
REASON_REVERSED_REPORT = "报事 #{ticket} {status}，收回"
REASON_REVERSED = "更正：收回一笔积分"
REASON_HOLD = "兑换 {reward}（等批准）"
REASON_REDEEM = "兑换 {reward} 已批准"
REASON_REFUND = "兑换 {reward} 未批准，退回"
REASON_WITH_NOTE = "{reason}：{note}"

# --- ranking
RANK_TITLE = "本月积分榜"
RANK_BUILDING = "{building}前十："
RANK_COMMUNITY = "全社区前十："
RANK_ROW = "{rank}. {name} {points} 分"
RANK_ANONYMOUS = "{building} 一位居民"
RANK_EMPTY = "本月还没有人得分。"
RANK_OPT_IN_HINT = "只有自己选了显示名字的居民，榜上才有名字。"
SOMEWHERE = "本社区"

# --- redeeming
REDEEM_TITLE = "可兑换的奖励（您有 {balance} 分）："
REWARD_BUTTON = "{name} {price}分"
REWARD_BUTTON_OUT = "{name}（已兑完）"
REWARD_BUTTON_SHORT = "{name} 差{missing}分"
CONFIRM_REDEEM = "用 {price} 分兑换 {reward}？\n确认后等工作人员批准。这些分先扣下，没批准会退回。"
BTN_CONFIRM_REDEEM = "✅ 确认兑换"
BTN_CANCEL_REDEEM = "取消"
REDEEM_CANCELLED = "好的，没有兑换。"
REDEEM_REQUESTED = (
    "已提交兑换申请 #{number}：{reward}，先扣下 {price} 分。\n工作人员批准后，我把兑换码发给您。"
)
REDEEM_NOT_ENOUGH = "积分不够：{reward} 需要 {price} 分，您现在有 {balance} 分。"
REDEEM_OUT_OF_STOCK = "{reward} 已兑完，暂时不能兑换。"
REDEEM_UNKNOWN = "这个奖励已下架。"
REDEEM_NO_STAFF_CHAT = "兑换暂时无法提交（还没有设置工作人员群），请稍后再试。"
STAFF_REDEEM_CARD = (
    "🎁 兑换申请 #{number}\n居民：{name}（ID {user_id}）\n奖励：{reward}（{price} 分）\n余额：{balance} 分"
)
BTN_APPROVE = "✅ 批准"
BTN_REJECT = "❌ 拒绝"
ASK_REJECT_REASON = "请写一句拒绝兑换申请 #{number} 的理由："
REDEEM_APPROVED_CARD = "🎁 兑换申请 #{number}：{reward}（{price} 分）\n✅ 已由 {staff} 批准，兑换码 {code}"
REDEEM_REJECTED_CARD = "🎁 兑换申请 #{number}：{reward}（{price} 分）\n❌ 已由 {staff} 拒绝：{reason}"
REDEEM_APPROVED_RESIDENT = (
    "您的兑换申请 #{number} 已批准：{reward}\n兑换码：{code}\n请到社区服务台出示这个兑换码领取。"
)
REDEEM_REJECTED_RESIDENT = "您的兑换申请 #{number}（{reward}）没有批准：{reason}\n{price} 分已退回。"
REDEEM_REJECT_DONE = "已拒绝兑换申请 #{number}，积分已退回，理由已告诉居民。"
REDEEM_DECIDED = "兑换申请 #{number} 已经处理过了。"
REDEEM_NOT_FOUND = "没有兑换申请 #{number}。"
REDEEM_OWN = "不能审批自己的兑换申请。"
NEEDS_REASON = "请写一句理由。"

# --- awarding
AWARD_USAGE = (
    "用法：/award 用户ID 分数 说明，例如 /award 100001 10 帮忙清理楼道\n"
    "志愿服务按小时：/award 100001 2h 清理楼道\n"
    "按规则：/award 100001 议事 说明（议事、建议等）\n"
    "也可以回复居民的消息：/award 10 说明"
)
AWARD_NEEDS_NOTE = "请写上说明，例如 /award {user_id} {amount} 帮忙清理楼道"
AWARD_SELF = "不能给自己加积分。"
AWARD_UNKNOWN_USER = "没有找到用户 {user_id}（对方要先和我说过话）。"
AWARD_TOO_MUCH = "一次最多 {limit} 分。"
AWARD_DONE = "已给 {name} +{amount} 分（{rule}，记录号 {entry}）。"
AWARD_CAPPED_PART = "已给 {name} +{amount} 分（{rule}，记录号 {entry}）；已到每人上限，没有全部发放。"
AWARD_CAPPED = "{name} 的「{rule}」已到上限（每天 {daily} / 每月 {monthly}），这次没有发放。"
AWARD_REPEATED = "这条已经加过分了。"
AWARD_PENDING = (
    "给 {name} 的 {amount} 分超出您本月按这项规则给同一居民的上限，已请其他工作人员批准（申请 #{number}）。"
)
AWARD_RESIDENT_TOLD = "您获得 {amount} 积分（{reason}）。发 /points 查看。"
STAFF_AWARD_CARD = (
    "🏅 加分待批准 #{number}\n{giver} 给 {name}（ID {user_id}）{rule} +{amount}：{note}\n"
    "本月已按「{rule}」给这位居民 {given} 分，上限 {cap} 分。需要另一位工作人员批准。"
)
AWARD_APPROVED_CARD = "🏅 加分 #{number}：{giver} 给 {name} +{amount}\n✅ {staff} 批准（记录号 {entry}）"
AWARD_REJECTED_CARD = "🏅 加分 #{number}：{giver} 给 {name} +{amount}\n❌ {staff} 拒绝"
AWARD_APPROVE_OWN = "不能批准自己提交的加分。"
AWARD_DECIDED = "加分申请 #{number} 已经处理过了。"
UNLIMITED = "不限"

REVOKE_USAGE = "用法：/revoke 记录号 理由，例如 /revoke 12 重复加分"
REVOKE_NOT_FOUND = "没有记录 {entry}。"
REVOKE_NOT_EARNING = "记录 {entry} 不是一笔得分，不能收回（兑换请在兑换卡片上处理）。"
REVOKE_ALREADY = "记录 {entry} 已经收回过了（记录号 {reversal}）。"
REVOKE_NOTHING_LEFT = "{name} 的积分已经用完，记录 {entry} 没有可收回的分。"
REVOKE_DONE = "已收回 {name} 的 {amount} 分（记录 {entry} → 更正记录 {reversal}）。"
REVOKE_RESIDENT_TOLD = "您有 {amount} 分被收回了（{reason}）。发 /points 查看。"

# --- review
REVIEW_TITLE = "积分检查（近 30 天）"
REVIEW_PAIRS = "同一工作人员多次给同一居民加分："
REVIEW_PAIR_ROW = "· {giver} → {name}（ID {user_id}）：{count} 次，共 {points} 分"
REVIEW_NEAR_CAP = "本月接近上限的居民："
REVIEW_CAP_ROW = "· {name}（ID {user_id}）「{rule}」{points}/{cap} 分"
REVIEW_NOTHING = "没有发现异常。"
