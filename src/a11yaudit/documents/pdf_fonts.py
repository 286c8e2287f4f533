"""PDF fonts (runs inside the worker process): character codes → glyph count and Unicode text the way a reader's
PDF library gets them (ToUnicode CMaps first, then predefined CMaps such as 90ms-RKSJ-H / UniJIS-UCS2-H, standard
encodings and Adobe Glyph List names — the list is pypdf's), and whether a font has a standard way to Unicode at
all (ISO 32000-1 §9.10.2; rule DOC05, documented in pdf.py)."""

from __future__ import annotations

import re

from .pdf_objects import _check_stream


STANDARD_ENCODINGS = {"/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding", "/MacExpertEncoding",
                      "/PDFDocEncoding"}
STANDARD_14 = {"Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Helvetica", "Helvetica-Bold",
               "Helvetica-Oblique", "Helvetica-BoldOblique", "Courier", "Courier-Bold", "Courier-Oblique",
               "Courier-BoldOblique", "Symbol", "ZapfDingbats"}
CJK_ORDERINGS = {"Japan1", "GB1", "CNS1", "Korea1", "KR"}
GLYPH_NAME_RE = re.compile(r"^(uni[0-9A-F]{4,}|u[0-9A-F]{4,6})$")
PYPDF_GLYPH_TOKEN = re.compile(r"/[A-Za-z][A-Za-z0-9_.]*")
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


def _known_glyph(name: str) -> bool:
    return _glyph_char(name) is not None


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


def _font_label(font, key) -> str:
    name = font.get("/BaseFont") or font.get("/Name")
    if name is not None:
        return str(name).lstrip("/").split("+")[-1]
    return f"{str(font.get('/Subtype', '/Font')).lstrip('/')} {key[0] if isinstance(key, tuple) else key}"

