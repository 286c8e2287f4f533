"""What a URL names, from its path alone: the kind of document (for the crawl scope and budgets), the file format
of a document link (for the 自治体ガイドライン notice 「（PDF形式：123KB）」) and the page key under which a page's
files are stored (artifacts, screenshots).

A neutral module: discover/, gather/, checks/ and report/ read it, and it imports nothing of theirs.
"""

from __future__ import annotations

import hashlib
import posixpath
from urllib.parse import unquote, urlsplit

from . import settings

# Formats whose links the municipal writing rules want labelled with the format and the size.
DOC_FORMATS = {"pdf": "PDF", "doc": "Word", "docx": "Word", "xls": "Excel", "xlsx": "Excel", "xlsm": "Excel",
               "ppt": "PowerPoint", "pptx": "PowerPoint", "zip": "ZIP", "odt": "ODF", "ods": "ODF", "odp": "ODF"}


def document_type(url: str) -> str | None:
    """'pdf', 'office', … when the URL names a non-HTML document by its extension, else None."""
    path = urlsplit(url).path.lower()
    ext = posixpath.splitext(path)[1]
    return settings.DOCUMENT_EXTENSIONS.get(ext)


def document_format(href: str) -> tuple[str, str] | None:
    """(extension, format label) for links to office documents and PDFs, from the URL path (percent-decoded)."""
    path = unquote(urlsplit(href.strip()).path)
    ext = posixpath.splitext(path)[1].lower().lstrip(".")
    return (ext, DOC_FORMATS[ext]) if ext in DOC_FORMATS else None


def page_key(url: str) -> str:
    """The file-name key of a page: the first 20 hex digits of its URL's SHA-1 (artifacts/<run>/<key>/,
    screens/<key>.jpg)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]
