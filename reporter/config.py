"""Settings: defaults in code, overridden by ``reporter.toml``.

A malformed or contradictory file raises :class:`ConfigError` (the CLI turns
it into a Chinese message and exit status 2).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError

DEFAULT_CONFIG_NAME = "reporter.toml"

DEFAULT_CATEGORIES = ("理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律", "其他")
DEFAULT_STATUSES = ("未开始", "整改中", "已完成")

DEFAULT_TITLE_TEMPLATE = "{支部名称}{会议主题}对照检查材料"
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


@dataclass(frozen=True, slots=True)
class Config:
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    done_status: str = "已完成"
    title_template: str = DEFAULT_TITLE_TEMPLATE
    preamble_template: str = DEFAULT_PREAMBLE_TEMPLATE
    default_theme: str = "主题教育专题组织生活会"
    fonts: Fonts = field(default_factory=Fonts)
    limits: Limits = field(default_factory=Limits)
    pdf: PdfSettings = field(default_factory=PdfSettings)
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


def _check_template(name: str, text: str) -> None:
    import string

    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"配置项 {name} 的格式有误（{exc}），花括号请成对使用。") from None
    for _, placeholder, spec, conv in parsed:
        if placeholder is None:
            continue
        if placeholder not in _PLACEHOLDERS or spec or conv:
            allowed = "、".join("{" + p + "}" for p in sorted(_PLACEHOLDERS))
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
                raise ConfigError(f"配置项 {name}.{key} 应为非空文字。")
            v = v.strip()
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ConfigError(f"配置项 {name}.{key} 应为正数。")
            v = type(default)(v)
        kwargs[key] = v
    return cls(**kwargs)


def parse_config(data: dict, source: str | None = None, base: Path | None = None) -> Config:
    """Build a :class:`Config` from the parsed TOML table."""
    cfg = Config(source=source)
    changes: dict = {}
    for key, value in data.items():
        if key in ("categories", "statuses"):
            changes[key] = _str_list(key, value)
        elif key in ("done_status", "title_template", "preamble_template", "default_theme"):
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
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {p} 不是 UTF-8 编码，请另存为 UTF-8。") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 格式有误：{exc}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{exc.strerror}") from None
    return parse_config(data, source=str(p), base=p.parent)
