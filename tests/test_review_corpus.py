"""R601 on a realistic planted corpus (DESIGN §9, issue 15's acceptance corpus).

Several hundred branches write items of 40–200 characters from one shared
vocabulary and shared stock phrases (深入学习贯彻…、进一步加强…), as real
materials do: unrelated items share words and phrases but not text.
Planted into it: originals copied into other branches, each copy with one
change — none (exact), punctuation changed, about 5 % of the characters
changed at scattered places, one clause dropped, the branch's name swapped —
and one template handed in unchanged by many branches (a large group).

    python tests/test_review_corpus.py     # the similarity of planted copies and of unrelated items
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter.cli import app
from reporter.review.similar import name_forms, normalise, similarity

STOCK = ("深入学习贯彻习近平新时代中国特色社会主义思想", "认真学习领会习近平总书记关于党的建设的重要思想",
         "以学铸魂、以学增智、以学正风、以学促干", "全心全意为人民服务的宗旨意识", "理论联系实际",
         "“三会一课”制度", "批评和自我批评", "抓好党建就是最大的政绩", "学懂弄通做实", "走深走实",
         "不忘初心、牢记使命", "增强“四个意识”、坚定“四个自信”、做到“两个维护”", "坚持以人民为中心的发展思想",
         "中央八项规定及其实施细则精神", "党风廉政建设主体责任", "新时代党的组织路线")
LEADS = ("进一步加强", "进一步提高", "切实增强", "持续深化", "认真落实", "统筹推进", "着力解决", "扎实开展",
         "不断完善", "严格执行")
SUBJECTS = ("支部党员干部", "个别党员", "支部班子成员", "青年党员", "支部委员会", "部分同志", "党员干部",
            "支部书记", "少数党员", "部分老党员")
ADVERBS = ("还", "仍然", "有时", "在一定程度上", "往往", "总体上", "", "", "")
OBJECTS = ("理论学习", "政治理论知识", "意识形态工作", "调查研究", "群众诉求", "重点工作任务", "组织生活",
           "谈心谈话", "廉洁自律", "作风建设", "专题党课", "志愿服务活动", "业务工作", "党建品牌", "风险隐患",
           "网络舆情", "干部队伍建设", "主题教育", "支部标准化建设", "党员发展", "教育管理", "制度执行",
           "学习研讨", "工作实际", "服务群众", "科研攻关", "财务管理", "后勤保障", "信息化建设", "安全生产")
PREDICATES = ("不够深入", "不够系统", "有待加强", "存在差距", "重视不够", "流于形式", "落实不到位",
              "缺乏督促检查", "用力不够", "不够经常", "满足于完成任务", "效果不够明显", "认识不够深刻",
              "还需下功夫", "方法较为单一", "针对性不强", "主动性不足", "标准不高", "创新不够", "结合不紧密")
VERBS = ("开展", "推动", "抓好", "落实", "统筹", "研究", "谋划", "指导", "检查", "部署")
CONNECT = ("比如，", "同时，", "导致", "特别是", "从而", "", "", "", "")
CHANGE = "".join(sorted(set("".join(OBJECTS + PREDICATES + VERBS))))  # replacement characters: same vocabulary


def clause(rng: random.Random) -> str:
    """One clause (about 6–30 characters) from the shared vocabulary and stock phrases."""
    c = rng.choice
    forms = (
        lambda: f"{c(SUBJECTS)}{c(ADVERBS)}对{c(OBJECTS)}{c(PREDICATES)}",
        lambda: f"在{c(STOCK)}上{c(PREDICATES)}",
        lambda: f"{c(OBJECTS)}{c(ADVERBS)}{c(PREDICATES)}",
        lambda: f"{c(LEADS)}{c(OBJECTS)}的{c(('力度', '深度', '实效', '针对性', '系统性'))}",
        lambda: f"{c(SUBJECTS)}{c(VERBS)}{c(OBJECTS)}{c(PREDICATES)}",
        lambda: f"没有把{c(OBJECTS)}摆在应有位置",
        lambda: f"{c(CONNECT)}{c(VERBS)}{c(OBJECTS)}与{c(OBJECTS)}{c(PREDICATES)}",
        lambda: f"{c(LEADS)}{c(STOCK)}",
    )
    return c(forms)()


def item_text(rng: random.Random, low: int = 40, high: int = 200, clauses: int = 2) -> str:
    """Headline and details joined: clauses until a length drawn in [low, high]."""
    target = rng.randint(low, high)
    parts = [clause(rng) for _ in range(clauses)]
    while len("，".join(parts)) < target:
        parts.append(clause(rng))
    while len("，".join(parts)) > high and len(parts) > clauses:
        parts.pop()
    return "，".join(parts) + "。"


# ---------------------------------------------------------------- the planted changes

def exact(rng: random.Random, text: str, name: str) -> str:
    return text


def punctuation(rng: random.Random, text: str, name: str) -> str:
    """Commas become 、 or ；, the full stop a semicolon, spaces put in."""
    out = "".join(rng.choice(("、", "；", "， ")) if ch == "，" else ch for ch in text)
    return out.replace("。", "；") + " "


def scattered(rng: random.Random, text: str, name: str, rate: float = 0.05) -> str:
    """About ``rate`` of the characters (punctuation aside) replaced, each at its own place."""
    places = [i for i, ch in enumerate(text) if ch.isalnum()]
    chars = list(text)
    for i in rng.sample(places, max(1, round(rate * len(places)))):
        chars[i] = rng.choice([ch for ch in CHANGE if ch != text[i]])
    return "".join(chars)


def clause_dropped(rng: random.Random, text: str, name: str) -> str:
    parts = text.split("，")
    del parts[rng.randrange(1, len(parts) - 1)]
    return "，".join(parts)


def name_swapped(rng: random.Random, text: str, name: str) -> str:
    return text  # the "{name}" in the original becomes each branch's own name when written


VARIANTS = (exact, punctuation, scattered, clause_dropped, name_swapped)


@dataclass(frozen=True, slots=True)
class Corpus:
    branches: list[tuple[str, list[str]]]  # (branch name, its items' texts in order)
    family: dict[tuple[str, int], int]  # (branch, item index) → the planted family it belongs to
    planted: dict[frozenset, str]  # {(branch, index), (branch, index)} of an original and one copy → the change


def make_corpus(seed: int = 15, branches: int = 300, per_branch: int = 12, families: int = 60,
                template_copies: int = 14) -> Corpus:
    """``families`` originals each copied into 1–4 other branches, one template into ``template_copies``."""
    rng = random.Random(seed)
    names = [f"{rng.choice(('机关', '科研', '后勤', '信息', '财务'))}第{i + 1}党支部" for i in range(branches)]
    texts: dict[str, list] = {name: [(item_text(rng), None) for _ in range(per_branch)] for name in names}
    for number in range(families + 1):
        if number < families:
            original = "{name}" + item_text(rng, 60, 200, clauses=6)
            owners = rng.sample(names, rng.randint(2, 5))
            changes = [VARIANTS[(number + k) % len(VARIANTS)] for k in range(len(owners) - 1)]
        else:  # one template handed in unchanged by many branches, each putting in its own name
            original = "{name}" + item_text(rng, 80, 160, clauses=6)
            owners = rng.sample(names, template_copies)
            changes = [name_swapped] * (template_copies - 1)
        at = rng.randrange(per_branch + 1)
        texts[owners[0]].insert(at, (original, (number, "original")))
        for name, change in zip(owners[1:], changes):  # an exact copy names the original's branch
            source = original.replace("{name}", owners[0]) if change is exact else original
            texts[name].insert(rng.randrange(len(texts[name]) + 1), (change(rng, source, name),
                                                                     (number, change.__name__)))
    family, originals, copies = {}, {}, []
    for name in names:
        for i, (_, mark) in enumerate(texts[name]):
            if mark is not None:
                family[(name, i)] = mark[0]
                if mark[1] == "original":
                    originals[mark[0]] = (name, i)
                else:
                    copies.append(((name, i), mark))
    planted = {frozenset((originals[number], place)): change for place, (number, change) in copies}
    final = [(name, [text.replace("{name}", name) for text, _ in texts[name]]) for name in names]
    return Corpus(final, family, planted)


# ---------------------------------------------------------------- the corpus as workbooks

CATEGORIES = ("理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律")
LAYOUT = ((0, 6), (1, 4), (2, None))  # (section, how many items): problems, causes, then measures


def split(text: str) -> tuple[str, str]:
    """Headline and details: the first clause, then the rest (normalising joins them again)."""
    at = min((text.find(p) for p in "，、；" if p in text), default=12)
    return text[:at], text[at + 1:]


def placed(texts: list[str]) -> list[tuple[int, int]]:
    """Where each item goes: (section, row) in the standard template (row 2 is the first item)."""
    where, i = [], 0
    for section, count in LAYOUT:
        n = len(texts) - i if count is None else count
        where += [(section, 2 + k) for k in range(n)]
        i += n
    return where


def write_corpus(corpus: Corpus, folder: Path) -> dict[tuple[str, int], tuple[str, str, str]]:
    """One real .xlsx per branch; (branch, index) → (branch, sheet, cell) of the item."""
    from helpers import standard_bytes
    from reporter.review.rules import cell
    from reporter.schema import SECTIONS

    folder.mkdir(parents=True, exist_ok=True)
    places = {}
    for number, (name, texts) in enumerate(corpus.branches):
        sections: tuple[list, list, list] = ([], [], [])
        where = placed(texts)
        measures = max(1, sum(section == 2 for section, _ in where))
        for i, (text, (section, row)) in enumerate(zip(texts, where)):
            headline, details = split(text)
            answers = "、".join(str(p + 1) for p in range(6) if p % measures == row - 2)  # every problem answered
            item = ((CATEGORIES[i % len(CATEGORIES)], headline, details), (headline, details),
                    (headline, details, answers, "张三", date(2024, 6, 30), "整改中"))[section]
            sections[section].append(item)
            places[(name, i)] = (name, SECTIONS[section].name, cell(SECTIONS[section], "headline", row))
        (folder / f"{number:03d}.xlsx").write_bytes(standard_bytes(
            info={"支部名称": name}, problems=sections[0], causes=sections[1], measures=sections[2]))
    return places


# ---------------------------------------------------------------- the tests

def place(p: dict) -> tuple[str, str, str]:
    return p["branch"], p["sheet"], p["cell"]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return make_corpus()


@pytest.fixture(scope="module")
def validated(corpus, tmp_path_factory):
    """`reporter validate --json` over the corpus written as 300 real workbooks."""
    folder = tmp_path_factory.mktemp("corpus")
    places = write_corpus(corpus, folder)
    result = CliRunner().invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 0, result.output[-2000:]
    return places, json.loads(result.output)


def test_planted_copies_are_found_with_recall_and_precision(corpus, validated):
    places, document = validated
    review = document["review"]
    pairs = [frozenset((place(p["a"]), place(p["b"]))) for p in review["similar"]]
    assert len(set(pairs)) == len(pairs)  # each pair once
    in_groups = {frozenset((x, y)) for g in review["groups"] for x in map(place, g["items"])
                 for y in map(place, g["items"]) if x[0] != y[0]}
    assert not in_groups & set(pairs)  # a pair of a large group is not listed again
    family = {places[k]: f for k, f in corpus.family.items()}
    planted = {frozenset(places[k] for k in pair): change for pair, change in corpus.planted.items()}
    found = set(pairs) | in_groups
    missed = {change for pair, change in planted.items() if pair not in found}
    recall = sum(pair in found for pair in planted) / len(planted)
    claims = [tuple(pair) for pair in pairs] + [tuple(map(place, g["items"])) for g in review["groups"]]
    right = [c for c in claims if family.get(c[0]) is not None and len({family.get(x) for x in c}) == 1]
    precision = len(right) / len(claims)
    assert recall >= 0.95 and precision >= 0.95, (recall, precision, missed)
    (template,) = review["groups"]  # the template handed in unchanged by 14 branches: one group, not 91 pairs
    assert template["size"] == 14 and template["similarity_min"] == 1.0
    assert {change for change in planted.values()} == {v.__name__ for v in VARIANTS}


def test_both_sides_carry_the_finding(validated):
    places, document = validated
    review = document["review"]
    r601 = {}
    for workbook in document["workbooks"]:
        for m in workbook["messages"]:
            if m["code"] == "R601":
                assert m["level"] == "review"
                r601.setdefault((workbook["source"], m["sheet"], m["cell"]), []).append(m["message"])
    assert workbook["status"] in ("ok", "warning")  # the review never fails a workbook
    for pair in review["similar"]:
        percent = f"{round(pair['similarity'] * 100)}%"
        for me, other in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            texts = r601[(me["source"], me["sheet"], me["cell"])]
            assert any(other["branch"] in t and f"{other['sheet']}!{other['cell']}" in t and percent in t
                       for t in texts), (me, other, texts)
    for group in review["groups"]:
        for me in group["items"]:
            assert any(str(group["size"]) in t for t in r601[(me["source"], me["sheet"], me["cell"])])
    assert sum(map(len, r601.values())) == 2 * len(review["similar"]) + sum(g["size"] for g in review["groups"])
    assert review["counts"]["R601"] == sum(map(len, r601.values()))


def normalised(corpus: Corpus) -> dict[tuple[str, int], str]:
    return {(name, i): normalise(text, name_forms(name)) for name, texts in corpus.branches
            for i, text in enumerate(texts)}


def test_the_measure_separates_copies_from_unrelated_items(corpus):
    """Every planted copy ≥ 0.85; unrelated items of the same vocabulary below the threshold (1,200 items, all
    pairs), 99.99 % of them below 0.6 — the worst are two-clause items sharing one clause and a stock phrase."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    texts = normalised(corpus)
    copies = [similarity(*(texts[k] for k in pair)) for pair in corpus.planted]
    unrelated = [t for k, t in texts.items() if k not in corpus.family]
    sample = random.Random(1).sample(unrelated, 1200)
    scores = process.cdist(sample, sample, scorer=Indel.normalized_similarity, workers=1)
    upper = scores[np.triu_indices(len(sample), 1)]
    assert min(copies) >= 0.85 and upper.max() < 0.8 and np.quantile(upper, 0.9999) < 0.6, (
        min(copies), upper.max())


def test_build_reports_each_pair_once_on_both_workbooks(tmp_path):
    """The same through `reporter build` and run-report.json, on a small corpus."""
    corpus = make_corpus(seed=3, branches=8, per_branch=11, families=3, template_copies=2)
    places = write_corpus(corpus, tmp_path / "in")
    result = CliRunner().invoke(app, ["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "run-report.json").read_text(encoding="utf-8"))
    pairs = [frozenset((place(p["a"]), place(p["b"]))) for p in report["review"]["similar"]]
    planted = {frozenset(places[k] for k in pair) for pair in corpus.planted}
    assert len(set(pairs)) == len(pairs) and planted <= set(pairs)
    messages = {(w["source"], m["sheet"], m["cell"]) for w in report["workbooks"] for m in w["messages"]
                if m["code"] == "R601"}
    assert {(p[side]["source"], p[side]["sheet"], p[side]["cell"]) for p in report["review"]["similar"]
            for side in "ab"} == messages


# ---------------------------------------------------------------- the measurements quoted in the README

def _jaccard3(a: str, b: str) -> float:
    x, y = ({t[i:i + 3] for i in range(len(t) - 2)} for t in (a, b))
    return len(x & y) / max(1, len(x | y))


def _candidates(texts: list[str]) -> set[tuple[int, int]]:
    from reporter.review.similar import band_keys, candidate_pairs

    return {(min(a, b), max(a, b)) for a, b in candidate_pairs(band_keys(texts))}


def measure() -> None:
    """Similarity of planted copies and of unrelated items; the S-curve; candidates at the threshold."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    from reporter.review.similar import candidate_probability

    corpus = make_corpus()
    texts = normalised(corpus)
    for change in sorted(set(corpus.planted.values())):
        pairs = [[texts[k] for k in pair] for pair, c in corpus.planted.items() if c == change]
        s, j = [similarity(a, b) for a, b in pairs], [_jaccard3(a, b) for a, b in pairs]
        print(f"{change:15} n={len(s):3}  similarity min {min(s):.3f} mean {np.mean(s):.3f}   "
              f"3-gram Jaccard min {min(j):.3f} mean {np.mean(j):.3f}")
    unrelated = [t for k, t in texts.items() if k not in corpus.family]
    scores = process.cdist(unrelated, unrelated, scorer=Indel.normalized_similarity, workers=-1)
    upper = scores[np.triu_indices(len(unrelated), 1)]
    print(f"unrelated: {len(upper):,} pairs, max {upper.max():.3f}, 99.99 % {np.quantile(upper, 0.9999):.3f}, "
          f"99 % {np.quantile(upper, 0.99):.3f}, mean {upper.mean():.3f}")
    rng = random.Random(2)
    for rate in (0.05, 0.07, 0.10, 0.15, 0.20):
        originals = [item_text(rng, 60, 200, clauses=6) for _ in range(300)]
        pairs = [(normalise(t), normalise(scattered(rng, t, "", rate))) for t in originals]
        hit = _candidates([x for pair in pairs for x in pair])
        j = [_jaccard3(a, b) for a, b in pairs]
        print(f"scattered {rate:.0%}: similarity mean {np.mean([similarity(a, b) for a, b in pairs]):.3f}, "
              f"3-gram Jaccard mean {np.mean(j):.3f} min {min(j):.3f}, "
              f"candidates {sum((2 * i, 2 * i + 1) in hit for i in range(len(pairs))) / len(pairs):.3f}")
    print("S-curve:", ", ".join(f"J={j}: {candidate_probability(j):.4f}" for j in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)))
    every = list(texts.values())
    above = np.argwhere(np.triu(process.cdist(every, every, scorer=Indel.normalized_similarity, workers=-1,
                                              score_cutoff=0.8), 1) > 0)
    distinct = [(a, b) for a, b in above if every[a] != every[b]]
    hit = _candidates(every)
    print(f"pairs at similarity >= 0.8 (all pairs, identical texts aside): {len(distinct)}, "
          f"found as candidates: {sum((a, b) in hit for a, b in distinct) / len(distinct):.4f}")


if __name__ == "__main__":
    measure()
