"""Every user-facing string, in one place. Placeholders use str.format names."""

from __future__ import annotations

# Main menu: the persistent large-button keyboard in private chats.
BTN_REPORT = "我要报事"
BTN_MY_TICKETS = "我的报事"
BTN_POINTS = "我的积分"
BTN_POLLS = "投票"
BTN_HELP = "帮助"
BTN_CANCEL = "取消"
MENU_ROWS = ((BTN_REPORT, BTN_MY_TICKETS), (BTN_POINTS, BTN_POLLS), (BTN_HELP,))

GREETING = (
    "{name}您好，我是邻里小助手 🏠\n"
    "楼里有什么问题，点「我要报事」告诉我，我会马上转给物业工作人员，处理好了再告诉您。\n"
    "下面的大按钮随时可以点。"
)
HELP_RESIDENT = (
    "怎么用邻里小助手：\n"
    "• 在楼栋群里发「报事 + 问题」，比如：报事 3号楼电梯又坏了\n"
    "• 也可以在群里 @我 说问题，或发 /report 问题\n"
    "• 私聊我：点「我要报事」，然后发文字、照片或语音\n"
    "• 点「我的报事」看处理进度"
)
HELP_STAFF = (
    "\n\n工作人员命令：\n"
    "• /bind 3号楼 — 在楼栋群里发送，把本群绑定到楼栋\n"
    "• /resolve 12 说明 — 把 #12 标记为已解决\n"
    "• /reclassify 12 noise — 给 #12 改分类\n"
    "• /tickets [状态/楼栋/分类/紧急/超时/我的] — 报事列表；/ticket 12 — 详情和处理记录\n"
    "• /accept 12、/reject 12 理由、/assign 12 — 受理、驳回、指派\n"
    "• /stats [7d|30d] — 统计；/export [30d] [csv] — 导出表格\n"
    "• /leader — 回复某人的消息，设为楼栋长"
)
HELP_ADMIN = "\n• /staff — 回复某人的消息或 /staff 用户ID，设为工作人员"
COMING_SOON = "「{feature}」功能正在建设中，很快就能用啦 🙏"

# Reports
REPORT_ASK_TEXT = "请直接发文字、照片或语音，说说遇到了什么问题、在哪里。"
REPORT_ASK_BUILDING = "这件事发生在哪栋楼？"
REPORT_BUILDING_UNKNOWN = "不清楚"
REPORT_CANCELLED = "好的，已取消。"
REPORT_EMPTY = "请写几个字说说是什么问题，比如：报事 3号楼电梯坏了"
REPORT_NEEDS_MEDIA_OR_TEXT = "请发文字、照片或语音告诉我是什么问题。"
REPORT_RECEIVED = (
    "已收到 ✅ 报事编号 #{number}\n分类：{category}\n我们已转给物业工作人员，处理好了会第一时间告诉您。"
)
REPORT_RECEIVED_URGENT = "已收到 🚨 报事编号 #{number}\n这件事很紧急，已立即通知物业工作人员。如有危险请先离开，必要时拨打 119 / 110 / 120。"
# Several receipts that waited for a busy group, sent as one message.
REPORTS_RECEIVED = "已收到 {numbers}，我们会尽快处理"
REPORTS_RECEIVED_JOINER = "、"
REPORT_ASK_CATEGORY = "已收到 ✅ 报事编号 #{number}\n请帮忙选一下，这是哪一类问题？"
DUPLICATE_FOUND = "邻居已经报过 #{number}：「{snippet}」（{age}）\n是同一件事吗？"
BTN_JOIN = "加入关注"
BTN_NOT_DUPLICATE = "不是同一件事"
JOINED = "好的，已加入 #{number} 的关注，有进展会同时通知您 ✅"
GROUP_NOT_BOUND = "本群还没有绑定楼栋，暂时不能报事。请工作人员在群里发送：/bind 3号楼"

# Staff card
CARD_TITLE = "📋 报事 #{number} · {building}"
CARD_URGENT = "🚨 紧急：{words}"
CARD_CATEGORY_AUTO = "分类：{category}（依据：{words}）"
CARD_CATEGORY_PLAIN = "分类：{category}"
CARD_CATEGORY_REPORTER = "分类：{category}（居民选择）"
CARD_CATEGORY_STAFF = "分类：{category}（工作人员改分类）"
CARD_CATEGORY_UNSORTED = "分类：未分类（猜测：{category}）"
CARD_LOCATION = "位置：{location}"
CARD_TEXT = "内容：{text}"
CARD_MEDIA_PHOTO = "📷 附照片"
CARD_MEDIA_VOICE = "🎤 附语音"
CARD_REPORTER = "报事人：{name}"
CARD_STATUS = "状态：{status}"
CARD_RESOLVED_BY = "状态：已解决 ✅（{name}，{when}）"
CARD_NOTE = "说明：{note}"
CARD_REPORTERS = "报事人：{names}"
CARD_ASSIGNEE = "负责人：{name}"
CARD_UNASSIGNED = "未指派"
CARD_CREATED = "报事时间：{when}"
CARD_REJECTED = "状态：已驳回 ❌（{name}）\n理由：{reason}"
CARD_RATING = "评价：{rating}"
CARD_RATING_COMMENT = "评价：{rating}（{comment}）"
CARD_AFTER_PHOTO = "📷 有处理后照片"
BTN_RESOLVE = "✅ 已解决"
BTN_RECLASSIFY = "🏷 改分类"
BTN_CHANGE_CATEGORY = "改分类"
BTN_BACK = "↩ 返回"
UNKNOWN_BUILDING = "未知楼栋"
NO_TEXT = "（无文字）"

STATUS_NAMES = {
    "received": "已收到",
    "accepted": "已受理",
    "in_progress": "处理中",
    "resolved": "已解决",
    "rated": "已评价",
    "rejected": "已驳回",
    "merged": "已合并",
}
RATING_NAMES = {"satisfied": "😊 满意", "neutral": "😐 一般", "unsatisfied": "😞 不满意"}

# Workflow
ALREADY_IN_STATE = "#{number} 已经是「{status}」了。"
RATE_ONLY_RESOLVED = "#{number} 还没有解决，暂时不能评价。"
CANNOT_MOVE = "#{number} 现在是「{status}」，不能改为「{to}」。"
NOTICE_ACCEPTED = "#{number} 已受理 👷 由 {name} 负责处理。"
NOTICE_REJECTED = "#{number} 未能受理 ❌\n理由：{reason}"
NOTICE_REOPENED = "#{number} 已重新打开，工作人员会再处理。"
STAFF_REOPENED = "🔁 #{number} 居民不满意，已重新打开：{why}"
BTN_ACCEPT = "👷 受理"
BTN_PROGRESS = "🔧 处理中"
BTN_REJECT = "❌ 驳回"
BTN_ASSIGN = "👤 指派"
BTN_NO_NOTE = "不用说明"
ASK_REJECT_REASON = "请发送驳回 #{number} 的理由（一句话），或点「取消」。"
ASK_RESOLVE_NOTE = "请发一句 #{number} 的处理说明（可以附一张处理后的照片），或点「不用说明」。"
STEP_CANCELLED = "已取消。"
STEP_NEEDS_TEXT = "请发一句话的说明。"
MOVED_TOAST = "#{number} 已改为「{status}」"
ASSIGN_CHOOSE = "把 #{number} 指派给谁？"
ASSIGNED = "#{number} 已指派给 {name}"
ASSIGNED_PRIVATE = "您被指派处理 #{number}（{building}）：{snippet}"
NO_STAFF = "还没有工作人员，请管理员先用 /staff 设置。"
NOT_STAFF_MEMBER = "{name} 不是工作人员。"
TICKET_USAGE = "用法：/{command} 编号，例如 /{command} 12"
REJECT_USAGE = "用法：/reject 编号 理由，例如 /reject 12 不属于物业管理范围"
AFTER_PHOTO_USAGE = "要用照片结案，请回复 #编号 的工单卡片，并在照片说明里写「已解决」。"

# Rating
BTN_RATE_GOOD = "😊 满意"
BTN_RATE_OK = "😐 一般"
BTN_RATE_BAD = "😞 不满意"
RATE_THANKS = "谢谢您的评价！"
RATE_WHY = "请用一句话说说 #{number} 哪里不满意，我们会重新处理。"
RATE_EXPIRED = "评价时间已过。"
RATE_ONLY_REPORTER = "只有报事人可以评价。"

# Anonymity
BTN_ANONYMOUS = "🙈 匿名"
ANONYMOUS = "匿名"
ANONYMOUS_SET = "（已设为匿名：群里和工作群都不会显示您的名字）"
ANONYMOUS_PREFIX = "匿名"

# Ticket lists and history
TICKETS_TITLE = "报事列表（{filters}）共 {total} 件，第 {page}/{pages} 页："
TICKETS_LINE = "#{number} [{status}] {building} · {category}{flags} · {age} · {snippet}"
TICKETS_NONE = "没有符合条件的报事。"
TICKETS_OPEN = "未办结"
TICKETS_URGENT_FLAG = " 🚨"
TICKETS_OVERDUE_FLAG = " ⏰"
TICKETS_USAGE = "用法：/tickets [状态] [楼栋] [分类] [紧急] [超时] [我的]，例如 /tickets 3号楼 超时"
BTN_PREV = "◀ 上一页"
BTN_NEXT = "下一页 ▶"
BTN_HISTORY = "#{number} 进度"
HISTORY_TITLE = "处理记录："
HISTORY_LINE = "{when} {who}：{change}{note}"
HISTORY_CREATED = "报事"
SYSTEM_ACTOR = "系统"
STAFF_ACTOR = "工作人员"
NOT_YOUR_TICKET = "这不是您的报事。"

# Escalation (吹哨)
ESCALATION_STAFF = "⏰ 超时 #{number} · {building} · {category}\n{what}已 {elapsed}（时限 {limit}）\n负责人：{assignee}\n内容：{snippet}"
ESCALATION_ADMIN = "⏰ #{number}（{building}）{what}已 {elapsed}，时限 {limit}，工作群已提醒过一次，请督办。"
ESC_NOT_ACCEPTED = "未受理"
ESC_NOT_RESOLVED = "未解决"

# Sorting
CHOOSE_CATEGORY = "请选择正确的分类："
CATEGORY_SET_TOAST = "已改为「{category}」"
ONLY_REPORTER = "只有报事人或工作人员可以改分类。"
ONLY_THE_REPORTER = "只有报事人可以选择。"
ALREADY_DECIDED = "这件事已经处理过了。"
RECLASSIFY_USAGE = "用法：/reclassify 编号 分类，例如 /reclassify 12 noise\n分类：{choices}"
RECLASSIFY_DONE = "#{number} 已改为「{category}」"
UNKNOWN_CATEGORY = "没有「{given}」这个分类。可选：{choices}"

# Resolution
RESOLVED_NOTICE = "#{number} 已解决 ✅"
RESOLVED_PRIVATE = "您报的事 #{number}（{snippet}）已解决 ✅"

# My tickets
MY_TICKETS_NONE = "您还没有报过事。点「我要报事」就可以报。"
MY_TICKETS_TITLE = "您最近的报事："
MY_TICKETS_LINE = "#{number} {status} · {age} · {snippet}"

# Roles and binding
STAFF_GRANTED = "已把 {name} 设为工作人员。"
LEADER_GRANTED = "已把 {name} 设为楼栋长。"
ROLE_USAGE_STAFF = "请回复某人的消息发送 /staff，或发送 /staff 用户ID。"
ROLE_USAGE_LEADER = "请回复某人的消息发送 /leader。"
BIND_DONE = "本群已绑定到 {building} ✅ 居民在群里发「报事 + 问题」就能报事。"
BIND_USAGE = "用法：在楼栋群里发送 /bind 3号楼"
BIND_GROUP_ONLY = "/bind 只能在楼栋群里使用。"
USER_UNKNOWN = "找不到这个用户：对方需要先在群里说过话或私聊过我。"
BOT_JOINED_GROUP = (
    "大家好，我是邻里小助手 🏠 工作人员发送 /bind 楼栋名（如 /bind 3号楼）后，大家就可以在群里报事了。"
)
BOT_JOINED_STAFF = "已连接物业工作群 ✅ 新的报事会发到这里。"

# Refusals: one short line that says why.
DENY_ADMIN_ONLY = "只有管理员可以这样做。"
DENY_STAFF_ONLY = "只有工作人员可以这样做。"
BUTTON_INVALID = "这个按钮已失效。"
TICKET_NOT_FOUND = "找不到报事 #{number}。"

# Time
AGE_MINUTES = "{n}分钟前"
AGE_HOURS = "{n}小时前"
AGE_DAYS = "{n}天前"
AGE_NOW = "刚刚"
ALREADY_STAFF = "{name} 已经是工作人员了。"
INTERNAL_ERROR = "出了点问题，请稍后再试。"
MENU_BACK = "还有别的事，点下面的按钮就行。"

# Numbers for staff
STATS_USAGE = "用法：/stats [7d|30d]"
EXPORT_USAGE = "用法：/export [30d] [csv]"
EXPORT_CAPTION = "近 {days} 天的报事和处理记录，共 {count} 件"
WEEKLY_TITLE = "邻里周报 · {start} 至 {end}"

# Statistics and the weekly report

RATING_WORDS = {"satisfied": "满意", "neutral": "一般", "unsatisfied": "不满意"}
NO_DATA = "—"

DURATION_LESS_THAN_MINUTE = "不到1分钟"
DURATION_MINUTES = "{m}分钟"
DURATION_HOURS = "{h}小时"
DURATION_HOURS_MINUTES = "{h}小时{m}分"
DURATION_DAYS = "{d}天"
DURATION_DAYS_HOURS = "{d}天{h}小时"

PERIOD_DAYS = "近{n}天"  # when the caller passes "7d" rather than its own words
STATS_TITLE = "📊 {period}报事统计"
STATS_RANGE = "（{start} 至 {end}）"
STATS_TOTAL = "新报事 {total} 件｜当前超时 {overdue} 件"
STATS_STATUS = "状态：{items}"
STATS_CATEGORY = "分类：{items}"
STATS_BUILDING = "楼栋：{items}"
STATS_TIMES = "中位受理：{accept}｜中位解决：{resolve}（{resolved} 件）"
STATS_SATISFACTION = (
    "满意率：{rate}（{rated} 条评价：满意 {satisfied} · 一般 {neutral} · 不满意 {unsatisfied}）"
)
STATS_SATISFACTION_NONE = "满意率：—（暂无评价）"
ITEM = "{name} {n}"
ITEM_SEPARATOR = " · "
ITEM_REST = "其余 {n}"

WEEKLY_NEW = (
    "本周新报事 {total} 件，已解决 {resolved} 件；最多的是{category}（{category_n} 件），"
    "最多的楼栋是{building}（{building_n} 件）"
)
WEEKLY_NEW_NONE = "本周没有新报事，已解决 {resolved} 件"
WEEKLY_TIMES = "中位受理 {accept}，中位解决 {resolve}"
WEEKLY_SATISFACTION = "满意率 {rate}（{rated} 条评价），当前超时 {overdue} 件"
WEEKLY_SATISFACTION_NONE = "满意率 —（暂无评价），当前超时 {overdue} 件"

# The command menus Telegram shows next to the input field (setMyCommands), per audience.
COMMAND_DESCRIPTIONS = {
    "start": "打开菜单",
    "help": "帮助：能做什么、怎么用",
    "mine": "我的报事和进度",
    "report": "报事：说说遇到了什么问题",
    "tickets": "待处理的报事（可筛选）",
    "ticket": "查看一件报事及其经过，如 /ticket 12",
    "accept": "受理，如 /accept 12",
    "resolve": "已解决，如 /resolve 12 说明",
    "reject": "驳回，如 /reject 12 理由",
    "assign": "指派给工作人员，如 /assign 12",
    "reclassify": "改分类，如 /reclassify 12 noise",
    "stats": "统计，如 /stats 30d",
    "export": "导出表格，如 /export 30d",
    "bind": "把本群绑定到楼栋，如 /bind 3号楼",
    "leader": "回复某人的消息，设为楼栋长",
    "staff": "回复某人的消息，设为工作人员（管理员）",
}
