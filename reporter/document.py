"""Re-export for importers not yet moved to :mod:`reporter.docx` (render, batch, pipeline, pool, test_pdf); to be removed."""

from .docx import base_for, render_blocks, render_document  # noqa: F401
