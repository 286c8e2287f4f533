"""`a11yaudit trend` and `a11yaudit scope plan`: decisions from stored audits (no browser)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _store(ctx):
    from .store.db import Store
    return Store(ctx.obj["db"])


def _known_site(store, site_id: str) -> None:
    from .errors import ConfigError
    if store.site(site_id) is None:
        known = sorted({r["site_id"] for r in store.list_runs()})
        raise ConfigError(f"no runs for site {site_id!r} in {store.safe_url}"
                          + (f"; sites with runs: {', '.join(known)}" if known else "; the database has no runs yet"),
                          field="SITE")


@click.command("trend")
@click.argument("site_id", metavar="SITE")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="What to print on stdout.")
@click.option("--quarterly", is_flag=True, help="Group runs by quarter of the Japanese fiscal year (April–March); "
                                                 "each quarter is represented by its last finished run.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the HTML trend report (accessible charts with data tables) to this file.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the text and HTML output.")
@click.pass_context
def trend_cmd(ctx, site_id, fmt, quarterly, output, lang):
    """Trends across the finished audits of SITE: pages, in-scope pages, share with A/AA problems, failures per
    criterion, new / fixed / persisting findings, per site section."""
    from .report import trend as tr
    from .rules.loader import load_rules
    store = _store(ctx)
    _known_site(store, site_id)
    data = tr.build_trend(store, site_id, load_rules(), quarterly=quarterly, lang=lang)
    if output:
        from .report.plans_html import write_trend_html
        click.echo(str(write_trend_html(data, output).resolve()), err=True)
    if fmt == "json":
        click.echo(json.dumps(tr.to_json(data), ensure_ascii=False, indent=1, default=str))
    elif fmt == "csv":
        click.echo(tr.to_csv(data), nl=False)
    else:
        click.echo(tr.format_text(data), nl=False)


@click.group("scope")
def scope_group():
    """The policy scope: plan its expansion from audited pages outside it."""


@scope_group.command("plan")
@click.argument("site_id", metavar="SITE")
@click.option("--run", "run_id", type=int, default=None, help="Run to plan from (default: the latest finished).")
@click.option("--simulate", "prefix", default=None, metavar="PREFIX",
              help="Show the conformance picture with the pages under PREFIX (e.g. /archive/) added to the scope.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the HTML plan to this file.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the text and HTML output.")
@click.pass_context
def scope_plan_cmd(ctx, site_id, run_id, prefix, fmt, output, lang):
    """Rank the sections outside the policy scope by the estimated work to bring them in (distinct fixes, a
    template's problem counted once), with pages, pages with A/AA problems and the most frequent problems."""
    from .report import scopeplan as sp
    from .rules.loader import load_rules
    store = _store(ctx)
    _known_site(store, site_id)
    plan = sp.build_plan(store, site_id, load_rules(), run_id=run_id, simulate=prefix, lang=lang)
    if output:
        from .report.plans_html import write_plan_html
        click.echo(str(write_plan_html(plan, output).resolve()), err=True)
    if fmt == "json":
        click.echo(json.dumps(plan, ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(sp.format_text(plan), nl=False)
