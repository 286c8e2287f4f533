"""The `a11yaudit` command (click): data on stdout; progress, logs and errors on stderr."""

from __future__ import annotations

import errno
import logging
import sys

import click

from . import __version__, settings
from .errors import A11yAuditError, ConfigError, InfrastructureError

VIEWPORT_CHOICES = click.Choice(sorted(settings.VIEWPORTS))


def _fail(exc: A11yAuditError) -> None:
    from .store.db import mask_url     # a password in any URL (--db, a Selenium Grid, a sitemap) is never shown
    click.echo(f"a11yaudit: error: {mask_url(str(exc))}", err=True)
    sys.exit(exc.exit_code)


# An OSError on a path the user named (-o, --reports-dir, --csv…) is bad input (exit 2); one the machine causes
# (a full disk, an I/O error, too many open files) is infrastructure (exit 3).
_PATH_ERRNOS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
                errno.EROFS, errno.ELOOP, errno.EEXIST, errno.EINVAL, errno.EXDEV}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def classify(exc: BaseException, db_url: str | None = None) -> A11yAuditError | None:
    """The A11yAuditError (exit 2 or 3) for an exception that is not one, so that nothing but a failed gate
    (or a failed `act`/`policy lint` comparison) ever exits 1: a traceback would exit 1 and CI would read it as
    "gate failed". None for the exceptions click handles itself."""
    if isinstance(exc, A11yAuditError):
        return exc
    if isinstance(exc, (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)):
        return None
    if isinstance(exc, BrokenPipeError):
        return None      # stdout closed by the reader (| head): click ends quietly, as before
    from .store.db import mask_url
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or str(exc)
        if exc.errno in _FULL_ERRNOS:
            return InfrastructureError(f"{where}ディスクの空きがありません — no space left on the device ({reason}); "
                                       "no half-written file was left: free some space and run the command again")
        if exc.errno in _PATH_ERRNOS and exc.filename:
            return ConfigError(f"書き込み・読み込みできないパスです — cannot use this path ({reason})",
                               file=str(exc.filename))
        return InfrastructureError(f"{where}{reason}")
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover
        SQLAlchemyError = ()  # type: ignore[assignment]
    import sqlite3
    if isinstance(exc, (SQLAlchemyError, sqlite3.Error)):
        orig = getattr(exc, "orig", None) or exc
        first = (str(orig).splitlines() or [type(orig).__name__])[0]
        db = f"database {mask_url(db_url)}" if db_url else "database"
        hint = ""
        if "malformed" in first or "not a database" in first:
            hint = " — データベースファイルが壊れています (the database file is damaged; restore it from a backup)"
        return InfrastructureError(mask_url(f"{db}: {first}{hint}"))
    return None


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except A11yAuditError as exc:
            _fail(exc)
        except Exception as exc:  # noqa: BLE001 - mapped to exit 2/3 below, never a traceback with exit 1
            mapped = classify(exc, (ctx.obj or {}).get("db"))
            if mapped is None and isinstance(exc, (click.exceptions.ClickException, click.exceptions.Exit,
                                                   click.exceptions.Abort, BrokenPipeError)):
                raise
            if mapped is None:
                # A bug: keep the traceback for the report, but exit 3 (infrastructure), not 1 (gate failed).
                import traceback
                traceback.print_exc(file=sys.stderr)
                mapped = InfrastructureError(f"internal error — 内部エラー ({type(exc).__name__}: {exc})")
            _fail(mapped)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="a11yaudit")
@click.option("--config", "-c", default=settings.DEFAULT_CONFIG, show_default=True, envvar="A11YAUDIT_CONFIG",
              help="sites.yaml to read.")
@click.option("--db", default=None, envvar="A11YAUDIT_DB",
              help=f"Database URL (SQLite file or postgresql://…). Default: {settings.DEFAULT_DB}")
@click.option("-v", "--verbose", count=True, help="More log output on stderr.")
@click.pass_context
def cli(ctx, config, db, verbose):
    """a11yaudit — JIS X 8341-3 アクセシビリティ・スマートフォン対応の自動チェック。

    Crawls a site, renders every page in headless Chromium at PC and smartphone widths, applies axe-core and
    the Japanese rule set, stores every result and writes reports.
    """
    logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"config": config, "db": settings.db_url(db)}


def _store(ctx):
    from .store.db import Store
    return Store(ctx.obj["db"])


from .cli_gate import register as _register_gate  # noqa: E402  (gate, serve-gate, baseline)

_register_gate(cli)


def _register_plans() -> None:
    from .cli_plans import scope_group, trend_cmd
    cli.add_command(trend_cmd)
    cli.add_command(scope_group)


_register_plans()

from .cli_audit import register as _register_audit  # noqa: E402  (audit, report, runs, prune)

_register_audit(cli)

from .cli_rules import register as _register_rules  # noqa: E402  (rules list/docs, check-config)

_register_rules(cli)

from .cli_eval import register as _register_eval  # noqa: E402  (act, eval)

_register_eval(cli)


from .cli_shiken import register as _register_shiken  # noqa: E402  (policy lint, sample, shiken)

_register_shiken(cli)

from .workspace.cli import register as _register_workspace  # noqa: E402  (serve, user)

_register_workspace(cli)


def main() -> None:
    cli(prog_name="a11yaudit")


if __name__ == "__main__":  # pragma: no cover
    main()
