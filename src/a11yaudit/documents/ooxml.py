"""Office Open XML analysis (docx, xlsx, pptx; runs inside the worker process) with zipfile and lxml only: the
parts we read are few and small (core properties, the body, styles, drawings), so the direct XML route is simpler
and safer than python-docx/openpyxl/python-pptx, which load and build the whole document model.

The reading is split: ooxml_package (the ZIP package and its safe XML parts), ooxml_images (pictures, charts and
DOC22), ooxml_word (docx styles and paragraphs, DOC23/DOC25 for docx); this module has the title, the pptx and
xlsx checks and joins them.

Hostile packages: too many members, a declared uncompressed size or a member compression ratio beyond the limits,
or a part that inflates beyond limits.max_part_bytes while it is read → error `zip_bomb`; a DTD or entity declaration
in any part (OPC forbids DTDs; billion laughs, external entities) → error `xml_entities`. lxml parses with
resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False.

Rules (codes as in rules/checks/DOC*.yaml):
- DOC21 title (2.4.2): core.xml dc:title missing, a placeholder or a file name → cantTell (Office shows the file name
  in the window; whether that describes the topic is a person's call), else passed.
- DOC22 images (1.1.1): a picture (wp:docPr, p:cNvPr, xdr:cNvPr of a pic) without descr/title, or whose text is a
  file name (F30; python-pptx and old Office write "image.png") and not marked decorative → failed; a chart without
  alt, or Office's automatic description (「自動的に生成された説明」) → cantTell.
- DOC23 headings (1.3.1): docx with no heading style (outline level) but bold, larger, short paragraphs → cantTell;
  pptx slides without a title placeholder → cantTell.
- DOC24 sheet names (best practice, related 2.4.6): Sheet1 / シート1 … → cantTell.
- DOC25 language (3.1.1): docx Japanese text whose East Asian language (w:lang/@w:eastAsia, run → style → defaults)
  is set to another language → failed; not set → cantTell. pptx runs in a non-Japanese language (lang/altLang) →
  cantTell (how far PowerPoint passes it to screen readers is not settled).
"""

from __future__ import annotations

from __future__ import annotations

import re

from .common import Hostile, add_stats, is_japanese, primary_subtag, script_stats, title_problem, verdict
from .ooxml_images import AUTO_ALT, CHART_URI, PIC_URI, PLACEHOLDER_ALT, _image_verdict, _images
from .ooxml_package import MAIN_TYPES, R_NS, Package, _numkey, detect_kind
from .ooxml_word import HEADING_STYLE_NAME, W, _docx
from ..rules.model import CANT_TELL, INAPPLICABLE, PASSED

__all__ = ["analyse", "Package", "detect_kind", "W", "R_NS", "MAIN_TYPES", "AUTO_ALT", "PLACEHOLDER_ALT",
           "DEFAULT_SHEET", "HEADING_STYLE_NAME", "PIC_URI", "CHART_URI"]

DEFAULT_SHEET = re.compile(r"^(sheet|シート|ワークシート)\s*\d*$", re.IGNORECASE)


def _pptx(pkg: Package, verdicts: list, facts: dict, slides: list[str]) -> tuple[dict, str | None]:
    default_lang = _default_lang(pkg)
    total, untitled, cjk_by_ok, other_langs = _read_slides(pkg, slides, default_lang)
    if not slides:
        verdicts.append(verdict("DOC23", INAPPLICABLE))
    elif untitled:
        shown = ", ".join(str(n) for n in untitled[:10])
        verdicts.append(verdict("DOC23", CANT_TELL, f"slide {shown}", variant="slides", slides=shown))
    else:
        verdicts.append(verdict("DOC23", PASSED, count=len(slides)))
    cjk = sum(cjk_by_ok.values())
    if not sum(total.values()):
        verdicts.append(verdict("DOC25", INAPPLICABLE))
    elif is_japanese(total) and cjk and cjk_by_ok["other"] / cjk >= 0.5:
        verdicts.append(verdict("DOC25", CANT_TELL, variant="pptx", lang=max(other_langs, key=other_langs.get)))
    elif is_japanese(total) and cjk and cjk_by_ok["unset"] / cjk >= 0.5:
        verdicts.append(verdict("DOC25", CANT_TELL, variant="missing"))
    else:
        verdicts.append(verdict("DOC25", PASSED, lang=default_lang or ""))
    return total, default_lang


def _default_lang(pkg: Package) -> str | None:
    pres = pkg.xml("ppt/presentation.xml")
    if pres is not None:
        for d in pres.iter("{*}defRPr"):
            if d.get("lang"):
                return d.get("lang")
    return None


def _read_slides(pkg: Package, slides: list[str], default_lang: str | None) -> tuple[dict, list[int], dict, dict]:
    """The script counts of the slides' text, the slides without a title, and the kana/kanji count by language
    (ja, other, unset) with the other languages named."""
    total: dict = {}
    untitled = []
    cjk_by_ok = {"ja": 0, "other": 0, "unset": 0}
    other_langs: dict = {}
    for n, part in enumerate(slides, 1):
        root = pkg.xml(part)
        if root is None:
            continue
        has_title = False
        for sp in root.iter("{*}sp"):
            ph = sp.find("{*}nvSpPr/{*}nvPr/{*}ph")
            text = "".join(t.text or "" for t in sp.iter("{*}t"))
            if ph is not None and ph.get("type") in ("title", "ctrTitle") and text.strip():
                has_title = True
        if not has_title:
            untitled.append(n)
        for r in root.iter("{*}r"):
            t = "".join(x.text or "" for x in r.iter("{*}t"))
            if not t:
                continue
            st = script_stats(t)
            total = add_stats(total, st)
            cjk = st["kana"] + st["kanji"]
            if cjk:
                _count_run_lang(r.find("{*}rPr"), default_lang, cjk, cjk_by_ok, other_langs)
    return total, untitled, cjk_by_ok, other_langs


def _count_run_lang(rpr, default_lang: str | None, cjk: int, cjk_by_ok: dict, other_langs: dict) -> None:
    langs = [x for x in ((rpr.get("lang") if rpr is not None else None) or default_lang,
                         rpr.get("altLang") if rpr is not None else None) if x]
    if not langs:
        cjk_by_ok["unset"] += cjk
    elif any(primary_subtag(x) == "ja" for x in langs):
        cjk_by_ok["ja"] += cjk
    else:
        cjk_by_ok["other"] += cjk
        other_langs[langs[0]] = other_langs.get(langs[0], 0) + cjk


def _xlsx(pkg: Package, verdicts: list, facts: dict) -> tuple[list[str], dict]:
    wb = pkg.xml("xl/workbook.xml")
    names, sheet_of = [], {}
    if wb is None:
        raise Hostile("damaged", "xl/workbook.xml is missing")
    rels = pkg.rels("xl/workbook.xml")
    for sh in wb.iter("{*}sheet"):
        name = sh.get("name") or ""
        if (sh.get("state") or "visible") != "visible":
            continue
        names.append(name)
        target = rels.get(sh.get(f"{{{R_NS}}}id"))
        if target:
            for t in pkg.rels(target).values():
                if "/drawings/" in t:
                    sheet_of[t] = name
    default = [n for n in names if DEFAULT_SHEET.match(n.strip())]
    if default:
        verdicts.append(verdict("DOC24", CANT_TELL, ", ".join(default[:5]), names=", ".join(default[:5])))
    elif names:
        verdicts.append(verdict("DOC24", PASSED, count=len(names)))
    else:
        verdicts.append(verdict("DOC24", INAPPLICABLE))
    verdicts.append(verdict("DOC23", INAPPLICABLE))
    verdicts.append(verdict("DOC25", INAPPLICABLE))
    facts["sheets"] = names[:50]
    return names, sheet_of


def analyse(path: str, limits) -> dict:
    pkg = Package(path, limits)
    kind = detect_kind(pkg)
    if kind is None:
        raise Hostile("unsupported_format", "a ZIP file that is not a Word, Excel or PowerPoint document")
    facts: dict = {"macros": any(n.endswith("vbaProject.bin") for n in pkg.names),
                   "embedded_objects": sum(1 for n in pkg.names if "/embeddings/" in n)}
    core = pkg.xml("docProps/core.xml")
    title = None
    if core is not None:
        el = core.find("{http://purl.org/dc/elements/1.1/}title")
        title = " ".join((el.text or "").split()) if el is not None and el.text else None
        lang_el = core.find("{http://purl.org/dc/elements/1.1/}language")
        if lang_el is not None and lang_el.text:
            facts["core_language"] = lang_el.text.strip()
    verdicts: list = []
    problem = title_problem(title)
    verdicts.append(verdict("DOC21", PASSED, title=title) if problem is None else
                    verdict("DOC21", CANT_TELL, "docProps/core.xml", variant=problem, title=title or ""))
    pages, sheet_of, lang = None, {}, None
    text: dict = {}
    if kind == "docx":
        text, lang = _docx(pkg, verdicts, facts)
    elif kind == "pptx":
        slides = sorted((n for n in pkg.names if re.match(r"ppt/slides/slide\d+\.xml$", n)), key=_numkey)
        pages = len(slides)
        sheet_of = {p: f"slide {i}" for i, p in enumerate(slides, 1)}
        text, lang = _pptx(pkg, verdicts, facts, slides)
    else:
        names, sheet_of = _xlsx(pkg, verdicts, facts)
        pages = len(names)
    images = _images(pkg, kind)
    facts["images"] = len(images)
    verdicts.append(_image_verdict(images, sheet_of))
    facts.pop("text", None)
    return {"kind": kind, "pages": pages, "title": title, "lang": lang, "facts": facts,
            "text": {"script": text, "chars": sum(text.values())} if text else {}, "verdicts": verdicts}
