"""What the numbers feature says: statistics, the weekly report, exports and charts."""

from __future__ import annotations

# Numbers for staff
STATS_USAGE = "用法：/stats [7d|30d]"
EXPORT_USAGE = "用法：/export [30d] [csv]"
EXPORT_CAPTION = "近 {days} 天的报事和处理记录，共 {count} 件"
EXPORT_BUILDING = "正在生成近 {days} 天的表格…"  # edited to EXPORT_READY when the file is sent
EXPORT_READY = "已生成近 {days} 天的表格，共 {count} 件 ✅"
WEEKLY_TITLE = "邻里周报 · {start} 至 {end}"
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

# Descriptions in Telegram's command menu (setMyCommands).
CMD_STATS = "统计，如 /stats 30d"
CMD_EXPORT = "导出表格，如 /export 30d"

# The /export spreadsheet: sheet names, column headers and the words in its cells.
EXPORT_TICKETS_SHEET = "报事"
EXPORT_HISTORY_SHEET = "处理记录"
EXPORT_COLUMN_NUMBER = "编号"
EXPORT_COLUMN_CREATED = "创建时间"
EXPORT_COLUMN_BUILDING = "楼栋"
EXPORT_COLUMN_LOCATION = "位置"
EXPORT_COLUMN_CATEGORY = "分类"
EXPORT_COLUMN_URGENT = "紧急"
EXPORT_COLUMN_STATUS = "状态"
EXPORT_COLUMN_REPORTER = "报事人"
EXPORT_COLUMN_ASSIGNEE = "负责人"
EXPORT_COLUMN_TEXT = "内容"
EXPORT_COLUMN_ACCEPTED = "受理时间"
EXPORT_COLUMN_RESOLVED = "解决时间"
EXPORT_COLUMN_RESOLUTION_NOTE = "处理说明"
EXPORT_COLUMN_REJECTION_REASON = "驳回理由"
EXPORT_COLUMN_RATING = "评价"
EXPORT_COLUMN_RATING_COMMENT = "评价说明"
EXPORT_COLUMN_TIME = "时间"  # history sheet
EXPORT_COLUMN_ACTOR = "操作人"
EXPORT_COLUMN_FROM = "从"
EXPORT_COLUMN_TO = "到"
EXPORT_COLUMN_NOTE = "说明"
EXPORT_COLUMN_HISTORY = "处理记录"  # the CSV's last column: the whole history in one cell
EXPORT_URGENT_YES = "是"
EXPORT_URGENT_NO = "否"
EXPORT_CREATED = "创建"  # the history step that has no state before it
EXPORT_HISTORY_ENTRY = "{when} {who} {change}"
EXPORT_HISTORY_CHANGE = "{from_}→{to}"
EXPORT_HISTORY_NOTE = "（{note}）"

# The weekly chart (charts.LABELS_EN is its English fallback for a machine without a Chinese font).
CHART_CATEGORIES = "各分类报事"
CHART_BUILDINGS = "各楼栋报事"
CHART_RESOLVE = "解决用时"
CHART_RESOLVE_MEDIANS = "中位受理 {accept}，中位解决 {resolve}"
CHART_SATISFACTION = "居民评价"
CHART_SATISFACTION_CENTRE = "满意率"
CHART_RATINGS_COUNT = "共 {n} 条评价"
CHART_SUBTITLE = "新报事 {total} 件，已解决 {resolved} 件，当前超时 {overdue} 件"
CHART_NO_DATA = "暂无数据"
CHART_NO_RATINGS = "暂无评价"
CHART_REST = "其余"
CHART_BUCKETS = (
    "2小时内",
    "2–8小时",
    "8–24小时",
    "1–3天",
    "3–7天",
    "7天以上",
)  # one per charts.RESOLVE_BUCKETS
CHART_TICKETS_AXIS = "件数"
