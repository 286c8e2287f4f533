"""Safe access to PDF objects for the PDF analyser (runs inside the worker process): the text of a name or string
that never raises, and the decompression-bomb check of a stream before qpdf decodes it."""

from __future__ import annotations

import zlib

from .common import Hostile


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
