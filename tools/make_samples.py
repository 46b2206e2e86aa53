"""Sample branch workbooks, as branches would send them, from tools/samples.toml.

Every sample is written through :func:`reporter.template.build_template` and
then filled in cell by cell, like a branch secretary would.  One of them,
``机关第一党支部.xlsx``, reproduces the real seed document field by field.
Items in the data file are keyed by the schema's column labels; here they
become tuples in the schema's column order (序号 left out).

    python tools/make_samples.py [DIR]     # regenerates sample_workbooks/

The bytes are reproducible (fixed document and zip timestamps).
:func:`write_seed_workbook` writes seed-sized workbooks quickly for benchmarks.
"""

from __future__ import annotations

import io
import re
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook

from reporter.config import Config
from reporter.fsutil import atomic_write
from reporter.schema import MEASURES, SECTION_TITLES, SECTIONS, Sheet
from reporter.template import build_template, fit_row, workbook_bytes
from reporter.text import xml_safe

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "sample_workbooks"
DATA = Path(__file__).resolve().parent / "samples.toml"  # beside this script: sample_workbooks/ holds only workbooks


@dataclass(frozen=True, slots=True)
class Sample:
    filename: str
    info: dict[str, object]  # 基本信息, keyed by label
    problems: tuple[tuple, ...]  # each in the schema's column order, 序号 left out (None: left empty)
    causes: tuple[tuple, ...]
    measures: tuple[tuple, ...]
    saved_at: datetime  # document and zip timestamps (reproducible bytes)


@dataclass(frozen=True, slots=True)
class SeedDocument:
    title: str
    preamble: str
    problems: tuple[tuple[str, str], ...]  # (headline, details)
    causes: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def _data() -> dict:
    with open(DATA, "rb") as fh:
        return tomllib.load(fh)


SEED_TEXT: str = _data()["seed_text"]
SEED_BRANCH: str = _data()["seed"]["info"]["支部名称"]
_ITEM = re.compile(r"^（[一二三四五六七八九十]+）(?P<headline>[^。]*)。(?P<details>.*)$")


def parse_seed(text: str = SEED_TEXT) -> SeedDocument:
    """Split the seed into title, preamble and (headline, details) items.

    The headline is the text between （n） and the first 。 (without it).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    title, preamble = lines[0], lines[1].lstrip("\u00a0")
    headings = list(SECTION_TITLES.values())
    sections: dict[str, list[tuple[str, str]]] = {h: [] for h in headings}
    current = None
    for line in lines[2:]:
        if line in sections:
            current = line
            continue
        match = _ITEM.match(line)
        if current is None or match is None:
            raise ValueError(f"unexpected seed line: {line[:20]}")
        sections[current].append((match["headline"], match["details"]))
    problems, causes, measures = (tuple(sections[h]) for h in headings)
    return SeedDocument(title, preamble, problems, causes, measures)


def _labels(sheet: Sheet) -> list[str]:
    return [c.label for c in sheet.columns if c.kind != "number"]


def _row(sheet: Sheet, item: dict) -> tuple:
    unknown = set(item) - set(_labels(sheet))
    if unknown:
        raise ValueError(f"{sheet.name}: unknown columns {sorted(unknown)}")
    return tuple(item.get(label) for label in _labels(sheet))


def _sample(entry: dict) -> Sample:
    rows = {s.key: tuple(_row(s, item) for item in entry.get(s.key, ())) for s in SECTIONS}
    return Sample(entry["filename"], dict(entry["info"]), rows["problems"], rows["causes"], rows["measures"],
                  entry["saved_at"])


def seed_sample(branch_name: str = SEED_BRANCH) -> Sample:
    """The sample that reproduces the seed document field by field (its ledger from the data file)."""
    seed, entry = parse_seed(), _data()["seed"]
    ledger_labels = _labels(MEASURES)[2:]  # 对应问题, 责任人, 完成时限, 完成情况
    ledger = [tuple(row.get(label) for label in ledger_labels) for row in entry["ledger"]]
    return Sample(
        filename=f"{branch_name}.xlsx",
        info={**entry["info"], "支部名称": branch_name, "材料标题": seed.title, "导语": seed.preamble},
        problems=tuple((cat, h, d) for cat, (h, d) in zip(entry["categories"], seed.problems, strict=True)),
        causes=seed.causes,
        measures=tuple((h, d, *row) for (h, d), row in zip(seed.measures, ledger, strict=True)),
        saved_at=entry["saved_at"],
    )


def all_samples() -> tuple[Sample, ...]:
    """Every bundled sample, the seed one first."""
    return (seed_sample(), *(_sample(entry) for entry in _data()["samples"]))


# ------------------------------------------------------------------ writing


def _fill_sheet(wb: Workbook, sheet: Sheet, rows: tuple[tuple, ...]) -> None:
    ws = wb[sheet.name]
    columns = [i for i, c in enumerate(sheet.columns, start=1) if c.kind != "number"]
    for row, values in enumerate(rows, start=2):
        for column, value in zip(columns, values, strict=True):
            if value is None:
                continue
            cell = ws.cell(row=row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
        fit_row(ws, row)  # what Excel's autofit does as the user types


def fill_workbook(sample: Sample, config: Config | None = None) -> Workbook:
    """The template with ``sample`` typed in."""
    wb = build_template(config or Config(), sample.info)
    for sheet in SECTIONS:
        _fill_sheet(wb, sheet, getattr(sample, sheet.key))
    return wb


def sample_bytes(sample: Sample, config: Config | None = None) -> bytes:
    """The sample workbook's bytes (reproducible)."""
    return workbook_bytes(fill_workbook(sample, config), timestamp=sample.saved_at)


def write_samples(directory: Path = DEFAULT_DIR) -> list[Path]:
    """(Re)write every sample into ``directory``; other files are left alone."""
    directory = Path(directory)
    paths = []
    for sample in all_samples():
        path = directory / sample.filename
        atomic_write(path, sample_bytes(sample))
        paths.append(path)
    return paths


_PLACEHOLDER = "REPORTERBRANCHPLACEHOLDER"


@lru_cache(maxsize=1)
def _seed_base() -> bytes:
    return sample_bytes(seed_sample(_PLACEHOLDER))


def seed_workbook_bytes(branch_name: str) -> bytes:
    """A seed-sized workbook (6 problems, 4 causes, 5 measures) for ``branch_name``.

    Fast (a few milliseconds): the seed workbook is built once through the
    template, then only the 支部名称 cell's text is replaced inside the zip.
    """
    name = escape(xml_safe(branch_name)).encode("utf-8")
    source = zipfile.ZipFile(io.BytesIO(_seed_base()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if _PLACEHOLDER.encode() in data:
                data = data.replace(_PLACEHOLDER.encode(), name)
            target.writestr(info, data)
    return out.getvalue()


def write_seed_workbook(path: Path, branch_name: str) -> None:
    """Write a seed-sized workbook for ``branch_name`` to ``path`` (for benchmarks)."""
    Path(path).write_bytes(seed_workbook_bytes(branch_name))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else DEFAULT_DIR
    for path in write_samples(directory):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
