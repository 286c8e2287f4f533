"""Image checks: placeholder or file-name text alternatives (JIS X 8341-3 1.1.1, failure F30)."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from ..rules.model import FAILED, PASSED
from ..rules.registry import Verdict, check
from .chars import SPACING

IMAGE_EXT = r"(?:jpe?g|png|gif|bmp|tiff?|webp|svg|heic)"
FILE_NAME = re.compile(rf"^[\w\-. ()]+\.{IMAGE_EXT}$", re.I)
NUMBERED = re.compile(r"^(?:画像|写真|イメージ|図|ダミー|サンプル|image|img|photo|pic|picture|figure|dummy|sample)"
                      r"[\s_\-]*\d+$", re.I)
CAMERA = re.compile(r"^(?:img|dsc|dscn|dscf|pict|pxl|p|mvc|sany)[_\-]?\d{3,}(?:\.\w+)?$", re.I)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(SPACING + " ").lower()


@check("alt_placeholder")
def alt_placeholder(ctx, rule):
    placeholders = {_normalise(p) for p in rule.options.get("placeholders", [])}
    for el in ctx.select(rule.selector or "img[alt], input[type=image][alt], area[alt]"):
        alt = el.get("alt")
        if alt is None or alt == "":
            continue   # missing alt is axe's image-alt; alt="" marks a decorative image (H67)
        norm = _normalise(alt)
        src = el.get("src") or el.get("href") or ""
        base = posixpath.basename(unquote(urlsplit(src).path)).lower()
        stem = posixpath.splitext(base)[0]
        if not norm:
            yield Verdict(FAILED, el, alt=alt, why="空白だけ", why_en="only spaces")
        elif norm in placeholders:
            yield Verdict(FAILED, el, alt=alt, why="汎用的な語", why_en="a generic word")
        elif NUMBERED.match(norm) or CAMERA.match(norm):
            yield Verdict(FAILED, el, alt=alt, why="番号付きの仮の名前", why_en="a numbered placeholder")
        elif FILE_NAME.match(norm) or (base and norm in (base, stem)):
            yield Verdict(FAILED, el, alt=alt, why="ファイル名", why_en="a file name")
        else:
            yield Verdict(PASSED, el)
