"""Every finding the tool reports: its code, level, meaning and Chinese text.

This is the one place a finding's wording lives.  Code elsewhere makes a
finding with :func:`message`::

    message("W301", sheet="存在的问题", cell="B3", value="组织建设", allowed="理论学习、其他")

A code may have several wordings (variants) for the same finding — E101
says *why* the file is not a workbook — chosen with ``variant=``; the code
itself never changes.  A template names its fields (``{value}``); it may
also use ``{sheet}`` and ``{cell}``, which are then the message's location
too.  An unknown code or variant, or a missing or unexpected field, is a
bug of ours and raises (KeyError / ValueError), never a user-facing error.

Codes are stable: E1xx the file, E2xx the workbook's structure, W3xx the
content, E4xx / W4xx the batch job, R6xx the committee's review (level review), E900 an internal error.  The README's
code table is :func:`markdown_table` (a test keeps the two equal).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

from .message import Level, Message

SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）格式，再重新提交。"
RESAVE = ("请用 Excel 或 WPS 打开此工作簿，确认内容完整后“另存为” Excel 工作簿（.xlsx）格式，再重新提交；"
          "如果打不开，请从原稿重新填写。")
FORMULA_FIX = "这类工作簿通常由其他程序生成、未经 Excel 计算；请用 Excel 或 WPS 打开此工作簿并保存，再重新提交。"
_SUBMIT_TEMPLATE = "请提交用标准模板填写的 .xlsx 工作簿。"
_PUT_WORKBOOK = "请把工作簿本身放入文件夹。"
_FORMULA = "{cell} 单元格中是公式，但文件中没有保存公式的计算结果，"
_BY_ROW = "“对应问题”中的数字按行的顺序（第几项）理解。"
_DUPLICATE = ("共有 {count} 个工作簿的支部名称都是“{name}”，除本文件外还有：{others}。{which}；"
              "每个通过检查的工作簿仍各自生成材料（文件名加序号区分）。请确认是否重复提交，或是否填错了支部名称。")


@dataclass(frozen=True, slots=True)
class Finding:
    """One code: its level, what it means (English, for the README) and its wordings.

    ``templates`` maps a variant name to a Chinese template; a code with
    one wording has the single variant ``""``.
    """

    code: str
    level: Level
    summary: str
    templates: Mapping[str, str]

    def fields(self, variant: str = "") -> frozenset[str]:
        """The names a variant's template needs (``sheet`` / ``cell`` included)."""
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.template(variant)) if name)

    def template(self, variant: str = "") -> str:
        try:
            return self.templates[variant]
        except KeyError:
            raise KeyError(f"{self.code} has no variant {variant!r} (it has {sorted(self.templates)})") from None


def _finding(code: str, summary: str, template: str | None = None, **variants: str) -> Finding:
    level: Level = "error" if code.startswith("E") else "review" if code.startswith("R") else "warning"
    templates = {"": template} if template is not None else variants
    return Finding(code, level, summary, MappingProxyType(templates))


def _stops(finding: Finding) -> Finding:
    """An import finding (I7xx) after which no workbook is written: level error, though the code starts with I."""
    return replace(finding, level="error")


_REIMPORT = "请用 Word 或 WPS 打开后“另存为” .docx 文档，再重新导入。"
_PARAGRAPH = "第 {paragraph} 段"


_ALL = (
    # --- the file (E1xx) ---------------------------------------------------------
    _finding("E101", "not a workbook (not a zip / OLE file, or a damaged zip)",
             truncated="文件已损坏（压缩包结构不完整），无法读取；请重新保存后提交。",
             bad_data="文件已损坏（压缩数据有误），无法读取；请重新保存后提交。",
             compression="文件使用了不支持的压缩方式，请用 Excel 或 WPS 重新保存为 .xlsx 后提交。",
             not_zip="文件已损坏（不是完整的 Excel 工作簿），无法读取；请重新保存后提交。",
             no_workbook="文件不是 Excel 工作簿（压缩包中没有工作簿内容），" + _SUBMIT_TEMPLATE,
             unknown="文件不是 Excel 工作簿（内容无法识别），可能已损坏或只是改了扩展名；" + _SUBMIT_TEMPLATE),
    _finding("E102", "empty file", "文件是空的（0 字节），可能没有保存成功，请重新保存后提交。"),
    _finding("E103", "encrypted (password-protected) workbook", "文件已加密，请取消密码后重新提交。"),
    _finding("E104", "file larger than [limits] max_file_mb",
             "文件大小 {size_mb:.1f} MB，超过上限 {limit_mb:g} MB；请删除工作簿中的图片、多余工作表后重新提交。"),
    _finding("E105", "uncompressed size or compression ratio beyond the limits",
             bomb="文件解压后的内容超出上限（疑似“压缩炸弹”），已拒绝读取。",
             size="文件解压后约 {size_mb:.0f} MB，超过上限 {limit_mb:g} MB，已拒绝读取。",
             ratio="文件的压缩比异常（疑似“压缩炸弹”），已拒绝读取。"),
    _finding("E106", "too many zip entries", "文件内部包含 {count} 个部件，超过上限 {limit} 个，已拒绝读取。"),
    _finding("E107", "XML with a DOCTYPE / ENTITY declaration",
             part="文件中的 {part} 含有 XML 实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取；"
                  "请用 Excel 或 WPS 重新另存为 .xlsx 后提交。",
             parser="文件中含有 XML 实体声明，出于安全原因拒绝读取；请用 Excel 或 WPS 重新另存为 .xlsx 后提交。"),
    _finding("E108", "a format we cannot read (.et, .csv …): save as .xlsx",
             convert="不支持 {suffix} 格式的文件。" + SAVE_AS_XLSX,
             other="“{suffix}”不是 Excel 工作簿格式。" + _SUBMIT_TEMPLATE,
             no_suffix="“无扩展名”不是 Excel 工作簿格式。" + _SUBMIT_TEMPLATE),
    _finding("E109", "a Word / PowerPoint file with a spreadsheet extension",
             word="这是一个 Word 文档（只是扩展名为表格格式），不是 Excel 工作簿；" + _SUBMIT_TEMPLATE,
             powerpoint="这是一个 PowerPoint 演示文稿（只是扩展名为表格格式），不是 Excel 工作簿；" + _SUBMIT_TEMPLATE),
    _finding("E110", "damaged workbook (the spreadsheet library failed; no library is named)",
             structure="文件已损坏（工作簿结构无法解析），请用 Excel 或 WPS 重新保存后提交。",
             book="文件已损坏，无法读取。" + RESAVE,
             sheet="“{sheet}”表已损坏，无法读取；" + RESAVE),
    _finding("E111", "legacy .xls that could not be read: save as .xlsx",
             "无法读取这个旧版 Excel（.xls）文件。" + SAVE_AS_XLSX),
    _finding("E120", "permission denied", "没有读取该文件的权限；请让管理员开放读取权限后重试。"),
    _finding("E121", "file vanished (or a dangling symbolic link)",
             dangling="这是一个快捷方式（符号链接），但它指向的文件不存在；" + _PUT_WORKBOOK,
             vanished="读取时找不到该文件（可能在运行期间被移动或删除）。"),
    _finding("E122", "not a regular file",
             special="这不是一个普通文件（可能是文件夹或设备），无法作为工作簿读取。",
             folder="这是一个文件夹，不是工作簿。",
             loop="这是一个循环指向自身的快捷方式（符号链接），不是工作簿，无法读取；" + _PUT_WORKBOOK),
    _finding("E123", "symbolic link outside the input folder",
             "这是一个指向输入文件夹以外的快捷方式（符号链接），出于安全原因不读取；" + _PUT_WORKBOOK),
    _finding("E124", "other error reading the file",
             "读取文件时出错（{reason}）；请稍后重试，或联系管理员检查文件所在的磁盘或共享文件夹。"),
    _finding("E125", "a folder under the input folder could not be listed (validate)",
             "无法读取这个文件夹（没有权限或已被移走），其中的工作簿未检查；请让管理员开放读取权限。"),
    # --- the workbook's structure (E2xx) ----------------------------------------
    _finding("E201", "基本信息 sheet missing",
             "缺少“{info_sheet}”工作表；请使用标准模板，在“{info_sheet}”表中填写支部名称等信息。"),
    _finding("E202", "a required section sheet missing (the message lists the sheets found)",
             found="缺少“{section}”工作表（本工作簿中的工作表有：{found}）；"
                   "请使用标准模板，保留“{section}”表并填写；如果表改了名字，请改回“{section}”。",
             none="缺少“{section}”工作表（本工作簿中的工作表有：（没有工作表））；"
                  "请使用标准模板，保留“{section}”表并填写；如果表改了名字，请改回“{section}”。"),
    _finding("E203", "a headline column missing",
             "“{sheet}”表中找不到“{column}”列；请在前 {rows} 行内保留标准模板的表头：{columns}。"),
    _finding("E204", "支部名称 empty",
             "没有填写支部名称；请在“{info_sheet}”表“支部名称”一项的内容栏填写党支部全称。"),
    _finding("E205", "no problem rows", "“存在的问题”表中没有填写任何问题；请至少填写一个问题的“问题概述”。"),
    _finding("E206", "a sheet has more rows / columns than the limits allow",
             rows="“{sheet}”表有 {count} 行，超过上限 {limit} 行，已拒绝读取；请删除多余的行后重新提交。",
             rows_at="“{sheet}”表有 {count} 行（最下面有内容的单元格是 {corner}），超过上限 {limit} 行，已拒绝读取；"
                     "请删除多余的行后重新提交。",
             columns="“{sheet}”表有 {count} 列，超过上限 {limit} 列，已拒绝读取；请删除多余的列后重新提交。",
             columns_at="“{sheet}”表有 {count} 列（最右边有内容的单元格是 {corner}），超过上限 {limit} 列，已拒绝读取；"
                        "请删除多余的列后重新提交。"),
    _finding("E207", "a formula without a computed value where the value is needed (支部名称, or a headline)",
             name=_FORMULA + "无法读取支部名称。" + FORMULA_FIX,
             headline=_FORMULA + "无法读取{column}（该行未计入）。" + FORMULA_FIX),
    _finding("E208", "基本信息 layout not recognised (no known label at all)",
             "无法识别“{sheet}”表的格式：表中找不到“支部名称”“上级党组织”等项目名称。"
             "请使用标准模板：一列写项目名称（支部名称、上级党组织……），右边一列写内容；"
             "也可以第一行写项目名称、第二行写对应的内容。"),
    # --- the content (W3xx) -------------------------------------------------------
    _finding("W301", "unknown 方面", "方面“{value}”不在规定的类别中；请从下拉列表中选择：{allowed}。"),
    _finding("W302", "unreadable date; for 完成时限 the text is kept as written",
             date="{label}“{value}”无法识别为日期，已按未填写处理；请写成 2023-12-20 或 2023年12月20日 的形式。",
             deadline="完成时限“{value}”无法识别为日期，已原样保留，不计算是否逾期；"
                      "请写成 2024-03-31、2024年6月、2024年底或“长期坚持”的形式。"),
    _finding("W303", "对应问题 names a problem that does not exist",
             "对应问题中的 {missing} 号问题在“存在的问题”表中不存在；请核对问题序号。"),
    _finding("W304", "column not recognised, ignored",
             "“{column}”列不是标准模板中的列，其内容已忽略；本表可用的列有：{columns}。"),
    _finding("W305", "deadline before the meeting date", "完成时限 {deadline} 早于会议日期 {meeting}；请核对完成时限。"),
    _finding("W306", "unknown 完成情况", "完成情况“{value}”无法识别；请从下拉列表中选择：{allowed}。"),
    _finding("W307", "cell text cut at [limits] max_cell_chars",
             "单元格内容有 {length} 个字，超过上限 {limit} 字，超出部分已截去；请精简内容。"),
    _finding("W308", "workbook from a newer template version",
             "此工作簿来自更新版本的模板（第 {version} 版，本程序支持第 {supported} 版），"
             "部分内容可能无法识别；请升级 reporter 或使用当前模板。"),
    _finding("W309", "duplicate 序号 (items numbered by row; 对应问题 read by position)",
             "序号 {number} 与第 {row} 行重复；材料按行的顺序编号，" + _BY_ROW + "请改为不重复的序号。"),
    _finding("W310", "row with details but no headline (not counted)",
             "第 {row} 行填写了内容但“{column}”为空，该行未计入；请补写{column}（一句话概括）。"),
    _finding("W311", "原因剖析 / 整改措施 has no rows", "“{section}”表中没有填写任何内容，材料中该部分将为空；请补充填写。"),
    _finding("W312", "对应问题 partly unreadable",
             "对应问题“{value}”中的“{bad}”无法识别；"
             "请填写问题的序号，多个用逗号或顿号分隔，如“1,3”；对应全部问题可写“全部”。"),
    _finding("W313", "基本信息 item not recognised, ignored", "“{value}”不是基本信息中的项目，已忽略；可填写的项目有：{labels}。"),
    _finding("W314", "a formula without a computed value, read as empty (基本信息 or an item row)",
             _FORMULA + "已按未填写处理。" + FORMULA_FIX),
    _finding("W315", "序号 not 1…n in row order: items in 序号 order, or numbered by position",
             order="序号没有按从小到大的顺序排列；材料中按序号排列和编号（序号 1 为（一）、序号 2 为（二）……），"
                   "“对应问题”仍按序号理解。如不是这个意思，请调整序号。",
             gaps="序号（{numbers}）不是从 1 开始连续的编号；材料中按序号从小到大依次编为（一）至（{last}），"
                  "“对应问题”中的数字按这个顺序（第几项）理解。请把序号改为 1、2、3……并核对“对应问题”。",
             position="有的行没有填写序号或序号不是数字，第 {row} 行的序号 {number} 与它在表中的位置（第 {position} 项）不一致；"
                      "材料按行的顺序编号，" + _BY_ROW + "请把序号补齐为 1、2、3……。"),
    _finding("W316", "bidirectional control characters removed from a cell",
             "单元格中有看不见的文字方向控制字符（会让文字显示的顺序与实际内容不同），已删除；"
             "请核对该单元格的内容，最好重新输入。"),
    _finding("W317", "a list (一是…二是…) pasted into one headline cell",
             "这一格“{column}”里似乎写了好几条（如“一是……二是……”），材料中会成为一条；"
             "请每行只写一条，把各条分别写在不同的行里，材料会自动编号。"),
    # --- the batch job (E4xx / W4xx) ---------------------------------------------
    _finding("W401", "several workbooks name the same branch",
             used=_DUPLICATE.replace("{which}", "汇总时采用本文件（保存时间最晚）"),
             other=_DUPLICATE.replace("{which}", "汇总时只采用保存时间最晚的 {used}，本文件不计入汇总")),
    _finding("E403", "file changed while it was read",
             "读取时文件正在被修改（大小或修改时间发生变化），内容可能不完整，本次未处理。请在保存完成后重新运行。"),
    _finding("E404", "the worker process died on this workbook",
             "处理时工作进程意外退出（可能是内存不足或被系统终止），此工作簿未能处理，其他工作簿不受影响。"
             "请检查文件是否过大或已损坏；如反复出现，请把该文件发给维护人员。"),
    _finding("E405", "processing took longer than [limits] max_seconds (the worker was stopped)",
             "处理超过 {seconds:g} 秒仍未完成，已停止处理此工作簿，其他工作簿不受影响。"
             "文件可能过大或已损坏：请检查内容、在 Excel 或 WPS 中重新保存后再提交；如仍不行，请把该文件发给管理员。"),
    _finding("W405", "file name not printable (or not UTF-8)",
             "文件名含有无法正常显示的字符或不是 UTF-8 编码（显示为“{name}”），请把文件改用正常的中文或英文名称后重新提交。"),
    _finding("W407", "file changed after it was read (the document is from the earlier content)",
             "处理期间文件又被修改，本次材料按修改前的内容生成；下次运行时会按新内容重新生成。"),
    # --- the committee's review (R6xx, DESIGN §9): level review, never changes a status ----------
    _finding("R601", "similar to an item of another branch (LCS ratio of the normalised texts)",
             pair="本条与{other}的内容高度相似（相似度 {percent}%），请核实是否照抄照搬，结合本支部实际重新撰写。",
             group="本条与其他支部的 {others} 条内容高度相似（共 {size} 条雷同，如{examples}；相似度不低于 {percent}%），"
                   "请核实是否照抄照搬，结合本支部实际重新撰写。"),
    _finding("R602", "repeated within the branch (same sheet, same measure as R601)",
             "本条与本表{other}的内容高度相似（相似度 {percent}%）{more}，请合并或改写。"),
    _finding("R611", "problem too vague: 具体表现 empty or shorter than [review] min_details",
             empty="问题的具体表现没有填写，请写明具体事例、程度和影响。",
             short="问题的具体表现只有 {length} 个字（少于 {minimum} 个字），过于笼统，请写明具体事例、程度和影响。"),
    _finding("R612", "problem that no measure names in 对应问题 (when the workbook uses 对应问题)",
             "第 {number} 个问题没有对应的整改措施（“整改措施”表的“对应问题”中没有这个序号），请补充措施或核对对应问题。"),
    _finding("R613", "measure not concrete: no 责任人, or no usable 完成时限 (长期坚持 counts as usable)",
             owner="整改措施没有填写责任人，请写明负责落实的人或部门。",
             deadline="整改措施没有可用的完成时限，请写明日期（如 2024-03-31）或“长期坚持”。",
             both="整改措施没有填写责任人，也没有可用的完成时限，请写明负责落实的人或部门和完成时限。"),
    _finding("R614", "required aspects ([review] required_aspects) that no problem is filed under",
             "存在的问题没有涉及以下方面：{aspects}；请对照要求补充查摆。"),
    # --- reporter import (I7xx: a guess that may be wrong is a warning; a file that gives no workbook, an error) ---
    _stops(_finding("I701", "import: no section heading found (no workbook written)",
                    "文档中找不到“存在的问题”“原因剖析”“整改措施”等部分的标题（如“一、存在的问题”），无法识别材料的结构，"
                    "未生成工作簿。请在各部分前加上这样的标题后重新导入，或直接用标准模板填写。")),
    _finding("I702", "import: unnumbered text between items kept as the previous item's details",
             _PARAGRAPH + "没有编号，已接在上一条（“{section}”第 {item} 条）的具体内容后面；"
             "如果它是单独的一条，请在工作簿中另起一行填写。"),
    _finding("I703", "import: a headline longer than 60 characters",
             _PARAGRAPH + "的标题句有 {length} 个字（超过 {limit} 字），可能不是一句概括；请在工作簿中核对“{column}”和“{details}”。"),
    _finding("I704", "import: an unknown section heading kept as part of the preceding section (or the preamble)",
             section=_PARAGRAPH + "“{text}”像是一个部分的标题，但不是“存在的问题”“原因剖析”“整改措施”之一，"
                     "已并入前面的“{section}”部分；请在工作簿中核对。",
             preamble=_PARAGRAPH + "“{text}”像是一个部分的标题，但不是“存在的问题”“原因剖析”“整改措施”之一，"
                      "已并入导语；请在工作簿中核对。"),
    _finding("I705", "import: branch name taken from the file name",
             "落款和标题中都没有找到支部名称（以“党支部”或“支部”结尾），已用文件名“{name}”作为支部名称；"
             "请在工作簿“基本信息”表中改为党支部全称。"),
    _finding("I706", "import: several paragraphs before the first section joined into one preamble",
             "标题和第一个部分之间有 {count} 段文字（" + _PARAGRAPH + "起），已合并为一段作为导语；请在工作簿中核对“导语”。"),
    _finding("I707", "import: unnumbered paragraphs taken as items",
             one=_PARAGRAPH + "在“{section}”部分的第一条之前，没有编号，已作为单独的一条；请在工作簿中核对。",
             all="“{section}”部分（" + _PARAGRAPH + "起）的各段都没有编号，已把每一段作为一条；请在工作簿中核对。"),
    _finding("I708", "import: a section heading repeated (its items appended to the section)",
             _PARAGRAPH + "再次出现“{section}”部分的标题，其后各条已接在前面同一部分的后面；请在工作簿中核对。"),
    _stops(_finding("I710", "import: not a document that can be read (empty, damaged, encrypted, too large, zip bomb …)",
                    empty="文件是空的（0 字节），可能没有保存成功；请重新保存后再导入。",
                    no_text="文档中没有文字，无法导入。",
                    unknown="文件不是 {suffix} 文档（内容无法识别），可能已损坏或只是改了扩展名；" + _REIMPORT,
                    damaged="文件已损坏，无法读取；" + _REIMPORT,
                    encrypted="文件已加密，请取消密码后再导入。",
                    large="文件大小 {size_mb:.1f} MB，超过上限 {limit_mb:g} MB，已拒绝读取。",
                    bomb="文件解压后的内容超出上限（疑似“压缩炸弹”），已拒绝读取。",
                    entities="文件中含有 XML 实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取；" + _REIMPORT,
                    workbook="这是一个 Excel 工作簿，不是文档，不需要导入：请把它直接放入输入文件夹，用 reporter validate 或 build 处理。",
                    binary="文件里有不是文字的内容，不是文本文件，无法按文本导入；请确认文件类型。",
                    encoding="无法识别文件的文字编码；请用记事本打开后“另存为” UTF-8 编码，再重新导入。")),
    _stops(_finding("I711", "import: .doc/.wps/.rtf/.odt need LibreOffice (missing, or the conversion failed)",
                    missing="{suffix} 文件要先用 LibreOffice 转换才能导入，但本机没有安装 LibreOffice。请先安装（Debian/Ubuntu）："
                            "sudo apt-get install {package}；或用 Word、WPS 把它另存为 .docx 后再导入。",
                    failed="用 LibreOffice 转换 {suffix} 文件失败（{reason}）；" + _REIMPORT)),
    _stops(_finding("I712", "import: a file type that cannot be imported",
                    "不能导入“{suffix}”格式的文件；可以导入 .docx、.doc、.wps、.rtf、.odt、.txt 和 .md 文件。"
                    "PDF 等格式请先另存为 .docx。")),
    _stops(_finding("I713", "import: the workbook exists (not overwritten without --force)",
                    "{path} 已存在，没有覆盖（其中可能已经填写了内容）；如确需覆盖，请加 --force 重新导入。")),
    _stops(_finding("I714", "import: the file could not be read or the workbook not written",
                    read="无法读取该文件（{reason}）。",
                    write="无法写入 {path}（{reason}）。")),
    _finding("I715", "import: two documents of one run name the same branch (numbered file name)",
             "本次导入的另一份文档（{other}）也是“{name}”的材料，本文件的工作簿另存为 {path}；请确认是否重复。"),
    # --- ours (E9xx) --------------------------------------------------------------
    _finding("E900", "internal error (the traceback goes to the log file)",
             "处理此工作簿时程序内部出错，其他工作簿不受影响。请把该文件转交负责汇总的管理员，由管理员把文件和日志发给维护人员。"),
)

CATALOGUE: Mapping[str, Finding] = MappingProxyType({f.code: f for f in _ALL})


@lru_cache(maxsize=None)
def _fields(code: str, variant: str) -> frozenset[str]:
    """A wording's field names, parsed once (a review writes tens of thousands of messages)."""
    return CATALOGUE[code].fields(variant)


def message(code: str, *, variant: str = "", sheet: str | None = None, cell: str | None = None,
            **fields: object) -> Message:
    """The finding ``code`` (wording ``variant``) about ``sheet``/``cell``, its template filled with ``fields``.

    Raises KeyError for an unknown code or variant and ValueError for a
    missing or unexpected field: both are bugs of the caller.
    """
    finding = CATALOGUE[code]
    needed = _fields(code, variant)
    values = {**fields, **{k: v for k, v in (("sheet", sheet), ("cell", cell)) if k in needed and v is not None}}
    missing = needed - values.keys()
    if missing:
        raise ValueError(f"{code}{'/' + variant if variant else ''} needs {sorted(missing)}")
    extra = fields.keys() - needed
    if extra:
        raise ValueError(f"{code}{'/' + variant if variant else ''} takes no {sorted(extra)}")
    text = finding.template(variant).format_map(values)
    return Message(finding.level, code, text, sheet, cell)


def listing(names: Iterable[str], total: int | None = None) -> str:
    """``a、b、c`` — and `` 等 N 个`` when ``total`` says there are more than listed."""
    names = list(names)
    more = f" 等 {total} 个" if total is not None and total > len(names) else ""
    return "、".join(names) + more


def markdown_table() -> str:
    """The README's code table (between ``<!-- codes:start -->`` and ``<!-- codes:end -->``)."""
    rows = [f"| {f.code} | {f.level} | {f.summary} |" for f in CATALOGUE.values()]
    return "\n".join(["| Code | Level | Meaning |", "|------|-------|---------|", *rows])
