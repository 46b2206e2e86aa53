"""Taking over the state files of older versions, once: version 1's
``.reporter-state.pickle`` and the JSON-lines ``.reporter-state.json``.

Neither is reused (the first run with the database rebuilds every document
under the same names), but the files they record as this tool's are: they
can still be removed when their workbook goes.  The pickle is read through
an allow-list unpickler (our plain records and dates only, never code).
Both are deleted as soon as the database holds the new state.  Remove this
module once no such OUTPUT_DIR is left.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .state import LoadedState, Owned

LEGACY_NAME = ".reporter-state.pickle"
JSON_STATE_NAME = ".reporter-state.json"


_ALLOWED = {("reporter.model", n) for n in ("Branch", "BranchInfo", "Problem", "Cause", "Measure", "Message")}
_ALLOWED |= {("datetime", "date")}


def _unpickled(f):
    """The old state, only our own plain records allowed out of it (pickle is imported here: a run
    that merely removes the old files, after a change of state, needs it not)."""
    import pickle

    class StateUnpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if (module, name) in _ALLOWED:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the state file")

    return StateUnpickler(f).load()


def load_legacy(output_dir: Path) -> LoadedState:
    """The files the old state records as ours (none when there is no old state)."""
    owned = Owned()
    try:
        with open(Path(output_dir) / LEGACY_NAME, "rb") as f:
            state = _unpickled(f)
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


def take_over(output_dir: Path) -> LoadedState:
    """The files the older state records as ours (the JSON-lines one first)."""
    try:
        f = open(Path(output_dir) / JSON_STATE_NAME, "rb")
    except FileNotFoundError:
        return load_legacy(output_dir)
    except OSError:
        return LoadedState({}, Owned(), damaged=True)
    owned = Owned()
    try:
        with f:
            header = json.loads(next(f))
            owned.note_leftovers(str(r) for r in header["leftovers"])
            for line in f:
                meta = json.loads(line.partition(b"\t")[0].decode("utf-8", "surrogatepass"))
                owned.note(meta["document"], _tuple(meta["doc_stat"]), _tuple(meta["pdf_stat"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, StopIteration):
        return LoadedState({}, owned, damaged=True)
    return LoadedState({}, owned)


def _tuple(value) -> tuple | None:
    return tuple(value) if isinstance(value, list) else None


def remove_old_state(output_dir: Path) -> None:
    for name in (LEGACY_NAME, JSON_STATE_NAME):
        try:
            os.unlink(Path(output_dir) / name)
        except OSError:
            pass
