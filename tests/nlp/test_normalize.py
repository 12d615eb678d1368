from __future__ import annotations

import random
import re

import pytest

from nlp import normalize
from nlp.normalize import _dialect_pattern, dialect_forms, standardize_dialect


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("單元門的閉門器壞了", "单元门的闭门器坏了"),
        ("３号楼ＡＢＣ", "3号楼abc"),
        ("又坏了!!!！！", "又坏了!"),
        ("真的吗？？？", "真的吗?"),
        ("电梯坏了🙄🙄", "电梯坏了"),
        ("电 梯 坏 了", "电梯坏了"),
        ("a\x00b\u200dc", "a b c"),
        ("  \n\t ", ""),
        ("", ""),
        ("。。。", "。"),
        ("KTV音乐", "ktv音乐"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "３號樓的電梯壞了😡😡！！！ 快來人"
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize("text", ["电梯一坏就是好几天", "一坏就没人管", "一 坏"])
def test_simplified_text_is_not_rewritten_by_the_phrase_table(text: str) -> None:
    """Regression: OpenCC t2s turned Simplified "一坏" into "一坯", losing the word 坏."""
    assert "坏" in normalize(text)
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Cantonese
        ("楼上好嘈，瞓唔着", "楼上好吵,睡不着"),
        ("单车喺楼下畀人偷咗", "单车在楼下给人偷了"),
        ("井盖冇咗，冇人理", "井盖没了,没人理"),
        ("佢哋喺楼梯间烧嘢", "他们在楼梯间烧东西"),
        ("啲水滴落嚟", "些水滴下来"),
        ("你睇下嗰度", "你看下那里"),
        ("揾物业攞钥匙", "找物业拿钥匙"),
        ("乜嘢事？咩事？", "什么事?什么事?"),
        ("唔该晒", "谢谢"),
        ("唔好意思，部𨋢坏咗", "不好意思,部电梯坏了"),
        ("樓上嘅水喉漏咗水", "楼上的水管漏了水"),
        ("黑窿窿一个洞", "黑洞洞一个洞"),
        ("而家层楼有烟味，抽气扇度啲烟出紧嚟", "现在层楼有烟味,抽气扇度些烟正在出来"),
        ("条电线甩咗出嚟，仲浸住喺水度，地下湿晒", "条电线露了出来,还泡着在水度,地下全湿了"),
        ("头先差啲掟中个阿婆，仲掟紧", "刚才差点扔中个阿婆,还正在扔"),
        ("大狗咬亲细路", "大狗咬伤小孩"),
        # Northern and South-western
        ("咋又停水了，啥时候来水", "怎么又停水了,什么时候来水"),
        ("甭管了，忒吵", "不用管了,太吵"),
        ("楼道贼脏，贼拉吵", "楼道很脏,很吵"),
        ("井盖莫得了，啥子都不晓得", "井盖没了,什么都不知道"),
        ("垃圾搁楼道里，埋汰死了", "垃圾放楼道里,脏死了"),
        ("吵了整宿", "吵了整夜"),
        # Wu
        ("阿拉楼下", "我们楼下"),
        ("侬快点来看看伐!", "你快点来看看吗!"),
    ],
)
def test_dialect_forms_become_standard(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    assert normalize(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "环境嘈杂，影响休息",
        "砍伐树木要审批，伐木工人来了",
        "阿拉斯加犬在楼下乱叫，阿拉伯风格的装修",
        "早点解决吧，请给个解释",
        "在海边度假回来发现漏水了",
        "事情一直被耽搁，方案搁置了",
        "墙上有个窟窿",
        "物业要伐树了，是伐木工人来",
        "旁边个别车位被占了",
        "先进人物事迹展览",
        "树木有间距，草木有点枯",
        "两家吵架了，鞋架放在走廊",
        "整栋楼都停电了，老是这样",
        "全部车位都满了",
        "小偷贼眉鼠眼的，抓贼",
        "系统显示联系不上",
        "电梯坏了好几天了，物业什么时候来修",
    ],
)
def test_ordinary_mandarin_is_unchanged(text: str) -> None:
    assert normalize(text) == text.replace("，", ",")


def test_dialect_table_is_consistent() -> None:
    forms = dialect_forms()
    assert len([form for form, standard in forms.items() if form != standard]) >= 40
    for form, standard in forms.items():
        # Normalising twice changes nothing: a standard form holds no dialect form.
        assert standard == form or not any(other in standard for other in forms), (form, standard)
        assert normalize(standard) == standard


def test_category_keywords_are_standard_mandarin() -> None:
    """A category keyword the dialect table would rewrite could never match as written."""
    import tomllib
    from importlib import resources

    data = tomllib.loads(resources.files("nlp").joinpath("default_taxonomy.toml").read_text("utf-8"))
    rewritten = [
        (cid, term)
        for cid, category in data["categories"].items()
        for kind in ("keywords", "negative", "phrases")
        for entry in category.get(kind, {})
        for term in entry.split("+")
        if standardize_dialect(term.lower()) != term.lower()
    ]
    assert rewritten == []


def test_dialect_forms_are_replaced_longest_first() -> None:
    """The prefix-tree pattern finds what a longest-first alternation of the forms finds, anywhere."""
    forms = dialect_forms()
    flat = re.compile("|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f))))
    chars = sorted(set("".join(forms)) | set("的了是我在有"))
    rng = random.Random(7)
    texts = [*forms, *("".join(rng.choices(chars, k=rng.randint(1, 12))) for _ in range(3000))]
    for text in texts:
        expected = flat.sub(lambda m: forms[m.group()], text)
        assert _dialect_pattern()[1].sub(lambda m: forms[m.group()], text) == expected, text
        if _dialect_pattern()[0].search(text):
            assert standardize_dialect(text) == expected
