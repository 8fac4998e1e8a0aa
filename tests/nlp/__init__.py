"""Tests of the nlp package."""

#: Eight posts a tiny classifier can be fitted on: four parents, four not.
TINY_TRAIN = [
    "我家宝宝今天会翻身了",
    "宝宝夜奶三次好累",
    "孕32周胎动好厉害",
    "给娃做辅食南瓜泥",
    "追星的宝宝们冲呀",
    "宝宝们转发扩散",
    "这家店的宝贝真好看",
    "孩子们放假了",
]
