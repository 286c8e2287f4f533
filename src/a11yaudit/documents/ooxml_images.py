"""Office Open XML pictures and charts (runs inside the worker process): their alternative text in docx, xlsx and
pptx drawings, and rule DOC22 (documented in ooxml.py)."""

from __future__ import annotations

import re

from .common import FILE_NAME, verdict
from .ooxml_package import Package, _numkey
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED

AUTO_ALT = re.compile(r"自動的に生成された説明|自動生成された説明|description automatically generated", re.IGNORECASE)
# placeholder alt texts (exact match, as rules/checks/JP02.yaml); openpyxl writes "Picture", old Office "図 1"
PLACEHOLDER_ALT = re.compile(
    r"^(画像|写真|イメージ|図|画像データ|無題|image|img|photo|picture|pic|graphic|grafik|untitled|"
    r"picture\s*\d+|image\s*\d+|図\s*\d+|画像\s*\d+|写真\s*\d+)$", re.IGNORECASE)
PIC_URI = "http://schemas.openxmlformats.org/drawingml/2006/picture"
CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def _alt_state(c_nv_pr) -> tuple[str, str]:
    """('ok'|'decorative'|'missing'|'file_name'|'auto', text) of a cNvPr / docPr element."""
    for el in c_nv_pr.iter("{*}decorative"):
        if (el.get("val") or "").lower() in ("1", "true"):
            return "decorative", ""
    text = " ".join(((c_nv_pr.get("descr") or "") + " " + (c_nv_pr.get("title") or "")).split())
    if not text:
        return "missing", ""
    if FILE_NAME.match(text) or PLACEHOLDER_ALT.match(text):
        return "file_name", text
    if AUTO_ALT.search(text):
        return "auto", text
    return "ok", text


def _images(pkg: Package, kind: str) -> list[dict]:
    """Pictures and charts: part, name, type (picture|chart), alt state."""
    found = []
    if kind == "docx":
        parts = ["word/document.xml"] + sorted(n for n in pkg.names if re.match(r"word/(header|footer)\d*\.xml$", n))
        for part in parts:
            root = pkg.xml(part)
            if root is None:
                continue
            _word_drawings(root, part, found)
            if part == "word/document.xml":
                _vml_images(root, part, found)
    else:
        if kind == "pptx":
            parts = sorted((n for n in pkg.names if re.match(r"ppt/slides/slide\d+\.xml$", n)), key=_numkey)
        else:
            parts = sorted((n for n in pkg.names if re.match(r"xl/drawings/drawing\d+\.xml$", n)), key=_numkey)
        for part in parts:
            root = pkg.xml(part)
            if root is None:
                continue
            _drawingml_images(root, part, found)
    return found


def _word_drawings(root, part: str, found: list) -> None:
    """docx inline and anchored drawings: pictures and charts (wp:docPr)."""
    for holder in root.iter("{*}inline", "{*}anchor"):
        doc_pr = holder.find("{*}docPr")
        gd = holder.find(".//{*}graphicData")
        if doc_pr is None or gd is None:
            continue
        uri = gd.get("uri") or ""
        typ = "picture" if uri == PIC_URI else "chart" if uri == CHART_URI else None
        if typ:
            state, text = _alt_state(doc_pr)
            found.append({"part": part, "name": doc_pr.get("name") or "", "type": typ, "state": state,
                          "alt": text})


def _vml_images(root, part: str, found: list) -> None:
    """docx legacy VML shapes with image data (v:shape/@alt)."""
    for shape in root.iter("{urn:schemas-microsoft-com:vml}shape"):
        img = shape.find("{urn:schemas-microsoft-com:vml}imagedata")
        if img is None:
            continue
        alt = " ".join((shape.get("alt") or "").split())
        state = "missing" if not alt else "file_name" if FILE_NAME.match(alt) else "ok"
        found.append({"part": part, "name": shape.get("id") or "", "type": "picture", "state": state,
                      "alt": alt})


def _drawingml_images(root, part: str, found: list) -> None:
    """pptx slides and xlsx drawings: pictures (p:pic, xdr:pic) and chart frames."""
    for pic in root.iter("{*}pic"):
        c = pic.find("{*}nvPicPr/{*}cNvPr")
        if c is not None:
            state, text = _alt_state(c)
            found.append({"part": part, "name": c.get("name") or "", "type": "picture", "state": state,
                          "alt": text})
    for frame in root.iter("{*}graphicFrame"):
        gd = frame.find(".//{*}graphicData")
        c = frame.find("{*}nvGraphicFramePr/{*}cNvPr")
        if gd is not None and c is not None and (gd.get("uri") or "") == CHART_URI:
            state, text = _alt_state(c)
            found.append({"part": part, "name": c.get("name") or "", "type": "chart", "state": state,
                          "alt": text})


def _image_verdict(images: list[dict], sheet_of: dict) -> dict:
    def where(img):
        return f"{sheet_of.get(img['part'], img['part'])}: {img['name']}".strip(": ")
    failed = [i for i in images if i["type"] == "picture" and i["state"] in ("missing", "file_name")]
    unsure = [i for i in images if (i["type"] == "chart" and i["state"] in ("missing", "file_name"))
              or i["state"] == "auto"]
    if failed:
        names = ", ".join(where(i) for i in failed[:5])
        return verdict("DOC22", FAILED, names, variant="file_name" if all(i["state"] == "file_name" for i in failed)
                       else None, count=len(failed), names=names,
                       alt=", ".join(i["alt"] for i in failed if i["alt"])[:80] or "-")
    if unsure:
        names = ", ".join(where(i) for i in unsure[:5])
        return verdict("DOC22", CANT_TELL, names, variant="auto" if any(i["state"] == "auto" for i in unsure)
                       else "chart", count=len(unsure), names=names)
    if images:
        return verdict("DOC22", PASSED, count=len(images))
    return verdict("DOC22", INAPPLICABLE)

