"""The HTML reports in English (`--lang en`): every marked UI string has a translation with the same placeholders,
no Japanese text is left unmarked in the report templates, and an English report of English page data contains no
Japanese at all."""

import ast
import dataclasses
import re
import string
import sys
from pathlib import Path

import pytest

from a11yaudit.config import DEGREES, load_sites
from a11yaudit.report.html import write_report
from a11yaudit.report.i18n import Translator, catalogue
from a11yaudit.report.model import ERROR_LABELS, SKIP_LABELS
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.model import CANT_TELL, FAILED, Finding, RuleResult
from a11yaudit.store.db import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reportlinks import links_resolve  # noqa: E402

PKG = Path(__file__).resolve().parents[2] / "src" / "a11yaudit"
TEMPLATES = ["_report_base", "_report_macros", "report", "report_part", "report_urls", "smartphone", "documents",
             "_plans_base", "_chart", "trend", "scope_plan"]
MARKED_PY = ["model.py", "smartphone.py", "plans_html.py", "trend.py", "scopeplan.py"]
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef]")
MARKED = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"')


def _marked() -> list[str]:
    ids = []
    for name in TEMPLATES:
        ids += MARKED.findall((PKG / "templates" / f"{name}.html.j2").read_text(encoding="utf-8"))
    for name in MARKED_PY:
        ids += re.findall(r'\bt\("((?:[^"\\]|\\.)*)"', (PKG / "report" / name).read_text(encoding="utf-8"))
    ids = [ast.literal_eval(f'"{i}"') for i in ids]          # "\\t" in the source is a tab in the message
    return ids + list(SKIP_LABELS.values()) + list(ERROR_LABELS.values()) + list(DEGREES)


def test_every_marked_string_has_an_english_translation_with_the_same_placeholders():
    en = catalogue("en")
    ids = _marked()
    assert len(set(ids)) > 120
    missing = sorted({i for i in ids if i not in en})
    assert not missing, missing
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    assert [k for k, v in en.items() if fields(k) != fields(v)] == []
    assert not [v for v in en.values() if JAPANESE.search(v)]
    unused = set(en) - set(ids)
    assert not unused, f"entries no template uses: {sorted(unused)}"


def test_no_japanese_text_is_left_unmarked_in_the_report_templates():
    for name in TEMPLATES:
        text = (PKG / "templates" / f"{name}.html.j2").read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        text = MARKED.sub("", text)
        left = [line.strip() for line in text.splitlines() if JAPANESE.search(line)]
        assert not left, (name, left)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown report language"):
        Translator("fr")


def test_english_report_of_english_pages_has_no_japanese(root, db_url, tmp_path):
    site = load_sites(root / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
    site = dataclasses.replace(site, name="Sample Prefecture")
    store = Store(db_url)
    run_id = store.create_run(site, profile="jis2016", viewports=["pc", "sp"], axe_version="4.12.1",
                              tool_version="t", source="crawl", artifacts_dir=None,
                              config={"policy": {"level": "AA", "standard": "JIS X 8341-3:2016", "degree": "準拠"}})
    store.enqueue(run_id, [{"url": f"http://sample.invalid/p{i}.html", "kind": "html", "doc_type": None, "depth": 1,
                            "found_via": "link", "referrer": None, "scope": "in_scope", "scope_reason": "",
                            "state": "queued", "skip_reason": None} for i in range(5)]
                  + [{"url": "http://sample.invalid/far/", "kind": "html", "doc_type": None, "depth": 9,
                      "found_via": "link", "referrer": None, "scope": "in_scope", "scope_reason": "",
                      "state": "skipped", "skip_reason": "depth"}])
    for n, row in enumerate(store.queued(run_id)):
        header = [Finding(rule="JP02", viewport=vp, outcome=FAILED, selector="header > img", snippet="<img>",
                          message="ロゴに代替テキストがありません", message_en="The logo has no text alternative",
                          criteria=["1.1.1"]) for vp in ("pc", "sp")]
        own = [Finding(rule="LY02", viewport="sp", outcome=CANT_TELL, selector="table", snippet="<table>",
                       message="横に広い表です", message_en="Wide table", criteria=["1.4.10"])] if n == 2 else []
        results = [RuleResult("JP02", vp, FAILED, ["1.1.1"], [f for f in header if f.viewport == vp])
                   for vp in ("pc", "sp")] + [RuleResult("LY02", "sp", CANT_TELL if own else "passed", ["1.4.10"], own)]
        store.record_page(run_id, site.id, row["id"], row["url"][len("http://sample.invalid"):],
                          {"state": "done", "title": f"Page {n}"}, results, [])
    out = write_report(store, run_id, load_rules(), tmp_path / "en", pages_per_file=2, lang="en").parent
    assert len(list(out.glob("pages-*.html"))) == 3 and links_resolve(out) > 20
    for f in out.glob("*.html"):
        html = f.read_text(encoding="utf-8")
        assert '<html lang="en">' in html
        assert not JAPANESE.findall(html), (f.name, sorted(set(JAPANESE.findall(html))))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Success criteria checklist (automated part)" in index and "Reflow" in index   # 1.4.10, beyond JIS 2016
    assert "Problems shared by several pages" in index and "link depth limit reached: 1" in index
    assert "The logo has no text alternative" in index                      # the stored English message
    assert "Wide table" in "".join(f.read_text(encoding="utf-8") for f in out.glob("pages-*.html"))
    ja = write_report(store, run_id, load_rules(), tmp_path / "ja", pages_per_file=2)
    ja_index = ja.read_text(encoding="utf-8")
    assert '<html lang="ja">' in ja_index and "複数のページに共通する問題" in ja_index
    assert "ロゴに代替テキストがありません" in ja_index and "The logo has" not in ja_index


def test_english_messages_of_our_rules_are_kept_beside_the_japanese_ones():
    from a11yaudit.rules.engine import _message
    rules = load_rules()
    jp03 = rules.get("JP03")
    ja = _message(jp03, {"title": "新しいページ", "why": "仮の語", "why_en": "a placeholder"})
    en = _message(jp03, {"title": "新しいページ", "why": "仮の語", "why_en": "a placeholder"}, "en", strict=True)
    assert "新しいページ" in ja and not ja.startswith("The page title")
    assert en.startswith('The page title "新しいページ" does not describe the page: a placeholder')
    no_en = dataclasses.replace(jp03, message={"ja": jp03.message["ja"]})
    assert _message(no_en, {"title": "x"}, "en", strict=True) is None       # no English: nothing stored
    assert _message(no_en, {"title": "x"}, "en") == _message(no_en, {"title": "x"})   # not strict: the Japanese one
    old_row = {"message": "ロゴに代替テキストがありません", "message_en": None}     # stored before migration 0009
    assert Translator("en").message(old_row) == old_row["message"]
    assert Translator("ja").message({**old_row, "message_en": "The logo"}) == old_row["message"]
    missing = [r.code for r in rules.python_rules("jis2016") if not r.message.get("en")]
    assert not missing, f"rules without an English message: {missing}"
