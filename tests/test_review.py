"""The committee's review (DESIGN §9): R601 on a planted corpus, the rules on exact cells, scale."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from reporter.config import ReviewSettings, parse_config
from reporter.model import Branch, BranchInfo, Cause, FileResult, Measure, Problem, status_of
from reporter.review import CODES, run_review, review_inputs
from reporter.review.across import PAIR_GROUP
from reporter.review.similar import candidate_probability, normalise, similarity

VOCAB = ("理论学习", "不够深入", "系统", "党员干部", "政治站位", "担当作为", "工作作风", "廉洁自律", "群众",
         "调查研究", "形式主义", "官僚主义", "学懂弄通", "做实", "联系实际", "主题教育", "组织生活", "三会一课",
         "谈心谈话", "批评和自我批评", "服务意识", "创新思维", "落实", "责任", "制度", "监督", "检查", "纪律",
         "规矩", "宗旨意识", "深入基层", "解决问题", "能力本领", "本领恐慌", "先锋模范", "战斗堡垒", "凝聚力",
         "意识形态", "风险隐患", "舆论引导", "统筹谋划", "重点工作", "亮点", "特色举措", "方式方法", "积极性")
JOINS = ("，", "。", "；", "、", "还", "不", "在", "上", "的", "和", "对", "有", "方面", "存在")


def sentence(rng: random.Random, words: int = 28) -> str:
    """A text from the shared vocabulary: unrelated texts share words and phrases, not text."""
    return "".join(rng.choice(VOCAB) + rng.choice(JOINS) for _ in range(words)) + "。"


def branch(name: str, problems=(), causes=(), measures=()) -> Branch:
    return Branch(BranchInfo(name), tuple(problems), tuple(causes), tuple(measures))


def problems_of(texts, category="理论学习"):
    return [Problem(h, d, i + 1, i + 2, category) for i, (h, d) in enumerate(texts)]


# ---------------------------------------------------------------- variants of a planted original

def punctuation(rng, text, name):
    return text.replace("，", "、").replace("。", "；").replace("；", "，", 3)


def changed(rng, text, name):
    """About 5 % of the characters replaced, in two runs (words rewritten)."""
    n = max(2, len(text) // 40)
    out = text
    for _ in range(2):
        i = rng.randrange(0, len(out) - n)
        out = out[:i] + "".join(rng.choice("甲乙丙丁戊己庚辛") for _ in range(n)) + out[i + n:]
    return out


def clause_dropped(rng, text, name):
    parts = text.split("，")
    if len(parts) < 4:
        return text
    del parts[rng.randrange(1, len(parts) - 1)]
    return "，".join(parts)


def name_swapped(rng, text, name):
    return text.replace("{name}", name)


VARIANTS = (lambda rng, t, n: t, punctuation, changed, clause_dropped, name_swapped)


def planted_corpus(seed=7, branches=40, originals=12):
    """Branches of unrelated items, and originals copied into 2–4 branches each with one variant."""
    rng = random.Random(seed)
    names = [f"测试{i:02d}党支部" for i in range(branches)]
    items = {n: [] for n in names}  # name → [(text, family or None)]
    for name in names:
        for _ in range(6):
            items[name].append((sentence(rng).replace("{name}", name), None))
    for family in range(originals):  # the first branch has the original, the others each a variant of it
        original = "{name}" + sentence(rng, 30)
        for k, name in enumerate(rng.sample(names, rng.randint(2, 5))):
            variant = VARIANTS[(family + k) % len(VARIANTS)](rng, original, name) if k else original
            items[name].append((variant.replace("{name}", name), (family, k)))
    result, truth = [], {}
    for name in names:
        problems = [Problem(t[:10], t[10:], i + 1, i + 2, "理论学习") for i, (t, _) in enumerate(items[name])]
        result.append((f"{name}.xlsx", branch(name, problems)))
        for i, (_, family) in enumerate(items[name]):
            truth[(f"{name}.xlsx", f"C{i + 2}")] = family
    return result, truth


def test_planted_near_duplicates_recall_and_precision():
    corpus, truth = planted_corpus()
    review = run_review(corpus, ReviewSettings())
    found = {frozenset(((p["a"]["source"], p["a"]["cell"]), (p["b"]["source"], p["b"]["cell"])))
             for p in review.similar}
    family = {key: planted[0] for key, planted in truth.items() if planted is not None}
    original = {planted[0]: key for key, planted in truth.items() if planted is not None and planted[1] == 0}
    planted = {frozenset((key, original[f])) for key, f in family.items() if key != original[f]}
    assert review.groups == []  # families are small
    recall = len(found & planted) / len(planted)  # each copy found similar to its original
    correct = [pair for pair in found if len({family.get(key) for key in pair} - {None}) == 1
               and all(key in family for key in pair)]  # a pair reported within one family
    precision = len(correct) / max(1, len(found))
    assert recall >= 0.95 and precision >= 0.95, (recall, precision, len(planted), len(found))
    assert len(review.similar) == len(found)  # each pair once
    # both sides carry the finding, naming the other and the similarity in %
    r601 = [f for f in review.findings if f.message.code == "R601"]
    assert len(r601) == 2 * len(review.similar)
    for pair in review.similar:
        for me, other in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            mine = [f for f in r601 if f.source == me["source"] and f.message.cell == me["cell"]
                    and f.other == other]
            assert len(mine) == 1
            text = mine[0].message.message
            assert other["branch"] in text and f"{other['sheet']}!{other['cell']}" in text
            assert f"{round(pair['similarity'] * 100)}%" in text
            assert mine[0].message.level == "review"


def test_measure_removes_punctuation_whitespace_and_own_name():
    a = normalise("机关第一党支部理论学习不深入， 学习方法单一。", ("机关第一党支部", "机关第一"))
    assert a == "理论学习不深入学习方法单一"
    assert similarity("甲乙丙丁", "甲乙丙丁") == 1.0
    assert similarity("甲乙丙丁", "甲乙丙戊") == pytest.approx(6 / 8)  # 2 × 3 characters in order / 8
    assert similarity("甲乙丙丁戊", "甲丙丁戊") == pytest.approx(8 / 9)  # one character dropped
    assert similarity("甲乙丙丁", "丁丙乙甲") == pytest.approx(2 / 8)
    assert similarity("甲乙丙丁", "甲乙丙戊", cutoff=0.8) == 0.0  # below the cutoff: 0
    assert candidate_probability(0.6) > 0.99 and candidate_probability(0.2) < 0.2


def test_short_items_are_not_compared():
    text = "理论学习不深入，学习方法单一"  # 13 characters: every branch may say it
    corpus = [(f"{i}.xlsx", branch(f"第{i}党支部", problems_of([(text, "")]))) for i in range(3)]
    assert run_review(corpus, ReviewSettings()).similar == []
    review = run_review(corpus, ReviewSettings(min_chars=5))
    assert len(review.similar) == 3


def test_one_template_handed_in_by_many_is_one_group():
    rng = random.Random(1)
    template = [(f"问题{i}", sentence(rng)) for i in range(5)]
    corpus = [(f"{i:03d}.xlsx", branch(f"第{i:03d}党支部", problems_of(template))) for i in range(60)]
    review = run_review(corpus, ReviewSettings(r611=False))
    assert review.similar == []
    assert [g["size"] for g in review.groups] == [60] * 5
    assert all(g["similarity_min"] == 1.0 for g in review.groups)
    assert review.counts["R601"] == 300  # one message per item, not one per pair
    first = next(f for f in review.findings if f.message.code == "R601")
    assert "共 60 条雷同" in first.message.message and "59 条" in first.message.message


def test_group_of_up_to_ten_is_listed_pair_by_pair():
    rng = random.Random(2)
    text = sentence(rng)
    corpus = [(f"{i}.xlsx", branch(f"第{i}党支部", problems_of([("相同", text)]))) for i in range(PAIR_GROUP)]
    review = run_review(corpus, ReviewSettings())
    assert len(review.similar) == PAIR_GROUP * (PAIR_GROUP - 1) // 2 and review.groups == []
    corpus.append(("x.xlsx", branch("第x党支部", problems_of([("相同", text)]))))
    review = run_review(corpus, ReviewSettings())
    assert review.similar == [] and review.groups[0]["size"] == PAIR_GROUP + 1


def test_report_and_messages_are_linear_in_items_whatever_the_content():
    rng = random.Random(3)
    template = [(f"问题{i}", sentence(rng)) for i in range(3)]
    same = [(f"{i}.xlsx", branch(f"第{i}党支部", problems_of(template))) for i in range(500)]
    review = run_review(same, ReviewSettings())
    assert review.counts["R601"] == 1500 and sum(len(g["items"]) for g in review.groups) == 1500
    # near-identical (not identical) copies: still one group, still one message per item
    varied = [(f"{i}.xlsx", branch(f"第{i}党支部", problems_of([(h, d[:-6] + f"第{i}号" + d[-6:])
                                                              for h, d in template]))) for i in range(500)]
    review = run_review(varied, ReviewSettings())
    assert sorted(g["size"] for g in review.groups) == [500, 500, 500] and review.counts["R601"] == 1500
    assert all(g["similarity_min"] >= 0.8 for g in review.groups)


def test_r602_repeated_within_the_sheet():
    rng = random.Random(4)
    text = sentence(rng)
    b = branch("一支部", problems_of([("问题一", text), ("问题二", sentence(rng)), ("问题三", text + "要改进")]),
               causes=[Cause("原因", text, 1, 2)])
    review = run_review([("a.xlsx", b)], ReviewSettings())
    r602 = [(f.message.where, f.message.message) for f in review.findings if f.message.code == "R602"]
    assert [w for w, _ in r602] == ["存在的问题!C2", "存在的问题!C4"]  # not the cause: another sheet
    assert "C4" in r602[0][1] and "C2" in r602[1][1]
    assert not any("另有" in m for _, m in r602)  # one other each, however many bands the pair shares


def test_r602_counts_each_other_item_once():
    rng = random.Random(6)
    text = sentence(rng)
    b = branch("一支部", problems_of([("问题一", text), ("问题二", text), ("问题三", text), ("问题四", sentence(rng))]))
    r602 = [f.message.message for f in run_review([("a.xlsx", b)], ReviewSettings()).findings
            if f.message.code == "R602"]
    assert len(r602) == 3 and all("另有 1 条也与本条相似" in m for m in r602), r602


def test_few_rows_give_the_same_candidate_pairs_in_the_same_order(monkeypatch):
    import numpy as np
    from reporter.review import similar

    rng = np.random.default_rng(1)
    for _ in range(200):
        keys = rng.integers(0, 4, size=(int(rng.integers(0, similar.FEW_ROWS)), similar.BANDS)).astype(np.uint64)
        few = list(similar.candidate_pairs(keys))
        monkeypatch.setattr(similar, "FEW_ROWS", -1)
        assert list(similar.candidate_pairs(keys)) == few
        monkeypatch.setattr(similar, "FEW_ROWS", 64)


def test_r611_r612_r613_r614_on_exact_cells():
    b = branch("一支部",
               problems=[Problem("问题一", "", 1, 3, "理论学习"), Problem("问题二", "太短了", 2, 4, "理论学习"),
                         Problem("问题三", "具体表现写得足够详细，有事例、有程度、有影响，超过二十个字。", 3, 5, "工作作风")],
               measures=[Measure("措施一", "", 1, 3, problems=(1,), owner="张三", deadline=date(2024, 6, 30)),
                         Measure("措施二", "", 2, 4, problems=(3,), owner=None, deadline=date(2024, 6, 30)),
                         Measure("措施三", "", 3, 5, owner="李四", deadline_text="长期坚持"),
                         Measure("措施四", "", 4, 6, owner="王五", deadline_text="尽快"),
                         Measure("措施五", "", 5, 7)])
    settings = ReviewSettings(required_aspects=("理论学习", "政治素质", "廉洁自律"))
    review = run_review([("a.xlsx", b)], settings)
    got = [(f.message.code, f.message.where) for f in review.findings]
    assert got == [("R614", "存在的问题"), ("R611", "存在的问题!D3"), ("R611", "存在的问题!D4"),
                   ("R612", "存在的问题!C4"), ("R613", "整改措施!E4"), ("R613", "整改措施!F6"), ("R613", "整改措施!E7")]
    r614 = next(f for f in review.findings if f.message.code == "R614").message.message
    assert "政治素质、廉洁自律" in r614
    # R612 only when the workbook uses 对应问题 at all
    plain = branch("二支部", problems=b.problems, measures=[Measure("措施", "", 1, 2, owner="甲", deadline_text="长期坚持")])
    assert not [f for f in run_review([("b.xlsx", plain)], ReviewSettings()).findings if f.message.code == "R612"]


def test_each_rule_can_be_switched_off():
    corpus, _ = planted_corpus(branches=10, originals=3)
    corpus.append(("z.xlsx", branch("z支部", problems_of([("问题", "")]), measures=[Measure("m", "", 1, 2)])))
    everything = run_review(corpus, ReviewSettings())
    for code in ("R601", "R611", "R613"):
        assert everything.counts[code] > 0
        off = run_review(corpus, ReviewSettings(**{code.lower(): False}))
        assert off.counts[code] == 0
        assert all(off.counts[c] == everything.counts[c] for c in CODES if c != code)


def test_review_never_changes_a_status():
    b = branch("一支部", problems_of([("问题", "")]))
    messages = run_review([("a.xlsx", b)], ReviewSettings()).messages_for("a.xlsx")
    assert messages and {m.level for m in messages} == {"review"}
    assert status_of(messages) == "ok" and status_of(messages, strict=True) == "ok"


def test_one_workbook_per_branch():
    b = branch("一支部", problems_of([("问题", "")]))
    results = [FileResult("新.xlsx", "ok", branch=b), FileResult("旧.xlsx", "ok", branch=b, duplicate_of="新.xlsx"),
               FileResult("坏.xlsx", "failed")]
    assert [s for s, _ in review_inputs(results)] == ["新.xlsx"]


def test_review_settings_from_the_configuration():
    cfg = parse_config({"review": {"similar": 0.9, "min_chars": 10, "r601": False,
                                   "required_aspects": ["理论学习"]}})
    assert cfg.review == ReviewSettings(similar=0.9, min_chars=10, r601=False, required_aspects=("理论学习",))
    assert cfg.fingerprint() == parse_config({}).fingerprint()  # the review changes no document
    from reporter.errors import ConfigError

    for bad in ({"similar": 1.5}, {"r601": 1}, {"min_chars": 0}, {"unknown": 1}):
        with pytest.raises(ConfigError, match=re.escape("review")):
            parse_config({"review": bad})


def test_branches_with_most_findings_from_the_counts_made_with_the_review():
    """top_branches reads the per-workbook counts written with the review: the same answer as
    counting every finding (ties by name; two workbooks of one name counted together)."""
    rng = random.Random(4)
    template = [(f"问题{i}", sentence(rng)) for i in range(6)]
    corpus = [(f"{i:02d}.xlsx", branch(f"第{i % 7}党支部", problems_of(template[:1 + i % 6]))) for i in range(30)]
    corpus.append(("solo.xlsx", branch("独立党支部", problems_of([("独有", sentence(rng))]))))
    review = run_review(corpus, ReviewSettings(r611=False))
    assert review.counted
    counted_all = [tuple(row) for row in review.db.execute(
        "SELECT coalesce(branch, source) AS name, count(*) AS n FROM findings GROUP BY name ORDER BY n DESC, name")]
    for n in (1, 3, 5, 10, 50):
        assert review.top_branches(n) == counted_all[:n]
    assert sum(count for _, count in review.top_branches(50)) == sum(review.counts.values())
    review.counted = False  # a review file made before the counts were kept: the findings are counted
    assert review.top_branches(5) == counted_all[:5]
