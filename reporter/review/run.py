"""Running the review: the workbooks streamed once through the per-workbook rules (:mod:`.rules`)
and the search across branches (:mod:`.across`); the findings into :mod:`.store`'s database.
(numpy and rapidfuzz are imported here, not by the package: a run that reuses its review needs neither.)"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..config import ReviewSettings
from ..model import Branch, FileResult
from .across import Across
from .rules import branch_findings, entries
from .similar import band_keys
from .store import MEASURE, Prior, Review, Writer, connect


def review_inputs(results: Iterable[FileResult]) -> Iterator[tuple[str, Branch]]:
    """The workbooks the review covers: those with a branch that the summary uses (one per branch)."""
    for result in results:
        if result.branch is not None and result.status != "failed" and result.duplicate_of is None:
            yield result.source, result.branch


def run_review(workbooks: Iterable[tuple], settings: ReviewSettings, path: Path | str = "",
               key: str | None = None, base: str | None = None, prior: Prior | None = None) -> Review:
    """Review ``workbooks`` (each (source, Branch[, sha256 of its bytes]), streamed once) under
    ``settings``; the findings go to the database ``path`` (a new file; ``""``: a temporary one), ``key``
    and ``base`` say what it was made from.  Incremental: with ``prior`` (the previous review, made under
    the same settings) a workbook given as (source, None, sha256) is one unchanged since: its findings
    other than R601 and its items are taken over, only the changed workbooks' items are signed and checked
    against the others; R601 is then regrouped over all — the same findings as a full review."""
    across = Across(settings.similar) if settings.r601 else None
    db = connect(path)
    try:
        writer = Writer(db)
        if across is not None and prior is not None:
            across.load(prior.texts(), prior.edges())
        for source, branch, *sha in workbooks:
            sha = sha[0] if sha else None
            if branch is None:  # unchanged since ``prior``
                name = prior.branch(source)
                writer.source(source, sha, name)
                writer.copy(prior.findings(source))
                if across is not None:
                    across.add_known(source, name or "", prior.items(source))
                continue
            items = entries(branch, settings.min_chars)
            texts = [item.text for item in items]
            if not items or not (across or settings.r602):
                keys = np.zeros((len(items), 0), dtype=np.uint64)
            else:
                keys = across.keys_for(texts) if across is not None else band_keys(texts)
            name = branch.info.name or None
            writer.source(source, sha, name)
            for m in branch_findings(branch, settings, items, keys):
                writer.finding(source, name, m)
            if across is not None:
                across.add(source, name or "", items, keys)
        if across is not None:
            across.finish(writer)
        writer.close(key, MEASURE, base)
    except BaseException:
        db.close()
        raise
    return Review(db)
