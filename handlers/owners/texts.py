"""What the owners' vote (业主表决) says. Plain words: many owners are elderly."""

from __future__ import annotations

CMD_ROLL = "导入业主名单：/roll 3号楼（私聊）"
CMD_ROLL_CODES = "查看认领码：/roll_codes 3号楼（私聊）"
CMD_CLAIM = "认领房屋：/claim 认领码（私聊）"
CMD_OWNER_VOTE = "发起业主表决：/owner_vote 3号楼 改建 加装电梯 | 问题 | 7天"
CMD_PAPER = "登记纸质/委托/上门选票：/paper 编号 1-502 同意 纸质"
CMD_OWNER_STATUS = "业主表决目前情况：/owner_status 编号"
CMD_NOT_VOTED = "还没投票的住户：/not_voted 编号"
CMD_END_OWNER_VOTE = "结束业主表决：/end_owner_vote 编号"

# --- words people type
WORD_COMPOUND = "全小区"  # a vote of every household on every building's roll
SEPARATORS = ("|", "｜")
CELL_SEPARATORS = ("\t", "，", ",")
AREA_SUFFIXES = ("平方米", "平米", "㎡", "m²", "m2", "平")
BTN_DONE = "完成"
# Matter codes in /owner_vote → the stored matter.
MATTER_WORDS = {
    "一般": "ordinary",
    "普通": "ordinary",
    "维修资金": "fund",
    "筹集维修资金": "fund",
    "筹集": "fund",
    "改建": "rebuild",
    "重建": "rebuild",
    "共有部分": "common",
    "经营": "common",
}
# Without a code, words in the title or question that make it a three-quarters matter (the stricter rule).
MATTER_HINTS = (
    ("fund", ("筹集维修资金", "续筹", "补缴维修资金", "筹集")),
    ("rebuild", ("加装电梯", "电梯", "改建", "重建", "翻建")),
    ("common", ("共有部分", "经营", "出租", "广告")),
)
MATTER_NAMES = {
    "ordinary": "一般事项",
    "fund": "筹集维修资金",
    "rebuild": "改建、重建（如加装电梯）",
    "common": "改变共有部分用途或利用共有部分经营",
}
CHOICE_WORDS = {"同意": "yes", "反对": "no", "弃权": "abstain"}
CHOICE_NAMES = {"yes": "同意", "no": "反对", "abstain": "弃权"}
METHOD_WORDS = {"纸质": "paper", "委托": "proxy", "上门": "door"}
METHOD_NAMES = {"button": "本人投票", "paper": "纸质", "proxy": "委托", "door": "上门"}

# --- the roll
ROLL_USAGE = (
    "用法：私聊我发 /roll 3号楼，然后把名单粘贴发给我；"
    "或者直接发 Excel（.xlsx）、CSV 文件，说明里写 /roll 3号楼。\n"
    "每行一户：单元,房号,面积,业主姓名,Telegram ID（不知道可以不写）\n"
    "例如：1,502,89.50,张三"
)
ROLL_PRIVATE_ONLY = "业主名单有姓名和认领码，请私聊我发 /roll 3号楼。"
ROLL_ASK = (
    "请把 {building} 的业主名单粘贴发给我，每行一户：\n"
    "单元,房号,面积,业主姓名,Telegram ID（不知道可以不写）\n"
    "例如：1,502,89.50,张三\n"
    "可以从 Excel 里选中几行复制，直接粘贴；也可以把 Excel（.xlsx）或 CSV 文件直接发给我（第一张表，2MB 以内）。\n"
    "可以分几次发，发完了点「完成」。\n"
    "一户有几位共有人，就在姓名里写在一起（如 张三、李四），算一票。"
)
ROLL_FILE_TYPE = (
    "这个文件我读不了：请发 Excel（.xlsx）或 CSV 文件，旧的 .xls 请在 Excel 里另存为 .xlsx 再发。"
)
ROLL_FILE_TOO_BIG = "文件太大了（最多 2MB），请只留名单那一张表再发，或分几个文件发。"
ROLL_FILE_WHICH = (
    "这是哪栋楼的名单？请再发一次这个文件，在说明里写 /roll 3号楼；或者先发 /roll 3号楼 再发文件。"
)
ROLL_FILE_MISSING = "文件没收到，请再发一次。"
ROLL_FILE_UNREADABLE = "这个文件打不开，请在 Excel 里另存为 .xlsx 或 CSV（UTF-8）再发。"
ROLL_PROBLEMS = "这一批没有导入，请改好再发：\n{problems}"
ROLL_PROBLEM_LINE = "第 {line} 行：{problem}"
ROLL_MORE_PROBLEMS = "……还有 {n} 处"
ROLL_TOO_FEW = "要有 单元、房号、面积、业主姓名 四项，用逗号隔开"
ROLL_NO_UNIT = "单元或房号是空的"
ROLL_TOO_LONG = "单元、房号最多 16 个字，姓名最多 64 个字"
ROLL_BAD_AREA = "面积「{area}」不对，要写数字，最多两位小数，如 89.50"
ROLL_NO_NAME = "没有业主姓名"
ROLL_BAD_ID = "Telegram ID「{id}」要写数字"
ROLL_TWICE = "{label} 在这一批里出现了两次"
ROLL_EMPTY = "没有看到名单。每行一户，例如：1,502,89.50,张三"
ROLL_IMPORTED = (
    "已导入 {building}：新增 {added} 户，更新 {updated} 户，没变 {unchanged} 户。\n"
    "现在共 {households} 户，总面积 {area}㎡。继续粘贴，或点「完成」。"
)
ROLL_SAVED = (
    "{building} 的名单已保存：共 {households} 户，业主 {owners} 人，总面积 {area}㎡。\n"
    "发 /roll_codes {building} 查看每户的认领码，请交给业主本人。"
)
ROLL_NOTHING = "{building} 还没有名单。"

# --- claim codes
CODES_PRIVATE_ONLY = "认领码不能发在群里，请私聊我发 /roll_codes 3号楼。"
CODES_USAGE = "用法：/roll_codes 3号楼"
CODES_TITLE = "{building} 还没认领的住户和认领码（请分别交给业主本人，每个码只能用一次）："
CODES_LINE = "· {label} {owner}：{code}"
CODES_NONE = "{building} 的住户都已认领了。"
UNKNOWN_ROLL = "找不到「{building}」的业主名单，请先用 /roll {building} 导入。"

# --- claiming
CLAIM_USAGE = "用法：私聊我发 /claim 认领码，例如 /claim 12345678。认领码找物业要。"
CLAIM_PRIVATE_ONLY = "认领码请私聊发给我，不要发在群里。"
CLAIM_WRONG = "这个认领码不对，或者已经用过了。请核对后再发，或找物业。"
CLAIM_DONE = (
    "认领成功 ✅ {building} {label}，面积 {area}㎡，业主 {owner}。\n"
    "以后有业主表决时，点「同意」「反对」「弃权」就能为这户投票。"
)

# --- launching
VOTE_USAGE = (
    "用法：/owner_vote 楼栋 类型 标题 | 要表决的问题 | 7天\n"
    "例如：/owner_vote 3号楼 改建 加装电梯 | 是否同意在3号楼加装电梯？ | 7天\n"
    "楼栋写「全小区」就是全体业主表决。\n"
    "类型：一般（过半数同意）、维修资金（筹集维修资金）、改建（改建、重建，如加装电梯）、"
    "共有部分（改变用途或用来经营），后三种要四分之三同意。使用维修资金属于一般。"
)
VOTE_NO_TITLE = "请写上表决的标题，例如：加装电梯"
VOTE_TITLE_TOO_LONG = "标题请控制在 64 字以内，问题在 300 字以内。"
VOTE_BAD_DURATION = "表决时长要在 1 小时到 90 天之间，例如 7天、2周。"
VOTE_LAUNCHED = (
    "已发起业主表决 #{number}「{title}」\n"
    "类型：{matter}\n"
    "已发到 {groups} 个群，另私聊通知了 {owners} 位已认领的业主。"
)
VOTE_MATTER_GUESSED = (
    "没写类型，按标题和问题里的词定为「{matter}」。如果不对，请马上 /end_owner_vote {number} 结束，"
    "再重发并写明类型：一般、维修资金、改建、共有部分。"
)
VOTE_NO_GROUP_NOTE = "{building} 还没有绑定的群，只能私聊投票或登记纸质选票。"

# --- the vote message
VOTE_TITLE = "🗳 业主表决 #{number}：{title}"
VOTE_SCOPE = "范围：{scope}，共 {households} 户，业主 {owners} 人，总面积 {area}㎡"
VOTE_MATTER = "类型：{matter}"
VOTE_RULE_ORDINARY = "规则：参与的面积和人数都要达到三分之二；同意的面积和人数都要超过参与的一半。"
VOTE_RULE_SPECIAL = "规则：参与的面积和人数都要达到三分之二；同意的面积和人数都要达到参与的四分之三。"
VOTE_CLOSES = "截止：{closes}"
VOTE_HOW = (
    "每户一票，按房屋面积计算。只有认领了房屋的业主能投，截止前可以改。\n"
    "还没认领？私聊我发 /claim 认领码（认领码找物业要）。"
)
VOTE_ENDED = "🔒 已结束，{verdict}（票数和校验码请看结果那条消息）"
BTN_YES = "同意"
BTN_NO = "反对"
BTN_ABSTAIN = "弃权"

# --- voting
VOTED_ONE = "已记录：{choice}（{label}，{area}㎡）"
VOTED_MANY = "已记录：{choice}（{n} 户，共 {area}㎡）"
VOTED_SAME = "您已经投过：{choice}"
NOT_OWNER = "这次表决只有认领了房屋的业主能投。请私聊我发 /claim 认领码。"
VOTE_CLOSED = "这次业主表决已经结束了。"
VOTE_GONE = "找不到这次业主表决。"

# --- staff-entered ballots
PAPER_USAGE = (
    "用法：/paper 表决编号 房号 同意/反对/弃权 纸质/委托/上门 [备注]\n例如：/paper 1 1-502 同意 纸质"
)
PAPER_NO_HOUSEHOLD = "表决 #{number} 里没有房号 {label}。"
PAPER_AMBIGUOUS = "表决 #{number} 里有几户都是 {label}，请写上楼栋，例如 3号楼1-502。"
PAPER_DONE = "已登记 表决 #{number} {label}（{owner}）：{choice}，{method}。"
PAPER_TOLD = "已私聊告诉业主。"
PAPER_NOT_TOLD = "业主还没认领这户或没私聊过我，没能通知到。"
PAPER_NOTICE = (
    "📋 业主表决 #{number}「{title}」\n"
    "工作人员 {staff} 为您家 {building} {label} 登记了{method}选票：{choice}。\n"
    "如果不对，请马上联系物业。"
)

# --- figures (the live status and the result)
STATUS_HEAD = "📋 业主表决 #{number} 目前情况：{title}"
RESULT_HEAD = "📋 业主表决 #{number} 结果：{title}"
STATE_OPEN = "状态：进行中，{closes} 截止"
STATE_CLOSED = "状态：已结束（{closed}）"
TURNOUT_HEAD = "一、参与表决（要达到总数的三分之二）"
AGREE_HEAD_ORDINARY = "二、同意（要超过参与的一半）"
AGREE_HEAD_SPECIAL = "二、同意（要达到参与的四分之三）"
AREA_LINE = "面积：{part}㎡ / {whole}㎡（{percent}%），至少要 {need}㎡ {mark}"
OWNERS_LINE = "人数：{part} 人 / {whole} 人（{percent}%），至少要 {need} 人 {mark}"
MARK_OK = "✅ 达到"
MARK_NO = "❌ 没达到"
OTHERS_LINE = "反对：{no_area}㎡，{no_owners} 人；弃权：{abstain_area}㎡，{abstain_owners} 人"
HOUSEHOLDS_LINE = "已投票 {voted} 户 / 共 {households} 户"
VERDICT_PASSED = "结果：✅ 通过"
VERDICT_FAILED = "结果：❌ 未通过"
VERDICT_NOW_PASSED = "按目前的票数：✅ 能通过"
VERDICT_NOW_FAILED = "按目前的票数：❌ 还不能通过"
REASON = "原因：{reasons}。"
REASON_SEPARATOR = "；"
REASON_PASSED_ORDINARY = "参与的面积和人数都达到了三分之二，同意的面积和人数都超过了参与的一半"
REASON_PASSED_SPECIAL = "参与的面积和人数都达到了三分之二，同意的面积和人数都达到了参与的四分之三"
REASON_TURNOUT_AREA = "参与表决的面积不到总面积的三分之二"
REASON_TURNOUT_OWNERS = "参与表决的人数不到业主总人数的三分之二"
REASON_AGREE_AREA_ORDINARY = "同意的面积没有超过参与面积的一半"
REASON_AGREE_OWNERS_ORDINARY = "同意的人数没有超过参与人数的一半"
REASON_AGREE_AREA_SPECIAL = "同意的面积不到参与面积的四分之三"
REASON_AGREE_OWNERS_SPECIAL = "同意的人数不到参与人数的四分之三"
HASH_LINE = "校验码：{hash}"
HASH_HOW = "每一票都记了下来，改了任何一票，校验码就会变。想知道记录有没有被改过，可以请物业核对表决 #{number} 的校验码。"

# --- closing
END_USAGE = "用法：/end_owner_vote 编号"
END_ALREADY = "业主表决 #{number} 已经结束了。"
END_DONE = "业主表决 #{number} 已结束，结果已发出。"
STATUS_USAGE = "用法：/owner_status 编号"

# --- who has not voted
NOT_VOTED_USAGE = "用法：/not_voted 编号"
NOT_VOTED_DENIED = "只有工作人员和本楼栋的楼栋长可以查看还没投票的住户。"
NOT_VOTED_SENT = "已私信发给您。"
NOT_VOTED_OPEN_PRIVATE = "请先私聊我发 /start，我才能把名单私信发给您。"
NOT_VOTED_TITLE = "📋 业主表决 #{number}「{title}」还没投票的住户："
NOT_VOTED_BUILDING = "{building}：{n} 户"
NOT_VOTED_LINE = "· {label} {owner} {area}㎡ {linked}"
NOT_VOTED_LINKED = "（已认领，可私聊提醒）"
NOT_VOTED_UNLINKED = "（未认领，请上门或电话）"
NOT_VOTED_NONE = "📋 业主表决 #{number}「{title}」：所有住户都投票了。"
