"""What the polls feature says."""

from __future__ import annotations

CMD_POLL = "发起投票：/poll 问题 | 选项1 | 选项2 | 3天"
CMD_ENDPOLL = "结束投票：/endpoll 编号"
CMD_POLL_EXPORT = "实名投票的投票人表格：/poll_export 编号"
CMD_POLL_VOTES = "实名投票谁投了什么：/poll_votes 编号"

# Leading words of /poll, and durations as people write them.
WORD_ANONYMOUS = "匿名"
WORD_MULTIPLE = "多选"
DURATION_PATTERN = r"^(\d{1,3})\s*(小时|个小时|天|周|星期|h|d|w)$"
DURATION_UNITS = {
    "小时": 3600,
    "个小时": 3600,
    "h": 3600,
    "天": 86400,
    "d": 86400,
    "周": 604800,
    "星期": 604800,
    "w": 604800,
}
OPTION_SEPARATORS = ("|", "｜")

# --- launching
USAGE = (
    "用法：/poll 问题 | 选项1 | 选项2 | … | 3天\n"
    "例如：/poll 周六大扫除几点开始？ | 上午9点 | 下午2点 | 2天\n"
    "前面加「匿名」就是匿名投票，加「多选」或「多选2」可以多选；时长可写 2小时、3天、1周（默认 3 天）。\n"
    "也可以私聊我点「投票」→「发起投票」，一步一步来。"
)
WHO_MAY_LAUNCH = "只有楼栋长（在本楼栋群里）和工作人员可以发起投票。"
NOT_BOUND = "本群还没有绑定楼栋，不能在这里发起投票。"
TOO_FEW_OPTIONS = "至少要两个选项，最多十个。"
BAD_DURATION = "投票时长要在 1 小时到 30 天之间，例如 2小时、3天、1周。"
QUESTION_TOO_LONG = "问题太长了，请控制在 200 字以内。"
OPTION_TOO_LONG = "每个选项请控制在 40 字以内。"
SAME_OPTIONS = "有两个选项是一样的。"
MULTI_TOO_MANY = "多选的数目不能超过选项数。"
LAUNCHED_ELSEWHERE = "投票 #{number} 已发到 {building}的群里。"
NO_GROUP = "{building}还没有绑定的群，投票发不出去。"
CHOOSE_BUILDING = "发到哪个楼栋的群？"

# --- the poll message
TITLE = "🗳 投票 #{number}：{question}"
ANONYMOUS_NOTE = "🔒 匿名投票：谁投了什么，任何人（包括工作人员）都看不到"
NAMED_NOTE = "实名投票：发起人和工作人员能看到谁投了什么"
SINGLE_NOTE = "单选，再点一次可撤回"
MULTI_NOTE = "可多选（最多 {n} 项），再点一次可撤回"
OPTION_LINE = "{option}\n{bar} {votes} 票 {percent}%"
TURNOUT_LINE = "已有 {voters} 人投票 · {closes} 截止"
CLOSED_LINE = "已结束 · 共 {voters} 人投票"
BUTTON = "{option} · {votes}"
BAR_FULL = "█"
BAR_EMPTY = "░"

# --- voting
VOTED = "已投：{option}"
WITHDRAWN = "已撤回：{option}"
TOO_MANY = "最多选 {n} 项，先点一个已选的撤回再选。"
CLOSED = "这个投票已经结束了。"
NOT_ELIGIBLE = "这是{building}的投票，只有本楼栋的居民可以投。"
POLL_GONE = "找不到这个投票。"

# --- closing
ENDPOLL_USAGE = "用法：/endpoll 编号（在群里只发 /endpoll 就结束本群最新的投票）"
ENDPOLL_NONE = "本群没有进行中的投票。"
ENDPOLL_DENIED = "只有发起人和工作人员可以结束投票 #{number}。"
ENDPOLL_ALREADY = "投票 #{number} 已经结束了。"
ENDPOLL_DONE = "投票 #{number} 已结束，结果已发到群里。"
RESULTS_TITLE = "📊 投票 #{number} 结果：{question}"
RESULT_LINE = "{option}：{votes} 票（{percent}%）"
RESULT_TURNOUT = "参与：{voters} 人 / 可投票 {eligible} 人（{percent}%）"
RESULT_WINNER = "结果：「{option}」票数最多"
RESULT_TIE = "结果：平票（{options}）"
RESULT_NONE = "结果：没有人投票"
LIST_SEPARATOR = "、"

# --- reminders
REMINDER = "⏰ 投票 #{number} 还有 {left}截止：{question}\n已有 {voters} / {eligible} 人投票"
LEFT_DAYS = "{n} 天"
LEFT_HOURS = "{n} 小时"
BTN_REMIND = "提醒未投票的人"
REMIND_DENIED = "只有发起人和工作人员可以发提醒。"
REMIND_SENT = "已私聊提醒 {n} 位还没投票的居民。"
REMIND_TOO_SOON = "一小时内已经提醒过了，请稍后再提醒。"
REMIND_NOBODY = "没有可以私聊提醒的人（大家都投了，或还没私聊过我）。"
PRIVATE_REMINDER = "⏰ {building}的投票 #{number} 还有 {left}截止：{question}\n在群里点选项就能投票。"

# --- who chose what (named polls)
VOTES_TITLE = "投票 #{number}（实名）谁投了什么："
VOTES_ROW = "· {name}：{options}"
VOTES_NONE = "还没有人投票。"
VOTES_ANONYMOUS = "投票 #{number} 是匿名投票，谁投了什么任何人都看不到。"
VOTES_DENIED = "只有发起人和工作人员可以查看投票 #{number} 的投票人。"
VOTES_SENT_PRIVATELY = "已私信发给您。"
EXPORT_FILENAME = "poll-{number}.xlsx"
EXPORT_CAPTION = "投票 #{number}：{question}"
EXPORT_HEADERS = ("居民", "用户ID", "选项", "投票时间")
EXPORT_SHEET = "投票人"

# --- the private menu
NO_OPEN_POLLS = "{building}现在没有进行中的投票。"
NO_BUILDING = "还不知道您住哪个楼栋：在楼栋群里说过话以后，这里就能看到本楼栋的投票。"
BTN_NEW_POLL = "发起投票"
OPEN_POLLS = "进行中的投票（点选项就能投）："

# --- the guided flow
ASK_QUESTION = "要问大家什么？请发一句话，例如：周六大扫除几点开始？"
ASK_OPTION = "请发第 {n} 个选项。"
ASK_MORE_OPTIONS = "已有 {n} 个选项。再发一个，或点「选项填好了」。"
BTN_OPTIONS_DONE = "选项填好了"
ASK_KIND = "只能选一个，还是可以选多个？"
BTN_SINGLE = "单选"
BTN_MULTI = "多选"
ASK_NAMED = "实名还是匿名？"
BTN_NAMED = "实名"
BTN_ANONYMOUS = "匿名"
ASK_DURATION = "投票开多久？"
DURATION_CHOICES = (("2小时", 7200), ("1天", 86400), ("3天", 259200), ("1周", 604800))
PREVIEW = "请确认：\n{question}\n{options}\n{kind} · {named} · {duration}后截止 · 发到{building}"
PREVIEW_OPTION = "· {option}"
BTN_CONFIRM = "✅ 确认发布"
BTN_CANCEL = "取消"
# A guided poll left for the menu and taken up again.
POLL_NOUN = "投票"
DRAFT_SO_FAR = "您刚才写的投票：{question}"
FLOW_CANCELLED = "好的，不发了。"
FLOW_STALE = "这一步已经过去了，请重新点「发起投票」。"
DURATION_HOURS = "{n} 小时"
DURATION_DAYS = "{n} 天"
