"""What a branch's 对照检查材料 says, as blocks; :func:`render_document` makes the .docx."""

from __future__ import annotations

from datetime import datetime

from ..config import Config
from ..model import Branch, Item
from ..schema import SECTION_TITLES
from ..text import chinese_date, chinese_number, headline_sentence
from ..title import break_title
from .blocks import Block
from .render import render_blocks
from .styles import BODY_CHAR, CONDENSE, MARGIN_LEFT, MARGIN_RIGHT, PAGE_W

def item_block(n: int, item: Item) -> Block:
    return Block("item", item.details, f"（{chinese_number(n)}）{headline_sentence(item.headline)}")


TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # twips
PITCH = BODY_CHAR + CONDENSE  # one 3号 character as laid out, condensed (twips)
# LibreOffice adds this much at each boundary between a Chinese character and a
# digit or Latin letter (its "Asian/non-Asian spacing", which ignores w:autoSpaceDE;
# measured at 3号: 3.5 pt); Word, told w:autoSpaceDE="0" by the Signature style, adds none.
SCRIPT_GAP = 70


def _width(text: str) -> int:
    """Width in twips as set, at its widest: Chinese a full pitch, ASCII (Times New
    Roman digits, Latin) half a character, plus LibreOffice's gap at each script boundary."""
    wide = [ord(c) >= 0x2E80 for c in text]
    gaps = sum(1 for a, b, c, d in zip(wide, wide[1:], text, text[1:]) if a != b and (c + d).strip() == c + d)
    return sum(PITCH if w else BODY_CHAR // 2 + CONDENSE for w in wide) + gaps * SCRIPT_GAP


def signature_blocks(name: str | None, when: str | None) -> list[Block]:
    """GB/T 9704 §7.3.5.2: a blank line, the organisation two characters in from
    the right, the date on the next line starting two characters right of the
    organisation's first character (or, when the date is the longer one, the
    date two characters in and the organisation moved right to keep the offset).

    Both lines are placed by where they start (a left indent), not right-aligned:
    LibreOffice adds space at each boundary between a digit and a Chinese character
    of the date (Word does not), which would move a right-aligned date's first
    character.  The right blank of the longer line is two characters in LibreOffice
    and up to one more in Word."""
    if not name and not when:
        return []
    if name and when:
        two = 2 * PITCH
        name_left = TEXT_WIDTH - two - _width(name)
        if name_left + two + _width(when) > TEXT_WIDTH - two:  # the date is the longer line
            name_left = TEXT_WIDTH - two - _width(when) - two
        name_left = max(name_left, 0)
        lines = [Block("signature", name, left=name_left), Block("signature", when, left=name_left + two)]
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
        lines = break_title(info.title, names=(info.name, info.parent or ""))  # never inside the branch's name
        blocks += [Block("title", "\n".join(lines)), Block("blank")]  # GB/T 9704: 标题下空一行
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
