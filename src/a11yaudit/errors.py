"""Error types shared by every stage; each maps to one of the CLI's exit codes (docs/usage.md, exit codes)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INFRA = 3


class A11yAuditError(Exception):
    """Base class: carries the exit code the CLI should use."""

    exit_code = EXIT_INFRA


class ConfigError(A11yAuditError):
    """A configuration or input file is invalid; names the file, line and field."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.file, self.line, self.field, self.detail = file, line, field, message
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        if field:
            where += f"{field}: "
        super().__init__(where + message)


class InfrastructureError(A11yAuditError):
    """The browser, network or database failed in a way the run cannot work around."""

    exit_code = EXIT_INFRA


class RunInterrupted(InfrastructureError):
    """The run cannot go on now but loses nothing: it is kept as `interrupted`, to be finished with --resume."""
