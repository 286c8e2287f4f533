"""The worker process: `python -m a11yaudit.documents.worker '<limits json>'` reads one JSON request per line on
stdin ({"path": …}) and writes one JSON answer per line (the analysis, or error_kind and error). Its address space
is limited (RLIMIT_AS) before any document is opened; the parent kills it at the wall-clock limit. Nothing but the
answers goes to the answer pipe: fd 1 is pointed at stderr so that a library printing cannot corrupt it."""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback

from .common import Hostile
from .model import Limits

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(path: str) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return None


def _pdf_error():
    import pikepdf
    return pikepdf.PdfError


def _kind_guess(sniffed: str | None, path: str) -> str | None:
    """The kind of a file that could not be analysed: pdf by its header, an Office package by its extension."""
    if sniffed == "pdf":
        return "pdf"
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if sniffed == "zip":
        return {"docx": "docx", "docm": "docx", "xlsx": "xlsx", "xlsm": "xlsx", "pptx": "pptx", "pptm": "pptx"}.get(ext)
    return None


def analyse_file(path: str, limits: Limits) -> dict:
    kind = None
    try:
        kind = sniff(path)
        if kind == "pdf":
            from . import pdf
            return pdf.analyse(path, limits)
        if kind == "zip":
            from . import ooxml
            return ooxml.analyse(path, limits)
        if kind == "ole":
            return {"kind": "ole", "error_kind": "unsupported_format",
                    "error": "a legacy binary Office file (.doc/.xls/.ppt) or an encrypted Office document: "
                             "not checked (only PDF and Office Open XML are)"}
        return {"kind": None, "error_kind": "unsupported_format", "error": "neither PDF nor an Office document"}
    except Hostile as exc:
        return {"kind": _kind_guess(kind, path), "error_kind": exc.kind, "error": exc.reason}
    except MemoryError:
        return {"kind": _kind_guess(kind, path), "error_kind": "memory",
                "error": "the document needs more memory than the limit", "restart": True}
    except RecursionError:
        return {"kind": _kind_guess(kind, path), "error_kind": "too_complex", "error": "nesting too deep to analyse",
                "restart": True}
    except _pdf_error() as exc:
        return {"kind": _kind_guess(kind, path), "error_kind": "damaged", "error": f"{type(exc).__name__}: {exc}"[:300]}
    except UnicodeDecodeError as exc:
        return {"kind": _kind_guess(kind, path), "error_kind": "damaged",
                "error": f"a name or string that is not valid text: {exc}"[:300]}
    except FileNotFoundError as exc:
        return {"error_kind": "not_found", "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 — a library's or our own error: reported, the caller goes on
        tail = traceback.format_exc(limit=-3)[-800:]
        return {"error_kind": "internal", "error": f"{type(exc).__name__}: {exc}"[:300], "trace": tail}


def peak_rss_kb() -> int:
    """This process's peak resident memory since exec: VmHWM (ru_maxrss would include the parent's pages that the
    child held between fork and exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    limits = Limits.from_dict(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if limits.memory_mb:
        cap = int(limits.memory_mb) << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # import the analysers before the first document so that every answer's time is the document's own
    from . import ooxml, pdf  # noqa: F401
    import pikepdf  # noqa: F401
    from pypdf._codecs.adobe_glyphs import adobe_glyphs  # noqa: F401 — the glyph list, loaded once
    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        answer = analyse_file(req["path"], limits)
        answer["peak_rss_kb"] = peak_rss_kb()
        try:
            text = json.dumps(answer, ensure_ascii=False, default=str)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"error_kind": "damaged", "error": f"unserialisable result: {exc}"})
        out.write(text + "\n")
        out.flush()
        if answer.get("restart"):
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
