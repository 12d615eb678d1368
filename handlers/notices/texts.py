"""What the notices feature says."""

from __future__ import annotations

CMD_NOTICE = "发通知：/notice 全部 | 内容，或 /notice 3号楼 5号楼 | 内容"
CMD_ACKS = "通知收到情况：/acks 或 /acks 编号"
CMD_NOTICES = "最近的通知（可撤回）：/notices"

DENY_NOTICE = "只有工作人员可以发通知。"
DENY_ACKS = "只有工作人员和楼栋长可以查看收到情况。"
PRIVATE_ONLY = "请私聊我使用这个命令。"

# --- composing: /notice [置顶] [不要回执] 目标 | 内容
SEPARATORS = ("|", "｜")
WORD_PIN = "置顶"
WORDS_NO_ACK = ("不要回执", "无需收到", "不要收到", "无需回执")
WORDS_ALL = ("全部", "所有", "全小区")
WORDS_LEADERS = ("楼栋长", "只发楼栋长")
BUILDING_SUFFIX = "号楼"
USAGE = (
    "用法：/notice 全部 | 通知内容\n"
    "或：/notice 3号楼 5号楼 | 通知内容（只发这几栋楼的群）\n"
    "或：/notice 楼栋长 | 通知内容（只私信楼栋长）\n"
    "前面可加「置顶」（在每个群置顶）或「不要回执」（不带「收到」按钮），如 /notice 置顶 全部 | …\n"
    "前面加「定时 明天 8:00」就到时再发，如 /notice 定时 12-03 08:30 全部 | …\n"
    "要带照片，把这一行写在照片的说明里发来。\n"
    "只发 /notice 就一步一步来。"
)
UNKNOWN_BUILDING = "没有找到楼栋：{names}"
TEXT_TOO_LONG = "通知内容太长了，请控制在 {limit} 字以内。"
NO_TARGETS = "没有可以发送的群（楼栋还没有绑定群，或楼栋长还没有私聊过我）。"

# --- the guided flow
ASK_TEXT = "请发来通知的内容（文字）。"
# A notice left for the menu and taken up again.
NOTICE_NOUN = "通知"
DRAFT_SO_FAR = "您刚才写的通知：{text}"
TEXT_ONLY = "请先发来通知的文字，照片或文件下一步再发。"
ASK_TARGETS = "发给谁？可以点「全部」，或选几栋楼后点「下一步」，或「只发楼栋长」。"
BTN_ALL = "全部"
BTN_LEADERS = "只发楼栋长"
BTN_NEXT = "下一步"
BUILDING_CHOSEN = "✅ {name}"
CHOOSE_ONE = "请至少选一栋楼"
ASK_OPTIONS = "选项（点一下切换），好了点「预览」："
BTN_PIN_ON = "置顶：是"
BTN_PIN_OFF = "置顶：否"
BTN_ACK_ON = "要求点「收到」：是"
BTN_ACK_OFF = "要求点「收到」：否"
BTN_PREVIEW = "预览"
BTN_CANCEL = "取消"
CANCELLED = "已取消，通知没有发出。"
STALE = "这一步已经过去了，请重新发 /notice。"
USE_BUTTONS = "请点上面的按钮选择，或点「取消」。"

# --- the preview
PREVIEW = "预览（居民看到的样子）：\n\n{message}\n\n——\n{where}{options}"
WHERE_GROUPS = "将发到 {n} 个群"
WHERE_LEADERS = "将私信 {n} 位楼栋长"
OPTION_PIN = " · 置顶"
OPTION_NO_ACK = " · 不要求回执"
PREVIEW_PAID = "\n付费广播（更快送达）：预计花费 {stars} 星"  # LINLI_PAID_BROADCAST: 0.1 Star a copy
BTN_CONFIRM = "确认发送"

# --- the notice as residents see it
MESSAGE = "📢 物业通知\n\n{text}"
MESSAGE_ACK = "\n\n看到请点下面的「收到」。"
BTN_ACK = "收到"

# --- progress and summary
PROGRESS = "通知 #{number}：已发送 {sent}/{total} · 失败 {failed} · 预计还需 {seconds} 秒"
SUMMARY = "✅ 通知 #{number} 发送完毕：已发送 {sent}/{total} · 失败 {failed}"
SUMMARY_FAILED = "\n没有送到的群（机器人已被移出或被拒绝，已标为不活跃）：\n{chats}"
SUMMARY_LINE = "· {title}"
SUMMARY_ACKS = "\n查看收到情况：/acks {number}"

# --- acks
ACK_THANKS = "已确认收到，谢谢"
ACK_GONE = "这条通知已撤回。"
ACKS_NONE = "还没有通知。"
ACKS_NOT_FOUND = "没有找到通知 #{number}。"
ACKS_NOT_YOURS = "通知 #{number} 没有发到您的楼栋。"
ACKS_NO_ACK = "通知 #{number} 没有要求回执。"
ACKS_TITLE = "通知 #{number} 收到情况（{snippet}）："
ACKS_BUILDING = "{building}：已收到 {n} 人"
ACKS_MISSING = "  未确认：{names}"
ACKS_ALL_DONE = "  认识的人都已确认"
ACKS_MORE = "等 {n} 人"
NAME_SEPARATOR = "、"
BTN_REMIND = "再提醒"
REMIND_TOO_SOON = "一小时内已经提醒过了，请稍后再试。"
REMIND_SENT = "已私信提醒 {n} 人。"
REMIND_NOBODY = "没有可以私信提醒的人（他们还没有私聊过我）。"
REMINDER = "提醒：请看一下这条物业通知，看到后点「收到」。\n\n{message}"

# --- /notices and withdrawing
NOTICES_NONE = "还没有发过通知。"
NOTICES_TITLE = "最近的通知："
NOTICES_LINE = "#{number} {when} {snippet}\n  {where} · 已发送 {sent}/{total} · 收到 {acks} 人{status}"
STATUS_SENDING = " · 发送中"
STATUS_WITHDRAWN = " · 已撤回"
WHERE_ALL = "全部"
WHERE_LEADERS_SHORT = "楼栋长"
BTN_WITHDRAW = "撤回 #{number}"
CONFIRM_WITHDRAW = "确定撤回通知 #{number}（{snippet}）？已发出的会从每个群里删掉，没发出的不再发。"
BTN_CONFIRM_WITHDRAW = "确认撤回"
BTN_KEEP = "不撤回"
KEPT = "好的，通知 #{number} 没有撤回。"
WITHDRAWN = "通知 #{number} 已撤回：删除 {deleted} 条，取消未发出的 {cancelled} 条。"
ALREADY_WITHDRAWN = "通知 #{number} 已经撤回过了。"

# --- the 📢 通知 menu button, for residents
MENU_TITLE = "最近的通知："
MENU_LINE = "{i}. {when} {snippet}"
MENU_NONE = "最近没有通知，有新通知会发到楼栋群里。"
MENU_NO_BUILDING = "还不知道您住哪栋楼，所以看不到楼栋的通知。\n在楼栋群里说句话，我就知道了。"
MENU_ACK_HINT = "看过的请点「收到」。"
BTN_ACK_ONE = "收到 第{i}条"
MEDIA_MARK = {"photo": "🖼", "document": "📎"}

# --- a photo or a file with the notice
ASK_MEDIA = "可以再发一张照片或一个文件，不需要就点「跳过」。"
BTN_SKIP = "跳过"
WORDS_SKIP = ("跳过", "不需要", "不用")
MEDIA_ONLY = "请发一张照片或一个文件，不需要就点「跳过」。"
CAPTION_TOO_LONG = "带照片或文件时，文字最多 {limit} 字。请点「跳过」，或重新发 /notice。"
OPTION_PHOTO = " · 附照片"
OPTION_DOCUMENT = " · 附文件"

# --- 定时发送
WORD_LATER = "定时"
BTN_LATER = "⏰ 定时发送"
BTN_LATER_SET = "⏰ {when} 发送"
BTN_NOW = "改为立即发送"
ASK_WHEN = "几点发？如「明天 8:00」「12-03 08:30」或「8:00」。"
WHEN_UNCLEAR = "没看懂这个时间，请写成「明天 8:00」「12-03 08:30」或「8:00」。"
WHEN_PAST = "这个时间已经过去了，请写一个以后的时间。"
WHEN_TOO_FAR = "最多只能定在一年以内。"
PREVIEW_WHEN = "\n定时：{when} 发出"
SCHEDULED = "⏰ 通知 #{number} 已定好，{when} 发出。\n发出后这里会显示进度，发出前可用 /notices 取消。"
# The words of a time: 今天 / 明天 / 后天, 12月3日, 8点半, 8点30分.
DAY_WORDS = {"今天": 0, "明天": 1, "后天": 2}
MONTH_MARK = "月"
DAY_MARKS = ("日", "号")
HOUR_HALF = "点半"
HOUR_MARK = "点"
MINUTE_MARK = "分"
COLON_WIDE = "："

# --- building leaders (LINLI_LEADER_NOTICES)
LEADER_OWN_ONLY = "楼栋长只能给自己的楼栋发通知。"
LEADER_USAGE = "用法：/notice 通知内容（发到本楼的群）\n只发 /notice 就一步一步来。"

# --- /notices: scheduled ones
NOTICES_LINE_SCHEDULED = "#{number} 待发送 {when} {snippet}\n  {where}"
BTN_CANCEL_SCHEDULED = "取消 #{number}"
CONFIRM_CANCEL_SCHEDULED = "确定取消定时通知 #{number}（{snippet}）？它还没有发出。"
CANCELLED_SCHEDULED = "定时通知 #{number} 已取消，不会发出。"
NOT_YOUR_NOTICE = "这条通知不是您发的。"
ACKS_SCHEDULED = "通知 #{number} 还没有发出（定时 {when}）。"
