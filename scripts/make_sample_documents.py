#!/usr/bin/env python3
"""Makes the sample documents of the document checks (src/a11yaudit/documents) with Japanese text, and
`expected.yaml`, the outcomes each document must get.

    .venv/bin/python scripts/make_sample_documents.py OUT_DIR [--only NAME ...] [--hostile] [--large-mb 200]

Every file is made by a real tool: PDFs by Chromium's print to PDF (Playwright `page.pdf(tagged=…, outline=…)`),
the scan by Pillow (a rendered page image saved as PDF), the Office files by python-docx, openpyxl and
python-pptx. Where a defect has to be planted into a tool's output (a font without ToUnicode, encryption, a
script), pikepdf changes the Chromium PDF the way other PDF writers leave it. No third-party document is copied.
The sample site (examples/sample-site) may link to the folder this writes.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import zlib
from pathlib import Path

import yaml

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
FONT_CANDIDATES = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"]

BODY = ("みどり県では、県民の皆さまの暮らしを支えるため、子育て支援、防災、福祉の施策を進めています。"
        "このお知らせでは、令和8年度の主な取り組みと申請の方法をご案内します。申請書は各市町村の窓口でも受け付けます。")

STYLE = "<style>body{font-family:'Noto Sans CJK JP',sans-serif;font-size:12pt;line-height:1.7}" \
        "table{border-collapse:collapse}td,th{border:1px solid #333;padding:4px}</style>"


def _html(title: str | None, lang: str | None, body: str) -> str:
    head = f"<title>{title}</title>" if title else ""
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"<!doctype html><html{lang_attr}><head><meta charset='utf-8'>{head}{STYLE}</head><body>{body}</body></html>"


def _notice_body(image_uri: str, *, alt: str | None = "みどり県の位置を示す地図", th: bool = True) -> str:
    alt_attr = f' alt="{alt}"' if alt is not None else ""
    head_row = "<tr><th>区分</th><th>金額</th><th>申請期限</th></tr>" if th else \
               "<tr><td>区分</td><td>金額</td><td>申請期限</td></tr>"
    return (f"<h1>令和8年度 子育て支援給付金のお知らせ</h1><p>{BODY}</p>"
            f"<h2>給付の内容</h2><p>{BODY}</p>"
            f"<table>{head_row}<tr><td>第1子</td><td>50,000円</td><td>令和8年6月30日</td></tr>"
            f"<tr><td>第2子以降</td><td>70,000円</td><td>令和8年6月30日</td></tr></table>"
            f"<h2>地図</h2><p><img src=\"{image_uri}\"{alt_attr} width=\"240\" height=\"120\"></p>"
            f"<h2>問い合わせ先</h2><p>みどり県 子育て支援課 電話 0852-22-0000</p>")


def _english_body() -> str:
    """English text in Liberation Sans: Chromium embeds it as Type0 / Identity-H TrueType fonts."""
    text = ("The prefecture supports families with a child benefit. This notice explains who can apply, the amounts "
            "for each child and the deadline. Applications are also accepted at every municipal office. ")
    return ("<div style=\"font-family:'Liberation Sans',sans-serif\"><h1>Child benefit 2026</h1>"
            f"<p>{text * 3}</p><h2>How to apply</h2><p>{text * 2}</p></div>")


def _long_body(pages: int) -> str:
    parts = []
    for i in range(1, pages + 1):
        parts.append(f"<h2 style='page-break-before:always'>第{i}章 計画の概要（その{i}）</h2>")
        parts += [f"<p>{BODY}</p>"] * 2
    return "<h1>みどり県総合計画 本編</h1>" + "".join(parts)


def _png_bytes(width: int, height: int, text: str, scale: int = 1) -> bytes:
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font_path = next((f for f in FONT_CANDIDATES if Path(f).exists()), None)
    font = ImageFont.truetype(font_path, 14 * scale) if font_path else ImageFont.load_default()
    y = 20 * scale
    for line in text.split("\n"):
        draw.text((20 * scale, y), line, fill="black", font=font)
        y += 24 * scale
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _data_uri(png: bytes) -> str:
    import base64
    return "data:image/png;base64," + base64.b64encode(png).decode()


class Printer:
    """One Chromium for all the PDFs (Playwright print to PDF)."""

    def __enter__(self):
        from playwright.sync_api import sync_playwright
        exe = next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None)
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        self.page = self.browser.new_page()
        return self

    def pdf(self, path: Path, html: str, *, tagged: bool, outline: bool = False) -> Path:
        self.page.set_content(html, wait_until="load")
        self.page.pdf(path=str(path), format="A4", tagged=tagged, outline=outline, print_background=True)
        return path

    def __exit__(self, *exc):
        self.browser.close()
        self._pw.stop()


def _finish_pdf(path: Path, *, display_doc_title: bool = True, lang: str | None = "ja", title: str | None = None,
                drop_title: bool = False, xmp_title_only: bool = False) -> None:
    """What a careful publisher sets after printing (Chromium sets the title but neither /Lang nor
    DisplayDocTitle): pikepdf writes them into the Chromium PDF."""
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if lang:
            pdf.Root.Lang = pikepdf.String(lang)
        elif "/Lang" in pdf.Root:
            del pdf.Root["/Lang"]
        if display_doc_title:
            pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        elif "/ViewerPreferences" in pdf.Root:          # Chromium sets DisplayDocTitle itself
            del pdf.Root["/ViewerPreferences"]
        if title:
            with pdf.open_metadata() as meta:
                meta["dc:title"] = title
            pdf.docinfo["/Title"] = title
        if xmp_title_only:          # the title in XMP dc:title only, as some writers keep it
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:title"] = str(pdf.docinfo.get("/Title"))
            del pdf.docinfo["/Title"]
        if drop_title:
            if "/Title" in pdf.docinfo:
                del pdf.docinfo["/Title"]
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                if "dc:title" in meta:
                    del meta["dc:title"]
        pdf.save(path)


def _strip_to_unicode(path: Path) -> None:
    """Fonts without ToUnicode (Type0, Identity-H, Adobe-Identity): the glyphs show but no reader can map them to
    characters — the PDFs of some word processors and print drivers."""
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            fonts = page.Resources.get("/Font") or {}
            for _, font in fonts.items():
                if "/ToUnicode" in font:
                    del font["/ToUnicode"]
        pdf.save(path)


def _ocr_scan_pdf(path: Path) -> None:
    """The scan with an invisible text layer (render mode 3) over each page image, as OCR software adds it."""
    import pikepdf
    _scan_pdf(path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica,
                                                    Encoding=pikepdf.Name.WinAnsiEncoding))
        for page in pdf.pages:
            page.Resources.Font = pikepdf.Dictionary(FOCR=font)
            page.contents_add(pdf.make_stream(
                b"BT 3 Tr /FOCR 12 Tf 60 760 Td (Reiwa 8 child benefit notice: who can apply and how.) Tj ET"))
        pdf.save(path)


def _artifact_scan_pdf(path: Path) -> None:
    """The scan with each page image wrapped in an /Artifact marked-content sequence, as some auto-tagging tools do."""
    import pikepdf
    _scan_pdf(path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.contents_coalesce()
            page.Contents.write(b"/Artifact BMC\n" + page.Contents.read_bytes() + b"\nEMC")
        pdf.save(path)


def _outlined_pdf(path: Path) -> None:
    """A page whose "text" is 400 small filled shapes (text converted to outlines), no font, no image."""
    import pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    shapes = b"".join(f"{60 + (i % 40) * 12} {760 - (i // 40) * 20} 8 12 re f\n".encode() for i in range(400))
    pdf.pages[0].Contents = pdf.make_stream(b"0 g\n" + shapes)
    pdf.docinfo["/Title"] = "県からのお知らせ"
    pdf.save(path)


def _tounicode_to_private_use(path: Path) -> None:
    """Every ToUnicode of a Type0 font rewritten to map its codes to private-use characters (U+E000…): what broken
    gaiji (外字) fonts and some converters leave — the glyphs look right, the text is unreadable."""
    import pikepdf
    from a11yaudit.documents.pdf import parse_tounicode
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            for _, font in (page.Resources.get("/Font") or {}).items():
                if str(font.get("/Subtype")) != "/Type0" or "/ToUnicode" not in font:
                    continue
                codes = sorted(parse_tounicode(font.ToUnicode.read_bytes())[0])
                lines = "".join(f"<{c:04X}> <{0xE000 + i:04X}>\n" for i, c in enumerate(codes[:100]))
                cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                        f"{min(len(codes), 100)} beginbfchar\n{lines}endbfchar\n"
                        "endcmap CMapName currentdict /CMap defineresource pop end end\n")
                font.ToUnicode = pdf.make_stream(cmap.encode())
        pdf.save(path)


def _strip_actual_text(path: Path) -> None:
    """Drop /ActualText from the marked-content properties of every page (the glyphs' own text remains)."""
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            ops = []
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "BDC" and len(operands) > 1 and isinstance(operands[1], pikepdf.Dictionary) \
                        and "/ActualText" in operands[1]:
                    props = pikepdf.Dictionary({k: v for k, v in operands[1].items() if k != "/ActualText"})
                    operands = [operands[0], props]
                ops.append((operands, op))
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        pdf.save(path)


def _encrypt_no_accessibility(path: Path) -> None:
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        perms = pikepdf.Permissions(accessibility=False, extract=False)
        # qpdf keeps the accessibility bit on for R4/R6; R3 (RC4 128-bit) is what older writers used.
        pdf.save(path, encryption=pikepdf.Encryption(owner="owner-secret", user="", R=3, aes=False, metadata=False,
                                                     allow=perms))


def _add_javascript(path: Path) -> None:
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                      JS=pikepdf.String("app.alert('みどり県');")))
        pdf.Root.OpenAction = action
        pdf.save(path)


def _scan_pdf(path: Path, pages: int = 2) -> None:
    """A scanned notice: each page one image of text at 150 dpi (A4), no text layer, no tags — Pillow's PDF writer."""
    from PIL import Image
    images = []
    for i in range(pages):
        png = _png_bytes(1240, 1754, f"令和8年度 子育て支援給付金のお知らせ（{i + 1}ページ）\n" + BODY[:40] + "\n" + BODY[40:80],
                         scale=2)
        images.append(Image.open(io.BytesIO(png)).convert("RGB"))
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])


def _docx(path: Path, *, alt: bool, headings: bool, title: str | None, east_asia_lang: str | None = "ja-JP",
          decorative: bool = False) -> None:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt
    doc = docx.Document()
    if title:
        doc.core_properties.title = title
    else:
        doc.core_properties.title = ""
    # python-docx's template has w:lang val=en-US only; Japanese Word writes eastAsia=ja-JP.
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    if east_asia_lang:
        lang.set(qn("w:eastAsia"), east_asia_lang)
    if headings:
        doc.add_heading("令和8年度 子育て支援給付金のお知らせ", level=1)
    else:
        p = doc.add_paragraph()
        run = p.add_run("令和8年度 子育て支援給付金のお知らせ")
        run.bold, run.font.size = True, Pt(18)
    doc.add_paragraph(BODY)
    if headings:
        doc.add_heading("給付の内容", level=2)
    else:
        run = doc.add_paragraph().add_run("給付の内容")
        run.bold, run.font.size = True, Pt(14)
    doc.add_paragraph(BODY)
    doc.add_picture(io.BytesIO(_png_bytes(240, 120, "みどり県の地図")))
    if alt:
        for pr in doc.element.body.iter(qn("wp:docPr")):
            pr.set("descr", "みどり県の位置を示す地図")
    if decorative:      # what Word writes for "Mark as decorative" (Office 2019+)
        from lxml import etree
        a = "http://schemas.openxmlformats.org/drawingml/2006/main"
        adec = "http://schemas.microsoft.com/office/drawing/2017/decorative"
        for pr in doc.element.body.iter(qn("wp:docPr")):
            ext_lst = etree.SubElement(pr, f"{{{a}}}extLst")
            ext = etree.SubElement(ext_lst, f"{{{a}}}ext", uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}")
            etree.SubElement(ext, f"{{{adec}}}decorative", val="1")
    doc.save(path)


def _xlsx(path: Path, *, default_names: bool, alt: bool) -> None:
    import openpyxl
    from openpyxl.drawing.image import Image as XlImage
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1" if default_names else "給付額"
    ws.append(["区分", "金額（円）", "申請期限"])
    ws.append(["第1子", 50000, "令和8年6月30日"])
    ws.append(["第2子以降", 70000, "令和8年6月30日"])
    second = wb.create_sheet("Sheet2" if default_names else "問い合わせ先")
    second.append(["みどり県 子育て支援課", "0852-22-0000"])
    img = XlImage(io.BytesIO(_png_bytes(240, 120, "みどり県の地図")))
    ws.add_image(img, "E2")
    wb.properties.title = "令和8年度 子育て支援給付金 一覧"
    wb.save(path)
    if alt:
        _set_zip_xml_attr(path, "xl/drawings/drawing1.xml", "cNvPr", "descr", "みどり県の位置を示す地図")


def _pptx(path: Path, *, alt: bool, title: str | None) -> None:
    from pptx import Presentation
    from pptx.util import Inches
    prs = Presentation()
    if title:
        prs.core_properties.title = title
    slide = prs.slides.add_slide(prs.slide_layouts[5])      # Title Only
    slide.shapes.title.text = "令和8年度 子育て支援給付金"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(2))
    box.text_frame.text = BODY
    pic = slide.shapes.add_picture(io.BytesIO(_png_bytes(240, 120, "みどり県の地図")), Inches(1), Inches(4.5))
    # python-pptx writes the image's file name ("image.png") as its description: an alt that is a file name.
    if alt:
        pic._element.nvPicPr.cNvPr.set("descr", "みどり県の位置を示す地図")
    prs.save(path)


def _set_zip_xml_attr(path: Path, part: str, local: str, attr: str, value: str) -> None:
    import zipfile

    from lxml import etree
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == part:
                root = etree.fromstring(data)
                for el in root.iter("{*}" + local):
                    el.set(attr, value)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zf.writestr(info, data)
    path.write_bytes(out.getvalue())


# name → expected outcome per rule code (rules the document must get exactly; unlisted rules are not asserted),
# plus facts checked by tests/unit/test_documents.py. radicals.pdf: Skia maps the Noto CJK glyphs that kanji share
# with Kangxi radicals to the radicals (「⼦」 U+2F26 for 「子」, the 康熙部首 problem) and puts the kanji in /ActualText;
# without the ActualText (as other writers leave it) the radicals are what readers get.
EXPECTED: dict[str, dict] = {
    "tagged-good.pdf": {"outcomes": {"DOC01": "passed", "DOC02": "passed", "DOC03": "passed", "DOC04": "passed",
                                     "DOC05": "passed", "DOC06": "inapplicable", "DOC07": "inapplicable",
                                     "DOC08": "passed", "DOC09": "passed", "DOC10": "passed"},
                        "kind": "pdf", "pages": 1, "title": "令和8年度 子育て支援給付金のお知らせ", "lang": "ja"},
    "untagged.pdf": {"outcomes": {"DOC01": "failed", "DOC02": "passed", "DOC03": "passed", "DOC04": "passed",
                                  "DOC05": "passed", "DOC08": "inapplicable", "DOC09": "inapplicable"},
                     "kind": "pdf"},
    "scan.pdf": {"outcomes": {"DOC04": "failed", "DOC02": "cantTell", "DOC03": "inapplicable", "DOC05": "inapplicable",
                              "DOC01": "inapplicable"},
                 "kind": "pdf", "pages": 2},
    "no-title-no-lang.pdf": {"outcomes": {"DOC01": "passed", "DOC02": "failed", "DOC03": "failed"}, "kind": "pdf"},
    "title-no-display.pdf": {"outcomes": {"DOC02": "cantTell"}, "kind": "pdf"},
    "english-lang.pdf": {"outcomes": {"DOC03": "failed"}, "kind": "pdf", "lang": "en"},
    "xmp-title.pdf": {"outcomes": {"DOC02": "passed"}, "kind": "pdf", "title": "令和8年度 子育て支援給付金のお知らせ",
                      "facts": {"info_title": None}},
    "malformed-lang.pdf": {"outcomes": {"DOC03": "cantTell"}, "kind": "pdf", "lang": "ja_JP"},
    "long-no-bookmarks.pdf": {"outcomes": {"DOC07": "cantTell", "DOC01": "passed", "DOC10": "passed"}, "kind": "pdf",
                              "min_pages": 22},
    "long-bookmarks.pdf": {"outcomes": {"DOC07": "passed"}, "kind": "pdf", "min_pages": 22},
    "figure-no-alt.pdf": {"outcomes": {"DOC08": "failed", "DOC01": "passed"}, "kind": "pdf"},
    "table-no-th.pdf": {"outcomes": {"DOC09": "cantTell", "DOC08": "passed"}, "kind": "pdf"},
    "no-tounicode.pdf": {"outcomes": {"DOC05": "failed", "DOC04": "passed"}, "kind": "pdf"},
    "radicals.pdf": {"outcomes": {"DOC05": "cantTell", "DOC03": "passed"}, "kind": "pdf"},
    "ocr-scan.pdf": {"outcomes": {"DOC04": "passed", "DOC05": "passed"}, "kind": "pdf", "pages": 2},
    "artifact-scan.pdf": {"outcomes": {"DOC04": "cantTell"}, "kind": "pdf", "pages": 2},
    "outlined.pdf": {"outcomes": {"DOC04": "cantTell", "DOC05": "inapplicable"}, "kind": "pdf"},
    "decorative.docx": {"outcomes": {"DOC22": "passed"}, "kind": "docx"},
    "english.pdf": {"outcomes": {"DOC05": "passed", "DOC03": "passed", "DOC01": "passed"}, "kind": "pdf",
                    "lang": "en"},
    "english-no-tounicode.pdf": {"outcomes": {"DOC05": "failed", "DOC04": "passed"}, "kind": "pdf"},
    "private-use.pdf": {"outcomes": {"DOC05": "failed"}, "kind": "pdf"},
    "encrypted-no-accessibility.pdf": {"outcomes": {"DOC06": "cantTell", "DOC01": "passed"}, "kind": "pdf",
                                       "facts": {"encrypted": True}},
    "javascript.pdf": {"outcomes": {"DOC01": "passed"}, "kind": "pdf", "facts": {"javascript": True}},
    "good.docx": {"outcomes": {"DOC21": "passed", "DOC22": "passed", "DOC23": "passed", "DOC25": "passed"},
                  "kind": "docx", "title": "令和8年度 子育て支援給付金のお知らせ"},
    "image-no-alt.docx": {"outcomes": {"DOC21": "cantTell", "DOC22": "failed", "DOC23": "cantTell"},
                          "kind": "docx"},
    "chinese-lang.docx": {"outcomes": {"DOC25": "failed"}, "kind": "docx"},
    "default-sheets.xlsx": {"outcomes": {"DOC24": "cantTell", "DOC22": "failed", "DOC21": "passed"}, "kind": "xlsx"},
    "named-sheets.xlsx": {"outcomes": {"DOC24": "passed", "DOC22": "passed"}, "kind": "xlsx"},
    "slides.pptx": {"outcomes": {"DOC22": "failed", "DOC21": "cantTell", "DOC25": "cantTell"}, "kind": "pptx"},
    "slides-alt.pptx": {"outcomes": {"DOC22": "passed", "DOC21": "passed"}, "kind": "pptx"},
}


# ---- hostile and large files (tests/unit/test_documents.py, bench/bench_documents.py) --------------------------------

def _zeros_flate(n_bytes: int) -> bytes:
    comp = zlib.compressobj(6)
    chunk = b"0 0 m\n" * (1 << 16)
    out = []
    left = n_bytes
    while left > 0:
        piece = chunk[:left]
        out.append(comp.compress(piece))
        left -= len(piece)
    out.append(comp.flush())
    return b"".join(out)


def _one_page_pdf():
    import pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary())
    return pdf, page


def hostile_pdf_bomb(path: Path, inflated_mb: int = 80) -> None:
    """A page whose content stream is ~100 KB of Flate that inflates to `inflated_mb` MB."""
    import pikepdf
    pdf, page = _one_page_pdf()
    stream = pikepdf.Stream(pdf, b"")
    stream.write(_zeros_flate(inflated_mb << 20), filter=pikepdf.Name.FlateDecode)
    page.Contents = pdf.make_indirect(stream)
    pdf.save(path)


def hostile_broken_xref(src: Path, path: Path) -> None:
    """A real (Chromium) PDF whose cross-reference offsets all point to byte 1 and whose startxref is wrong."""
    import re
    data = src.read_bytes()
    data = re.sub(rb"\d{10} (\d{5}) n", lambda m: b"0000000001 " + m.group(1) + b" n", data)
    data = re.sub(rb"startxref\s+\d+", b"startxref\n999999999", data)
    path.write_bytes(data)


def hostile_loops(path: Path) -> None:
    """Reference loops everywhere a walker recurses: a form XObject that draws itself, a structure element that is its
    own grandchild, an outline item that is its own next sibling, a page-less loop of /Parent."""
    import pikepdf
    pdf, page = _one_page_pdf()
    form = pdf.make_indirect(pikepdf.Stream(pdf, b"q /Fx Do Q BT /F1 12 Tf 72 700 Td (Loop) Tj ET"))
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 595, 842]
    form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fx=form),
                                        Font=page.Resources.Font)
    page.Resources.XObject.Fx = form
    page.Contents = pdf.make_indirect(pikepdf.Stream(
        pdf, b"/Fx Do BT /F1 12 Tf 72 760 Td (Minamikawa prefecture notice, public information page) Tj ET"))
    doc = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document))
    part = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Part, P=doc))
    doc.K = pikepdf.Array([part])
    part.K = pikepdf.Array([doc])          # the loop
    tree = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=doc))
    doc.P = tree
    pdf.Root.StructTreeRoot = tree
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("loop")))
    item.Next = item
    item.First = item
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item))
    pdf.save(path)


def hostile_page_tree_loop(path: Path) -> None:
    """The page tree's root lists itself among its kids."""
    import pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pages = pdf.Root.Pages
    pages.Kids.append(pages)
    pages.Count = 2
    pdf.save(path)


def hostile_deep_nesting(path: Path, depth: int = 100_000) -> None:
    """A page dictionary holding 100,000 nested arrays (written by hand: no PDF library writes this)."""
    body = b"[" * depth + b"]" * depth
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Deep " + body + b" >>",
            b"<< /Length 0 >>\nstream\n\nendstream"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def hostile_huge_image(path: Path) -> None:
    """An image that claims 100,000 × 100,000 pixels (10 gigapixels, 10 GB decoded) with 100 bytes of data."""
    import pikepdf
    pdf, page = _one_page_pdf()
    img = pdf.make_indirect(pikepdf.Stream(pdf, b"\x00" * 100))
    img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    img.Width = img.Height = 100_000
    img.ColorSpace, img.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    page.Resources.XObject.Im0 = img
    page.Contents = pdf.make_indirect(pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
    pdf.save(path)


def hostile_password(src: Path, path: Path) -> None:
    import pikepdf
    with pikepdf.open(src) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret", R=6))


def hostile_javascript_actions(src: Path, path: Path) -> None:
    """Document-level JavaScript in the /Names tree and a link annotation that runs a script."""
    import pikepdf
    with pikepdf.open(src) as pdf:
        js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.print();")))
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["print", js])))
        annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                                     Rect=[0, 0, 50, 50], A=js))
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annot]))
        pdf.save(path)


def hostile_xmp_entities(src: Path, path: Path) -> None:
    """XMP metadata with a billion-laughs DTD as its dc:title."""
    import pikepdf
    lol = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    xmp = ('<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY l0 "lol">' + lol + ']>'
           '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>'
           '<rdf:li xml:lang="x-default">&l9;</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>')
    with pikepdf.open(src) as pdf:
        meta = pdf.make_stream(xmp.encode())
        meta.Type, meta.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        pdf.Root.Metadata = meta
        pdf.save(path)


def _rezip(src: Path, path: Path, replace: dict[str, bytes], extra: dict[str, bytes] | None = None) -> None:
    import zipfile
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)


def hostile_zip_bomb(src: Path, path: Path, inflated_mb: int = 16) -> None:
    """A docx with a member that inflates `inflated_mb` MB from a few hundred KB (ratio ≈ 1000)."""
    _rezip(src, path, {}, {"customXml/item9.xml": b" " * (inflated_mb << 20)})


def hostile_big_part(src: Path, path: Path, mb: int = 2) -> None:
    """A docx whose document.xml is `mb` MB of barely compressible text: no bomb by ratio, only by size (hostile
    under Limits(max_part_bytes=1 MB))."""
    import os
    words = os.urandom(mb << 19).hex()
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            f'<w:t>{words}</w:t></w:r></w:p></w:body></w:document>').encode()
    _rezip(src, path, {"word/document.xml": body})


def hostile_billion_laughs(src: Path, path: Path) -> None:
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    body = ('<?xml version="1.0"?><!DOCTYPE w:document [' + "".join(lol) + ']>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            '<w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>').encode()
    _rezip(src, path, {"word/document.xml": body})


def hostile_external_entity(src: Path, path: Path) -> None:
    body = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
            '<sheet name="&xxe;" sheetId="1"/></sheets></workbook>').encode()
    _rezip(src, path, {"xl/workbook.xml": body})


def make_large_pdf(path: Path, size_mb: int) -> int:
    """A scan-like PDF of about `size_mb` MB: every page its own copy of a ~1 MB JPEG (noise, made by Pillow) and a
    page number. Written page by page; returns the page count."""
    import os

    import pikepdf
    from PIL import Image
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buf = io.BytesIO()
    noise.save(buf, "JPEG", quality=95)
    jpeg = buf.getvalue()
    pages = max(1, (size_mb << 20) // len(jpeg))
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for n in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        img = pikepdf.Stream(pdf, b"")
        img.write(jpeg, filter=pikepdf.Name.DCTDecode)
        img.Type, img.Subtype, img.Width, img.Height = pikepdf.Name.XObject, pikepdf.Name.Image, 700, 700
        img.ColorSpace, img.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(img)),
                                            Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_indirect(pikepdf.Stream(
            pdf, f"q 595 0 0 842 0 0 cm /Im0 Do Q BT /F1 9 Tf 290 20 Td (- {n + 1} -) Tj ET".encode()))
    pdf.save(path)
    return pages


HOSTILE = {   # file → the error kind it must give (None: checked normally) and the facts it must show
    "bomb.pdf": {"error_kind": "decompression_bomb"},
    "broken-xref.pdf": {"error_kind": None, "facts": {"repaired": True}},
    "loops.pdf": {"error_kind": None},
    "huge-image.pdf": {"error_kind": None, "facts": {"huge_image": True}},
    "page-tree-loop.pdf": {"error_kind": "damaged"},
    "deep-nesting.pdf": {"error_kind": None, "facts": {"repaired": True, "damaged_objects": True}},
    "password.pdf": {"error_kind": "password"},
    "xmp-entities.pdf": {"error_kind": None, "facts": {"xmp_title": None, "info_title": "Prefecture notice"}},
    "javascript-names.pdf": {"error_kind": None, "facts": {"javascript": True}},
    "zip-bomb.docx": {"error_kind": "zip_bomb"},
    "big-part.docx": {"error_kind": "zip_bomb", "limits": {"max_part_bytes": 1 << 20}},
    "billion-laughs.docx": {"error_kind": "xml_entities"},
    "external-entity.xlsx": {"error_kind": "xml_entities"},
    "not-a-document.pdf": {"error_kind": "unsupported_format"},
    "truncated.pdf": {"error_kind": None},
}


def plain_text_pdf(path: Path) -> None:
    """A one-page untagged PDF with Latin text in Helvetica (pikepdf; no browser needed): the source of the damaged
    and encrypted variants."""
    import pikepdf
    pdf, page = _one_page_pdf()
    lines = b"".join(f"BT /F1 11 Tf 72 {760 - 16 * i} Td (Line {i}: the prefecture publishes this notice.) Tj ET\n"
                     .encode() for i in range(20))
    page.Contents = pdf.make_indirect(pikepdf.Stream(pdf, lines))
    pdf.docinfo["/Title"] = "Prefecture notice"
    pdf.Root.Lang = pikepdf.String("en")
    pdf.save(path)


def make_hostile(out: Path) -> dict:
    """The hostile files (no browser needed: their sources are made here with pikepdf, python-docx and openpyxl)."""
    import os
    out.mkdir(parents=True, exist_ok=True)
    src = out / "sources"
    src.mkdir(exist_ok=True)
    plain_text_pdf(src / "plain.pdf")
    _docx(src / "plain.docx", alt=True, headings=True, title="令和8年度 子育て支援給付金のお知らせ")
    _xlsx(src / "plain.xlsx", default_names=False, alt=True)
    hostile_pdf_bomb(out / "bomb.pdf")
    hostile_broken_xref(src / "plain.pdf", out / "broken-xref.pdf")
    hostile_loops(out / "loops.pdf")
    hostile_huge_image(out / "huge-image.pdf")
    hostile_page_tree_loop(out / "page-tree-loop.pdf")
    hostile_deep_nesting(out / "deep-nesting.pdf")
    hostile_password(src / "plain.pdf", out / "password.pdf")
    hostile_xmp_entities(src / "plain.pdf", out / "xmp-entities.pdf")
    hostile_javascript_actions(src / "plain.pdf", out / "javascript-names.pdf")
    hostile_zip_bomb(src / "plain.docx", out / "zip-bomb.docx")
    hostile_big_part(src / "plain.docx", out / "big-part.docx")
    hostile_billion_laughs(src / "plain.docx", out / "billion-laughs.docx")
    hostile_external_entity(src / "plain.xlsx", out / "external-entity.xlsx")
    (out / "not-a-document.pdf").write_bytes(b"<html>404 Not Found</html>" + os.urandom(2000))
    data = (src / "plain.pdf").read_bytes()
    (out / "truncated.pdf").write_bytes(data[: len(data) * 6 // 10])
    return HOSTILE

def make(out: Path, only: set[str] | None = None) -> dict[str, dict]:
    out.mkdir(parents=True, exist_ok=True)
    want = (lambda name: only is None or name in only)
    map_png = _png_bytes(240, 120, "みどり県の地図")
    uri = _data_uri(map_png)
    title = "令和8年度 子育て支援給付金のお知らせ"
    pdfs = [n for n in EXPECTED if n.endswith(".pdf") and n != "scan.pdf" and want(n)]
    if pdfs:
        with Printer() as pr:
            # one print per distinct HTML; the variants that only differ after printing start from a copy of it
            notice = pr.pdf(out / ".notice.pdf", _html(title, "ja", _notice_body(uri)), tagged=True)
            english = pr.pdf(out / ".english.pdf", _html("Prefecture notice", "en", _english_body()), tagged=True)
            variants = {   # name → (printed source, finish options, defect planted afterwards)
                "tagged-good.pdf": (notice, {}, None),
                "title-no-display.pdf": (notice, {"display_doc_title": False}, None),
                "xmp-title.pdf": (notice, {"xmp_title_only": True}, None),
                "malformed-lang.pdf": (notice, {"lang": "ja_JP"}, None),
                "no-tounicode.pdf": (notice, {}, _strip_to_unicode),
                "radicals.pdf": (notice, {}, _strip_actual_text),
                "encrypted-no-accessibility.pdf": (notice, {}, _encrypt_no_accessibility),
                "javascript.pdf": (notice, {}, _add_javascript),
                "english.pdf": (english, {"lang": "en"}, None),
                "english-no-tounicode.pdf": (english, {"lang": "en"}, _strip_to_unicode),
                "private-use.pdf": (english, {"lang": "en"}, _tounicode_to_private_use),
            }
            for name, (source, finish, defect) in variants.items():
                if want(name):
                    shutil.copyfile(source, out / name)
                    _finish_pdf(out / name, **finish)
                    if defect:
                        defect(out / name)
            notice.unlink()
            english.unlink()
            if want("untagged.pdf"):
                _finish_pdf(pr.pdf(out / "untagged.pdf", _html(title, "ja", _notice_body(uri)), tagged=False))
            if want("no-title-no-lang.pdf"):
                _finish_pdf(pr.pdf(out / "no-title-no-lang.pdf", _html(None, None, _notice_body(uri)), tagged=True),
                            lang=None, display_doc_title=False, drop_title=True)
            if want("english-lang.pdf"):
                _finish_pdf(pr.pdf(out / "english-lang.pdf", _html(title, "en", _notice_body(uri)), tagged=True),
                            lang="en")
            if want("long-no-bookmarks.pdf"):
                _finish_pdf(pr.pdf(out / "long-no-bookmarks.pdf", _html("みどり県総合計画", "ja", _long_body(21)),
                                   tagged=True, outline=False))
            if want("long-bookmarks.pdf"):
                _finish_pdf(pr.pdf(out / "long-bookmarks.pdf", _html("みどり県総合計画", "ja", _long_body(21)),
                                   tagged=True, outline=True))
            if want("figure-no-alt.pdf"):
                _finish_pdf(pr.pdf(out / "figure-no-alt.pdf", _html(title, "ja", _notice_body(uri, alt=None)),
                                   tagged=True))
            if want("table-no-th.pdf"):
                _finish_pdf(pr.pdf(out / "table-no-th.pdf", _html(title, "ja", _notice_body(uri, th=False)),
                                   tagged=True))
    if want("scan.pdf"):
        _scan_pdf(out / "scan.pdf")
    if want("ocr-scan.pdf"):
        _ocr_scan_pdf(out / "ocr-scan.pdf")
    if want("artifact-scan.pdf"):
        _artifact_scan_pdf(out / "artifact-scan.pdf")
    if want("outlined.pdf"):
        _outlined_pdf(out / "outlined.pdf")
    if want("decorative.docx"):
        _docx(out / "decorative.docx", alt=False, headings=True, title="お知らせ", decorative=True)
    if want("good.docx"):
        _docx(out / "good.docx", alt=True, headings=True, title=title)
    if want("image-no-alt.docx"):
        _docx(out / "image-no-alt.docx", alt=False, headings=False, title=None)
    if want("chinese-lang.docx"):
        _docx(out / "chinese-lang.docx", alt=True, headings=True, title=title, east_asia_lang="zh-CN")
    if want("default-sheets.xlsx"):
        _xlsx(out / "default-sheets.xlsx", default_names=True, alt=False)
    if want("named-sheets.xlsx"):
        _xlsx(out / "named-sheets.xlsx", default_names=False, alt=True)
    if want("slides.pptx"):
        _pptx(out / "slides.pptx", alt=False, title=None)
    if want("slides-alt.pptx"):
        _pptx(out / "slides-alt.pptx", alt=True, title="令和8年度 子育て支援給付金")
    expected = {n: e for n, e in EXPECTED.items() if want(n)}
    (out / "expected.yaml").write_text(
        "# Expected outcomes of the sample documents (scripts/make_sample_documents.py)\n"
        + yaml.safe_dump(expected, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return expected


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--only", nargs="*", help="make only these documents")
    ap.add_argument("--hostile", action="store_true", help="also make the hostile files in OUT/hostile")
    ap.add_argument("--large-mb", type=int, default=0, help="also make OUT/large.pdf of about this many MB")
    args = ap.parse_args(argv)
    made = make(args.out, set(args.only) if args.only else None)
    print(f"{len(made)} documents and expected.yaml in {args.out}", file=sys.stderr)
    if args.hostile:
        print(f"{len(make_hostile(args.out / 'hostile'))} hostile files in {args.out / 'hostile'}",
              file=sys.stderr)
    if args.large_mb:
        pages = make_large_pdf(args.out / "large.pdf", args.large_mb)
        print(f"large.pdf: {pages} pages, {(args.out / 'large.pdf').stat().st_size >> 20} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
