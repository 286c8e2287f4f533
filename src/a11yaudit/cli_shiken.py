"""Commands for the policy and the 試験結果: `policy lint`, `sample` (JIS JB.1.2) and `shiken` (JB.3.1 report).

Registered on the main click group by cli.py (register(cli)); data on stdout, messages on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import settings
from .errors import ConfigError
from .fsutil import atomic_write_text


def _load_site(ctx, site_id: str | None):
    from .config import load_sites
    from .rules.standards import load_standards
    _, profiles = load_standards()
    sites_file = load_sites(ctx.obj["config"], known_profiles=set(profiles))
    site = sites_file.get(site_id) if site_id else sites_file.sites[0]
    return sites_file, site


def _store(ctx, must_exist: bool = False):
    from .store.db import Store
    url = ctx.obj["db"]
    if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return None
    return Store(url)


def _run_for(store, site, run_id: int | None) -> dict:
    if run_id is not None:
        run = store.get_run(run_id)
        if run["site_id"] != site.id:
            raise ConfigError(f"run {run_id} belongs to site {run['site_id']!r}, not {site.id!r}", field="--run")
        return run
    finished = [r for r in store.list_runs(site.id) if r["status"] == "finished"]
    if not finished:
        raise ConfigError(f"no finished audit of site {site.id!r} in the database; run `a11yaudit audit {site.id}` "
                          "first", field="SITE")
    return finished[-1]


def population(store, run_id: int) -> list[str]:
    """The sampling population: in-scope HTML pages the run audited, one URL per path: copies of one page that
    differ only in their query string (a form opened with ?id=…, a list with ?page=2) are one web page of the
    sample, represented by the URL without a query where there is one, else the first in order."""
    by_path: dict[str, str] = {}
    for url in sorted(p["url"] for p in store.run_pages(run_id)
                      if p["kind"] == "html" and p["scope"] == "in_scope" and p["state"] == "done"):
        key = url.split("#", 1)[0].split("?", 1)[0]
        if key not in by_path or "?" in by_path[key] and "?" not in url:
            by_path[key] = url
    return sorted(by_path.values())


def draw_and_store(store, site, run_id: int, *, method=None, n_random=None, seed=None, representative=()):
    from .discover.sampling import draw
    from .store.samples import get_sample, save_sample
    plan = site.policy.sampling
    pop = population(store, run_id)
    if not pop:
        raise ConfigError(f"run {run_id} audited no in-scope page, so there is nothing to sample", field="--run")
    sample = draw(pop, method=method or plan.method, n_random=plan.random if n_random is None else n_random,
                  seed=plan.seed if seed is None else seed, base_url=site.base_url, start_urls=site.start_urls,
                  named=list(plan.representative) + list(representative), max_representative=plan.max_representative)
    for url in sample.missing_representative:
        click.echo(f"a11yaudit: warning: representative page {url} is not an audited in-scope page of run {run_id}; "
                   "skipped", err=True)
    return get_sample(store, save_sample(store, run_id, sample))


def _print_pdf(html: str) -> bytes:
    """The browser's print of the 試験結果 (imported only when a PDF is asked for: it needs Playwright)."""
    from .gather.printing import print_pdf
    return print_pdf(html)


def _formats(formats: str) -> list[str]:
    from .report.shiken_export import FORMATS
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise ConfigError(f"unknown format {bad[0] if bad else formats!r}; choose from {', '.join(FORMATS)}",
                          field="--format")
    return chosen


def _sample_for(store, site, run: dict, sample_id: int | None) -> dict:
    """The stored sample asked for, else the run's latest, else one drawn now with the policy's settings."""
    from .store.samples import get_sample, latest_sample
    if sample_id is not None:
        sample = get_sample(store, sample_id)
        if sample["run_id"] != run["id"]:
            raise ConfigError(f"sample {sample_id} was drawn from run {sample['run_id']}, not {run['id']}",
                              field="--sample")
        return sample
    sample = latest_sample(store, run["id"])
    if sample is None:
        sample = draw_and_store(store, site, run["id"])
        click.echo(f"[{site.id}] run {run['id']}: no sample yet; drew sample {sample['id']} "
                   f"(method {sample['method']}, seed {sample['seed']})", err=True)
    return sample


def _human_verdicts(human_file: Path | None, site, run: dict, sample: dict, store=None) -> list:
    """The imported human test, checked against the report's criteria and the sampled pages, and stored with
    the run (an import of the same file again replaces it); then every stored verdict of the sample's pages."""
    from .report.human import load_human, report_criterion_ids, stored_human, to_stored
    from .report.shiken import criterion_numbers
    from .rules.standards import load_standards, parse_profile_spec
    if human_file is not None:
        all_criteria, profiles = load_standards()
        profile, _ = parse_profile_spec(run["profile"], profiles)
        ids = report_criterion_ids(site, run)
        imported = load_human(human_file, criteria=criterion_numbers(profile, ids, all_criteria),
                              tested_urls={p["url"] for p in sample["pages"]}, base_url=site.base_url)
        if store is None:
            return imported
        from .store.human import save_verdicts
        save_verdicts(store, run["id"], [to_stored(v) for v in imported], sample_id=sample["id"],
                      replace_source=Path(human_file).name)
    if store is None:
        return []
    return stored_human(store, site, run, sample)


def register(cli: click.Group) -> None:
    _register_policy(cli)
    _register_sample(cli)
    _register_shiken(cli)


def _register_policy(cli: click.Group) -> None:
    @cli.group("policy")
    def policy_group():
        """The ウェブアクセシビリティ方針 of each site (policy: in sites.yaml)."""

    @policy_group.command("lint")
    @click.argument("site_ids", nargs=-1)
    @click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
    @click.option("--no-db", is_flag=True, help="Do not compare a 準拠 claim with the latest audit in the database.")
    @click.pass_context
    def policy_lint(ctx, site_ids, strict, no_db):
        """Check the policy of SITE… (default: every site): a scope that cannot be decided from the URL, missing
        fields a published claim needs, phases already due, and a 準拠 claim contradicted by automated failures
        on in-scope pages of the latest audit. Errors exit 2 (file:line: field), warnings exit 0 (1 with --strict).
        """
        from .config import load_sites
        from .policy_lint import lint_policy
        from .rules.standards import load_standards
        _, profiles = load_standards()
        sites_file = load_sites(ctx.obj["config"], known_profiles=set(profiles))
        chosen = [sites_file.get(s) for s in site_ids] if site_ids else sites_file.sites
        store = None if no_db else _store(ctx, must_exist=True)
        issues = []
        for site in chosen:
            index = sites_file.sites.index(site)
            issues.extend(lint_policy(site, index, store=store))
        for issue in issues:
            click.echo(str(issue))
        errors = [i for i in issues if i.severity == "error"]
        warnings = [i for i in issues if i.severity == "warning"]
        click.echo(f"policy lint: {len(chosen)} sites, {len(errors)} errors, {len(warnings)} warnings", err=True)
        if errors:
            sys.exit(2)
        if warnings and strict:
            sys.exit(1)


def _register_sample(cli: click.Group) -> None:
    @cli.command("sample")
    @click.argument("site_id", required=False)
    @click.option("--run", "run_id", type=int, default=None, help="Audit run to sample (default: latest finished).")
    @click.option("--method", type=click.Choice(["a", "b", "c", "d"]), default=None,
                  help="JIS X 8341-3:2016 JB.1.2: a) all pages, b) random, c) representative, d) representative + "
                       "random. Default: policy.sampling.method, else d) above 100 in-scope pages and a) otherwise.")
    @click.option("--random", "n_random", type=click.IntRange(min=0), default=None,
                  help="Random pages for b) and d) (default: policy.sampling.random, else 40).")
    @click.option("--seed", type=click.IntRange(min=0), default=None,
                  help="Seed of the random draw (default: policy.sampling.seed, else a new one, stored).")
    @click.option("--representative", multiple=True,
                  help="A page (URL or path) to add to the representative pages (repeatable).")
    @click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write the selected URLs as CSV (UTF-8 with BOM) to this file.")
    @click.pass_context
    def sample_cmd(ctx, site_id, run_id, method, n_random, seed, representative, csv_path):
        """Select the pages of the human test from an audit run (JIS X 8341-3:2016 附属書JB.1.2) and store the
        population, seed and draw with the run. Prints the selected URLs (No., stratum, URL) on stdout."""
        from .discover.sampling import METHOD_LABELS
        from .report.shiken_export import sample_csv
        _, site = _load_site(ctx, site_id)
        store = _store(ctx)
        run = _run_for(store, site, run_id)
        sample = draw_and_store(store, site, run["id"], method=method, n_random=n_random, seed=seed,
                                representative=representative)
        counts = {s: sum(1 for p in sample["pages"] if p["stratum"] == s) for s in ("representative", "random")}
        click.echo(f"[{site.id}] run {run['id']} sample {sample['id']}: {METHOD_LABELS[sample['method']]}; "
                   f"{len(sample['pages'])} of {sample['population_size']} in-scope pages (代表 {counts['representative']}, "
                   f"ランダム {counts['random']}, seed {sample['seed']})", err=True)
        if csv_path:
            titles = {p["url"]: p["title"] for p in store.run_pages(run["id"])}
            atomic_write_text(csv_path, sample_csv(sample, titles), encoding="utf-8-sig")
            click.echo(str(csv_path), err=True)
        for i, p in enumerate(sample["pages"], 1):
            click.echo(f"{i}\t{p['stratum']}\t{p['url']}")


def _register_shiken(cli: click.Group) -> None:
    @cli.command("shiken")
    @click.argument("site_id", required=False)
    @click.option("--run", "run_id", type=int, default=None, help="Audit run (default: the latest finished).")
    @click.option("--sample", "sample_id", type=int, default=None,
                  help="Stored sample (default: the run's latest; drawn with the policy's settings if none).")
    @click.option("--human", "human_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Results of the human test (CSV or YAML): per criterion, optionally per page.")
    @click.option("--format", "formats", default="html,pdf,csv,json", show_default=True,
                  help="Comma-separated: html, pdf, csv, json.")
    @click.option("--no-icl", is_flag=True, help="Leave out the 実装チェックリスト.")
    @click.option("--reports-dir", type=click.Path(file_okay=False, path_type=Path),
                  default=settings.DEFAULT_REPORTS_DIR, show_default=True)
    @click.pass_context
    def shiken_cmd(ctx, site_id, run_id, sample_id, human_file, formats, no_icl, reports_dir):
        """Write the 試験結果 (JIS X 8341-3:2016 附属書JB.3.1): header fields, 達成基準チェックリスト with 適用 / 結果 /
        注記, the tested pages and their results, and the 実装チェックリスト, combining the automated results with
        the human test: the verdicts entered in the workspace and those of --human FILE (stored with the run). Files go to REPORTS_DIR/SITE/RUN/shiken/; their paths are printed on stdout."""
        from .report.shiken import build_shiken
        from .report.shiken_export import sample_csv, write_shiken
        from .rules.loader import load_rules
        chosen = _formats(formats)
        _, site = _load_site(ctx, site_id)
        store = _store(ctx)
        run = _run_for(store, site, run_id)
        sample = _sample_for(store, site, run, sample_id)
        human = _human_verdicts(human_file, site, run, sample, store)
        view = build_shiken(store, run["id"], sample, load_rules(), site, human=human, with_icl=not no_icl)
        out = Path(reports_dir) / site.id / str(run["id"]) / "shiken"
        written = write_shiken(view, out, chosen, print_pdf=_print_pdf)
        if "csv" in chosen:
            titles = {p["url"]: p["title"] for p in store.run_pages(run["id"])}
            p = out / "shiken-urls.csv"
            atomic_write_text(p, sample_csv(sample, titles), encoding="utf-8-sig")
            written.append(p)
        t = view["totals"]
        click.echo(f"[{site.id}] run {run['id']} sample {sample['id']}: 適合 {t['適合']}, 不適合 {t['不適合']}, "
                   f"要人手確認 {t['要人手確認']} ({len(human)} human verdicts)", err=True)
        for p in written:
            click.echo(str(p.resolve()))
