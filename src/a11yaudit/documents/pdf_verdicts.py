"""The outcomes of the PDF rules DOC01–DOC10 (runs inside the worker process) from the facts pdf.analyse gathered;
the rules are documented in pdf.py, their messages in rules/checks/DOC*.yaml."""

from __future__ import annotations

import re

from .common import LANG_TAG_RE, broken_chars, is_japanese, is_mostly_latin, letters, primary_subtag, title_problem, \
    verdict
from .pdf_structure import HEADING_ROLES
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED

MIN_TEXT_GLYPHS = 10
UNTAGGED_TEXT_CHARS = 200


def _pages(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    return f"p. {shown}" + (" …" if len(pages) > 10 else "")


def _verdicts(facts, text, elements, title, lang, n_pages, has_text, total, scans, page_stats, mapping, font_glyphs,
              unmapped, unknown, limits, lists) -> list[dict]:
    tagged = len(elements) > 0
    chars = max(text["chars"], text["glyphs"])
    return [
        _doc01_tagged(facts, elements, has_text, chars),
        _doc02_title(facts, title),
        _doc03_language(lang, has_text, total),
        _doc04_text_layer(elements, n_pages, lists),
        _doc05_unicode(facts, text, has_text, total, scans, page_stats, mapping, font_glyphs, unmapped, unknown),
        _doc06_encryption(facts),
        _doc07_bookmarks(facts, n_pages, limits),
        _doc08_figures(elements),
        _doc09_tables(elements),
        _doc10_headings(elements, tagged, n_pages, chars),
    ]


def _doc01_tagged(facts, elements, has_text, chars) -> dict:
    if elements:
        return verdict("DOC01", PASSED if facts["marked"] else CANT_TELL,
                       variant=None if facts["marked"] else "not_marked", elements=len(elements))
    if not has_text:
        return verdict("DOC01", INAPPLICABLE)
    return verdict("DOC01", FAILED if chars >= UNTAGGED_TEXT_CHARS else CANT_TELL,
                   variant="untagged" if chars >= UNTAGGED_TEXT_CHARS else "little_text", chars=chars)


def _doc02_title(facts, title) -> dict:
    problem = title_problem(title)
    if problem is None and title and title.strip().lower() == facts.get("file_stem", "").lower():
        problem = "file_name"       # Pillow and some scanners write the file name as the title
    if problem in ("missing", "placeholder"):
        return verdict("DOC02", FAILED, variant=problem, title=title or "")
    if problem == "file_name":
        return verdict("DOC02", CANT_TELL, variant="file_name", title=title)
    if not facts["display_doc_title"]:
        return verdict("DOC02", CANT_TELL, variant="display", title=title)
    return verdict("DOC02", PASSED, title=title)


def _doc03_language(lang, has_text, total) -> dict:
    japanese = is_japanese(total)
    if not has_text:
        return verdict("DOC03", INAPPLICABLE, lang=lang or "")
    if not lang:
        return verdict("DOC03", FAILED, variant="missing")
    if not LANG_TAG_RE.match(lang):
        # "ja_JP", "ja JP": malformed, but readers may still take the language from its first letters
        primary = primary_subtag(lang) or ""
        near = re.fullmatch(r"[a-z]{2,3}", primary) and (primary == "ja") == japanese
        return verdict("DOC03", CANT_TELL if near else FAILED, variant="invalid", lang=lang)
    if japanese and primary_subtag(lang) != "ja":
        return verdict("DOC03", FAILED, variant="mismatch", lang=lang)
    if primary_subtag(lang) == "ja" and is_mostly_latin(total):
        return verdict("DOC03", CANT_TELL, variant="latin_text", lang=lang)
    return verdict("DOC03", PASSED, lang=lang)


def _doc04_text_layer(elements, n_pages, lists) -> dict:
    image_only = lists["image_only"]
    if image_only:
        alt_pages = {e["page"] for e in elements if e["role"] == "Figure" and (e["alt"] or e["actual"])}
        bare = [p for p in image_only if p not in alt_pages]
        if bare:
            return verdict("DOC04", FAILED, _pages(bare), variant="all" if len(bare) == n_pages else "some",
                           pages=_pages(bare), count=len(bare), total=n_pages)
        return verdict("DOC04", CANT_TELL, _pages(image_only), variant="alt", pages=_pages(image_only))
    if lists["artifact"]:
        pages = lists["artifact"]
        return verdict("DOC04", CANT_TELL, _pages(pages), variant="artifact", pages=_pages(pages))
    if lists["outlined"]:
        return verdict("DOC04", CANT_TELL, _pages(lists["outlined"]), variant="outlined",
                       pages=_pages(lists["outlined"]))
    if n_pages:
        return verdict("DOC04", PASSED)
    return verdict("DOC04", INAPPLICABLE)


def _broken_pages(scans, page_stats, mapping) -> list[int]:
    """Pages whose ToUnicode-mapped text is mostly private-use, U+FFFD or control characters."""
    pua_pages = []
    for i, st in enumerate(page_stats):
        broken = broken_chars(st["stats"])
        if broken >= 20 and broken / max(1, broken + letters(st["stats"])) >= 0.3 \
                and i < len(scans) and all(mapping.get(k) == "tounicode" for k in scans[i]["fonts"]):
            pua_pages.append(i + 1)
    return pua_pages


def _doc05_unicode(facts, text, has_text, total, scans, page_stats, mapping, font_glyphs, unmapped,
                   unknown) -> dict:
    glyphs_unmapped = sum(font_glyphs.get(k, 0) for k in unmapped)
    bad_pages = [i + 1 for i, s in enumerate(scans) if s["fonts"] & unmapped]
    pua_pages = _broken_pages(scans, page_stats, mapping)
    if not has_text:
        return verdict("DOC05", INAPPLICABLE)
    if glyphs_unmapped >= MIN_TEXT_GLYPHS:
        # failed when a real share of the text is unreadable (glyphs inside /ActualText spans are not counted: readers
        # take the ActualText); a few symbols (a logo, ornaments) → cantTell
        share = glyphs_unmapped >= max(MIN_TEXT_GLYPHS, 0.05 * text["glyphs"])
        return verdict("DOC05", FAILED if share else CANT_TELL, _pages(bad_pages),
                       variant="no_mapping", pages=_pages(bad_pages),
                       fonts=", ".join(facts["fonts_without_unicode"][:5]))
    if pua_pages:
        return verdict("DOC05", FAILED, _pages(pua_pages), variant="broken", pages=_pages(pua_pages))
    if total.get("radicals", 0) >= 3:
        rad_pages = [i + 1 for i, st in enumerate(page_stats) if st["stats"].get("radicals", 0)]
        return verdict("DOC05", CANT_TELL, _pages(rad_pages), variant="radicals", count=total["radicals"],
                       pages=_pages(rad_pages))
    if unknown:
        pages = [i + 1 for i, s in enumerate(scans) if s["fonts"] & unknown]
        return verdict("DOC05", CANT_TELL, _pages(pages), variant="unknown", pages=_pages(pages))
    return verdict("DOC05", PASSED)


def _doc06_encryption(facts) -> dict:
    perms = facts.get("permissions")
    if not facts["encrypted"]:
        return verdict("DOC06", INAPPLICABLE)
    if perms and not perms["accessibility"]:
        return verdict("DOC06", CANT_TELL)
    return verdict("DOC06", PASSED)


def _doc07_bookmarks(facts, n_pages, limits) -> dict:
    """Best practice."""
    if n_pages < limits.long_document_pages:
        return verdict("DOC07", INAPPLICABLE, pages=n_pages)
    return verdict("DOC07", PASSED if facts["outline_items"] else CANT_TELL, pages=n_pages)


def _doc08_figures(elements) -> dict:
    figures = [e for e in elements if e["role"] == "Figure"]
    if not figures:
        return verdict("DOC08", INAPPLICABLE)

    def covered(e):       # /Alt or /ActualText on the figure or on an ancestor stands for its content
        hops = 0
        while e is not None and hops < 100:
            if e["alt"] or e["actual"]:
                return True
            e = elements[e["parent"]] if e["parent"] != -1 else None
            hops += 1
        return False
    missing = [e for e in figures if e["content"] and not covered(e)]
    bare = [e for e in missing if not e["kids"]]
    if bare:
        pages = sorted({e["page"] for e in bare if e["page"]})
        return verdict("DOC08", FAILED, _pages(pages) if pages else "", count=len(bare),
                       pages=_pages(pages) if pages else "-")
    if missing:
        pages = sorted({e["page"] for e in missing if e["page"]})
        return verdict("DOC08", CANT_TELL, _pages(pages) if pages else "", variant="container",
                       count=len(missing), pages=_pages(pages) if pages else "-")
    return verdict("DOC08", PASSED, count=len(figures))


def _doc09_tables(elements) -> dict:
    tables = [i for i, e in enumerate(elements) if e["role"] == "Table"]
    if not tables:
        return verdict("DOC09", INAPPLICABLE)
    with_th = set()
    for e in elements:
        if e["role"] == "TH":
            p = e["parent"]
            hops = 0
            while p != -1 and hops < 50:
                if elements[p]["role"] == "Table":
                    with_th.add(p)
                    break
                p, hops = elements[p]["parent"], hops + 1
    no_th = [i for i in tables if i not in with_th]
    if no_th:
        pages = sorted({elements[i]["page"] for i in no_th if elements[i]["page"]})
        return verdict("DOC09", CANT_TELL, _pages(pages) if pages else "", count=len(no_th),
                       pages=_pages(pages) if pages else "-")
    return verdict("DOC09", PASSED, count=len(tables))


def _doc10_headings(elements, tagged, n_pages, chars) -> dict:
    if not tagged:
        return verdict("DOC10", INAPPLICABLE)
    if any(e["role"] in HEADING_ROLES for e in elements):
        return verdict("DOC10", PASSED)
    if n_pages >= 2 or chars >= 500:
        return verdict("DOC10", CANT_TELL, pages=n_pages)
    return verdict("DOC10", INAPPLICABLE)
