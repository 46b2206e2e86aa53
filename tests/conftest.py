"""Suite-wide test setup: the ``pdf`` marker on every test that needs LibreOffice.

A test needs LibreOffice when it is skipped without it.  The test files say
so in two ways, and both are read here, so no test file carries the marker
by hand (and none can forget it):

* a ``skipif`` mark whose reason names LibreOffice (``needs_lo``,
  ``@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice …")``);
* a ``pytest.skip("LibreOffice …")`` call in the test itself or in one of the
  fixtures it uses (test_pdf.py's module fixture ``converted``).

``python -m pytest -m "not pdf"`` runs the suite without LibreOffice;
``-m pdf`` runs only those tests.
"""

from __future__ import annotations

import functools
import inspect
import re

import pytest

_NEEDS_LO = re.compile(r"libreoffice|soffice", re.I)
_SKIPS_WITHOUT_LO = re.compile(r"pytest\.skip\(\s*f?[\"'][^\"']*(?:LibreOffice|soffice)", re.I)


@functools.cache
def _skips_without_libreoffice(func) -> bool:
    try:
        return bool(_SKIPS_WITHOUT_LO.search(inspect.getsource(func)))
    except (OSError, TypeError):
        return False


def needs_libreoffice(item: pytest.Item) -> bool:
    if any(_NEEDS_LO.search(str(mark.kwargs.get("reason", ""))) for mark in item.iter_markers("skipif")):
        return True
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        functions += [defs[-1].func for defs in info.name2fixturedefs.values() if defs]
    return any(f is not None and _skips_without_libreoffice(f) for f in functions)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if needs_libreoffice(item):
            item.add_marker(pytest.mark.pdf)
