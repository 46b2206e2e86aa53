"""The project's small exception family.

Bad data in a workbook is never an exception: it is a :class:`Message`.
These are for problems that stop a whole command (exit status 2).
"""


class ReporterError(Exception):
    """A problem that stops the command; ``str(exc)`` is a Chinese sentence."""

    exit_code = 2
    logged = False  # set on an instance once it is written to --log-file (not again by the CLI)


class ConfigError(ReporterError):
    """The configuration file is missing, malformed or contradictory."""


class UsageError(ReporterError):
    """A bad option or argument (missing INPUT_DIR, bad date …)."""


class LockedError(ReporterError):
    """OUTPUT_DIR is in use by another run."""


# The operating-system errors people meet, in Chinese (strerror is English
# whatever the locale).  Anything else keeps the system's own words.
_OS_REASONS = {
    "EACCES": "没有权限",
    "EPERM": "不允许此操作",
    "ENOENT": "文件或文件夹不存在",
    "EEXIST": "文件已存在",
    "EISDIR": "这是一个文件夹，不是文件",
    "ENOTDIR": "路径中的某一级不是文件夹",
    "EROFS": "文件系统是只读的",
    "ENOSPC": "磁盘空间已满",
    "EDQUOT": "超出磁盘配额",
    "EPIPE": "输出管道已关闭",
    "EIO": "输入输出错误（磁盘或网络存储故障）",
    "ENAMETOOLONG": "文件名太长",
    "EBUSY": "文件正被占用",
    "EMFILE": "同时打开的文件太多",
    "ENOTEMPTY": "文件夹不是空的",
    "EXDEV": "不能跨文件系统移动",
    "ELOOP": "符号链接层数太多（可能是循环链接）",
    "ETIMEDOUT": "操作超时",
    "ESTALE": "网络文件句柄已失效（共享可能已断开）",
    "EFBIG": "文件太大",
    "ENXIO": "设备不存在或未连接",
    "ENODEV": "设备不存在",
    "EINVAL": "参数无效（该位置可能不支持此操作）",
    "ETXTBSY": "文件正被程序使用",
}


def os_reason(exc: BaseException) -> str:
    """A Chinese phrase for an OSError (其他错误 with the system's words otherwise)."""
    import errno

    code = getattr(exc, "errno", None)
    name = errno.errorcode.get(code) if isinstance(code, int) else None
    if name in _OS_REASONS:
        return _OS_REASONS[name]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"系统错误：{text}"
