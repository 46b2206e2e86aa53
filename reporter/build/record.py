"""One workbook in a run of `reporter build`, and the findings of the batch job itself.

Findings of the batch job: E403 (file changed while read), E404 (worker
died), E405 (too slow), W407 (file changed after it was read); W401 and
W405 come from :mod:`reporter.discover`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..message import Message, status_of
from .state import DOCS, StateEntry


def _finding(code: str, **fields) -> Message:
    """The finding ``code`` (the catalogue is imported when needed: an unchanged run makes none)."""
    from ..findings import message

    return message(code, **fields)


def changed_while_read() -> Message:
    return _finding("E403")


def worker_died() -> Message:
    return _finding("E404")


def timed_out(seconds: float) -> Message:
    """For the branch: what to do.  The administrator's advice ([limits] max_seconds) goes to the log."""
    return _finding("E405", seconds=seconds)


def changed_after_read() -> Message:
    return _finding("W407")


_COUNTS: dict[tuple, dict[str, int]] = {}


def shared_counts(counts: dict[str, int]) -> dict[str, int]:
    """One dict per distinct counts (never changed once made): a record costs less memory."""
    return _COUNTS.setdefault(tuple(counts.items()), counts)


def no_counts() -> dict[str, int]:
    return shared_counts({"problems": 0, "causes": 0, "measures": 0})


def same_or(value: str, other: str) -> str:
    """``other`` itself when equal (one string object instead of two)."""
    return other if value == other else value


_USUAL = "\0"  # Record._document: the document is "docs/<支部名称>.docx"


@dataclass(slots=True)
class Record:
    """One workbook of the run.  Every later step holds all of them, so each costs as little as it
    can: the sha256 kept as its 32 bytes, the usual document name not kept at all (both given back
    as the text they stand for)."""

    source: str  # relative to INPUT_DIR, "/"-separated (may hold surrogate escapes)
    shown: str  # printable, JSON-safe form of source
    _digest: bytes | None = None  # sha256 of the bytes processed (see sha256)
    status: str = "failed"
    name: str | None = None  # 支部名称
    counts: dict[str, int] = field(default_factory=no_counts)
    own: tuple[Message, ...] = ()  # the workbook's own findings (stored in the state)
    extra: tuple[Message, ...] = ()  # this run's findings (W401, W5xx, E4xx …)
    staged: str | None = None  # new document in a temporary file, not yet in place (a str: a Path costs ~0.5 KB)
    _document: str | None = None  # see document
    stored: tuple | None = None  # the Branch as the store's rows, from the worker, until it is in the store
    version: int | None = None  # its row in the store's ``versions`` (the branch is read back from there)
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the bytes processed
    source_key: tuple[int, ...] | None = None  # intake.source_key of a settled file
    rendered: bool = False  # a new document was made in this run
    pdf_fresh: bool = False  # pdf/<stem>.pdf matches the document
    handled: bool = False  # decided in this run (a report of an interrupted run lists only these)
    duplicate_of: str | None = None  # the copy of the same branch the summary uses instead (shown form)
    saved_doc: tuple[str, tuple[int, int] | None] | None = None  # (document, its stat key) as last saved
    kept: bool = False  # its state entry is the stored one as loaded (intake.unchanged); a new document name clears it

    @property
    def sha256(self) -> str | None:
        return self._digest.hex() if self._digest is not None else None

    @sha256.setter
    def sha256(self, value: str | None) -> None:
        self._digest = bytes.fromhex(value) if value is not None else None

    @property
    def document(self) -> str | None:
        """"docs/….docx" (relative to OUTPUT_DIR), None without one."""
        return f"{DOCS}/{self.name}.docx" if self._document is _USUAL else self._document

    @document.setter
    def document(self, value: str | None) -> None:
        usual = value is not None and self.name is not None and value == f"{DOCS}/{self.name}.docx"
        value = _USUAL if usual else value
        if value != self._document:
            self._document, self.kept = value, False

    def has_entry(self) -> bool:
        """It has a state entry (a document, and the version it was made from)."""
        return self._document is not None and self._digest is not None and self.version is not None \
            and self.name is not None

    @property
    def messages(self) -> tuple[Message, ...]:
        return (*self.own, *self.extra)

    def fail(self, *messages: Message) -> None:
        self.status = "failed"
        self.handled = True
        self.extra += messages

    def reuse(self, old: StateEntry) -> None:
        """Unchanged since its last good build: take everything from its state entry."""
        self.status, self.handled = "unchanged", True
        self.version, self.name, self.counts, self.own = old.version, old.name, shared_counts(old.counts), old.messages
        self.document, self.saved_doc = old.document, (old.document, old.doc_stat)

    def forget_state(self) -> None:
        """After the state's last save in a run: what only the state needed goes (memory: the
        later steps hold every record)."""
        self.stat = self.source_key = self.saved_doc = None

    def summary_status(self, strict: bool) -> str:
        """"unchanged" means nothing to a committee reader: the summary gets the real status."""
        return status_of(self.messages, strict) if self.status == "unchanged" else self.status
