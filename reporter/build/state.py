"""The build's state: per workbook, what its last good build was made from.

:class:`StateEntry` is one workbook's record; :class:`StateStore` is what
the engine needs from a store.  The store is the SQLite database of
DESIGN §8 (:mod:`.store_sqlite`), chosen in :func:`open_store`; the
state files of older versions are taken over once (:mod:`.legacy`).
A Branch travels from a worker as the database's rows (:func:`.db_items.stored_form`)
and is kept there, never pickled.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Mapping, Protocol

from ..message import Message

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
    version: int  # its row in the store's ``versions`` (the branch is rebuilt from there)


def _tuple(value: list | None) -> tuple | None:
    return tuple(value) if value is not None else None


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

    def forget_files(self) -> None:
        """After the documents' and the PDFs' steps (the only ones that remove files of ours
        by this record): memory for the rest of the run; the leftovers stay for the state."""
        self.docs.clear()
        self.pdfs.clear()

    def note_leftovers(self, leftovers: Iterable[str]) -> None:
        for rel in leftovers:
            self.leftovers.add(rel)
            (self.pdfs if rel.startswith(f"{PDF}/") else self.docs).setdefault(rel, None)


@dataclass(slots=True)
class LoadedState:
    entries: Mapping[str, StateEntry]  # source (INPUT_DIR-relative) → entry ({} when absent, old or damaged); only .get is used
    owned: Owned  # from any state that can be read, also one of an older format
    damaged: bool = False  # a state was there but could not be read (the engine says so)
    notices: list[str] = field(default_factory=list)  # one Chinese line each, for the run log


class StateStore(Protocol):
    """What the build engine needs from its state (see :class:`.store_sqlite.SqliteStore`)."""

    def load(self) -> LoadedState:
        """The last run's entries and the files it recorded as ours."""

    def save(self, entries, leftovers: set[str], as_loaded: int | None = None) -> None:
        """Replace the state with ``entries`` (a mapping, or a function giving (source, entry)
        pairs, called as often as needed); an unchanged state need not be written (``as_loaded``:
        there are that many entries, each the one loaded)."""


def our_document_name(doc: object) -> bool:
    """A name this tool writes: docs/<name>.docx, no folder, not hidden."""
    return (isinstance(doc, str) and doc.startswith(f"{DOCS}/") and "/" not in doc[len(DOCS) + 1:]
            and not doc[len(DOCS) + 1:].startswith(".") and doc.endswith(".docx"))


def pdf_name(document: str) -> str:
    return f"{PDF}/{Path(document).stem}.pdf"


# The model classes' fields the stored branches were made with.  A test keeps it equal to
# fields_signature(): whoever adds, removes or renames a field changes it too, and the
# stored branches are then not used (every workbook is read again once).  A constant,
# so a run with nothing new does not import the model.
MODEL_SIGNATURE = "6f990d2e99f3f73a"


def fields_signature() -> str:
    """Changes when a model class gains, loses or renames a field."""
    from .. import model

    classes = (model.Branch, model.BranchInfo, model.Problem, model.Cause, model.Measure, model.Message)
    text = repr([(c.__name__, [f.name for f in fields(c)]) for c in classes])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_store(output_dir: Path) -> StateStore:
    """The state store of OUTPUT_DIR (the one place that chooses it)."""
    from .store_sqlite import SqliteStore

    return SqliteStore(output_dir)
