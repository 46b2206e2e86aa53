"""The project's small exception family.

Bad data in a workbook is never an exception: it is a :class:`Message`.
These are for problems that stop a whole command (exit status 2).
"""


class ReporterError(Exception):
    """A problem that stops the command; ``str(exc)`` is a Chinese sentence."""

    exit_code = 2


class ConfigError(ReporterError):
    """The configuration file is missing, malformed or contradictory."""


class UsageError(ReporterError):
    """A bad option or argument (missing INPUT_DIR, bad date …)."""


class LockedError(ReporterError):
    """OUTPUT_DIR is in use by another run."""
