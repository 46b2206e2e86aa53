"""The command line's own texts in Chinese: help pages and usage errors.

Click (inside Typer) writes help pages and usage errors in English.  Rather
than patching its internals, the CLI

* gives every command a ``format_help`` of its own (:class:`ZhCommand`,
  :class:`ZhGroup`), built from the public attributes of the Click objects
  (``params``, ``opts``, ``help``, ``metavar``, ``default``), and
* runs the command with ``standalone_mode=False`` and turns the usage
  exceptions it raises into Chinese sentences with :func:`usage_message`,
  again from their public attributes (``option_name``, ``param``, ``ctx``).

Both work the same whether Typer uses the ``click`` package (Typer < 0.24)
or its own copy of Click (Typer ≥ 0.24): the exception classes are found
through ``typer.BadParameter``, which both export.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from typer.core import TyperCommand, TyperGroup

HELP_OPTION = "显示本帮助并退出。"
OPTIONS = "选项"  # the usage line's [选项]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _metavar(param) -> str:
    return param.metavar or param.name.upper()


def _option_name(param) -> str:
    names = ", ".join(sorted([*param.opts, *param.secondary_opts], key=lambda o: o.startswith("--")))
    if param.is_flag or param.count:
        return names
    return f"{names} {_metavar(param)}"


def _default(param) -> str:
    default = param.default
    if default is None or param.param_type_name == "option" and (param.is_flag or param.count):
        return ""
    if callable(default) or default == "" or isinstance(default, (list, tuple)) and not default:
        return ""
    return f"［默认：{default}］"


def _help(param) -> str:
    if param.param_type_name == "option" and param.name == "help":
        return HELP_OPTION
    text = " ".join((getattr(param, "help", None) or "").split())
    default = _default(param)
    return f"{text}{default}" if default else text


def _rows(title: str, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    width = min(max(_width(left) for left, _ in rows), 28)
    lines = ["", f"{title}："]
    for left, right in rows:
        if _width(left) > width:
            lines += [f"  {left}", f"  {' ' * width}  {right}"]
        else:
            lines.append(f"  {_pad(left, width)}  {right}".rstrip())
    return lines


def _paragraphs(text: str | None) -> list[str]:
    lines: list[str] = []
    for paragraph in (text or "").strip().split("\n\n"):
        if paragraph.strip():
            lines += ["", *("  " + line.strip() for line in paragraph.strip().splitlines())]
    return lines


def usage_line(command, ctx) -> str:
    pieces = [ctx.command_path, f"[{OPTIONS}]"]
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            pieces.append(_metavar(param) if param.required else f"[{_metavar(param)}]")
    return "用法：" + " ".join(pieces)


def _help_page(command, ctx, extra: list[str]) -> str:
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [(_metavar(p), _help(p)) for p in params if p.param_type_name == "argument"]
    options = [(_option_name(p), _help(p)) for p in params if p.param_type_name == "option"]
    lines = [usage_line(command, ctx), *_paragraphs(command.help),
             *_rows("参数", arguments), *_rows("选项", options), *extra]
    return "\n".join(lines) + "\n"


class ZhCommand(TyperCommand):
    """A Typer command whose help page is written here, in Chinese."""

    def format_help(self, ctx, formatter) -> None:
        formatter.write(_help_page(self, ctx, []))


class ZhGroup(TyperGroup):
    """The top-level group: its help page lists the commands in Chinese."""

    def format_help(self, ctx, formatter) -> None:
        commands = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                summary = (command.help or "").strip().split("\n")[0]
                commands.append((name, summary))
        page = _help_page(self, ctx, _rows("命令", commands))
        first, rest = page.split("\n", 1)
        formatter.write(f"{first} 命令 [参数]...\n{rest}")


# ------------------------------------------------------------------ usage errors


def _exceptions():
    """The exceptions module of the Click that Typer uses (``click`` or Typer's own copy)."""
    import typer

    return sys.modules[typer.BadParameter.__module__]


def _names(param) -> str:
    if param is None:
        return "参数"
    if param.param_type_name == "argument":
        return _metavar(param)
    return "/".join(sorted(param.opts, key=lambda o: o.startswith("--")))


def _expected(param) -> str:
    """What a value of ``param`` must look like, from its Click type."""
    type_ = getattr(param, "type", None)
    kind = getattr(type_, "name", "")  # "integer" / "int range" / "integer range" / "float" …
    low = getattr(type_, "min", None)
    if kind.startswith("int"):
        return f"不小于 {low} 的整数" if low is not None else "整数"
    if kind.startswith("float"):
        return "数字"
    return "有效的值"


def _find_option(command, name: str):
    for param in getattr(command, "params", ()):
        if param.param_type_name == "option" and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def usage_message(exc: BaseException, args: list[str], root) -> str | None:
    """A Chinese message for a usage exception of Click; None when ``exc`` is none.

    ``args`` are the command line's arguments, ``root`` the top-level Click group.
    """
    errors = _exceptions()
    if not isinstance(exc, errors.UsageError):
        return None
    ctx = exc.ctx
    typed = next((a for a in args if not a.startswith("-")), None)  # the command's name, as typed
    if ctx is not None:
        path, command = ctx.command_path, ctx.command
    elif typed in root.commands:  # errors of the option parser carry no context
        path, command = f"{root.name} {typed}", root.commands[typed]
    else:
        path, command = root.name, root
    if isinstance(exc, errors.NoSuchOption):
        text = f"{path} 没有选项 {exc.option_name}。"
        close = [p for p in (exc.possibilities or ()) if p != exc.option_name]
        if close:
            text += f"是不是要用 {'、'.join(sorted(close))}？"
    elif isinstance(exc, errors.BadOptionUsage):
        option = _find_option(command, exc.option_name)
        if option is not None and (option.is_flag or option.count):
            text = f"选项 {exc.option_name} 后面不能带值。"
        else:
            text = f"选项 {exc.option_name} 后面缺少值。"
    elif isinstance(exc, errors.MissingParameter):
        param = exc.param
        what = "参数" if param is None or param.param_type_name == "argument" else "选项"
        hint = " ".join((getattr(param, "help", None) or "").split())
        text = f"缺少{what}“{_names(param)}”" + (f"：{hint.rstrip('。')}。" if hint else "。")
    elif isinstance(exc, errors.BadParameter):
        param = exc.param
        what = "参数" if param is None or param.param_type_name == "argument" else "选项"
        text = f"{what} {_names(param)} 的值无效，应为{_expected(param)}。"
    elif isinstance(command, TyperGroup):  # "No such command" / "Missing command"
        text = f"没有命令 {typed}。" if typed else "缺少命令。"
        text += f"可用的命令：{'、'.join(command.commands)}。"
    else:  # "Got unexpected extra argument(s) (b c)": the only other usage error of a command
        extra = re.search(r"argument(?:s|\(s\))? \((.*)\)\s*$", exc.format_message())
        text = (f"多余的参数：{extra.group(1)}（路径中有空格时请加引号）。" if extra
                else "命令行的写法有误。")
    return f"{text}\n运行 {path} -h 查看用法。"


def is_abort(exc: BaseException) -> bool:
    """Click's / Typer's Abort (Ctrl-C while the command line is read)."""
    import typer

    return isinstance(exc, typer.Abort)
