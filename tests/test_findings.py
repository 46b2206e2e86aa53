"""The findings catalogue: well-formed, complete, the one home of every wording."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from reporter import findings
from reporter.findings import CATALOGUE, message
from reporter.model import Message

PACKAGE = Path(findings.__file__).parent
README = PACKAGE.parent / "README.md"
CODE = re.compile(r"[EWIR]\d{3}")


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py")) if p.name != "findings.py"}


def _sample(name: str) -> object:
    """A value for a field (numbers where a format spec needs one)."""
    return 1.5 if name in {"size_mb", "limit_mb", "seconds"} else f"<{name}>"


def _cases():
    for code, finding in CATALOGUE.items():
        for variant in finding.templates:
            yield pytest.param(code, variant, id=f"{code}{'-' + variant if variant else ''}")


def test_codes_are_well_formed():
    assert CATALOGUE, "the catalogue is empty"
    for code, finding in CATALOGUE.items():
        assert CODE.fullmatch(code), code
        assert finding.code == code
        if code[0] in "EW":  # import (I7xx) findings are errors or warnings per code; review (R6xx) are "review"
            assert finding.level == {"E": "error", "W": "warning"}[code[0]], code
        elif code[0] == "R":
            assert finding.level == "review", code
        else:
            assert finding.level in ("error", "warning"), code
        assert finding.summary and finding.summary == finding.summary.strip(), code
        assert "|" not in finding.summary, code  # it is a Markdown table cell
        assert finding.templates, code
        assert ("" in finding.templates) == (len(finding.templates) == 1), \
            f"{code}: one wording is the variant '', several are all named"
    assert list(CATALOGUE) == sorted(CATALOGUE, key=lambda c: (int(c[1:]), c))  # by number, as in the README


@pytest.mark.parametrize(("code", "variant"), list(_cases()))
def test_every_template_formats_with_its_declared_fields(code, variant):
    finding = CATALOGUE[code]
    fields = finding.fields(variant)
    given = {name: _sample(name) for name in fields - {"sheet", "cell"}}
    made = message(code, variant=variant, sheet="存在的问题", cell="B3", **given)
    assert isinstance(made, Message)
    assert (made.code, made.level) == (code, finding.level)
    assert "{" not in made.message and "}" not in made.message
    for name, value in given.items():
        assert (str(value) if isinstance(value, str) else "1") in made.message, name
    text = made.message
    assert re.search(r"[\u4e00-\u9fff]", text), "a finding is read by a branch: it is in Chinese"
    assert text.endswith(("。", "）")), f"{code}/{variant}: a finding is whole sentences"
    parsed = list(string.Formatter().parse(finding.template(variant)))
    assert all(conv is None for _, name, _, conv in parsed if name), "no !r / !s conversions"


def test_message_places_the_finding():
    made = message("W301", sheet="存在的问题", cell="B3", value="组织建设", allowed="理论学习、其他")
    assert made == Message("warning", "W301", "方面“组织建设”不在规定的类别中；请从下拉列表中选择：理论学习、其他。",
                           "存在的问题", "B3")
    assert made.where == "存在的问题!B3"
    # a template that names {sheet} / {cell} takes them from the location
    made = message("E110", variant="sheet", sheet="基本信息")
    assert made.sheet == "基本信息" and made.message.startswith("“基本信息”表已损坏")
    assert message("W314", sheet="基本信息", cell="B2").message.startswith("B2 单元格中是公式")


def test_formats_follow_todays_messages():
    assert message("E104", size_mb=25.04, limit_mb=20.0).message.startswith("文件大小 25.0 MB，超过上限 20 MB；")
    assert message("E105", variant="size", size_mb=512.6, limit_mb=200.0).message == \
        "文件解压后约 513 MB，超过上限 200 MB，已拒绝读取。"
    assert message("E405", seconds=120.0).message.startswith("处理超过 120 秒仍未完成，")


@pytest.mark.parametrize("call", [
    lambda: message("E999"),
    lambda: message("E101"),  # several wordings: the variant is required
    lambda: message("E102", variant="nope"),
])
def test_an_unknown_code_or_variant_is_a_bug(call):
    with pytest.raises(KeyError):
        call()


@pytest.mark.parametrize("call", [
    lambda: message("W301", value="组织建设"),  # allowed missing
    lambda: message("W301", value="x", allowed="y", extra="z"),  # a field the template does not use
    lambda: message("E110", variant="sheet"),  # {sheet} needed, no sheet given
    lambda: message("W314", sheet="基本信息"),  # {cell} needed
])
def test_a_missing_or_unexpected_field_is_a_bug(call):
    with pytest.raises(ValueError):
        call()


def test_listing():
    assert findings.listing(["a.xlsx", "b.xlsx"]) == "a.xlsx、b.xlsx"
    assert findings.listing(["a.xlsx", "b.xlsx"], 2) == "a.xlsx、b.xlsx"
    assert findings.listing(["a.xlsx", "b.xlsx"], 12) == "a.xlsx、b.xlsx 等 12 个"


def _code_literals(source: str) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value)}


def test_every_code_in_the_source_is_catalogued_and_every_catalogued_code_is_used():
    used: dict[str, list[str]] = {}
    for path, source in _sources().items():
        for code in _code_literals(source):
            used.setdefault(code, []).append(path.name)
    assert {c: where for c, where in used.items() if c not in CATALOGUE} == {}, "codes made outside the catalogue"
    assert sorted(set(CATALOGUE) - set(used)) == [], "catalogued codes nothing emits (reserve nothing)"


def _fixed_text(template: str, shortest: int = 14) -> list[str]:
    """The template's clauses without fields, each with the punctuation that ends it."""
    pieces = []
    for literal, _, _, _ in string.Formatter().parse(template):
        pieces += re.findall(r"[^。；，：（）“”]{%d,}[。；，：（）“”]" % shortest, literal)
    return pieces


def test_no_wording_of_a_finding_is_spelled_outside_the_catalogue():
    """Honest, not complete: a sentence copied from a template elsewhere in the package is caught;
    a reworded copy is not (that is what the source scan for codes and the tests on whole messages are for)."""
    found = []
    for path, source in _sources().items():
        for code, finding in CATALOGUE.items():
            for template in finding.templates.values():
                found += [(path.name, code, piece) for piece in _fixed_text(template) if piece in source]
    assert found == []


def test_readme_code_table_is_the_catalogue():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- codes:start -->\n(.*?)\n<!-- codes:end -->", text, re.S)
    assert match, "README.md has no <!-- codes:start --> … <!-- codes:end --> block"
    assert match.group(1).strip() == findings.markdown_table()
