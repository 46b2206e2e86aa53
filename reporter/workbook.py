"""Temporary re-export: the reader is :mod:`reporter.reader` (importers not yet moved use this path)."""

from .reader import ReadResult, fill_info, fill_template, parse_refs, read_path, read_workbook  # noqa: F401
