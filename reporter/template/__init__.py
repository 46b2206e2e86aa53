"""Writing the standard workbook that branches fill in (DESIGN.md §2).

Everything the workbook offers — sheets, headers, widths, prompts, the
基本信息 fields — comes from :mod:`reporter.schema`; the drop-down lists come
from the configuration.  So the template and the reader cannot disagree.

Modules: :mod:`.cells` (names, formats, prompts and validations),
:mod:`.sheets` (基本信息, the section sheets, the lists), :mod:`.instructions`
(the 填写说明 sheet), :mod:`.build` (the workbook and its bytes),
:mod:`.command` (``reporter template``).
"""

from __future__ import annotations

from .build import build_template, workbook_bytes, write_template
from .cells import (CATEGORIES_NAME, DATE_FORMAT, DEFAULT_FILENAME, LISTS_SHEET, REQUIRED_MARK, ROWS, STATUSES_NAME,
                    fit_row)
from .command import TemplateResult, run_template
from .instructions import EXAMPLE

__all__ = ["CATEGORIES_NAME", "DATE_FORMAT", "DEFAULT_FILENAME", "EXAMPLE", "LISTS_SHEET", "REQUIRED_MARK", "ROWS",
           "STATUSES_NAME", "TemplateResult", "build_template", "fit_row", "run_template", "workbook_bytes",
           "write_template"]
