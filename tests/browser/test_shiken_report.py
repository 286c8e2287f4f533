"""The 試験結果 report of the sample site's audit: JB.1.2 sample, human-test import, HTML / PDF / CSV / JSON; the HTML
passes axe-core at PC and smartphone widths and the PDF carries the Japanese text in an embedded CJK font."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

ORIGIN = "http://sample.invalid"


def test_shiken_report_html_pdf_and_human_import(sample_audit, cli, axe_violations):
    tmp, db = sample_audit["tmp"], sample_audit["db"]
    run_id = sample_audit["run"]["id"]
    urls_csv = tmp / "sample-urls.csv"
    args = ("--db", db, "sample", "sample", "--run", str(run_id), "--method", "d", "--random", "5", "--seed", "42")
    first = cli(*args, "--csv", str(urls_csv))
    # Stored with the run: the stored population and seed redraw exactly the stored sample.
    from a11yaudit.discover.sampling import draw
    from a11yaudit.store.samples import latest_sample
    stored = latest_sample(sample_audit["store"], run_id)
    redraw = draw(stored["population"], method="d", n_random=5, seed=stored["seed"], base_url=ORIGIN,
                  start_urls=[ORIGIN + "/"], named=["/"])
    assert stored["seed"] == 42 and [p.url for p in redraw.pages] == [p["url"] for p in stored["pages"]]
    lines = [line.split("\t") for line in first.stdout.strip().splitlines()]
    assert lines[0][1:] == ["representative", ORIGIN + "/"] and sum(1 for x in lines if x[1] == "random") == 5
    rows = list(csv.reader(urls_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:4] == ["No.", "URL", "タイトル", "選択"] and [r[1] for r in rows[1:]] == [x[2] for x in lines]

    human = tmp / "human.yaml"
    human.write_text("version: 1\ntester: 試験 太郎\ndate: 2026-11-26\nverdicts:\n"
                     "  - {criterion: 1.2.1, applicability: 非適用}\n"
                     "  - {criterion: 2.4.5, result: 適合, note: サイトマップとサイト内検索}\n"
                     "  - {criterion: 1.3.1, url: /, result: 不適合, note: 表の見出しセルがない}\n", encoding="utf-8")
    out = cli("--db", db, "shiken", "sample", "--run", str(run_id), "--human", str(human),
              "--reports-dir", str(tmp / "shiken-reports"))
    files = {p.rsplit("/", 1)[-1]: p for p in out.stdout.split()}
    assert set(files) == {"shiken.html", "shiken.pdf", "shiken-checklist.csv", "shiken-pages.csv", "shiken.json",
                          "shiken-urls.csv"}

    view = json.loads(open(files["shiken.json"], encoding="utf-8").read())
    rows = {r["id"]: r for r in view["checklist"]}
    assert len(rows) == 38 and view["sample"]["method"] == "d" and view["sample"]["seed"] == 42
    assert view["sample"]["counts"]["random"] == 5 and view["run"]["axe_version"] == "4.12.1"
    assert (rows["1.2.1"]["applicability"], rows["1.2.1"]["result"], rows["1.2.1"]["note"]) == \
        ("非適用", "適合", "該当コンテンツなし")
    assert rows["2.4.5"]["result"] == "適合" and "human.yaml" in rows["2.4.5"]["source"]
    assert rows["1.3.1"]["result"] == "不適合"
    automated_only = [r for r in rows.values() if "人による試験" not in r["source"]]
    # Planted defects on the tested pages are 不適合 from automation alone; nothing automated is ever 適合.
    assert any(r["failed_pages"] for r in automated_only)
    # (a failure of an in-scope document also makes its criterion 不適合: failed_documents)
    assert all(r["result"] == ("不適合" if r["failed_pages"] or r["failed_documents"] else "要人手確認")
               for r in automated_only)
    assert all(r["source"] == "自動チェック" for r in automated_only if r["failed_pages"] and not r["failed_documents"])
    html = open(files["shiken.html"], encoding="utf-8").read()
    for text in ("表明日", "依存したウェブコンテンツ技術のリスト", "試験対象のウェブページを選択した方法",
                 "d) ウェブページ一式を代表するウェブページとランダムに選択したウェブページとを併せて選択する場合",
                 "達成基準チェックリスト", "実装チェックリスト", "axe-core 4.12.1", ORIGIN + "/kurashi/"):
        assert text in html, text

    from pypdf import PdfReader
    pdf = PdfReader(files["shiken.pdf"])
    # NFKC: CJK fonts map some glyphs to Kangxi radicals (⾃ U+2F83 for 自) in their ToUnicode tables.
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in pdf.pages))
    assert len(pdf.pages) >= 2
    for t in ("試験結果", "達成基準チェックリスト", "該当コンテンツなし", "みどり県", "自動チェック"):
        assert t in text, t
    # The glyphs are embedded (Chromium writes the Noto CJK subset as Type 3 glyph procedures or as a font file):
    # many distinct glyphs on page 1, where missing glyphs (tofu) would all be one .notdef box.
    fonts = [f.get_object() for f in (pdf.pages[0]["/Resources"].get("/Font") or {}).values()]
    glyphs = sum(len(f.get("/CharProcs") or {}) for f in fonts)
    embedded = [f for f in fonts if f.get("/CharProcs") or (f.get("/FontDescriptor") or {}).get("/FontFile2")
                or f.get("/DescendantFonts")]
    assert embedded and (glyphs > 100 or any(f.get("/DescendantFonts") for f in fonts)), (glyphs, len(fonts))

    html_path = Path(files["shiken.html"])
    problems = axe_violations(html_path.parent, [html_path.name])
    assert not problems, json.dumps(problems, ensure_ascii=False)
