"""Office Open XML packages (runs inside the worker process): the ZIP container read with bounded reads, every
XML part parsed safely (no DTD, no entities, no network), relationships resolved, and the kind of document
(docx, xlsx, pptx) told from the main part's content type. The limits are documented in ooxml.py."""

from __future__ import annotations

import re
import zipfile

from .common import Hostile, short

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPES = (("wordprocessingml.document.main", "docx"), ("ms-word.document.macroenabled.main", "docx"),
              ("wordprocessingml.template.main", "docx"), ("ms-word.template.macroenabledtemplate.main", "docx"),
              ("spreadsheetml.sheet.main", "xlsx"), ("ms-excel.sheet.macroenabled.main", "xlsx"),
              ("spreadsheetml.template.main", "xlsx"), ("presentationml.presentation.main", "pptx"),
              ("ms-powerpoint.presentation.macroenabled.main", "pptx"), ("presentationml.slideshow.main", "pptx"),
              ("presentationml.template.main", "pptx"))


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

