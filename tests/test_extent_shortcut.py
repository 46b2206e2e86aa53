"""The quick scan before a sheet's exact extent (reporter.reader.grid.may_exceed): whenever the
exact count is beyond the limits, the quick scan says so — it only ever skips needless work."""

from __future__ import annotations

import random

import pytest

from reporter.config import Config, Limits
from reporter.reader.grid import cell_ref, may_exceed, sheet_extent

FORMS = ('<c r="{ref}"><v>1</v></c>', "<c r='{ref}' t=\"s\"><v>0</v></c>", '<x:c  r = "{ref}"><x:v>2</x:v></x:c>',
         '<c s="1" r="{ref}"><v>3</v></c>')


def sheet(cells: list[tuple[int, int]], rng: random.Random) -> bytes:
    rows: dict[int, list[str]] = {}
    for r, c in cells:
        rows.setdefault(r, []).append(rng.choice(FORMS).format(ref=cell_ref(r, c)))
    body = "".join(f'<row r="{r + 1}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return f'<worksheet><sheetData>{body}</sheetData></worksheet>'.encode()


@pytest.mark.parametrize("max_rows,max_columns", [(5000, 100), (100, 26), (1, 1), (99999, 700), (1000, 27)])
def test_the_quick_scan_never_misses_a_sheet_beyond_the_limits(max_rows, max_columns):
    config = Config(limits=Limits(max_rows=max_rows, max_columns=max_columns))
    rng = random.Random(max_rows * 7 + max_columns)
    beyond = 0
    for _ in range(400):
        top_r, top_c = rng.choice([max_rows, 2 * max_rows, 20]), rng.choice([max_columns, 2 * max_columns, 5])
        cells = [(rng.randrange(top_r + 1), rng.randrange(top_c + 1)) for _ in range(rng.randrange(1, 6))]
        xml = sheet(cells, rng)
        rows, cols, _, _ = sheet_extent(xml)
        if rows > max_rows or cols > max_columns:
            beyond += 1
            assert may_exceed(xml, config), (xml, rows, cols)
    assert beyond > 20  # the corpus has sheets beyond the limits to miss


def test_a_small_sheet_needs_no_exact_count():
    config = Config()
    xml = sheet([(r, c) for r in range(40) for c in range(8)], random.Random(1))
    assert not may_exceed(xml, config)
    assert may_exceed(sheet([(0, 0), (1000, 0)], random.Random(1)), config)  # row 1001: four digits
    assert may_exceed(sheet([(0, 0), (0, 30)], random.Random(1)), config)  # column AE: two letters
