"""Word lists and dates of the sample registry: a Jishan County (稷山县) slice."""

from datetime import date

THIS_YEAR = 2026
LAST_YEAR = THIS_YEAR - 1
AS_OF = date(THIS_YEAR, 11, 20)
"""The day the sample describes: nothing in it happens later."""
SEED = 140824  # 稷山县's administrative division code


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common surnames, the most frequent first; 畅, 卫 and 薛 are characteristic of Yuncheng.
SURNAMES = "王李张刘杨郭赵武薛卫畅陈孙马吴周高梁宋董程史贾段韩冯任侯田崔樊范黄石曹邓许姚苏吕"
MALE_GIVEN = _words(
    "建国 建军 志强 志刚 国强 卫东 海军 永红 文杰 晓东 俊峰 "
    "鹏飞 浩然 宇航 子轩 明辉 振华 宏伟 学军 斌 磊 涛 勇 军 "
    "伟 超 强 健 杰 鑫 博文 嘉豪 天佑 立新 红旗 保平 福生 "
    "满仓"
)
FEMALE_GIVEN = _words(
    "秀英 桂兰 玉兰 淑珍 丽娟 海燕 红梅 春花 晓燕 美玲 雪梅 静 "
    "敏 婷 芳 娜 丽 艳 霞 雨萱 欣怡 梓涵 佳怡 思雨 文静 慧敏 "
    "翠萍 巧云 爱琴 金枝 彩霞 凤英"
)

# (community id, name, resident population, road, the compounds of its grids, one per grid)
COMMUNITIES = (
    ("jiwang", "稷王社区", 12_800, "稷王路", ("丰泽苑小区", "后稷花园", "稷王小区", "板枣苑")),
    ("xinhua", "新华社区", 9_600, "新华街", ("新华小区", "锦绣家园", "育才小区")),
    ("fenhe", "汾河社区", 8_400, "汾河大道", ("汾河湾小区", "阳光城", "枣乡园", "河畔人家")),
)
GRID_NUMERALS = "一二三四五六"

# Per organisation type: names, how many are in the 大党委 (and how many of those joined this
# year), how many have a Party organisation, how many of the rest a Party-building liaison, and
# the prefix of their (fictitious) unified social credit code.
ORGANISATIONS: dict[str, tuple[tuple[str, ...], int, int, int, int, str]] = {
    "agency": (
        (
            "稷山县教育局",
            "稷山县住房和城乡建设局",
            "稷山县市场监督管理局",
            "稷山县人力资源和社会保障局",
            "稷山县自然资源局",
            "稷山县医疗保障局",
        ),
        6,
        1,
        6,
        0,
        "11",
    ),
    "institution": (
        (
            "稷山县人民医院",
            "稷山县第一中学",
            "稷峰小学",
            "稷山县图书馆",
            "稷山县疾病预防控制中心",
            "稷山县融媒体中心",
        ),
        6,
        1,
        6,
        0,
        "12",
    ),
    "state_enterprise": (
        (
            "国网稷山县供电公司",
            "稷山县自来水有限公司",
            "中国邮政集团稷山县分公司",
            "稷山县农村商业银行",
        ),
        4,
        0,
        4,
        0,
        "91",
    ),
    "non_public_enterprise": (
        (
            "稷山板枣食品有限公司",
            "山西汾河机械制造有限公司",
            "稷山县稷峰建材有限公司",
            "稷山县后稷农业科技有限公司",
            "稷山县晋南物流有限公司",
            "稷山县华宇纺织有限公司",
            "稷山县宏达汽车贸易有限公司",
            "稷山县金穗面业有限公司",
            "稷山县创新电子科技有限公司",
            "稷山县麻花食品有限公司",
        ),
        8,
        3,
        4,
        3,
        "91",
    ),
    "individual_business": (
        (
            "老王家面馆",
            "李记板枣专卖店",
            "张氏五金店",
            "刘家理发店",
            "惠民便利店",
            "赵记修车铺",
            "陈氏眼镜店",
            "稷山麻花坊",
            "周记水果店",
            "孙家烧饼铺",
            "畅家裁缝铺",
            "薛记干洗店",
        ),
        4,
        3,
        0,
        3,
        "92",
    ),
    "social_organization": (
        (
            "稷山县志愿者协会",
            "稷山县老年人体育协会",
            "稷峰街道社会工作服务中心",
            "稷山县餐饮行业协会",
            "稷山县慈善协会",
        ),
        4,
        1,
        2,
        2,
        "51",
    ),
    "owners_committee": (
        (
            "后稷花园业主委员会",
            "丰泽苑小区业主委员会",
            "汾河湾小区业主委员会",
            "锦绣家园业主委员会",
            "新华小区业主委员会",
        ),
        1,
        1,
        0,
        1,
        "",
    ),
    "property_company": (
        (
            "稷山县安居物业服务有限公司",
            "稷山县恒泰物业管理有限公司",
            "稷山县金盾物业服务有限公司",
            "稷山县佳和物业服务有限公司",
            "稷山县宜家物业管理有限公司",
        ),
        2,
        1,
        1,
        1,
        "91",
    ),
    "commercial_building": (
        ("稷峰商业广场", "稷王大厦", "新华商贸城"),
        1,
        1,
        1,
        0,
        "91",
    ),
    "new_sector_org": (
        (
            "稷山县快递物流行业联合党支部",
            "稷山县网约配送员党支部",
            "稷山县电商直播行业党支部",
            "稷山县网约车行业党支部",
        ),
        1,
        1,
        4,
        0,
        "",
    ),
}

# Where floating members come from: their home Party organisations.
HOME_ORGS = (
    "万荣县皇甫乡北甲村党支部",
    "河津市城区街道龙门社区党委",
    "新绛县泽掌镇党委",
    "闻喜县东镇镇党委",
    "运城市盐湖区北城街道党工委",
    "临猗县临晋镇党委",
    "绛县古绛镇党委",
    "夏县瑶峰镇党委",
    "陕西省韩城市新城街道党工委",
    "河南省三门峡市湖滨区党委组织部",
    "太原市小店区坞城街道党工委",
    "侯马市上马街道党工委",
)
# Occupations of floating members, with how many of the 40 have each.
FLOATING_OCCUPATIONS = (
    ("快递员", 8),
    ("外卖骑手", 8),
    ("网约车司机", 3),
    ("个体经营", 5),
    ("建筑工人", 4),
    ("进城务工", 5),
    ("待业高校毕业生", 3),
    ("退役军人", 2),
    ("商贩", 2),
)
RESIDENT_OCCUPATIONS = ("退休", "退休", "退休", "教师", "个体经营", "工人", "医生", "农民", "无业")
CADRE_POSITIONS = ("科员", "副科长", "科长", "副主任", "主任", "教师", "医生", "工程师", "会计")

# (name, category) of community activities and volunteer service.
MEMBER_ACTIVITIES = (
    ("政策宣传进楼栋", "政策宣传"),
    ("反诈骗知识宣传", "政策宣传"),
    ("小区环境义务清扫", "义务劳动"),
    ("创建文明城市志愿服务", "义务劳动"),
    ("邻里纠纷调解", "矛盾调解"),
    ("关爱空巢老人走访", "关爱帮扶"),
    ("主题党日活动", "党内活动"),
    ("垃圾分类督导", "义务劳动"),
    ("义诊进社区", "关爱帮扶"),
)
# Big-committee activities: (name, month, day), held in each year.
ORG_ACTIVITIES = (
    ("大党委联席会议（一季度）", 3, 18),
    ("大党委联席会议（二季度）", 6, 17),
    ("七一主题党日联建活动", 7, 1),
    ("大党委联席会议（三季度）", 9, 16),
    ("重阳节敬老志愿服务", 10, 20),
    ("创文环境整治共建", 5, 12),
)
WORKER_TITLES = ("网格员", "党务专干", "民政专干", "综治专干", "社保专干", "文体专干", "计生专干")
