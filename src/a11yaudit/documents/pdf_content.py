"""PDF page content (runs inside the worker process): one pass over every page's content-stream operators (qpdf's
parser, through pikepdf) gives the glyphs shown per font, their text (pdf_fonts), the marked-content sequences with
/ActualText or /Artifact, filled paths and the share of the page covered by images, without decoding any image
(rules DOC04 and DOC05, documented in pdf.py)."""

from __future__ import annotations

import time

from .common import Hostile, script_stats, short
from .pdf_fonts import _Decoder, _font_label, _font_mapping
from .pdf_objects import _check_stream, _text

FILL_OPS = {"f", "F", "f*", "B", "B*", "b", "b*"}
TEXT_OPS = {"Tj", "TJ", "'", '"'}
MAX_OPS = 5_000_000
SCAN_OPS = "q Q cm Do Tf Tj TJ ' \" f F f* B B* b b* ET BDC BMC EMC INLINE IMAGE"


def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _concat(values, ctm):
    """`values` (a cm operand list or a form /Matrix) applied to ctm; ctm unchanged when they are not numbers."""
    try:
        return _mul(tuple(float(x) for x in values), ctm)
    except (TypeError, ValueError):
        return ctm


def _area(ctm, box) -> float:
    a, b, c, d, e, f = ctm
    xs = [e, a + e, c + e, a + c + e]
    ys = [f, b + f, d + f, b + d + f]
    x0, x1 = max(min(xs), box[0]), min(max(xs), box[2])
    y0, y1 = max(min(ys), box[1]), min(max(ys), box[3])
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


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


def _check_contents(pikepdf, obj, limits) -> None:
    if isinstance(obj, pikepdf.Stream):
        _check_stream(obj, limits)
    elif "/Contents" in obj:
        contents = obj.get("/Contents")
        for s in (contents if isinstance(contents, pikepdf.Array) else [contents]):
            if isinstance(s, pikepdf.Stream):
                _check_stream(s, limits)


def _scan(pikepdf, obj, resources, ctm, box, scan: _PageScan, limits, depth: int, forms: tuple, budget: list,
          decoders: dict, in_artifact: bool = False):
    if depth > 8:
        return
    _check_contents(pikepdf, obj, limits)
    stack = []
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
            ctm = _concat(operands, ctm)
        elif op == "Tf" and operands:
            font_key, decoder = _set_font(pikepdf, operands, fonts, scan, decoders, limits)
        elif op in ("BDC", "BMC"):
            _begin_marked(pikepdf, op, operands, scan, marked, artifact)
        elif op == "EMC":
            if marked:
                marked.pop()
                if len(artifact) > 1:
                    artifact.pop()
        elif op == "ET":
            if scan.text and scan.text[-1] != "\n":
                scan.text.append("\n")
        elif op in TEXT_OPS:
            _show_text(pikepdf, operands, decoder, font_key, any(marked), scan)
        elif op in FILL_OPS:
            scan.fills += 1
        elif op == "INLINE IMAGE":
            _paint_image(ctm, box, scan, any(artifact))
        elif op == "Do" and operands and xobjects is not None:
            _do(pikepdf, operands[0], xobjects, resources, ctm, box, scan, limits, depth, forms, budget, decoders,
                any(artifact))


def _set_font(pikepdf, operands, fonts, scan: _PageScan, decoders: dict, limits) -> tuple:
    """Tf: the key of the font selected and its decoder (None, None for a font that is not in the resources)."""
    name = str(operands[0])
    font = fonts.get(name) if fonts is not None and name in fonts else None
    if not isinstance(font, pikepdf.Dictionary):
        return None, None
    font_key = font.objgen if font.objgen != (0, 0) else (name, id(font))
    scan.fonts[font_key] = font
    if font_key not in decoders:
        decoders[font_key] = _Decoder(pikepdf, font, limits)
    return font_key, decoders[font_key]


def _begin_marked(pikepdf, op: str, operands, scan: _PageScan, marked: list, artifact: list) -> None:
    """BDC/BMC: an /ActualText sequence gives its text instead of its glyphs'; an /Artifact one is decorative."""
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


def _show_text(pikepdf, operands, decoder, font_key, replaced: bool, scan: _PageScan) -> None:
    """Tj, TJ, ', ": the glyphs shown and their text; `replaced`: readers take an enclosing ActualText instead of
    these glyphs' own text."""
    strings = []
    for operand in operands:
        if isinstance(operand, pikepdf.String):
            strings.append(bytes(operand))
        elif isinstance(operand, pikepdf.Array):
            strings += [bytes(x) for x in operand if isinstance(x, pikepdf.String)]
    n = 0
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


def _paint_image(ctm, box, scan: _PageScan, in_artifact: bool) -> None:
    if in_artifact:
        scan.artifact_area += _area(ctm, box)
    else:
        scan.image_area += _area(ctm, box)
    scan.images += 1


def _do(pikepdf, operand, xobjects, resources, ctm, box, scan: _PageScan, limits, depth: int, forms: tuple,
        budget: list, decoders: dict, in_artifact: bool) -> None:
    """Do: an image XObject is painted; a form XObject's content is scanned (once per chain: no loops)."""
    name = str(operand)
    xo = xobjects.get(name) if name in xobjects else None
    if not isinstance(xo, pikepdf.Stream):
        return
    sub = str(xo.get("/Subtype"))
    if sub == "/Image":
        _paint_image(ctm, box, scan, in_artifact)
        try:
            w, h = int(xo.get("/Width", 0)), int(xo.get("/Height", 0))
        except (TypeError, ValueError):
            w = h = 0
        if w * h > scan.max_image[0] * scan.max_image[1]:
            scan.max_image = (w, h)
    elif sub == "/Form" and xo.objgen not in forms:
        m = xo.get("/Matrix")
        fctm = _concat(m, ctm) if isinstance(m, pikepdf.Array) and len(m) == 6 else ctm
        _scan(pikepdf, xo, xo.get("/Resources") or resources, fctm, box, scan, limits, depth + 1,
              forms + (xo.objgen,), budget, decoders, in_artifact)


class PageContent:
    """What the pages' content streams show, page by page and over the document."""

    def __init__(self):
        self.scans: list[dict] = []        # per page: glyphs, cover, fills, artifact_cover, images, fonts, actual_text
        self.page_stats: list[dict] = []   # per page: chars, stats (script_stats), sample
        self.decoders: dict = {}
        self.fonts: dict = {}
        self.font_glyphs: dict = {}
        self.max_image = (0, 0)


def _page_box(page) -> list[float]:
    try:
        box = [float(x) for x in page.mediabox]
        return [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
    except Exception:  # noqa: BLE001 — a malformed box: A4
        return [0.0, 0.0, 595.0, 842.0]


def scan_pages(pikepdf, pdf, n_pages: int, limits, t0: float, facts: dict) -> PageContent:
    """The content of every page, up to the scan limit and 60 % of the time limit: glyphs and their text, image
    cover, fonts."""
    content = PageContent()
    budget = [0]
    scanned = min(n_pages, limits.max_scan_pages)
    for i in range(scanned):
        if time.monotonic() - t0 > limits.timeout_s * 0.6:
            facts["scan_stopped"] = f"{i} of {n_pages} pages scanned within the time limit"
            scanned = i
            break
        _scan_page(pikepdf, pdf.pages[i], i, limits, budget, content, facts)
    facts["scanned_pages"] = scanned
    facts["max_image"] = list(content.max_image)
    facts["huge_image"] = content.max_image[0] * content.max_image[1] > limits.huge_image_pixels
    return content


def _scan_page(pikepdf, page, i: int, limits, budget: list, content: PageContent, facts: dict) -> None:
    box = _page_box(page)
    scan = _PageScan()
    try:
        _scan(pikepdf, page.obj, page.obj.get("/Resources"), (1, 0, 0, 1, 0, 0), box, scan, limits, 0, (),
              budget, content.decoders)
    except pikepdf.PdfError as exc:
        facts.setdefault("page_errors", []).append(f"p. {i + 1}: {short(str(exc), 120)}")
    area = max(1.0, (box[2] - box[0]) * (box[3] - box[1]))
    content.scans.append({"glyphs": scan.glyphs, "cover": min(1.0, scan.image_area / area), "fills": scan.fills,
                          "artifact_cover": min(1.0, scan.artifact_area / area),
                          "images": scan.images, "fonts": set(scan.fonts), "actual_text": scan.actual_text})
    page_text = "".join(scan.text)
    content.page_stats.append({"chars": sum(1 for c in page_text if not c.isspace()),
                               "stats": script_stats(page_text), "sample": page_text[:200] if i < 3 else ""})
    content.fonts.update(scan.fonts)
    for key, n in scan.font_glyphs.items():
        content.font_glyphs[key] = content.font_glyphs.get(key, 0) + n
    if scan.max_image[0] * scan.max_image[1] > content.max_image[0] * content.max_image[1]:
        content.max_image = scan.max_image


def font_facts(pikepdf, content: PageContent, facts: dict) -> tuple[dict, set, set]:
    """The Unicode mapping of every font used: font key → mapping, and the keys of the fonts that showed glyphs
    without a mapping ('unmapped') or with one that cannot be told ('unknown')."""
    fonts, font_glyphs = content.fonts, content.font_glyphs
    mapping = {key: _font_mapping(pikepdf, f) for key, f in fonts.items()}
    facts["fonts"] = len(fonts)
    unmapped = {k for k, m in mapping.items() if m == "unmapped" and font_glyphs.get(k, 0) > 0}
    unknown = {k for k, m in mapping.items() if m == "unknown" and font_glyphs.get(k, 0) > 0}
    facts["fonts_without_unicode"] = sorted(_font_label(fonts[k], k) for k in unmapped)[:20]
    return mapping, unmapped, unknown
