"""Commands for audits and their stored runs: `audit`, `report`, `runs` and `prune`.

Registered on the main click group by cli.py (register(cli)); data on stdout, progress and messages on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import settings
from .errors import ConfigError, InfrastructureError

VIEWPORT_CHOICES = click.Choice(sorted(settings.VIEWPORTS))


def register(cli: click.Group) -> None:
    for command in (audit, report, runs_cmd, prune_cmd):
        cli.add_command(command)


def _store(ctx):
    from .store.db import Store
    return Store(ctx.obj["db"])


@click.command()
@click.argument("site_ids", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Audit every site in sites.yaml (default: the first).")
@click.option("--profile", default=None,
              help="Rule profile: jis2016 (default), jis2010 or wcag22, plus addons with '+': jis2016+gov-style.")
@click.option("--viewport", "viewports", multiple=True, type=VIEWPORT_CHOICES,
              help="Viewport(s) to render (repeatable). Default: the site's, else pc and sp.")
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Page budget (overrides sites.yaml).")
@click.option("--max-depth", type=click.IntRange(min=0), default=None, help="Link depth (overrides sites.yaml).")
@click.option("--concurrency", type=click.IntRange(min=1, max=32), default=None,
              help="Pages rendered at once (overrides sites.yaml).")
@click.option("--engine", type=click.Choice(["playwright", "selenium"]), default=None,
              help="Browser engine: playwright (default) or selenium (WebDriver; overrides sites.yaml crawl.engine).")
@click.option("--grid", default=None, metavar="URL",
              help="Selenium Grid URL (http://host:4444) for the selenium engine; implies --engine selenium.")
@click.option("--resume", "resume_run", type=int, default=None, help="Finish an interrupted run.")
@click.option("--from-artifacts", "from_artifacts", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Re-evaluate saved artifacts (artifacts/<site>/<run>) without a browser.")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path),
              default=settings.DEFAULT_ARTIFACTS_DIR, show_default=True, help="Where artifacts are saved.")
@click.option("--no-artifacts", is_flag=True, help="Do not save artifacts to disk.")
@click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
              default=settings.DEFAULT_REPORTS_DIR, show_default=True)
@click.option("--no-report", is_flag=True, help="Store results only; write no report.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the HTML report (page content is shown as stored; finding messages in English"
                   " where the audit stored one).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.option("--full", is_flag=True,
              help="Audit every page again (default: pages unchanged since the last audit reuse its results).")
@click.option("--scheduler", default=None, envvar="A11YAUDIT_SCHEDULER", metavar="tcp://HOST:8786",
              help="Render pages on this Dask cluster's workers (overrides crawl.scheduler; docs/scale-out.md).")
@click.pass_context
def audit(ctx, site_ids, all_sites, profile, viewports, max_pages, max_depth, concurrency, engine, grid, resume_run,
          from_artifacts, artifacts_dir, no_artifacts, reports_dir, no_report, lang, quiet, scheduler, full):
    """Crawl, render, check, store and report one or more sites (default: the first site in sites.yaml).

    Prints the path of each HTML report on stdout.
    """
    import dataclasses

    if scheduler:      # sites.yaml values are checked when it is read
        from .dask_exec import check_scheduler_address
        check_scheduler_address(scheduler)
    from .audit import AuditOptions, reevaluate_artifacts, run_audit
    from .config import load_sites
    from .report.html import write_report
    from .rules.loader import load_rules
    from .rules.standards import load_standards, parse_profile_spec, profile_spec_string

    _, profiles = load_standards()
    sites_file = load_sites(ctx.obj["config"], known_profiles=set(profiles))
    if site_ids:
        chosen = [sites_file.get(s) for s in site_ids]
    elif all_sites:
        chosen = sites_file.sites
    else:
        chosen = sites_file.sites[:1]
    if (resume_run or from_artifacts) and len(chosen) != 1:
        raise ConfigError("--resume and --from-artifacts take exactly one site", field="SITE_IDS")
    from .gather.engine import engine_overrides
    engine_overrides(engine, grid)          # a bad --grid is a usage error before anything starts
    ruleset = load_rules()
    store = _store(ctx)
    for site in chosen:
        crawl = site.crawl
        overrides = {k: v for k, v in (("max_pages", max_pages), ("max_depth", max_depth),
                                       ("concurrency", concurrency)) if v is not None}
        overrides.update(engine_overrides(engine, grid))
        if overrides:
            site = dataclasses.replace(site, crawl=dataclasses.replace(crawl, **overrides))
        prof = profile_spec_string(*parse_profile_spec(profile or site.profile))
        options = AuditOptions(profile=prof, viewports=list(viewports) or site.viewports,
                               artifacts_root=artifacts_dir, save_artifacts=not no_artifacts, quiet=quiet,
                               scheduler=scheduler or site.crawl.scheduler, full=full)
        if from_artifacts:
            run_id = reevaluate_artifacts(site, store, ruleset, options, from_artifacts)
        else:
            run_id = run_audit(site, store, ruleset, options, resume=resume_run)
        run = store.get_run(run_id)
        stats = {**json.loads(run["stats_json"] or "{}"), **_page_counts(store, run_id)}   # a resumed run: all parts
        missing = stats.get("artifacts_missing_count", 0)
        click.echo(f"[{site.id}] run {run_id} {run['status']}: {stats.get('pages_done', 0)} pages, "
                   f"{stats.get('pages_error', 0)} failed to load, {stats.get('elapsed_s', 0)} s"
                   + (f", {missing} artifact files not written (成果物 {missing} 件を保存できず)" if missing else ""),
                   err=True)
        if site.keep_runs and run["status"] == "finished":
            from .retention import prune
            for row in prune(store, site.id, site.keep_runs):
                click.echo(f"[{site.id}] retention: pruned run {row['id']} ({row['bytes']} bytes)", err=True)
        if not no_report:
            click.echo(str(write_report(store, run_id, ruleset, reports_dir, lang=lang).resolve()))
        else:
            click.echo(str(run_id))
        if not from_artifacts and stats.get("pages_done", 0) == 0 and stats.get("pages_error", 0) > 0:
            raise InfrastructureError(f"no page of {site.id} could be loaded; see the report for each error")
        if not from_artifacts and stats.get("nothing_audited"):
            raise InfrastructureError(f"チェックできたページがありません — run {run_id} of {site.id} audited no page "
                                      "(nothing found or loaded); it is kept as failed and is not the site's "
                                      "latest audit")
        if missing:
            first = stats["artifacts_missing"][0]
            raise InfrastructureError(f"成果物 {missing} 件を保存できませんでした — run {run_id}: {missing} "
                                      f"artifact files could not be written (first: "
                                      f"{first['what']} of {first['url']}: {first['error']}); the pages' results "
                                      "are stored, the run's stats list the missing files (artifacts_missing)")


@click.command()
@click.argument("site_id", required=False)
@click.option("--run", "run_id", type=int, default=None, help="Run to report (default: the site's latest).")
@click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
              default=settings.DEFAULT_REPORTS_DIR, show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the HTML report (page content is shown as stored; finding messages in English"
                   " where the audit stored one).")
@click.option("--pages-per-file", type=click.IntRange(min=1), default=None, metavar="N",
              help="Per-page results in files of N pages when the run has more (default 250).")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "junit", "sarif"]), default="html",
              show_default=True,
              help="html: the report files (prints the index path); json, junit or sarif: the run's findings in the "
                   "gate's machine-readable formats (stdout or --output), classified at --fail-on against the "
                   "site's triage.")
@click.option("--fail-on", type=click.Choice(["A", "AA", "AAA", "advisory", "none"]), default="AA", show_default=True,
              help="With --format json/junit/sarif: which failed findings count as problems.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="With --format json/junit/sarif: write here instead of stdout.")
@click.pass_context
def report(ctx, site_id, run_id, reports_dir, lang, pages_per_file, fmt, fail_on, output):
    """Re-render the report of a stored run from the database (no browser): HTML (prints its path), or the run's
    findings as JSON, JUnit XML or SARIF through the same writers as the gate."""
    from .report.html import write_report
    from .rules.loader import load_rules
    store = _store(ctx)
    if run_id is None:
        if not site_id:
            runs = store.list_runs()
            if not runs:
                raise ConfigError("the database has no runs yet; run `a11yaudit audit` first", field="--run")
            run_id = runs[-1]["id"]
        else:
            latest = store.latest_run(site_id)
            if latest is None:
                raise ConfigError(f"no runs for site {site_id!r}", field="SITE_ID")
            run_id = latest["id"]
    if fmt != "html":
        _machine_report(store, run_id, fmt, fail_on, output, lang)
        return
    from .report.html import PAGES_PER_FILE
    click.echo(str(write_report(store, run_id, load_rules(), reports_dir, lang=lang,
                                pages_per_file=pages_per_file or PAGES_PER_FILE).resolve()))


def _machine_report(store, run_id: int, fmt: str, fail_on: str, output: str | None, lang: str) -> None:
    """The run's findings through the reporters seam (reporters/): the gate's JSON, JUnit XML and SARIF writers."""
    from .gate.baseline import today, triage_entries
    from .reporters.gate_formats import write_output
    from .reporters import reporter
    from .reporters.runs import run_result
    from .rules.loader import load_rules
    run = store.get_run(run_id)
    res = run_result(store, run_id, load_rules(), fail_on=fail_on, baseline=triage_entries(store, run["site_id"]),
                     today=today())
    write_output(reporter(fmt)(res, lang), output)


def _page_counts(store, run_id: int) -> dict:
    """Pages audited (done) and failed to load (error) in the whole run, from the page rows: the stats stored with a
    run are those of the process that ended it, which after --resume counted its own part only."""
    counts = store.count_pages(run_id)
    return {"pages_done": counts.get("html:done", 0), "pages_error": counts.get("html:error", 0)}


@click.command("runs")
@click.argument("site_id", required=False)
@click.pass_context
def runs_cmd(ctx, site_id):
    """List stored runs (id, site, status, start in Japan time, pages, artifacts on disk) as tab-separated lines."""
    import datetime as dt

    from .report.i18n import JST
    from .retention import dir_bytes, human, owned_artifacts
    store = _store(ctx)
    total = 0
    for run in store.list_runs(site_id):
        # Pages of the whole run from the database: the stored stats of a resumed run count its last part only.
        stats = _page_counts(store, run["id"])
        size = dir_bytes(owned_artifacts(run, store))
        total += size
        started = run["started_at"].replace(tzinfo=run["started_at"].tzinfo or dt.timezone.utc).astimezone(JST)
        click.echo(f"{run['id']}\t{run['site_id']}\t{run['status']}\t{started:%Y-%m-%d %H:%M} JST\t"
                   f"{stats.get('pages_done', '')}\t{run['profile']}\taxe {run['axe_version']}\t"
                   f"artifacts {human(size)}")
    click.echo(f"artifacts total: {human(total)}", err=True)


@click.command("prune")
@click.argument("site_id")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Runs to keep (default: the site's retention.keep_runs in sites.yaml).")
@click.option("--dry-run", is_flag=True, help="Only list what would be pruned.")
@click.pass_context
def prune_cmd(ctx, site_id, keep, dry_run):
    """Delete a site's old runs (rows and artifacts); the latest run is never touched."""
    from .retention import human, prune
    if keep is None:
        from .config import load_sites
        keep = load_sites(ctx.obj["config"]).get(site_id).keep_runs
        if keep is None:
            raise ConfigError("no --keep given and no retention.keep_runs for this site in sites.yaml",
                              field="--keep")
    pruned = prune(_store(ctx), site_id, keep, dry_run=dry_run)
    for row in pruned:
        click.echo(f"{'would prune' if dry_run else 'pruned'} run {row['id']} ({row['status']}): "
                   f"{human(row['bytes'])} of artifacts")
    click.echo(f"{len(pruned)} run(s), {human(sum(r['bytes'] for r in pruned))}", err=True)
