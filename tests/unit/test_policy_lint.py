"""The policy block of sites.yaml: new fields, scope rules that cannot be decided from the URL, and the lint."""

import datetime as dt
import textwrap

import pytest
from click.testing import CliRunner

from a11yaudit.cli import cli
from a11yaudit.config import load_sites
from a11yaudit.discover.scope import EXCLUDED, IN_SCOPE, OUT_OF_SCOPE, ScopeClassifier
from a11yaudit.errors import ConfigError
from a11yaudit.policy import describe_scope, effective_policy
from a11yaudit.policy_lint import lint_policy
from a11yaudit.rules.model import FAILED, PASSED, Finding, RuleResult
from a11yaudit.store.db import Store

POLICY = textwrap.dedent("""\
    version: 1
    sites:
      - id: pref
        name: みどり県
        start_urls: ["https://www.pref.example.jp/"]
        policy:
          name: みどり県ウェブアクセシビリティ方針
          level: AA
          degree: 準拠
          statement_date: 2026-04-01
          technologies: [HTML, CSS, JavaScript]
          contact: 広報課
          scope:
            include: [{prefix: /, reason: 全体}]
            exclude:
              - {prefix: /archive/, reason: 旧ページ}
              - {type: pdf, reason: PDFは例外}
              - {external: maps.example.com, reason: 外部の地図サービス}
          exceptions:
            - {what: PDFファイル, reason: 大量, alternative: 問い合わせ先で案内}
          additional_criteria: ["2.1.3"]
          phases:
            - {name: 旧ページ, date: 2027-03-31, include: [{prefix: /archive/, reason: 移行}]}
          sampling: {method: d, random: 25, seed: 7, representative: [/bousai/]}
    """)


def load(text, tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(text, encoding="utf-8")
    return load_sites(path, known_profiles={"jis2016", "jis2010", "wcag22"})


def test_policy_fields_load(tmp_path):
    site = load(POLICY, tmp_path).sites[0]
    pol = site.policy
    assert pol.statement_date == dt.date(2026, 4, 1) and pol.technologies == ["HTML", "CSS", "JavaScript"]
    assert pol.exceptions[0].alternative == "問い合わせ先で案内" and pol.additional_criteria == ["2.1.3"]
    assert pol.phases[0].date == dt.date(2027, 3, 31) and pol.phases[0].include[0].prefix == "/archive/"
    assert (pol.sampling.method, pol.sampling.random, pol.sampling.seed) == ("d", 25, 7)
    # External services are excluded with their reason and never treated as part of the site.
    scope = ScopeClassifier(site)
    decision = scope.classify("https://maps.example.com/embed?x=1")
    assert (decision.status, decision.reason) == (EXCLUDED, "外部の地図サービス")
    assert scope.classify("https://sub.maps.example.com/a").reason == "外部の地図サービス"
    assert scope.classify("https://other.example.com/").status == OUT_OF_SCOPE
    assert scope.classify("https://www.pref.example.jp/archive/a.html").status == EXCLUDED
    # The policy in force after the phase's date brings /archive/ into the scope.
    later = dict(vars(site))
    later["policy"] = effective_policy(pol, dt.date(2027, 4, 1))
    assert ScopeClassifier(type(site)(**later)).classify("https://www.pref.example.jp/archive/a.html").status == IN_SCOPE
    assert effective_policy(pol, dt.date(2027, 3, 30)).exclude == pol.exclude
    lines = describe_scope(pol, site.base_url)
    assert "対象：https://www.pref.example.jp/ 以下（全体）" in lines and any("maps.example.com" in x for x in lines)


@pytest.mark.parametrize("old,new,line,field,words", [
    # A free-text scope ("pages outside the CMS") cannot be decided from the URL.
    ("{prefix: /archive/, reason: 旧ページ}", "{description: CMS以外のページ, reason: CMS外}", 16,
     "sites[0].policy.scope.exclude[0]", "decidable from the URL"),
    ("include: [{prefix: /, reason: 全体}]", "include: [CMS以外のページ]", 14,
     "sites[0].policy.scope.include[0].prefix", "cannot be decided from the URL"),
    ("{external: maps.example.com, reason: 外部の地図サービス}", "{external: 地図, reason: 地図}", 18,
     "sites[0].policy.scope.exclude[2].external", "host name"),
    ("include: [{prefix: /, reason: 全体}]", "include: [{external: maps.example.com, reason: x}]", 14,
     "sites[0].policy.scope.include[0].external", "only be excluded"),
    ('additional_criteria: ["2.1.3"]', 'additional_criteria: ["9.9.9"]', 21,
     "sites[0].policy.additional_criteria[0]", "unknown success criterion"),
    ("{what: PDFファイル, reason: 大量, alternative: 問い合わせ先で案内}", "{what: PDFファイル, reason: 大量}", 20,
     "sites[0].policy.exceptions[0].alternative", "required"),
    ("{name: 旧ページ, date: 2027-03-31,", "{name: 旧ページ, date: 来年,", 23,
     "sites[0].policy.phases[0].date", "YYYY-MM-DD"),
    ("statement_date: 2026-04-01", "statement_date: 2026/04/01", 10, "sites[0].policy.statement_date", "YYYY-MM-DD"),
    ("sampling: {method: d,", "sampling: {method: e,", 24, "sites[0].policy.sampling.method", "a, b, c, d"),
])
def test_bad_policy_names_file_line_and_field(tmp_path, old, new, line, field, words):
    assert old in POLICY
    with pytest.raises(ConfigError) as exc:
        load(POLICY.replace(old, new), tmp_path)
    err = exc.value
    assert err.file.endswith("sites.yaml") and (err.line, err.field) == (line, field), str(err)
    assert words in str(err)


def test_lint_errors_and_warnings(tmp_path):
    text = (POLICY.replace("{prefix: /archive/, reason: 旧ページ}", '{pattern: ".*", reason: 全部}')
            .replace("include: [{prefix: /, reason: 全体}]",
                     "include: [{prefix: /, reason: 全体}, {prefix: 'https://other.example.org/', reason: 別}]")
            .replace("degree: 準拠", "degree: 一部準拠").replace("      statement_date: 2026-04-01\n", ""))
    sites = load(text, tmp_path)
    issues = lint_policy(sites.sites[0], 0, today=dt.date(2027, 6, 1))
    by_field = {(i.severity, i.field): i for i in issues}
    err = by_field[("error", "sites[0].policy.scope.include[1].prefix")]
    assert err.line == 13 and "never decide" in err.message and str(err).startswith(f"{tmp_path / 'sites.yaml'}:13: ")
    assert ("error", "sites[0].policy.scope.exclude[0].pattern") in by_field
    assert ("warning", "sites[0].policy.degree") in by_field            # 一部準拠 without a deadline
    assert ("warning", "sites[0].policy.phases[0].date") in by_field    # phase already due
    assert ("warning", "sites[0].policy") in by_field                   # no 表明日
    assert not lint_policy(load(POLICY, tmp_path).sites[0], 0, today=dt.date(2026, 5, 1))


def _store_with_failure(db_url, site, scope):
    """A finished run with one audited page failing 1.1.1 (real store, real migrations)."""
    store = Store(db_url)
    run_id = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="4.12.1", tool_version="t",
                              source="crawl", artifacts_dir=None, config={})
    url = site.base_url + "/kurashi/"
    store.enqueue(run_id, [{"url": url, "kind": "html", "doc_type": None, "depth": 0, "found_via": "start",
                            "referrer": None, "scope": scope, "scope_reason": "", "state": "queued",
                            "skip_reason": None}])
    page_id = store.ids_for(run_id, [url])[url]
    results = [RuleResult("axe:image-alt", "pc", FAILED, ["1.1.1"],
                          [Finding("axe:image-alt", "pc", FAILED, "img", "<img>", "alt がない", criteria=["1.1.1"])]),
               RuleResult("JP05", "pc", PASSED, ["2.4.2"], n_passed=1)]
    store.record_page(run_id, site.id, page_id, "/kurashi/", {"state": "done"}, results, [])
    store.finish_run(run_id, "finished", {})
    return store


def test_conformance_claim_contradicted_by_the_latest_audit(tmp_path, db_url):
    site = load(POLICY, tmp_path).sites[0]
    store = _store_with_failure(db_url, site, "in_scope")
    issues = [i for i in lint_policy(site, 0, today=dt.date(2026, 5, 1), store=store)]
    assert len(issues) == 1 and issues[0].severity == "warning" and issues[0].field == "sites[0].policy.degree"
    assert "1 of 1 in-scope pages" in issues[0].message and "1.1.1 (1)" in issues[0].message
    assert "適切でない取組" in issues[0].message and issues[0].line == 9
    # The same failure on an excluded page does not contradict the claim.
    other = tmp_path / "b"
    other.mkdir()
    store2 = _store_with_failure(f"sqlite:///{other / 'b.sqlite'}", site, "excluded")
    assert not lint_policy(site, 0, today=dt.date(2026, 5, 1), store=store2)


def test_policy_lint_command_exit_codes(tmp_path):
    runner = CliRunner()
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(POLICY.replace("{prefix: /archive/, reason: 旧ページ}", "{note: CMS以外のページ, reason: x}"),
                   encoding="utf-8")
    res = runner.invoke(cli, ["--config", str(cfg), "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "policy", "lint"])
    assert res.exit_code == 2 and f"{cfg}:16: sites[0].policy.scope.exclude[0]: " in res.output
    assert "decidable from the URL" in res.output
    cfg.write_text(POLICY.replace("degree: 準拠", "degree: 配慮"), encoding="utf-8")
    res = runner.invoke(cli, ["--config", str(cfg), "policy", "lint", "--no-db"])
    assert res.exit_code == 0 and "sites[0].policy.degree: warning:" in res.output
    res = runner.invoke(cli, ["--config", str(cfg), "policy", "lint", "--no-db", "--strict"])
    assert res.exit_code == 1


def test_check_config_refuses_policy_errors(tmp_path):
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(POLICY.replace("{prefix: /archive/, reason: 旧ページ}", '{pattern: "", reason: 全部}'),
                   encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "check-config"])
    assert res.exit_code == 2
    assert f"{cfg}:16: sites[0].policy.scope.exclude[0].pattern: pattern '' matches every URL" in res.output
