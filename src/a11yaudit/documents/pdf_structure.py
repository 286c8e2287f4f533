"""PDF document structure (runs inside the worker process): the catalog facts — permissions, /MarkInfo, the
structure tree and its RoleMap, title (/Info, XMP dc:title, ViewerPreferences), /Lang, outline, JavaScript and
attachments — read with pikepdf for rules DOC01–DOC03 and DOC06–DOC10 (documented in pdf.py)."""

from __future__ import annotations

import re

from .pdf_objects import _text


HEADING_ROLES = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}
STANDARD_ROLES = {"Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
                  "NonStruct", "Private", "P", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody",
                  "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB",
                  "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form", "Title", "Aside", "FENote", "Sub",
                  "DocumentFragment", "Em", "Strong", "Artifact"} | HEADING_ROLES


def document_facts(pikepdf, pdf, path: str, limits, facts: dict) -> tuple[int, list, str | None, str | None]:
    """Fills `facts` with the catalog facts; returns the page count, the structure elements, the title and the
    language."""
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
    elements = _element_facts(pikepdf, root, page_numbers, limits, facts)
    title = _title_facts(pikepdf, pdf, root, facts)
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
    return n_pages, elements, title, lang


def _element_facts(pikepdf, root, page_numbers: dict, limits, facts: dict) -> list[dict]:
    struct = _struct(pikepdf, root, page_numbers, limits)
    elements = struct["elements"] if struct else []
    facts["struct_elements"] = len(elements)
    if struct and struct["truncated"]:
        facts["struct_truncated"] = True
    roles: dict = {}
    for e in elements:
        roles[e["role"]] = roles.get(e["role"], 0) + 1
    facts["roles"] = dict(sorted(roles.items(), key=lambda kv: -kv[1])[:30])
    return elements


def _title_facts(pikepdf, pdf, root, facts: dict) -> str | None:
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
    return title


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

