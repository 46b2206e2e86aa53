"""The review made incrementally (issue 15, DESIGN §9 "Incremental"): a run where workbooks were added,
edited or removed signs and checks only their items, keeps the stored similar pairs of the others, and
regroups — the findings exactly those of a full review."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.review import run as review_run
from reporter.build import reviewing
from reporter.cli import app
from reporter.config import ReviewSettings
from reporter.model import Problem
from reporter.review import Prior, run_review
from reporter.review import across as across_module
from reporter.review.rules import entries
from test_review import branch, planted_corpus, sentence

runner = CliRunner()
SETTINGS = ReviewSettings()
BASE = "settings"


def sha(b) -> str:
    return hashlib.sha256(repr(b).encode()).hexdigest()


def review(path: Path, corpus, prior: Prior | None = None):
    """``corpus`` reviewed into ``path``; with ``prior``, workbooks it has with the same bytes are not given."""
    def stream():
        for source, b in corpus:
            yield (source, None, sha(b)) if prior is not None and prior.unchanged(source, sha(b)) else (
                source, b, sha(b))
    result = run_review(stream(), SETTINGS, path, "key", BASE, prior)
    if prior is not None:
        prior.close()
    return result


def everything(result, corpus) -> tuple:
    return result.report, {source: result.messages_for(source) for source, _ in corpus}, list(result.findings)


def full_review(folder: Path, corpus, name: str = "full.sqlite") -> tuple:
    made = review(folder / name, corpus)
    try:
        return everything(made, corpus)
    finally:
        made.close()


def reset(counted: dict) -> None:
    for calls in counted.values():
        calls.clear()


@pytest.fixture
def counted(monkeypatch):
    """Texts signed (band_keys) and candidate pairs checked exactly (across.check)."""
    seen = {"signed": [], "checked": []}
    band_keys, check = review_run.band_keys, across_module.check

    def signing(texts):
        seen["signed"] += list(texts)
        return band_keys(texts)

    def checking(a, b, threshold):
        seen["checked"].append((a, b))
        return check(a, b, threshold)

    monkeypatch.setattr(review_run, "band_keys", signing)
    monkeypatch.setattr(across_module, "band_keys", signing)
    monkeypatch.setattr(across_module, "check", checking)
    return seen


def edited(corpus, rng):
    """One workbook edited (a planted copy of another's item added), one added, one removed."""
    corpus = list(corpus)
    (source, b), (_, donor) = corpus[3], corpus[5]
    copy = Problem(donor.problems[0].headline, donor.problems[0].details + "补充", 9, 30, "理论学习")
    corpus[3] = (source, branch(b.info.name, b.problems + (copy,)))
    new = [(donor.problems[1].headline, donor.problems[1].details)] + [(sentence(rng)[:10], sentence(rng))]
    corpus.append(("新增党支部.xlsx", branch("新增党支部", [Problem(h, d, i + 1, i + 2, "理论学习")
                                                          for i, (h, d) in enumerate(new)])))
    del corpus[10]
    return corpus, [corpus[3], corpus[-1]]


def test_incremental_equals_full_and_checks_only_the_changed_items(tmp_path, counted):
    corpus, _ = planted_corpus()
    review(tmp_path / "first.sqlite", corpus).close()
    after, changed = edited(corpus, random.Random(3))
    expected = full_review(tmp_path, after)
    reset(counted)
    incremental = review(tmp_path / "next.sqlite", after, Prior.open(tmp_path / "first.sqlite", BASE))
    assert everything(incremental, after) == expected
    assert expected[0]["counts"]["R601"] > 0 and expected[0]["similar"]
    assert any(p["a"]["source"] == "新增党支部.xlsx" or p["b"]["source"] == "新增党支部.xlsx"
               for p in expected[0]["similar"])  # the added workbook's copy is found
    assert not any("测试10党支部.xlsx" in (p["a"]["source"], p["b"]["source"]) for p in expected[0]["similar"])
    mine = [e.text for _, b in changed for e in entries(b, SETTINGS.min_chars)]
    before = {e.text for _, b in corpus for e in entries(b, SETTINGS.min_chars)}
    new = [text for text in mine if text not in before]
    assert new and sorted(counted["signed"]) == sorted(new)  # only the changed workbooks' new texts are signed …
    assert counted["checked"] and all(a in mine or b in mine for a, b in counted["checked"])  # … and checked
    incremental.close()


def test_an_unchanged_corpus_checks_nothing_and_other_settings_are_not_reused(tmp_path, counted):
    corpus, _ = planted_corpus()
    expected = full_review(tmp_path, corpus, "first.sqlite")
    reset(counted)
    again = review(tmp_path / "again.sqlite", corpus, Prior.open(tmp_path / "first.sqlite", BASE))
    assert everything(again, corpus) == expected and counted == {"signed": [], "checked": []}
    again.close()
    assert Prior.open(tmp_path / "first.sqlite", "other settings") is None
    assert Prior.open(tmp_path / "absent.sqlite", BASE) is None


def test_large_groups_and_buckets_stay_exact(tmp_path):
    """A template handed in by many branches with small edits: large groups and large buckets (where a
    change re-checks the bucket); the result is still the full review's."""
    rng = random.Random(5)
    template = sentence(rng, 40)
    corpus = []
    for i in range(24):
        text = template if i % 2 else template[:i + 5] + "甲乙" + template[i + 7:]
        corpus.append((f"{i:02d}.xlsx", branch(f"第{i}党支部", [Problem(text[:10], text[10:], 1, 2, "理论学习"),
                                                              Problem("另", sentence(rng), 2, 3, "理论学习")])))
    review(tmp_path / "first.sqlite", corpus).close()
    after, _ = edited(corpus, rng)
    expected = full_review(tmp_path, after)
    assert expected[0]["groups"]
    incremental = review(tmp_path / "next.sqlite", after, Prior.open(tmp_path / "first.sqlite", BASE))
    assert everything(incremental, after) == expected
    incremental.close()


# ---------------------------------------------------------------- in `reporter build`

SHARED = "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，学用结合不够紧密，用理论指导实践解决问题的能力不足。"


def write(inp: Path, name: str, rng: random.Random, shared: bool) -> None:
    problems = [("理论学习", "学习不够深入", SHARED if shared else sentence(rng)),
                ("担当作为", "担当不够", sentence(rng))]
    inp.joinpath(f"{name}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}, problems=problems))


def build(inp: Path, out: Path, *args: str) -> dict:
    import json
    result = runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "1", *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "run-report.json").read_text("utf-8"))


def review_of(report: dict) -> tuple:
    messages = {w["source"]: [m for m in w["messages"] if m["level"] == "review"]
                for w in report["workbooks"]}
    return report["review"], messages


def test_build_incremental_equals_a_fresh_full_review(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    rng = random.Random(11)
    for i in range(6):
        write(inp, f"第{i}党支部", rng, shared=i < 3)
    build(inp, out)
    write(inp, "第4党支部", rng, shared=True)  # edited: now a copy too
    write(inp, "第9党支部", rng, shared=True)  # added
    inp.joinpath("第0党支部.xlsx").unlink()  # removed
    made = []
    monkeypatch.setattr(review_run, "run_review", lambda *a, **k: made.append(a[5]) or run_review(*a, **k))
    incremental = build(inp, out)
    assert made and made[-1] is not None  # made from the previous review
    fresh = build(inp, tmp_path / "fresh")
    forced = build(inp, out, "--force")
    assert made[-2:] == [None, None]
    assert review_of(incremental) == review_of(fresh) == review_of(forced)
    shared = {w["source"] for w in incremental["workbooks"] for m in w["messages"]
              if m["code"] == "R601" and m["sheet"] == "存在的问题" and m["cell"] == "C2"}
    assert shared == {f"第{i}党支部.xlsx" for i in (1, 2, 4, 9)}  # edited and added found, removed gone
    cfg = tmp_path / "reporter.toml"
    cfg.write_text("[review]\nsimilar = 0.9\n", "utf-8")
    build(inp, out, "--config", str(cfg))
    assert made[-1] is None  # other [review] settings: a full review


def test_a_text_handed_in_by_many_is_signed_once(tmp_path, counted):
    """A template many branches hand in unchanged is signed once (and still found in every copy)."""
    from test_review import problems_of

    rng = random.Random(5)
    template = [(sentence(rng, 6), sentence(rng)) for _ in range(3)]
    own = [(sentence(rng, 6), sentence(rng)) for _ in range(4)]
    corpus = [(f"{i}.xlsx", branch(f"第{i}党支部", problems_of([*template, own[i]]))) for i in range(4)]
    made = review(tmp_path / "r.sqlite", corpus)
    try:
        report = made.report
    finally:
        made.close()
    texts = [e.text for _, b in corpus for e in entries(b, SETTINGS.min_chars)]
    assert len(counted["signed"]) == len(set(texts)) == 3 + 4 < len(texts)
    assert report["counts"]["R601"] >= 3 * 4  # each template item, in every workbook (once per other copy)
