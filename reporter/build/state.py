"""The build's state: per workbook, what its last good build was made from.

:class:`StateEntry` is one workbook's record; :class:`StateStore` is what
the engine needs from a store.  :class:`JsonStateStore` keeps the state in
``OUTPUT_DIR/.reporter-state.json`` (JSON lines; nothing is unpickled).  A
store for a database (DESIGN §8) implements the same protocol in a module of
its own and is chosen in :func:`open_store`.

The file: a header line ``{"format": …, "model": …, "leftovers": […]}``,
then one line per workbook: the entry's fields as JSON, a tab, and the
Branch's JSON form (:meth:`reporter.model.Branch.to_json`).  The branch part
is kept as bytes and parsed only when the summary needs it, so memory holds
one compact copy per workbook.  JSON never writes a raw tab or newline, and
file names that are not UTF-8 travel as surrogate escapes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Protocol

from .. import model
from ..fsutil import atomic_write
from ..model import Branch, Message

STATE_NAME = ".reporter-state.json"
STATE_FORMAT = 5
DOCS, PDF = "docs", "pdf"

Stat = tuple[int, int]  # (size, mtime_ns) of a file in OUTPUT_DIR


@dataclass(frozen=True, slots=True)
class StateEntry:
    """One workbook's last good build (a workbook without a document has none)."""

    sha256: str  # of the workbook's bytes
    source_key: tuple[int, ...] | None  # stat key of a settled workbook (see intake.source_key)
    fingerprint: str  # of the configuration
    tool_version: str
    document: str  # "docs/….docx"
    doc_stat: Stat | None
    pdf_stat: Stat | None  # of pdf/<stem>.pdf when it matches the document
    status: str  # of the workbook's own findings: ok | warning
    name: str  # 支部名称
    counts: dict[str, int]
    messages: tuple[Message, ...]  # the workbook's own findings
    branch: bytes  # the Branch's JSON form (see branch_bytes)

    def key(self) -> tuple:
        """Everything but the branch (which is determined by sha256, fingerprint and tool version)."""
        return (self.sha256, self.source_key, self.fingerprint, self.tool_version, self.document, self.doc_stat,
                self.pdf_stat, self.status, self.name, tuple(self.counts.items()), self.messages)

    def meta_json(self) -> dict:
        return {"sha256": self.sha256, "source_key": self.source_key, "fingerprint": self.fingerprint,
                "tool_version": self.tool_version, "document": self.document, "doc_stat": self.doc_stat,
                "pdf_stat": self.pdf_stat, "status": self.status, "name": self.name, "counts": self.counts,
                "messages": [m.to_json() for m in self.messages]}

    @classmethod
    def from_meta(cls, meta: dict, branch: bytes) -> StateEntry:
        return cls(meta["sha256"], _tuple(meta["source_key"]), meta["fingerprint"], meta["tool_version"],
                   meta["document"], _tuple(meta["doc_stat"]), _tuple(meta["pdf_stat"]), meta["status"],
                   meta["name"], dict(meta["counts"]), tuple(map(Message.from_json, meta["messages"])), branch)


def _tuple(value: list | None) -> tuple | None:
    return tuple(value) if value is not None else None


def branch_bytes(branch: Branch | None) -> bytes | None:
    """A Branch as the state stores it (made in the worker, parsed only for the summary)."""
    if branch is None:
        return None
    return json.dumps(branch.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def load_branch(data: bytes) -> Branch:
    return Branch.from_json(json.loads(data.decode("utf-8", "surrogatepass")))


@dataclass(slots=True)
class Owned:
    """The files in OUTPUT_DIR the state records as this tool's (OUTPUT_DIR-relative → stat when recorded).

    Only these are ever removed; ``leftovers`` are owned files a run could not remove."""

    docs: dict[str, Stat | None] = field(default_factory=dict)
    pdfs: dict[str, Stat | None] = field(default_factory=dict)
    leftovers: set[str] = field(default_factory=set)

    def note(self, document: object, doc_stat: Stat | None, pdf_stat: Stat | None) -> None:
        if not our_document_name(document):
            return
        self.docs[document] = doc_stat
        if pdf_stat is not None:
            self.pdfs[pdf_name(document)] = pdf_stat

    def note_leftovers(self, leftovers: Iterable[str]) -> None:
        for rel in leftovers:
            self.leftovers.add(rel)
            (self.pdfs if rel.startswith(f"{PDF}/") else self.docs).setdefault(rel, None)


@dataclass(slots=True)
class LoadedState:
    entries: dict[str, StateEntry]  # source (INPUT_DIR-relative) → entry; {} when absent, old or damaged
    owned: Owned  # from any state that can be read, also one of an older format
    damaged: bool = False  # a state was there but could not be read (the engine says so)


class StateStore(Protocol):
    """What the build engine needs from its state (see :class:`JsonStateStore`)."""

    def load(self) -> LoadedState:
        """The last run's entries and the files it recorded as ours."""

    def save(self, entries: dict[str, StateEntry], leftovers: set[str]) -> None:
        """Replace the state with ``entries``; an unchanged state need not be written."""


def our_document_name(doc: object) -> bool:
    """A name this tool writes: docs/<name>.docx, no folder, not hidden."""
    return (isinstance(doc, str) and doc.startswith(f"{DOCS}/") and "/" not in doc[len(DOCS) + 1:]
            and not doc[len(DOCS) + 1:].startswith(".") and doc.endswith(".docx"))


def pdf_name(document: str) -> str:
    return f"{PDF}/{Path(document).stem}.pdf"


def model_signature() -> str:
    """Changes when a model class gains, loses or renames a field: the stored branches are then not used."""
    classes = (model.Branch, model.BranchInfo, model.Problem, model.Cause, model.Measure, model.Message)
    text = repr([(c.__name__, [f.name for f in fields(c)]) for c in classes])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class JsonStateStore:
    """The state as JSON lines in ``OUTPUT_DIR/.reporter-state.json``."""

    def __init__(self, output_dir: Path) -> None:
        self.path = Path(output_dir) / STATE_NAME
        self.format = [STATE_FORMAT, model_signature()]
        self._saved: tuple | None = None  # what the file holds now, as compared by save()

    def load(self) -> LoadedState:
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:
            from .legacy import load_legacy

            return load_legacy(self.path.parent)
        except OSError:
            return LoadedState({}, Owned(), damaged=True)
        try:
            with f:
                return self._parse(f)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return LoadedState({}, Owned(), damaged=True)

    def _parse(self, lines: Iterable[bytes]) -> LoadedState:
        """Line by line, so memory holds each branch once (as the bytes the summary parses)."""
        lines = iter(lines)
        header = json.loads(next(lines))
        owned = Owned()
        owned.note_leftovers(str(r) for r in header["leftovers"])
        current = header["format"] == self.format
        entries: dict[str, StateEntry] = {}
        for line in lines:
            meta_bytes, tab, branch = line.rstrip(b"\n").partition(b"\t")
            meta = json.loads(meta_bytes.decode("utf-8", "surrogatepass"))
            owned.note(meta["document"], _tuple(meta["doc_stat"]), _tuple(meta["pdf_stat"]))
            if current:
                if not tab:
                    raise ValueError("an entry without its branch")
                entries[meta["source"]] = StateEntry.from_meta(meta, branch)
        self._saved = (header["format"], header["leftovers"], {s: e.key() for s, e in entries.items()})
        return LoadedState(entries, owned)

    def save(self, entries: dict[str, StateEntry], leftovers: set[str]) -> None:
        saved = (self.format, sorted(leftovers), {s: e.key() for s, e in entries.items()})
        if saved == self._saved:
            return  # an unchanged run rewrites nothing
        header = {"format": self.format, "leftovers": sorted(leftovers)}

        def write(f) -> None:
            f.write(_line(header) + b"\n")
            for source, entry in entries.items():
                f.write(_line({"source": source, **entry.meta_json()}) + b"\t" + entry.branch + b"\n")

        atomic_write(self.path, write)
        self._saved = saved
        from .legacy import remove_legacy_state

        remove_legacy_state(self.path.parent)


def _line(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def open_store(output_dir: Path) -> StateStore:
    """The state store of OUTPUT_DIR (the one place that chooses it)."""
    return JsonStateStore(output_dir)
