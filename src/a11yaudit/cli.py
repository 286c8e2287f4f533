"""The `a11yaudit` command (click): data on stdout; progress, logs and errors on stderr."""

from __future__ import annotations

import errno
import json
import logging
import sys
from pathlib import Path

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


@cli.command()
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


@cli.command()
@click.argument("site_id", required=False)
@click.option("--run", "run_id", type=int, default=None, help="Run to report (default: the site's latest).")
@click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
              default=settings.DEFAULT_REPORTS_DIR, show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the HTML report (page content is shown as stored; finding messages in English"
                   " where the audit stored one).")
@click.option("--pages-per-file", type=click.IntRange(min=1), default=None, metavar="N",
              help="Per-page results in files of N pages when the run has more (default 250).")
@click.pass_context
def report(ctx, site_id, run_id, reports_dir, lang, pages_per_file):
    """Re-render the HTML report of a stored run from the database (no browser). Prints its path."""
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
    from .report.html import PAGES_PER_FILE
    click.echo(str(write_report(store, run_id, load_rules(), reports_dir, lang=lang,
                                pages_per_file=pages_per_file or PAGES_PER_FILE).resolve()))


@cli.group()
def rules():
    """Inspect the rule set (rules/*.yaml and axe-core's rules)."""


@rules.command("list")
@click.option("--profile", default=None, help="Only rules of this profile.")
@click.option("--engine", type=click.Choice(["all", "python", "axe"]), default="all", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
def rules_list(profile, engine, fmt, lang):
    """List rules with their code, success criteria, test method and title."""
    from .rules.loader import load_rules
    from .rules.loader import profile_ids
    from .rules.standards import parse_profile_spec
    rs = load_rules()
    chosen = rs.rules
    if profile:
        parse_profile_spec(profile)
        wanted = profile_ids(profile)
        chosen = [r for r in chosen if wanted & set(r.profiles)]
    if engine != "all":
        chosen = [r for r in chosen if r.engine == engine]
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "engine": r.engine, "criteria": r.requirements,
                                "techniques": r.techniques, "test_method": r.test_method, "title": r.title,
                                "profiles": r.profiles, "act_ids": r.act_ids} for r in chosen],
                               ensure_ascii=False, indent=2))
        return
    for r in chosen:
        click.echo(f"{r.code:<36} {','.join(r.requirements) or '-':<14} {r.test_method}  {r.title[lang]}")
    click.echo(f"{len(chosen)} rules (axe-core {rs.axe_version})", err=True)


@rules.command("docs")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (e.g. docs/rules.md) instead of stdout.")
def rules_docs(output):
    """Generate the rule documentation (Markdown) from the rule definitions."""
    from .rules.docs import render_rules_markdown
    from .rules.loader import load_rules
    text = render_rules_markdown(load_rules())
    if output:
        from .fsutil import atomic_write_text
        atomic_write_text(output, text)
        click.echo(str(output), err=True)
    else:
        click.echo(text)


def _page_counts(store, run_id: int) -> dict:
    """Pages audited (done) and failed to load (error) in the whole run, from the page rows: the stats stored with a
    run are those of the process that ended it, which after --resume counted its own part only."""
    counts = store.count_pages(run_id)
    return {"pages_done": counts.get("html:done", 0), "pages_error": counts.get("html:error", 0)}


@cli.command("runs")
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


@cli.command("prune")
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


@cli.command()
@click.pass_context
def check_config(ctx):
    """Validate sites.yaml and the rule files; exit 2 with file, line and field on the first error."""
    from .config import load_sites
    from .rules.loader import load_rules
    from .rules.standards import load_standards
    _, profiles = load_standards()
    sites_file = load_sites(ctx.obj["config"], known_profiles=set(profiles))
    rs = load_rules()
    from .policy_lint import lint_policy
    for i, site in enumerate(sites_file.sites):   # policy errors beyond the schema (`policy lint` also warns)
        errors = [x for x in lint_policy(site, i) if x.severity == "error"]
        if errors:
            raise ConfigError(errors[0].message, file=errors[0].file, line=errors[0].line, field=errors[0].field)
    for site in sites_file.sites:
        click.echo(f"{site.id}\t{site.name}\t{site.base_url}\t{site.profile}")
    click.echo(f"ok: {len(sites_file.sites)} sites, {len(rs.rules)} rules", err=True)


@cli.command("act")
@click.argument("corpus", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--axe-only", is_flag=True, help="Run axe-core alone through the same harness (for comparison).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--rule", "only_rules", multiple=True, help="Only this ACT rule id (repeatable).")
@click.option("--concurrency", type=click.IntRange(min=1, max=16), default=2, show_default=True)
@click.option("--include-deprecated", is_flag=True, help="Also run the deprecated ACT rules.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON result to this file.")
@click.option("--expected", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compare with the expected verdicts (YAML); exit 1 when a rule got worse or is inconsistent.")
@click.option("--update-expected", is_flag=True, help="Write this run's verdicts into --expected (keeps reasons).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def act_cmd(corpus, axe_only, fmt, only_rules, concurrency, include_deprecated, output, expected, update_expected,
            quiet):
    """W3C ACT Rules conformance: audit every ACT test case (served on 127.0.0.1) and judge each ACT rule.

    CORPUS is the folder with testcases.json (default: $A11YAUDIT_ACT_CORPUS, else ../shared/corpora/act).
    """
    from .act import format_text, run_act
    from .rules.loader import load_rules
    settings.pin_fonts()        # the verdicts of text-metric cases must not depend on the machine's other fonts
    corpus = corpus or settings.act_corpus()
    state = {"last": 0.0}

    def progress(done, total, res):
        import time
        now = time.monotonic()
        if not quiet and (now - state["last"] > 5 or done == total):
            state["last"] = now
            click.echo(f"act: {done}/{total} cases", err=True)

    report = run_act(corpus, load_rules(), axe_only=axe_only, concurrency=concurrency,
                     include_deprecated=include_deprecated, only_rules=set(only_rules) or None, progress=progress)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    if output:
        from .fsutil import atomic_write_text
        atomic_write_text(output, text)
    click.echo(text if fmt == "json" else format_text(report))
    if expected:
        import yaml

        from .act import compare_expected, merge_expected
        from .yamlsrc import load_yaml
        data = load_yaml(expected).data if expected.exists() else {}
        if update_expected:
            data = merge_expected(data or {}, report)
            header = ("# Expected W3C ACT Rules verdicts (a11yaudit act). tests/act/test_act_conformance.py fails when a\n"
                      "# rule's verdict gets worse. Every verdict other than consistent carries the reason it is accepted.\n"
                      "# Update: a11yaudit act [--axe-only] --expected tests/act/expected.yaml --update-expected\n")
            from .fsutil import atomic_write_text
            atomic_write_text(expected, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=110))
        problems = compare_expected(report, data or {}, report["engine"])
        for p in problems:
            click.echo(f"act: {p}", err=True)
        if problems:
            sys.exit(1)


@cli.command("eval")
@click.argument("corpus", type=click.Path(file_okay=False, exists=True, path_type=Path), default="tests/barriers")
@click.option("--profile", default="jis2016+gov-style", show_default=True,
              help="Rule profile the pages are judged with (the corpus also has 自治体表記 barriers for gov-style).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the whole result (per barrier, per page, every finding count) as JSON.")
@click.option("--check", "expected", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Expected results (tests/barriers/expected.yaml): exit 1 when a recorded barrier is found less "
                   "well, a clean twin has a failed finding, or a page could not be loaded.")
@click.option("--update-expected", is_flag=True, help="Write this run's results into the --check file.")
@click.option("--only", multiple=True, help="Only barriers with this id, criterion or category (repeatable).")
@click.option("--concurrency", type=click.IntRange(min=1, max=16), default=2, show_default=True)
@click.option("--fast", is_flag=True,
              help="Barrier pages get only the interaction passes (keyboard walk, layout, text resize, pixels, "
                   "phone) their truth's rules need; clean twins always get the full audit. Same recall, about a "
                   "third less time; other findings on missed elements may be fewer.")
@click.option("--brief", is_flag=True, help="Leave out the per-page list of the clean twins.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def eval_cmd(corpus, profile, lang, json_out, expected, update_expected, only, concurrency, fast, brief, quiet):
    """Recall on the barrier corpus: audit every barrier page and its clean twin (served on 127.0.0.1) and print
    recall per criterion and category, the missed barriers and the failed findings on clean twins."""
    import yaml

    from .evaluate import (compare_expected, dump_json, expected_from, format_text, improvements, load_truth,
                           run_eval)
    from .rules.loader import load_rules
    settings.pin_fonts()
    state = {"last": 0.0}

    def progress(done, total, res):
        import time
        now = time.monotonic()
        if not quiet and (now - state["last"] > 5 or done == total):
            state["last"] = now
            click.echo(f"eval: {done}/{total} pages", err=True)

    report = run_eval(corpus, load_rules(), profile=profile, concurrency=concurrency, only=set(only) or None,
                      fast=fast, progress=progress)
    if json_out:
        json_out.write_text(dump_json(report), encoding="utf-8")
    click.echo(format_text(report, lang, clean_details=not brief))
    if expected:
        data = yaml.safe_load(expected.read_text(encoding="utf-8")) if expected.exists() else {}
        if update_expected:
            header = ("# Barriers found by a11yaudit on the corpus (tests/barriers). `a11yaudit eval --check` fails when\n"
                      "# one is found less well (failed > cantTell > missed) or a clean twin fails. Regenerate with:\n"
                      "# a11yaudit eval tests/barriers --check tests/barriers/expected.yaml --update-expected\n")
            merged = expected_from(report, data, [b.id for b in load_truth(corpus)])
            expected.write_text(header + yaml.safe_dump(merged, allow_unicode=True, sort_keys=False, width=110),
                                encoding="utf-8")
        else:
            for line in improvements(report, data or {}):
                click.echo(f"eval: improved {line} (record it with --update-expected)", err=True)
            problems = compare_expected(report, data or {})
            for p in problems:
                click.echo(f"eval: {p}", err=True)
            if problems:
                sys.exit(1)


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


from .cli_shiken import register as _register_shiken  # noqa: E402  (policy lint, sample, shiken)

_register_shiken(cli)

from .workspace.cli import register as _register_workspace  # noqa: E402  (serve, user)

_register_workspace(cli)


def main() -> None:
    cli(prog_name="a11yaudit")


if __name__ == "__main__":  # pragma: no cover
    main()
