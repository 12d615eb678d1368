"""What the reports feature says to residents: receipts, questions, duplicates, categories."""

from __future__ import annotations

REPORT_ASK_TEXT = "请直接发文字、照片或语音，说说遇到了什么问题、在哪里。不想留名，就在开头写「匿名」。"
REPORT_ASK_GROUP = "好的，请直接发文字、照片或语音，说说是什么问题。"
REPORT_ASK_BUILDING = "这件事发生在哪栋楼？"
REPORT_NOUN = "报事"
REPORT_DRAFT_TEXT = "您刚才说：「{snippet}」"
REPORT_DRAFT_VOICE = "您刚才发了一段语音。"
REPORT_DRAFT_PHOTO = "您刚才发了一张照片。"
REPORT_BUILDING_UNKNOWN = "不清楚"
REPORT_CANCELLED = "好的，已取消。"
REPORT_EMPTY = "请写几个字说说是什么问题，比如：报事 3号楼电梯坏了"
REPORT_NEEDS_MEDIA_OR_TEXT = "请发文字、照片或语音告诉我是什么问题。"
REPORT_RECEIVED = (
    "已收到 ✅ 报事编号 #{number}\n分类：{category}\n我们已转给物业工作人员，处理好了会第一时间告诉您。"
)
REPORT_RECEIVED_URGENT = "已收到 🚨 报事编号 #{number}\n{reason}，这件事很紧急，已立即通知物业工作人员。"
REPORT_RECEIVED_UNSORTED = "已收到 ✅ 报事编号 #{number}\n我们已转给物业工作人员，处理好了会第一时间告诉您。"
# A voice note or a photo filed alone: the reporter may sort it with big buttons, or leave it to staff.
MEDIA_VOICE = "语音"
MEDIA_PHOTO = "照片"
MEDIA_GOT = "已收到您的{media}。"
MEDIA_RECEIVED = "已收到您的{media} ✅ 报事编号 #{number}"
MEDIA_ASK_CATEGORY = "是哪一类问题？点一下就行。\n不清楚也没关系，工作人员会{look}。"
MEDIA_LOOK = {"语音": "听一听", "照片": "看一看"}
MEDIA_LEFT_TO_STAFF = "好的，工作人员会{look}再分类。\n处理好了会告诉您。"
MEDIA_CATEGORY = "分类：{category}\n我们已转给物业工作人员，处理好了会告诉您。"
BTN_LEAVE_TO_STAFF = "不清楚，交给工作人员"
EMERGENCY_NUMBERS = "如有危险请先离开，马上拨打 火警 119、急救 120、报警 110。"
# Several receipts that waited for a busy group, sent as one message.
REPORTS_RECEIVED = "已收到 {numbers}，我们会尽快处理"
REPORTS_RECEIVED_JOINER = "、"
REPORT_ASK_CATEGORY = "已收到 ✅ 报事编号 #{number}\n请帮忙选一下，这是哪一类问题？"
DUPLICATE_FOUND = "邻居已经报过 #{number}：「{snippet}」（{age}）\n是同一件事吗？"
BTN_JOIN = "加入关注"
BTN_NOT_DUPLICATE = "不是同一件事"
JOINED = "好的，已加入 #{number} 的关注，有进展会同时通知您 ✅"
GROUP_NOT_BOUND = "本群还没有绑定楼栋，暂时不能报事。请工作人员在群里发送：/bind 3号楼"
BTN_CHANGE_CATEGORY = "改分类"
# Anonymity
ANONYMOUS_SET = "（匿名报事：群里和工作群都不会显示您的名字）"
ANONYMOUS_TOO_LATE = "匿名要在报事时选：发「报事 匿名 问题」，或私聊我报事。这件报事已按原样转给工作人员。"
ANONYMOUS_DELETED = "您的原消息已从群里删除。匿名报事最好私聊我，点下面的按钮就能打开。"
ANONYMOUS_NOT_DELETED = (
    "我没有删除群消息的权限，请您自己删除刚才那条消息。匿名报事最好私聊我，点下面的按钮就能打开。"
)
BTN_OPEN_PRIVATE = "私聊我报事"
BTN_WITHDRAW = "撤回"
WITHDRAWN = "#{number} 已撤回，不会再处理。"
WITHDRAW_TOO_LATE = "工作人员已经在处理这件事了，不能撤回。"
BTN_OTHER_BUILDINGS = "其他楼栋"
BTN_FILE_SECOND = "另报一件：{category}"
SECOND_ALREADY_FILED = "这件事已经另外报过了。"
ANONYMOUS_PREFIX = "匿名"
# Sorting
CHOOSE_CATEGORY = "请选择正确的分类："
CATEGORY_SET_TOAST = "已改为「{category}」"
ONLY_REPORTER = "只有报事人或工作人员可以改分类。"
CATEGORY_LOCKED = "已经由工作人员处理，分类不能再改"
ONLY_THE_REPORTER = "只有报事人可以选择。"
RECLASSIFY_USAGE = "用法：/reclassify 编号 分类，例如 /reclassify 12 noise\n分类：{choices}"
RECLASSIFY_DONE = "#{number} 已改为「{category}」"
UNKNOWN_CATEGORY = "没有「{given}」这个分类。可选：{choices}"

# What residents type: the words that start a report in a group, and how buildings are named.
REPORT_PREFIXES = ("#报事", "＃报事", "报事")
BUILDING_SUFFIXES = ("号楼", "栋", "幢", "座")

# Descriptions in Telegram's command menu (setMyCommands).
CMD_REPORT = "报事：说说遇到了什么问题"
CMD_RECLASSIFY = "改分类，如 /reclassify 12 noise"
