"""The document checks (src/a11yaudit/documents) on real files: the sample documents made by
scripts/make_sample_documents.py (Chromium print to PDF, Pillow, python-docx, openpyxl, python-pptx) with their
expected outcomes, the rules' examples, and hostile files (bombs, loops, entities, damage, timeouts, memory)."""

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

from a11yaudit.documents import DocumentChecker, Limits, check_document
from a11yaudit.documents.registry import DOCUMENT_CHECKS
from a11yaudit.errors import ConfigError
from a11yaudit.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[2]
UNFILLED = re.compile(r"\{[a-z_]+\}")


def _script():
    spec = importlib.util.spec_from_file_location("make_sample_documents",
                                                  ROOT / "scripts" / "make_sample_documents.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MSD = _script()


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    MSD.main([str(out)])
    expected = yaml.safe_load((out / "expected.yaml").read_text(encoding="utf-8"))
    with DocumentChecker() as checker:
        results = {name: checker.check(out / name) for name in expected}
    return out, expected, results


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    return out, MSD.make_hostile(out)


@pytest.mark.browser
def test_samples_get_their_expected_outcomes(samples):
    out, expected, results = samples
    assert len(expected) >= 20
    for name, want in expected.items():
        r = results[name]
        assert r.ok, f"{name}: {r.error_kind} {r.error}"
        assert r.kind == want["kind"], name
        got = {o.rule: o.outcome for o in r.outcomes}
        wrong = {rule: (outcome, got.get(rule)) for rule, outcome in want["outcomes"].items()
                 if got.get(rule) != outcome}
        assert not wrong, f"{name}: expected vs got {wrong}"
        for key in ("pages", "title", "lang"):
            if key in want:
                assert getattr(r, key) == want[key], f"{name}: {key}"
        if "min_pages" in want:
            assert r.pages >= want["min_pages"]
        for key, value in (want.get("facts") or {}).items():
            assert r.facts.get(key) == value, f"{name}: fact {key}"
        data = (out / name).read_bytes()
        assert r.size == len(data) and r.sha256 == hashlib.sha256(data).hexdigest()
        assert r.media_type and r.peak_rss_kb and r.elapsed_s > 0
        assert json.loads(json.dumps(r.to_dict(), ensure_ascii=False))["sha256"] == r.sha256   # storable as JSON


@pytest.mark.browser
def test_outcomes_carry_criteria_locations_and_both_languages(samples):
    _, _, results = samples
    rules = load_rules()
    seen = set()
    for name, r in results.items():
        for o in r.outcomes:
            rule = rules.get(o.rule)
            assert rule is not None and rule.engine == "document", o.rule
            seen.add(o.rule)
            assert o.criteria == rule.requirements and o.category == rule.category
            assert o.message and o.message_en and o.message != o.message_en, (name, o)
            for text in (o.message, o.message_en):
                assert not UNFILLED.search(text), f"{name} {o.rule}: placeholder left in {text!r}"
            if o.outcome == "failed":
                assert o.category == "conformance" and o.criteria
    # every document rule is exercised by some sample
    assert seen == {r.code for r in rules.rules if r.engine == "document"}
    scan = results["scan.pdf"]
    doc04 = next(o for o in scan.outcomes if o.rule == "DOC04")
    assert doc04.location == "p. 1, 2" and "スキャン" in doc04.message and "scan" in doc04.message_en
    assert scan.text["image_only_pages"] == [1, 2] and scan.text["glyphs"] == 0
    good = results["tagged-good.pdf"]
    assert good.facts["marked"] and good.facts["roles"]["Figure"] == 1 and good.text["script"]["kana"] > 50
    assert "子育て" in good.text["sample"] or "育て" in good.text["sample"]
    assert results["no-tounicode.pdf"].facts["fonts_without_unicode"]
    assert results["long-bookmarks.pdf"].facts["outline_items"] >= 22
    assert results["javascript.pdf"].facts["javascript_in"] == ["OpenAction"]
    assert results["encrypted-no-accessibility.pdf"].facts["permissions"]["accessibility"] is False
    assert results["tagged-good.pdf"].failures() == []


@pytest.mark.browser
def test_rule_examples_hold_on_the_samples(samples):
    _, _, results = samples
    for rule in load_rules().rules:
        if rule.engine != "document":
            continue
        assert rule.check in DOCUMENT_CHECKS
        for ex in rule.examples:
            got = results[ex["document"]].outcome_of(rule.code)
            assert got == ex["outcome"], f"{rule.code} on {ex['document']}: expected {ex['outcome']}, got {got}"


def test_document_rules_load_apart_from_page_rules():
    rs = load_rules()
    docs = [r for r in rs.rules if r.engine == "document"]
    assert len(docs) == 15 and all(r.code.startswith("DOC") for r in docs)
    assert not any(r.engine == "document" for r in rs.python_rules("jis2016"))     # never run on pages
    assert {r.code for r in docs if r.category == "best-practice"} == {"DOC07", "DOC24"}
    assert rs.get("DOC07").requirements == [] and "2.4.5" in rs.get("DOC07").related


def test_loader_refuses_a_document_rule_with_html_examples_or_unknown_check(root, tmp_path):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "checks" / "DOC01.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("check: pdf_tagged", "check: no_such_document_check"), encoding="utf-8")
    load_rules.cache_clear()
    with pytest.raises(ConfigError, match="no check named 'no_such_document_check'"):
        load_rules(str(rules))
    path.write_text(original.replace("- {document: untagged.pdf, outcome: failed}", "- {html: '<p>x</p>'}"),
                    encoding="utf-8")
    load_rules.cache_clear()
    with pytest.raises(ConfigError, match="document rule's example needs document"):
        load_rules(str(rules))
    load_rules.cache_clear()


@pytest.mark.parametrize("name", list(MSD.HOSTILE))
def test_hostile_file_gives_a_result_not_an_exception(hostile, name):
    out, table = hostile
    want = table[name]
    limits = Limits(timeout_s=30, **(want.get("limits") or {}))
    r = check_document(out / name, limits=limits)
    assert r.error_kind == want["error_kind"], f"{name}: {r.error_kind} {r.error}"
    if r.error_kind:
        assert r.error and r.outcomes == []
    else:
        assert r.outcomes, name
    for key, value in (want.get("facts") or {}).items():
        assert r.facts.get(key) == value, f"{name}: fact {key} = {r.facts.get(key)}"
    assert r.elapsed_s < 20


def test_damaged_file_reports_cant_tell_not_failed(hostile):
    out, _ = hostile
    r = check_document(out / "truncated.pdf")
    assert r.facts["repaired"] and r.facts["damaged_objects"]
    assert not r.failures()
    repaired = check_document(out / "broken-xref.pdf")      # only the xref was rebuilt: the checks stand
    assert repaired.facts["repaired"] and not repaired.facts["damaged_objects"]
    assert repaired.outcome_of("DOC01") == "failed"


def test_timeout_kills_the_worker_and_the_next_document_is_checked(hostile):
    out, _ = hostile
    checker = DocumentChecker(Limits(timeout_s=0.05))
    try:
        r = checker.check(out / "sources" / "plain.pdf")     # the worker cannot even start in 50 ms
        assert r.error_kind == "timeout" and "0.05" in r.error and r.sha256 and r.kind == "pdf"
        checker.limits.timeout_s = 30
        again = checker.check(out / "sources" / "plain.pdf")
        assert again.ok and again.outcome_of("DOC01") == "failed"
    finally:
        checker.close()


def test_memory_limit_stops_a_bomb_and_the_checker_goes_on(tmp_path, hostile):
    out, _ = hostile
    bomb = tmp_path / "bomb-300.pdf"
    MSD.hostile_pdf_bomb(bomb, inflated_mb=300)
    # the bomb check allowed up to 1 GB: inflating 300 MB must hit the 256 MB address-space cap instead
    with DocumentChecker(Limits(memory_mb=256, max_stream_bytes=1 << 30, timeout_s=60)) as checker:
        r = checker.check(bomb)
        assert r.error_kind in ("memory", "crash"), (r.error_kind, r.error)
        after = checker.check(out / "sources" / "plain.pdf")
        assert after.ok and after.outcomes


def test_large_pdf_memory_stays_bounded(tmp_path):
    path = tmp_path / "large.pdf"
    pages = MSD.make_large_pdf(path, 40)
    size = path.stat().st_size
    r = check_document(path)
    assert r.ok and r.pages == pages and size > 35 << 20
    assert r.peak_rss_kb * 1024 < 100 << 20, f"peak {r.peak_rss_kb} KB on a {size >> 20} MB PDF"
    # page numbers only over full-page images: a scan
    assert r.outcome_of("DOC04") == "failed" and r.text["image_only_count"] == pages
    doc04 = next(o for o in r.outcomes if o.rule == "DOC04")
    assert doc04.details["variant"] == "all" and str(pages) in doc04.message


def test_missing_and_unsupported_files(tmp_path):
    r = check_document(tmp_path / "nothing.pdf")
    assert r.error_kind == "not_found" and r.outcomes == []
    ole = tmp_path / "old.doc"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000)
    r = check_document(ole)
    assert r.error_kind == "unsupported_format" and r.kind == "ole"


@pytest.mark.browser
def test_rule_results_for_the_store(samples):
    from a11yaudit.documents.integrate import document_rules, rule_results
    _, _, results = samples
    assert {r.code for r in document_rules(kind="xlsx")} == {"DOC21", "DOC22", "DOC24"}
    rows = {r.rule: r for r in rule_results(results["scan.pdf"], profile="jis2016")}
    assert set(rows) == {r.code for r in document_rules(kind="pdf")}
    assert rows["DOC04"].outcome == "failed" and rows["DOC04"].criteria == ["1.1.1"]
    finding = rows["DOC04"].findings[0]
    assert finding.selector == "p. 1, 2" and finding.viewport == "document" and finding.message_en
    assert rows["DOC01"].outcome == "inapplicable" and not rows["DOC01"].findings


def test_rule_results_of_a_file_that_could_not_be_checked(hostile):
    from a11yaudit.documents.integrate import rule_results
    out, _ = hostile
    rows = rule_results(check_document(out / "password.pdf"))
    assert rows and all(r.outcome == "error" and r.error.startswith("password:") for r in rows)
    assert rule_results(check_document(out / "not-a-document.pdf")) == []


def test_mutated_files_never_raise_or_hit_checker_bugs(hostile, tmp_path):
    """Random byte flips, zeroed ranges and truncations of real files: every result is a result, none an internal
    error (a checker bug), a crash or a timeout."""
    import random
    out, _ = hostile
    sources = [out / "sources" / n for n in ("plain.pdf", "plain.docx", "plain.xlsx")] + [out / "loops.pdf"]
    rnd = random.Random(17)
    kinds = {}
    with DocumentChecker(Limits(timeout_s=20)) as checker:
        for i in range(60):
            src = sources[i % len(sources)]
            data = bytearray(src.read_bytes())
            how = i // len(sources) % 3
            if how == 0:
                for _ in range(rnd.randint(1, 30)):
                    data[rnd.randrange(len(data))] = rnd.randrange(256)
            elif how == 1:
                start = rnd.randrange(len(data))
                data[start:start + 400] = bytes(len(data[start:start + 400]))
            else:
                data = data[:rnd.randrange(1, len(data))]
            path = tmp_path / f"m{i}{src.suffix}"
            path.write_bytes(bytes(data))
            r = checker.check(path)
            assert r.error_kind not in ("internal", "crash", "timeout"), (path.name, r.error_kind, r.error)
            kinds[r.error_kind] = kinds.get(r.error_kind, 0) + 1
    assert kinds.get(None, 0) >= 10 and kinds.get("damaged", 0) >= 5, kinds


def test_command_line(hostile, capsys):
    from a11yaudit.documents.__main__ import main
    out, _ = hostile
    assert main([str(out / "sources" / "plain.pdf"), "--lang", "en"]) == 1       # untagged, 20 lines of text
    text = capsys.readouterr().out
    assert "DOC01 failed" in text and "no tags" in text
    assert main([str(out / "password.pdf"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["error_kind"] == "password"


@pytest.mark.parametrize("title,problem", [
    (None, "missing"), ("  ", "missing"), ("無題", "placeholder"), ("Microsoft Word - 文書1.docx", "placeholder"),
    ("PowerPoint プレゼンテーション", "placeholder"), ("2024", "placeholder"),
    ("Microsoft Word - 令和6年度予算の概要.docx", "file_name"), ("000123456.pdf", "placeholder"),
    ("kosodate_shien.pdf", "file_name"),
    ("令和6年度予算の概要", None), ("Annual report 2024", None)])
def test_title_problems(title, problem):
    from a11yaudit.documents.common import title_problem
    assert title_problem(title) == problem


def test_tounicode_cmap_forms():
    from a11yaudit.documents.pdf import parse_tounicode
    cmap = (b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"2 beginbfchar <0003> <0020> <0010> <5B50> endbfchar\n"
            b"2 beginbfrange <0020> <0022> <3042> <0030> <0031> [<4E00> <D842DFB7>] endbfrange\n")
    mapping, spaces = parse_tounicode(cmap)
    assert spaces == [(2, 0, 0xFFFF)]
    assert mapping[0x03] == " " and mapping[0x10] == "子"
    assert [mapping[c] for c in (0x20, 0x21, 0x22)] == ["あ", "ぃ", "い"]
    assert mapping[0x30] == "一" and mapping[0x31] == "\U00020BB7"      # a surrogate pair: 𠮷


def test_script_detection():
    from a11yaudit.documents.common import is_japanese, is_mostly_latin, primary_subtag, script_stats
    assert is_japanese(script_stats("みどり県では、子育て支援の施策を進めています。申請はこちらから。"))
    assert not is_japanese(script_stats("我们的政府支持家庭和儿童的发展计划与申请方法。" * 3))     # Chinese: no kana
    assert is_mostly_latin(script_stats("The prefecture publishes this notice about child benefits. " * 2))
    assert primary_subtag("ja_JP") == "ja" and primary_subtag("JA-jp") == "ja" and primary_subtag(None) is None
