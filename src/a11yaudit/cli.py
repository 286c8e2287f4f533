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


_GATE_FORMATS = click.Choice(["json", "junit", "sarif"])


def _gate_target_options(fn):
    """Options shared by `gate` and `baseline accept` (which pages, how they are rendered)."""
    opts = [
        click.argument("targets", nargs=-1, required=True),
        click.option("--base-url", default=None,
                     help="With '-': the URL the HTML read from standard input will be published at (relative "
                          "links and CSS resolve against it)."),
        click.option("--viewport", "viewports", multiple=True, type=VIEWPORT_CHOICES,
                     help="Viewport(s) to render (repeatable). Default: pc and sp."),
        click.option("--profile", default=None,
                     help="Rule profile (default: the site's in sites.yaml when a target belongs to one, else "
                          "jis2016); addons with '+': jis2016+gov-style."),
        click.option("--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True,
                     help="Seconds per page load."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _gate_options(ctx, targets, base_url, viewports, profile, timeout, baseline):
    from .gate import GateOptions
    return GateOptions(targets=list(targets), base_url=base_url,
                       viewports=list(dict.fromkeys(viewports)) or list(settings.DEFAULT_VIEWPORTS),
                       profile=profile, config=ctx.obj["config"], timeout=timeout, baseline=baseline,
                       db_url=ctx.obj["db"])


@cli.command("gate")
@_gate_target_options
@click.option("--baseline", default=None,
              help="Accepted findings: a YAML/JSON file (see `baseline accept`) or db:SITE (the latest finished "
                   "audit of SITE in the database).")
@click.option("--fail-on", type=click.Choice(["A", "AA", "AAA", "advisory", "none"]), default="AA", show_default=True,
              help="Fail on new failed findings on criteria of these levels (A = level A only; advisory = A/AA and "
                   "also axe-core best practices and smartphone readiness; none = never).")
@click.option("--format", "fmt", type=_GATE_FORMATS, default=None,
              help="Machine-readable result on stdout (or --output): json, junit or sarif (2.1.0).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write --format here.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the summary on stderr.")
@click.pass_context
def gate_cmd(ctx, targets, base_url, viewports, profile, timeout, baseline, fail_on, fmt, output, lang):
    """CI gate before publication: audit TARGET… (URLs, HTML files, or '-' = HTML on standard input with
    --base-url) and fail only on NEW findings at the --fail-on level.

    Exit codes: 0 passed; 1 new findings; 2 usage error, malformed baseline or HTML input; 3 Chromium could not
    start or crashed, or a target could not be loaded.
    """
    from . import gate
    if output and not fmt:
        raise ConfigError("--output needs --format json|junit|sarif", field="--output")
    opt = _gate_options(ctx, targets, base_url, viewports, profile, timeout, baseline)
    today = gate.today()
    targets_, ruleset, entries, loads, results = gate.gather(opt)
    res = gate.compare(targets_, loads, results, entries, ruleset=ruleset, fail_on=fail_on, today=today)
    click.echo(gate.summary_text(res, lang), err=True)
    if fmt:
        writer = {"json": gate.to_json, "junit": lambda r: gate.to_junit(r, lang),
                  "sarif": lambda r: gate.to_sarif(r, lang)}[fmt]
        gate.write_output(writer(res), output)
    sys.exit(res.exit_code)


@cli.command("serve-gate")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep it local: the server renders whatever it is sent).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--baseline", default=None, help="Baseline file, or db:SITE, applied to every request.")
@click.option("--profile", default=None, help="Profile when the base URL is not in a configured site.")
@click.option("--viewport", "viewports", multiple=True, type=VIEWPORT_CHOICES, help="Default viewports.")
@click.option("--concurrency", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Pages gated at once.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per page load.")
@click.pass_context
def serve_gate(ctx, host, port, baseline, profile, viewports, concurrency, timeout):
    """Warm CI gate for CMS integration: keeps Chromium and the rules loaded and gates posted HTML.

    POST /gate?base_url=URL[&viewport=pc][&fail_on=AA][&format=json|sarif|junit] with the page HTML as the body;
    the answer carries X-A11yaudit-Exit: 0 (passed) or 1 (new findings); 400 = bad input, 503 = not rendered.
    GET /health reports readiness.
    """
    from .gate_server import ServerOptions, serve
    opt = ServerOptions(config=ctx.obj["config"], db_url=ctx.obj["db"], baseline=baseline, profile=profile,
                        viewports=tuple(viewports) or tuple(settings.DEFAULT_VIEWPORTS), timeout=timeout,
                        concurrency=concurrency)

    def ready(address):
        click.echo(f"a11yaudit serve-gate: listening on http://{address[0]}:{address[1]}/gate", err=True)

    try:
        serve(opt, host=host, port=port, ready=ready)
    except KeyboardInterrupt:
        pass


@cli.group("baseline")
def baseline_group():
    """Baseline files of the CI gate: accepted findings, each with a reason and an optional expiry date."""


@baseline_group.command("accept")
@_gate_target_options
@click.option("--baseline", required=True, type=click.Path(dir_okay=False),
              help="The baseline file (YAML, or JSON when it ends in .json); created if missing.")
@click.option("--reason", default="", help="Why these findings are accepted (kept on existing entries).")
@click.option("--expires", default=None, help="YYYY-MM-DD: new entries stop counting after this date.")
@click.pass_context
def baseline_accept(ctx, targets, base_url, viewports, profile, timeout, baseline, reason, expires):
    """Record the current failed findings of TARGET… into the baseline file (merging: existing entries keep their
    reason and dates; entries of these pages that are no longer found are dropped)."""
    from pathlib import Path as _P

    from . import gate
    exp = None
    if expires:
        exp = gate._date(expires)
        if exp is None:
            raise ConfigError(f"must be a date YYYY-MM-DD, got {expires!r}", field="--expires")
    existing = gate.load_baseline_file(baseline) if _P(baseline).exists() else []
    opt = _gate_options(ctx, targets, base_url, viewports, profile, timeout, None)
    today = gate.today()
    targets_, ruleset, _, loads, results = gate.gather(opt)
    res = gate.compare(targets_, loads, results, existing, ruleset=ruleset, fail_on="AA", today=today)
    if res.load_errors:
        for row in res.load_errors:
            click.echo(f"a11yaudit: {row['location']} [{row['viewport']}]: {row['error']}", err=True)
        raise InfrastructureError("not every target could be loaded; the baseline was not changed")
    gated = {row["url"] for row in res.loads if row["ok"]}
    merged, stats = gate.merge_baseline(existing, res.findings, gated, set(opt.viewports), reason=reason,
                                        expires=exp, today=today)
    _P(baseline).parent.mkdir(parents=True, exist_ok=True)
    from .fsutil import atomic_write_text
    atomic_write_text(_P(baseline), gate.dump_baseline(merged, baseline))
    click.echo(f"{baseline}: {stats['added']} added, {stats['kept']} kept, {stats['dropped']} dropped (fixed), "
               f"{len(merged)} entries", err=True)
    click.echo(baseline)


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
