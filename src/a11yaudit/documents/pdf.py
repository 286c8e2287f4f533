"""PDF analysis (runs inside the worker process) with pikepdf: the structure, and the text of every page decoded
from its content streams the way a reader's PDF library gets it (ToUnicode CMaps first, then predefined CMaps
such as 90ms-RKSJ-H / UniJIS-UCS2-H, standard encodings and Adobe Glyph List names — the list is pypdf's). One pass
over each page's operators gives the glyphs, their text, the fonts used and the share of the page covered by images.

The analysis is split by meaning: pdf_structure (the catalog and the structure tree), pdf_content (the page content
streams), pdf_fonts (font codes → glyphs and Unicode text), pdf_objects (safe access to objects and streams) and
pdf_verdicts (the outcomes below); this module opens the file, joins their facts and applies the damage rule.

The rules and their outcomes (codes as in rules/checks/DOC*.yaml):

- DOC01 tagged (1.3.1): a structure tree with elements and /MarkInfo /Marked true → passed. No structure tree (or an
  empty one) with at least 200 extractable characters → failed: headings, lists, tables and reading order of such
  a document are not programmatically determinable (WCAG's sufficient techniques for 1.3.1 in PDF are all tags,
  PDF6/9/10/11/12/17/20/21); with less text → cantTell (one line of text may have no structure to convey); no text
  at all → inapplicable (DOC04 reports the scan). A structure tree without /Marked → cantTell.
- DOC02 title (2.4.2, PDF18): no title in /Info or XMP dc:title → failed (the viewer shows the file name);
  placeholder titles (無題, 文書1, Microsoft Word - 文書1.docx, digits only) → failed (F25); a file name as title, or
  the file's own name → cantTell;
  a title without ViewerPreferences /DisplayDocTitle true → cantTell (the window shows the file name).
- DOC03 language (3.1.1, PDF16): catalog /Lang (or /Lang on the top structure element). Missing with text → failed;
  not a language tag, or a non-Japanese tag on Japanese text (kana) → failed; `ja` on text that is almost all Latin
  → cantTell.
- DOC04 text layer (1.1.1): a page with fewer than 10 glyphs and images covering half of it or more is an image-only
  (scanned) page → failed, unless a tagged Figure with /Alt is on that page (cantTell: is the alt the page's text?).
  A page with no text and no image but many filled paths (outlined text) → cantTell. A page covered by images marked
  as /Artifact (declared decorative) with no text → cantTell (auto-tagging tools mark whole scans as artifacts).
- DOC05 Unicode text (1.1.1): glyphs shown with a font that has no Unicode mapping under ISO 32000-1 §9.10.2 (no
  ToUnicode; Type0 with Identity ordering; simple/Type3 fonts whose glyph names are not Adobe Glyph List names),
  ≥ 10 glyphs and ≥ 5 % of the document's → failed (fewer: cantTell); glyphs inside a marked-content sequence with
  /ActualText count with that text instead (readers use it; Chromium writes it for such glyphs); text whose
  ToUnicode gives private-use, U+FFFD or control characters (≥ 20 and ≥ 30 % of a page)
  → failed; Kangxi/CJK radicals in place of kanji (康熙部首: 「⼦」 for 「子」, search and reading may go wrong)
  and symbolic fonts without any encoding → cantTell.
- DOC06 encryption (1.3.1): permissions without the accessibility bit (P bit 10) → cantTell (PDF 2.0 deprecates
  the bit and current readers ignore it; older Acrobat refuses text to screen readers).
- DOC07 bookmarks (best practice, related 2.4.5 / PDF2): ≥ limits.long_document_pages pages and no outline →
  cantTell; 2.4.5 is about sets of web pages, so a missing outline is never reported as a criterion failure.
- DOC08 figures (1.1.1, PDF1): a Figure (after RoleMap) that marks content, with no /Alt or /ActualText on itself or
  an ancestor and no child structure → failed; a Figure with children but no alt → cantTell.
- DOC09 table headers (1.3.1, PDF6): a Table with no TH → cantTell (layout tables need none).
- DOC10 headings (1.3.1, PDF9): a tagged document of 2+ pages or 500+ characters without H/H1–H6 → cantTell.

A file that qpdf had to repair beyond its cross-reference table (objects damaged or lost: `damaged_objects`) gets
cantTell instead of failed everywhere: what is missing may be the damage, not the author's doing.
"""

from __future__ import annotations

import re
import time

from .common import Hostile, add_stats, short
from .pdf_content import FILL_OPS, MAX_OPS, SCAN_OPS, TEXT_OPS, font_facts, scan_pages
from .pdf_fonts import (CJK_ORDERINGS, GLYPH_NAME_RE, MAX_CMAP_ENTRIES, PREDEFINED_CODECS, PYPDF_GLYPH_TOKEN,
                        STANDARD_14, STANDARD_ENCODINGS, parse_tounicode)
from .pdf_structure import HEADING_ROLES, STANDARD_ROLES, document_facts
from .pdf_verdicts import MIN_TEXT_GLYPHS, UNTAGGED_TEXT_CHARS, _verdicts
from ..rules.model import CANT_TELL, FAILED

__all__ = ["analyse", "parse_tounicode", "XREF_ONLY", "STANDARD_ENCODINGS", "STANDARD_14", "CJK_ORDERINGS",
           "HEADING_ROLES", "STANDARD_ROLES", "GLYPH_NAME_RE", "PYPDF_GLYPH_TOKEN", "FILL_OPS", "TEXT_OPS",
           "MIN_TEXT_GLYPHS", "UNTAGGED_TEXT_CHARS", "MAX_OPS", "SCAN_OPS", "PREDEFINED_CODECS", "MAX_CMAP_ENTRIES"]

XREF_ONLY = re.compile(r"file is damaged|xref not found|can't find startxref|reconstruct cross-reference|"
                       r"xref stream|cross-reference", re.IGNORECASE)


def _open(pikepdf, path: str):
    try:
        return pikepdf.open(path, access_mode=pikepdf.AccessMode.stream, attempt_recovery=True)
    except pikepdf.PasswordError:
        raise Hostile("password", "the PDF needs a password to open: nobody can read it without one")
    except pikepdf.PdfError as exc:
        raise Hostile("damaged", f"not readable as PDF: {short(str(exc), 200)}")


def analyse(path: str, limits) -> dict:
    import pikepdf
    t0 = time.monotonic()
    facts: dict = {}
    text: dict = {}
    pdf = _open(pikepdf, path)
    with pdf:
        warnings = list(pdf.get_warnings())      # qpdf hands each warning out once
        n_pages, elements, title, lang = document_facts(pikepdf, pdf, path, limits, facts)
        content = scan_pages(pikepdf, pdf, n_pages, limits, t0, facts)
        mapping, unmapped, unknown = font_facts(pikepdf, content, facts)
        warnings += pdf.get_warnings()
        if any(d.failed for d in content.decoders.values()):
            warnings.append("a ToUnicode stream could not be read")
        warnings += facts.get("page_errors", [])
    if warnings:
        facts["repaired"] = True
        facts["warnings"] = [short(w.split(": ", 1)[-1], 160) for w in warnings[:5]]
        # beyond a rebuilt cross-reference table, objects were damaged or lost: what is missing may be the damage
        facts["damaged_objects"] = any(not XREF_ONLY.search(w) for w in warnings)
    scans, page_stats = content.scans, content.page_stats
    total, lists = _text_facts(scans, page_stats, text)
    result = {"kind": "pdf", "pages": n_pages, "title": title, "lang": lang, "facts": facts, "text": text}
    has_text = text["glyphs"] >= MIN_TEXT_GLYPHS
    result["verdicts"] = verdicts = _verdicts(facts, text, elements, title, lang, n_pages, has_text, total, scans,
                                              page_stats, mapping, content.font_glyphs, unmapped, unknown, limits,
                                              lists)
    if facts.get("damaged_objects"):
        for v in verdicts:        # precision: a failure of a damaged file may only show the damage
            if v["outcome"] == FAILED:
                v["outcome"] = CANT_TELL
                v["details"]["damaged"] = True
    return result


def _text_facts(scans: list[dict], page_stats: list[dict], text: dict) -> tuple[dict, dict]:
    """Fills `text` with the text-layer facts of the pages scanned; returns the script counts of the whole text
    and the pages that are image-only, covered by artifact images or outlined text (whole, not capped)."""
    total = {}
    for st in page_stats:
        total = add_stats(total, st["stats"])
    chars = sum(st["chars"] for st in page_stats)
    glyphs = sum(s["glyphs"] for s in scans)
    image_only = [i + 1 for i, s in enumerate(scans) if s["cover"] >= 0.5 and s["glyphs"] < MIN_TEXT_GLYPHS]
    artifact_only = [i + 1 for i, s in enumerate(scans) if s["cover"] < 0.5 and s["glyphs"] < MIN_TEXT_GLYPHS
                     and s["cover"] + s["artifact_cover"] >= 0.5]
    outlined = [i + 1 for i, s in enumerate(scans) if s["glyphs"] == 0 and s["cover"] < 0.5 and s["fills"] >= 200]
    text.update(chars=chars, glyphs=glyphs, pages_with_text=sum(1 for s in scans if s["glyphs"] >= MIN_TEXT_GLYPHS),
                image_only_pages=image_only[:200], image_only_count=len(image_only),
                artifact_image_pages=artifact_only[:200], outlined_pages=outlined[:200], script=total,
                sample=short(" ".join(st["sample"] for st in page_stats[:3]), 200))
    return total, {"image_only": image_only, "artifact": artifact_only, "outlined": outlined}
