"""Resident-style messages written for these tests (not taken from any data set).

Each case: (text, expected category, other acceptable categories, urgent).
"""

from __future__ import annotations

Case = tuple[str, str, tuple[str, ...], bool]

CASES: list[Case] = [
    # repair
    ("2号楼的电梯从昨天下午就不动了，显示屏一直黑屏，麻烦看一下", "repair", (), False),
    ("我们单元的电悌按钮按了没反应，等了十分钟都不来", "repair", (), False),
    # Regression: "3号楼|电悌" once sounded like 漏电 (lou dian) across the address.
    ("3号楼电悌又坏了", "repair", (), False),
    ("５栋電悌又壞了！！", "repair", (), False),
    ("楼到的感应灯坏了好几天了，晚上上楼全靠手机照明", "repair", (), False),
    ("厨房水管接头一直在滴水，垫了毛巾也不行，能派个师傅吗", "repair", (), False),
    ("6幢顶楼每次下大雨天花板都渗水，墙角都长霉了", "repair", (), False),
    ("小区南门口的路灯不亮了，好黑，走路不安全", "repair", ("safety",), False),
    ("单元门的门禁卡刷不开了，换了新卡也一样", "repair", (), False),
    ("楼下那个窨井盖缺了一角，车压过去哐当响", "repair", ("safety",), False),
    ("走廊尽头的窗户关不上了，合页断了", "repair", (), False),
    ("健身区的单杠松动了，一拉就晃，小孩子在上面玩挺危险的", "repair", ("safety",), False),
    ("卫生间地漏堵了，水排不下去，物业能来疏通一下吗", "repair", (), False),
    ("電梯又故障了，困了我十分鐘才出來，太嚇人了", "repair", ("safety",), True),
    # sanitation
    ("我们楼门口的垃圾桶三天没清了，味道太大了🤢", "sanitation", (), False),
    ("垃级站旁边一堆塑料袋没人管，风一吹到处飞", "sanitation", (), False),
    ("楼梯间有人养的花漏出泥水，还有好多烟头纸巾，脏得不行", "sanitation", (), False),
    ("最近家里老是看到蟑螂，能不能整栋楼统一消杀", "sanitation", (), False),
    ("车库出口那里有只死鸟，都生蛆了，快来处理一下吧", "sanitation", (), False),
    ("垃圾分类做得太差了，厨余垃圾和快递箱混在一起扔", "sanitation", (), False),
    ("夏天到了，小区水沟里蚊子一团一团的，晚上根本没法在楼下坐", "sanitation", (), False),
    ("單元門口的垃圾堆了一個禮拜，臭氣熏天", "sanitation", (), False),
    ("楼道里被人贴满了办证的小广告，太难看了", "sanitation", (), False),
    # safety
    ("5栋一楼有人从窗户拉了根线下来给电瓶车充电，晚上一直插着", "safety", (), False),
    ("消防通道上停了三辆车，真着火了消防车根本进不来", "safety", ("parking",), False),
    ("12楼有人往下扔西瓜皮，差点砸到我家小孩！！", "safety", (), True),
    ("闻到好大一股煤气味，好像是3单元那边传出来的，快来人", "safety", (), True),
    ("楼下配电箱冒烟了，还有噼啪的声音", "safety", (), True),
    ("電梯卡住了，我媽在裡面出不來，按警鈴沒人回應", "safety", ("repair",), True),
    ("安全出口那扇门被人用自行车和纸箱堵死了", "safety", (), False),
    ("外墙上一块广告牌松了，风一吹就晃，下面是人行道", "safety", (), True),
    ("有人把电动车推进电梯带回家充电，这样很危险吧", "safety", (), False),
    ("楼道里好像有烧焦的糊味，大家检查下家里电器", "safety", (), True),
    ("楼下有个老人晕倒了，叫他没反应，谁会急救", "safety", (), True),
    ("高空抛物太可怕了，刚才一袋垃圾从楼上掉下来", "safety", ("sanitation",), True),
    # noise
    ("楼上每天晚上十一点以后还在剁东西、跑来跑去，吵得睡不着", "noise", (), False),
    ("广场舞大妈们早上六点就开始放音乐，能不能管管", "noise", (), False),
    ("隔壁装修电钻从早上七点响到晚上，周末都不休息", "noise", (), False),
    ("附近工地半夜还在施工，轰隆隆的，明天还要上班呢", "noise", (), False),
    ("楼下的狗一到晚上就叫个不停，一叫就是半个小时", "noise", ("pets",), False),
    ("燥音太大了，对面楼有人天天弹钢琴到半夜", "noise", (), False),
    ("樓下燒烤店每晚喧嘩到凌晨兩點，根本沒法休息", "noise", (), False),
    ("有人在小区里开改装车轰油门，大半夜的特别吵", "noise", (), False),
    # parking
    ("我的车位又被一辆黑色奥迪占了，打电话也不接", "parking", (), False),
    ("小区门口乱停车，早上出门根本开不出去", "parking", (), False),
    ("地下车库有辆车落满灰，胎都瘪了，停了两年了，是不是僵尸车", "parking", (), False),
    ("外卖电动车在小区里开得飞快，老人孩子多，太危险", "parking", ("safety",), False),
    ("充电桩被油车占着，我的电车充不了电", "parking", (), False),
    ("访客车辆随便停在主干道上，两辆车都会不了车", "parking", (), False),
    ("有人在公共车位上放了地锁，把车位当成自己的了", "parking", ("dispute",), False),
    ("我的车味被人占了好几天了", "parking", (), False),
    # property
    ("物业费交了一年，结果小区卫生还是一团糟，钱都花哪去了", "property", ("sanitation",), False),
    ("物业客服态度恶劣，问两句就挂电话", "property", (), False),
    ("报修了三次水管，物业每次都说马上派人，结果一个星期都没人来", "property", ("repair",), False),
    ("公共收益从来不公示，业主有权知道账目", "property", (), False),
    ("门口保安晚上值班睡觉，有人进出根本不管", "property", ("security",), False),
    ("业委会成立的事拖了一年了，物业一直阻挠", "property", (), False),
    ("物页又涨价了，也不开业主大会商量", "property", (), False),
    ("装修押金交了半年了，物业一直拖着不退", "property", (), False),
    # dispute
    ("楼上漏水把我家墙泡坏了，他们不承认，希望物业帮忙调解", "dispute", (), False),
    ("对门邻居把鞋架放在走廊里，我说了几句就骂人", "dispute", (), False),
    ("隔壁把公共走廊隔出来当储物间，我们跟他沟通了几次都不理", "dispute", (), False),
    ("楼下说我家漏水要我赔钱，可我家根本没漏，想请社区评评理", "dispute", (), False),
    ("两家因为门口放鞋的事吵起来了，需要有人协调", "dispute", (), False),
    ("林居装修把我家墙震出裂缝，不肯赔偿", "dispute", (), False),
    ("邻居在楼道里堆了一堆杂物，沟通了几次都不听，还骂我多管闲事", "dispute", ("safety",), False),
    # greenery
    ("楼前的草坪半年没人修剪了，长得比小孩还高", "greenery", (), False),
    ("有人在绿化带里种菜，还泼大粪，臭死了", "greenery", ("sanitation",), False),
    ("小区里的几棵桂花树都枯死了，希望能补种", "greenery", (), False),
    ("我家窗外的树枝太长了，都伸进阳台了，能不能修剪一下", "greenery", (), False),
    ("花坛里的花全被人拔走了", "greenery", (), False),
    ("绿花带的灌木长虫了，叶子都被啃光", "greenery", (), False),
    ("柳絮满天飞，孩子过敏一直打喷嚏", "greenery", (), False),
    # pets
    ("草地上到处都是狗屎，遛狗的能不能自觉点", "pets", (), False),
    ("有人遛狗不栓绳，大狗直接冲过来扑人", "pets", (), False),
    ("小区流浪猫太多了，还有人天天投喂", "pets", (), False),
    ("电梯里有狗尿，臭死了，谁家的狗管一管", "pets", ("sanitation",), False),
    ("楼下的藏獒看着好凶，小孩都不敢出门", "pets", (), False),
    ("我家孩子被邻居家的狗咬伤了，流了好多血，狗主人还不承认", "pets", ("dispute", "safety"), True),
    ("有人在阳台上养了好多鸡，天天打鸣", "pets", ("noise",), False),
    ("寵物狗隨地大小便，主人從來不清理", "pets", (), False),
    # security
    ("昨晚我停在楼下的电动车被偷了，监控能查一下吗", "security", (), False),
    ("最近有人冒充燃气公司上门检查收费，大家小心", "security", (), False),
    ("小区后门的监控一直是坏的，晚上有陌生人进出", "security", (), False),
    ("我家的快递又被人拿走了，这个月第三次", "security", (), False),
    ("有个可疑的男的在地下车库一辆一辆拉车门", "security", (), False),
    ("有小头撬了好几家的门锁，大家晚上锁好门", "security", (), False),
    ("门岗没人，大门敞开着，外面的人随便进", "security", ("property",), False),
    # utilities
    ("又停水了，也没有通知，什么时候来水？", "utilities", (), False),
    ("全楼停电了，电梯也停了，有没有人知道怎么回事", "utilities", (), False),
    ("家里水龙头流出来的水发黄，还有沉淀物", "utilities", (), False),
    ("暖气片冰凉冰凉的，屋里冷得要穿棉袄", "utilities", (), False),
    ("宽带又断了，打了客服电话说是小区线路问题", "utilities", (), False),
    ("顶楼水压太低，洗澡都困难", "utilities", (), False),
    ("燃气灶打不着火，是停气了吗", "utilities", (), False),
    ("停点了，一整栋楼都黑了", "utilities", (), False),
    ("家里断电了，我妈在用呼吸机，求尽快恢复供电！", "utilities", (), True),
    # A denied danger is not what the message is about.
    ("没有闻到煤气味，就是水压太低了，洗澡水上不来", "utilities", (), False),
    # a quarrel between households goes to dispute even when it is about noise, pets or leaks
    ("楼上邻居家漏水把我家天花板泡了，他们死活不承认，说是我们自己的问题", "dispute", (), False),
    ("楼上装修漏水淹了我家厨房，找他赔他不理", "dispute", (), False),
    ("隔壁的狗天天叫，我去说了一句，他家就骂人，还说我们多事", "dispute", (), False),
    ("楼下说我们家走路声音太大，天天上来敲门骂，我们家根本没人在家", "dispute", (), False),
    ("对门家的猫抓伤了我家孩子，让他赔钱他说是我们先逗的猫", "dispute", (), False),
    ("楼上洗衣机半夜响，我上去说了两句就吵起来了，他家说是我们太敏感", "dispute", (), False),
    ("他家说是我们家漏水弄坏了他家吊顶，要我们赔五千块，我家根本没漏", "dispute", (), False),
    ("邻居非说他家墙上的水印是我家渗下去的，天天堵门要钱", "dispute", (), False),
    ("为了谁家的车停门口的问题，两家老人吵得很凶", "dispute", ("parking",), False),
    ("楼上那个女的跑我家来骂，说我家狗晚上叫吵着她了", "dispute", ("pets",), False),
    # how property staff behave goes to property
    ("保安晚上在岗亭里睡觉，叫了半天都不醒", "property", (), False),
    ("门口的保安态度太差了，问个路都爱答不理", "property", (), False),
    ("保洁阿姨根本不干活，楼道一个月没拖了", "property", ("sanitation",), False),
    ("前台的小姑娘不理人，问她事情一直玩手机", "property", (), False),
    ("物业人员骂人，我就问了一句物业费怎么算", "property", (), False),
    ("保安天天在门岗那里抽烟聊天，外卖随便进", "property", ("security",), False),
    ("保洁打扫楼道就是拿拖把随便抹两下", "property", (), False),  # how staff work, not the dirt
    ("隔壁家狗咬了我家猫，要他们出医药费他们不给", "dispute", (), False),  # money from a household
    # dialect and colloquial speech
    ("楼上日日好嘈，成晚瞓唔着", "noise", (), False),
    ("单车喺楼下畀人偷咗，锁都剪断埋", "security", (), False),
    ("部𨋢又坏咗，等咗半个钟都冇嚟", "repair", (), False),
    ("垃圾桶满咗几日冇人清，啲苍蝇成日飞", "sanitation", (), False),
    ("咋又停水了，啥时候能来水啊", "utilities", (), False),
    ("小区广场舞音响开得忒大了，晚上九点多还在放", "noise", (), False),
    ("楼道里堆的垃圾贼臭，埋汰死了", "sanitation", (), False),
    ("阿拉楼下的路灯坏了好几天了，侬快点派人来修伐?", "repair", (), False),
    # two problems in one message: the danger decides
    ("暖气不热好几天了，顺便说一下，楼下那家阳台堆的杂物冒烟了，好像有火苗", "safety", (), True),
    ("楼道灯坏了好几天了，顺便说一下，刚才下楼闻到二楼有股子煤气味", "safety", (), True),
    # other
    ("建议在小区门口装个快递柜，方便大家取件", "other", (), False),
    ("表扬一下我们楼的保洁大姐，每天都很认真", "other", (), False),
    ("请问社区的老年食堂在哪里报名？", "other", (), False),
    ("谢谢物业帮忙找到了我丢的钥匙", "other", (), False),
    ("请问一下周末社区有没有亲子活动", "other", (), False),
    ("这个群能不能发二手闲置信息？", "other", (), False),
]

# Messages with no usable signal: whatever the guess, the result must not claim to be confident.
NO_SIGNAL: list[str] = [
    "又坏了!!!",
    "",
    "看图",
    "🙏🙏🙏",
    "？？？",
    "@物业",
    "1102",
    "在",
    "急急急",
    "ｈｅｌｌｏ",
]
