"""User-facing strings shared by every feature: the main menu, refusals, time and states."""

from __future__ import annotations

# Main menu: the persistent large-button keyboard in private chats, at most two a row. A label is matched
# without its emoji, so a keyboard from before the emoji (我要报事) and a typed 帮助 still work.
BTN_REPORT = "📝 我要报事"
BTN_MY_TICKETS = "📋 我的报事"
BTN_POINTS = "💰 我的积分"
BTN_POLLS = "🗳 投票"
BTN_NOTICES = "📢 通知"
BTN_GRID = "📞 找网格员"
BTN_HELP = "❓ 帮助"
BTN_ELDER = "👓 长辈模式"
MENU_ROWS = (
    (BTN_REPORT, BTN_MY_TICKETS),
    (BTN_POINTS, BTN_POLLS),
    (BTN_NOTICES, BTN_GRID),
    (BTN_HELP, BTN_ELDER),
)
# 长辈模式: four buttons, one a row, full height.
BTN_ELDER_REPORT = "📝 报事"
BTN_ELDER_GRID = "📞 找人帮忙"
BTN_ELDER_POINTS = "💰 积分"
BTN_ELDER_HELP = "❓ 帮助"
ELDER_ROWS = ((BTN_ELDER_REPORT,), (BTN_ELDER_GRID,), (BTN_ELDER_POINTS,), (BTN_ELDER_HELP,))
BTN_MAIN_MENU = "🏠 返回主菜单"
# Opens the private chat on 报事 (t.me deep link).
REPORT_LINK = "https://t.me/{bot}?start=report"
BTN_CANCEL = "取消"
BTN_PRIVATE_NOTICES = "私聊提醒"
# A flow left for the menu, offered again.
RESUME_OFFER = "您刚才的{noun}还没发完，继续吗？"
BTN_RESUME = "继续"
BTN_DROP = "不要了"
DROPPED = "好的，不要了。"
MAIN_MENU_SHOWN = "好的，请点下面的按钮。"
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
    "withdrawn": "已撤回",
}
RATING_NAMES = {"satisfied": "😊 满意", "neutral": "😐 一般", "unsatisfied": "😞 不满意"}
ANONYMOUS = "匿名"
SYSTEM_ACTOR = "系统"
ALREADY_DECIDED = "这件事已经处理过了。"
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
INTERNAL_ERROR = "出了点问题，请稍后再试。"
MENU_BACK = "还有别的事，点下面的按钮就行。"
RATING_WORDS = {"satisfied": "满意", "neutral": "一般", "unsatisfied": "不满意"}

# A person the bot knows only by id.
USER_FALLBACK = "用户{id}"

# What makes an urgent report urgent, said plainly: (a word the urgency rules matched contains, the reason,
# whether life or fire is at stake so the emergency numbers belong in the answer). First match wins.
URGENT_REASONS = (
    ("困", "有人被困", True),
    ("卡住", "有人被困", True),
    ("卡在", "有人被困", True),
    ("出不来", "有人被困", True),
    ("夹人", "有人被夹", True),
    ("燃气", "燃气泄漏", True),
    ("煤气", "燃气泄漏", True),
    ("天然气", "燃气泄漏", True),
    ("液化", "燃气泄漏", True),
    ("漏气", "燃气泄漏", True),
    ("嘶", "燃气泄漏", True),
    ("一氧化碳", "一氧化碳中毒风险", True),
    ("水管", "水管爆裂", False),
    ("爆管", "水管爆裂", False),
    ("喷水", "水管爆裂", False),
    ("水漫", "大量进水", False),
    ("漫金山", "大量进水", False),
    ("淹", "大量进水", False),
    ("火", "起火冒烟", True),
    ("烟", "起火冒烟", True),
    ("焦", "起火冒烟", True),
    ("糊", "起火冒烟", True),
    ("着", "起火冒烟", True),
    ("爆", "爆炸危险", True),
    ("鼓包", "电池鼓包起火风险", True),
    ("触电", "有人触电", True),
    ("麻手", "漏电危险", True),
    ("漏电", "漏电危险", True),
    ("带电", "漏电危险", True),
    ("短路", "漏电危险", True),
    ("电线", "电线外露", True),
    ("线头", "电线外露", True),
    ("裸露", "电线外露", True),
    ("露在外面", "电线外露", True),
    ("溺水", "有人溺水", True),
    ("落水", "有人落水", True),
    ("跳楼", "有人有轻生危险", True),
    ("自杀", "有人有轻生危险", True),
    ("轻生", "有人有轻生危险", True),
    ("走失", "有人走失", True),
    ("走丢", "有人走失", True),
    ("呼吸", "有人呼吸困难", True),
    ("喘不上气", "有人呼吸困难", True),
    ("心脏", "有人突发疾病", True),
    ("晕", "有人晕倒", True),
    ("昏迷", "有人昏迷", True),
    ("不省人事", "有人昏迷", True),
    ("叫不醒", "有人昏迷", True),
    ("休克", "有人休克", True),
    ("倒地", "有人倒地", True),
    ("倒在地上", "有人倒地", True),
    ("摔", "有人摔倒受伤", True),
    ("血", "有人受伤", True),
    ("伤", "有人受伤", True),
    ("咬", "动物伤人", True),
    ("疯狗", "动物伤人", True),
    ("救命", "有人呼救", True),
    ("快来人", "有人呼救", True),
    ("救护车", "需要急救", True),
    ("120", "需要急救", True),
    ("119", "起火冒烟", True),
    ("塌", "有倒塌危险", True),
    ("抛物", "高空抛物", True),
    ("扔", "高空抛物", True),
    ("丢下", "高空抛物", True),
    ("泼", "高空抛物", True),
    ("坠", "高空坠物风险", True),
    ("掉", "高空坠物风险", True),
    ("砸", "高空坠物风险", True),
    ("晃", "高空坠物风险", True),
    ("歪", "高空坠物风险", True),
    ("脱落", "高空坠物风险", True),
    ("悬空", "高空坠物风险", True),
    ("广告牌", "高空坠物风险", True),
)
