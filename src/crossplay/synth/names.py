"""Word lists for catalog titles and tags, Chinese with English twins.

Titles read like the real thing ("Python 数据分析实战 / Practical Python Data Analysis")
without naming any real product. Indexes line up with ``domain.COURSE_CATEGORIES`` and
``domain.GENRES``.
"""

from __future__ import annotations

Pair = tuple[str, str]

#: course subjects per category (zh, en)
COURSE_SUBJECTS: tuple[tuple[Pair, ...], ...] = (
    (("Python 编程", "Python Programming"), ("Java 并发编程", "Java Concurrency"),
     ("Go 语言", "Go"), ("前端开发", "Front-end Development"), ("算法与数据结构", "Algorithms"),
     ("Linux 运维", "Linux Operations"), ("Rust 系统编程", "Systems Programming in Rust"),
     ("后端架构", "Back-end Architecture")),
    (("Python 数据分析", "Python Data Analysis"), ("Excel 数据处理", "Excel Data Handling"),
     ("SQL 查询", "SQL Queries"), ("数据可视化", "Data Visualisation"),
     ("商业数据分析", "Business Analytics"), ("统计学", "Statistics"),
     ("用户增长分析", "Growth Analytics"), ("Tableau 报表", "Tableau Reporting")),
    (("机器学习", "Machine Learning"), ("深度学习", "Deep Learning"),
     ("大模型应用", "LLM Applications"), ("计算机视觉", "Computer Vision"),
     ("自然语言处理", "Natural Language Processing"), ("推荐系统", "Recommender Systems"),
     ("AI 绘画", "AI Image Generation"), ("提示词工程", "Prompt Engineering")),
    (("英语口语", "Spoken English"), ("雅思写作", "IELTS Writing"),
     ("商务英语", "Business English"), ("英语语法", "English Grammar"),
     ("托福听力", "TOEFL Listening"), ("英语词汇", "English Vocabulary"),
     ("英文演讲", "Public Speaking in English"), ("职场英语邮件", "English E-mails at Work")),
    (("考研数学", "Postgraduate Maths"), ("考研英语", "Postgraduate English"),
     ("教师资格证", "Teacher Certification"), ("注册会计师", "CPA Exam"),
     ("公务员考试", "Civil Service Exam"), ("法律职业资格", "Bar Exam"),
     ("软考", "Software Qualification Exam"), ("考研政治", "Postgraduate Politics")),
    (("PPT 设计", "Presentation Design"), ("项目管理", "Project Management"),
     ("高效沟通", "Effective Communication"), ("时间管理", "Time Management"),
     ("职场写作", "Business Writing"), ("面试求职", "Job Interviews"),
     ("团队管理", "Team Leadership"), ("产品经理", "Product Management")),
    (("心理学入门", "Introduction to Psychology"), ("情绪管理", "Managing Emotions"),
     ("亲密关系", "Close Relationships"), ("正念冥想", "Mindfulness Meditation"),
     ("认知行为疗法", "CBT Basics"), ("社会心理学", "Social Psychology"),
     ("压力与睡眠", "Stress and Sleep"), ("积极心理学", "Positive Psychology")),
    (("中国通史", "Chinese History"), ("三国史", "The Three Kingdoms"),
     ("世界史", "World History"), ("宋朝往事", "Tales of the Song Dynasty"),
     ("罗马帝国", "The Roman Empire"), ("战争史", "Military History"),
     ("丝绸之路", "The Silk Road"), ("近代史", "Modern History")),
    (("基金定投", "Index Fund Investing"), ("个人理财", "Personal Finance"),
     ("股票入门", "Stock Investing"), ("财务自由", "Financial Independence"),
     ("保险配置", "Insurance Planning"), ("财报分析", "Reading Financial Statements"),
     ("家庭资产配置", "Household Asset Allocation"), ("经济学思维", "Thinking like an Economist")),
    (("UI 设计", "UI Design"), ("平面设计", "Graphic Design"), ("Figma", "Figma"),
     ("摄影后期", "Photo Editing"), ("插画", "Illustration"), ("视频剪辑", "Video Editing"),
     ("品牌设计", "Brand Design"), ("3D 建模", "3D Modelling")),
    (("MOBA 上分", "Ranking up in MOBA"), ("射击游戏枪法", "Shooter Aim Training"),
     ("电竞解说", "Esports Commentary"), ("战队运营", "Running an Esports Team"),
     ("游戏意识", "Game Sense"), ("电竞数据分析", "Esports Analytics"),
     ("职业选手训练", "Pro Player Training"), ("打野思路", "Jungle Pathing")),
    (("Unity 游戏开发", "Unity Game Development"), ("Unreal 引擎", "Unreal Engine"),
     ("游戏策划", "Game Design"), ("独立游戏", "Indie Games"),
     ("游戏美术", "Game Art"), ("关卡设计", "Level Design"),
     ("Shader 编程", "Shader Programming"), ("游戏数值策划", "Game Economy Design")),
)

#: title patterns ({zh} / {en} are the subject)
COURSE_PATTERNS: tuple[Pair, ...] = (
    ("{s}实战", "Practical {s}"), ("{s}从入门到精通", "{s}: Zero to Expert"),
    ("{s} 30 讲", "{s} in 30 Lessons"), ("零基础学{s}", "{s} for Absolute Beginners"),
    ("{s}进阶训练营", "Advanced {s} Bootcamp"), ("{s}核心原理", "Core Principles of {s}"),
    ("图解{s}", "{s} Illustrated"), ("{s}高手之路", "The Road to {s} Mastery"),
)
LEVELS: tuple[str, ...] = ("入门", "进阶", "高级")
TEACHERS: tuple[str, ...] = (
    "王老师", "李老师", "张老师", "刘老师", "陈老师",
    "杨老师", "赵老师", "黄老师", "周老师", "吴老师",
)
COURSE_FORMAT_TAGS: tuple[str, ...] = ("实战", "系统课", "直播课", "案例", "刷题", "训练营")

#: game title parts per genre: (prefix pairs, suffix pairs)
GAME_WORDS: tuple[tuple[tuple[Pair, ...], tuple[Pair, ...]], ...] = (
    ((("星河", "Galaxy"), ("王者", "Kings"), ("峡谷", "Canyon"), ("荣耀", "Glory"),
      ("决战", "Showdown")),
     (("对决", "Clash"), ("联盟", "League"), ("战场", "Battlefield"), ("争锋", "Rivals"))),
    ((("幻境", "Dreamland"), ("仙剑", "Sword Spirit"), ("龙裔", "Dragonborn"),
      ("星穹", "Starvault"), ("暗影", "Shadow")),
     (("传说", "Legends"), ("奇缘", "Saga"), ("纪元", "Era"), ("远征", "Expedition"))),
    ((("三国", "Three Kingdoms"), ("帝国", "Empire"), ("文明", "Civilisation"),
      ("列王", "Kings'"), ("霸业", "Dominion")),
     (("志", "Chronicles"), ("崛起", "Rising"), ("征途", "Conquest"), ("纷争", "Strife"))),
    ((("和平", "Peace"), ("使命", "Duty"), ("绝地", "Last Stand"), ("穿越", "Frontline"),
      ("尖峰", "Apex")),
     (("精英", "Elite"), ("行动", "Operation"), ("突击", "Assault"), ("火线", "Firing Line"))),
    ((("炉石", "Hearthfire"), ("阴阳", "Yin-Yang"), ("万智", "Myriad"), ("秘境", "Arcane"),
      ("卡牌", "Card")),
     (("传说", "Legends"), ("对弈", "Duel"), ("物语", "Tales"), ("大师", "Masters"))),
    ((("开心", "Happy"), ("糖果", "Candy"), ("萌宠", "Cute Pets"), ("跳跳", "Jumpy"),
      ("泡泡", "Bubble")),
     (("消消乐", "Match"), ("乐园", "Park"), ("大作战", "Party"), ("跑酷", "Run"))),
    ((("模拟", "Sim"), ("梦想", "Dream"), ("城市", "City"), ("农场", "Farm"), ("餐厅", "Diner")),
     (("人生", "Life"), ("小镇", "Town"), ("大亨", "Tycoon"), ("物语", "Story"))),
    ((("欢乐", "Joyful"), ("天天", "Daily"), ("全民", "Everyone's"), ("经典", "Classic"),
      ("乐乐", "Parlour")),
     (("斗地主", "Landlord"), ("麻将", "Mahjong"), ("象棋", "Xiangqi"), ("围棋", "Go"))),
    ((("最强", "Brainiest"), ("数独", "Sudoku"), ("密室", "Escape Room"),
      ("纪念碑", "Monument"), ("迷宫", "Maze")),
     (("挑战", "Challenge"), ("谜题", "Puzzles"), ("逃脱", "Escape"), ("探险", "Quest"))),
)
GAME_TAGS: tuple[tuple[str, ...], ...] = (
    ("5v5", "竞技", "团队", "排位"), ("开放世界", "剧情", "角色扮演", "二次元"),
    ("历史", "国战", "SLG", "经营"), ("FPS", "吃鸡", "枪战", "竞技"),
    ("卡牌", "策略", "收集", "回合制"), ("休闲", "消除", "单机", "轻松"),
    ("经营", "建造", "模拟", "养成"), ("棋牌", "斗地主", "麻将", "好友约局"),
    ("解谜", "益智", "烧脑", "单机"),
)

STREAMER_FIRST: tuple[Pair, ...] = (
    ("小", "Little"), ("阿", "Ah"), ("大", "Big"), ("老", "Old"), ("萌", "Cute"), ("酷", "Cool"),
    ("夜", "Night"), ("飞", "Flying"), ("白", "White"), ("黑", "Black"),
)
STREAMER_SECOND: tuple[Pair, ...] = (
    ("鹿", "Deer"), ("鱼", "Fish"), ("熊", "Bear"), ("猫", "Cat"), ("狼", "Wolf"),
    ("鸟", "Bird"), ("龙", "Dragon"), ("虎", "Tiger"), ("兔", "Rabbit"), ("风", "Wind"),
    ("星", "Star"), ("月", "Moon"),
)
STREAMER_SUFFIX: tuple[Pair, ...] = (
    ("电竞", "Esports"), ("解说", "Commentary"), ("TV", "TV"), ("Gaming", "Gaming"),
    ("教学", "Coaching"), ("", ""),
)
STREAMER_STYLE_TAGS: tuple[str, ...] = (
    "技术流", "搞笑", "教学", "颜值", "聊天", "高端局", "新手友好", "比赛解说", "陪玩", "整活",
)
