"""Smartphone readiness on the sample site (the shared sample audit) and the text-resizing passes on a real page."""

from __future__ import annotations

import asyncio
import collections
import json
from pathlib import Path
import re

ORIGIN = "http://sample.invalid"
SP_RULES = ("SP01", "SP02", "SP03", "SP04", "SP05", "SP06", "SP07", "SP08", "SP09")


def _results(store, run_id):
    pages = {p["id"]: p["url"][len(ORIGIN):] for p in store.run_pages(run_id)}
    return pages, store.run_results(run_id)


def test_every_page_is_loaded_once_per_viewport(sample_audit):
    """All passes (layout, text resize, text spacing, phone, screenshot) reuse the page of their viewport."""
    run = sample_audit["run"]
    stats = json.loads(run["stats_json"])
    rendered = stats["pages_done"] + stats["pages_error"]
    assert rendered > 30
    assert stats["viewport_loads"] == 2 * rendered
    assert stats["timings"]["sp_screenshot_ms"] > 0


def test_smartphone_rules_ran_on_clean_pages_without_failures(sample_audit, manifest):
    """Not vacuous: every smartphone rule ran (no error) on the clean pages at its viewport and failed nowhere."""
    store, run = sample_audit["store"], sample_audit["run"]
    pages, results = _results(store, run["id"])
    clean = set(manifest["clean"])
    seen = {code: 0 for code in SP_RULES}
    for r in results:
        if r["rule"] in seen and pages[r["page_id"]] in clean:
            assert r["outcome"] not in ("error", "failed"), (pages[r["page_id"]], r["rule"], r["viewport"])
            seen[r["rule"]] += 1
    assert all(n >= len(clean) for n in seen.values()), seen
    passed = {(r["rule"]) for r in results if pages[r["page_id"]] in clean and r["outcome"] == "passed"}
    assert {"SP01", "SP02", "SP03", "SP05", "SP06", "SP07", "SP08"} <= passed


def test_parity_lists_what_the_smartphone_rendering_drops(sample_audit):
    store, run = sample_audit["store"], sample_audit["run"]
    pages, _ = _results(store, run["id"])
    sp08 = {}
    for f in store.run_findings(run["id"]):
        if f["rule"] == "SP08":
            sp08.setdefault(pages[f["page_id"]], []).append(f["message"])
    # CSS hides the attachment list on phones: both attachments, nothing else.
    hojo = sp08["/kurashi/sumai/hojo/"]
    assert len(hojo) == 2 and all("添付ファイル" in m for m in hojo)
    assert any("交付申請書" in m for m in hojo) and any("工事費内訳書" in m for m in hojo)
    # Phones are redirected to /sp/kenko/yobo/, which leaves out a section and its attachment.
    yobo = " ".join(sp08["/kenko/yobo/"])
    assert "接種後の注意" in yobo and "予防接種予診票" in yobo and "高齢者の肺炎球菌" not in yobo
    page = next(p for p in store.run_pages(run["id"]) if p["url"].endswith("/kenko/yobo/"))
    timings = json.loads(page["timings_json"])
    assert set(timings) == {"pc", "sp"}
    assert set(sp08) == {"/kurashi/sumai/hojo/", "/kenko/yobo/"}


def test_report_has_the_smartphone_section_with_outlined_screenshots(sample_audit):
    from PIL import Image

    from a11yaudit.gather.artifacts import page_key

    html = sample_audit["report"].read_text(encoding="utf-8")
    start, end = html.index('id="h-smartphone"'), html.index('id="h-pages"')
    section = html[start:end]
    assert html.index('id="h-checklist"') < start          # apart from the JIS 2016 checklist
    assert "WCAG 2.1 1.4.10" in section and "WCAG 2.2 2.4.11" in section and "WCAG 2.2 2.5.8" in section
    assert "WCAG 2.1 1.4.12" in section and "JIS 2016 1.4.4" in section and "JIS 2016 1.3.3" in section
    assert "気象警報・注意報" in section and "/kenko/yobo/" in section
    # Pictures are linked, not embedded (the index stays small), and copied next to the report.
    assert "data:image/jpeg;base64," not in html
    linked = re.findall(r'<a href="(screens/[0-9a-f]+\.jpg)">スマートフォン表示', section)
    assert linked and all((sample_audit["report"].parent / link).is_file() for link in linked)

    # Pictures only for pages with smartphone failures, with the offending element outlined in red.
    screens = sample_audit["run"]["artifacts_dir"] + "/screens"
    import os
    files = set(os.listdir(screens))
    assert f"{page_key(ORIGIN + '/bosai/keiho/')}.jpg" in files
    assert f"{page_key(ORIGIN + '/kurashi/sumai/hojo/')}.jpg" in files     # parity only: no outline, still a view
    assert f"{page_key(ORIGIN + '/')}.jpg" not in files                    # a clean page
    assert {Path(link).name for link in linked} <= files
    img = Image.open(os.path.join(screens, f"{page_key(ORIGIN + '/kanko/event/')}.jpg")).convert("RGB")
    assert img.size[0] == 390
    px = img.load()
    red = sum(1 for x in range(img.size[0]) for y in range(img.size[1])
              if px[x, y][0] > 170 and px[x, y][1] < 60 and px[x, y][2] < 70)
    assert red > 200, red


PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title>
<style>
.band { height: 24px; overflow: hidden; font-size: 16px; line-height: 24px; width: 600px; }
.em { height: 1.5em; overflow: hidden; font-size: 16px; line-height: 1.5; width: 600px; }
.two { height: 46px; overflow: hidden; font-size: 16px; line-height: 1.4; width: 600px; }
.free { font-size: 16px; }
</style></head><body><main>
<p class="band">px で高さを固定した帯</p>
<p class="em">em で高さを指定した帯</p>
<div class="two">1行目<br>2行目</div>
<p class="free" style="color: #222">高さを指定しない段落</p>
</main></body></html>"""


def test_text_resize_and_spacing_passes_find_clipping_and_undo_themselves(tmp_path, serve):
    from a11yaudit.gather.browser import Browser, collect_js
    from a11yaudit.gather.mobile import textfit_passes

    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    base = serve(tmp_path)

    async def go():
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        try:
            ctx = await browser.new_context("pc")
            page = await ctx.new_page()
            await page.goto(base + "/index.html")
            await page.evaluate(collect_js(), {"runAxe": False, "maxHtml": 1 << 20, "refine": False, "axeConfig": {}})
            nids = await page.evaluate("""() => Object.fromEntries(['.band', '.em', '.two', '.free'].map(
                (s) => [s, Number(document.querySelector(s).getAttribute('data-a11y-nid'))]))""")
            before = await page.evaluate("() => [document.querySelector('.free').getAttribute('style'), "
                                         "getComputedStyle(document.querySelector('.two')).lineHeight]")
            data = await textfit_passes(page)
            after = await page.evaluate("() => [document.querySelector('.free').getAttribute('style'), "
                                        "getComputedStyle(document.querySelector('.two')).lineHeight, "
                                        "document.querySelectorAll('#__a11y_spacing').length]")
            return nids, before, data, after
        finally:
            await browser.close()

    nids, before, data, after = asyncio.run(go())
    assert "error" not in data, data
    resized = {c[0] for c in data["text200"]["clipped"]}
    spaced = {c[0] for c in data["spacing"]["clipped"]}
    assert nids[".band"] in resized and nids[".two"] in resized       # px heights clip
    assert nids[".em"] not in resized and nids[".free"] not in resized  # em heights grow with the text
    assert spaced == {nids[".two"]}                                     # line height 1.5: 3 × 16 px > 46 px
    assert after == before + [0]                                         # inline styles and the sheet are undone


def test_text_passes_skip_a_document_without_html_body(tmp_path, serve):
    """An SVG document (ACT cases link some directly) has no body to resize: the pass says so, the checks stay
    silent instead of erroring (SP02/SP03 were `error` on the ACT corpus's SVG cases)."""
    from a11yaudit.checks.smartphone import text_resize_clip, text_spacing_clip
    from a11yaudit.gather.browser import Browser
    from a11yaudit.gather.mobile import textfit_passes

    (tmp_path / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
                                      '<text x="2" y="20">文字</text></svg>', encoding="utf-8")
    base = serve(tmp_path)

    async def go():
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        try:
            page = await (await browser.new_context("pc")).new_page()
            await page.goto(base + "/pic.svg")
            return await textfit_passes(page)
        finally:
            await browser.close()

    data = asyncio.run(go())
    assert data.get("skipped") == "no HTML body" and "error" not in data, data

    class Ctx:
        artifacts = {"textfit": data}

    assert list(text_resize_clip(Ctx(), None)) == [] and list(text_spacing_clip(Ctx(), None)) == []


def test_one_screenshot_per_distinct_smartphone_problem(tmp_path, cli):
    """A template-wide failure (a fixed-width header form overflowing at 320 px on every page) is photographed once;
    pages with exactly the same problems are one entry of the report with that picture; a page with another problem
    gets its own picture."""
    from a11yaudit.store.db import Store

    head = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width, initial-scale=1"><title>{t}</title></head><body>'
            '<header><form role="search" style="width: 360px"><label>検索 <input type="search"></label></form>'
            '</header><main><h1>{t}</h1><p>本文です。{b}</p></main></body></html>')
    site = tmp_path / "site"
    site.mkdir()
    links = "".join(f'<a href="/{n}.html">{n}</a> ' for n in ("a", "b", "c", "d"))
    (site / "index.html").write_text(head.format(t="トップ", b=links), encoding="utf-8")
    for n in ("a", "b", "c"):
        (site / f"{n}.html").write_text(head.format(t=f"ページ{n}", b=""), encoding="utf-8")
    (site / "d.html").write_text(head.format(t="ページd", b='<span style="display: block; width: 480px">'
                                                           '幅の広い説明文のブロックです。</span>'), encoding="utf-8")
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(f"version: 1\nsites:\n  - id: shots\n    serve: {site}\n    viewports: [pc, sp]\n"
                   "    crawl: {sitemaps: false, concurrency: 1}\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    # Contexts recycled every 2 loads (default 200): pictures are still taken from the page just audited.
    cli("--config", str(cfg), "--db", db, "audit", "-q", "--artifacts-dir", str(tmp_path / "art"),
        "--reports-dir", str(tmp_path / "rep"), timeout=300, env_extra={"A11YAUDIT_CONTEXT_PAGES": "2"})
    store = Store(db)
    run = store.list_runs("shots")[0]
    stats = json.loads(run["stats_json"])
    assert stats["pages_done"] == 5 and stats["contexts_recycled"] == 4     # at loads 3 and 5 of each viewport
    from a11yaudit.rules.smartphone import SMARTPHONE_RULES
    url = {p["id"]: p["url"].rsplit("/", 1)[-1] for p in store.run_pages(run["id"])}
    problems = collections.defaultdict(set)
    for f in store.run_findings(run["id"]):
        if f["viewport"] == "sp" and f["outcome"] == "failed" and f["rule"] in SMARTPHONE_RULES:
            problems[url[f["page_id"]]].add((f["rule"], f["selector"]))
    assert all(("LY02", "html > body > header > form") in problems[u] for u in ("", "a.html", "b.html", "c.html"))
    # a, b and c have the header problem only; d has its wide block too; the top page also has its row of links.
    assert problems["a.html"] == problems["b.html"] == problems["c.html"] != problems["d.html"]
    distinct = {frozenset(v) for v in problems.values()}
    shots = sorted((tmp_path / "art").glob("shots/*/screens/*.jpg"))
    assert len(shots) == len(distinct) < len(problems), (shots, problems)
    html = next((tmp_path / "rep").rglob("index.html")).read_text(encoding="utf-8")
    # One entry per problem with the pages it is on: the header's overflow is one entry for its 5 pages, with one
    # linked picture; no picture is embedded.
    groups = [g.split("</div>", 1)[0] for g in html.split('<div class="sp-group">')[1:]]
    header = [g for g in groups if "html &gt; body &gt; header &gt; form" in g and "LY02" in g]
    assert len(header) == 1 and "（5ページ）" in header[0], header
    assert len(re.findall(r'href="screens/[0-9a-f]+\.jpg"', header[0])) == 1, header[0]
    assert "data:image/jpeg;base64," not in html
    # An unchanged re-audit reuses every page without rendering it and keeps their pictures.
    cli("--config", str(cfg), "--db", db, "audit", "-q", "--artifacts-dir", str(tmp_path / "art"),
        "--reports-dir", str(tmp_path / "rep"), timeout=300)
    run2 = store.list_runs("shots")[-1]
    assert json.loads(run2["stats_json"])["pages_reused"] == 5
    shots2 = sorted((tmp_path / "art").glob(f"shots/{run2['id']}/screens/*.jpg"))
    assert [p.name for p in shots2] == [p.name for p in shots]
    html2 = (tmp_path / "rep" / "shots" / str(run2["id"]) / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="screens/[0-9a-f]+\.jpg"', html2) == re.findall(r'href="screens/[0-9a-f]+\.jpg"', html)


def test_focus_hidden_under_a_sticky_header_is_found_going_backward(tmp_path, serve):
    """SP05: Tab from the top brings links in at the bottom edge (under a fixed footer bar); Shift+Tab from the end
    brings them in at the top edge, under a sticky header. A header-only page fails only going backward; a page
    with scroll-padding-top as tall as the header passes."""
    from a11yaudit.gather.browser import Browser, collect_js
    from a11yaudit.gather.mobile import phone_pass

    def page(extra_css: str = "") -> str:
        links = "".join(f'<p class="row"><a class="l{i}" href="/p{i}">お知らせ{i}</a></p>' for i in range(30))
        return ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" '
                'content="width=device-width, initial-scale=1"><title>t</title><style>'
                'header { position: sticky; top: 0; height: 100px; background: #fff; z-index: 2 }'
                f'.row {{ height: 150px; margin: 0 }} {extra_css}</style></head><body><header>市のロゴ</header>'
                f'<main>{links}</main></body></html>')
    (tmp_path / "sticky.html").write_text(page(), encoding="utf-8")
    (tmp_path / "padded.html").write_text(page("html { scroll-padding-top: 110px }"), encoding="utf-8")
    base = serve(tmp_path)

    async def go():
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        try:
            ctx = await browser.new_context("sp")
            tab = await ctx.new_page()
            out = {}
            for name in ("sticky", "padded"):
                await tab.goto(f"{base}/{name}.html")
                await tab.evaluate(collect_js(), {"runAxe": False, "maxHtml": 1 << 20, "refine": False,
                                                  "axeConfig": {}})
                nids = await tab.evaluate("() => [...document.querySelectorAll('main a')].map("
                                          "(a) => Number(a.getAttribute('data-a11y-nid')))")
                header = await tab.evaluate("() => Number(document.querySelector('header')"
                                            ".getAttribute('data-a11y-nid'))")
                out[name] = (nids, header, await phone_pass(tab))
            return out
        finally:
            await browser.close()

    out = asyncio.run(go())
    nids, header, data = out["sticky"]
    assert "error" not in data and [s[0] for s in data["stuck"]] == [header], data
    hidden = {h[0]: h for h in data["focusHidden"]}
    # Going forward nothing is under the header; going backward every link scrolled up to is (the last ones on
    # the final screen are already in view). Deep links can only have been found by the backward walk.
    assert nids[20] in hidden and nids[0] in hidden and all(h[1] == header for h in hidden.values()), hidden
    assert len(hidden) >= 20
    assert out["padded"][2]["focusHidden"] == []


def test_text_spilling_over_other_text_is_found_and_intended_overlap_is_not(tmp_path, serve):
    """A box of fixed px height with overflow: visible: at 200 % text (and at 200 % zoom, where its text wraps onto
    more lines) its lines spill over the next paragraph — no clipping, but unreadable. A caption laid over text on
    purpose at 100 % is not reported; a box without a fixed height stays clean."""
    from a11yaudit.gather.browser import Browser, collect_js
    from a11yaudit.gather.interact import layout_passes
    from a11yaudit.gather.mobile import textfit_passes

    page = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>t</title><style>'
            'body { margin: 0; font-size: 16px } .fixed { height: 46px; width: 45%; line-height: 1.4 }'
            '.free { width: 45%; line-height: 1.4 } p { margin: 0 } .stack { position: relative; height: 30px }'
            '.stack span { position: absolute; left: 0; top: 0 }</style></head><body>'
            '<div class="fixed">お知らせ：年末年始の窓口の開設時間は、12月29日から1月3日まで休みとなります。'
            '</div><p class="after">次の段落の文章です。ここに重なってはいけません。</p>'
            '<div class="free">高さを指定しない案内：年末年始の窓口の開設時間は、12月29日から1月3日まで休みです。</div>'
            '<p class="after2">高さを指定しない案内の次の段落です。</p>'
            '<div class="stack"><span class="under">重ねた見出し</span><span class="over">重ねた見出し</span></div>'
            '</body></html>')
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    base = serve(tmp_path)

    async def go():
        browser = Browser(allowed_hosts={"127.0.0.1"})
        await browser.start()
        try:
            tab = await (await browser.new_context("pc")).new_page()
            await tab.goto(base + "/index.html")
            await tab.evaluate(collect_js(), {"runAxe": False, "maxHtml": 1 << 20, "refine": False, "axeConfig": {}})
            nids = await tab.evaluate("""() => Object.fromEntries(['.fixed', '.after', '.free', '.after2', '.under',
                '.over'].map((s) => [s, Number(document.querySelector(s).getAttribute('data-a11y-nid'))]))""")
            return nids, await textfit_passes(tab), await layout_passes(tab, 1280, 800)
        finally:
            await browser.close()

    nids, fit, layout = asyncio.run(go())
    assert "error" not in fit and "error" not in layout, (fit, layout)
    spilled = {(a, b): share for a, b, share in fit["text200"]["overlaps"]}
    assert spilled.get((nids[".fixed"], nids[".after"]), 0) >= 0.5, fit["text200"]
    # Only the fixed box's text spills (over the next paragraph, and further down); nothing between the free-height
    # blocks, and not the captions stacked on purpose at 100 %.
    assert {a for a, _ in spilled} == {nids[".fixed"]} and (nids[".under"], nids[".over"]) not in spilled
    zoomed = {(a, b) for a, b, _ in layout["zoom200"]["overlaps"]}
    assert (nids[".fixed"], nids[".after"]) in zoomed and (nids[".under"], nids[".over"]) not in zoomed
