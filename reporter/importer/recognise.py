"""Paragraphs → the fields of a standard workbook (DESIGN.md §11).

Recognised, in order: the title (Title-styled paragraphs at the top, else
the first paragraph), the signature block at the end (an organisation line
and a date line), the section headings (by name with synonyms, whatever
numbers them: typed 一、, a heading style, Word's automatic numbering), the
preamble (everything before the first section), and in each section its
items (a number typed or shown by automatic numbering) split into the
headline — the lead-in set apart by bold or a character style, else the
text up to the first 。！？ — and the details.  Every guess that may be
wrong is a finding with the paragraph's number (non-empty paragraphs,
counted from the title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..findings import CATALOGUE, message
from ..model import Message
from ..schema import SECTIONS
from ..text import clean, parse_date, strip_numbering
from .document import PLAIN, Paragraph

# Section names and their synonyms (a heading matches the section whose longest name it contains).
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "problems": ("存在的问题", "存在的主要问题", "查摆的问题", "存在问题", "查摆问题", "主要问题", "检视问题",
                 "突出问题", "问题查摆", "问题表现", "查找的问题"),
    "causes": ("原因剖析", "原因分析", "问题产生的原因", "产生问题的原因", "剖析原因", "根源剖析", "原因"),
    "measures": ("整改措施", "整改方向", "努力方向", "下一步打算", "整改举措", "改进措施", "下一步措施",
                 "整改思路", "下一步工作打算"),
}
SECTION_LABEL = {s.key: s.name for s in SECTIONS}
HEADLINE_LIMIT = 60
HEADING_CHARS = 30  # a heading is short and holds no sentence
_SENTENCE = re.compile("[。！？；!?;]")
_STOPS = "。！？!?"
_NUMERALS = re.compile(r"[0-9０-９一二三四五六七八九十百零〇a-zA-Zⅰ-ⅻⅠ-Ⅻ]+")
_ORGANISATION = re.compile(r"(?:党支部|支部|委员会|党委|党总支|总支|党组)$")
_TITLE_STYLES = ("title", "标题")
_PARTY = re.compile(r"^(?:中国共产党|中共|关于)")


@dataclass(slots=True)
class Note:
    """A finding and the paragraph it is about (None: the whole document)."""

    message: Message
    paragraph: int | None = None


def note(code: str, paragraph: int | None = None, variant: str = "", **fields) -> Note:
    """The finding ``code`` about paragraph ``paragraph`` (its number goes into the text when the wording has it)."""
    if paragraph is not None and "paragraph" in CATALOGUE[code].fields(variant):
        fields["paragraph"] = paragraph
    return Note(message(code, variant=variant, **fields), paragraph)


@dataclass(slots=True)
class Recognised:
    title: str = ""
    preamble: str = ""
    items: dict[str, list[list[str]]] = field(default_factory=lambda: {s.key: [] for s in SECTIONS})
    signature: str = ""
    signature_date: date | None = None
    name: str = ""  # 支部名称 from the signature or the title ("" when neither names one)
    notes: list[Note] = field(default_factory=list)

    sections: set[str] = field(default_factory=set)  # the sections whose heading was found


@dataclass(slots=True)
class _Para:
    n: int  # paragraph number (non-empty paragraphs from 1)
    text: str  # cleaned, typed numbering included
    body: str  # without the numbering (typed or automatic)
    label: str  # the numbering: automatic, else typed
    source: Paragraph


def _prepare(paragraphs: list[Paragraph]) -> list[_Para]:
    out = []
    for p in paragraphs:
        text = clean(p.text)
        if not text and not p.label:
            continue
        body = strip_numbering(text)
        label = p.label.strip() or text[: len(text) - len(body)].strip()
        out.append(_Para(len(out) + 1, text, body, label, p))
    return out


def _form(label: str) -> str:
    return _NUMERALS.sub("N", label)


def section_of(text: str) -> str | None:
    """The section a heading names (longest synonym contained), or None."""
    text = re.sub(r"[\s：:。.，,、]+$", "", text)
    best, length = None, 0
    for key, names in SECTION_NAMES.items():
        for name in names:
            if name in text and len(name) > length:
                best, length = key, len(name)
    return best


def _headingish(p: _Para) -> bool:
    return bool(p.body) and len(p.body) <= HEADING_CHARS and not _SENTENCE.search(p.body)


def _styled_heading(p: _Para) -> bool:
    style = p.source.style
    return p.source.outline in (0, 1) or style.startswith("heading") or style.startswith("标题 ")


def _title(paras: list[_Para]) -> tuple[str, int]:
    """The title and how many paragraphs it takes (0: the document has none)."""
    styled = [i for i, p in enumerate(paras[:3]) if p.source.style in _TITLE_STYLES]
    if styled:
        start = styled[0]
        end = start
        while end + 1 < len(paras) and paras[end + 1].source.style in _TITLE_STYLES:
            end += 1
        return clean("\n".join(p.text for p in paras[start:end + 1])), end + 1
    if paras and not (_headingish(paras[0]) and section_of(paras[0].body)):
        return paras[0].text, 1
    return "", 0


def _signature(paras: list[_Para]) -> tuple[str, date | None, int]:
    """落款, 落款日期 and how many paragraphs at the end they take."""
    def plain(p: _Para) -> bool:
        return not p.label and len(p.text) <= 40 and not _SENTENCE.search(p.text) and section_of(p.text) is None

    if not paras:
        return "", None, 0
    last = paras[-1]
    when = parse_date(last.text.replace(" ", "")) if plain(last) else None
    if when is not None:
        if len(paras) > 1 and plain(paras[-2]) and parse_date(paras[-2].text) is None:
            return paras[-2].text, when, 2
        return "", when, 1
    if plain(last) and (_ORGANISATION.search(last.text) or last.source.right):
        return last.text, None, 1
    return "", None, 0


def branch_name(signature: str, title: str) -> str:
    """A name ending in 党支部/支部 from the signature, else from the title ("" when neither has one)."""
    for text, last in ((signature, True), (title, False)):
        text = _PARTY.sub("", text)
        at = text.rfind("支部") if last else text.find("支部")
        if at < 0:
            continue
        name = text[: at + 2].strip()
        if name not in ("党支部", "支部") and len(name) <= 40:
            return name
    return ""


def _lead(p: Paragraph, typed: int) -> tuple[str, str] | None:
    """(lead-in, rest) when the paragraph opens with runs set apart by style (bold, a character style …)."""
    runs, skipped = list(p.runs), 0
    while runs and skipped + len(runs[0][0]) <= typed:  # runs holding only the typed number
        skipped += len(runs[0][0])
        runs.pop(0)
    if not runs:
        return None
    head_look = runs[0][1]
    i = 0
    while i < len(runs) and (runs[i][1] == head_look or not runs[i][0].strip()):
        i += 1
    rest = runs[i:]
    if head_look == PLAIN or not rest:
        return None
    weight: dict = {}
    for text, look in rest:
        weight[look] = weight.get(look, 0) + len(text.strip())
    if max(weight, key=weight.get) == head_look:
        return None
    return "".join(t for t, _ in p.runs[: len(p.runs) - len(rest)]), "".join(t for t, _ in rest)


_WS = " \t\u3000\u00a0"


def _typed_prefix(p: Paragraph) -> int:
    """Characters of leading space and typed numbering at the start of the raw text."""
    raw = p.text
    start = len(raw) - len(raw.lstrip(_WS))
    if p.label:
        return start
    text = raw[start:].rstrip()
    return start + len(text) - len(strip_numbering(text))


def split_item(p: _Para) -> tuple[str, str]:
    """(headline, details): the lead-in set apart by style, else the text up to the first 。！？."""
    lead = _lead(p.source, _typed_prefix(p.source))
    if lead is not None:
        headline, details = strip_numbering(clean(lead[0])), clean(lead[1])
        if headline and details:
            if headline.endswith("。"):
                headline = headline[:-1]
            elif details.startswith("。"):
                details = details[1:].lstrip()
            return headline, details
    m = re.search(f"[{_STOPS}]", p.body)
    if m is None:
        return p.body, ""
    end = m.start() if m.group() == "。" else m.end()
    return p.body[:end], p.body[m.end():].strip()


# ------------------------------------------------------------------ structure

_HEADING_FORMS = ("", "N、", "N.", "N．", "N，", "第N部分", "第N")


def _classify(body: list[_Para]) -> list[tuple[str, str | None]]:
    """Each paragraph as ("heading", section) / ("unknown", None) / ("item", None) / ("text", None)."""
    kinds: list[tuple[str, str | None]] = []
    forms = set()
    for p in body:
        section = section_of(p.body) if _headingish(p) else None
        exact = p.body.rstrip("：:") in {n for names in SECTION_NAMES.values() for n in names}
        as_heading = _form(p.label) in _HEADING_FORMS or p.source.level == 0 or _styled_heading(p)
        if section and (as_heading or exact):
            kinds.append(("heading", section))
            forms.add((_form(p.label), p.source.level))
        else:
            kinds.append(("item", None) if p.label else ("text", None))
    for i, p in enumerate(body):
        if kinds[i][0] != "heading" and _headingish(p) and (
                _styled_heading(p) or (p.label and (_form(p.label), p.source.level) in forms)):
            kinds[i] = ("unknown", None)
    return kinds


def _group(body: list[_Para], result: Recognised) -> tuple[list[_Para], list[tuple[str, list]]]:
    """The preamble's paragraphs and each section's (key, [(paragraph, kind)]) in order of appearance."""
    preamble: list[_Para] = []
    parts: dict[str, list] = {}
    current = None
    for p, (kind, section) in zip(body, _classify(body)):
        if kind == "heading":
            if section in parts:
                result.notes.append(note("I708", p.n, section=SECTION_LABEL[section]))
            current = section
            parts.setdefault(section, [])
            continue
        if current is None:
            if kind == "unknown":
                result.notes.append(note("I704", p.n, "preamble", text=p.body))
            preamble.append(p)
        else:
            parts[current].append((p, kind))
    return preamble, list(parts.items())


def _section_items(key: str, paras: list, result: Recognised) -> list[list[str]]:
    items: list[list[str]] = []
    label = SECTION_LABEL[key]
    numbered = any(kind == "item" for _, kind in paras)
    if paras and not numbered:
        result.notes.append(note("I707", paras[0][0].n, "all", section=label))
    for p, kind in paras:
        if kind == "unknown":
            result.notes.append(note("I704", p.n, "section", text=p.body, section=label))
        if kind == "item" or not numbered or not items:
            if numbered and kind != "item":
                result.notes.append(note("I707", p.n, "one", section=label))
            items.append(list(split_item(p)))
            headline = items[-1][0]
            if len(headline) > HEADLINE_LIMIT:
                column = next(s for s in SECTIONS if s.key == key)
                result.notes.append(note("I703", p.n, length=len(headline), limit=HEADLINE_LIMIT,
                                         column=column.headline.label, details=column.details.label))
            continue
        if kind == "text":
            result.notes.append(note("I702", p.n, section=label, item=len(items)))
        items[-1][1] = clean(items[-1][1] + "\n" + p.text) if items[-1][1] else p.text
    return items


def recognise(paragraphs: list[Paragraph]) -> Recognised:
    """The workbook's fields from a document's paragraphs, with a finding for every guess."""
    result = Recognised()
    paras = _prepare(paragraphs)
    result.title, used = _title(paras)
    signature, when, tail = _signature(paras[used:])
    body = paras[used:len(paras) - tail]
    preamble, parts = _group(body, result)
    if not parts:
        result.notes = [note("I701")]
        return result
    result.signature, result.signature_date = signature, when
    for key, paras_of in parts:
        result.sections.add(key)
        result.items[key] = _section_items(key, paras_of, result)
    if len(preamble) > 1:
        result.notes.append(note("I706", preamble[0].n, count=len(preamble)))
    result.preamble = clean("\n".join(p.text for p in preamble))
    result.name = branch_name(signature, result.title)
    result.notes.sort(key=lambda n: (n.paragraph or 0))
    return result
