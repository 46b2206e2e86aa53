"""Documents in, standard workbooks out: `reporter import` (DESIGN.md §11).

Modules: :mod:`.sources` (files, encodings, safety checks, LibreOffice),
:mod:`.document` (a .docx's paragraphs), :mod:`.numbering` (Word's
automatic list numbers), :mod:`.recognise` (paragraphs → fields, I7xx
findings), :mod:`.write` (the standard workbook), :mod:`.run` (the command).
"""

from __future__ import annotations

from .recognise import Note, Recognised, recognise
from .run import ImportResult, Imported, import_bytes, paragraphs_of, run_import

__all__ = ["ImportResult", "Imported", "Note", "Recognised", "import_bytes", "paragraphs_of", "recognise",
           "run_import"]
