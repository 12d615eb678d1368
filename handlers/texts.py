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
CARD_FOLLOWERS = "同一件事的邻居：另有 {count} 人"
CARD_TEXT = "内容：{text}"
CARD_MEDIA_PHOTO = "📷 附照片"
CARD_MEDIA_VOICE = "🎤 附语音"
CARD_REPORTER = "报事人：{name}"
CARD_STATUS = "状态：{status}"
CARD_RESOLVED_BY = "状态：已解决 ✅（{name}，{when}）"
CARD_NOTE = "说明：{note}"
BTN_RESOLVE = "✅ 已解决"
BTN_RECLASSIFY = "🏷 改分类"
BTN_CHANGE_CATEGORY = "改分类"
BTN_BACK = "↩ 返回"
UNKNOWN_BUILDING = "未知楼栋"
NO_TEXT = "（无文字）"

STATUS_NAMES = {"received": "已收到", "resolved": "已解决", "merged": "已合并"}

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
RESOLVED_NOTICE_NOTE = "#{number} 已解决 ✅\n说明：{note}"
RESOLVED_PRIVATE = "您报的事 #{number}（{snippet}）已解决 ✅"
RESOLVED_PRIVATE_NOTE = "您报的事 #{number}（{snippet}）已解决 ✅\n说明：{note}"
RESOLVE_DONE_TOAST = "#{number} 已标记为已解决"
RESOLVE_ALREADY = "#{number} 已经解决过了"
RESOLVE_USAGE = "用法：/resolve 编号 说明，例如 /resolve 12 电梯已修好"

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
