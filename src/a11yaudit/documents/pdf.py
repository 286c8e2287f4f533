"""PDF analysis (runs inside the worker process) with pikepdf: the structure, and the text of every page decoded
from its content streams the way a reader's PDF library gets it (ToUnicode CMaps first, then predefined CMaps
such as 90ms-RKSJ-H / UniJIS-UCS2-H, standard encodings and Adobe Glyph List names — the list is pypdf's). One pass
over each page's operators gives the glyphs, their text, the fonts used and the share of the page covered by images.

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
import zlib

from .common import (Hostile, add_stats, broken_chars, is_japanese, is_mostly_latin, letters, primary_subtag,
                     LANG_TAG_RE, script_stats, short, title_problem, verdict)
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED


STANDARD_ENCODINGS = {"/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding", "/MacExpertEncoding",
                      "/PDFDocEncoding"}
STANDARD_14 = {"Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Helvetica", "Helvetica-Bold",
               "Helvetica-Oblique", "Helvetica-BoldOblique", "Courier", "Courier-Bold", "Courier-Oblique",
               "Courier-BoldOblique", "Symbol", "ZapfDingbats"}
CJK_ORDERINGS = {"Japan1", "GB1", "CNS1", "Korea1", "KR"}
HEADING_ROLES = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}
STANDARD_ROLES = {"Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
                  "NonStruct", "Private", "P", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody",
                  "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB",
                  "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form", "Title", "Aside", "FENote", "Sub",
                  "DocumentFragment", "Em", "Strong", "Artifact"} | HEADING_ROLES
GLYPH_NAME_RE = re.compile(r"^(uni[0-9A-F]{4,}|u[0-9A-F]{4,6})$")
PYPDF_GLYPH_TOKEN = re.compile(r"/[A-Za-z][A-Za-z0-9_.]*")
FILL_OPS = {"f", "F", "f*", "B", "B*", "b", "b*"}
TEXT_OPS = {"Tj", "TJ", "'", '"'}
MIN_TEXT_GLYPHS = 10
UNTAGGED_TEXT_CHARS = 200
MAX_OPS = 5_000_000
SCAN_OPS = "q Q cm Do Tf Tj TJ ' \" f F f* B B* b b* ET BDC BMC EMC INLINE IMAGE"
XREF_ONLY = re.compile(r"file is damaged|xref not found|can't find startxref|reconstruct cross-reference|"
                       r"xref stream|cross-reference", re.IGNORECASE)


def _known_glyph(name: str) -> bool:
    return _glyph_char(name) is not None


def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _area(ctm, box) -> float:
    a, b, c, d, e, f = ctm
    xs = [e, a + e, c + e, a + c + e]
    ys = [f, b + f, d + f, b + d + f]
    x0, x1 = max(min(xs), box[0]), min(max(xs), box[2])
    y0, y1 = max(min(ys), box[1]), min(max(ys), box[3])
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def _check_stream(stream, limits) -> None:
    """A Flate stream that inflates beyond limits.max_stream_bytes is a decompression bomb: found before qpdf
    decodes it whole."""
    import pikepdf
    filt = stream.get("/Filter")
    filters = [filt] if isinstance(filt, pikepdf.Name) else list(filt or [])
    if not filters or str(filters[0]) != "/FlateDecode":
        return
    raw = stream.read_raw_bytes()
    try:
        out = zlib.decompressobj().decompress(raw, limits.max_stream_bytes + 1)
    except zlib.error:
        return
    if len(out) > limits.max_stream_bytes:
        raise Hostile("decompression_bomb", f"a content stream of {len(raw):,} bytes inflates beyond "
                                            f"{limits.max_stream_bytes:,} bytes")


_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
PREDEFINED_CODECS = {"90ms-RKSJ-H": "cp932", "90ms-RKSJ-V": "cp932", "90msp-RKSJ-H": "cp932",
                     "90msp-RKSJ-V": "cp932", "83pv-RKSJ-H": "cp932", "EUC-H": "euc_jp", "EUC-V": "euc_jp",
                     "UniJIS-UCS2-H": "utf-16-be", "UniJIS-UCS2-V": "utf-16-be", "UniJIS-UCS2-HW-H": "utf-16-be",
                     "UniJIS-UCS2-HW-V": "utf-16-be", "UniJIS-UTF16-H": "utf-16-be", "UniJIS-UTF16-V": "utf-16-be",
                     "UniGB-UCS2-H": "utf-16-be", "UniCNS-UCS2-H": "utf-16-be", "UniKS-UCS2-H": "utf-16-be"}
MAX_CMAP_ENTRIES = 200_000


def _hexint(b: bytes) -> int:
    b = re.sub(rb"\s", b"", b)
    return int(b, 16) if b else 0


def _hexstr(b: bytes) -> str:
    b = re.sub(rb"\s", b"", b)
    if len(b) % 4:
        b = b.rjust(len(b) + 4 - len(b) % 4, b"0")
    try:
        return bytes.fromhex(b.decode()).decode("utf-16-be", "replace")
    except ValueError:
        return "\ufffd"


def parse_tounicode(data: bytes) -> tuple[dict, list]:
    """A ToUnicode CMap: code → text, and the codespace ranges (bytes, lo, hi)."""
    mapping: dict = {}
    spaces = []
    for block in re.findall(rb"begincodespacerange(.*?)endcodespacerange", data, re.S):
        for lo, hi in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            spaces.append((len(lo) // 2, int(lo, 16), int(hi, 16)))
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f\s]*)>", block):
            mapping[int(src, 16)] = _hexstr(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f\s]*>|\[[^\]]*\])", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if hi_i < lo_i or len(mapping) + (hi_i - lo_i) > MAX_CMAP_ENTRIES:
                continue
            if rest.startswith(b"["):
                for i, d in enumerate(_HEX.findall(rest)):
                    mapping[lo_i + i] = _hexstr(d)
            else:
                start = _hexstr(rest[1:-1])
                if not start:
                    continue
                base = ord(start[-1])
                for i in range(hi_i - lo_i + 1):
                    if base + i > 0x10FFFF:
                        break
                    mapping[lo_i + i] = start[:-1] + chr(base + i)
    return mapping, spaces


class _Decoder:
    """Character codes of one font → glyph count and Unicode text, as a screen reader's PDF library would get it:
    ToUnicode first, then a predefined CMap or a standard encoding / Adobe Glyph List names."""

    def __init__(self, pikepdf, font, limits):
        self.type0 = str(font.get("/Subtype")) == "/Type0"
        self.map: dict | None = None
        self.spaces: list = []
        self.codec = None
        self.simple: dict | None = None
        self.failed = False
        tu = font.get("/ToUnicode")
        if isinstance(tu, pikepdf.Stream):
            _check_stream(tu, limits)
            try:
                self.map, self.spaces = parse_tounicode(tu.read_bytes())
            except pikepdf.PdfError:     # an unreadable ToUnicode: no text from this font, and the file is damaged
                self.map, self.failed = None, True
            return
        enc = font.get("/Encoding")
        if self.type0:
            if isinstance(enc, pikepdf.Name):
                self.codec = PREDEFINED_CODECS.get(str(enc).lstrip("/"))
            return
        table = {}
        if isinstance(enc, pikepdf.Name) and str(enc) in ("/WinAnsiEncoding", "/StandardEncoding"):
            table = {i: bytes([i]).decode("cp1252", "replace") for i in range(32, 256)}
        elif isinstance(enc, pikepdf.Name) and str(enc) == "/MacRomanEncoding":
            table = {i: bytes([i]).decode("mac_roman", "replace") for i in range(32, 256)}
        elif isinstance(enc, pikepdf.Dictionary):
            if str(enc.get("/BaseEncoding", "")) in ("/WinAnsiEncoding", "/StandardEncoding", "/MacRomanEncoding"):
                table = {i: bytes([i]).decode("cp1252", "replace") for i in range(32, 256)}
            code = 0
            for item in enc.get("/Differences") or []:
                if isinstance(item, pikepdf.Name):
                    ch = _glyph_char(str(item))
                    if ch is not None:
                        table[code] = ch
                    else:
                        table.pop(code, None)
                    code += 1
                else:
                    try:
                        code = int(item)
                    except (TypeError, ValueError):
                        pass
        else:
            base = str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
            if base in STANDARD_14 and base not in ("Symbol", "ZapfDingbats"):
                table = {i: bytes([i]).decode("cp1252", "replace") for i in range(32, 256)}
        self.simple = table

    def _codes(self, data: bytes):
        if not self.type0 and not self.spaces:
            yield from data
            return
        i, n = 0, len(data)
        while i < n:
            size = 2 if self.type0 else 1
            for nbytes, lo, hi in self.spaces:
                if i + nbytes <= n and lo <= int.from_bytes(data[i:i + nbytes], "big") <= hi:
                    size = nbytes
                    break
            yield int.from_bytes(data[i:i + size], "big")
            i += size

    def decode(self, data: bytes) -> tuple[int, str]:
        if self.codec:
            try:
                text = data.decode(self.codec, "replace")
            except LookupError:
                text = ""
            return len(text), text
        codes = list(self._codes(data))
        if self.map is not None:
            return len(codes), "".join(self.map.get(c, "\ufffd") for c in codes)
        if self.simple is not None:
            return len(codes), "".join(self.simple.get(c, "") for c in codes)
        return len(codes), ""            # Identity-H without ToUnicode: glyphs, no text


def _glyph_char(name: str) -> str | None:
    from pypdf._codecs.adobe_glyphs import adobe_glyphs
    base = name.lstrip("/").split(".")[0].split("_")[0]
    if ("/" + base) in adobe_glyphs:
        return adobe_glyphs["/" + base]
    m = GLYPH_NAME_RE.match(base)
    if m:
        try:
            return chr(int(base[3:7] if base.startswith("uni") else base[1:], 16))
        except ValueError:
            return None
    return None


class _PageScan:
    def __init__(self):
        self.glyphs = 0
        self.image_area = 0.0
        self.fills = 0
        self.fonts: dict = {}        # key → font dict
        self.font_glyphs: dict = {}  # key → glyphs shown
        self.max_image = (0, 0)
        self.images = 0
        self.text: list[str] = []
        self.text_len = 0
        self.actual_text = 0         # marked-content sequences with /ActualText (the text readers use instead)
        self.artifact_area = 0.0     # image area inside /Artifact sequences


def _scan(pikepdf, obj, resources, ctm, box, scan: _PageScan, limits, depth: int, forms: tuple, budget: list,
          decoders: dict, in_artifact: bool = False):
    if depth > 8:
        return
    if isinstance(obj, pikepdf.Stream):
        _check_stream(obj, limits)
    elif "/Contents" in obj:
        contents = obj.get("/Contents")
        for s in (contents if isinstance(contents, pikepdf.Array) else [contents]):
            if isinstance(s, pikepdf.Stream):
                _check_stream(s, limits)
    stack = []
    font = None
    font_key = None
    decoder = None
    marked: list[bool] = []       # open marked-content sequences: True where /ActualText replaces the glyphs
    artifact: list[bool] = [in_artifact]   # … and True where it is an /Artifact (declared decorative)
    fonts = resources.get("/Font") if resources is not None else None
    xobjects = resources.get("/XObject") if resources is not None else None
    for operands, op in pikepdf.parse_content_stream(obj, SCAN_OPS):
        budget[0] += 1
        if budget[0] > MAX_OPS:
            raise Hostile("too_complex", f"more than {MAX_OPS:,} content operators")
        op = str(op)
        if op == "q":
            stack.append(ctm)
            if len(stack) > 1000:
                stack.pop(0)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(operands) == 6:
            try:
                ctm = _mul(tuple(float(x) for x in operands), ctm)
            except (TypeError, ValueError):
                pass
        elif op == "Tf" and operands:
            name = str(operands[0])
            font = fonts.get(name) if fonts is not None and name in fonts else None
            font_key, decoder = None, None
            if isinstance(font, pikepdf.Dictionary):
                font_key = font.objgen if font.objgen != (0, 0) else (name, id(font))
                scan.fonts[font_key] = font
                if font_key not in decoders:
                    decoders[font_key] = _Decoder(pikepdf, font, limits)
                decoder = decoders[font_key]
        elif op in ("BDC", "BMC"):
            props = operands[1] if op == "BDC" and len(operands) > 1 else None
            actual = isinstance(props, pikepdf.Dictionary) and "/ActualText" in props
            if actual:
                scan.actual_text += 1
                try:
                    text = str(props.ActualText)
                except Exception:  # noqa: BLE001 — an undecodable string: no text
                    text = ""
                if not any(marked) and text and scan.text_len < 200_000:
                    scan.text.append(text)
                    scan.text_len += len(text)
            if len(marked) < 1000:
                marked.append(actual)
                artifact.append(bool(operands) and _text(operands[0]) == "/Artifact")
        elif op == "EMC":
            if marked:
                marked.pop()
                if len(artifact) > 1:
                    artifact.pop()
        elif op == "ET":
            if scan.text and scan.text[-1] != "\n":
                scan.text.append("\n")
        elif op in TEXT_OPS:
            strings = []
            for operand in operands:
                if isinstance(operand, pikepdf.String):
                    strings.append(bytes(operand))
                elif isinstance(operand, pikepdf.Array):
                    strings += [bytes(x) for x in operand if isinstance(x, pikepdf.String)]
            n = 0
            replaced = any(marked)     # readers take the ActualText instead of these glyphs' own text
            for data in strings:
                if decoder is None:
                    n += len(data)
                    continue
                glyphs, chars = decoder.decode(data)
                n += glyphs
                if chars and not replaced and scan.text_len < 200_000:
                    scan.text.append(chars)
                    scan.text_len += len(chars)
            scan.glyphs += n
            if font_key is not None and not replaced:
                scan.font_glyphs[font_key] = scan.font_glyphs.get(font_key, 0) + n
        elif op in FILL_OPS:
            scan.fills += 1
        elif op == "INLINE IMAGE":
            if any(artifact):
                scan.artifact_area += _area(ctm, box)
            else:
                scan.image_area += _area(ctm, box)
            scan.images += 1
        elif op == "Do" and operands and xobjects is not None:
            name = str(operands[0])
            xo = xobjects.get(name) if name in xobjects else None
            if not isinstance(xo, pikepdf.Stream):
                continue
            sub = str(xo.get("/Subtype"))
            if sub == "/Image":
                if any(artifact):
                    scan.artifact_area += _area(ctm, box)
                else:
                    scan.image_area += _area(ctm, box)
                scan.images += 1
                try:
                    w, h = int(xo.get("/Width", 0)), int(xo.get("/Height", 0))
                except (TypeError, ValueError):
                    w = h = 0
                if w * h > scan.max_image[0] * scan.max_image[1]:
                    scan.max_image = (w, h)
            elif sub == "/Form" and xo.objgen not in forms:
                m = xo.get("/Matrix")
                fctm = ctm
                if isinstance(m, pikepdf.Array) and len(m) == 6:
                    try:
                        fctm = _mul(tuple(float(x) for x in m), ctm)
                    except (TypeError, ValueError):
                        pass
                _scan(pikepdf, xo, xo.get("/Resources") or resources, fctm, box, scan, limits, depth + 1,
                      forms + (xo.objgen,), budget, decoders, any(artifact))


def _font_mapping(pikepdf, font) -> str:
    """'tounicode' | 'mapped' (a standard way to Unicode, ISO 32000-1 §9.10.2) | 'unmapped' | 'unknown'."""
    if isinstance(font.get("/ToUnicode"), pikepdf.Stream):
        return "tounicode"
    subtype = str(font.get("/Subtype"))
    enc = font.get("/Encoding")
    if subtype == "/Type0":
        if isinstance(enc, pikepdf.Name) and str(enc) not in ("/Identity-H", "/Identity-V"):
            return "mapped"           # a predefined CMap (90ms-RKSJ-H, UniJIS-UCS2-H …)
        try:
            info = font.DescendantFonts[0].get("/CIDSystemInfo")
            if str(info.get("/Registry")) == "Adobe" and str(info.get("/Ordering")) in CJK_ORDERINGS:
                return "mapped"
        except (AttributeError, IndexError, KeyError, TypeError):
            pass
        return "unmapped"
    if isinstance(enc, pikepdf.Name):
        return "mapped" if str(enc) in STANDARD_ENCODINGS else "unknown"
    if isinstance(enc, pikepdf.Dictionary):
        names = {str(n) for n in (enc.get("/Differences") or []) if isinstance(n, pikepdf.Name)}
        if not names:
            return "mapped" if "/BaseEncoding" in enc else "unknown"
        unknown = sum(1 for n in names if not _known_glyph(n))
        return "unmapped" if unknown / len(names) >= 0.5 else "mapped"
    base = str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
    if base in STANDARD_14:
        return "mapped"
    return "unmapped" if subtype == "/Type3" else "unknown"


def _text(obj) -> str | None:
    """str() of a PDF name or string that never raises (a damaged file may hold names that are not UTF-8)."""
    if obj is None:
        return None
    try:
        return str(obj)
    except UnicodeDecodeError:
        try:
            return bytes(obj).decode("latin-1")
        except Exception:  # noqa: BLE001 — a Name has no bytes(): its written form
            return obj.unparse().decode("latin-1") if hasattr(obj, "unparse") else "?"


def _font_label(font, key) -> str:
    name = font.get("/BaseFont") or font.get("/Name")
    if name is not None:
        return str(name).lstrip("/").split("+")[-1]
    return f"{str(font.get('/Subtype', '/Font')).lstrip('/')} {key[0] if isinstance(key, tuple) else key}"


def _xmp_title(pikepdf, pdf) -> str | None:
    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return None
    try:
        data = meta.read_bytes()
    except Exception:  # noqa: BLE001 — a broken metadata stream: no XMP title
        return None
    if len(data) > 4 << 20 or b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        return None
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data.strip(), parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    for li in root.iterfind(".//{http://purl.org/dc/elements/1.1/}title//{*}li"):
        if (li.text or "").strip():
            return li.text.strip()
    return None


def _outline_count(pikepdf, root, cap=100_000) -> int:
    outlines = root.get("/Outlines")
    if not isinstance(outlines, pikepdf.Dictionary):
        return 0
    n, seen, stack = 0, set(), [outlines.get("/First")]
    while stack and n < cap:
        item = stack.pop()
        while isinstance(item, pikepdf.Dictionary) and n < cap:
            key = item.objgen
            if key != (0, 0):
                if key in seen:
                    break
                seen.add(key)
            n += 1
            if isinstance(item.get("/First"), pikepdf.Dictionary):
                stack.append(item.get("/First"))
            item = item.get("/Next")
    return n


def _javascript(pikepdf, pdf, page_objs) -> list[str]:
    where = []
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        where.append("Names/JavaScript")
    oa = root.get("/OpenAction")
    if isinstance(oa, pikepdf.Dictionary) and (str(oa.get("/S")) == "/JavaScript" or "/JS" in oa):
        where.append("OpenAction")
    if "/AA" in root:
        where.append("Catalog/AA")
    for i, page in enumerate(page_objs[:2000]):
        annots = page.get("/Annots")
        if "/AA" in page:
            where.append(f"p. {i + 1}/AA")
        if isinstance(annots, pikepdf.Array):
            for a in list(annots)[:500]:
                if isinstance(a, pikepdf.Dictionary):
                    act = a.get("/A")
                    if (isinstance(act, pikepdf.Dictionary) and str(act.get("/S")) == "/JavaScript") or "/AA" in a:
                        where.append(f"p. {i + 1}/Annot")
                        break
        if len(where) > 20:
            break
    return where


def _struct(pikepdf, root, page_numbers: dict, limits) -> dict | None:
    """Walk the structure tree (iteratively: no recursion limit, loops broken by object id)."""
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return None
    rolemap = tree.get("/RoleMap")
    rolemap = {str(k).lstrip("/"): _text(v).lstrip("/") for k, v in rolemap.items()} \
        if isinstance(rolemap, pikepdf.Dictionary) else {}

    def role_of(s: str) -> str:
        seen = 0
        while s in rolemap and s not in STANDARD_ROLES and seen < 10:
            s, seen = rolemap[s], seen + 1
        return s

    elements = []            # dicts: role, parent, page, alt, kids
    seen = set()
    stack = []
    k = tree.get("/K")
    for kid in reversed(list(k) if isinstance(k, pikepdf.Array) else [k] if k is not None else []):
        stack.append((kid, -1, None))       # reversed: the first kid is walked first (elements[0] = Document)
    truncated = False
    while stack:
        node, parent, page = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        key = node.objgen
        if key != (0, 0):
            if key in seen:
                continue
            seen.add(key)
        if len(elements) >= limits.max_struct_nodes:
            truncated = True
            break
        pg = node.get("/Pg")
        if isinstance(pg, pikepdf.Dictionary) and pg.objgen in page_numbers:
            page = page_numbers[pg.objgen]
        alt = node.get("/Alt")
        actual = node.get("/ActualText")
        lang = node.get("/Lang")
        idx = len(elements)
        kids = node.get("/K")
        kid_list = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        has_struct_kids = any(isinstance(c, pikepdf.Dictionary) and "/S" in c for c in kid_list)
        elements.append({"role": role_of(_text(node.get("/S")).lstrip("/")), "parent": parent, "page": page,
                         "alt": _text(alt).strip() if alt is not None else None,
                         "actual": _text(actual).strip() if actual is not None else None,
                         "lang": _text(lang), "kids": has_struct_kids,
                         "content": bool(kid_list)})
        if parent != -1:
            elements[parent]["kids"] = True
        for c in reversed(kid_list):
            stack.append((c, idx, page))
    return {"elements": elements, "truncated": truncated}


def analyse(path: str, limits) -> dict:
    import pikepdf
    t0 = time.monotonic()
    facts: dict = {}
    text: dict = {}
    try:
        pdf = pikepdf.open(path, access_mode=pikepdf.AccessMode.stream, attempt_recovery=True)
    except pikepdf.PasswordError:
        raise Hostile("password", "the PDF needs a password to open: nobody can read it without one")
    except pikepdf.PdfError as exc:
        raise Hostile("damaged", f"not readable as PDF: {short(str(exc), 200)}")
    with pdf:
        warnings = list(pdf.get_warnings())      # qpdf hands each warning out once
        root = pdf.Root
        facts["pdf_version"] = pdf.pdf_version
        facts["file_stem"] = re.sub(r"\.pdf$", "", path.rsplit("/", 1)[-1], flags=re.IGNORECASE)
        page_objs = [p.obj for p in pdf.pages]
        n_pages = len(page_objs)
        page_numbers = {p.objgen: i + 1 for i, p in enumerate(page_objs)}
        facts["encrypted"] = bool(pdf.is_encrypted)
        if pdf.is_encrypted:
            allow = pdf.allow
            facts["permissions"] = {"accessibility": bool(allow.accessibility), "extract": bool(allow.extract),
                                    "print": bool(allow.print_highres or allow.print_lowres)}
        mark = root.get("/MarkInfo")
        facts["marked"] = bool(isinstance(mark, pikepdf.Dictionary) and mark.get("/Marked") is True)
        struct = _struct(pikepdf, root, page_numbers, limits)
        elements = struct["elements"] if struct else []
        facts["struct_elements"] = len(elements)
        if struct and struct["truncated"]:
            facts["struct_truncated"] = True
        roles: dict = {}
        for e in elements:
            roles[e["role"]] = roles.get(e["role"], 0) + 1
        facts["roles"] = dict(sorted(roles.items(), key=lambda kv: -kv[1])[:30])
        info_title = None
        try:
            t = pdf.docinfo.get("/Title")
            info_title = _text(t).strip() if t is not None else None
        except Exception:  # noqa: BLE001 — a damaged Info dictionary
            pass
        xmp_title = _xmp_title(pikepdf, pdf)
        title = info_title or xmp_title
        vp = root.get("/ViewerPreferences")
        display = bool(isinstance(vp, pikepdf.Dictionary) and vp.get("/DisplayDocTitle") is True)
        facts.update(info_title=info_title, xmp_title=xmp_title, display_doc_title=display)
        lang = _text(root.get("/Lang")).strip() if root.get("/Lang") is not None else None
        lang_source = "catalog" if lang else None
        if not lang and elements and elements[0]["lang"]:
            lang, lang_source = elements[0]["lang"].strip(), "structure"
        facts["lang_source"] = lang_source
        facts["outline_items"] = _outline_count(pikepdf, root)
        js = _javascript(pikepdf, pdf, page_objs)
        facts["javascript"] = bool(js)
        if js:
            facts["javascript_in"] = js[:10]
        names = root.get("/Names")
        facts["attachments"] = bool(isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names)

        # content of every page (up to the scan limit and 60 % of the time limit): glyphs and their text, image
        # cover, fonts
        scans, page_stats = [], []
        budget = [0]
        decoders: dict = {}
        fonts: dict = {}
        font_glyphs: dict = {}
        max_image = (0, 0)
        scanned = min(n_pages, limits.max_scan_pages)
        for i in range(scanned):
            if time.monotonic() - t0 > limits.timeout_s * 0.6:
                facts["scan_stopped"] = f"{i} of {n_pages} pages scanned within the time limit"
                scanned = i
                break
            page = pdf.pages[i]
            try:
                box = [float(x) for x in page.mediabox]
                box = [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
            except Exception:  # noqa: BLE001 — a malformed box: A4
                box = [0.0, 0.0, 595.0, 842.0]
            scan = _PageScan()
            try:
                _scan(pikepdf, page.obj, page.obj.get("/Resources"), (1, 0, 0, 1, 0, 0), box, scan, limits, 0, (),
                      budget, decoders)
            except pikepdf.PdfError as exc:
                facts.setdefault("page_errors", []).append(f"p. {i + 1}: {short(str(exc), 120)}")
            area = max(1.0, (box[2] - box[0]) * (box[3] - box[1]))
            scans.append({"glyphs": scan.glyphs, "cover": min(1.0, scan.image_area / area), "fills": scan.fills,
                          "artifact_cover": min(1.0, scan.artifact_area / area),
                          "images": scan.images, "fonts": set(scan.fonts), "actual_text": scan.actual_text})
            page_text = "".join(scan.text)
            page_stats.append({"chars": sum(1 for c in page_text if not c.isspace()),
                               "stats": script_stats(page_text), "sample": page_text[:200] if i < 3 else ""})
            fonts.update(scan.fonts)
            for key, n in scan.font_glyphs.items():
                font_glyphs[key] = font_glyphs.get(key, 0) + n
            if scan.max_image[0] * scan.max_image[1] > max_image[0] * max_image[1]:
                max_image = scan.max_image
        facts["scanned_pages"] = scanned
        facts["max_image"] = list(max_image)
        facts["huge_image"] = max_image[0] * max_image[1] > limits.huge_image_pixels
        mapping = {key: _font_mapping(pikepdf, f) for key, f in fonts.items()}
        facts["fonts"] = len(fonts)
        unmapped = {k for k, m in mapping.items() if m == "unmapped" and font_glyphs.get(k, 0) > 0}
        unknown = {k for k, m in mapping.items() if m == "unknown" and font_glyphs.get(k, 0) > 0}
        facts["fonts_without_unicode"] = sorted(_font_label(fonts[k], k) for k in unmapped)[:20]
        warnings += pdf.get_warnings()
        if any(d.failed for d in decoders.values()):
            warnings.append("a ToUnicode stream could not be read")
        warnings += facts.get("page_errors", [])
    if warnings:
        facts["repaired"] = True
        facts["warnings"] = [short(w.split(": ", 1)[-1], 160) for w in warnings[:5]]
        # beyond a rebuilt cross-reference table, objects were damaged or lost: what is missing may be the damage
        facts["damaged_objects"] = any(not XREF_ONLY.search(w) for w in warnings)
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
    result = {"kind": "pdf", "pages": n_pages, "title": title, "lang": lang, "facts": facts, "text": text}
    has_text = glyphs >= MIN_TEXT_GLYPHS
    lists = {"image_only": image_only, "artifact": artifact_only, "outlined": outlined}     # whole, not capped
    result["verdicts"] = verdicts = _verdicts(facts, text, elements, title, lang, n_pages, has_text, total, scans,
                                              page_stats, mapping, font_glyphs, unmapped, unknown, limits, lists)
    if facts.get("damaged_objects"):
        for v in verdicts:        # precision: a failure of a damaged file may only show the damage
            if v["outcome"] == FAILED:
                v["outcome"] = CANT_TELL
                v["details"]["damaged"] = True
    return result


def _pages(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    return f"p. {shown}" + (" …" if len(pages) > 10 else "")


def _verdicts(facts, text, elements, title, lang, n_pages, has_text, total, scans, page_stats, mapping, font_glyphs,
              unmapped, unknown, limits, lists) -> list[dict]:
    v = []
    tagged = len(elements) > 0
    chars = max(text["chars"], text["glyphs"])
    # DOC01 tagged
    if tagged:
        v.append(verdict("DOC01", PASSED if facts["marked"] else CANT_TELL,
                         variant=None if facts["marked"] else "not_marked", elements=len(elements)))
    elif not has_text:
        v.append(verdict("DOC01", INAPPLICABLE))
    else:
        v.append(verdict("DOC01", FAILED if chars >= UNTAGGED_TEXT_CHARS else CANT_TELL,
                         variant="untagged" if chars >= UNTAGGED_TEXT_CHARS else "little_text", chars=chars))
    # DOC02 title
    problem = title_problem(title)
    if problem is None and title and title.strip().lower() == facts.get("file_stem", "").lower():
        problem = "file_name"       # Pillow and some scanners write the file name as the title
    if problem in ("missing", "placeholder"):
        v.append(verdict("DOC02", FAILED, variant=problem, title=title or ""))
    elif problem == "file_name":
        v.append(verdict("DOC02", CANT_TELL, variant="file_name", title=title))
    elif not facts["display_doc_title"]:
        v.append(verdict("DOC02", CANT_TELL, variant="display", title=title))
    else:
        v.append(verdict("DOC02", PASSED, title=title))
    # DOC03 language
    japanese = is_japanese(total)
    if not has_text:
        v.append(verdict("DOC03", INAPPLICABLE, lang=lang or ""))
    elif not lang:
        v.append(verdict("DOC03", FAILED, variant="missing"))
    elif not LANG_TAG_RE.match(lang):
        # "ja_JP", "ja JP": malformed, but readers may still take the language from its first letters
        primary = primary_subtag(lang) or ""
        near = re.fullmatch(r"[a-z]{2,3}", primary) and (primary == "ja") == japanese
        v.append(verdict("DOC03", CANT_TELL if near else FAILED, variant="invalid", lang=lang))
    elif japanese and primary_subtag(lang) != "ja":
        v.append(verdict("DOC03", FAILED, variant="mismatch", lang=lang))
    elif primary_subtag(lang) == "ja" and is_mostly_latin(total):
        v.append(verdict("DOC03", CANT_TELL, variant="latin_text", lang=lang))
    else:
        v.append(verdict("DOC03", PASSED, lang=lang))
    # DOC04 text layer
    image_only = lists["image_only"]
    if image_only:
        alt_pages = {e["page"] for e in elements if e["role"] == "Figure" and (e["alt"] or e["actual"])}
        bare = [p for p in image_only if p not in alt_pages]
        if bare:
            v.append(verdict("DOC04", FAILED, _pages(bare), variant="all" if len(bare) == n_pages else "some",
                             pages=_pages(bare), count=len(bare), total=n_pages))
        else:
            v.append(verdict("DOC04", CANT_TELL, _pages(image_only), variant="alt", pages=_pages(image_only)))
    elif lists["artifact"]:
        pages = lists["artifact"]
        v.append(verdict("DOC04", CANT_TELL, _pages(pages), variant="artifact", pages=_pages(pages)))
    elif lists["outlined"]:
        v.append(verdict("DOC04", CANT_TELL, _pages(lists["outlined"]), variant="outlined",
                         pages=_pages(lists["outlined"])))
    elif n_pages:
        v.append(verdict("DOC04", PASSED))
    else:
        v.append(verdict("DOC04", INAPPLICABLE))
    # DOC05 Unicode mapping of the text
    glyphs_unmapped = sum(font_glyphs.get(k, 0) for k in unmapped)
    bad_pages = [i + 1 for i, s in enumerate(scans) if s["fonts"] & unmapped]
    pua_pages = []
    for i, st in enumerate(page_stats):
        broken = broken_chars(st["stats"])
        if broken >= 20 and broken / max(1, broken + letters(st["stats"])) >= 0.3 \
                and i < len(scans) and all(mapping.get(k) == "tounicode" for k in scans[i]["fonts"]):
            pua_pages.append(i + 1)
    if not has_text:
        v.append(verdict("DOC05", INAPPLICABLE))
    elif glyphs_unmapped >= MIN_TEXT_GLYPHS:
        # failed when a real share of the text is unreadable (glyphs inside /ActualText spans are not counted: readers
        # take the ActualText); a few symbols (a logo, ornaments) → cantTell
        share = glyphs_unmapped >= max(MIN_TEXT_GLYPHS, 0.05 * text["glyphs"])
        v.append(verdict("DOC05", FAILED if share else CANT_TELL, _pages(bad_pages),
                         variant="no_mapping", pages=_pages(bad_pages),
                         fonts=", ".join(facts["fonts_without_unicode"][:5])))
    elif pua_pages:
        v.append(verdict("DOC05", FAILED, _pages(pua_pages), variant="broken", pages=_pages(pua_pages)))
    elif total.get("radicals", 0) >= 3:
        rad_pages = [i + 1 for i, st in enumerate(page_stats) if st["stats"].get("radicals", 0)]
        v.append(verdict("DOC05", CANT_TELL, _pages(rad_pages), variant="radicals", count=total["radicals"],
                         pages=_pages(rad_pages)))
    elif unknown:
        pages = [i + 1 for i, s in enumerate(scans) if s["fonts"] & unknown]
        v.append(verdict("DOC05", CANT_TELL, _pages(pages), variant="unknown", pages=_pages(pages)))
    else:
        v.append(verdict("DOC05", PASSED))
    # DOC06 encryption
    perms = facts.get("permissions")
    if not facts["encrypted"]:
        v.append(verdict("DOC06", INAPPLICABLE))
    elif perms and not perms["accessibility"]:
        v.append(verdict("DOC06", CANT_TELL))
    else:
        v.append(verdict("DOC06", PASSED))
    # DOC07 bookmarks (best practice)
    if n_pages < limits.long_document_pages:
        v.append(verdict("DOC07", INAPPLICABLE, pages=n_pages))
    else:
        v.append(verdict("DOC07", PASSED if facts["outline_items"] else CANT_TELL, pages=n_pages))
    # DOC08 figures
    figures = [e for e in elements if e["role"] == "Figure"]
    if not figures:
        v.append(verdict("DOC08", INAPPLICABLE))
    else:
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
            v.append(verdict("DOC08", FAILED, _pages(pages) if pages else "", count=len(bare),
                             pages=_pages(pages) if pages else "-"))
        elif missing:
            pages = sorted({e["page"] for e in missing if e["page"]})
            v.append(verdict("DOC08", CANT_TELL, _pages(pages) if pages else "", variant="container",
                             count=len(missing), pages=_pages(pages) if pages else "-"))
        else:
            v.append(verdict("DOC08", PASSED, count=len(figures)))
    # DOC09 tables
    tables = [i for i, e in enumerate(elements) if e["role"] == "Table"]
    if not tables:
        v.append(verdict("DOC09", INAPPLICABLE))
    else:
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
            v.append(verdict("DOC09", CANT_TELL, _pages(pages) if pages else "", count=len(no_th),
                             pages=_pages(pages) if pages else "-"))
        else:
            v.append(verdict("DOC09", PASSED, count=len(tables)))
    # DOC10 headings
    if not tagged:
        v.append(verdict("DOC10", INAPPLICABLE))
    elif any(e["role"] in HEADING_ROLES for e in elements):
        v.append(verdict("DOC10", PASSED))
    elif n_pages >= 2 or chars >= 500:
        v.append(verdict("DOC10", CANT_TELL, pages=n_pages))
    else:
        v.append(verdict("DOC10", INAPPLICABLE))
    return v
