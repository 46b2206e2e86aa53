"""The floor: only what any tool must do.

Read every workbook with python-calamine (all sheets, all cells) and write
each produced document's bytes once as a zip (the members of the documents
a previous `reporter build` wrote, re-zipped), nothing else.
Usage: python floor.py INPUT_DIR DOCS_DIR OUTPUT_DIR
"""

import sys
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook


def main(src: Path, docs: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    members = []
    for doc in sorted(docs.glob("*.docx")):
        with zipfile.ZipFile(doc) as z:
            members.append([(i.filename, z.read(i)) for i in z.infolist()])
    for i, path in enumerate(sorted(src.rglob("*.xlsx"))):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        with zipfile.ZipFile(dst / f"{i}.docx", "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members[i % len(members)]:
                z.writestr(name, data)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
