"""Seeded synthetic Weibo data: users, a social graph with circles, posts, reposts and comments.

The generator writes the official Weibo API status JSON, one object per line (UTF-8 JSON lines):

* ``<out_dir>/weibo_statuses.jsonl``: original posts and reposts (a repost carries the full root
  status in ``retweeted_status`` and the ``//@name:words`` chain of intermediate reposters),
* ``<out_dir>/weibo_comments.jsonl``: comments, some of them replies to other comments,

and returns a :class:`GroundTruth` saying who is who (segments, circles, cities, organisations,
celebrities, bots, hard negatives).

It is synthetic on purpose and says so: it checks plumbing and invariants, never quality.
Spread is produced by a Hawkes-like branching process over the follow graph (post-level appeal shared
by every reader, per-user activity, per-pair affinity, homophily, exponential waiting times in a
circadian clock, depth-decaying offspring, a "hot list" channel outside the graph, bot sessions),
not by an independent cascade with fixed per-edge probabilities.

Everything is vectorised with numpy and output lines are streamed to the files, so a million users
fit in a few minutes and bounded memory. Same seed, same bytes.

Example:
    >>> from pathlib import Path
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     truth = generate_weibo_sample(Path(tmp), n_users=200, days=10, seed=1)
    ...     lines = (Path(tmp) / "weibo_statuses.jsonl").read_text(encoding="utf-8").splitlines()
    >>> truth.n_users, len(truth.segments["mothers"]) > 0, len(lines) > 0
    (200, True, True)

Command line (regenerates the shipped sample)::

    python -m store.synthetic --out data/samples/weibo_api --users 2000 --days 40 \\
        --end 2026-11-15 --seed 7 --truth data/samples/sample_truth.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "HARD_NEGATIVE_KINDS",
    "SEGMENTS",
    "GroundTruth",
    "generate_weibo_sample",
    "main",
    "read_ground_truth",
    "write_ground_truth",
]

SEGMENTS: tuple[str, ...] = ("mothers", "beauty", "food", "gaming", "fitness")
HARD_NEGATIVE_KINDS: tuple[str, ...] = (
    "idol_fan",
    "pet_owner",
    "heat_pad",
    "endearment",
    "hypothetical",
    "other_child",
    "shop",
)

# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundTruth:
    """Who is who in a generated sample (user ids are strings, as in the ``idstr`` field).

    ``segments`` maps each name in :data:`SEGMENTS` to its members (a user is in 0..2 segments);
    ``circles`` maps every user to a circle id; ``cities`` to a city name (``"其他"`` if unknown);
    ``hard_negatives`` maps users whose language looks like a segment's but is not to a kind
    in :data:`HARD_NEGATIVE_KINDS`.

    Example:
        >>> t = GroundTruth(seed=1, n_users=0, start_date=date(2026, 1, 1),
        ...                 end_date=date(2026, 1, 2), segments={}, circles={}, cities={},
        ...                 verified_orgs=frozenset(), celebrities=frozenset(), bots=frozenset(),
        ...                 hard_negatives={})
        >>> GroundTruth.from_json(t.to_json()) == t
        True
    """

    seed: int
    n_users: int
    start_date: date
    end_date: date
    segments: dict[str, frozenset[str]]
    circles: dict[str, int]
    cities: dict[str, str]
    verified_orgs: frozenset[str]
    celebrities: frozenset[str]
    bots: frozenset[str]
    hard_negatives: dict[str, str]

    def to_json(self) -> str:
        """Serialise to a JSON string (sorted, stable: same truth, same text)."""
        doc = {
            "synthetic": True,
            "seed": self.seed,
            "n_users": self.n_users,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "segments": {k: sorted(v) for k, v in sorted(self.segments.items())},
            "circles": dict(sorted(self.circles.items())),
            "cities": dict(sorted(self.cities.items())),
            "verified_orgs": sorted(self.verified_orgs),
            "celebrities": sorted(self.celebrities),
            "bots": sorted(self.bots),
            "hard_negatives": dict(sorted(self.hard_negatives.items())),
        }
        return json.dumps(doc, ensure_ascii=False, indent=0, separators=(",", ":"))

    @classmethod
    def from_json(cls, source: str | Path) -> GroundTruth:
        """Read a truth from a JSON string or from the path of a file holding one."""
        if isinstance(source, Path) or not source.lstrip().startswith("{"):
            source = Path(source).read_text(encoding="utf-8")
        doc = json.loads(source)
        return cls(
            seed=int(doc["seed"]),
            n_users=int(doc["n_users"]),
            start_date=date.fromisoformat(doc["start_date"]),
            end_date=date.fromisoformat(doc["end_date"]),
            segments={k: frozenset(v) for k, v in doc["segments"].items()},
            circles={k: int(v) for k, v in doc["circles"].items()},
            cities=dict(doc["cities"]),
            verified_orgs=frozenset(doc["verified_orgs"]),
            celebrities=frozenset(doc["celebrities"]),
            bots=frozenset(doc["bots"]),
            hard_negatives=dict(doc["hard_negatives"]),
        )


def write_ground_truth(truth: GroundTruth, path: str | Path) -> Path:
    """Write ``truth`` as JSON to ``path`` (parents created) and return the path.

    Example:
        >>> import tempfile
        >>> t = GroundTruth(1, 0, date(2026, 1, 1), date(2026, 1, 2), {}, {}, {},
        ...                 frozenset(), frozenset(), frozenset(), {})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     read_ground_truth(write_ground_truth(t, Path(tmp) / "t.json")) == t
        True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(truth.to_json() + "\n", encoding="utf-8")
    return path


def read_ground_truth(path: str | Path) -> GroundTruth:
    """Read a truth written by :func:`write_ground_truth`."""
    return GroundTruth.from_json(Path(path))


# --------------------------------------------------------------------------------------------
# Places, clients, names
# --------------------------------------------------------------------------------------------

# (province code, city code, province text, city text, city label, weight)
_CITIES: tuple[tuple[str, str, str, str, str, float], ...] = (
    ("11", "5", "北京", "朝阳区", "北京", 3.5),
    ("11", "8", "北京", "海淀区", "北京", 3.0),
    ("11", "1", "北京", "东城区", "北京", 1.2),
    ("11", "6", "北京", "丰台区", "北京", 1.3),
    ("31", "15", "上海", "浦东新区", "上海", 3.5),
    ("31", "4", "上海", "徐汇区", "上海", 2.0),
    ("31", "12", "上海", "闵行区", "上海", 2.0),
    ("31", "6", "上海", "静安区", "上海", 1.3),
    ("44", "1", "广东", "广州", "广州", 7.0),
    ("44", "3", "广东", "深圳", "深圳", 7.0),
    ("33", "1", "浙江", "杭州", "杭州", 6.0),
    ("51", "1", "四川", "成都", "成都", 6.0),
    ("42", "1", "湖北", "武汉", "武汉", 5.0),
    ("32", "1", "江苏", "南京", "南京", 4.5),
    ("61", "1", "陕西", "西安", "西安", 4.0),
    ("50", "3", "重庆", "渝中区", "重庆", 2.5),
    ("50", "12", "重庆", "渝北区", "重庆", 2.5),
    ("32", "5", "江苏", "苏州", "苏州", 4.0),
    ("43", "1", "湖南", "长沙", "长沙", 3.5),
    ("12", "1", "天津", "和平区", "天津", 1.5),
    ("12", "4", "天津", "南开区", "天津", 2.0),
    ("41", "1", "河南", "郑州", "郑州", 3.5),
    ("44", "19", "广东", "东莞", "东莞", 3.0),
    ("37", "2", "山东", "青岛", "青岛", 3.0),
    ("37", "1", "山东", "济南", "济南", 2.5),
    ("33", "2", "浙江", "宁波", "宁波", 2.5),
    ("35", "2", "福建", "厦门", "厦门", 2.0),
    ("35", "1", "福建", "福州", "福州", 2.0),
    ("34", "1", "安徽", "合肥", "合肥", 2.5),
    ("53", "1", "云南", "昆明", "昆明", 2.0),
    ("21", "1", "辽宁", "沈阳", "沈阳", 2.0),
    ("21", "2", "辽宁", "大连", "大连", 1.5),
    ("23", "1", "黑龙江", "哈尔滨", "哈尔滨", 2.0),
    ("44", "6", "广东", "佛山", "佛山", 2.5),
    ("32", "2", "江苏", "无锡", "无锡", 2.0),
    ("36", "1", "江西", "南昌", "南昌", 1.5),
    ("45", "1", "广西", "南宁", "南宁", 1.5),
    ("13", "1", "河北", "石家庄", "石家庄", 1.5),
    ("14", "1", "山西", "太原", "太原", 1.2),
    ("52", "1", "贵州", "贵阳", "贵阳", 1.2),
    ("62", "1", "甘肃", "兰州", "兰州", 0.8),
    ("33", "3", "浙江", "温州", "温州", 1.5),
    ("100", "1000", "其他", "", "其他", 1.0),
)
_CITY_LABELS: tuple[str, ...] = tuple(dict.fromkeys(c[4] for c in _CITIES))
_CITY_LABEL_IDX = np.array([_CITY_LABELS.index(c[4]) for c in _CITIES], dtype=np.int16)
_CITY_W = np.array([c[5] for c in _CITIES], dtype=float)

_CLIENTS: tuple[tuple[str, str], ...] = (
    ("5yiHuw", "iPhone客户端"),
    ("6vtZb0", "Android客户端"),
    ("3jax", "微博 weibo.com"),
    ("5JSK1J", "HUAWEI Mate 60 Pro"),
    ("6Z3dvB", "小米14"),
    ("3ugbUx", "OPPO Reno11"),
    ("1gZkZp", "vivo X100"),
    ("5Ex9Jd", "iPhone 15 Pro"),
    ("7a6Cxz", "荣耀Magic6"),
    ("4ygbQn", "iPad客户端"),
    ("6Qbg5W", "微博轻享版"),
)
_CLIENT_W = np.array([30, 22, 8, 9, 6, 5, 5, 8, 3, 2, 2], dtype=float)
_SOURCE_JSON: tuple[str, ...] = tuple(
    json.dumps(
        f'<a href="http://app.weibo.com/t/feed/{code}" rel="nofollow">{name}</a>',
        ensure_ascii=False,
    )
    for code, name in _CLIENTS
)

_NAME_MODS = (
    "爱吃",
    "不吃",
    "想去",
    "会飞的",
    "一只",
    "小小",
    "今天也要",
    "努力的",
    "快乐的",
    "安静的",
    "睡不醒的",
    "喜欢",
    "温柔的",
    "路过的",
    "奔跑的",
    "爱笑的",
    "发呆的",
    "认真的",
    "佛系",
    "元气",
    "软萌",
    "酷酷的",
    "迷路的",
    "追风的",
    "吃不胖的",
    "早睡的",
    "熬夜的",
    "话痨",
    "社恐",
    "慢热的",
    "贪吃的",
    "阳光",
    "微笑的",
    "失眠的",
    "平凡的",
    "勇敢的",
    "懒懒的",
    "甜甜的",
    "大大的",
    "不想上班的",
    "晒太阳的",
    "爱喝",
    "偷吃",
    "在逃",
    "野生",
    "退休",
)
_NAME_CORES = (
    "小鱼",
    "橙子",
    "西瓜",
    "桃子",
    "柚子",
    "芋圆",
    "猫",
    "兔子",
    "熊",
    "月亮",
    "星星",
    "柠檬",
    "草莓",
    "芒果",
    "奶茶",
    "可乐",
    "咸鱼",
    "小鹿",
    "团子",
    "饺子",
    "汤圆",
    "布丁",
    "木木",
    "阿杰",
    "小K",
    "大白",
    "云朵",
    "晴天",
    "雨天",
    "夏天",
    "冬瓜",
    "土豆",
    "番茄",
    "松鼠",
    "企鹅",
    "狐狸",
    "海豚",
    "麦兜",
    "小熊",
    "椰子",
    "栗子",
    "青柠",
    "蘑菇",
    "包子",
    "花卷",
    "年糕",
    "芝麻",
    "丸子",
    "果冻",
    "可可",
    "笑笑",
    "乐乐",
    "悠悠",
    "阿杨",
    "老王",
    "小陈",
    "阿珍",
    "大壮",
    "二毛",
    "小雨",
    "阿飞",
    "小北",
    "南风",
    "北岛",
    "鲸鱼",
    "海盐",
    "抹茶",
    "咖啡",
    "乌龙",
    "薄荷",
    "小满",
    "白露",
    "秋天",
    "山楂",
    "葡萄",
    "菠萝",
    "蛋挞",
    "泡芙",
    "米饭",
)
_NAME_TAILS = (
    "",
    "",
    "",
    "酱",
    "君",
    "呀",
    "哒",
    "吖",
    "同学",
    "小姐",
    "先生",
    "少年",
    "姑娘",
    "日记",
    "的日常",
    "本人",
    "儿",
    "不加糖",
    "很忙",
    "在线",
    "今天吃什么",
    "要努力",
    "的小窝",
)
_MOM_TAILS = ("妈", "妈咪", "麻麻", "的妈妈", "妈妈", "家的老母亲", "娘", "妈在努力", "的麻麻")
_DAD_TAILS = ("爸", "爸爸", "老爸", "的爸爸", "爹")
_NAME_LATIN = (
    "Lily",
    "Momo",
    "Coco",
    "Vivian",
    "Kiki",
    "Tony",
    "Kevin",
    "Jason",
    "Amy",
    "Luna",
    "Ella",
    "Mia",
    "Leo",
    "Max",
    "Sunny",
    "Yuki",
    "Nana",
    "Echo",
    "Iris",
    "Alex",
    "Jerry",
    "Candy",
    "Zoe",
    "Ada",
    "Ivy",
    "Sean",
    "Ryan",
    "Cici",
    "Lulu",
    "Doris",
)
_KID_NICKS = (
    "豆豆",
    "糖糖",
    "果果",
    "乐乐",
    "朵朵",
    "小鱼",
    "团团",
    "圆圆",
    "甜甜",
    "多多",
    "米粒",
    "橙子",
    "嘟嘟",
    "皮皮",
    "安安",
    "悠悠",
    "贝贝",
    "牛牛",
    "妞妞",
    "可乐",
    "布丁",
    "小满",
    "一一",
    "七七",
    "芒果",
    "元宝",
    "饺子",
    "豆包",
    "小米",
    "花生",
    "土豆",
    "球球",
    "壮壮",
    "航航",
    "轩轩",
    "萌萌",
    "桐桐",
    "然然",
    "小树",
    "小熊",
    "年年",
    "栗子",
    "汤圆",
    "叮当",
    "阳阳",
    "琪琪",
    "月月",
    "睿睿",
    "诺诺",
    "嘉嘉",
    "核桃",
    "毛毛",
    "泡泡",
    "小葡萄",
    "笑笑",
    "哈密瓜",
)
_PETS = (
    "橘子",
    "煤球",
    "布丁",
    "可乐",
    "豆包",
    "馒头",
    "雪球",
    "奥利奥",
    "大黄",
    "咪咪",
    "旺财",
    "花卷",
    "年糕",
    "团子",
    "黑豆",
    "丸子",
    "土豆",
    "芝士",
)
_BREEDS = (
    "橘猫",
    "布偶猫",
    "英短",
    "美短",
    "狸花猫",
    "柯基",
    "金毛",
    "柴犬",
    "泰迪",
    "边牧",
    "比熊",
    "萨摩耶",
)
_IDOLS = (
    "林一舟",
    "周屿白",
    "沈星河",
    "顾北辰",
    "江叙",
    "许嘉木",
    "宋知意",
    "苏念",
    "陆沉",
    "乔安然",
    "叶清歌",
    "秦朗月",
)

# --------------------------------------------------------------------------------------------
# Vocabulary and templates
# --------------------------------------------------------------------------------------------

_V: dict[str, tuple[str, ...]] = {
    "emo": (
        "[哈哈]",
        "[心]",
        "[笑cry]",
        "[允悲]",
        "[抱抱]",
        "[嘻嘻]",
        "[爱你]",
        "[泪]",
        "[赞]",
        "[鼓掌]",
        "[doge]",
        "[二哈]",
        "[吃瓜]",
        "[太开心]",
        "[可爱]",
        "[偷笑]",
        "[憧憬]",
        "[awsl]",
        "[哭惹]",
        "[裂开]",
        "[费解]",
        "[加油]",
        "[微笑]",
        "[悲伤]",
        "[亲亲]",
        "",
        "",
        "",
        "～",
        "!",
        "!!",
        "。",
    ),
    "time": ("今天", "昨晚", "刚刚", "今天早上", "周末", "下午", "今天中午", "昨天", "这两天"),
    "place": (
        "公园",
        "商场",
        "早教中心",
        "游乐场",
        "小区楼下",
        "图书馆",
        "动物园",
        "海洋馆",
        "植物园",
        "湿地公园",
        "科技馆",
        "室内乐园",
        "江边",
        "外婆家",
    ),
    "babyfood": (
        "南瓜泥",
        "蛋黄泥",
        "高铁米粉",
        "胡萝卜泥",
        "西兰花泥",
        "苹果泥",
        "山药粥",
        "鳕鱼粥",
        "小米粥",
        "牛肉泥",
        "香蕉泥",
        "蒸蛋羹",
        "番茄面条",
        "紫薯泥",
    ),
    "gear": (
        "纸尿裤",
        "奶瓶",
        "安抚奶嘴",
        "婴儿推车",
        "安全座椅",
        "爬行垫",
        "辅食机",
        "温奶器",
        "婴儿湿巾",
        "学饮杯",
        "吸奶器",
        "背带",
        "儿童餐椅",
        "睡袋",
        "护臀膏",
    ),
    "milestone_i": ("翻身", "坐稳", "自己爬", "扶着站起来", "叫妈妈", "长出小牙", "拍手"),
    "illness": ("发烧", "咳嗽", "湿疹", "积食", "拉肚子", "流鼻涕", "长水痘", "过敏"),
    "book": ("猜猜我有多爱你", "好饿的毛毛虫", "小熊很忙", "大卫不可以", "晚安月亮", "小猪佩奇"),
    "snack": ("米饭", "面条", "饺子", "酸奶", "香蕉", "鸡蛋羹", "小馒头"),
    "snack2": ("螺蛳粉", "酸辣粉", "冰淇淋", "烤红薯", "糖葫芦", "小龙虾", "炸鸡"),
    "talk": (
        "妈妈我爱你",
        "我不要睡觉",
        "爸爸是大笨熊",
        "我自己来",
        "月亮跟着我走",
        "我是大孩子了",
        "妈妈你好漂亮",
    ),
    "class": ("钢琴课", "舞蹈班", "游泳课", "画画班", "轮滑课", "乐高课", "英语启蒙"),
    "job": ("宇航员", "消防员", "医生", "厨师", "警察", "老师", "科学家"),
    "why": (
        "可以天天吃蛋糕",
        "可以开大车",
        "可以保护妈妈",
        "穿的衣服很帅",
        "可以去月亮上玩",
    ),
    "verdict": ("真心好用", "一般般，不推荐", "性价比很高", "有点踩雷", "回购第三次了"),
    "dadword": ("孩子他爸", "老公", "娃爸", "我老公"),
    "n": ("2", "3", "4", "5", "6", "7", "8", "两", "三", "五"),
    "nth": ("二", "三", "四", "五", "六", "七", "2", "3", "4", "5", "6"),
    "seat": ("儿童餐椅", "婴儿推车", "摇摇车", "学步车", "扭扭车", "平衡车"),
    "hour": ("两", "三", "四", "五"),
    "weight": ("15", "18.5", "20", "22", "24.6", "26", "28", "31", "33"),
    "product": (
        "精华",
        "面霜",
        "粉底液",
        "眼影盘",
        "口红",
        "防晒",
        "卸妆油",
        "面膜",
        "散粉",
        "腮红",
        "遮瑕",
        "眉笔",
        "身体乳",
        "洁面",
    ),
    "lipcolor": ("枫叶红", "豆沙色", "烂番茄色", "奶茶色", "正红色", "南瓜色", "肉桂色"),
    "style": ("韩系", "欧美", "日系", "清透", "复古", "氛围感", "伪素颜"),
    "skin": ("干皮", "油皮", "混油皮", "敏感肌", "混干皮"),
    "dish": (
        "红烧肉",
        "酸菜鱼",
        "麻辣香锅",
        "小龙虾",
        "火锅",
        "烤鱼",
        "螺蛳粉",
        "生煎",
        "肠粉",
        "煲仔饭",
        "牛肉面",
        "烧烤",
        "糖醋排骨",
        "可乐鸡翅",
        "番茄牛腩",
        "提拉米苏",
        "芝士蛋糕",
        "羊肉串",
        "豆花",
        "酸辣粉",
        "椰子鸡",
        "潮汕牛肉火锅",
        "热干面",
        "肉夹馍",
    ),
    "drink": ("奶茶", "可乐", "啤酒", "柠檬茶", "杨枝甘露", "生椰拿铁"),
    "cuisine": ("川菜", "粤菜", "日料", "火锅", "烧烤", "西餐", "湘菜", "东北菜", "泰国菜"),
    "game": (
        "王者荣耀",
        "和平精英",
        "原神",
        "英雄联盟",
        "永劫无间",
        "蛋仔派对",
        "金铲铲之战",
        "崩坏星穹铁道",
        "第五人格",
        "光遇",
    ),
    "rank": ("王者", "星耀", "钻石", "大师", "宗师", "荣耀王者"),
    "role": ("打野", "射手", "辅助", "中单", "上单"),
    "exercise": (
        "跑步",
        "跳绳",
        "游泳",
        "撸铁",
        "瑜伽",
        "普拉提",
        "骑行",
        "HIIT",
        "帕梅拉",
        "爬楼梯",
        "动感单车",
    ),
    "lowcal": ("鸡胸肉沙拉", "一个苹果", "燕麦粥", "水煮蛋和玉米", "一盒酸奶", "蒸南瓜"),
    "show": (
        "漫长的季节",
        "繁花",
        "狂飙",
        "庆余年",
        "甄嬛传",
        "武林外传",
        "请回答1988",
        "三体",
        "去有风的地方",
        "我的阿勒泰",
    ),
    "movie": ("流浪地球", "你好李焕英", "热辣滚烫", "哪吒", "唐探", "飞驰人生"),
    "weather": ("下雨了", "大太阳", "降温了", "起雾了", "风好大", "终于放晴了", "好冷"),
    "mood": ("心情不错", "有点emo", "只想躺平", "元气满满", "困到不行", "想放假"),
    "song": ("夜航星", "晚风", "没关系", "山海", "不说再见", "光年之外的信", "第七天"),
    "drama": ("长风渡", "云之羽", "星河长明", "雪中悍刀行", "玉骨遥"),
    "hobby": ("做饭", "吉他", "滑雪", "陶艺", "拳击", "画画"),
    "prize": ("护肤礼盒", "100元红包", "定制周边", "新款口红", "保温杯", "零食大礼包"),
    "breedword": ("猫", "狗子", "主子", "毛孩子"),
    "pettalk": ("拆家", "打翻了水杯", "半夜跑酷", "偷吃了我的外卖", "把沙发抓烂了", "跳上了冰箱"),
    "friendkid": (
        "我侄子",
        "我外甥女",
        "同事家孩子",
        "闺蜜家宝宝",
        "表姐家的娃",
        "邻居家小孩",
        "朋友家的小朋友",
        "我表弟家的儿子",
    ),
    "partner_m": ("男朋友", "老公", "对象"),
    "partner_f": ("女朋友", "老婆", "对象"),
}

_TOPICS: dict[str, tuple[str, ...]] = {
    "mom": ("育儿日常", "晒娃", "带娃日常", "新手妈妈", "宝宝辅食", "亲子时光", "宝宝成长记", "宝妈日常"),
    "preg": ("孕期日记", "孕妈日常", "准妈妈"),
    "dad": ("奶爸日常", "带娃日常", "晒娃"),
    "beauty": ("美妆", "护肤", "今日妆容", "好物分享", "口红试色"),
    "food": ("美食", "探店", "深夜食堂", "家常菜", "今天吃什么"),
    "gaming": ("游戏日常", "开黑", "手游"),
    "fitness": ("健身打卡", "减脂", "跑步", "自律"),
    "chat": ("日常", "今日份快乐", "打工人", "双十一", "周末愉快", "晚安"),
    "pet": ("萌宠", "铲屎官的日常", "猫咪", "狗狗"),
    "heat": ("冬天", "降温", "保暖"),
    "love": ("恋爱日常", "甜甜的恋爱"),
    "shop": ("母婴好物", "宝妈必备", "好物推荐"),
    "none": (),
}

# Own-child templates by age band: P pregnant (plus PE before week 24, PL after), N newborn
# (<3 months), I infant (3-12 months), T toddler (1-3 years), K child (3+ years), A any born
# child.  {kid} always names the writer's own child ("我家豆豆", "我儿子", "娃", ...).
_MOM: dict[str, tuple[str, ...]] = {
    "A": (
        "{time}带{kid}去{place}玩了一下午，回来倒头就睡{emo}",
        "{kid}最近特别黏我，上个厕所都要在门口等着{emo}",
        "凌晨{hour}点，{kid}又醒了，哄了快一个小时才睡着，当妈真的太难了{emo}",
        "晒娃时间到！{kid}{age}啦{emo}",
        "{kid}{illness}第{nth}天了，一晚上没怎么睡，看着{ta}难受我更难受{emo}",
        "今天带{kid}去打疫苗，哭得撕心裂肺，打完抱着我不撒手{emo}",
        "{kid}今天体检，体重{weight}斤，医生说长得挺好，老母亲放心了{emo}",
        "哄{kid}睡觉结果把自己先哄睡了{emo}",
        "带娃一天比上班累十倍，{kid}今天一整天没睡午觉{emo}",
        "{dadword}今天第一次一个人带{kid}，我回家一看，家里像被打劫过{emo}",
        "{kid}笑起来的样子，是我每天最大的治愈{emo}",
        "换季了{kid}有点咳嗽，有没有宝妈分享一下怎么护理{emo}",
        "给{kid}买的{gear}用了一周，来反馈：{verdict}{emo}",
        "{kid}{age}了，时间过得好快，感觉昨天还在产房{emo}",
        "周末带{kid}回外婆家，外婆开心坏了，一直抱着不撒手{emo}",
        "{kid}今天特别乖，吃饭睡觉都没闹，是不是要变天了{emo}",
        "有没有和我一样的宝妈，{kid}一生病就整夜睡不着{emo}",
        "{kid}的衣服又小了，长得也太快了吧{emo}",
        "翻到{kid}刚出生时候的照片，那时候才那么一点点{emo}",
        "今天{kid}哭着找妈妈，我在厨房切菜都听得心一揪{emo}",
        "{kid}睡着了，终于有半小时属于自己的时间{emo}",
        "给{kid}拍了一百张照片，没有一张是正脸{emo}",
        "{kid}今天第一次见到雪，兴奋得手舞足蹈{emo}",
        "这周{kid}有点便秘，宝妈们都是怎么调理的{emo}",
        "家里老人总说{kid}穿少了，育儿观念不同真的好累{emo}",
        "{kid}今天满{age}了，记录一下{emo}",
        "半夜给{kid}盖了八次被子，{ta}踢了八次{emo}",
        "{kid}今天在{place}交到了新朋友，两个小家伙玩得好开心{emo}",
    ),
    "P": (
        "今天产检一切正常，医生说宝宝很健康{emo}",
        "孕期嘴馋，半夜想吃{snack2}，{dadword}跑了三条街才买到{emo}",
        "给肚子里的宝宝讲了个故事，感觉小家伙在认真听{emo}",
        "纠结顺产还是剖腹产，宝妈们给点建议{emo}",
        "怀孕以后才发现，原来当妈从十月怀胎就开始了{emo}",
        "{pregw}，{dadword}每天晚上都要跟宝宝说晚安{emo}",
    ),
    "PE": (
        "孕吐终于结束了，现在胃口好到自己都害怕{emo}",
        "第一次在B超里听到宝宝的心跳，眼泪一下就出来了{emo}",
        "{pregw}，NT检查顺利通过，宝宝在里面动来动去{emo}",
        "{pregw}，还没显怀，同事都不知道我怀孕了{emo}",
    ),
    "PL": (
        "{pregw}了，胎动越来越明显，宝宝好像在里面打拳{emo}",
        "孕晚期腰酸背痛，还有{wleft}周就要见到宝宝了{emo}",
        "{pregw}，开始准备待产包了，有没有宝妈分享一下清单{emo}",
        "{pregw}，糖耐过了！可以放心吃水果了{emo}",
        "{pregw}，晚上翻个身都费劲，宝宝快出来吧{emo}",
    ),
    "N": (
        "{kid}出生第{days}天，每天吃了睡睡了吃，我却三个小时就要起来喂一次奶{emo}",
        "坐月子的第{days}天，{kid}黄疸终于退了{emo}",
        "新手妈妈求助：{kid}{age}，总是吐奶，正常吗？",
        "母乳还是奶粉纠结了好久，{kid}好像更喜欢奶瓶{emo}",
        "剖腹产的伤口还在疼，看到{kid}的小脸就觉得都值了{emo}",
        "夜奶喂到怀疑人生，{kid}一晚上醒了{n}次{emo}",
        "{kid}{age}，第一次冲我笑，心都化了{emo}",
        "月子里天天被{kid}的哭声支配，谁来救救我{emo}",
    ),
    "I": (
        "{kid}{age}，今天第一次{milestone_i}！激动得我赶紧录了视频{emo}",
        "开始给{kid}加辅食了，今天吃的是{babyfood}，吃得满脸都是{emo}",
        "{kid}开始长牙了，口水流个不停，逮着什么啃什么{emo}",
        "{kid}{age}，开始认生了，除了我谁抱都哭{emo}",
        "{kid}会叫妈妈了！虽然听起来像麻麻，但我就当是了{emo}",
        "断夜奶第{nth}天，{kid}哭，我也哭{emo}",
        "{kid}{age}了还不会翻身，是不是有点晚？有经验的宝妈说说{emo}",
        "今天给{kid}做了{babyfood}，一口没吃全吐我身上了{emo}",
        "产假还剩{n}周，想到要和{kid}分开就难受{emo}",
        "母乳喂到{age}，准备慢慢断了，求断奶经验{emo}",
        "{kid}{age}，最近睡眠倒退，一晚上醒五六次{emo}",
        "给{kid}买了{seat}，{ta}坐上去就不肯下来了{emo}",
    ),
    "T": (
        "{kid}{age}，今天自己用勺子吃饭了，虽然一半都喂了地板{emo}",
        "{kid}现在每天晚上都要听三遍《{book}》才肯睡{emo}",
        "{kid}今天把我的口红当蜡笔画墙了……深呼吸，亲生的{emo}",
        "{kid}{age}，话越来越多了，今天跟我说“{talk}”，笑死{emo}",
        "可怕的两岁来了，{kid}现在什么都说不要{emo}",
        "带{kid}去上早教课，全班就{ta}一个不哭，骄傲{emo}",
        "{kid}{age}还不太会说话，有点焦虑，医生说说话晚很正常",
        "陪{kid}搭积木，{ta}搭一个我推倒一个，笑得停不下来{emo}",
        "{kid}挑食太严重了，除了{snack}什么都不吃，宝妈们有什么办法吗{emo}",
        "{kid}现在会自己穿鞋了，虽然总是左右穿反{emo}",
        "纠结要不要送{kid}去托班，{age}会不会太早了",
        "{kid}学会了说谢谢，给{ta}一颗糖{ta}还会说“妈妈先吃”{emo}",
    ),
    "K": (
        "{kid}今天在幼儿园被老师表扬了，一回家就跟我炫耀{emo}",
        "{kid}问我：妈妈你小时候也哭鼻子吗？一下子不知道怎么回答{emo}",
        "给{kid}报了{class}，上了两节课说不想去了，坚持还是放弃？",
        "{kid}说长大要当{job}，理由是{why}{emo}",
        "幼儿园开家长会，{kid}的画被贴在墙上了，老母亲很骄傲{emo}",
        "{kid}换牙了，第一颗门牙掉了，让我帮忙放枕头底下等牙仙子{emo}",
        "{kid}{age}了，开始有自己的小秘密了，不让我看{ta}的画本{emo}",
        "每天早上送{kid}上幼儿园都是一场战斗{emo}",
        "周末带{kid}去{place}，{ta}说这是今年最开心的一天{emo}",
        "{kid}今天自己整理了书包，突然觉得{ta}长大了{emo}",
    ),
}
_DAD: dict[str, tuple[str, ...]] = {
    "P": (
        "老婆{pregw}了，第一次感受到胎动，宝宝踢了我一脚{emo}",
        "陪老婆去产检，看到B超里的宝宝，突然就有了要当爸爸的实感{emo}",
        "还有{wleft}周就要当爹了，紧张得睡不着{emo}",
    ),
    "A": (
        "下班回家{kid}冲过来喊爸爸，一天的累都没了{emo}",
        "当爹以后才明白我爸当年有多不容易，{kid}昨晚闹到两点{emo}",
        "周末陪{kid}去{place}，{ta}跑得比我还快{emo}",
        "给{kid}冲奶粉被老婆嫌弃水温不对{emo}",
        "第一次单独带{kid}一整天，总结：带娃比加班累{emo}",
        "{kid}{age}了，今天第一次叫爸爸，我一个大男人差点哭了{emo}",
        "{kid}非要骑在我脖子上看灯，第二天脖子疼得转不了头{emo}",
        "给{kid}讲睡前故事，讲着讲着我先睡着了{emo}",
    ),
}

_POOLS: dict[str, tuple[str, ...]] = {
    "chat": (
        "今天{city}{weather}，{mood}{emo}",
        "周一的早高峰，地铁挤成照片{emo}",
        "加班到十点，回家的路上只想躺平{emo}",
        "终于周五了{emo}",
        "追完了《{show}》，后劲好大{emo}",
        "双十一又剁手了，钱包在哭{emo}",
        "冬天到了，被窝是我唯一的朋友{emo}",
        "有没有人和我一样，一到周日晚上就焦虑{emo}",
        "今天的晚霞好美{emo}",
        "{city}的冬天终于来了，一夜降温十度{emo}",
        "刚看完《{movie}》，哭成狗{emo}",
        "早起打卡第{nth}天{emo}",
        "午饭吃什么，这是一个困扰了我一上午的问题{emo}",
        "快递堆成山了，拆到手软{emo}",
        "今天被老板夸了，开心一整天{emo}",
        "周末哪儿也不想去，在家躺着最舒服{emo}",
        "手机屏幕又摔碎了，心在滴血{emo}",
        "下班路上听到一首好听的歌，单曲循环中{emo}",
        "又是想辞职的一天{emo}",
        "今天终于把衣柜收拾干净了，成就感满满{emo}",
        "{city}这天气，出门十分钟，回家两小时{emo}",
        "最近在重温《{show}》，越看越好看{emo}",
        "睡前刷手机刷到两点，明天又要后悔了{emo}",
        "和老同学吃了顿饭，聊到停不下来{emo}",
        "年底了，工作越来越多{emo}",
    ),
    "beauty": (
        "新入的{lipcolor}口红也太好看了吧，黄皮亲妈{emo}",
        "换季皮肤好干，这瓶{product}真的救了我的脸{emo}",
        "今日妆容分享：{style}风，重点在眼妆{emo}",
        "双十一囤的{product}到了，开箱！{emo}",
        "{skin}真的太难了，用了新的{product}又爆痘了{emo}",
        "求推荐平价粉底液，{skin}，一到下午就脱妆{emo}",
        "空瓶记录：这个月用完了三支{product}，回购的只有一个{emo}",
        "试了一下{style}妆，同事说我像换了个人{emo}",
        "{product}踩雷合集，大家避坑{emo}",
        "终于找到适合{skin}的{product}了，持妆一整天{emo}",
        "最近迷上了{lipcolor}，秋冬氛围感拉满{emo}",
        "卸妆一定要卸干净！血泪教训{emo}",
    ),
    "food": (
        "{city}这家{dish}绝了，排队一小时也值{emo}",
        "周末在家做了{dish}，第一次做就成功了{emo}",
        "深夜放毒：{dish}配{drink}，减肥明天再说{emo}",
        "求{city}好吃的{cuisine}推荐！{emo}",
        "下班路过新开的{cuisine}店，进去试了一下，{verdict}{emo}",
        "今天的午饭：{dish}，打工人的快乐就是这么简单{emo}",
        "和朋友去吃{cuisine}，点了一桌子吃撑了{emo}",
        "自己在家复刻{dish}，味道有八分像{emo}",
        "冬天就该吃{dish}，暖和{emo}",
        "{city}人的早餐，今天是{dish}{emo}",
        "人生第一次做{dish}，厨房差点炸了{emo}",
    ),
    "gaming": (
        "今晚{game}连跪五把，心态崩了{emo}",
        "终于上{rank}了！！{emo}",
        "{game}新版本这个{role}也太强了，策划出来挨打{emo}",
        "周末开黑有人吗，{game}，缺一个{role}{emo}",
        "{game}抽卡又歪了，这游戏没法玩了{emo}",
        "凌晨两点还在打{game}，明天上班又要困死{emo}",
        "{game}新赛季开了，冲冲冲{emo}",
        "排到的队友全在挂机，{game}的匹配机制真的迷{emo}",
        "今天{game}拿了MVP，记录一下{emo}",
        "{game}出新皮肤了，钱包又要遭殃{emo}",
    ),
    "fitness": (
        "今天{exercise}四十分钟，出了一身汗，舒服{emo}",
        "体脂从28%降到22%，九十天的坚持没白费{emo}",
        "练腿日，明天估计下不了楼梯了{emo}",
        "减脂第{nth}周，晚饭只吃了{lowcal}{emo}",
        "早上六点起来{exercise}，自律给我自由{emo}",
        "健身房新来的教练好严格，练到怀疑人生{emo}",
        "坚持{exercise}打卡，今天是第{nth}周{emo}",
        "平台期好难熬，体重一动不动{emo}",
        "今天{exercise}破了个人纪录{emo}",
        "下雨不能夜跑，在家跳了半小时{exercise}{emo}",
    ),
    "idol": (
        "#{idol}新歌# 我儿子也太帅了吧！！妈妈爱你{emo}",
        "{idol}今天的舞台绝了，我家宝宝就是最棒的{emo}",
        "看到{idol}又瘦了好心疼，宝宝要好好吃饭啊{emo}",
        "{idol}今天生日！祝我家宝贝生日快乐，岁岁平安{emo}",
        "打投第{nth}天，为了儿子冲鸭{emo}",
        "{idol}的新剧好好看，妈妈粉表示很欣慰{emo}",
        "我闺女{idol}今天的造型也太美了吧{emo}",
        "熬夜等{idol}的直播，我家宝宝今天好开心{emo}",
        "儿子新歌循环一百遍了，{idol}你就是最棒的{emo}",
        "{idol}营业了！！宝宝终于想起来还有微博了{emo}",
    ),
    "pet": (
        "我家{pet}今天又{pettalk}，这儿子不能要了{emo}",
        "带闺女{pet}去打疫苗，全程抖成筛子{emo}",
        "{pet}宝宝今天体检一切正常，铲屎官放心了{emo}",
        "给{pet}买了新的猫爬架，{ta}看都不看，只玩箱子{emo}",
        "我儿子{pet}两岁了，是只{breed}，每天都在卖萌{emo}",
        "下班回家{pet}在门口等我，这就是养{breedword}的意义吧{emo}",
        "{pet}半夜踩我脸叫我起床喂饭，亲生的{emo}",
        "我家{breed}{pet}今天绝育，心疼我的宝宝{emo}",
        "给{pet}洗澡像打仗，浑身都是毛{emo}",
        "闺女{pet}最近胖了三斤，要减肥了{emo}",
    ),
    "heat": (
        "办公室冷得要命，贴了两片暖宝宝才活过来{emo}",
        "暖宝宝真是冬天续命神器，一贴暖一天{emo}",
        "{city}降温了，出门前贴个暖宝宝{emo}",
        "囤了一箱暖宝宝，今年冬天不怕了{emo}",
        "姨妈期必备：暖宝宝加热水袋{emo}",
        "忘了贴暖宝宝，在公交站冻成冰雕{emo}",
        "暖宝宝贴在衣服上别贴皮肤上，血泪教训{emo}",
        "给爸妈也寄了两盒暖宝宝，{city}今年太冷了{emo}",
    ),
    "love": (
        "宝宝今天给我买了{drink}，{partner}也太好了吧{emo}",
        "和宝宝在一起三周年啦，未来也请多指教{emo}",
        "我家宝宝又在打游戏不理我{emo}",
        "{partner}说以后叫我宝宝，肉麻死了{emo}",
        "宝宝下班来接我，冬天有人接真好{emo}",
        "今天和宝宝吵架了，他买了{dish}来道歉，原谅他了{emo}",
        "{partner}偷偷订了餐厅，宝宝你怎么这么会{emo}",
        "异地恋第{nth}个月，想宝宝了{emo}",
    ),
    "hypo": (
        "等我以后有了孩子，一定不逼{ta0}学钢琴{emo}",
        "如果以后我有女儿，一定天天给她扎好看的辫子{emo}",
        "还没结婚就已经开始想以后孩子叫什么名字了{emo}",
        "以后要是生了儿子，就让他跟他爸学做饭{emo}",
        "看了这么多育儿视频，感觉以后当妈也不会太慌{emo}",
        "同事都在晒娃，我连对象都没有，先想想以后孩子的名字吧{emo}",
        "要是以后我家宝宝也这么能哭，我可能会崩溃{emo}",
        "以后有了孩子，周末一定天天带出去玩{emo}",
    ),
    "otherkid": (
        "{friendkid}今天来我家，把我家翻了个底朝天{emo}",
        "{friendkid}才两岁就会背唐诗了，现在的小孩太厉害了{emo}",
        "{friendkid}满月了，送了个小金锁{emo}",
        "{friendkid}好可爱，抱了一下午舍不得放{emo}",
        "{friendkid}每天早上六点开始练琴{emo}",
        "{friendkid}三岁了，嘴巴甜得不行，一直叫我小姨{emo}",
        "周末帮忙带{friendkid}，一天下来累瘫了，当妈的真不容易{emo}",
        "{friendkid}考试考了一百分，全家都在群里夸{emo}",
    ),
    "shop": (
        "【限时秒杀】{gear}新品上架，宝宝专用，今晚8点开抢！",
        "宝妈们看过来！{gear}买二送一，母婴店周年庆{emo}",
        "新到一批{gear}，质量超好，需要的宝妈私信{emo}",
        "婴儿{gear}，无荧光剂，宝宝用着舒服，妈妈放心{emo}",
        "今日上新：{gear}，满199减50，宝宝换季必备",
        "宝宝{gear}团购价只剩最后一天了，手慢无{emo}",
        "实体母婴店，{city}同城可送货上门，{gear}现货{emo}",
        "孕妈必备{gear}，正品保障，假一赔十",
    ),
    "giveaway": (
        "#转发抽奖# 关注我们并转发本条微博，{n}天后抽{n}位送{prize}{emo}",
        "【福利】转发+评论，抽三位幸运儿送{prize}{emo} #转发抽奖#",
        "感恩回馈！转发本条抽{n}位送{prize}，评论区说说你最想要什么{emo}",
        "冬日福利来啦，转发抽奖送{prize}，人人有机会{emo}",
    ),
    "giveaway_baby": (
        "#转发抽奖# 关注+转发，抽{n}位宝妈送{gear}一份{emo}",
        "【宝妈福利】转发本条抽三位送宝宝{gear}，评论区晒娃加一次机会{emo}",
    ),
    "bot": (
        "兼职日结，手机就能做，详情看主页",
        "免费领取视频会员，点击链接",
        "每天签到领红包，亲测有效",
        "关注我，每天分享赚钱小技巧",
        "低价代购，正品保证，私聊",
    ),
    "celeb": (
        "新歌《{song}》今晚零点上线，记得来听{emo}",
        "谢谢大家的支持，爱你们{emo}",
        "今天的拍摄花絮～{emo}",
        "新剧《{drama}》今晚首播，一起追吧{emo}",
        "{city}的朋友们，下周末见！{emo}",
        "早安{emo}",
        "最近在学{hobby}，有点难但很好玩{emo}",
        "收工，晚安大家{emo}",
        "《{song}》MV上线啦，一起来看{emo}",
    ),
    "org_beauty": (
        "新品{product}上市，早八通勤也能持妆一整天 #好物分享#",
        "{skin}的冬季护肤指南，收藏起来慢慢看{emo}",
        "今日直播间福利：{product}买一送一，晚八点不见不散",
    ),
    "org_media": (
        "【{city}天气】明天{weather}，注意添衣保暖",
        "{city}新开了几家{cuisine}店，收藏起来慢慢吃{emo}",
        "【提醒】{city}明天有雨，出门记得带伞",
        "{city}周末好去处推荐，速速收藏{emo}",
        "【关注】{city}地铁新线路本月开通试运营",
    ),
    "org_game": (
        "{game}新赛季今日开启！登录即送限定皮肤{emo}",
        "【公告】今晚凌晨进行停服维护，预计两小时",
        "新角色实机演示来啦，你们期待吗{emo}",
    ),
    "org_gov": (
        "【{city}发布】今冬供暖将陆续启动，请市民做好准备",
        "【便民】{city}市民卡办理指南来了",
        "【提示】近期降温，请注意出行安全",
    ),
    "org_fitness": (
        "双十一会员卡限时特惠，{city}各门店通用{emo}",
        "今日团课：{exercise}，欢迎来练{emo}",
        "冬天更要动起来，来店免费体验一节私教课",
    ),
}

# Comment, repost and reply words, chosen by the root's content group and the reactor's class.
_COMMENTS: dict[str, tuple[str, ...]] = {
    "mom_mother": (
        "好可爱{emo}",
        "我家也是这样，一模一样{emo}",
        "哈哈哈哈太真实了",
        "抱抱，都会过去的[抱抱]",
        "同款娃{emo}",
        "羡慕，我家那个从来不睡整觉[泪]",
        "求{gear}链接",
        "宝宝好棒！",
        "加油，宝妈都不容易[加油]",
        "看得我也想带娃出去玩了",
        "我家{nick}也是，天天这样{emo}",
        "好萌啊，想捏捏小脸",
        "这个辅食怎么做的，求教程",
        "笑死，我家也干过这种事",
        "心疼，多喝水多休息",
        "长得真快{emo}",
        "哈哈同龄宝宝",
        "宝宝长得好像你",
    ),
    "mom": (
        "好可爱{emo}",
        "宝宝好萌",
        "长得真像你",
        "哈哈哈哈",
        "辛苦了[抱抱]",
        "真好{emo}",
        "太萌了吧",
        "好有爱",
    ),
    "generic": (
        "哈哈哈哈",
        "真的假的",
        "同感",
        "太真实了",
        "[赞]",
        "路过{emo}",
        "说得对",
        "+1",
        "是的",
        "哈哈哈笑死",
        "确实",
        "好家伙",
        "羡慕{emo}",
        "我也是",
        "真不错",
    ),
    "beauty": (
        "色号求问{emo}",
        "好显白啊",
        "这个我也在用，真的好用",
        "敏感肌能用吗",
        "被种草了{emo}",
        "求链接",
        "好美！",
        "这个妆好适合你",
    ),
    "food": (
        "看饿了{emo}",
        "地址在哪里？",
        "这个我也爱吃",
        "深夜放毒，举报了[doge]",
        "下次一起去",
        "看起来好好吃",
        "求做法",
    ),
    "gaming": (
        "带我一个{emo}",
        "菜就多练[doge]",
        "这个确实超标",
        "恭喜上分",
        "一起开黑啊",
        "同一个赛季，我还在钻石",
    ),
    "fitness": (
        "自律的人最可怕{emo}",
        "求计划",
        "坚持就是胜利[赞]",
        "好厉害，我连五分钟都坚持不了",
        "一起打卡",
        "身材好好",
    ),
    "fan": (
        "哥哥好帅{emo}",
        "永远支持你[心]",
        "冲冲冲",
        "等你好久了",
        "爱你{emo}",
        "期待新作品",
        "一定会去的！",
        "好好休息呀",
    ),
    "giveaway": ("想要{emo}", "许愿中奖[祈祷]", "参与一下", "锦鲤附体", "抽我抽我", "万一呢{emo}"),
    "shop": ("多少钱", "怎么买", "已下单", "质量怎么样", "私信了", "还有货吗"),
    "pet": ("好可爱的毛孩子{emo}", "想rua", "我家的也这样", "太萌了吧", "好乖啊"),
}
_REPOSTS: dict[str, tuple[str, ...]] = {
    "mom_mother": (
        "太真实了{emo}",
        "我家也是这样",
        "码住，以后用得上",
        "转给还没当妈的姐妹看看",
        "哈哈哈哈这不就是我家吗",
        "好可爱{emo}",
        "同款娃+1",
        "说到心坎里了",
        "马住学习",
        "抱抱姐妹[抱抱]",
    ),
    "mom": ("好可爱{emo}", "太萌了", "哈哈哈哈", "转发一下"),
    "generic": ("哈哈哈哈", "说得好", "太真实了{emo}", "同感", "有道理", "码住", "[赞]"),
    "beauty": ("种草了", "码住{emo}", "好看"),
    "food": ("想吃{emo}", "码住，下次去", "看饿了"),
    "gaming": ("哈哈哈哈", "冲{emo}", "真实"),
    "fitness": ("一起加油{emo}", "码住计划", "自律"),
    "fan": ("哥哥冲鸭{emo}", "支持！", "一起来听", "永远爱你[心]", "期待"),
    "giveaway": ("参与一下{emo}", "许愿中奖[祈祷]", "锦鲤附体", "万一中了呢", "抽我"),
    "shop": ("不错", "看看{emo}", "转给需要的姐妹"),
    "pet": ("好可爱{emo}", "哈哈哈哈", "想养"),
    "bot": ("好", "支持", "[赞]", "转发", "学习了", "关注了", "好好好"),
}
_REPLIES: tuple[str, ...] = (
    "谢谢{emo}",
    "哈哈哈是的",
    "对呀",
    "私信你了",
    "抱抱[抱抱]",
    "同感{emo}",
    "哈哈一起加油",
    "谢谢亲",
    "有空一起",
    "好的好的",
    "真的！",
    "嗯嗯",
)

# Content kinds of original posts (index = code).
_KINDS: tuple[str, ...] = (
    "mom",
    "dad",
    "chat",
    "beauty",
    "food",
    "gaming",
    "fitness",
    "idol",
    "pet",
    "heat",
    "love",
    "hypo",
    "otherkid",
    "shop",
    "giveaway",
    "giveaway_baby",
    "bot",
    "celeb",
    "org_beauty",
    "org_media",
    "org_game",
    "org_gov",
    "org_fitness",
)
_K = {k: i for i, k in enumerate(_KINDS)}
# Reaction groups (words pool) of each content kind.
_GROUPS: tuple[str, ...] = (
    "mom",
    "generic",
    "beauty",
    "food",
    "gaming",
    "fitness",
    "fan",
    "giveaway",
    "shop",
    "pet",
)
_G = {g: i for i, g in enumerate(_GROUPS)}
_KIND_GROUP = np.array(
    [
        _G[
            {
                "mom": "mom",
                "dad": "mom",
                "beauty": "beauty",
                "food": "food",
                "gaming": "gaming",
                "fitness": "fitness",
                "pet": "pet",
                "shop": "shop",
                "giveaway": "giveaway",
                "giveaway_baby": "giveaway",
                "celeb": "fan",
                "org_beauty": "beauty",
                "org_game": "gaming",
                "org_fitness": "fitness",
            }.get(k, "generic")
        ]
        for k in _KINDS
    ],
    dtype=np.int8,
)
# Appeal multiplier per kind (how much a post of that kind invites reactions).
_KIND_APPEAL = np.array(
    [
        {
            "mom": 1.0,
            "dad": 1.0,
            "chat": 0.6,
            "beauty": 0.9,
            "food": 0.9,
            "gaming": 0.8,
            "fitness": 0.8,
            "idol": 0.7,
            "pet": 0.9,
            "heat": 0.5,
            "love": 0.6,
            "hypo": 0.5,
            "otherkid": 0.6,
            "shop": 0.25,
            "giveaway": 1.0,
            "giveaway_baby": 1.0,
            "bot": 0.03,
            "celeb": 1.5,
            "org_beauty": 0.5,
            "org_media": 0.7,
            "org_game": 0.8,
            "org_gov": 0.4,
            "org_fitness": 0.4,
        }[k]
        for k in _KINDS
    ]
)
_KIND_TOPICS: dict[str, str] = {
    "mom": "mom",
    "dad": "dad",
    "chat": "chat",
    "beauty": "beauty",
    "food": "food",
    "gaming": "gaming",
    "fitness": "fitness",
    "pet": "pet",
    "heat": "heat",
    "love": "love",
    "hypo": "chat",
    "otherkid": "chat",
    "shop": "shop",
    "giveaway_baby": "shop",
}

# Roles.
_ORDINARY, _CELEB, _ORG, _BOT, _WEISHANG = 0, 1, 2, 3, 4
_SEG_MOTHERS, _SEG_NONE = 0, -1
_HN_NONE = -1
_ORG_TYPES: tuple[tuple[str, int, str], ...] = (
    # (kind, verified_type, content kind)
    ("baby", 2, "shop"),
    ("beauty", 2, "org_beauty"),
    ("media", 3, "org_media"),
    ("game", 2, "org_game"),
    ("gov", 1, "org_gov"),
    ("fitness", 7, "org_fitness"),
    ("campus", 4, "org_media"),
    ("web", 5, "org_beauty"),
    ("app", 6, "org_fitness"),
)
_ORG_TYPE_W = np.array([3.0, 1.5, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5])
_ORG_NAMES: dict[str, tuple[str, ...]] = {
    "baby": (
        "贝贝熊母婴旗舰店",
        "小象宝贝母婴店",
        "童趣母婴官方",
        "优贝婴童旗舰店",
        "宝贝计划母婴生活馆",
        "亲亲宝贝孕婴店",
        "小树苗母婴连锁",
        "萌宝之家母婴",
    ),
    "beauty": ("花漾美妆官方微博", "植研护肤旗舰店", "青黛彩妆官方", "水光肌研究所"),
    "media": ("{city}本地宝", "{city}吃货日报", "{city}身边事", "{city}生活圈"),
    "game": ("星火游戏官方", "幻境手游官方微博", "云端互娱"),
    "gov": ("{city}发布", "{city}交警", "{city}文旅"),
    "fitness": ("超燃健身{city}店", "乐动健身俱乐部"),
    "campus": ("{city}理工大学", "{city}师范学院"),
    "web": ("好物种草网", "生活指南网"),
    "app": ("轻食记APP", "运动打卡APP"),
}
_CELEB_TYPES: tuple[tuple[str, int, int], ...] = (
    # (kind, segment or -1, content kind)
    ("idol", -1, _K["celeb"]),
    ("beauty", 1, _K["beauty"]),
    ("food", 2, _K["food"]),
    ("gaming", 3, _K["gaming"]),
    ("fitness", 4, _K["fitness"]),
)

_DESC: dict[str, tuple[str, ...]] = {
    "mothers": (
        "{nick}妈｜记录{nick}的成长",
        "宝妈一枚，坐标{city}",
        "二胎妈妈 一儿一女",
        "全职妈妈｜爱生活爱分享",
        "新手妈妈，边学边带",
        "职场妈妈 时间管理中",
        "{nick}和{nick2}的妈",
        "",
        "",
        "",
    ),
    "fathers": ("{nick}爸", "奶爸一枚", "", ""),
    "beauty": ("美妆爱好者｜{skin}", "分享平价好物", "化妆师｜合作请私信", "", ""),
    "food": ("吃货一枚", "{city}美食探店", "认真吃饭 好好生活", "", ""),
    "gaming": ("王者荣耀 巅峰2000+", "原神玩家", "菜但爱玩", "", ""),
    "fitness": ("健身三年｜增肌减脂", "瑜伽老师", "跑步爱好者 全马破四", "", ""),
    "none": (
        "",
        "",
        "",
        "一个普通人",
        "好好生活",
        "做一个温柔的人",
        "{city}人",
        "摄影 旅行 猫",
        "听歌 看剧 睡觉",
        "保持热爱 奔赴山海",
    ),
    "idol_fan": ("{idol}的妈妈粉", "爱{idol}的第三年", "{idol}只管往前走"),
    "pet_owner": ("{pet}的铲屎官", "两猫一狗", "养猫人", ""),
    "weishang": ("母婴用品 正品保障 微信同号", "宝妈创业 母婴好物分享"),
    "bot": ("", "", "分享生活"),
    "celeb": ("演员、歌手", "歌手", "美妆博主｜商务合作请私信", "美食博主", "游戏主播", "健身教练"),
}

# Hourly posting weights (Asia/Shanghai): few posts 2-6am, peaks at lunch and late evening.
_HOUR_W = np.array(
    [
        3.0,
        1.8,
        1.0,
        0.55,
        0.4,
        0.5,
        1.2,
        2.8,
        3.8,
        4.2,
        4.3,
        4.6,
        5.6,
        5.2,
        4.3,
        4.2,
        4.3,
        4.6,
        5.0,
        5.6,
        6.4,
        7.0,
        6.6,
        4.8,
    ]
)
_HOUR_CDF = np.concatenate([[0.0], np.cumsum(_HOUR_W) / _HOUR_W.sum()])
_HOUR_SECS = np.arange(25, dtype=float) * 3600.0
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEIBO_EPOCH = 515483463  # (id >> 22) + this = unix seconds
_MIN_DELAY = 0.0006  # days of "clock-warped" time (~30-50 s)
_MAX_DEPTH = 8
_CACHE = 16_384  # rendered users/texts kept (cascades are short-lived, so hits stay high)
_CN_NUM = ("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")

# --------------------------------------------------------------------------------------------
# Deterministic per-post randomness for text (splitmix64: cheap and platform independent)
# --------------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1


class _R:
    __slots__ = ("s",)

    def __init__(self, seed: int) -> None:
        self.s = seed & _M64

    def next(self) -> int:
        self.s = (self.s + 0x9E3779B97F4A7C15) & _M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.next() % len(seq)]

    def chance(self, p: float) -> bool:
        return self.next() < p * 18446744073709551616.0


def _age_text(days: int, r: _R) -> str:
    if days < 30:
        return r.pick((f"{max(days, 1)}天", "满月前"))
    months = days // 30
    if months < 12:
        return r.pick((f"{months}个月", f"{_CN_NUM[months]}个月", f"{months}个月大"))
    years, rem = divmod(months, 12)
    cy = _CN_NUM[years] if years <= 12 else str(years)
    if rem == 0:
        return r.pick((f"{years}岁", f"{cy}岁"))
    if rem == 6:
        return r.pick((f"{cy}岁半", f"{years}岁半"))
    return r.pick((f"{years}岁{rem}个月", f"{cy}岁{_CN_NUM[rem]}个月"))


# --------------------------------------------------------------------------------------------
# Generator state
# --------------------------------------------------------------------------------------------


@dataclass
class _Users:
    n: int
    uid: np.ndarray  # int64, 10 digits
    names: list[str]
    role: np.ndarray  # int8
    seg1: np.ndarray  # int8, -1 none
    seg2: np.ndarray  # int8, -1 none
    hn: np.ndarray  # int8, index into HARD_NEGATIVE_KINDS or -1
    father: np.ndarray  # bool
    city: np.ndarray  # int16 index into _CITIES
    female: np.ndarray  # bool
    followers: np.ndarray  # int64
    friends: np.ndarray  # int64
    statuses: np.ndarray  # int64 (before adding in-sample posts)
    favourites: np.ndarray  # int64
    created: np.ndarray  # int64 local seconds since 1970 (account creation)
    verified: np.ndarray  # bool
    vtype: np.ndarray  # int16
    desc_pick: np.ndarray  # int64: which description (see _description)
    client: np.ndarray  # int8
    kid_nick: np.ndarray  # int16
    kid_girl: np.ndarray  # bool
    kid_age0: np.ndarray  # int32 days at day 0 (negative: pregnant)
    pet: np.ndarray  # int16
    breed: np.ndarray  # int16
    idol: np.ndarray  # int16 index into _IDOLS, -1 none
    org_kind: np.ndarray  # int8 index into _ORG_TYPES, -1 none
    celeb_kind: np.ndarray  # int8 index into _CELEB_TYPES, -1 none
    lazy_mom: np.ndarray  # bool: mother who rarely posts
    act: np.ndarray  # float64 reaction activity
    circle: np.ndarray  # int32


def _choice_idx(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=float)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").clip(0, len(weights) - 1)


def _make_users(
    rng: np.random.Generator,
    n: int,
    *,
    mothers_share: float,
    bot_share: float,
    celebrity_share: float,
    org_share: float,
    hard_negative_share: float,
    start_local: int,
) -> _Users:
    # --- ids: unique, 10 digits, random order
    cand = np.unique(rng.integers(1_000_000_000, 7_999_999_999, size=n + n // 10 + 64))
    uid = rng.permutation(cand)[:n].astype(np.int64)
    while uid.size < n:  # practically never
        extra = rng.integers(1_000_000_000, 7_999_999_999, size=n)
        uid = np.unique(np.concatenate([uid, extra]))[:n]

    # --- roles
    n_celeb = max(1, round(celebrity_share * n)) if n >= 20 else 0
    n_org = max(2, round(org_share * n)) if n >= 20 else 0
    n_bot = max(1, round(bot_share * n)) if n >= 20 else 0
    n_ws = round(0.005 * n)
    role = np.zeros(n, dtype=np.int8)
    perm = rng.permutation(n)
    a = 0
    for r_, k in ((_CELEB, n_celeb), (_ORG, n_org), (_BOT, n_bot), (_WEISHANG, n_ws)):
        role[perm[a : a + k]] = r_
        a += k
    ordinary = perm[a:]
    n_mom = min(round(mothers_share * n), ordinary.size)

    seg1 = np.full(n, _SEG_NONE, dtype=np.int8)
    seg2 = np.full(n, _SEG_NONE, dtype=np.int8)
    moms = ordinary[:n_mom]
    rest = ordinary[n_mom:]
    seg1[moms] = _SEG_MOTHERS
    # non-mother ordinary users: beauty, food, gaming, fitness or none
    pick = _choice_idx(rng, np.array([0.14, 0.14, 0.11, 0.08, 0.53]), rest.size)
    seg1[rest] = np.where(pick < 4, pick + 1, _SEG_NONE)
    # second segment
    has1 = seg1 >= 0
    second = has1 & (rng.random(n) < 0.18) & (role == _ORDINARY)
    cand2 = rng.integers(1, 5, size=n).astype(np.int8)
    cand2 = np.where(cand2 == seg1, (cand2 % 4) + 1, cand2).astype(np.int8)
    mom_second = (seg1 == _SEG_MOTHERS) & (cand2 == 3)  # mothers rarely game: pick food
    cand2[mom_second] = 2
    seg2[second] = cand2[second]

    # celebrities: idols and bloggers (bloggers belong to their segment)
    celeb_kind = np.full(n, -1, dtype=np.int8)
    celebs = np.flatnonzero(role == _CELEB)
    ck = _choice_idx(rng, np.array([0.5, 0.15, 0.15, 0.1, 0.1]), celebs.size).astype(np.int8)
    ck[: min(2, ck.size)] = 0  # at least a couple of idols for the fans
    celeb_kind[celebs] = ck
    for i, kind in enumerate(_CELEB_TYPES):
        members = celebs[ck == i]
        if kind[1] >= 0:
            seg1[members] = kind[1]

    # organisations
    org_kind = np.full(n, -1, dtype=np.int8)
    orgs = np.flatnonzero(role == _ORG)
    ok = _choice_idx(rng, _ORG_TYPE_W, orgs.size).astype(np.int8)
    ok[: min(1, ok.size)] = 0  # at least one baby-products shop
    org_kind[orgs] = ok

    # hard negatives among ordinary non-mothers
    hn = np.full(n, _HN_NONE, dtype=np.int8)
    hn_w = np.array([0.26, 0.26, 0.13, 0.16, 0.09, 0.10])
    hn_users = rest[rng.random(rest.size) < hard_negative_share]
    hn[hn_users] = _choice_idx(rng, hn_w, hn_users.size)
    hn[role == _WEISHANG] = HARD_NEGATIVE_KINDS.index("shop")
    hn[orgs[ok == 0]] = HARD_NEGATIVE_KINDS.index("shop")

    father = np.zeros(n, dtype=bool)
    father[moms] = rng.random(n_mom) < 0.12
    lazy_mom = np.zeros(n, dtype=bool)
    lazy_mom[moms] = rng.random(n_mom) < 0.07

    # --- city, gender
    city = _choice_idx(rng, _CITY_W, n).astype(np.int16)
    p_female = np.full(n, 0.52)
    p_female[seg1 == 1] = 0.92
    p_female[seg1 == 2] = 0.6
    p_female[seg1 == 3] = 0.25
    p_female[seg1 == 4] = 0.5
    hn_pf = np.array([0.9, 0.6, 0.8, 0.75, 0.75, 0.6, 0.9])
    p_female[hn >= 0] = hn_pf[hn[hn >= 0]]
    female = rng.random(n) < p_female
    female[moms] = ~father[moms]

    # --- follower counts: heavy tailed
    followers = np.exp(rng.normal(np.log(260), 1.05, n))
    followers = np.clip(followers, 8, 48_000)
    bloggers = np.zeros(n, dtype=bool)
    bloggers[moms] = rng.random(n_mom) < 0.025  # parenting bloggers: not "ordinary"
    followers[bloggers] = np.exp(rng.uniform(np.log(60_000), np.log(800_000), bloggers.sum()))
    daren = (role == _ORDINARY) & ~bloggers & (rng.random(n) < 0.012)
    followers[daren] = np.exp(rng.uniform(np.log(8_000), np.log(45_000), daren.sum()))
    nc = celebs.size
    followers[celebs] = np.minimum(100_000 * (1 + rng.pareto(0.9, nc)), 10_000_000)
    followers[orgs] = np.exp(rng.uniform(np.log(20_000), np.log(2_000_000), orgs.size))
    bots = role == _BOT
    followers[bots] = rng.integers(0, 80, bots.sum())
    ws = role == _WEISHANG
    followers[ws] = rng.integers(200, 3_000, ws.sum())
    followers = followers.astype(np.int64)

    friends = np.exp(rng.normal(np.log(220), 0.8, n)).clip(5, 3_000)
    friends[bots] = rng.integers(1_200, 2_000, bots.sum())
    friends[celebs] = rng.integers(50, 800, nc)
    friends[orgs] = rng.integers(10, 400, orgs.size)
    friends = friends.astype(np.int64)
    statuses = np.exp(rng.normal(np.log(900), 1.0, n)).astype(np.int64) + 10
    statuses[bots] += rng.integers(5_000, 40_000, bots.sum())
    favourites = np.exp(rng.normal(np.log(60), 1.3, n)).astype(np.int64)

    verified = np.zeros(n, dtype=bool)
    vtype = np.full(n, -1, dtype=np.int16)
    verified[celebs] = True
    vtype[celebs] = 0
    verified[bloggers] = True
    vtype[bloggers] = np.where(rng.random(bloggers.sum()) < 0.5, 0, 220)
    verified[bloggers & (vtype == 220)] = False
    vtype[daren] = 220
    verified[orgs] = True
    vtype[orgs] = np.array([t[1] for t in _ORG_TYPES], dtype=np.int16)[ok]

    # account creation: 2009-09 .. 2025-06 (bots: recent)
    lo = int((date(2009, 9, 1) - date(1970, 1, 1)).days) * 86400
    hi = int((date(2025, 6, 30) - date(1970, 1, 1)).days) * 86400
    created = rng.integers(lo, hi, n).astype(np.int64)
    created[bots] = rng.integers(start_local - 400 * 86400, start_local - 20 * 86400, bots.sum())

    client = _choice_idx(rng, _CLIENT_W, n).astype(np.int8)
    kid_nick = rng.integers(0, len(_KID_NICKS), n).astype(np.int16)
    kid_girl = rng.random(n) < 0.5
    age_band = _choice_idx(rng, np.array([0.12, 0.38, 0.35, 0.15]), n)
    lo_hi = np.array([[-270, -5], [5, 365], [365, 1095], [1095, 2100]])
    kid_age0 = rng.integers(lo_hi[age_band, 0], lo_hi[age_band, 1]).astype(np.int32)
    pet = rng.integers(0, len(_PETS), n).astype(np.int16)
    breed = rng.integers(0, len(_BREEDS), n).astype(np.int16)

    idol = np.full(n, -1, dtype=np.int16)
    idol_celebs = celebs[ck == 0]
    n_idols_present = min(idol_celebs.size, len(_IDOLS))
    fans = hn == HARD_NEGATIVE_KINDS.index("idol_fan")
    if n_idols_present:
        idol[fans] = np.where(
            rng.random(n) < 0.8,
            rng.integers(0, n_idols_present, n),
            rng.integers(0, len(_IDOLS), n),
        )[fans]
    else:
        idol[fans] = rng.integers(0, len(_IDOLS), n)[fans]

    # reaction activity: mothers are the most active reactors; bots react to almost anything
    act = np.exp(rng.normal(0.0, 0.45, n))
    base = np.full(n, 0.45)
    base[seg1 == _SEG_MOTHERS] = 1.5
    base[(seg1 >= 1)] = 0.8
    base[hn >= 0] = 0.7
    base[role == _CELEB] = 0.05
    base[role == _ORG] = 0.02
    base[role == _WEISHANG] = 0.2
    base[bots] = 6.0
    act = act * base
    act[lazy_mom] *= 0.4

    names = _make_names(
        rng, n, role, seg1, hn, father, kid_nick, pet, city, uid, celeb_kind, org_kind, celebs, ck, orgs, ok
    )
    desc_pick = rng.integers(0, 1 << 30, n)

    return _Users(
        n=n,
        uid=uid,
        names=names,
        role=role,
        seg1=seg1,
        seg2=seg2,
        hn=hn,
        father=father,
        city=city,
        female=female,
        followers=followers,
        friends=friends,
        statuses=statuses,
        favourites=favourites,
        created=created,
        verified=verified,
        vtype=vtype,
        desc_pick=desc_pick,
        client=client,
        kid_nick=kid_nick,
        kid_girl=kid_girl,
        kid_age0=kid_age0,
        pet=pet,
        breed=breed,
        idol=idol,
        org_kind=org_kind,
        celeb_kind=celeb_kind,
        lazy_mom=lazy_mom,
        act=act,
        circle=np.zeros(n, dtype=np.int32),
    )


def _make_names(
    rng: np.random.Generator,
    n: int,
    role: np.ndarray,
    seg1: np.ndarray,
    hn: np.ndarray,
    father: np.ndarray,
    kid_nick: np.ndarray,
    pet: np.ndarray,
    city: np.ndarray,
    uid: np.ndarray,
    celeb_kind: np.ndarray,
    org_kind: np.ndarray,
    celebs: np.ndarray,
    ck: np.ndarray,
    orgs: np.ndarray,
    ok: np.ndarray,
) -> list[str]:
    pattern = rng.integers(0, 10, n)
    m = rng.integers(0, len(_NAME_MODS), n)
    c = rng.integers(0, len(_NAME_CORES), n)
    t = rng.integers(0, len(_NAME_TAILS), n)
    lat = rng.integers(0, len(_NAME_LATIN), n)
    num = rng.integers(0, 10_000, n)
    year = rng.integers(1985, 2021, n)
    mom_style = rng.integers(0, 6, n)
    names: list[str] = [""] * n
    mods, cores, tails, latin = _NAME_MODS, _NAME_CORES, _NAME_TAILS, _NAME_LATIN
    role_l = role.tolist()
    seg_l = seg1.tolist()
    hn_l = hn.tolist()
    pet_hn = HARD_NEGATIVE_KINDS.index("pet_owner")
    for i in range(n):
        r_ = role_l[i]
        if r_ == _BOT:
            names[i] = ("用户" if num[i] % 3 else "手机用户") + str(uid[i])
            continue
        if r_ == _WEISHANG:
            names[i] = f"{cores[c[i]]}母婴好物{num[i] % 100}"
            continue
        p = pattern[i]
        if seg_l[i] == _SEG_MOTHERS and mom_style[i] < 4:
            nick = _KID_NICKS[kid_nick[i]]
            tails_ = _DAD_TAILS if father[i] else _MOM_TAILS
            name = nick + tails_[int(num[i]) % len(tails_)]
            if p >= 4:
                name += (
                    ("_" + _CITIES[city[i]][4])
                    if p < 6
                    else str(year[i] % 100)
                    if p < 8
                    else str(num[i] % 1000)
                )
            names[i] = name
            continue
        if hn_l[i] == pet_hn and p < 4:
            names[i] = _PETS[pet[i]] + ("的铲屎官", "和它的两脚兽", "家的猫奴", "是只猫")[p]
            continue
        if p <= 2:
            names[i] = mods[m[i]] + cores[c[i]] + tails[t[i]]
        elif p <= 4:
            names[i] = cores[c[i]] + tails[t[i]] + (str(year[i]) if p == 4 else "")
        elif p <= 6:
            names[i] = latin[lat[i]] + ("_" if p == 5 else "") + cores[c[i]]
        elif p == 7:
            names[i] = cores[c[i]] + "_" + str(num[i])
        elif p == 8:
            names[i] = mods[m[i]] + cores[c[i]]
        else:
            names[i] = latin[lat[i]] + str(num[i] % 1000)
    # celebrities and organisations
    n_idol = 0  # the t-th idol is called _IDOLS[t] (fans refer to idols by that index)
    for j, i in enumerate(celebs.tolist()):
        k = int(ck[j])
        if k == 0:
            names[i] = _IDOLS[n_idol] if n_idol < len(_IDOLS) else f"歌手{cores[c[i]]}"
            n_idol += 1
        else:
            prefix = ("", "美妆博主", "大胃王", "游戏主播", "健身教练")[k]
            names[i] = prefix + (latin[lat[i]] if k == 4 else cores[c[i]])
    used_of_kind: Counter[str] = Counter()
    taken: set[str] = set()
    for j, i in enumerate(orgs.tolist()):
        kind = _ORG_TYPES[int(ok[j])][0]
        pool = _ORG_NAMES[kind]
        t_ = used_of_kind[kind]
        used_of_kind[kind] += 1
        place = _CITIES[city[i]][4].replace("其他", "同城")
        # go through the pool, then branch out by city (a clash left is settled below)
        options = [pool[(t_ + m) % len(pool)].format(city=place) for m in range(len(pool))]
        options += [place + o for o in options if not o.startswith(place)]
        names[i] = next((o for o in options if o not in taken), options[0])
        taken.add(names[i])
    # uniqueness (names resolve @mentions): deterministic suffixes
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, name in enumerate(names):
        base = name
        if base in seen:
            k = seen[base]
            while True:
                k += 1
                cand = f"{base}_{k}" if role_l[i] != _ORG else f"{base}{k}号店"
                if cand not in seen:
                    break
            seen[base] = k
            name = cand
        seen[name] = seen.get(name, 0)
        out.append(name)
    return out


def _description(u: _Users, i: int) -> str:
    """Profile description of user ``i`` (rendered on demand: cheap, and saves memory)."""
    r_, seg, hn = int(u.role[i]), int(u.seg1[i]), int(u.hn[i])
    if r_ == _ORG:
        return "官方微博"
    if r_ == _BOT:
        key = "bot"
    elif r_ == _WEISHANG:
        key = "weishang"
    elif r_ == _CELEB:
        key = "celeb"
    elif hn == 0:
        key = "idol_fan"
    elif hn == 1:
        key = "pet_owner"
    elif seg == _SEG_MOTHERS:
        key = "fathers" if u.father[i] else "mothers"
    elif seg >= 1:
        key = SEGMENTS[seg]
    else:
        key = "none"
    pick = int(u.desc_pick[i])
    pool = _DESC[key]
    nick = int(u.kid_nick[i])
    return pool[pick % len(pool)].format(
        nick=_KID_NICKS[nick],
        nick2=_KID_NICKS[(nick + 7) % len(_KID_NICKS)],
        city=_CITIES[u.city[i]][4],
        pet=_PETS[u.pet[i]],
        idol=_IDOLS[max(int(u.idol[i]), 0)],
        skin=_V["skin"][pick % len(_V["skin"])],
    )


# --------------------------------------------------------------------------------------------
# Circles and the follow graph
# --------------------------------------------------------------------------------------------


@dataclass
class _Graph:
    """Audience lists: for author u, followers ``dst[off[u]:off[u+1]]`` with weights ``w``."""

    off: np.ndarray
    dst: np.ndarray
    cum: np.ndarray
    total: np.ndarray


def _circles(rng: np.random.Generator, u: _Users) -> np.ndarray:
    """Circles of ~5-60 people sharing a theme (segment) and, mostly, a city."""
    n = u.n
    theme = np.where(u.seg1 >= 0, u.seg1, 5).astype(np.int64)
    theme[u.role == _BOT] = 6
    theme[(u.role == _ORG) | (u.role == _CELEB)] = 7
    label = _CITY_LABEL_IDX[u.city].astype(np.int64)
    order = np.lexsort((rng.random(n), label, theme))
    key = (theme * 1000 + label)[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], n]
    circle = np.full(n, -1, dtype=np.int64)
    next_id = 0
    theme_circles: dict[int, list[int]] = defaultdict(list)
    leftovers: dict[int, list[np.ndarray]] = defaultdict(list)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        length = e - s
        th = int(key[s] // 1000)
        if length < 5:  # too few people here: they join a group of the same theme elsewhere
            leftovers[th].append(order[s:e])
            continue
        k = max(1, round(length / 14))
        sizes = rng.lognormal(0.0, 0.45, k)
        cuts = np.cumsum(sizes) / sizes.sum() * length
        idx = np.minimum(np.searchsorted(cuts, np.arange(length) + 0.5), k - 1)
        circle[order[s:e]] = next_id + idx
        theme_circles[th].extend(range(next_id, next_id + k))
        next_id += k
    for th in sorted(leftovers):
        members = np.concatenate(leftovers[th])
        options = theme_circles.get(th)
        if options:
            circle[members] = np.asarray(options)[rng.integers(0, len(options), members.size)]
        else:
            circle[members] = next_id
            next_id += 1
    # a little noise: some people sit in a circle of another city or theme
    movers = np.flatnonzero((rng.random(n) < 0.04) & (u.role == _ORDINARY))
    circle[movers] = circle[rng.integers(0, n, movers.size)]
    # renumber circles densely by first appearance in user order
    _, first = np.unique(circle, return_index=True)
    remap = np.empty(int(circle.max()) + 1, dtype=np.int32)
    remap[circle[np.sort(first)]] = np.arange(first.size, dtype=np.int32)
    return remap[circle]


def _graph(rng: np.random.Generator, u: _Users) -> _Graph:
    n = u.n
    circle = u.circle
    order = np.argsort(circle, kind="stable")
    c_sorted = circle[order]
    c_start = np.searchsorted(c_sorted, np.arange(int(circle.max()) + 2))
    c_size = np.diff(c_start)
    role = u.role
    is_mom = u.seg1 == _SEG_MOTHERS
    bots = role == _BOT
    special = (role == _CELEB) | (role == _ORG)

    srcs: list[np.ndarray] = []  # followed (author)
    dsts: list[np.ndarray] = []  # follower (audience)

    def add(src: np.ndarray, dst: np.ndarray) -> None:
        srcs.append(src.astype(np.int32))
        dsts.append(dst.astype(np.int32))

    # 1. within the circle (v follows circle mates; mostly mutual)
    lam_in = np.where(is_mom, 7.0, 4.5)
    lam_in[special] = 1.0
    lam_in[bots] = 0.0
    k_in = np.minimum(rng.poisson(lam_in), c_size[circle] - 1).clip(0)
    users32 = np.arange(n, dtype=np.int32)
    v = np.repeat(users32, k_in)
    cv = circle[v]
    tgt = order[c_start[cv] + (rng.random(v.size) * c_size[cv]).astype(np.int64)]
    add(tgt, v)
    add(v, tgt)  # mutual

    # 2. same theme and city outside the circle
    theme = np.where(u.seg1 >= 0, u.seg1, 5).astype(np.int64)
    key = theme * 1000 + _CITY_LABEL_IDX[u.city]
    k_order = np.argsort(key, kind="stable")
    k_sorted = key[k_order]
    k_city = rng.poisson(np.where(is_mom, 2.0, 1.2))
    k_city[bots | special] = 0
    v = np.repeat(users32, k_city)
    lo = np.searchsorted(k_sorted, key[v], side="left")
    hi = np.searchsorted(k_sorted, key[v], side="right")
    tgt = k_order[lo + (rng.random(v.size) * (hi - lo)).astype(np.int64)]
    add(tgt, v)

    # 3. popular accounts (preferential: heavy-tailed in-degrees); bots follow lots
    pop_w = u.followers.astype(float) ** 0.85
    pop_w[bots] = 0.0
    k_pop = rng.poisson(np.where(bots, 120.0, 2.5))
    k_pop[special] = rng.poisson(1.0, int(special.sum()))
    v = np.repeat(users32, k_pop)
    add(_choice_idx(rng, pop_w, v.size), v)

    # 4. random strangers
    k_rand = rng.poisson(np.where(bots, 250.0, 0.7))
    v = np.repeat(users32, k_rand)
    add(rng.integers(0, n, v.size), v)

    # 5. fans follow their idol; some mothers follow a baby shop
    fans = np.flatnonzero(u.idol >= 0)
    idol_users = np.flatnonzero(u.celeb_kind == 0)
    if idol_users.size:
        ok_fans = fans[u.idol[fans] < idol_users.size]
        add(idol_users[u.idol[ok_fans]], ok_fans)
    shops = np.flatnonzero(u.org_kind == 0)
    if shops.size:
        m = np.flatnonzero(is_mom & (rng.random(n) < 0.3))
        add(shops[rng.integers(0, shops.size, m.size)], m)

    src = np.concatenate(srcs)
    srcs.clear()
    dst = np.concatenate(dsts)
    dsts.clear()
    loop = src == dst  # no self-follows
    keys = src[~loop].astype(np.int64) * n
    keys += dst[~loop]
    del src, dst, loop
    keys.sort()
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # no duplicate edges
    src = (keys // n).astype(np.int32)
    dst = (keys % n).astype(np.int32)
    del keys

    # weights: per-pair affinity x circle x homophily x reader activity (float32 to save memory,
    # accumulated in float64)
    f32 = np.float32
    w = rng.lognormal(0.0, 0.5, src.size).astype(f32)
    w *= np.where(circle[src] == circle[dst], f32(6.0), f32(1.0))
    s1, d1, d2 = u.seg1[src], u.seg1[dst], u.seg2[dst]
    share = (s1 >= 0) & ((s1 == d1) | (s1 == d2))
    del s1
    s2 = u.seg2[src]
    share |= (s2 >= 0) & ((s2 == d1) | (s2 == d2))
    del s2, d1, d2
    both_mom = is_mom[src] & is_mom[dst]
    w *= np.where(both_mom, f32(4.0), np.where(share, f32(2.0), f32(1.0)))
    del both_mom, share
    w *= u.act[dst].astype(f32)
    off = np.searchsorted(src, np.arange(n + 1))
    del src
    cum = np.cumsum(w, dtype=np.float64)
    del w
    before = np.where(off[:-1] > 0, cum[np.maximum(off[:-1] - 1, 0)], 0.0)
    last = np.where(off[1:] > 0, cum[np.maximum(off[1:] - 1, 0)], 0.0)
    total = np.where(np.diff(off) > 0, last - before, 0.0)
    return _Graph(off=off, dst=dst, cum=cum, total=total)


def _sample_audience(rng: np.random.Generator, g: _Graph, owners: np.ndarray) -> np.ndarray:
    """One weighted draw from each owner's audience (owners must have a non-empty audience)."""
    if owners.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = g.off[owners]
    lo = np.where(first > 0, g.cum[np.maximum(first - 1, 0)], 0.0)
    target = lo + rng.random(owners.size) * g.total[owners]
    idx = np.searchsorted(g.cum, target, side="right")
    idx = np.clip(idx, first, g.off[owners + 1] - 1)
    return g.dst[idx].astype(np.int64)


# --------------------------------------------------------------------------------------------
# Posting streams (renewal processes in circadian-warped time)
# --------------------------------------------------------------------------------------------


def _renewal(
    rng: np.random.Generator, rate: np.ndarray, shape: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Event times in [0, horizon) of independent gamma renewal processes, one per stream."""
    mean_gap = 1.0 / rate
    scale = mean_gap / shape
    idx = np.arange(rate.size)
    # stationary start: first event after a uniformly-placed fraction of a gap
    t = rng.random(rate.size) * rng.gamma(shape + 1.0, scale)
    out_i: list[np.ndarray] = []
    out_t: list[np.ndarray] = []
    while idx.size:
        keep = t < horizon
        idx, t = idx[keep], t[keep]
        out_i.append(idx)
        out_t.append(t)
        if idx.size:
            t = t + rng.gamma(shape[idx], scale[idx])
    i = np.concatenate(out_i)
    tt = np.concatenate(out_t)
    o = np.lexsort((tt, i))
    return i[o], tt[o]


def _streams(rng: np.random.Generator, u: _Users) -> tuple[np.ndarray, ...]:
    """(user, kind, rate per day, shape) for every posting stream."""
    n = u.n
    users: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    rates: list[np.ndarray] = []
    shapes: list[np.ndarray] = []

    def add(mask: np.ndarray, kind: np.ndarray | int, rate: np.ndarray | float, shape: float) -> None:
        idx = np.flatnonzero(mask)
        users.append(idx)
        k = np.broadcast_to(np.asarray(kind, dtype=np.int16), (n,))[idx]
        kinds.append(k.astype(np.int16))
        rates.append(np.broadcast_to(np.asarray(rate, dtype=float), (n,))[idx].copy())
        shapes.append(np.full(idx.size, shape))

    ln = rng.lognormal
    ordinary = u.role == _ORDINARY
    mom = ordinary & (u.seg1 == _SEG_MOTHERS)
    active_mom = mom & ~u.lazy_mom
    # mothers: regular own-child posts (about one a week), a little chatter
    mom_kind = np.where(u.father, _K["dad"], _K["mom"])
    add(active_mom, mom_kind, 1.0 / np.clip(ln(np.log(7.0), 0.1, n), 5.0, 9.5), 8.0)
    add(mom & u.lazy_mom, mom_kind, 1.0 / 22.0, 1.0)
    add(mom, _K["chat"], 0.005 * ln(0.0, 0.7, n), 1.0)
    # segment posts
    seg_kind = np.array([_K["mom"], _K["beauty"], _K["food"], _K["gaming"], _K["fitness"]])
    has_seg = ordinary & (u.seg1 >= 1)
    add(has_seg, seg_kind[np.clip(u.seg1, 0, 4)], 0.011 * ln(0.0, 0.9, n), 1.0)
    has2 = ordinary & (u.seg2 >= 1)
    add(has2, seg_kind[np.clip(u.seg2, 0, 4)], 0.008 * ln(0.0, 0.7, n), 1.0)
    # chatter of everyone else
    plain = ordinary & (u.seg1 != _SEG_MOTHERS)
    add(plain, _K["chat"], 0.0035 * ln(0.0, 1.0, n), 1.0)
    # hard negatives
    hn_kind = np.array(
        [_K["idol"], _K["pet"], _K["heat"], _K["love"], _K["hypo"], _K["otherkid"], _K["shop"]]
    )
    hn_user = ordinary & (u.hn >= 0)
    add(hn_user, hn_kind[np.clip(u.hn, 0, 6)], 0.027 * ln(0.0, 0.5, n), 1.5)
    ws = u.role == _WEISHANG
    add(ws, _K["shop"], 0.25 * ln(0.0, 0.4, n), 0.7)
    # celebrities, organisations, bots
    celeb = u.role == _CELEB
    ckind = np.array([t[2] for t in _CELEB_TYPES])[np.clip(u.celeb_kind, 0, 4)]
    add(celeb, ckind, 0.15 * ln(0.0, 0.4, n), 1.0)
    add(celeb, _K["giveaway"], 0.02, 1.0)
    org = u.role == _ORG
    okind = np.array([_K[t[2]] for t in _ORG_TYPES])[np.clip(u.org_kind, 0, len(_ORG_TYPES) - 1)]
    add(org, okind, 0.12 * ln(0.0, 0.4, n), 1.0)
    baby_shop = u.org_kind == 0
    add(org & ~baby_shop, _K["giveaway"], 0.02, 1.0)
    add(baby_shop, _K["giveaway_baby"], 0.05, 1.0)
    bots = u.role == _BOT
    add(bots, _K["bot"], 0.06 * ln(0.0, 0.5, n), 0.25)
    return (np.concatenate(users), np.concatenate(kinds), np.concatenate(rates), np.concatenate(shapes))


def _clock(tau: np.ndarray) -> np.ndarray:
    """Warped time (days, uniform activity) -> seconds since the first local midnight."""
    d = np.floor(tau)
    return d * 86400.0 + np.interp(tau - d, _HOUR_CDF, _HOUR_SECS)


# --------------------------------------------------------------------------------------------
# Spread: a Hawkes-like branching process over the follow graph
# --------------------------------------------------------------------------------------------


@dataclass
class _Events:
    # statuses (originals first, then reposts generation by generation)
    s_user: np.ndarray
    s_tau: np.ndarray
    s_root: np.ndarray  # -1 for originals
    s_parent: np.ndarray  # status reposted (root for a first-hop repost), -1 for originals
    s_kind: np.ndarray  # content kind for originals, word group for reposts
    s_seed: np.ndarray
    s_mention: np.ndarray  # user mentioned in the own words, -1
    s_appeal: np.ndarray
    # comments
    c_user: np.ndarray
    c_tau: np.ndarray
    c_status: np.ndarray
    c_reply: np.ndarray  # comment replied to, -1
    c_kind: np.ndarray  # word group
    c_seed: np.ndarray


_RHO = 0.0195  # expected reactions per unit of (audience weight ** _GAMMA) and appeal
_GAMMA = 0.6  # attention saturates: big audiences do not react proportionally more
_DEPTH_DECAY = 0.8
_TREND = 0.4


def _spread(
    rng: np.random.Generator,
    u: _Users,
    g: _Graph,
    days: float,
    o_user: np.ndarray,
    o_kind: np.ndarray,
    o_tau: np.ndarray,
) -> _Events:
    n = u.n
    n_o = o_user.size
    charisma = rng.lognormal(0.0, 0.35, n)
    appeal = rng.lognormal(0.0, 0.55, n_o) * _KIND_APPEAL[o_kind] * charisma[o_user]
    o_seed = rng.integers(0, 1 << 62, n_o, dtype=np.int64)
    # @mentions of friends in originals
    p_mention = np.where(u.seg1 == _SEG_MOTHERS, 0.10, 0.07)[o_user]
    p_mention[o_kind == _K["bot"]] = 0.0
    has_aud = np.diff(g.off)[o_user] > 0
    want = (rng.random(n_o) < p_mention) & has_aud
    o_mention = np.full(n_o, -1, dtype=np.int64)
    o_mention[want] = _sample_audience(rng, g, o_user[want])

    is_bot = u.role == _BOT
    is_mom = u.seg1 == _SEG_MOTHERS
    bot_phase = rng.random(n) * 0.3
    bot_period = rng.uniform(0.2, 0.5, n)
    # global "hot list" reach: ordinary people and bots, not brands or stars
    trend_w = u.act.copy()
    trend_w[(u.role == _ORG) | (u.role == _CELEB)] = 0.0
    trend_cdf = np.cumsum(trend_w)
    trend_cdf /= trend_cdf[-1]
    # probability that a reaction is a repost (else a comment)
    q_user = np.where(is_mom, 0.2, 0.4)
    q_user[is_bot] = 1.0
    group_of = _KIND_GROUP

    seen = np.sort(np.arange(n_o, dtype=np.int64) * n + o_user)
    s_parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("user", "tau", "root", "parent", "kind", "seed", "mention", "appeal")
    }
    c_parts: dict[str, list[np.ndarray]] = {k: [] for k in ("user", "tau", "status", "kind", "seed")}

    # frontier: statuses that can be reposted further
    f_sidx = np.arange(n_o, dtype=np.int64)
    f_user = o_user.astype(np.int64)
    f_tau = o_tau
    f_root = f_sidx.copy()
    f_app = appeal
    next_sidx = n_o
    for depth in range(_MAX_DEPTH):
        if f_sidx.size == 0:
            break
        mu = _RHO * f_app * g.total[f_user] ** _GAMMA * _DEPTH_DECAY**depth
        cnt = rng.poisson(mu)
        par = np.repeat(np.arange(f_sidx.size), cnt)
        recv = _sample_audience(rng, g, f_user[par])
        if depth == 0:
            mu_t = _TREND * f_app * (u.followers[f_user] / 1e5) ** 0.6
            cnt_t = rng.poisson(mu_t)
            par_t = np.repeat(np.arange(f_sidx.size), cnt_t)
            recv_t = np.searchsorted(trend_cdf, rng.random(par_t.size), side="right")
            par = np.concatenate([par, par_t])
            recv = np.concatenate([recv, recv_t.clip(0, n - 1)])
        # exponential waiting times (a fast and a slow component), in circadian-warped time
        slow = rng.random(par.size) < 0.3
        delay = _MIN_DELAY + rng.exponential(np.where(slow, 0.45, 0.05))
        tau = f_tau[par] + delay
        b = is_bot[recv]
        if b.any():  # bots work in sessions: reactions pile up at the session start
            ph, pe = bot_phase[recv[b]], bot_period[recv[b]]
            tau[b] = ph + pe * np.ceil((tau[b] - ph) / pe) + rng.exponential(0.002, b.sum())
            tau[b] = np.maximum(tau[b], f_tau[par[b]] + _MIN_DELAY)
        keep = tau < days
        par, recv, tau = par[keep], recv[keep], tau[keep]
        keys = f_root[par] * n + recv
        o = np.lexsort((tau, keys))
        ks = keys[o]
        first = o[np.r_[True, ks[1:] != ks[:-1]]] if ks.size else o
        pos = np.searchsorted(seen, keys[first])
        hit = (pos < seen.size) & (seen[np.minimum(pos, seen.size - 1)] == keys[first])
        sel = np.sort(first[~hit])
        par, recv, tau = par[sel], recv[sel], tau[sel]
        seen = np.union1d(seen, keys[sel])
        root_kind = o_kind[f_root[par]]
        grp = group_of[root_kind]
        q = q_user[recv].copy()
        q[grp == _G["giveaway"]] = np.maximum(q[grp == _G["giveaway"]], 0.9)
        is_rep = rng.random(par.size) < q
        # word group: mothers answering mothers use their own pool
        mm = (grp == _G["mom"]) & is_mom[recv]
        word = grp.astype(np.int16)
        word[mm] = len(_GROUPS)  # "mom_mother"
        word[is_bot[recv]] = len(_GROUPS) + 1  # "bot"
        # reposts
        rp = np.flatnonzero(is_rep)
        k = rp.size
        r_user = recv[rp]
        p_m = np.where(grp[rp] == _G["giveaway"], 0.5, 0.06)
        p_m[is_bot[r_user]] = 0.0
        want = (rng.random(k) < p_m) & (np.diff(g.off)[r_user] > 0)
        r_mention = np.full(k, -1, dtype=np.int64)
        r_mention[want] = _sample_audience(rng, g, r_user[want])
        new_sidx = next_sidx + np.arange(k, dtype=np.int64)
        next_sidx += k
        s_parts["user"].append(r_user)
        s_parts["tau"].append(tau[rp])
        s_parts["root"].append(f_root[par[rp]])
        s_parts["parent"].append(f_sidx[par[rp]])
        s_parts["kind"].append(word[rp])
        s_parts["seed"].append(rng.integers(0, 1 << 62, k, dtype=np.int64))
        s_parts["mention"].append(r_mention)
        s_parts["appeal"].append(f_app[par[rp]])
        # comments (on the status the reader saw)
        cm = np.flatnonzero(~is_rep)
        c_parts["user"].append(recv[cm])
        c_parts["tau"].append(tau[cm])
        c_parts["status"].append(f_sidx[par[cm]])
        c_parts["kind"].append(word[cm])
        c_parts["seed"].append(rng.integers(0, 1 << 62, cm.size, dtype=np.int64))
        # next generation
        f_sidx, f_user, f_tau = new_sidx, r_user, tau[rp]
        f_root, f_app = f_root[par[rp]], f_app[par[rp]]

    def cat(first: np.ndarray | None, parts: list[np.ndarray], dtype: type) -> np.ndarray:
        head = np.zeros(0, dtype=dtype) if first is None else first.astype(dtype, copy=False)
        return np.concatenate([head, *(p.astype(dtype, copy=False) for p in parts)])

    s_user = cat(o_user, s_parts["user"], np.int64)
    s_tau = cat(o_tau, s_parts["tau"], np.float64)
    s_root = cat(np.full(n_o, -1), s_parts["root"], np.int64)
    s_parent = cat(np.full(n_o, -1), s_parts["parent"], np.int64)
    s_kind = cat(o_kind, s_parts["kind"], np.int16)
    s_seed = cat(o_seed, s_parts["seed"], np.int64)
    s_mention = cat(o_mention, s_parts["mention"], np.int64)
    s_appeal = cat(appeal, s_parts["appeal"], np.float64)
    c_user = cat(None, c_parts["user"], np.int64)
    c_tau = cat(None, c_parts["tau"], np.float64)
    c_status = cat(None, c_parts["status"], np.int64)
    c_kind = cat(None, c_parts["kind"], np.int16)
    c_seed = cat(None, c_parts["seed"], np.int64)
    c_reply = np.full(c_user.size, -1, dtype=np.int64)

    # replies: the status author answers some comments, and some commenters answer back
    p_reply = np.where(is_mom, 0.055, 0.04)
    p_reply[u.role == _CELEB] = 0.01
    p_reply[u.role == _ORG] = 0.08
    p_reply[is_bot] = 0.0
    n_c = c_user.size
    author = s_user[c_status]
    sel = np.flatnonzero((rng.random(n_c) < p_reply[author]) & (author != c_user))
    t1 = c_tau[sel] + _MIN_DELAY + rng.exponential(0.12, sel.size)
    sel, t1 = sel[t1 < days], t1[t1 < days]
    r1_user, r1_status = author[sel], c_status[sel]
    r1_idx = n_c + np.arange(sel.size, dtype=np.int64)
    back = c_user[sel]
    sel2 = np.flatnonzero(rng.random(sel.size) < 2.0 * p_reply[back])
    t2 = t1[sel2] + _MIN_DELAY + rng.exponential(0.12, sel2.size)
    sel2, t2 = sel2[t2 < days], t2[t2 < days]
    reply_kind = len(_GROUPS) + 2
    c_user = np.concatenate([c_user, r1_user, back[sel2]])
    c_tau = np.concatenate([c_tau, t1, t2])
    c_status = np.concatenate([c_status, r1_status, r1_status[sel2]])
    c_reply = np.concatenate([c_reply, sel, r1_idx[sel2]])
    c_kind = np.concatenate([c_kind, np.full(sel.size + sel2.size, reply_kind, dtype=np.int16)])
    c_seed = np.concatenate([c_seed, rng.integers(0, 1 << 62, sel.size + sel2.size, dtype=np.int64)])

    return _Events(
        s_user=s_user,
        s_tau=s_tau,
        s_root=s_root,
        s_parent=s_parent,
        s_kind=s_kind,
        s_seed=s_seed,
        s_mention=s_mention,
        s_appeal=s_appeal,
        c_user=c_user,
        c_tau=c_tau,
        c_status=c_status,
        c_reply=c_reply,
        c_kind=c_kind,
        c_seed=c_seed,
    )


# --------------------------------------------------------------------------------------------
# Rendering: text and API JSON, streamed to the files
# --------------------------------------------------------------------------------------------

_KID_REFS = {
    # (father, girl) -> references to the writer's own child
    (False, False): (
        "我儿子",
        "我家宝宝",
        "我家{nick}",
        "娃",
        "我家崽",
        "我家小朋友",
        "我家小子",
        "{nick}宝宝",
        "我家大宝",
    ),
    (False, True): (
        "我闺女",
        "我女儿",
        "我家宝宝",
        "我家{nick}",
        "娃",
        "我家小公主",
        "我家小朋友",
        "{nick}宝宝",
        "我家大宝",
    ),
    (True, False): ("我儿子", "我家小子", "我家宝宝", "娃", "我家{nick}"),
    (True, True): ("我闺女", "我家丫头", "我女儿", "我家宝宝", "我家{nick}"),
}
_MOM_BANDS: dict[str, tuple[str, ...]] = {
    "PE": _MOM["P"] + _MOM["PE"],
    "PL": _MOM["P"] + _MOM["PL"],
    **{b: _MOM[b] + _MOM["A"] for b in ("N", "I", "T", "K")},
}
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FIXED = (
    ',"favorited":false,"truncated":false,"in_reply_to_status_id":"",'
    '"in_reply_to_user_id":"","in_reply_to_screen_name":"","pic_urls":[],"geo":null'
)
_TAIL = ',"isLongText":false,"mlevel":0,"visible":{"type":0,"list_id":0}}'


def _band(age_days: int) -> str:
    if age_days < -112:  # before week 24
        return "PE"
    if age_days < 0:
        return "PL"
    if age_days < 90:
        return "N"
    if age_days < 365:
        return "I"
    if age_days < 1095:
        return "T"
    return "K"


class _Fill(dict):
    """Slot values for one text: per-writer facts first, then the shared vocabulary."""

    def __init__(self, r: _R, u: _Users, user: int, day: int, kind: str) -> None:
        super().__init__()
        self.r, self.u, self.user, self.day, self.kind = r, u, user, day, kind

    def __missing__(self, key: str) -> str:
        r, u, i = self.r, self.u, self.user
        age_days = int(u.kid_age0[i]) + self.day
        if key == "kid":
            ref = r.pick(_KID_REFS[(bool(u.father[i]), bool(u.kid_girl[i]))])
            val = ref.replace("{nick}", _KID_NICKS[u.kid_nick[i]])
        elif key == "nick":
            val = _KID_NICKS[u.kid_nick[i]]
        elif key == "age":
            val = _age_text(max(age_days, 0), r)
        elif key == "days":
            val = str(max(age_days, 1))
        elif key == "ta":
            val = "它" if self.kind == "pet" else ("她" if u.kid_girl[i] else "他")
        elif key == "ta0":
            val = r.pick(("他", "她", "孩子"))
        elif key == "pregw":
            val = f"孕{min(max((280 + age_days) // 7, 6), 41)}周"
        elif key == "wleft":
            val = str(max(1, -age_days // 7))
        elif key == "city":
            c = _CITIES[u.city[i]][4]
            val = c if c != "其他" else "这边"
        elif key == "pet":
            val = _PETS[u.pet[i]]
        elif key == "breed":
            val = _BREEDS[u.breed[i]]
        elif key == "idol":
            val = _IDOLS[max(int(u.idol[i]), 0)]
        elif key == "partner":
            val = r.pick(_V["partner_m"] if u.female[i] else _V["partner_f"])
        else:
            val = r.pick(_V[key])
        self[key] = val
        return val


def _fmt_created(local_secs: int) -> str:
    d = date(1970, 1, 1) + timedelta(days=local_secs // 86400)
    s = local_secs % 86400
    return (
        f"{_WEEKDAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} "
        f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d} +0800 {d.year}"
    )


def _render_original(u: _Users, user: int, kind: int, seed: int, day: int, mention: str | None) -> str:
    """Text of an original post (pure function of its arguments)."""
    r = _R(seed)
    kname = _KINDS[kind]
    topic_key = _KIND_TOPICS.get(kname, "none")
    if kname in ("mom", "dad"):
        band = _band(int(u.kid_age0[user]) + day)
        dad_pool = _DAD["P"] if band[0] == "P" else _DAD["A"]
        pool = _MOM_BANDS[band] if kname == "mom" else dad_pool
        if band[0] == "P":
            topic_key = "preg"
    else:
        pool = _POOLS[kname]
    text = r.pick(pool).format_map(_Fill(r, u, user, day, kname))
    p_topic = {"mom": 0.3, "dad": 0.3, "bot": 0.0, "celeb": 0.1}.get(kname, 0.2)
    topics = _TOPICS[topic_key]
    if topics and "#" not in text and r.chance(p_topic):
        tag = "#" + r.pick(topics) + "#"
        text = tag + text if r.chance(0.5) else text + " " + tag
    p_url = 0.5 if kname in ("shop", "bot", "giveaway", "giveaway_baby") or kname.startswith("org_") else 0.03
    if r.chance(p_url):
        text += " http://t.cn/A6" + "".join(_BASE62[r.below(62)] for _ in range(6))
    if mention is not None:
        style = r.below(3)
        if style == 0:
            text = f"{text} @{mention}"
        elif style == 1:
            text = f"@{mention} {text}"
        else:
            text = f"{text} @{mention} 你看看"
    return text


def _words_pool(code: int, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if code < len(_GROUPS):
        return table[_GROUPS[code]]
    if code == len(_GROUPS):
        return table["mom_mother"]
    if code == len(_GROUPS) + 1:
        return table.get("bot", table["generic"])
    return _REPLIES


def _render_words(
    u: _Users,
    user: int,
    code: int,
    seed: int,
    day: int,
    table: dict[str, tuple[str, ...]],
    p_pure: float,
    mention: str | None,
) -> str:
    """Own words of a repost or a comment ("" for a pure repost)."""
    r = _R(seed)
    if p_pure > 0 and r.chance(p_pure):
        words = ""
    else:
        words = r.pick(_words_pool(code, table)).format_map(_Fill(r, u, user, day, "words"))
    if mention is not None:
        words = f"{words} @{mention}" if words else f"@{mention}"
    return words


def _write_files(
    rng: np.random.Generator,
    out_dir: Path,
    u: _Users,
    ev: _Events,
    *,
    start: date,
    days: int,
    progress: Callable[[str], None] | None,
) -> tuple[int, int]:
    n_s = ev.s_user.size
    n_c = ev.c_user.size
    start_local = (start - date(1970, 1, 1)).days * 86400
    start_unix = start_local - 8 * 3600
    # clock seconds; children strictly after parents
    s_sec = np.floor(_clock(ev.s_tau)).astype(np.int64)
    c_sec = np.floor(_clock(ev.c_tau)).astype(np.int64)
    s_order = np.lexsort((np.arange(n_s), s_sec))
    s_rank = np.empty(n_s, dtype=np.int64)
    s_rank[s_order] = np.arange(n_s)
    c_order = np.lexsort((np.arange(n_c), c_sec))
    c_rank = np.empty(n_c, dtype=np.int64)
    c_rank[c_order] = np.arange(n_c)

    s_user = ev.s_user[s_order]
    s_sec = s_sec[s_order]
    s_root = np.where(ev.s_root >= 0, s_rank[np.maximum(ev.s_root, 0)], -1)[s_order]
    s_parent = np.where(ev.s_parent >= 0, s_rank[np.maximum(ev.s_parent, 0)], -1)[s_order]
    s_kind = ev.s_kind[s_order]
    s_seed = ev.s_seed[s_order]
    s_mention = ev.s_mention[s_order]
    s_appeal = ev.s_appeal[s_order]
    s_client = np.where(rng.random(n_s) < 0.85, u.client[s_user], rng.integers(0, len(_CLIENTS), n_s))
    c_user = ev.c_user[c_order]
    c_sec = c_sec[c_order]
    c_status = s_rank[ev.c_status][c_order]
    c_reply = np.where(ev.c_reply >= 0, c_rank[np.maximum(ev.c_reply, 0)], -1)[c_order]
    c_kind = ev.c_kind[c_order]
    c_seed = ev.c_seed[c_order]
    for f in fields(ev):  # the unsorted arrays are no longer needed
        setattr(ev, f.name, None)
    del s_order, c_order, s_rank, c_rank

    # ids: Weibo-style, (unix - epoch) << 22 plus a rank within the second; statuses even,
    # comments odd, so every id is unique and grows with time
    def ids(sec: np.ndarray, parity: int) -> np.ndarray:
        if sec.size == 0:
            return np.zeros(0, dtype=np.int64)
        first = np.searchsorted(sec, sec, side="left")
        rank = np.arange(sec.size) - first
        return ((start_unix + sec - _WEIBO_EPOCH) << 22) + (rank << 1) + parity

    s_id = ids(s_sec, 0)
    c_id = ids(c_sec, 1)

    # counts as seen at crawl time: in-sample activity plus some from outside the sample
    is_rep = s_root >= 0
    cascade = np.bincount(s_root[is_rep], minlength=n_s)
    direct = np.bincount(s_parent[is_rep], minlength=n_s)
    in_com = np.bincount(c_status, minlength=n_s)
    fol = u.followers[s_user].astype(float)
    reposts = np.where(is_rep, direct, cascade) + rng.poisson(
        np.where(is_rep, 0.2, 1.0) * s_appeal * fol * 2e-5
    )
    comments = in_com + rng.poisson(np.where(is_rep, 0.2, 1.0) * s_appeal * fol * 3e-5)
    likes = reposts + 2 * comments + rng.poisson(np.where(is_rep, 0.3, 1.0) * s_appeal * (1.5 + fol * 2e-4))
    posted = np.bincount(s_user, minlength=u.n) + np.bincount(c_user, minlength=u.n)

    day_prefix = []
    for d in range(days + 1):
        dd = start + timedelta(days=d)
        day_prefix.append(
            (f"{_WEEKDAYS[dd.weekday()]} {_MONTHS[dd.month - 1]} {dd.day:02d} ", f" +0800 {dd.year}")
        )

    def created(sec: int) -> str:
        pre, post = day_prefix[sec // 86400]
        s = sec % 86400
        return f"{pre}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{post}"

    names = u.names
    dumps = json.dumps

    @lru_cache(maxsize=_CACHE)
    def user_json(i: int) -> str:
        c = _CITIES[u.city[i]]
        loc = f"{c[2]} {c[3]}" if c[3] else c[2]
        uid = int(u.uid[i])
        name = dumps(names[i], ensure_ascii=False)
        return (
            f'{{"id":{uid},"idstr":"{uid}","screen_name":{name},"name":{name},'
            f'"province":"{c[0]}","city":"{c[1]}","location":"{loc}",'
            f'"description":{dumps(_description(u, i), ensure_ascii=False)},"url":"",'
            f'"profile_image_url":"https://tvax{uid % 4 + 1}.sinaimg.cn/thumb180/{uid:x}.jpg",'
            f'"gender":"{"f" if u.female[i] else "m"}",'
            f'"followers_count":{int(u.followers[i])},"friends_count":{int(u.friends[i])},'
            f'"statuses_count":{int(u.statuses[i] + posted[i])},'
            f'"favourites_count":{int(u.favourites[i])},'
            f'"created_at":"{_fmt_created(int(u.created[i]))}",'
            f'"verified":{"true" if u.verified[i] else "false"},'
            f'"verified_type":{int(u.vtype[i])}}}'
        )

    def mention_name(i: int) -> str | None:
        return names[i] if i >= 0 else None

    @lru_cache(maxsize=_CACHE)
    def status_text(k: int) -> str:
        user = int(s_user[k])
        day = int(s_sec[k] // 86400)
        if s_root[k] < 0:
            return _render_original(
                u, user, int(s_kind[k]), int(s_seed[k]), day, mention_name(int(s_mention[k]))
            )
        return own_plus_chain(k)

    def own_words(k: int) -> str:
        code = int(s_kind[k])
        p_pure = 0.6 if code == len(_GROUPS) + 1 else 0.3
        if code == _G["giveaway"]:
            p_pure = 0.1
        return _render_words(
            u,
            int(s_user[k]),
            code,
            int(s_seed[k]),
            int(s_sec[k] // 86400),
            _REPOSTS,
            p_pure,
            mention_name(int(s_mention[k])),
        )

    def own_plus_chain(k: int) -> str:
        own = own_words(k)
        p = int(s_parent[k])
        if s_root[p] >= 0:  # the parent is itself a repost: quote it
            own += "//@" + names[int(s_user[p])] + ":" + status_text(p)
        return own or "转发微博"

    @lru_cache(maxsize=_CACHE)
    def status_core(k: int) -> str:
        """The status object without retweeted_status and the counts (cached for roots)."""
        sid = int(s_id[k])
        return (
            f'{{"created_at":"{created(int(s_sec[k]))}","id":{sid},"idstr":"{sid}",'
            f'"mid":"{sid}","text":{dumps(status_text(k), ensure_ascii=False)},'
            f'"source":{_SOURCE_JSON[int(s_client[k])]}{_FIXED},'
            f'"user":{user_json(int(s_user[k]))}'
        )

    def counts(k: int) -> str:
        return (
            f',"reposts_count":{int(reposts[k])},"comments_count":{int(comments[k])},'
            f'"attitudes_count":{int(likes[k])}{_TAIL}'
        )

    def status_line(k: int) -> str:
        root = int(s_root[k])
        if root < 0:
            return status_core(k) + counts(k)
        return status_core(k) + ',"retweeted_status":' + status_core(root) + counts(root) + counts(k)

    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "weibo_statuses.jsonl", "w", encoding="utf-8", newline="\n") as f:
        buf: list[str] = []
        for k in range(n_s):
            buf.append(status_line(k))
            if len(buf) >= 5_000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    if progress:
        progress(f"wrote {n_s} statuses")

    @lru_cache(maxsize=_CACHE)
    def comment_text(j: int) -> str:
        code = int(c_kind[j])
        user = int(c_user[j])
        words = _render_words(u, user, code, int(c_seed[j]), int(c_sec[j] // 86400), _COMMENTS, 0.0, None)
        rep = int(c_reply[j])
        if rep >= 0:
            return "回复@" + names[int(c_user[rep])] + ":" + words
        return words

    def comment_line(j: int) -> str:
        cid = int(c_id[j])
        k = int(c_status[j])
        sid = int(s_id[k])
        line = (
            f'{{"created_at":"{created(int(c_sec[j]))}","id":{cid},"idstr":"{cid}",'
            f'"mid":"{cid}","text":{dumps(comment_text(j), ensure_ascii=False)},'
            f'"source":{_SOURCE_JSON[int(u.client[c_user[j]])]},'
            f'"user":{user_json(int(c_user[j]))},'
            f'"status":{{"id":{sid},"idstr":"{sid}","mid":"{sid}",'
            f'"created_at":"{created(int(s_sec[k]))}",'
            f'"text":{dumps(status_text(k), ensure_ascii=False)},'
            f'"user":{user_json(int(s_user[k]))}}}'
        )
        rep = int(c_reply[j])
        if rep >= 0:
            rid = int(c_id[rep])
            line += (
                f',"reply_comment":{{"id":{rid},"idstr":"{rid}",'
                f'"text":{dumps(comment_text(rep), ensure_ascii=False)},'
                f'"user":{user_json(int(c_user[rep]))}}}'
            )
        return line + "}"

    with open(out_dir / "weibo_comments.jsonl", "w", encoding="utf-8", newline="\n") as f:
        buf = []
        for j in range(n_c):
            buf.append(comment_line(j))
            if len(buf) >= 5_000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    if progress:
        progress(f"wrote {n_c} comments")
    return n_s, n_c


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def generate_weibo_sample(
    out_dir: Path | str,
    *,
    n_users: int = 2000,
    days: int = 40,
    end_date: date = date(2026, 11, 15),
    seed: int = 7,
    mothers_share: float = 0.26,
    bot_share: float = 0.008,
    celebrity_share: float = 0.005,
    org_share: float = 0.01,
    hard_negative_share: float = 0.13,
    progress: Callable[[str], None] | None = None,
) -> GroundTruth:
    """Generate a synthetic Weibo export into ``out_dir`` and return its ground truth.

    Writes ``weibo_statuses.jsonl`` (originals and reposts, sorted by ``created_at``) and
    ``weibo_comments.jsonl`` (sorted likewise), all dated within the Asia/Shanghai dates
    ``[end_date - days + 1, end_date]``. ``mothers_share`` is the share of users who are parents
    of young children; the other shares are of all users (``hard_negative_share`` of ordinary
    non-mothers). Same arguments, same bytes.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     t = generate_weibo_sample(tmp, n_users=100, days=7, seed=3)
        >>> t.start_date, t.end_date
        (datetime.date(2026, 11, 9), datetime.date(2026, 11, 15))
    """
    if n_users < 1:
        raise ValueError(f"n_users must be at least 1, got {n_users}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not 0.0 <= mothers_share <= 1.0:
        raise ValueError(f"mothers_share must be in [0, 1], got {mothers_share}")
    out_dir = Path(out_dir)
    start = end_date - timedelta(days=days - 1)
    start_local = (start - date(1970, 1, 1)).days * 86400
    rng = np.random.default_rng(seed)

    u = _make_users(
        rng,
        n_users,
        mothers_share=mothers_share,
        bot_share=bot_share,
        celebrity_share=celebrity_share,
        org_share=org_share,
        hard_negative_share=hard_negative_share,
        start_local=start_local,
    )
    u.circle = _circles(rng, u)
    g = _graph(rng, u)
    if progress:
        progress(f"users and graph: {n_users} users, {g.dst.size} follow edges")

    st_user, st_kind, st_rate, st_shape = _streams(rng, u)
    ev_i, ev_t = _renewal(rng, st_rate, st_shape, float(days))
    o_user, o_kind = st_user[ev_i], st_kind[ev_i]
    ev = _spread(rng, u, g, float(days), o_user, o_kind, ev_t)
    del ev_i, ev_t, g
    if progress:
        progress(f"spread: {ev.s_user.size} statuses, {ev.c_user.size} comments")

    _write_files(rng, out_dir, u, ev, start=start, days=days, progress=progress)

    ids = [str(x) for x in u.uid.tolist()]
    segments: dict[str, frozenset[str]] = {}
    for s, name in enumerate(SEGMENTS):
        members = np.flatnonzero((u.seg1 == s) | (u.seg2 == s))
        segments[name] = frozenset(ids[i] for i in members.tolist())
    circle_l = u.circle.tolist()
    city_l = _CITY_LABEL_IDX[u.city].tolist()
    hn_l = u.hn.tolist()
    return GroundTruth(
        seed=seed,
        n_users=n_users,
        start_date=start,
        end_date=end_date,
        segments=segments,
        circles={ids[i]: circle_l[i] for i in range(n_users)},
        cities={ids[i]: _CITY_LABELS[city_l[i]] for i in range(n_users)},
        verified_orgs=frozenset(ids[i] for i in np.flatnonzero(u.role == _ORG).tolist()),
        celebrities=frozenset(ids[i] for i in np.flatnonzero(u.role == _CELEB).tolist()),
        bots=frozenset(ids[i] for i in np.flatnonzero(u.role == _BOT).tolist()),
        hard_negatives={ids[i]: HARD_NEGATIVE_KINDS[hn_l[i]] for i in range(n_users) if hn_l[i] >= 0},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m store.synthetic --out DIR --users N --days D --end YYYY-MM-DD``."""
    ap = argparse.ArgumentParser(
        prog="python -m store.synthetic",
        description="Generate a seeded synthetic Weibo API export (JSON lines).",
    )
    ap.add_argument("--out", required=True, type=Path, help="output folder")
    ap.add_argument("--users", type=int, default=2000, help="number of users (default 2000)")
    ap.add_argument("--days", type=int, default=40, help="number of days (default 40)")
    ap.add_argument(
        "--end",
        type=date.fromisoformat,
        default=date(2026, 11, 15),
        help="last date, Asia/Shanghai (default 2026-11-15)",
    )
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--mothers-share", type=float, default=0.26)
    ap.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="where to write the ground truth JSON (default: OUT/../<name>_truth.json)",
    )
    args = ap.parse_args(argv)
    truth = generate_weibo_sample(
        args.out,
        n_users=args.users,
        days=args.days,
        end_date=args.end,
        seed=args.seed,
        mothers_share=args.mothers_share,
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    truth_path = args.truth or args.out.parent / f"{args.out.name}_truth.json"
    write_ground_truth(truth, truth_path)
    print(f"wrote {args.out} and {truth_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
