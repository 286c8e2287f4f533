"""Time-based media (1.2.x, 1.4.2): which video and audio a person must watch or listen to.

The DOM does not tell whether a media file has sound, how long it lasts or whether its captions, audio description
or transcript are right, so these checks point at every playable media element (cantTell) and pass only what the
markup itself settles (browser controls on autoplaying media; a media fragment #t=a,b of at most 3 seconds).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import Tag

from ..rules.model import CANT_TELL, PASSED
from ..rules.registry import Verdict, check

_FRAGMENT = re.compile(r"(?:^|&)t=(?:npt:)?([\d.:]*)(?:,([\d.:]+))?")
VIDEO_HOSTS = ("youtube.com", "youtube-nocookie.com", "youtu.be", "player.vimeo.com", "vimeo.com",
               "nicovideo.jp", "embed.nicovideo.jp", "dailymotion.com")


def media_sources(el: Tag) -> list[str]:
    srcs = [el["src"].strip()] if (el.get("src") or "").strip() else []
    srcs += [s["src"].strip() for s in el.find_all("source") if (s.get("src") or "").strip()]
    return srcs


def _seconds(value: str) -> float | None:
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        return None
    total = 0.0
    for p in parts:
        total = total * 60 + p
    return total


def fragment_length(src: str) -> float | None:
    """Length in seconds played for a media fragment #t=start,end; None when the fragment sets no end."""
    frag = urlsplit(src).fragment
    m = _FRAGMENT.search(frag)
    if not m or not m.group(2):
        return None
    start = _seconds(m.group(1)) if m.group(1) else 0.0
    end = _seconds(m.group(2))
    if start is None or end is None:
        return None
    return max(0.0, end - start)


def _has_nearby_controls(el: Tag) -> bool:
    node = el.parent
    for _ in range(3):
        if not isinstance(node, Tag) or node.name == "body":
            return False
        if node.find(["button", "input"]) or node.find(attrs={"role": "button"}):
            return True
        node = node.parent
    return False


def playable_media(ctx, kind: str, *, include_hidden_autoplay: bool = False) -> list[Tag]:
    out = []
    for el in ctx.select(kind, visible=False):
        if not media_sources(el):
            continue
        autoplay = el.has_attr("autoplay")
        if ctx.is_hidden(el) and not (include_hidden_autoplay and autoplay and el.get("aria-hidden") != "true"):
            continue
        if autoplay or el.has_attr("controls") or (kind == "video" and _has_nearby_controls(el)):
            out.append(el)
    return out


def embedded_players(ctx) -> list[Tag]:
    out = []
    for el in ctx.select("iframe[src]"):
        host = (urlsplit(el.get("src") or "").hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS):
            out.append(el)
    return out


@check("media_review")
def media_review(ctx, rule):
    """options: kind (video | audio), mode (alternative | autoplay_control | autoplay_short), embeds (bool)."""
    kinds = [k.strip() for k in str(rule.options.get("kind", "video")).split(",")]
    mode = rule.options.get("mode", "alternative")
    if mode == "alternative":
        for el in (e for kind in kinds for e in playable_media(ctx, kind)):
            kind = el.name
            tracks = sorted({(t.get("kind") or "subtitles").lower() for t in el.find_all("track")})
            yield Verdict(CANT_TELL, el, media=kind, tracks="・".join(tracks) or "なし")
        if rule.options.get("embeds"):
            for el in embedded_players(ctx):
                yield Verdict(CANT_TELL, el, media="埋め込み動画", tracks="不明")
        return
    for el in (e for kind in kinds for e in playable_media(ctx, kind, include_hidden_autoplay=True)):
        kind = el.name
        if not el.has_attr("autoplay") or el.has_attr("muted"):
            continue
        if mode == "autoplay_control":
            if el.has_attr("controls") and not ctx.is_hidden(el):
                yield Verdict(PASSED, el)
            else:
                yield Verdict(CANT_TELL, el, media=kind)
        elif mode == "autoplay_short":
            lengths = [fragment_length(s) for s in media_sources(el)]
            if lengths and all(n is not None and n <= 3 for n in lengths) and not el.has_attr("loop"):
                yield Verdict(PASSED, el)
            else:
                yield Verdict(CANT_TELL, el, media=kind)
