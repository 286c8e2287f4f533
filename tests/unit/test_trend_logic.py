"""Trend and scope-plan logic on hand-built run facts (no browser): fiscal quarters, the new / fixed / persisting /
not-compared rules, template grouping of fixes, and escaping of page-derived text in the HTML."""

from __future__ import annotations

import datetime as dt

from a11yaudit.report.metrics import PageFacts, RunFacts, normalise_target
from a11yaudit.report.plans_html import plan_view, trend_view
from a11yaudit.report.scopeplan import remediation
from a11yaudit.report.trend import compare_runs, fiscal_quarter, quarter_label, trend_from_facts

ORIGIN = "http://x.invalid"


def test_fiscal_quarters_start_in_april():
    cases = {dt.date(2026, 4, 1): (2026, 1), dt.date(2026, 6, 30): (2026, 1), dt.date(2026, 7, 1): (2026, 2),
             dt.date(2026, 11, 27): (2026, 3), dt.date(2026, 12, 31): (2026, 3), dt.date(2027, 1, 1): (2026, 4),
             dt.date(2027, 3, 31): (2026, 4)}
    for d, expected in cases.items():
        assert fiscal_quarter(d) == expected, d
    assert quarter_label(2026, 3) == "令和8年度 第3四半期"
    assert quarter_label(2026, 3, "en") == "FY2026 Q3"
    assert quarter_label(2019, 1) == "令和元年度 第1四半期"
    assert quarter_label(2018, 4) == "平成30年度 第4四半期"


def _f(fp, viewport="pc", rule="image-alt", selector="img", snippet="<img>", criteria="1.1.1"):
    return {"fingerprint": fp, "viewport": viewport, "rule": rule, "selector": selector, "snippet": snippet,
            "criteria": criteria}


def _page(path, findings=(), state="done", scope="in_scope", problem=None):
    from a11yaudit.discover.urls import section_of
    url = ORIGIN + path
    findings = list(findings)
    p = PageFacts(url=url, path=path, section=section_of(url), scope=scope, state=state, title=path,
                  problem=bool(findings) if problem is None else problem,
                  failed_criteria={c for f in findings for c in f["criteria"].split(",")}, findings=findings,
                  problem_findings=list(findings))
    return p


def _run(run_id, pages, viewports=("pc",), started=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)):
    return RunFacts(run={"id": run_id, "started_at": started, "source": "crawl"}, profile_id="jis2016", level="AA",
                    viewports=list(viewports), profile_ids=set(), levels={"A", "AA"},
                    pages={p.url: p for p in pages})


def test_compare_runs_definitions():
    before = _run(1, [
        _page("/a/1.html", [_f("x"), _f("x"), _f("y")]),          # x twice: multiplicity counts
        _page("/a/2.html", [_f("z")]),                            # page fails to load later: not compared
        _page("/b/1.html", [_f("w")]),                            # page not linked any more: not compared
        _page("/b/2.html", state="error"),                        # seen but not audited before
    ], viewports=("pc", "sp"))
    after = _run(2, [
        _page("/a/1.html", [_f("x"), _f("v")]),                   # one x fixed, y fixed, v new
        _page("/a/2.html", state="error"),
        _page("/b/2.html", [_f("u")]),                            # not compared (not audited before)
        _page("/c/1.html", [_f("t"), _f("s", viewport="sp")]),    # a new page: its findings are new
        _page("/c/2.html", [_f("r", viewport="tablet")]),         # a viewport the earlier run did not render
    ], viewports=("pc", "sp", "tablet"))
    d = compare_runs(before, after)
    assert (d["persisting"], d["fixed"], d["new"]) == (1, 2, 3)
    assert (d["not_compared_before"], d["not_compared_after"]) == (2, 2)
    assert d["sections"]["/a/"]["fixed"] == 2 and d["sections"]["/b/"]["not_compared_before"] == 1
    assert d["sections"]["/c/"]["new"] == 2
    assert sorted(i["url"][len(ORIGIN):] for i in d["fixed_items"]) == ["/a/1.html", "/a/1.html"]
    # a viewport the later run does not render makes the earlier findings there not compared, not fixed
    d = compare_runs(_run(1, [_page("/a/1.html", [_f("q", viewport="sp")])], viewports=("pc", "sp")),
                     _run(2, [_page("/a/1.html")], viewports=("pc",)))
    assert (d["fixed"], d["not_compared_before"]) == (0, 1)


def test_template_problems_count_once():
    banner = dict(rule="image-alt", selector="header > img:nth-child(1)", snippet='<img  src="/logo.png">')
    pages = [_page(f"/s/{i}.html", [_f(f"b{i}", **banner), _f(f"b{i}sp", viewport="sp", **banner),
                                    _f(f"own{i}", selector=f"#p{i}", snippet=f"<img id=p{i}>")]) for i in range(4)]
    pages[2].findings[0]["selector"] = ".logo"          # axe's shortest unique selector differs per page
    rem = remediation(pages)
    assert rem["findings"] == 12
    assert rem["distinct"] == 1 + 4 and rem["shared"] == 1 and rem["shared_pages"] == 4
    assert normalise_target("div > p", "<P>\n a</p>") == normalise_target("#x", "<p> a</p>") == "html:<p> a</p>"
    assert normalise_target(" DIV  > p:nth-of-type(3)", "") == "css:div > p"


def test_html_escapes_page_derived_text():
    hostile = "/<script>alert(1)</script>/"
    before = _run(1, [_page(hostile + "a.html", [_f("x", selector="<img onerror=alert(1)>")])],
                  started=dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))
    after = _run(2, [_page(hostile + "a.html")])
    site = {"id": "s", "name": "<b>県</b>", "base_url": ORIGIN}
    trend = trend_from_facts(site, [before, after])
    assert [q["label"] for q in trend["quarters"]] == ["令和8年度 第1四半期", "令和8年度 第3四半期"]
    from a11yaudit.report.html import env
    html = env().get_template("trend.html.j2").render(**trend_view(trend), tool_version="t")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img onerror" not in html and "<b>県</b>" not in html
    plan = {"site": site, "run": 2, "run_started_at": None, "profile": "jis2016", "level": "AA",
            "audit_outside_scope": True, "current": {"pages": 1, "with_problems": 0, "problem_share": 0.0},
            "outside_total": 1, "simulation": None, "criteria_names": {},
            "sections": [{"rank": 1, "section": hostile, "pages": 1, "audited": 1, "not_audited": 0,
                          "with_problems": 1, "findings": 1, "distinct_fixes": 1, "template_fixes": 0,
                          "template_pages": 0, "share_after": 50.0,
                          "top_problems": [{"rule": "<i>r</i>", "title": "<u>t</u>", "pages": 1, "findings": 1,
                                            "criteria": ["1.1.1"]}]}]}
    html = env().get_template("scope_plan.html.j2").render(**plan_view(plan), tool_version="t")
    assert "<script>alert" not in html and "<u>t</u>" not in html and "<i>r</i>" not in html


def test_scope_plan_ranks_cheapest_first_and_simulates():
    from a11yaudit.errors import ConfigError
    from a11yaudit.report.scopeplan import plan_from_facts
    from a11yaudit.rules.loader import load_rules
    tmpl = dict(rule="image-alt", snippet='<img src="/t.png">')
    pages = [
        _page("/in/1.html", [_f("i1")]), _page("/in/2.html"),
        _page("/a/1.html", [_f("a1", selector="img", **tmpl)], scope="excluded"),       # one template fix
        _page("/a/2.html", [_f("a2", selector=".t", **tmpl)], scope="excluded"),
        _page("/b/1.html", [_f("b1", rule="label", selector="#x", snippet="<input id=x>", criteria="4.1.2"),
                            _f("b2", rule="label", selector="#y", snippet="<input id=y>", criteria="4.1.2"),
                            _f("b3", selector="#z", snippet="<img id=z>")], scope="out_of_scope"),
        *(_page(f"/c/{i}.html", scope="excluded") for i in (1, 2, 3)),
        _page("/d/1.html", state="error", scope="excluded"),
    ]
    site = {"id": "s", "name": "s", "base_url": ORIGIN}
    plan = plan_from_facts(site, _run(5, pages), load_rules(), simulate="/a/")
    order = [(s["section"], s["distinct_fixes"], s["with_problems"]) for s in plan["sections"]]
    assert order == [("/c/", 0, 0), ("/a/", 1, 2), ("/b/", 3, 1), ("/d/", 0, 0)]
    a = plan["sections"][1]
    assert (a["findings"], a["template_fixes"], a["template_pages"], a["share_after"]) == (2, 1, 2, 75.0)
    sim = plan["simulation"]
    assert (sim["before"]["pages"], sim["after"]["pages"]) == (2, 4)
    assert (sim["before"]["problem_share"], sim["after"]["problem_share"]) == (50.0, 75.0)
    assert [(r["id"], r["before"], r["after"], r["delta"]) for r in sim["criteria"]] == [("1.1.1", 1, 3, 2)]
    try:
        plan_from_facts(site, _run(5, pages), load_rules(), simulate="/in/")
    except ConfigError as exc:
        assert exc.field == "--simulate" and "/in/" in str(exc) and exc.exit_code == 2
    else:
        raise AssertionError("simulating an in-scope section must be refused")
