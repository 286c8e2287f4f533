"""Office Open XML analysis (docx, xlsx, pptx; runs inside the worker process) with zipfile and lxml only: the
parts we read are few and small (core properties, the body, styles, drawings), so the direct XML route is simpler
and safer than python-docx/openpyxl/python-pptx, which load and build the whole document model.

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

import re
import zipfile

from .common import (FILE_NAME, Hostile, add_stats, is_japanese, primary_subtag, script_stats, short, title_problem,
                     verdict)
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPES = (("wordprocessingml.document.main", "docx"), ("ms-word.document.macroenabled.main", "docx"),
              ("wordprocessingml.template.main", "docx"), ("ms-word.template.macroenabledtemplate.main", "docx"),
              ("spreadsheetml.sheet.main", "xlsx"), ("ms-excel.sheet.macroenabled.main", "xlsx"),
              ("spreadsheetml.template.main", "xlsx"), ("presentationml.presentation.main", "pptx"),
              ("ms-powerpoint.presentation.macroenabled.main", "pptx"), ("presentationml.slideshow.main", "pptx"),
              ("presentationml.template.main", "pptx"))
AUTO_ALT = re.compile(r"自動的に生成された説明|自動生成された説明|description automatically generated", re.IGNORECASE)
# placeholder alt texts (exact match, as rules/checks/JP02.yaml); openpyxl writes "Picture", old Office "図 1"
PLACEHOLDER_ALT = re.compile(
    r"^(画像|写真|イメージ|図|画像データ|無題|image|img|photo|picture|pic|graphic|grafik|untitled|"
    r"picture\s*\d+|image\s*\d+|図\s*\d+|画像\s*\d+|写真\s*\d+)$", re.IGNORECASE)
DEFAULT_SHEET = re.compile(r"^(sheet|シート|ワークシート)\s*\d*$", re.IGNORECASE)
HEADING_STYLE_NAME = re.compile(r"^(heading\s*[1-9]|title|見出し\s*[1-9]|表題)$", re.IGNORECASE)
PIC_URI = "http://schemas.openxmlformats.org/drawingml/2006/picture"
CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"


class Package:
    def __init__(self, path: str, limits):
        self.limits = limits
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except Exception as exc:  # noqa: BLE001 — BadZipFile, NotImplementedError (a bad version), OSError …
            raise Hostile("damaged", f"not a readable ZIP package: {short(str(exc), 160)}")
        if len(infos) > limits.max_zip_members:
            raise Hostile("zip_bomb", f"{len(infos):,} members (limit {limits.max_zip_members:,})")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_unzipped_bytes:
            raise Hostile("zip_bomb", f"declares {declared:,} bytes uncompressed (limit {limits.max_unzipped_bytes:,})")
        for i in infos:
            if i.file_size > 1 << 20 and i.file_size > limits.max_zip_ratio * max(1, i.compress_size):
                raise Hostile("zip_bomb", f"{i.filename}: {i.compress_size:,} bytes inflate to {i.file_size:,}")
        self.names = {i.filename for i in infos}

    def read(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        try:
            with self.zf.open(name) as fh:
                data = fh.read(self.limits.max_part_bytes + 1)
        except Exception as exc:  # noqa: BLE001 — a corrupt member: zlib.error, BadZipFile (CRC), EOFError …
            raise Hostile("damaged", f"{name}: {short(str(exc), 160)}")
        if len(data) > self.limits.max_part_bytes:
            raise Hostile("zip_bomb", f"{name} inflates beyond {self.limits.max_part_bytes:,} bytes")
        return data

    def xml(self, name: str):
        data = self.read(name)
        if data is None:
            return None
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise Hostile("xml_entities", f"{name} declares a DTD or entities (not allowed in OOXML)")
        from lxml import etree
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise Hostile("damaged", f"{name}: {short(str(exc), 160)}")

    def rels(self, part: str) -> dict:
        """r:id → target part name, for `part`'s relationships."""
        folder, _, base = part.rpartition("/")
        root = self.xml(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
        out = {}
        if root is None:
            return out
        for rel in root.iter("{*}Relationship"):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            out[rel.get("Id")] = _join(folder, target)
        return out


def _join(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (folder.split("/") if folder else []) + target.split("/")
    out = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def _numkey(name: str):
    m = re.search(r"(\d+)\.xml$", name)
    return (int(m.group(1)) if m else 0, name)


def detect_kind(pkg: Package) -> str | None:
    root = pkg.xml("[Content_Types].xml")
    if root is not None:
        for o in root.iter("{*}Override"):
            ct = (o.get("ContentType") or "").lower()
            for needle, kind in MAIN_TYPES:
                if needle in ct:
                    return kind
    for name, kind in (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx")):
        if name in pkg.names:
            return kind
    return None


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
            for shape in (root.iter("{urn:schemas-microsoft-com:vml}shape") if part == "word/document.xml" else ()):
                img = shape.find("{urn:schemas-microsoft-com:vml}imagedata")
                if img is None:
                    continue
                alt = " ".join((shape.get("alt") or "").split())
                state = "missing" if not alt else "file_name" if FILE_NAME.match(alt) else "ok"
                found.append({"part": part, "name": shape.get("id") or "", "type": "picture", "state": state,
                              "alt": alt})
    else:
        if kind == "pptx":
            parts = sorted((n for n in pkg.names if re.match(r"ppt/slides/slide\d+\.xml$", n)), key=_numkey)
        else:
            parts = sorted((n for n in pkg.names if re.match(r"xl/drawings/drawing\d+\.xml$", n)), key=_numkey)
        for part in parts:
            root = pkg.xml(part)
            if root is None:
                continue
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
    return found


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


class _Styles:
    """docx paragraph styles: heading-ness, bold, size and East Asian language through basedOn chains."""

    def __init__(self, root):
        self.styles, self.default_para = {}, None
        self.default_size, self.default_lang, self.default_lang_val = 20, None, None
        if root is None:
            return
        rpr = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        if rpr is not None:
            sz = rpr.find(f"{W}sz")
            if sz is not None and (sz.get(f"{W}val") or "").isdigit():
                self.default_size = int(sz.get(f"{W}val"))
            lang = rpr.find(f"{W}lang")
            if lang is not None:
                self.default_lang, self.default_lang_val = lang.get(f"{W}eastAsia"), lang.get(f"{W}val")
        for st in root.iter(f"{W}style"):
            if st.get(f"{W}type") != "paragraph":
                continue
            sid = st.get(f"{W}styleId")
            name_el, based = st.find(f"{W}name"), st.find(f"{W}basedOn")
            olvl = st.find(f"{W}pPr/{W}outlineLvl")
            srpr = st.find(f"{W}rPr")
            self.styles[sid] = {
                "name": name_el.get(f"{W}val") if name_el is not None else "",
                "based": based.get(f"{W}val") if based is not None else None,
                "outline": olvl.get(f"{W}val") if olvl is not None else None,
                "bold": _bold(srpr), "size": _size(srpr), "lang": _lang(srpr)}
            if st.get(f"{W}default") in ("1", "true"):
                self.default_para = sid
        normal = self.styles.get(self.default_para or "")
        if normal and normal["size"]:
            self.default_size = normal["size"]

    def chain(self, sid):
        seen = 0
        while sid in self.styles and seen < 20:
            yield self.styles[sid]
            sid, seen = self.styles[sid]["based"], seen + 1

    def is_heading(self, sid) -> bool:
        for st in self.chain(sid):
            if HEADING_STYLE_NAME.match(st["name"] or ""):
                return True
            if st["outline"] is not None and st["outline"].isdigit() and int(st["outline"]) <= 8:
                return True
        return False

    def prop(self, sid, key):
        for st in self.chain(sid):
            if st[key] is not None:
                return st[key]
        return None


def _bold(rpr):
    if rpr is None:
        return None
    b = rpr.find(f"{W}b")
    if b is None:
        return None
    return (b.get(f"{W}val") or "true").lower() not in ("0", "false", "off")


def _size(rpr):
    if rpr is None:
        return None
    sz = rpr.find(f"{W}sz")
    v = sz.get(f"{W}val") if sz is not None else None
    return int(v) if v and v.isdigit() else None


def _lang(rpr):
    if rpr is None:
        return None
    lang = rpr.find(f"{W}lang")
    return lang.get(f"{W}eastAsia") if lang is not None else None


def _docx(pkg: Package, verdicts: list, facts: dict) -> tuple[dict, str | None]:
    styles = _Styles(pkg.xml("word/styles.xml"))
    body = pkg.xml("word/document.xml")
    if body is None:
        raise Hostile("damaged", "word/document.xml is missing")
    total: dict = {}
    headings, heading_like = 0, []
    ja_chars_by_lang: dict = {}
    for p in body.iter(f"{W}p"):
        ppr = p.find(f"{W}pPr")
        style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
        sid = style_el.get(f"{W}val") if style_el is not None else styles.default_para
        p_outline = ppr.find(f"{W}outlineLvl") if ppr is not None else None
        runs = []
        for r in p.iter(f"{W}r"):
            t = "".join(x.text or "" for x in r.iter(f"{W}t"))
            if t:
                runs.append((r.find(f"{W}rPr"), t))
        text = "".join(t for _, t in runs)
        if not text.strip():
            continue
        stats = script_stats(text)
        total = add_stats(total, stats)
        if styles.is_heading(sid) or (p_outline is not None and (p_outline.get(f"{W}val") or "9").isdigit()
                                      and int(p_outline.get(f"{W}val")) <= 8):
            headings += 1
        else:
            bold = all((_bold(rpr) if _bold(rpr) is not None else bool(styles.prop(sid, "bold"))) for rpr, _ in runs)
            size = max((_size(rpr) or styles.prop(sid, "size") or styles.default_size) for rpr, _ in runs)
            stripped = text.strip()
            if bold and size >= styles.default_size * 1.15 and len(stripped) <= 60 and not stripped.endswith("。"):
                heading_like.append(stripped)
        for rpr, t in runs:
            st = script_stats(t)
            cjk = st["kana"] + st["kanji"]
            if cjk:
                lang = _lang(rpr) or styles.prop(sid, "lang") or styles.default_lang
                ja_chars_by_lang[lang] = ja_chars_by_lang.get(lang, 0) + cjk
    facts["headings"] = headings
    facts["heading_like"] = [short(h, 30) for h in heading_like[:5]]
    if headings:
        verdicts.append(verdict("DOC23", PASSED, count=headings))
    elif heading_like:
        verdicts.append(verdict("DOC23", CANT_TELL, "word/document.xml", count=len(heading_like),
                                examples="「" + "」「".join(short(h, 20) for h in heading_like[:3]) + "」"))
    else:
        verdicts.append(verdict("DOC23", INAPPLICABLE))
    # language
    lang = styles.default_lang or styles.default_lang_val
    if not sum(total.values()):
        verdicts.append(verdict("DOC25", INAPPLICABLE))
    elif is_japanese(total):
        cjk = sum(ja_chars_by_lang.values()) or 1
        other = {k: n for k, n in ja_chars_by_lang.items() if k and primary_subtag(k) != "ja"}
        unset = ja_chars_by_lang.get(None, 0)
        if sum(other.values()) / cjk >= 0.5:
            wrong = max(other, key=other.get)
            verdicts.append(verdict("DOC25", FAILED, "word/styles.xml", variant="mismatch", lang=wrong))
        elif unset / cjk >= 0.5:
            verdicts.append(verdict("DOC25", CANT_TELL, variant="missing"))
        else:
            verdicts.append(verdict("DOC25", PASSED, lang=lang or ""))
    elif styles.default_lang_val:
        verdicts.append(verdict("DOC25", PASSED, lang=styles.default_lang_val))
    else:
        verdicts.append(verdict("DOC25", CANT_TELL, variant="missing"))
    facts["text"] = total
    return total, lang


def _pptx(pkg: Package, verdicts: list, facts: dict, slides: list[str]) -> tuple[dict, str | None]:
    pres = pkg.xml("ppt/presentation.xml")
    default_lang = None
    if pres is not None:
        for d in pres.iter("{*}defRPr"):
            if d.get("lang"):
                default_lang = d.get("lang")
                break
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
                rpr = r.find("{*}rPr")
                langs = [x for x in ((rpr.get("lang") if rpr is not None else None) or default_lang,
                                     rpr.get("altLang") if rpr is not None else None) if x]
                if not langs:
                    cjk_by_ok["unset"] += cjk
                elif any(primary_subtag(x) == "ja" for x in langs):
                    cjk_by_ok["ja"] += cjk
                else:
                    cjk_by_ok["other"] += cjk
                    other_langs[langs[0]] = other_langs.get(langs[0], 0) + cjk
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
