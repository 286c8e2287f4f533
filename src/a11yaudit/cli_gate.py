"""Commands of the CI gate: `gate`, `serve-gate` and `baseline accept` (registered on the main group by cli.py)."""

from __future__ import annotations

import sys

import click

from . import settings
from .errors import ConfigError, InfrastructureError

VIEWPORT_CHOICES = click.Choice(sorted(settings.VIEWPORTS))
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
        click.option("--engine", type=click.Choice(["playwright", "selenium"]), default="playwright",
                     show_default=True,
                     help="Browser engine: playwright, or selenium (WebDriver: a local chromedriver, or --grid)."),
        click.option("--grid", default=None, metavar="URL",
                     help="Selenium Grid URL (http://host:4444); implies --engine selenium."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _gate_options(ctx, targets, base_url, viewports, profile, timeout, baseline, engine="playwright", grid=None):
    from .gate import GateOptions
    from .gather.engine import engine_overrides
    chosen = engine_overrides(engine, grid) if grid else {"engine": engine}
    return GateOptions(targets=list(targets), base_url=base_url,
                       viewports=list(dict.fromkeys(viewports)) or list(settings.DEFAULT_VIEWPORTS),
                       profile=profile, config=ctx.obj["config"], timeout=timeout, baseline=baseline,
                       db_url=ctx.obj["db"], engine=chosen["engine"], grid=chosen.get("grid"))



@click.command("gate")
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
def gate_cmd(ctx, targets, base_url, viewports, profile, timeout, engine, grid, baseline, fail_on, fmt, output,
             lang):
    """CI gate before publication: audit TARGET… (URLs, HTML files, or '-' = HTML on standard input with
    --base-url) and fail only on NEW findings at the --fail-on level.

    Exit codes: 0 passed; 1 new findings; 2 usage error, malformed baseline or HTML input; 3 Chromium could not
    start or crashed, or a target could not be loaded.
    """
    from . import gate
    if output and not fmt:
        raise ConfigError("--output needs --format json|junit|sarif", field="--output")
    opt = _gate_options(ctx, targets, base_url, viewports, profile, timeout, baseline, engine, grid)
    today = gate.today()
    targets_, ruleset, entries, loads, results = gate.gather(opt)
    res = gate.compare(targets_, loads, results, entries, ruleset=ruleset, fail_on=fail_on, today=today)
    click.echo(gate.summary_text(res, lang), err=True)
    if fmt:
        from .reporters import reporter
        gate.write_output(reporter(fmt)(res, lang), output)
    sys.exit(res.exit_code)


@click.command("serve-gate")
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


@click.group("baseline")
def baseline_group():
    """Baseline files of the CI gate: accepted findings, each with a reason and an optional expiry date."""


@baseline_group.command("accept")
@_gate_target_options
@click.option("--baseline", required=True, type=click.Path(dir_okay=False),
              help="The baseline file (YAML, or JSON when it ends in .json); created if missing.")
@click.option("--reason", default="", help="Why these findings are accepted (kept on existing entries).")
@click.option("--expires", default=None, help="YYYY-MM-DD: new entries stop counting after this date.")
@click.pass_context
def baseline_accept(ctx, targets, base_url, viewports, profile, timeout, engine, grid, baseline, reason,
                    expires):
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
    opt = _gate_options(ctx, targets, base_url, viewports, profile, timeout, None, engine, grid)
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


def register(cli: click.Group) -> None:
    cli.add_command(gate_cmd)
    cli.add_command(serve_gate)
    cli.add_command(baseline_group)
