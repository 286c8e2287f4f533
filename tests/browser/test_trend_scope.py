"""Trends across three audits of a changing copy of the sample site, and the scope-expansion plan.

The copy of examples/sample-site keeps the logical origin http://sample.invalid, so URLs (and fingerprints) match
across runs. Each audit renders the same 13 pages (start URLs, depth 0, PC only — lean). Between the runs:

run 1 → run 2  (site changed)
  fixed: /kurashi/shohi/ title 「無題ドキュメント」 (JP03, 1 finding); /kurashi/gomi/ alt="gomi_calendar.png" (JP02, 1)
  new:   page /kurashi/shinki/ (a copy of the clean /kurashi/sumai/ titled 「無題ドキュメント」: JP03, 1 finding);
         a template banner <img> without alt appended to the 4 pages under /archive/20xx/ (axe image-alt,
         4 findings, 1 fix). Not on /archive/ itself: its own <img> would then need a longer axe selector
         ('center > img' instead of 'img'), a different fingerprint — one fixed + one new that are not real.
run 2 → run 3  (/archive/ added to the scope; site changed)
  fixed: /kurashi/juminhyo/ 「氏　名」 → 「氏名」 (JP01, 1)
  gone:  /kanko/spot/ deleted (404): its findings are "not compared" — neither fixed nor persisting
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3

from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-site"

# The module fixture runs three audits (~15 s each on a quiet 2-core machine); generous under contention.
pytestmark = pytest.mark.timeout(1200)

ORIGIN = "http://sample.invalid"
BASE_PAGES = ["/", "/kurashi/", "/kurashi/gomi/", "/kurashi/juminhyo/", "/kurashi/shohi/", "/kanko/",
              "/kanko/spot/", "/kenko/kaigo/"]
ARCHIVE = ["/archive/", "/archive/2012/kisha01.html", "/archive/2012/kisha02.html", "/archive/2013/event.html",
           "/archive/2014/page01.html"]
ARCHIVE_FILES = ["archive/index.html", "archive/2012/kisha01.html", "archive/2012/kisha02.html",
                 "archive/2013/event.html", "archive/2014/page01.html"]
BANNER = '<img src="/archive/img/title_bar.png" class="tmpl-banner" width="300" height="40">'


def _config(path, site, pages, exclude_archive):
    exclude = "          - {prefix: /archive/, reason: 2015年以前に作成した旧ページ}\n" if exclude_archive else ""
    path.write_text(f"""version: 1
sites:
  - id: sample
    name: みどり県公式ホームページ（サンプル）
    serve: {site}
    origin: {ORIGIN}
    start_urls: {json.dumps(pages)}
    profile: jis2016
    viewports: [pc]
    crawl: {{max_pages: 50, max_depth: 0, delay: 0, concurrency: 1, obey_robots: true, sitemaps: false, timeout: 30}}
    policy:
      name: みどり県ウェブアクセシビリティ方針
      level: AA
      degree: 準拠
      scope:
        include:
          - {{prefix: /, reason: 全体}}
        exclude:
{exclude}          - {{type: pdf, reason: PDFは例外事項}}
""", encoding="utf-8")


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("trend")
    site = tmp / "site"
    shutil.copytree(SAMPLE, site)
    db = f"sqlite:///{tmp / 'trend.sqlite'}"
    cfg = tmp / "sites.yaml"

    def audit():
        cli("--config", str(cfg), "--db", db, "audit", "sample", "--no-artifacts", "--no-report", "-q", timeout=900)

    _config(cfg, site, BASE_PAGES + ARCHIVE, exclude_archive=True)
    audit()
    # run 2: two defects fixed, a new page with a defect, a template defect on every /archive/ page
    _edit(site / "kurashi/shohi/index.html", "<title>無題ドキュメント</title>", "<title>消費生活相談｜みどり県</title>")
    _edit(site / "kurashi/gomi/index.html", 'alt="gomi_calendar.png"', 'alt="ごみ収集カレンダー（2026年度）"')
    (site / "kurashi/shinki").mkdir()
    (site / "kurashi/shinki/index.html").write_text(
        (site / "kurashi/sumai/index.html").read_text(encoding="utf-8").replace(
            "<title>住まい・県営住宅｜みどり県</title>", "<title>無題ドキュメント</title>"), encoding="utf-8")
    for f in ARCHIVE_FILES[1:]:
        _edit(site / f, "</body>", BANNER + "\n</body>")
    _config(cfg, site, BASE_PAGES + ["/kurashi/shinki/"] + ARCHIVE, exclude_archive=True)
    audit()
    # run 3: /archive/ brought into the scope, one more fix, one page removed
    _edit(site / "kurashi/juminhyo/index.html", "<th scope=\"row\">氏　名</th>", "<th scope=\"row\">氏名</th>")
    shutil.rmtree(site / "kanko/spot")
    _config(cfg, site, BASE_PAGES + ["/kurashi/shinki/"] + ARCHIVE, exclude_archive=False)
    audit()
    from a11yaudit.store.db import Store
    store = Store(db)
    ids = [r["id"] for r in store.list_runs("sample")]
    assert len(ids) == 3
    return {"tmp": tmp, "db": db, "store": store, "ids": ids}


def _json(cli, runs, *args):
    return json.loads(cli("--db", runs["db"], *args, "--format", "json").stdout)


def _failed(store, run_id, path):
    pages = {p["id"]: p["url"][len(ORIGIN):] for p in store.run_pages(run_id)}
    return [f for f in store.run_findings(run_id) if pages[f["page_id"]] == path and f["outcome"] == "failed"]


def test_trend_counts_follow_the_changes(runs, cli):
    store, (r1, r2, r3) = runs["store"], runs["ids"]
    trend = _json(cli, runs, "trend", "sample")
    rows = {r["run"]: r for r in trend["runs"]}
    # pages: 13 audited, then the new page, then /kanko/spot/ fails to load (404)
    assert [rows[r]["audited"] for r in (r1, r2, r3)] == [13, 14, 13]
    assert [rows[r]["in_scope"] for r in (r1, r2, r3)] == [8, 9, 13]
    # A/AA problems (defects.yaml): run 1 gomi, juminhyo, shohi, spot, kaigo; run 2 shohi fixed, shinki added;
    # run 3 spot gone, the 5 /archive/ pages in scope (each has an A problem: /archive/ its own, the others the banner)
    assert [rows[r]["with_problems"] for r in (r1, r2, r3)] == [5, 5, 9]
    assert [rows[r]["problem_share"] for r in (r1, r2, r3)] == [62.5, 55.6, 69.2]
    assert rows[r1]["diff"] is None

    d2 = rows[r2]["diff"]
    assert (d2["new"], d2["fixed"]) == (1 + 4, 2)
    assert d2["persisting"] == rows[r1]["failed_findings"] - 2
    assert (d2["not_compared_before"], d2["not_compared_after"]) == (0, 0)
    assert sorted((f["url"][len(ORIGIN):], f["rule"]) for f in d2["fixed_items"]) == [
        ("/kurashi/gomi/", "JP02"), ("/kurashi/shohi/", "JP03")]
    assert sorted((f["url"][len(ORIGIN):], f["rule"]) for f in d2["new_items"]) == sorted(
        [("/kurashi/shinki/", "JP03")] + [(p, "axe:image-alt") for p in ARCHIVE[1:]])
    assert (d2["sections"]["/kurashi/"]["new"], d2["sections"]["/kurashi/"]["fixed"]) == (1, 2)
    assert (d2["sections"]["/archive/"]["new"], d2["sections"]["/archive/"]["fixed"]) == (4, 0)

    d3 = rows[r3]["diff"]
    spot = len(_failed(store, r2, "/kanko/spot/"))
    assert spot >= 2                       # image-alt and JP02 (defects.yaml)
    assert (d3["new"], d3["fixed"]) == (0, 1)           # the scope change creates no "new" finding
    assert d3["not_compared_before"] == spot and d3["not_compared_after"] == 0
    assert d3["persisting"] == rows[r2]["failed_findings"] - 1 - spot
    assert [(f["url"][len(ORIGIN):], f["rule"]) for f in d3["fixed_items"]] == [("/kurashi/juminhyo/", "JP01")]
    assert d3["sections"]["/kanko/"]["not_compared_before"] == spot and d3["sections"]["/kanko/"]["fixed"] == 0
    assert rows[r3]["sections"]["/archive/"]["in_scope"] == 5 and rows[r2]["sections"]["/archive/"]["in_scope"] == 0
    # every finding of the later run is persisting, new or not compared
    for r, d in ((r2, d2), (r3, d3)):
        assert d["persisting"] + d["new"] + d["not_compared_after"] == rows[r]["failed_findings"]
    # failures per criterion: 1.1.1 lost /kanko/spot/ and gained the 5 /archive/ pages; 2.4.2 only shinki is left
    # in scope besides the /archive/ pages with title defects
    assert rows[r3]["criteria"]["1.1.1"] == rows[r2]["criteria"]["1.1.1"] - 1 + 5
    assert rows[r2]["criteria"]["2.4.2"] == 1
    # ... and per section: every /archive/ page fails 1.1.1 (its own image / the banner) once in scope
    assert rows[r3]["sections"]["/archive/"]["criteria"]["1.1.1"] == 5
    assert rows[r2]["sections"]["/archive/"]["criteria"] == {}


def test_trend_matches_the_audit_report(runs):
    """The share and the failed-finding count are the audit report's own (build_report), run by run."""
    from a11yaudit.report.model import build_report
    from a11yaudit.report.trend import build_trend
    from a11yaudit.rules.loader import load_rules
    rs = load_rules()
    trend = build_trend(runs["store"], "sample", rs)
    for row in trend["runs"]:
        counts = build_report(runs["store"], row["run"], rs)["counts"]
        assert (row["audited"], row["in_scope"], row["with_problems"], row["problem_share"],
                row["failed_findings"]) == (counts["audited"], counts["audited_in_scope"], counts["with_problems"],
                                            counts["problem_share"], counts["failed_findings"])


def test_trend_text_csv_and_quarters(runs, cli):
    r1, r2, r3 = runs["ids"]
    text = cli("--db", runs["db"], "trend", "sample").stdout
    assert "62.5%" in text and "69.2%" in text and "/archive/" in text
    rows = list(csv.DictReader(io.StringIO(cli("--db", runs["db"], "trend", "sample", "--format", "csv").stdout)))
    site_rows = [r for r in rows if r["section"] == "*"]
    assert [(r["new"], r["fixed"]) for r in site_rows] == [("", ""), ("5", "2"), ("0", "1")]
    # The runs took minutes; place run 1 in March (fiscal 2025 Q4) in a copy of the database.
    copy = runs["tmp"] / "quarters.sqlite"
    shutil.copy(runs["tmp"] / "trend.sqlite", copy)
    con = sqlite3.connect(copy)
    con.execute("UPDATE runs SET started_at = '2026-03-20 01:00:00.000000' WHERE id = ?", (r1,))
    for hour, run in ((2, r2), (3, r3)):      # fixed dates: the labels must not depend on the day CI runs
        con.execute(f"UPDATE runs SET started_at = '2026-11-20 0{hour}:00:00.000000' WHERE id = ?", (run,))
    con.commit()
    con.close()
    q = json.loads(cli("--db", f"sqlite:///{copy}", "trend", "sample", "--quarterly", "--format", "json").stdout)
    quarters = q["periods"]
    assert [p["label"] for p in quarters] == ["令和7年度 第4四半期", "令和8年度 第3四半期"]
    assert [p["quarter_runs"] for p in quarters] == [[r1], [r2, r3]]
    d = quarters[1]["diff"]          # run 1 → run 3: 3 fixed, 5 new, /kanko/spot/ not compared
    assert (d["new"], d["fixed"]) == (5, 3)
    spot1 = len(_failed(runs["store"], r1, "/kanko/spot/"))
    assert d["not_compared_before"] == spot1


def test_scope_plan_ranks_and_simulates(runs, cli):
    r1, r2, r3 = runs["ids"]
    p1 = _json(cli, runs, "scope", "plan", "sample", "--run", str(r1))
    p2 = _json(cli, runs, "scope", "plan", "sample", "--run", str(r2), "--simulate", "/archive/")
    a1 = {s["section"]: s for s in p1["sections"]}["/archive/"]
    a2 = {s["section"]: s for s in p2["sections"]}["/archive/"]
    assert (a2["pages"], a2["audited"], a2["with_problems"]) == (5, 5, 5)
    # the banner added to 4 pages is 4 findings but one fix in the template
    assert a2["findings"] == a1["findings"] + 4
    assert a2["distinct_fixes"] == a1["distinct_fixes"] + 1 and a2["template_fixes"] == a1["template_fixes"] + 1
    assert any(t["rule"] == "axe:image-alt" and t["pages"] == 5 for t in a2["top_problems"])
    sim = p2["simulation"]
    assert (sim["before"]["pages"], sim["after"]["pages"]) == (9, 14)
    assert (sim["before"]["with_problems"], sim["after"]["with_problems"]) == (5, 10)
    assert sim["after"]["problem_share"] == 71.4
    crit = {r["id"]: r for r in sim["criteria"]}
    assert crit["1.1.1"]["delta"] == 5
    # run 3 has /archive/ in scope: nothing left outside, and simulating it is a usage error naming the option
    p3 = _json(cli, runs, "scope", "plan", "sample")
    assert p3["run"] == r3 and p3["sections"] == [] and p3["current"]["pages"] == 13
    bad = cli("--db", runs["db"], "scope", "plan", "sample", "--simulate", "/archive/", check=False)
    assert bad.returncode == 2 and "--simulate" in bad.stderr and "/archive/" in bad.stderr
    bad = cli("--db", runs["db"], "trend", "nosuchsite", check=False)
    assert bad.returncode == 2 and "nosuchsite" in bad.stderr
    bad = cli("--db", runs["db"], "scope", "plan", "sample", "--run", "9999", check=False)
    assert bad.returncode == 2 and "9999" in bad.stderr


def test_html_reports_pass_axe(runs, cli, axe_violations):
    out = runs["tmp"] / "html"
    r2 = runs["ids"][1]
    cli("--db", runs["db"], "trend", "sample", "-o", str(out / "trend.html"))
    cli("--db", runs["db"], "scope", "plan", "sample", "--run", str(r2), "--simulate", "/archive/", "-o",
        str(out / "plan.html"))
    trend_html = (out / "trend.html").read_text(encoding="utf-8")
    plan_html = (out / "plan.html").read_text(encoding="utf-8")
    for html in (trend_html, plan_html):
        assert '<svg role="img" aria-labelledby=' in html and "<desc id=" in html and "<table>" in html
        assert "準拠" in html and "判断できません" in html        # never claims conformance
    import datetime as dt

    from a11yaudit.report.metrics import JST
    from a11yaudit.report.trend import fiscal_quarter, quarter_label
    started = [r["started_at"] for r in runs["store"].list_runs("sample") if r["id"] == r2][0]
    started = started.replace(tzinfo=started.tzinfo or dt.timezone.utc).astimezone(JST)   # quarters in Japan time
    assert "62.5%" in trend_html and quarter_label(*fiscal_quarter(started)) in trend_html
    assert "/archive/" in plan_html and "71.4%" in plan_html

    # The same in English (--lang en): text, quarter labels and charts' text alternatives; only data stay Japanese.
    import re
    site_name = runs["store"].site("sample")["name"]
    text = cli("--db", runs["db"], "trend", "sample", "--quarterly", "--lang", "en", "-o",
               str(out / "trend-en.html")).stdout
    plan_text = cli("--db", runs["db"], "scope", "plan", "sample", "--run", str(r2), "--simulate", "/archive/",
                    "--lang", "en", "-o", str(out / "plan-en.html")).stdout
    assert "Trend by quarter" in text and "FY" in text and "Simulation: /archive/ added to the scope" in plan_text
    japanese = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    for name, heading in (("trend-en.html", "Share of pages with level A/AA problems"),
                          ("plan-en.html", "Sections easiest to bring into scope")):
        html = (out / name).read_text(encoding="utf-8")
        assert '<html lang="en">' in html and heading in html
        assert not japanese.findall(html.replace(site_name, "")), (name, set(japanese.findall(html.replace(site_name, ""))))
    assert not japanese.findall(text.replace(site_name, "")) and not japanese.findall(plan_text.replace(site_name, ""))

    problems = axe_violations(out, ["trend.html", "plan.html", "trend-en.html", "plan-en.html"])
    assert not problems, json.dumps(problems, ensure_ascii=False)
