"""Which faces LibreOffice will really use for the official fonts in a PDF.

The documents name the official faces (方正小标宋简体, 黑体, 楷体_GB2312,
仿宋_GB2312, 宋体); Linux servers rarely have them, so the PDF conversion
runs with our fontconfig configuration (``data/fonts.conf``), which maps each
name onto a free face of the same style (仿宋 → FandolFang, 楷体 → LXGW WenKai,
黑体 → Noto Sans CJK, 宋体/小标宋 → Noto Serif CJK).  When the face of that
style is not installed, fontconfig falls back to a face of another style —
the PDFs are still made, but a reviewer would see, say, a Song body instead
of 仿宋.  :func:`substitutions` says so, in Chinese, once per call site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

from .config import Fonts

FONTS_CONF = os.path.join(os.path.dirname(__file__), "data", "fonts.conf")

STYLE_NAMES = {"song": "宋体", "fang": "仿宋", "kai": "楷体", "hei": "黑体"}
# A face's style by words in its family name (checked in this order).
_STYLE_WORDS = (
    ("fang", ("fang", "仿宋")),
    ("kai", ("kai", "楷")),
    ("hei", ("hei", "sans", "gothic", "黑", "yahei")),
    ("song", ("song", "ming", "serif", "mincho", "宋", "明")),
)
# Where each official font is used, and the style it must keep.
_ROLES = (("title", "标题", "song"), ("heading", "一级标题", "hei"), ("lead_in", "引导句", "kai"),
          ("body", "正文", "fang"), ("page_number", "页码", "song"))
_HINT = {"fang": "texlive-lang-chinese（Fandol 仿宋）", "kai": "fonts-lxgw-wenkai（霞鹜文楷）",
         "hei": "fonts-noto-cjk（思源黑体）", "song": "fonts-noto-cjk（思源宋体）"}


def style_of(family: str) -> str | None:
    """"song", "fang", "kai" or "hei" for a face's family name; None when it is none of them."""
    name = family.lower()
    return next((style for style, words in _STYLE_WORDS if any(w in name for w in words)), None)


def matched_face(name: str, conf: str = FONTS_CONF) -> str | None:
    """The family fontconfig (with our configuration) gives LibreOffice for ``name`` in Chinese text;
    None when fontconfig's tools are not installed."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    env = dict(os.environ)
    if os.path.isfile(conf):
        env["FONTCONFIG_FILE"] = conf
    try:
        out = subprocess.run([fc_match, "-f", "%{family[0]}", f"{name}:lang=zh-cn"], capture_output=True,
                             text=True, env=env, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip() or None


@lru_cache(maxsize=8)
def substitutions(fonts: Fonts = Fonts(), conf: str = FONTS_CONF) -> tuple[str, ...]:
    """Chinese sentences, one per official font that the PDF would set in a face of
    another style (a Song face for 仿宋 …); empty when every one keeps its style or
    fontconfig cannot be asked.  Cached: call it once per run and say each sentence once."""
    notes = []
    for attr, role, role_style in _ROLES:
        name = getattr(fonts, attr)
        style = style_of(name) or role_style  # a font configured on purpose keeps its own style
        face = matched_face(name, conf)
        if face is None or face == name or style_of(face) == style:
            continue
        got = style_of(face)
        kind = f"{STYLE_NAMES[got]}风格的" if got else "另一种风格的"
        notes.append(f"PDF 中{role}的字体“{name}”没有安装，也没有{STYLE_NAMES[style]}风格的替代字体，"
                     f"将以{kind}“{face}”代替（Word 文档不受影响）。如需改善，请安装 {_HINT[style]}。")
    return tuple(notes)
