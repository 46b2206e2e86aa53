"""The committee's review in `reporter build` (审核意见, DESIGN §9).

Computed after the per-workbook work over every current branch (one
workbook per branch: the one the summary uses), the branches streamed from
the store (:class:`.summarize.StoredResults`).  Its findings (level
``review``) are added to each workbook's messages in run-report.json only:
they never change a status (not even with --strict), never enter the state
of a workbook and so never make it "changed".

An unchanged run reuses the last result: it is kept in
``OUTPUT_DIR/.reporter-review.json`` (JSON, never unpickled) with the key of
what it was made from — each reviewed workbook's bytes (sha256), its branch
name and duplicate mark, the configuration, the [review] settings, the
similarity measure (:data:`..review.similar.MEASURE`: a file made by an
earlier measure is not trusted) and the tool version.  Any changed workbook
changes the key: the review is made again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from .. import __version__
from ..fsutil import atomic_write
from ..model import Message
from ..review import Finding, Review, counts_line, review_inputs, run_review
from ..review.similar import MEASURE
from .summarize import StoredResults

if TYPE_CHECKING:
    from .engine import Build

REVIEW_STATE_NAME = ".reporter-review.json"  # the last review and the key of what it was made from


def review_step(run: Build) -> Review | None:
    """The review of this run (None with --no-review), made again only when its inputs changed."""
    if not run.o.review:
        return None
    key = review_key(run)
    old = None if run.o.force else _load(run, key)
    if old is not None:
        review = old
    else:
        review = run_review(review_inputs(StoredResults(run)), run.config.review)
        atomic_write(run.out / REVIEW_STATE_NAME, json.dumps(
            {"key": key, "measure": MEASURE, **review_json(review)}, ensure_ascii=False).encode("utf-8", "backslashreplace"))
    run.log.info(counts_line(review))
    return review


def review_key(run: Build) -> str:
    """What the review is made from (see the module's docstring)."""
    settings = json.dumps(asdict(run.config.review), sort_keys=True, default=str)
    digest = hashlib.sha256(repr((__version__, MEASURE, run.fingerprint, settings)).encode())
    for r in run.records:
        if r.version is not None and r.duplicate_of is None and r.summary_status(run.o.strict) != "failed":
            digest.update(repr((r.shown, r.sha256, r.name)).encode("utf-8", "replace"))
    return digest.hexdigest()


def review_json(review: Review) -> dict:
    findings = [{"source": f.source, "branch": f.branch, "message": f.message.to_json(), "other": f.other,
                 "similarity": f.similarity} for f in review.findings]
    return {"findings": findings, "similar": review.similar, "groups": review.groups}


def _load(run: Build, key: str) -> Review | None:
    """The last review when it was made from the same inputs (None when absent, damaged or stale)."""
    try:
        data = json.loads((run.out / REVIEW_STATE_NAME).read_bytes())
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        findings = [Finding(f["source"], f["branch"], Message.from_json(f["message"]), f["other"], f["similarity"])
                    for f in data["findings"]]
        return Review(findings, list(data["similar"]), list(data["groups"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
