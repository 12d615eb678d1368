"""What the people feature says: greeting, help, roles and building binding."""

from __future__ import annotations

GREETING = (
    "{name}您好，我是邻里小助手 🏠\n"
    "楼里有什么问题，点「📝 我要报事」告诉我。\n"
    "我马上转给物业，处理好了再告诉您。\n"
    "下面的大按钮随时可以点。"
)
GREETING_ELDER = (
    "{name}您好，我是邻里小助手 🏠\n有事就点「📝 报事」，说话、拍照都行。\n想找人帮忙，点「📞 找人帮忙」。"
)
ELDER_OFFER = "字大一点、按钮少一点更方便？\n点下面的按钮，打开长辈模式。"
BTN_ELDER_ON = "👓 打开长辈模式"
BTN_ELDER_OFF = "退出长辈模式"
ELDER_ON = "已打开长辈模式 👓\n只留四个大按钮，一次只问一件事。\n想回到原来的菜单，点「❓ 帮助」。"
ELDER_OFF = "已回到原来的菜单。"
BTN_PRIVATE_NOTICES_ON = "🔔 打开私聊提醒"
BTN_PRIVATE_NOTICES_OFF = "🔕 关闭私聊提醒"
HELP_ELDER = (
    "怎么用：\n"
    "• 有事点「📝 报事」，然后说话、拍照或打字都行。\n"
    "• 想让网格员给您打电话，点「📞 找人帮忙」。\n"
    "• 点「💰 积分」看您攒了多少积分。\n"
    "• 做好事攒积分，积分能换奖励。"
)
HELP_RESIDENT = (
    "怎么用邻里小助手：\n"
    "• 在楼栋群里发「报事 + 问题」，比如：报事 3号楼电梯又坏了\n"
    "• 也可以在群里 @我 说问题，或发 /report 问题\n"
    "• 私聊我：点「📝 我要报事」，然后发文字、照片或语音。\n"
    "• 直接说问题也行，比如：我家厨房水管漏水了\n"
    "• 不想留名：私聊我报事，或在群里发「报事 匿名 问题」\n"
    "• 点「📋 我的报事」看处理进度\n"
    "• 在群里报的事，进展会回复在群里。\n"
    "• 想同时收到私聊提醒，在「❓ 帮助」下面打开。\n"
    "• 做好事攒积分换奖励：点「💰 我的积分」看积分和明细。\n"
    "• 发 /rank 看本月积分榜。\n"
    "• 大家的事大家商量着办：点「🗳 投票」参加投票。\n"
    "• 业主表决：先私聊我发 /claim 认领码，认领您的房子。\n"
    "• 认领码找物业要。表决时点「同意」「反对」或「弃权」。\n"
    "• 点「📢 通知」看您楼的通知，点「📞 找网格员」请网格员联系您。"
)
HELP_STAFF = (
    "\n\n工作人员命令：\n"
    "• /bind 3号楼 — 在楼栋群里发送，把本群绑定到楼栋\n"
    "• /resolve 12 说明 — 把 #12 标记为已解决\n"
    "• /reclassify 12 noise — 给 #12 改分类\n"
    "• /tickets [状态/楼栋/分类/紧急/超时/我的] — 报事列表；/ticket 12 — 详情和处理记录\n"
    "• /accept 12、/reject 12 理由、/assign 12 — 受理、驳回、指派\n"
    "• /stats [7d|30d] — 统计；/export [30d] [csv] — 导出表格\n"
    "• /leader — 回复某人的消息，设为楼栋长\n"
    "• /grid 3号楼 — 回复某人的消息，设为该楼网格员；/grid — 各楼网格员\n"
    "• /award 用户ID 分数 说明（或 2h、议事）— 给居民加积分；回复居民消息时可省略用户ID\n"
    "• /revoke 记录号 理由 — 收回一笔积分\n"
    "• /roll 3号楼 — 私聊导入业主名单；/roll_codes 3号楼 — 私聊查看认领码\n"
    "• /owner_vote 3号楼 改建 加装电梯 | 问题 | 7天 — 发起业主表决（类型：一般、维修资金、改建、共有部分）\n"
    "• /paper 1 1-502 同意 纸质 — 登记纸质、委托、上门选票；/not_voted 1 — 还没投票的住户；"
    "/end_owner_vote 1 — 结束表决\n"
    "• /poll 问题 | 选项1 | 选项2 | 3天 — 发起投票；/endpoll — 结束投票；/poll_votes 1 — 实名投票谁投了什么\n"
    "• /notice 全部 | 文字 — 私聊发通知（或 /notice 3号楼 5号楼 | 文字）；/acks — 收到情况；/notices — 最近的通知"
)
HELP_ADMIN = "\n• /staff — 回复某人的消息或 /staff 用户ID，设为工作人员\n• /points_review — 积分异常检查"
PRIVATE_NOTICES_ON = "已开启私聊提醒 🔔\n您在群里报的事有进展时，我也会私聊告诉您。"
PRIVATE_NOTICES_OFF = "已关闭私聊提醒 🔕\n您在群里报的事有进展时，我只在群里回复您。"
# Roles and binding
STAFF_GRANTED = "已把 {name} 设为工作人员。"
LEADER_GRANTED = "已把 {name} 设为楼栋长。"
ROLE_USAGE_STAFF = "请回复某人的消息发送 /staff，或发送 /staff 用户ID。"
ROLE_USAGE_LEADER = "请回复某人的消息发送 /leader。"
BIND_DONE = (
    "本群已绑定到 {building} ✅\n"
    "有问题就在群里发「报事 + 问题」，比如：报事 电梯坏了\n"
    "也可以点下面的按钮私聊我，说话、拍照都行。"
)
BTN_WELCOME = "📝 私聊我报事"
BIND_USAGE = "用法：在楼栋群里发送 /bind 3号楼"
BIND_GROUP_ONLY = "/bind 只能在楼栋群里使用。"
USER_UNKNOWN = "找不到这个用户：对方需要先在群里说过话或私聊过我。"
BOT_JOINED_GROUP = (
    "大家好，我是邻里小助手 🏠 工作人员发送 /bind 楼栋名（如 /bind 3号楼）后，大家就可以在群里报事了。"
)
BOT_JOINED_STAFF = "已连接物业工作群 ✅ 新的报事会发到这里。"
ALREADY_STAFF = "{name} 已经是工作人员了。"

# Descriptions in Telegram's command menu (setMyCommands).
CMD_START = "打开菜单"
CMD_HELP = "帮助：能做什么、怎么用"
CMD_BIND = "把本群绑定到楼栋，如 /bind 3号楼"
CMD_LEADER = "回复某人的消息，设为楼栋长"
CMD_STAFF = "回复某人的消息，设为工作人员（管理员）"
