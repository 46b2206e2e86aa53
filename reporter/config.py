"""Settings: defaults in code, overridden by ``reporter.toml``.

A malformed or contradictory file raises :class:`ConfigError` (the CLI turns
it into a Chinese message and exit status 2).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError, os_reason

DEFAULT_CONFIG_NAME = "reporter.toml"

DEFAULT_CATEGORIES = ("理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律", "其他")
DEFAULT_STATUSES = ("未开始", "整改中", "已完成")

DEFAULT_TITLE_TEMPLATE = "{支部名称}{会议主题}对照检查材料"
DEFAULT_VOLUME_TITLE_TEMPLATE = "{上级党组织}{会议主题}对照检查材料汇编"  # the bound volume's cover (汇编)
DEFAULT_PREAMBLE_TEMPLATE = (
    "根据上级通知要求，按照{上级党组织}的统一安排部署，{支部名称}紧紧围绕学习贯彻"
    "习近平新时代中国特色社会主义思想这一主题，认真学习领会党的创新理论，"
    "在扎实开展谈心谈话的基础上，对照检视问题的各个方面深入查摆突出问题，深刻剖析问题根源，"
    "提出整改措施，现将具体情况报告如下："
)


@dataclass(frozen=True, slots=True)
class Fonts:
    title: str = "方正小标宋简体"
    heading: str = "黑体"
    lead_in: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"
    latin: str = "Times New Roman"
    page_number: str = "宋体"


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_mb: float = 20.0  # size of the workbook file
    max_uncompressed_mb: float = 200.0  # sum of the zip members' sizes
    max_compression_ratio: float = 200.0  # uncompressed / compressed, whole file
    max_zip_entries: int = 2000
    max_rows: int = 5000  # per sheet
    max_columns: int = 100  # per sheet
    max_cell_chars: int = 5000  # longer text is cut with a warning
    max_seconds: float = 120.0  # processing one workbook in `build`; the worker is then stopped (E405)


@dataclass(frozen=True, slots=True)
class PdfSettings:
    timeout: float = 180.0  # seconds one LibreOffice batch may take before it is stopped


REVIEW_RULES = ("r601", "r602", "r611", "r612", "r613", "r614")


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """[review]: the committee's review (DESIGN §9); it changes no document."""

    similar: float = 0.8  # R601 / R602: LCS ratio (2 × common characters in order / both lengths) at or above this
    min_chars: int = 30  # items shorter than this (after normalising) are not compared
    min_details: int = 20  # R611: 具体表现 shorter than this is too vague
    required_aspects: tuple[str, ...] = ()  # R614 (off while empty)
    r601: bool = True
    r602: bool = True
    r611: bool = True
    r612: bool = True
    r613: bool = True
    r614: bool = True

    def enabled(self, code: str) -> bool:
        return getattr(self, code.lower())


def _review(value: object) -> ReviewSettings:
    if not isinstance(value, dict):
        raise ConfigError("配置节 [review] 的格式有误。")
    known = {f.name: f.default for f in fields(ReviewSettings)}
    kwargs: dict = {}
    for key, v in value.items():
        if key not in known:
            raise ConfigError(f"配置节 [review] 中的 {key} 无法识别，可用的有：{'、'.join(known)}。")
        if key in REVIEW_RULES:
            if not isinstance(v, bool):
                raise ConfigError(f"配置项 review.{key} 应为 true 或 false，现为 {_shown(v)}。")
        elif key == "required_aspects":
            v = _str_list(f"review.{key}", v) if v != [] else ()
        elif key == "similar":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
                raise ConfigError(f"配置项 review.similar 应为大于 0、不超过 1 的数（例如 0.8），现为 {_shown(v)}。")
            v = float(v)
        else:
            v = _positive(f"review.{key}", v, known[key])
        kwargs[key] = v
    return ReviewSettings(**kwargs)


@dataclass(frozen=True, slots=True)
class Config:
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    done_status: str = "已完成"
    title_template: str = DEFAULT_TITLE_TEMPLATE
    preamble_template: str = DEFAULT_PREAMBLE_TEMPLATE
    volume_title_template: str = DEFAULT_VOLUME_TITLE_TEMPLATE
    default_theme: str = "主题教育专题组织生活会"
    fonts: Fonts = field(default_factory=Fonts)
    limits: Limits = field(default_factory=Limits)
    pdf: PdfSettings = field(default_factory=PdfSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    reference_doc: str | None = None  # path to a unit's letterhead .docx (headers, logo, extra styles)
    reference_styles: bool = False  # take the reference's styles, page and footers wholesale (pandoc's way)
    roster: str | None = None  # path to the roster (.xlsx / .csv)
    source: str | None = None  # the file this came from, for messages

    def fingerprint(self) -> str:
        """A digest of everything that changes the documents (for incremental builds)."""
        data = asdict(self)
        data.pop("source")
        data.pop("roster")
        data["limits"].pop("max_seconds")  # a time limit changes no document
        data.pop("pdf")  # neither does the PDF engine's time limit
        data.pop("volume_title_template")  # nor the bound volume's cover (the volume has its own inputs)
        data.pop("review")  # nor the review (R6xx)
        if self.reference_doc:
            try:
                data["reference_doc_sha256"] = hashlib.sha256(Path(self.reference_doc).read_bytes()).hexdigest()
            except OSError:
                data["reference_doc_sha256"] = None
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


# Placeholders a title or preamble template may use.  An empty field is
# filled with a neutral word (上级党组织 → "上级党组织") by the reader.
PLACEHOLDERS = ("支部名称", "上级党组织", "支部书记", "会议主题", "会议日期")
_PLACEHOLDERS = set(PLACEHOLDERS)


VOLUME_PLACEHOLDERS = ("上级党组织", "会议主题", "会议日期")  # a volume has no single 支部名称 or 支部书记


def _check_template(name: str, text: str, allowed_names: set[str] | tuple[str, ...] = _PLACEHOLDERS) -> None:
    import string

    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"配置项 {name} 的格式有误（{exc}），花括号请成对使用。") from None
    for _, placeholder, spec, conv in parsed:
        if placeholder is None:
            continue
        if placeholder not in allowed_names or spec or conv:
            allowed = "、".join("{" + p + "}" for p in sorted(allowed_names))
            raise ConfigError(f"配置项 {name} 中的占位符 {{{placeholder}}} 无法识别，可用的有：{allowed}。")


def _str_list(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"配置项 {name} 应为非空的文字列表，例如 {name} = [\"理论学习\", \"政治素质\"]。")
    items = tuple(v.strip() for v in value)
    if len(set(items)) != len(items):
        raise ConfigError(f"配置项 {name} 中有重复的值，请删除重复项。")
    return items


def _section(cls, name: str, value: object):
    if not isinstance(value, dict):
        raise ConfigError(f"配置节 [{name}] 的格式有误。")
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    for key, v in value.items():
        if key not in known:
            raise ConfigError(f"配置节 [{name}] 中的 {key} 无法识别，可用的有：{'、'.join(known)}。")
        default = known[key].default
        if isinstance(default, str):
            if not isinstance(v, str) or not v.strip():
                raise ConfigError(f"配置项 {name}.{key} 应为非空文字，现为 {_shown(v)}。")
            v = v.strip()
        else:
            v = _positive(f"{name}.{key}", v, default)
        kwargs[key] = v
    return cls(**kwargs)


# Time limits are handed to the operating system's timers, which overflow
# far below a float's range: a day is more than any one batch may take.
# Counts are handed to C code: keep them within 32 bits.
MAX_SECONDS = 86400
MAX_COUNT = 2**31 - 1


def _positive(name: str, value: object, default: int | float) -> int | float:
    """A limit: a positive integer where the default is one, else a positive finite number."""
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"配置项 {name} 应为正整数（例如 {default}），现为 {_shown(value)}。")
        if value > MAX_COUNT:
            raise ConfigError(f"配置项 {name} 的数值太大（最大 {MAX_COUNT}），现为 {_shown(value)}。")
        return value
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    try:
        number = float(value) if ok else 0.0
    except OverflowError:
        number = math.inf
    if not ok or math.isnan(number) or number <= 0:
        raise ConfigError(f"配置项 {name} 应为大于 0 的数（例如 {default:g}），现为 {_shown(value)}。")
    if name.endswith(("seconds", "timeout")) and number > MAX_SECONDS:
        raise ConfigError(f"配置项 {name} 是秒数，不能超过 {MAX_SECONDS}（一天），现为 {_shown(value)}。")
    if number > MAX_COUNT:
        raise ConfigError(f"配置项 {name} 的数值太大（最大 {MAX_COUNT}），现为 {_shown(value)}。")
    return number


def _shown(value: object) -> str:
    """A value as it is written in TOML (true, 0.5, nan, "文字")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, str, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 40 else text[:37] + "……"
    if isinstance(value, dict):
        return "一个配置节"
    return str(value)


def parse_config(data: dict, source: str | None = None, base: Path | None = None) -> Config:
    """Build a :class:`Config` from the parsed TOML table."""
    cfg = Config(source=source)
    changes: dict = {}
    for key, value in data.items():
        if key in ("categories", "statuses"):
            changes[key] = _str_list(key, value)
        elif key in ("done_status", "title_template", "preamble_template", "default_theme", "volume_title_template"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"配置项 {key} 应为非空文字。")
            changes[key] = value.strip()
        elif key in ("reference_doc", "roster"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"配置项 {key} 应为文件路径。")
            path = Path(value)
            if base is not None and not path.is_absolute():
                path = base / path
            changes[key] = str(path)
        elif key == "fonts":
            changes[key] = _section(Fonts, key, value)
        elif key == "limits":
            changes[key] = _section(Limits, key, value)
        elif key == "pdf":
            changes[key] = _section(PdfSettings, key, value)
        elif key == "review":
            changes[key] = _review(value)
        elif key == "reference_styles":
            if not isinstance(value, bool):
                raise ConfigError("配置项 reference_styles 应为 true 或 false。")
            changes[key] = value
        else:
            raise ConfigError(f"配置项 {key} 无法识别，请检查拼写（参见 reporter.example.toml）。")
    cfg = replace(cfg, **changes)
    if cfg.done_status not in cfg.statuses:
        raise ConfigError(f"配置项 done_status（{cfg.done_status}）必须是 statuses 中的一项。")
    _check_template("title_template", cfg.title_template)
    _check_template("preamble_template", cfg.preamble_template)
    _check_template("volume_title_template", cfg.volume_title_template, VOLUME_PLACEHOLDERS)
    if cfg.reference_doc and not Path(cfg.reference_doc).is_file():
        raise ConfigError(f"配置项 reference_doc 指向的文件不存在：{cfg.reference_doc}")
    return cfg


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Read ``path``, or ``reporter.toml`` in ``cwd`` when present, else defaults."""
    explicit = path is not None
    p = Path(path) if explicit else (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
    if not p.exists():
        if explicit:
            raise ConfigError(f"找不到配置文件：{p}")
        return Config()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {p} 不是 UTF-8 编码，请另存为 UTF-8。") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{os_reason(exc)}。") from None
    import tomllib  # only here: most runs have no configuration file to parse

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 格式有误：{toml_problem(str(exc), text)}") from None
    return parse_config(data, source=str(p), base=p.parent)


# tomllib's messages (English) → what to fix, in Chinese.  Matched by prefix.
_TOML_PROBLEMS = (
    ("Invalid value", "值的写法不对（文字要用英文双引号括起来，例如 default_theme = \"专题组织生活会\"；"
                      "列表用方括号，例如 categories = [\"理论学习\", \"政治素质\"]）"),
    ("Expected '=' after a key", "配置项名称后面缺少等号“=”"),
    ("Expected newline or end of document", "一行只能写一个配置项，请在此处换行"),
    ("Expected ']' at the end of a table", "配置节标题缺少右方括号“]”，例如 [limits]"),
    ("Expected ']]'", "配置节标题缺少右方括号“]]”"),
    ("Unclosed array", "列表的方括号“]”没有闭合，或列表项之间缺少英文逗号"),
    ("Unclosed inline table", "花括号“}”没有闭合"),
    ("Unterminated string", "文字缺少结尾的英文双引号"),
    ("Cannot overwrite a value", "同一个配置项写了两次，请删除其中一个"),
    ("Cannot declare", "同一个配置节写了两次，请合并为一个"),
    ("Cannot redefine namespace", "配置节与配置项重名，或同一个配置节写了两次"),
    ("Cannot mutate immutable namespace", "配置节与配置项重名，或同一个配置节写了两次"),
    ("Duplicate inline table key", "花括号中有重复的项"),
    ("Unescaped '\\'", "文字中的反斜杠“\\”用法有误（Windows 路径请改用单引号括起来，或把 \\ 写成 /）"),
    ("Escaped character", "文字中的反斜杠“\\”用法有误（Windows 路径请改用单引号括起来，或把 \\ 写成 /）"),
    ("Invalid hex value", "文字中的反斜杠“\\”用法有误（Windows 路径请改用单引号括起来，或把 \\ 写成 /）"),
    ("Illegal character '\\n'", "文字缺少结尾的英文双引号（一对引号中间不能换行）"),
    ("Illegal character", "文字中有不允许的控制字符（如制表符以外的不可见字符），请删除"),
    ("Invalid date or datetime", "日期或时间的写法有误"),
    ("Invalid initial character for a key", "配置项名称中有无法识别的字符（名称只用英文字母、数字、下划线）"),
    ("Found invalid character", "配置项名称中有无法识别的字符（名称只用英文字母、数字、下划线）"),
    ("Invalid statement", "这一行无法识别（每行应为“名称 = 值”或“[配置节]”）"),
)
_TOML_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def toml_problem(message: str, text: str) -> str:
    """tomllib's ``message`` as a Chinese sentence with the line and column."""
    where = _TOML_WHERE.search(message)
    head = message[:where.start()] if where else message
    if where and where.group(1):
        line, column = int(where.group(1)), int(where.group(2))
    else:  # at the end of the document: the last character's position
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    reason = next((zh for prefix, zh in _TOML_PROBLEMS if head.startswith(prefix)), "此处的写法不符合 TOML 格式")
    place = f"第 {line} 行第 {column} 列" + ("（文件末尾）" if where and not where.group(1) else "")
    return f"{place}：{reason}。"
