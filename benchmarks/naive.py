"""The twenty-line script a user might write instead of reporter (baseline).

pandas.read_excel with its default engine, python-docx's default template,
one process, documents only.  Usage: python naive.py INPUT_DIR OUTPUT_DIR
"""

import sys
from pathlib import Path

import pandas as pd
from docx import Document

NUMS = "一二三四五六七八九十"


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*.xlsx")):
        sheets = pd.read_excel(path, sheet_name=None)
        info = {str(k).rstrip("*"): v for k, v in zip(sheets["基本信息"].iloc[:, 0], sheets["基本信息"].iloc[:, 1])}
        doc = Document()
        doc.add_heading(str(info.get("材料标题") or info["支部名称"]), 0)
        doc.add_paragraph(str(info.get("导语") or ""))
        for title, sheet, head, body in (
            ("一、存在的问题", "存在的问题", "问题概述", "具体表现"),
            ("二、原因剖析", "原因剖析", "原因概述", "具体剖析"),
            ("三、整改措施", "整改措施", "措施概述", "具体内容"),
        ):
            doc.add_heading(title, 1)
            rows = sheets[sheet].dropna(subset=[head])
            for i, (h, b) in enumerate(zip(rows[head], rows[body].fillna(""))):
                doc.add_paragraph(f"（{NUMS[i] if i < 10 else i + 1}）{h}。{b}")
        doc.save(dst / f"{info['支部名称']}.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
