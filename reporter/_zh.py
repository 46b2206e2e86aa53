"""Chinese wording for the fixed texts of Click/Typer (help headings, usage errors).

Click translates these through ``gettext``; rather than shipping a message
catalogue we replace each module's ``_`` with a lookup in this table, so the
help and error texts read well to a Chinese user whatever the locale.
"""

from __future__ import annotations

import sys

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不需要值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "integer": "整数",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
}


def _translate(message: str) -> str:
    return ZH.get(message, message)


def install() -> None:
    """Point ``_`` of every loaded Click/Typer module at the Chinese table."""
    for name, module in list(sys.modules.items()):
        if (name == "click" or name.startswith("click.") or name.startswith("typer.")) and hasattr(module, "_"):
            if getattr(module, "_") is not _translate and callable(getattr(module, "_")):
                module._ = _translate  # type: ignore[attr-defined]


def install_typer() -> None:
    """Typer ≥ 0.24 vendors Click with a few literal English texts; word them in Chinese.

    Best effort: if Typer's internals move, the texts simply stay English.
    """
    try:
        from typer._click import decorators, formatting
    except ImportError:  # pragma: no cover - other Typer versions
        return
    original_help_option = decorators.help_option
    if getattr(original_help_option, "_zh", False):
        return

    def help_option(param_decls):
        wrap = original_help_option(param_decls)

        def apply(command):
            command = wrap(command)
            command.params[-1].help = ZH["Show this message and exit."]
            return command

        return apply

    help_option._zh = True  # type: ignore[attr-defined]
    decorators.help_option = help_option
    original_write_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        return original_write_usage(self, prog, args, "用法：" if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage
