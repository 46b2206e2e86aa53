"""What a branch's 对照检查材料 says, as blocks; :func:`render_document` makes the .docx."""

from __future__ import annotations

from datetime import datetime

from ..config import Config
from ..model import Branch, Item
from ..schema import SECTION_TITLES
from ..text import chinese_date, chinese_number, headline_sentence
from .blocks import Block
from .render import render_blocks

def item_block(n: int, item: Item) -> Block:
    return Block("item", item.details, f"（{chinese_number(n)}）{headline_sentence(item.headline)}")


def _char_width(text: str) -> float:
    """Width in 3号 characters: ASCII (Times New Roman digits, Latin) counts half."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in text)


def signature_blocks(name: str | None, when: str | None) -> list[Block]:
    """GB/T 9704 §7.3.5.2: a blank line, the organisation two characters in from
    the right, the date on the next line starting two characters right of the
    organisation's first character (or, when the date is the longer one, the
    date two characters in and the organisation moved left to keep the offset)."""
    if not name and not when:
        return []
    if name and when:
        n, d = _char_width(name), _char_width(when)
        name_right, date_right = 2.0, n - d  # date starts 2 chars right of the name
        if date_right < 2:
            name_right, date_right = 2 + d + 2 - n, 2.0
        lines = [Block("signature", name, right_chars=name_right), Block("signature", when, right_chars=date_right)]
    else:
        lines = [Block("signature", name or when or "", right_chars=2.0)]
    return [Block("blank"), *lines]


def branch_blocks(branch: Branch) -> list[Block]:
    """The paragraphs of a branch's 对照检查材料, in order.

    A section without items keeps its heading: the three parts are the
    document's fixed structure (一、二、三、 stay in sequence) and the empty
    part stays visible to whoever signs the document.
    """
    info = branch.info
    blocks: list[Block] = []
    if info.title:
        blocks += [Block("title", info.title), Block("blank")]  # GB/T 9704: 标题下空一行
    if info.preamble:
        blocks.append(Block("body", info.preamble))
    for key, items in (("problems", branch.problems), ("causes", branch.causes), ("measures", branch.measures)):
        blocks.append(Block("heading", SECTION_TITLES[key]))
        blocks.extend(item_block(n, item) for n, item in enumerate(items, 1))
    when = chinese_date(info.signature_date) if info.signature_date else None
    blocks += signature_blocks(info.signature, when)
    return blocks


def render_document(branch: Branch, config: Config, *, created: datetime | None = None) -> bytes:
    """The branch's 对照检查材料 as .docx bytes (pure: no file system but a reference .docx)."""
    info = branch.info
    return render_blocks(branch_blocks(branch), config, title=info.title, subject=f"{info.theme}对照检查材料",
                         author=info.name, created=created)
