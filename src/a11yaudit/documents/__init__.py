"""Accessibility checks of the documents a site publishes: PDF and Office Open XML (docx, xlsx, pptx).

    from a11yaudit.documents import check_document, DocumentChecker, Limits
    result = check_document("notice.pdf")                  # one document, one fresh worker
    with DocumentChecker(Limits(timeout_s=30)) as c:       # many documents, one worker
        results = [c.check(p) for p in paths]

A DocumentResult has the type, size, sha256, pages, title, language, text-layer facts, other facts (tagged,
encrypted and its permissions, embedded JavaScript, fonts without Unicode mapping, the largest image …) and the
outcomes (rule DOC01…, passed/failed/cantTell/inapplicable, success criteria, Japanese and English message,
location such as "p. 3" or "word/document.xml: Picture 1"). The rules, their messages and their docs are
rules/checks/DOC*.yaml (`target: document`); the decisions are documented in pdf.py and ooxml.py.

Isolation: every document is analysed in a worker process (`python -m a11yaudit.documents.worker`) whose address
space is capped (RLIMIT_AS, Limits.memory_mb) and which the caller kills at the wall-clock limit (Limits.timeout_s).
A hostile or broken file gives a result with `error_kind` (timeout, memory, crash, decompression_bomb, zip_bomb,
xml_entities, too_complex, password, damaged, unsupported_format, not_found, internal) and `error`; check() never raises
for a document.

Libraries, and why:
- pikepdf (qpdf, C++): the PDF structure — MarkInfo, StructTreeRoot and RoleMap, /Lang, /Info, XMP, ViewerPreferences,
  Outlines, /Encrypt permissions, fonts and their ToUnicode — and one pass over every page's content-stream
  operators (qpdf's parser) that gives the glyphs shown per font, their text through the font's ToUnicode CMap /
  predefined CMap / encoding, and the share of the page covered by images, without decoding any image. qpdf repairs
  broken cross-reference tables (reported as the fact `repaired`), detects reference loops, reads objects lazily
  (AccessMode.stream: a 200 MB file is not loaded whole) and is actively maintained (OCRmyPDF's base). Decoding the
  text ourselves in that pass is ~50× faster than a text extractor (pypdf took 0.5 s per Chromium page) and gives
  exactly what the checks need: which characters a reader's library gets, not a layout.
- pypdf (pure Python, a test dependency here before): only its Adobe Glyph List table (glyph names → Unicode).
- Office Open XML: zipfile + lxml (already a dependency) with a safe parser, no python-docx/openpyxl/python-pptx:
  the parts read are few and the direct route bounds every read (see ooxml.py). Those three libraries only make the
  sample documents (scripts/make_sample_documents.py, a test dependency).
"""

from .checker import DocumentChecker, check_document
from .model import ERROR_KINDS, DocumentResult, Limits, Outcome

__all__ = ["check_document", "DocumentChecker", "DocumentResult", "Outcome", "Limits", "ERROR_KINDS"]
