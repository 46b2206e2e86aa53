"""reporter.toml: limits checked strictly, TOML and file errors explained in Chinese."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reporter.config import Limits, PdfSettings, load_config, toml_problem
from reporter.errors import ConfigError

ENGLISH_WORDS = re.compile(r"[A-Za-z]{4,}")  # "Unclosed", "Invalid", "document" …


def config_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "reporter.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


# ------------------------------------------------------------------ [limits] and [pdf] (issue 19 item 11)

BAD_LIMITS = [
    ("limits", "max_rows", "0.5", "配置项 limits.max_rows 应为正整数（例如 5000），现为 0.5。"),
    ("limits", "max_rows", "1e400", "配置项 limits.max_rows 应为正整数（例如 5000），现为 inf。"),
    ("limits", "max_rows", "nan", "配置项 limits.max_rows 应为正整数（例如 5000），现为 nan。"),
    ("limits", "max_rows", "0", "配置项 limits.max_rows 应为正整数（例如 5000），现为 0。"),
    ("limits", "max_rows", "-3", "配置项 limits.max_rows 应为正整数（例如 5000），现为 -3。"),
    ("limits", "max_rows", "true", "配置项 limits.max_rows 应为正整数（例如 5000），现为 true。"),
    ("limits", "max_rows", '"5000"', '配置项 limits.max_rows 应为正整数（例如 5000），现为 "5000"。'),
    ("limits", "max_columns", "99999999999", "配置项 limits.max_columns 的数值太大（最大 2147483647），现为 99999999999。"),
    ("limits", "max_file_mb", "1e400", "配置项 limits.max_file_mb 的数值太大（最大 2147483647），现为 inf。"),
    ("limits", "max_file_mb", "nan", "配置项 limits.max_file_mb 应为大于 0 的数（例如 20），现为 nan。"),
    ("limits", "max_file_mb", "-inf", "配置项 limits.max_file_mb 应为大于 0 的数（例如 20），现为 -inf。"),
    ("limits", "max_file_mb", "false", "配置项 limits.max_file_mb 应为大于 0 的数（例如 20），现为 false。"),
    ("limits", "max_seconds", "0", "配置项 limits.max_seconds 应为大于 0 的数（例如 120），现为 0。"),
    ("limits", "max_seconds", "1e12", "配置项 limits.max_seconds 是秒数，不能超过 86400（一天），现为 1000000000000.0。"),
    ("pdf", "timeout", "nan", "配置项 pdf.timeout 应为大于 0 的数（例如 180），现为 nan。"),
    ("pdf", "timeout", "1e400", "配置项 pdf.timeout 是秒数，不能超过 86400（一天），现为 inf。"),
    ("pdf", "timeout", "-1", "配置项 pdf.timeout 应为大于 0 的数（例如 180），现为 -1。"),
    ("pdf", "timeout", "true", "配置项 pdf.timeout 应为大于 0 的数（例如 180），现为 true。"),
]


@pytest.mark.parametrize(("section", "key", "value", "message"), BAD_LIMITS,
                         ids=[f"{s}.{k}={v}" for s, k, v, _ in BAD_LIMITS])
def test_bad_limits_are_refused_with_the_key_and_the_value(tmp_path, section, key, value, message):
    assert config_error(tmp_path, f"[{section}]\n{key} = {value}\n") == message


def test_good_limits_are_taken(tmp_path):
    path = tmp_path / "reporter.toml"
    path.write_text("[limits]\nmax_rows = 800\nmax_file_mb = 5\nmax_seconds = 0.5\n[pdf]\ntimeout = 60\n",
                    encoding="utf-8")
    config = load_config(path)
    assert config.limits == Limits(max_rows=800, max_file_mb=5.0, max_seconds=0.5)
    assert isinstance(config.limits.max_file_mb, float) and isinstance(config.limits.max_rows, int)
    assert config.pdf == PdfSettings(timeout=60.0)


def test_a_bad_limit_stops_build_with_exit_2(tmp_path):
    (tmp_path / "in").mkdir()
    config = tmp_path / "reporter.toml"
    config.write_text("[limits]\nmax_rows = 0.5\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "reporter", "build", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                          "--config", str(config)], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr == "错误：配置项 limits.max_rows 应为正整数（例如 5000），现为 0.5。\n"
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ TOML syntax (issue 19 item 13)

TOML_ERRORS = [
    ('categories = ["理论学习", "政治素质"\n', "第 2 行第 1 列（文件末尾）：列表的方括号“]”没有闭合，或列表项之间缺少英文逗号。"),
    ("default_theme = 专题组织生活会\n", "第 1 行第 17 列：值的写法不对（文字要用英文双引号括起来，例如 default_theme = \"专题组织生活会\"；"
                                  "列表用方括号，例如 categories = [\"理论学习\", \"政治素质\"]）。"),
    ('done_status = "已完成" statuses = ["已完成"]\n', "第 1 行第 21 列：一行只能写一个配置项，请在此处换行。"),
    ("[limits]\nmax_rows 100\n", "第 2 行第 10 列：配置项名称后面缺少等号“=”。"),
    ("[limits\nmax_rows = 100\n", "第 1 行第 8 列：配置节标题缺少右方括号“]”，例如 [limits]。"),
    ('default_theme = "a"\ndefault_theme = "b"\n', "第 2 行第 20 列：同一个配置项写了两次，请删除其中一个。"),
    ("[limits]\nmax_rows = 1\n[limits]\nmax_columns = 2\n", "第 3 行第 8 列：同一个配置节写了两次，请合并为一个。"),
    ('reference_doc = "C:\\红头\\模板.docx"\n', "第 1 行第 22 列：文字中的反斜杠“\\”用法有误（Windows 路径请改用单引号括起来，或把 \\ 写成 /）。"),
    ('default_theme = "专题\n', "第 1 行第 20 列：文字缺少结尾的英文双引号（一对引号中间不能换行）。"),
]


@pytest.mark.parametrize(("text", "where_and_why"), TOML_ERRORS,
                         ids=["unclosed-array", "bare-word", "two-on-a-line", "no-equals", "unclosed-section",
                              "key-twice", "section-twice", "backslash", "unterminated-string"])
def test_toml_errors_are_explained_in_chinese_with_line_and_column(tmp_path, text, where_and_why):
    message = config_error(tmp_path, text)
    assert message == f"配置文件 {tmp_path / 'reporter.toml'} 格式有误：{where_and_why}"
    explanation = re.sub(r"default_theme|categories|limits|Windows", "", message.split("格式有误：", 1)[1])
    assert not ENGLISH_WORDS.search(explanation)  # tomllib's English words are gone


# ------------------------------------------------------------------ the file itself

def test_a_folder_as_config_file_is_explained_in_chinese(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"无法读取配置文件 {tmp_path}：这是一个文件夹，不是文件。"


def test_missing_and_non_utf8_config(tmp_path):
    with pytest.raises(ConfigError, match="^找不到配置文件："):
        load_config(tmp_path / "无.toml")
    path = tmp_path / "gbk.toml"
    path.write_bytes('default_theme = "专题组织生活会"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="不是 UTF-8 编码，请另存为 UTF-8。$"):
        load_config(path)


# ------------------------------------------------------------------ every other refusal of parse_config (issue 13)

PLACES = "{上级党组织}、{会议主题}、{会议日期}、{支部书记}、{支部名称}"
BAD_VALUES = [
    ('title_template = "{支部名称"', "配置项 title_template 的格式有误（expected '}' before end of string），花括号请成对使用。"),
    ('preamble_template = "{未知}"', f"配置项 preamble_template 中的占位符 {{未知}} 无法识别，可用的有：{PLACES}。"),
    ('title_template = "{支部名称!r}"', f"配置项 title_template 中的占位符 {{支部名称}} 无法识别，可用的有：{PLACES}。"),
    ("categories = []", '配置项 categories 应为非空的文字列表，例如 categories = ["理论学习", "政治素质"]。'),
    ('categories = ["理论学习", 1]', '配置项 categories 应为非空的文字列表，例如 categories = ["理论学习", "政治素质"]。'),
    ('statuses = ["已完成", " 已完成 "]', "配置项 statuses 中有重复的值，请删除重复项。"),
    ('fonts = "仿宋"', "配置节 [fonts] 的格式有误。"),
    ('[fonts]\nbody_family = "仿宋"',
     "配置节 [fonts] 中的 body_family 无法识别，可用的有：title、heading、lead_in、body、latin、page_number。"),
    ('[fonts]\nbody = "  "', '配置项 fonts.body 应为非空文字，现为 "  "。'),
    ("[fonts]\nbody = 3", "配置项 fonts.body 应为非空文字，现为 3。"),
    ("[limits]\nmax_rows = [1]", "配置项 limits.max_rows 应为正整数（例如 5000），现为 [1]。"),
    ("[limits]\nmax_rows = {a = 1}", "配置项 limits.max_rows 应为正整数（例如 5000），现为 一个配置节。"),
    (f'[limits]\nmax_rows = "{"长" * 50}"', f'配置项 limits.max_rows 应为正整数（例如 5000），现为 "{"长" * 36}……。'),
    ("done_status = 1", "配置项 done_status 应为非空文字。"),
    ('default_theme = " "', "配置项 default_theme 应为非空文字。"),
    ('roster = ""', "配置项 roster 应为文件路径。"),
    ("reference_doc = 3", "配置项 reference_doc 应为文件路径。"),
    ('reference_styles = "yes"', "配置项 reference_styles 应为 true 或 false。"),
    ('theme = "专题"', "配置项 theme 无法识别，请检查拼写（参见 reporter.example.toml）。"),
    ('done_status = "已整改"', "配置项 done_status（已整改）必须是 statuses 中的一项。"),
]


@pytest.mark.parametrize(("text", "message"), BAD_VALUES, ids=[t.split("=")[0].strip() for t, _ in BAD_VALUES])
def test_every_bad_value_is_refused_with_its_own_message(tmp_path, text, message):
    assert config_error(tmp_path, text + "\n") == message


def test_a_reference_doc_that_is_not_there_is_named_with_its_full_path(tmp_path):
    message = config_error(tmp_path, 'reference_doc = "无此文件.docx"\n')
    assert message == f"配置项 reference_doc 指向的文件不存在：{tmp_path / '无此文件.docx'}"


def test_an_unreadable_config_file_gives_the_reason_in_chinese(tmp_path, monkeypatch):
    path = tmp_path / "reporter.toml"
    path.write_text('default_theme = "x"\n', encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"无法读取配置文件 {path}：") and not ENGLISH_WORDS.search(
        str(info.value).split("：", 1)[1])


def test_an_unknown_toml_problem_still_names_the_place():
    """A message tomllib may add one day: the place, and a general reason."""
    assert toml_problem("Something new (at line 3, column 2)", "a\nb\nc\n") == "第 3 行第 2 列：此处的写法不符合 TOML 格式。"
    assert toml_problem("Something new (at end of document)", "a = 1\nb") == "第 2 行第 2 列（文件末尾）：此处的写法不符合 TOML 格式。"
