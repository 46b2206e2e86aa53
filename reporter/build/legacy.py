"""Taking over the state of version 1 (``.reporter-state.pickle``), once.

That state is not reused (its branches are pickles; the first run after the
upgrade rebuilds every document under the same names), but the files it
records as this tool's are: they can still be removed when their workbook
goes.  It is read through an allow-list unpickler (our plain records and
dates only, never code) and deleted as soon as the new state is written.
Remove this module once no OUTPUT_DIR of version 1 is left.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .state import LoadedState, Owned

LEGACY_NAME = ".reporter-state.pickle"


class _StateUnpickler(pickle.Unpickler):
    """Only our own plain records may come out of the old state file."""

    ALLOWED = {("reporter.model", n) for n in ("Branch", "BranchInfo", "Problem", "Cause", "Measure", "Message")}
    ALLOWED |= {("datetime", "date")}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the state file")


def load_legacy(output_dir: Path) -> LoadedState:
    """The files the old state records as ours (none when there is no old state)."""
    owned = Owned()
    try:
        with open(Path(output_dir) / LEGACY_NAME, "rb") as f:
            state = _StateUnpickler(f).load()
    except FileNotFoundError:
        return LoadedState({}, owned)
    except Exception:  # noqa: BLE001 - a damaged state only costs a full rebuild
        return LoadedState({}, owned, damaged=True)
    entries = state.get("entries") if isinstance(state, dict) else None
    if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
        return LoadedState({}, owned)
    leftovers = state.get("leftovers", [])
    if isinstance(leftovers, list):
        owned.note_leftovers(r for r in leftovers if isinstance(r, str))
    for entry in entries.values():
        owned.note(entry.get("document"), entry.get("doc_stat"), entry.get("pdf_stat"))
    return LoadedState({}, owned)


def remove_legacy_state(output_dir: Path) -> None:
    try:
        os.unlink(Path(output_dir) / LEGACY_NAME)
    except OSError:
        pass
