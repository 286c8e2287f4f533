"""Time-based media (1.2.x, 1.4.2): which video and audio a person must watch or listen to.

The DOM does not tell whether a media file has captions, audio description or a transcript that is right, so the
alternative checks point at every playable media element (cantTell). For media that play by themselves (1.4.2) the
browser's media facts (`artifacts["dom"]["media"]`, gathered by collect.js with autoplay allowed and sound muted)
settle most cases: whether the element plays, is muted, how long it plays (duration, media fragment #t=a,b, loop)
and whether real sound was decoded (webkitAudioDecodedByteCount). Without those facts (older artifacts, blocked
media, other browsers) only what the markup settles is judged and the rest is cantTell.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import accessible_name, aria_hidden_attr, explicit_role

_FRAGMENT = re.compile(r"(?:^|&)t=(?:npt:)?([\d.:]*)(?:,([\d.:]+))?")
VIDEO_HOSTS = ("youtube.com", "youtube-nocookie.com", "youtu.be", "player.vimeo.com", "vimeo.com",
               "nicovideo.jp", "embed.nicovideo.jp", "dailymotion.com")
AUTOPLAY_LIMIT = 3.0          # seconds of sound allowed without a control mechanism (1.4.2)
# webkitAudioDecodedByteCount: a silent AAC track decodes a few bytes per frame (~100 B in the first fraction of a
# second, a few hundred per second of play), real sound at least ~4 kB per second of audio (32 kbit/s), and the
# decoder reads ahead. Sound = at least SOUND_BYTES plus SOUND_BYTES per second already played.
SOUND_BYTES = 2000
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


def fragment_range(src: str | None) -> tuple[float, float | None] | None:
    """(start, end) in seconds of a temporal media fragment #t=start[,end] (end None = to the end); None when the
    URL has no usable temporal fragment."""
    frag = urlsplit(src or "").fragment
    m = _FRAGMENT.search(frag)
    if not m or not (m.group(1) or m.group(2)):
        return None
    start = _seconds(m.group(1)) if m.group(1) else 0.0
    end = _seconds(m.group(2)) if m.group(2) else None
    if start is None or (m.group(2) and end is None):
        return None
    return start, end


def fragment_length(src: str) -> float | None:
    """Length in seconds played for a media fragment #t=start,end; None when the fragment sets no end."""
    rng = fragment_range(src)
    if rng is None or rng[1] is None:
        return None
    return max(0.0, rng[1] - rng[0])


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
        if ctx.is_hidden(el) and not (include_hidden_autoplay and autoplay and not aria_hidden_attr(el)):
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


# ---------------------------------------------------------------- media that play by themselves (1.4.2)

# Names of controls that can stop, pause or turn down sound (a play/pause toggle is labelled 再生/Play while paused).
_SOUND_CONTROL = re.compile(r"停止|止め|とめ|ストップ|再生|ポーズ|ミュート|消音|音声|音量|サウンド|BGM|ＢＧＭ|\bplay|pause|"
                            r"\bstop|mute|sound|audio|volume", re.I)
_CONTROL_ROLES = frozenset({"button", "switch", "checkbox", "slider", "menuitem", "menuitemcheckbox", "radio",
                            "spinbutton"})
_CONTROL_INPUTS = frozenset({"button", "submit", "reset", "image", "checkbox", "radio", "range"})


def media_facts(ctx) -> dict[str, dict] | None:
    """The browser's facts per media element (node id → dict), or None when the artifact has none."""
    media = (ctx.artifacts.get("dom") or {}).get("media")
    if not isinstance(media, list):
        return None
    return {str(m.get("nid")): m for m in media if isinstance(m, dict) and m.get("nid") is not None}


def _is_control(el: Tag) -> bool:
    role = explicit_role(el)
    if role in ("none", "presentation"):
        role = None
    if role in _CONTROL_ROLES:
        return True
    if role:
        return False
    if el.name == "button":
        return True
    if el.name == "input":
        return (el.get("type") or "text").lower() in _CONTROL_INPUTS
    return el.has_attr("onclick") or (el.name == "a" and el.has_attr("href"))


def _usable(ctx, el: Tag) -> bool:
    """Rendered, exposed to assistive technology, enabled and named: a control a person can find and operate."""
    return not ctx.is_hidden(el) and not el.has_attr("disabled") and el.get("aria-disabled") != "true" \
        and bool(accessible_name(ctx, el).strip())


def other_control(ctx, media: Tag) -> Tag | None:
    """A visible, named control that may be the page's own pause/stop/mute mechanism for this media element:
    any control next to it (in its container, up to three levels, below body), a control that names it with
    aria-controls, or a control anywhere whose name speaks of stopping, playing or sound (G170: near the top of the
    page). Whether it really works is left to a person."""
    inside = {id(d) for d in media.find_all(True)}
    node = media.parent
    for _ in range(3):
        if not isinstance(node, Tag) or node.name in ("body", "html", "[document]"):
            break
        for cand in node.find_all(True):
            if id(cand) in inside or cand is media:
                continue
            if _is_control(cand) and not (cand.name == "a" and not explicit_role(cand)) and _usable(ctx, cand):
                return cand
        node = node.parent
    ident = media.get("id")
    body = ctx.soup.body or ctx.soup
    for cand in body.find_all(True):
        if id(cand) in inside or cand is media or not _is_control(cand):
            continue
        controls = (cand.get("aria-controls") or "").split()
        if ident and ident in controls and _usable(ctx, cand):
            return cand
        name = accessible_name(ctx, cand)
        if name and _SOUND_CONTROL.search(name) and _usable(ctx, cand):
            return cand
    return None


class Playback:
    """What an autoplaying media element does, as far as it can be told: state is
    off (does not play by itself, muted, paused by a script), short (plays at most 3 s), long (plays sound for
    more than 3 s) or unknown; seconds = how long it plays (None: unknown or endless)."""

    __slots__ = ("state", "seconds", "why", "why_en")

    def __init__(self, state: str, seconds: float | None = None, why: str = "", why_en: str = ""):
        self.state, self.seconds, self.why, self.why_en = state, seconds, why, why_en


def _dom_playback(el: Tag) -> Playback:
    """Without browser facts: only the markup (autoplay, muted, loop, media fragments)."""
    if not el.has_attr("autoplay") or el.has_attr("muted"):
        return Playback("off")
    lengths = [fragment_length(s) for s in media_sources(el)]
    if lengths and all(n is not None and n <= AUTOPLAY_LIMIT for n in lengths) and not el.has_attr("loop"):
        return Playback("short", max(lengths))
    return Playback("unknown", why="音声の有無と長さは再生して確認が必要です",
                    why_en="whether it has sound and how long it plays needs checking")


def playback(el: Tag, fact: dict | None) -> Playback:
    if fact is None:
        return _dom_playback(el)
    paused = bool(fact.get("paused"))
    if not fact.get("autoplay") and paused:
        return Playback("off")                       # does not start by itself
    if fact.get("muted") or fact.get("volume") == 0:
        return Playback("off")                       # muted (attribute or script) or volume 0
    src = fact.get("src") or next(iter(media_sources(el)), "")
    rng = fragment_range(src)
    start = rng[0] if rng else 0.0
    duration = fact.get("duration")
    ready = fact.get("readyState") or 0
    current = float(fact.get("currentTime") or 0.0)
    if ready < 1 or duration is None:
        dom = _dom_playback(el)
        if dom.state == "short":
            return dom
        return Playback("unknown", why="メディアを読み込めず、音声の有無と長さが分かりません",
                        why_en="the media could not be loaded, so its sound and length are unknown")
    if paused and not (duration and current >= duration - 0.05):
        return Playback("off")                       # a script paused it at once (an ended one is judged below)
    if fact.get("loop"):
        if rng and rng[1] is not None:
            return Playback("unknown", why="loop 属性とメディアフラグメントがあり、再生時間が分かりません",
                            why_en="loop with a media fragment: the playing time is unclear")
        seconds = None                               # plays again and again
    else:
        end = min(rng[1], duration) if rng and rng[1] is not None else duration
        seconds = max(0.0, end - start)
        if seconds <= AUTOPLAY_LIMIT:
            return Playback("short", seconds)
    audio = fact.get("audioBytes")
    played = max(0.0, current - start) if current >= start else current
    length = "繰り返し再生" if seconds is None else f"約{seconds:.0f}秒"
    length_en = "loops" if seconds is None else f"lasts about {seconds:.0f} s"
    if audio is None:
        return Playback("unknown", seconds, why=f"{length}再生されます。音声の有無を確認してください",
                        why_en=f"{length_en}; check whether it has sound")
    if audio >= SOUND_BYTES * (1 + played):
        return Playback("long", seconds, why=f"音声付きで{length}再生されます",
                        why_en=f"plays with sound and {length_en}")
    if audio == 0 and played > 0.5:
        return Playback("off")                       # playing for a while, no sound decoded: no audio track
    return Playback("unknown", seconds, why=f"{length}再生されますが、音声はほぼ無音か読み込み途中です",
                    why_en=f"{length_en}, but its sound seems silent or was not loaded yet")


def autoplay_media(ctx, kinds: list[str]):
    """(element, Playback) for every audio/video element that may play by itself (hidden ones too: sound is heard
    whether or not the player is shown)."""
    facts = media_facts(ctx)
    for kind in kinds:
        for el in ctx.select(kind, visible=False):
            fact = facts.get(el.get("data-a11y-nid")) if facts is not None else None
            if fact is None and not media_sources(el):
                continue
            pb = playback(el, fact)
            if pb.state != "off":
                yield el, pb


def _autoplay_control(ctx, el: Tag, pb: Playback):
    if pb.state == "short":
        return                                       # at most 3 s: no mechanism required (4c31df inapplicable)
    if el.has_attr("controls") and not ctx.is_hidden(el):
        yield Verdict(PASSED, el)
        return
    media = "動画" if el.name == "video" else "音声"
    control = other_control(ctx, el)
    if control is not None:
        label = accessible_name(ctx, control)[:30]
        yield Verdict(CANT_TELL, el, media=media, media_en=el.name,
                      why=f"近くのボタン「{label}」などが停止・一時停止・消音の手段として働くか確認してください",
                      why_en=f"check that a nearby control (\"{label}\") pauses, stops or mutes it")
    elif pb.state == "long":
        yield Verdict(FAILED, el, media=media, media_en=el.name,
                      why=f"{pb.why}が、controls 属性も停止・消音のボタンもありません",
                      why_en=f"it {pb.why_en}, and has neither the controls attribute nor a pause/mute control")
    else:
        yield Verdict(CANT_TELL, el, media=media, media_en=el.name,
                      why=f"{pb.why}。停止・消音の手段が見当たりません",
                      why_en=f"{pb.why_en}; no pause/mute control was found")


def _autoplay_short(ctx, el: Tag, pb: Playback):
    media = "動画" if el.name == "video" else "音声"
    if pb.state == "short":
        yield Verdict(PASSED, el)
    elif pb.state == "long":
        yield Verdict(FAILED, el, media=media, media_en=el.name, why=pb.why, why_en=pb.why_en)
    else:
        yield Verdict(CANT_TELL, el, media=media, media_en=el.name, why=pb.why, why_en=pb.why_en)


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
    judge = _autoplay_control if mode == "autoplay_control" else _autoplay_short
    for el, pb in autoplay_media(ctx, kinds):
        yield from judge(ctx, el, pb)
