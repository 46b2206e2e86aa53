"""The standard workbook, described once.

Both the template writer (:mod:`reporter.template`) and the reader
(:mod:`reporter.reader`) work from these tables, so what the template
offers and what the reader accepts can never disagree; the summary's item
sheets take their columns from here too.

Adding a column to a section sheet is one :class:`Column` here plus the
field of the same ``key`` on the model record (:mod:`reporter.model`): the
reader reads the cell by its ``kind`` into that field, the template writes
its header, width, prompt and validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a cell is read (reporter.reader.rules.PARSERS) and offered in the template:
#   number    序号 (orders and numbers the items)
#   text      text as written
#   category  one of config.categories (drop-down; W301 otherwise)
#   refs      problem numbers (对应问题); the text as written goes to ``<key>_text``
#   date      a date (W302 when unreadable)
#   deadline  a due date, also 2024年6月 / 长期坚持; the text as written goes to ``<key>_text``
#   status    one of config.statuses (drop-down; W306 otherwise)
Kind = Literal["number", "text", "category", "refs", "date", "deadline", "status"]

# Kinds whose cell, left empty under a vertically merged cell, takes the merged value.
_FILLED_KINDS = ("category", "refs", "date", "deadline", "status")
# Kinds the template centres (short values).
SHORT_KINDS = ("number", "category", "date", "deadline", "status", "refs")
# The summary workbook's cell style for each kind.
_SUMMARY_STYLES = {"number": "int", "text": "wrap", "category": "text", "refs": "text", "date": "date",
                   "deadline": "date", "status": "text"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # attribute name in the model
    label: str  # header text in the template
    kind: Kind = "text"
    required: bool = False  # the column must exist in the sheet
    headline: bool = False  # a row counts only when this cell is filled
    synonyms: tuple[str, ...] = ()
    width: float = 12  # template column width (characters)
    prompt: str = ""  # the header's input message
    fill: bool | None = None  # empty cell under a merged cell takes its value (None: by kind)
    summary_width: float | None = None  # column width in the summary workbook (None: ``width``)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)

    @property
    def fills_merged(self) -> bool:
        """Whether an empty cell under a vertically merged cell takes the merged value."""
        return self.kind in _FILLED_KINDS if self.fill is None else self.fill

    @property
    def summary_style(self) -> str:
        """The summary workbook's cell style: int, wrap, text or date."""
        return _SUMMARY_STYLES[self.kind]


@dataclass(frozen=True, slots=True)
class Sheet:
    key: str  # "problems" | "causes" | "measures"
    name: str
    columns: tuple[Column, ...]
    synonyms: tuple[str, ...] = ()
    required: bool = True
    summary_name: str = ""  # the item list's sheet in the summary workbook

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)

    @property
    def headline(self) -> Column:
        return next(c for c in self.columns if c.headline)

    @property
    def details(self) -> Column | None:
        """The paragraph after the headline (joined over merged rows)."""
        return next((c for c in self.columns if c.key == "details"), None)


@dataclass(frozen=True, slots=True)
class InfoField:
    key: str
    label: str
    kind: Kind = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    prompt: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)


INSTRUCTIONS_SHEET = "填写说明"  # ignored by the reader

INFO_SHEET = "基本信息"
INFO_SHEET_SYNONYMS = ("基本情况", "支部信息")
INFO_HEADER = ("项目", "内容")

INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("name", "支部名称", required=True, synonyms=("党支部名称", "支部"),
              prompt="党支部全称，如“机关第一党支部”。必填。"),
    InfoField("parent", "上级党组织", synonyms=("上级党委", "所属党委"), prompt="如“某某单位机关党委”。"),
    InfoField("secretary", "支部书记", synonyms=("书记",), prompt="支部书记姓名。"),
    InfoField("theme", "会议主题", synonyms=("主题",), prompt="留空则为“主题教育专题组织生活会”。"),
    InfoField("meeting_date", "会议日期", kind="date", synonyms=("会议时间", "召开日期"),
              prompt="日期，如 2023-12-20。"),
    InfoField("title", "材料标题", synonyms=("标题",), prompt="留空则为“支部名称 + 会议主题 + 对照检查材料”。"),
    InfoField("preamble", "导语", synonyms=("前言", "开头语"), prompt="标题下的开头一段；留空则使用默认导语。"),
    InfoField("signature", "落款", synonyms=("落款单位", "署名"), prompt="文末署名，如“中共某某党支部”；可留空。"),
    InfoField("signature_date", "落款日期", kind="date", synonyms=("成文日期",), prompt="文末日期；可留空。"),
)

_SEQ = dict(kind="number", synonyms=("编号", "序"), width=6, prompt="已预先编号，可不改。")

PROBLEMS = Sheet(
    key="problems",
    name="存在的问题",
    summary_name="问题清单",
    synonyms=("问题清单", "存在问题", "查摆问题", "问题"),
    columns=(
        Column("number", "序号", **_SEQ),
        Column("category", "方面", kind="category", synonyms=("类别", "问题类别", "方面类别"), width=12,
               summary_width=11, prompt="从下拉列表中选择问题所属方面。"),
        Column("headline", "问题概述", required=True, headline=True,
               synonyms=("问题", "问题标题", "存在的问题", "问题名称"), width=40,
               prompt="一句话概括问题，将作为（一）（二）……后的标题句；留空的行不计入。"),
        Column("details", "具体表现", synonyms=("问题表现", "表现", "具体问题", "问题描述"), width=70,
               prompt="展开写问题的具体表现，可写多句。"),
    ),
)

CAUSES = Sheet(
    key="causes",
    name="原因剖析",
    summary_name="原因清单",
    synonyms=("原因分析", "原因清单", "问题原因", "原因"),
    columns=(
        Column("number", "序号", **_SEQ),
        Column("headline", "原因概述", required=True, headline=True,
               synonyms=("原因", "原因标题", "原因名称"), width=40,
               prompt="一句话概括原因，将作为标题句；留空的行不计入。"),
        Column("details", "具体剖析", synonyms=("原因剖析", "剖析", "具体分析", "原因分析"), width=70,
               prompt="展开写原因的具体剖析。"),
    ),
)

MEASURES = Sheet(
    key="measures",
    name="整改措施",
    summary_name="整改清单",
    synonyms=("整改清单", "整改台账", "整改措施清单", "措施"),
    columns=(
        Column("number", "序号", **_SEQ),
        Column("headline", "措施概述", required=True, headline=True,
               synonyms=("措施", "整改措施", "措施标题", "措施名称"), width=36,
               prompt="一句话概括整改措施，将作为标题句；留空的行不计入。"),
        Column("details", "具体内容", synonyms=("措施内容", "具体措施", "内容"), width=60,
               prompt="展开写整改措施的具体内容。"),
        Column("problems", "对应问题", kind="refs", synonyms=("对应问题序号", "针对问题", "问题序号"), width=10,
               summary_width=9, prompt="填写本措施对应的问题序号，多个用逗号或顿号分隔，如“1,3”。"),
        Column("owner", "责任人", synonyms=("责任人/责任部门", "责任部门", "负责人"), width=12, fill=True,
               prompt="负责落实的人或部门。"),
        Column("deadline", "完成时限", kind="deadline", synonyms=("整改时限", "完成时间", "时限"), width=14,
               summary_width=12, prompt="日期，如 2024-03-31。"),
        Column("status", "完成情况", kind="status", synonyms=("整改进度", "进度", "完成进度", "状态"), width=12,
               summary_width=9, prompt="从下拉列表中选择：未开始、整改中、已完成。"),
    ),
)

SECTIONS: tuple[Sheet, ...] = (PROBLEMS, CAUSES, MEASURES)

# Section headings of the document, in order.
SECTION_TITLES = {"problems": "一、存在的问题", "causes": "二、原因剖析", "measures": "三、整改措施"}

# How far down a sheet the reader looks for the header row.
HEADER_SEARCH_ROWS = 10

# Where the template records its version.
VERSION_NAME = "REPORTER_TEMPLATE_VERSION"

# The workbook file extensions are in reporter.discover (the folder walk every run makes).
