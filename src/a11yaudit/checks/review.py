"""Human-judgement candidates (cantTell): whether headings, labels and text alternatives describe their content,
images that may be decorative or may contain text, forms that report input errors, and scripts that add
keyboard shortcuts, motion actuation or automatically changing text. Nothing here fails a page: a person decides.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from bs4 import Tag

from ..rules.model import CANT_TELL, FAILED
from ..rules.registry import Verdict, check
from .semantics import accessible_name, explicit_role, rendered_hidden
from .semantics import aria_hidden as is_aria_hidden
from .semantics import collapse as norm

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _short(text: str, n: int = 40) -> str:
    text = norm(text)
    return text if len(text) <= n else text[:n] + "…"


# ---------------------------------------------------------------- headings (ACT b49b2e, 2.4.6)

HEADINGS_LISTED = 8
# Headings that name nothing: template placeholders and bare ordinals (「その1」「見出し2」「Heading」「○○○」). An
# article number such as 「第1条」 names the article (legal texts) and is not one of them.
PLACEHOLDER_HEADING = re.compile(
    r"^(?:その|其の|パート|part\s*)[0-9０-９一二三四五六七八九十]+$|"
    r"^(?:見出し|見出|タイトル|小見出し|大見出し|中見出し|ダミー|heading|dummy|lorem ipsum)\s*[0-9０-９]*$|"
    r"^[○●◯〇□■＊*xXｘ×]{2,}$", re.I)
# Not in the list, on purpose: words that can name a real section (「サンプル」 over sample forms, 「テキスト」 over a
# transcript, "Title", "No.1" over a ranked item): the human-check item covers them.


@check("heading_review")
def heading_review(ctx, rule):
    """One checklist item per page (not one per heading): the tester reads the page's headings together. The item
    points at the first heading and names the first few."""
    found = []
    for el in ctx.select(", ".join(HEADING_TAGS) + ", [role=heading]"):
        role = explicit_role(el)
        if el.name in HEADING_TAGS and role and role != "heading":
            continue
        if el.name not in HEADING_TAGS and role != "heading":
            continue
        name = accessible_name(ctx, el)
        if name:
            found.append((el, _short(name, 30)))
    if not found:
        return
    for el, name in found:
        if PLACEHOLDER_HEADING.match(norm(name)):
            yield Verdict(FAILED, el, variant="placeholder", text=name)
    listed = "".join(f"「{name}」" for _el, name in found[:HEADINGS_LISTED])
    listed_en = ", ".join(f"\"{name}\"" for _el, name in found[:HEADINGS_LISTED])
    more = len(found) - HEADINGS_LISTED
    yield Verdict(CANT_TELL, found[0][0], count=len(found), headings=listed + (f"ほか{more}個" if more > 0 else ""),
                  headings_en=listed_en + (f" and {more} more" if more > 0 else ""))


# ---------------------------------------------------------------- form field labels (ACT cc0f0a, 2.4.6)

FIELD_ROLES = {"textbox", "searchbox", "combobox", "listbox", "spinbutton", "slider", "checkbox", "radio", "switch"}
NOT_FIELDS = {"hidden", "submit", "reset", "button", "image"}


def _is_field(el: Tag) -> bool:
    role = explicit_role(el)
    if role in ("none", "presentation") and el.has_attr("disabled"):
        return False
    if role:
        return role in FIELD_ROLES
    if el.name == "input":
        return (el.get("type") or "text").lower() not in NOT_FIELDS
    return el.name in ("select", "textarea")


@check("label_review")
def label_review(ctx, rule):
    for el in ctx.select("input, select, textarea, [role]"):
        if not _is_field(el):
            continue
        ident = el.get("id")
        has_label = el.has_attr("aria-labelledby") or el.find_parent("label") is not None or (
            ident and ctx.soup.find("label", attrs={"for": ident}) is not None)
        if not has_label:
            continue   # no label at all: axe's label rule
        name = accessible_name(ctx, el)
        if name:
            yield Verdict(CANT_TELL, el, text=_short(name))


# ---------------------------------------------------------------- image names (ACT qt1vmo, 1.1.1)

def _img_like(ctx, el: Tag) -> bool:
    role = explicit_role(el)
    if role in ("none", "presentation"):
        return False
    if el.name == "img" or (el.name == "input" and (el.get("type") or "").lower() == "image"):
        return role in (None, "img")
    return el.name in ("svg", "canvas") or role == "img"


@check("image_name_review")
def image_name_review(ctx, rule):
    for el in ctx.select("img, input[type=image], svg, canvas, [role=img]"):
        if not _img_like(ctx, el):
            continue
        name = accessible_name(ctx, el)
        if name:
            yield Verdict(CANT_TELL, el, text=_short(name))


# ---------------------------------------------------------------- decorative images (ACT e88epe, 1.1.1)

SPACER = re.compile(r"(?:^|[_\-.])(?:spacer|space|dot|clear|blank|transparent|trans|1px|pixel|s)(?:[_\-.]|$)", re.I)


def _tiny(el: Tag) -> bool:
    for attr in ("width", "height"):
        m = re.match(r"\s*(\d+)", el.get(attr) or "")
        if m and int(m.group(1)) <= 3:
            return True
    return False


def _file_stem(src: str) -> str:
    if src.startswith("data:"):
        return ""
    return posixpath.splitext(posixpath.basename(unquote(urlsplit(src).path)))[0].lower()


def _inside_named_control(ctx, el: Tag) -> bool:
    for parent in el.parents:
        if not isinstance(parent, Tag) or parent.name == "body":
            return False
        if parent.name in ("a", "button", "label", "summary") or explicit_role(parent) in (
                "link", "button", "img", "menuitem", "tab"):
            return True
    return False


@check("decorative_image_review")
def decorative_review(ctx, rule):
    """Images hidden from assistive technology (alt="", role=none/presentation, aria-hidden) that are rendered."""
    for el in ctx.select("img, svg, canvas", visible=False):
        if rendered_hidden(ctx, el) or _tiny(el):
            continue
        role = explicit_role(el)
        aria_hidden = is_aria_hidden(el)
        if el.name == "img":
            if not (el.get("src") or "").strip() or SPACER.search(_file_stem(el.get("src") or "")):
                continue
            named = bool(norm(el.get("aria-label")) or el.has_attr("aria-labelledby") or norm(el.get("title")))
            decorative = aria_hidden or role in ("none", "presentation") or (el.get("alt") == "" and not named)
            if decorative and not _inside_named_control(ctx, el):
                yield Verdict(CANT_TELL, el, what=f"img src=\"{_short(el.get('src') or '', 60)}\"")
        else:
            if aria_hidden and el.name == "svg":
                continue   # icon fonts/SVG sprites hidden next to text: the usual, correct pattern
            if role in ("img", "graphics-document") or accessible_name(ctx, el) or _inside_named_control(ctx, el):
                continue
            if el.name == "svg" and el.find_parent("svg") is not None:
                continue
            if el.name == "svg" and not el.find(["path", "polygon", "rect", "circle", "ellipse", "line", "polyline",
                                                 "image", "text", "use"]):
                continue
            yield Verdict(CANT_TELL, el, what=el.name)


# ---------------------------------------------------------------- images of text (ACT 0va7u6, 1.4.5)

TEXT_HINT = re.compile(
    r"(?:^|[_\-.\d\s])(?:text|title|banner|button|midashi|heading|moji|catch|label|menu)"   # also as a prefix
    r"|(?:^|[_\-.\d\s])(?:txt|ttl|tit|bnr|btn|lbl|nav|gnav|tab|head|hdg|copy|h[1-6])(?:[_\-.\d\sA-Z]|$)")
_BG_URL = re.compile(r"background(?:-image)?\s*:[^;]*url\(\s*['\"]?([^'\")]+)", re.I)


def _text_hint(src: str) -> bool:
    if src.startswith("data:image/svg"):
        return "<text" in unquote(src).lower()
    if src.startswith("data:"):
        return False
    stem = posixpath.splitext(posixpath.basename(unquote(urlsplit(src).path)))[0]
    return bool(TEXT_HINT.search(stem) or TEXT_HINT.search(stem.lower()))


@check("text_image_review")
def text_image_review(ctx, rule):
    """Images that plausibly show text: image buttons, images in headings, file names such as bnr_ / btn_ /
    title_ / txt_, SVG data with <text>, inline background images with such names."""
    for el in ctx.select("img[src], input[type=image][src]"):
        src = (el.get("src") or "").strip()
        if _tiny(el):
            continue
        why = why_en = None
        if el.name == "input":
            why, why_en = "画像ボタン", "an image button"
        elif el.find_parent(HEADING_TAGS) is not None or el.find_parent(attrs={"role": "heading"}) is not None:
            why, why_en = "見出しの中の画像", "an image in a heading"
        elif _text_hint(src):
            why, why_en = "ファイル名・内容から文字画像の可能性", "its file name or content suggests text"
        if why:
            yield Verdict(CANT_TELL, el, why=why, why_en=why_en, alt=_short(el.get("alt") or ""))
    for el in ctx.select("[style]"):
        m = _BG_URL.search(el.get("style") or "")
        if m and _text_hint(m.group(1).strip()):
            yield Verdict(CANT_TELL, el, why="背景画像のファイル名から文字画像の可能性",
                          why_en="a background image whose file name suggests text", alt="")


# ---------------------------------------------------------------- error messages (ACT 36b590, 3.3.1)

ERROR_WORD = re.compile(r"(?:^|[_\-\s])(?:error|errors|err|invalid|validation|alert|warning)(?:[_\-\s]|$)"
                        r"|(?<=[a-z])(?:Error|Invalid)", re.I)


def _error_indicator(el: Tag) -> bool:
    if el.get("aria-invalid", "").lower() in ("true", "grammar", "spelling") or el.has_attr("aria-errormessage"):
        return True
    if explicit_role(el) == "alert":
        return True
    ident = el.get("id") or ""
    classes = " ".join(el.get("class") or [])
    return bool(ERROR_WORD.search(ident) or ERROR_WORD.search(classes))


@check("error_review")
def error_review(ctx, rule):
    """Forms with required fields or error-message markup: a person submits wrong input and reads the message."""
    forms = ctx.select("form")
    if not forms:
        return
    for form in forms:
        fields = [f for f in form.find_all(["input", "select", "textarea"])
                  if (f.get("type") or "").lower() not in ("hidden", "submit", "reset", "button", "image")]
        if not fields:
            continue
        required = any(f.has_attr("required") or f.get("aria-required") == "true" for f in fields)
        indicator = any(_error_indicator(el) for el in [form, *form.find_all(True)])
        if required or indicator:
            yield Verdict(CANT_TELL, form, why="必須項目" if required else "エラーメッセージの表示箇所",
                          why_en="required fields" if required else "where error messages appear")


# ---------------------------------------------------------------- script-based candidates (page level)

def _inline_code(ctx) -> str:
    """Inline script text and inline event-handler attributes of the served HTML and of the rendered DOM."""
    parts = []
    for script in ctx.soup.find_all("script"):
        if not script.get("src"):
            parts.append(script.get_text())
    for el in ctx.soup.find_all(True):
        for attr, value in el.attrs.items():
            if attr.startswith("on") and isinstance(value, str):
                parts.append(f"{el.name}.{attr}={value}")
    return "\n".join(parts)


def _script_names(ctx) -> list[str]:
    return [_file_stem(s.get("src") or "") for s in ctx.soup.find_all("script", src=True)]


KEY_LISTENER = re.compile(
    r"(?:document|window|body|\$\(\s*(?:document|window|['\"]body['\"])\s*\))\s*\.\s*(?:"
    r"addEventListener\(\s*['\"]key(?:down|press|up)['\"]|onkey(?:down|press|up)\s*=|key(?:down|press|up)\s*\(|"
    r"on\(\s*['\"][^'\"]*key(?:down|press|up))"
    r"|^(?:body|html)\.onkey(?:down|press|up)=", re.I | re.M)
SHORTCUT_LIB = re.compile(r"(?:^|[.\-_])(?:mousetrap|hotkeys?|keymaster|shortcuts?|keyboard[-_.]?shortcuts?|"
                          r"keybindings?|hotkeys-js)(?:[.\-_]|$)", re.I)


@check("shortcut_review")
def shortcut_review(ctx, rule):
    lib = next((n for n in _script_names(ctx) if SHORTCUT_LIB.search(n)), None)
    if lib or KEY_LISTENER.search(_inline_code(ctx)):
        yield Verdict(CANT_TELL, None, why=f"スクリプト「{lib}」" if lib else "ページ全体へのキー入力の処理",
                      why_en=f"script \"{lib}\"" if lib else "a key handler on the whole page")


MOTION = re.compile(r"devicemotion|deviceorientation|DeviceMotionEvent|DeviceOrientationEvent", re.I)


@check("motion_review")
def motion_review(ctx, rule):
    if MOTION.search(_inline_code(ctx)):
        yield Verdict(CANT_TELL, None)


TIMER = re.compile(r"setInterval\s*\(", re.I)
TEXT_WRITE = re.compile(r"\.(?:textContent|innerText|innerHTML|nodeValue)\s*=|\.(?:text|html)\s*\(", re.I)
TICKER_LIB = re.compile(r"(?:^|[.\-_])(?:ticker|newsticker|marquee|typed|typewriter|rotator|liscroll)(?:[.\-_]|$)",
                        re.I)


@check("changing_text_review")
def changing_text_review(ctx, rule):
    for el in ctx.select("marquee, blink"):
        yield Verdict(CANT_TELL, el, why=f"{el.name} 要素", why_en=f"{el.name} element")
    code = _inline_code(ctx)
    lib = next((n for n in _script_names(ctx) if TICKER_LIB.search(n)), None)
    if lib:
        yield Verdict(CANT_TELL, None, why=f"スクリプト「{lib}」", why_en=f"script \"{lib}\"")
    elif TIMER.search(code) and TEXT_WRITE.search(code):
        yield Verdict(CANT_TELL, None, why="一定間隔で文字を書き換えるスクリプト",
                      why_en="a script rewriting text at intervals")
