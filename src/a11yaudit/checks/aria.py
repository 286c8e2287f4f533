"""ARIA and name checks: summary names (4.1.2), required ID references (1.3.1/4.1.2), iframes with the same
name (4.1.2), meta viewport zoom (1.4.4) and label in name (2.5.3).

The accessible name, roles and the hidden tests come from semantics.py.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from bs4 import NavigableString, Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import SKIP_TEXT, accessible_name, explicit_role, id_map, labelledby_text, not_rendered
from .semantics import collapse as norm


# ---------------------------------------------------------------- summary (ACT 2t702h)

@check("summary_name")
def summary_name(ctx, rule):
    """The first summary child of a details element is its disclosure button: it needs a name."""
    for details in ctx.select("details"):
        summary = details.find("summary", recursive=False)
        if summary is None or ctx.is_hidden(summary):
            continue
        role = explicit_role(summary)
        if role and role not in ("none", "presentation"):
            continue   # another role: other rules apply (an explicit button role is checked by axe)
        name = accessible_name(ctx, summary)
        yield Verdict(PASSED if name else FAILED, summary)


# ---------------------------------------------------------------- required ID references (ACT in6db8)

REQUIRED_IDREFS = {
    # role: (attribute, condition on the element)
    "scrollbar": ("aria-controls", lambda el: True),
    "combobox": ("aria-controls", lambda el: (el.get("aria-expanded") or "").strip().lower() == "true"),
}


@check("required_idrefs")
def required_idrefs(ctx, rule):
    idm = id_map(ctx)
    for el in ctx.select("[role]"):
        role = explicit_role(el)
        spec = REQUIRED_IDREFS.get(role or "")
        if not spec:
            continue
        attr, applies = spec
        if not applies(el):
            continue
        ids = (el.get(attr) or "").split()
        if not ids:
            continue   # a missing required attribute is axe's aria-required-attr
        if any(i in idm for i in ids):
            yield Verdict(PASSED, el)
        else:
            yield Verdict(FAILED, el, attr=attr, ids=" ".join(ids), role=role)


# ---------------------------------------------------------------- iframes with the same name (ACT 4b1c6c)

def _frame_target(ctx, el: Tag) -> str | None:
    if el.has_attr("srcdoc"):
        return None   # its content is inline: cannot compare by address
    src = (el.get("src") or "").strip()
    base = ctx.page.get("final_url") or ctx.page.get("url") or ctx.url or ""
    return urldefrag(urljoin(base, src or "about:blank"))[0]


@check("iframe_same_name")
def iframe_same_name(ctx, rule):
    groups: dict[str, list[Tag]] = {}
    for el in ctx.select("iframe"):
        role = explicit_role(el)
        if role in ("none", "presentation"):
            continue
        name = accessible_name(ctx, el)
        if name:
            groups.setdefault(name.casefold(), []).append(el)
    for frames in groups.values():
        if len(frames) < 2:
            continue
        targets = {_frame_target(ctx, f) for f in frames}
        if len(targets) == 1 and None not in targets:
            for f in frames:
                yield Verdict(PASSED, f)
            continue
        name = accessible_name(ctx, frames[0])
        for f in frames:
            yield Verdict(CANT_TELL, f, name=name, n=len(frames))


# ---------------------------------------------------------------- meta viewport (ACT b4f0c3)

_NUM = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)")


def _viewport_value(value: str, keyword_values: dict) -> float | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in keyword_values:
        return keyword_values[v]
    m = _NUM.match(v)
    if m:
        return float(m.group(0))
    return 0.0   # an unknown keyword is treated as 0 by browsers


def viewport_problems(content: str) -> list[str] | None:
    """Problems of a meta viewport content string; None when it neither sets user-scalable nor maximum-scale."""
    props = {}
    for part in re.split(r"[,;]", content or ""):
        if "=" in part:
            key, _, value = part.partition("=")
            props[key.strip().lower()] = value
    relevant = False
    problems = []
    if "user-scalable" in props:
        value = _viewport_value(props["user-scalable"], {"yes": 1.0, "no": 0.0, "device-width": 10.0,
                                                         "device-height": 10.0})
        if value is not None:
            relevant = True
            if abs(value) < 1:
                problems.append(f"user-scalable={props['user-scalable'].strip()}")
    if "maximum-scale" in props:
        value = _viewport_value(props["maximum-scale"], {"yes": 1.0, "no": 0.1, "device-width": 10.0,
                                                         "device-height": 10.0})
        if value is not None and value >= 0:
            relevant = True
            if max(value, 0.1) < 2:
                problems.append(f"maximum-scale={props['maximum-scale'].strip()}")
    return problems if relevant else None


def _axe_failed_nids(ctx, axe_id: str) -> set[str]:
    axe = ctx.artifacts.get("axe") or {}
    return {str(n.get("nid")) for item in axe.get("violations") or [] if item.get("id") == axe_id
            for n in item.get("nodes") or [] if n.get("nid") is not None}


@check("viewport_zoom")
def viewport_zoom(ctx, rule):
    """F94. The same meta element failed by axe-core's meta-viewport (the same criterion, the same test) is left to
    axe: one problem, reported once."""
    by_axe = _axe_failed_nids(ctx, "meta-viewport")
    for meta in ctx.soup.find_all("meta"):
        if (meta.get("name") or "").strip().lower() != "viewport" or not meta.has_attr("content"):
            continue
        problems = viewport_problems(meta.get("content") or "")
        if problems is None:
            continue
        if problems and str(meta.get("data-a11y-nid")) in by_axe:
            continue
        if problems:
            yield Verdict(FAILED, meta, content=meta.get("content"), problems="、".join(problems),
                          problems_en=", ".join(problems))
        else:
            yield Verdict(PASSED, meta)


# ---------------------------------------------------------------- label in name (2.5.3, ACT 2ee8b8)

# Widget roles whose name can come from their content (ARIA 1.2): their visible text is their visible label.
LABEL_WIDGETS = frozenset({"button", "checkbox", "gridcell", "link", "menuitem", "menuitemcheckbox", "menuitemradio",
                           "option", "radio", "switch", "tab", "treeitem"})
# Text that is on the page but not seen (screen-reader-only utility classes) or not part of the label (ruby
# readings).
_SR_ONLY = re.compile(r"(?:^|[\s_-])(?:sr-only|sr_only|screen-reader-text|screen-reader-only|visually-?hidden|"
                      r"visuallyhidden|hidden-?text|element-invisible|offscreen|off-screen|a11y-hidden|"
                      r"u-hidden-visually|assistive-text|hide-?text|txt-?hide)(?:$|[\s_-])", re.I)
_CLIP_STYLE = re.compile(r"clip\s*:\s*rect\(\s*0|clip-path\s*:\s*inset\(\s*50%|(?:left|text-indent)\s*:\s*-\d{3,}",
                         re.I)
# Elements drawn with an icon font: their text (ligatures such as "search", private-use glyphs) is non-text content.
_ICON_CLASS = re.compile(r"(?:^|\s)(?:material-icons[\w-]*|material-symbols[\w-]*|fa|fas|far|fab|fal|fad|fa-[\w-]+|"
                         r"glyphicon[\w-]*|bi|bi-[\w-]+|icon|icons|icon-[\w-]+|[\w-]+-icon|icomoon[\w-]*|ti|ti-[\w-]+|"
                         r"mdi|mdi-[\w-]+|ion-[\w-]+|la|la-[\w-]+)(?:$|\s)", re.I)
_ICON_FONT = re.compile(r"material[\s+_-]*(?:icons|symbols)|font-?awesome|icomoon|glyphicons|ionicons|"
                        r"bootstrap-icons|tabler-icons|materialdesignicons|line-?awesome|icofont", re.I)
_LIGATURE = re.compile(r"^[a-z][a-z0-9_]*$")
_CHAR_WORD = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005-\u3007\u0e00-\u0e7f"
                        r"\U00020000-\U0002fa1f]")


def label_tokens(text: str) -> list[str]:
    """Words of a label as a person would speak them: NFKC, case-folded; punctuation, symbols, emoji and
    private-use glyphs separate words and are dropped (non-text content); Japanese/Chinese/Thai characters are one
    token each, so that 「検索」 is found in 「サイト内検索」."""
    import unicodedata
    text = unicodedata.normalize("NFKC", text or "").casefold()
    tokens: list[str] = []
    word = ""
    for ch in text:
        cat = unicodedata.category(ch)
        if _CHAR_WORD.match(ch):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif cat[0] in "LN" or (cat[0] == "M" and word):
            word += ch
        else:
            if word:
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def _classes(el: Tag) -> str:
    cls = el.get("class") or []
    return " ".join(cls) if isinstance(cls, list) else str(cls)


def visible_text_nodes(ctx, el: Tag) -> list[tuple[str, bool]]:
    """(text, drawn with an icon-font class) for every text node of el that is rendered and meant to be seen."""
    out: list[tuple[str, bool]] = []

    def walk(node: Tag, icon: bool) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString and child.strip():
                    out.append((str(child), icon))
                continue
            if not isinstance(child, Tag) or child.name in SKIP_TEXT or child.name in ("rt", "rp"):
                continue
            if not_rendered(ctx, child):
                continue
            if _SR_ONLY.search(_classes(child)) or _CLIP_STYLE.search(child.get("style") or ""):
                continue
            walk(child, icon or bool(_ICON_CLASS.search(_classes(child))))

    walk(el, bool(_ICON_CLASS.search(_classes(el))))
    return out


def _uses_icon_font(ctx) -> bool:
    cache = ctx.__dict__.setdefault("_gn_icon_font", [])
    if not cache:
        found = False
        for node in ctx.soup.find_all(["style", "link"]):
            text = node.get_text() if node.name == "style" else str(node.get("href") or "")
            if _ICON_FONT.search(text):
                found = True
                break
        if not found:
            found = any(_ICON_FONT.search(el.get("style") or "") for el in ctx.soup.find_all(style=True))
        cache.append(found)
    return cache[0]


def _widget_role(el: Tag) -> str | None:
    role = explicit_role(el)
    if role:
        return role if role in LABEL_WIDGETS else None
    if el.name in ("a", "area") and el.has_attr("href"):
        return "link"
    if el.name == "button":
        return "button"
    return None


@check("label_in_name")
def label_in_name(ctx, rule):
    """Widgets named by aria-label/aria-labelledby must contain their visible text in that name (2.5.3)."""
    for el in ctx.select("a[href], area[href], button, [role]"):
        if _widget_role(el) is None:
            continue
        name = labelledby_text(ctx, el) or norm(el.get("aria-label"))
        if not name:
            continue
        nodes = visible_text_nodes(ctx, el)
        if not nodes:
            continue
        name_tokens = label_tokens(name)
        icon_page = None
        missing, unsure = [], []
        for text, icon in nodes:
            tokens = label_tokens(text)
            if not tokens:
                continue                               # only symbols, emoji, icon glyphs: non-text content
            if _contains(name_tokens, tokens):
                continue
            if len(tokens) == 1 and len(tokens[0]) == 1 and not _CHAR_WORD.match(tokens[0]):
                continue                               # a symbolic character such as "x" for close
            if len(tokens) == 1 and _LIGATURE.match(tokens[0]) and text.strip() == text.strip().lower():
                if icon:
                    continue                           # an icon-font ligature ("search" in class="material-icons")
                if icon_page is None:
                    icon_page = _uses_icon_font(ctx)
                if icon_page:
                    unsure.append(norm(text))          # maybe an icon-font ligature ("search"): cannot see fonts
                    continue
            if len(tokens) == 1 and _CHAR_WORD.match(tokens[0]):
                unsure.append(norm(text))              # one kanji/kana: perhaps a symbol (「×」「〒」 are dropped)
                continue
            missing.append(norm(text))
        label = norm(" ".join(t for t, _ in nodes))[:60]
        if missing:
            yield Verdict(FAILED, el, text=label, name=name[:80], why="「" + "」「".join(missing)[:60] + "」が名前に含まれていません",
                          why_en="\"" + "\", \"".join(missing)[:60] + "\" is not part of the name")
        elif unsure:
            yield Verdict(CANT_TELL, el, text=label, name=name[:80],
                          why="「" + "」「".join(unsure)[:60] + "」がアイコン（記号）か文字か確認してください",
                          why_en="check whether \"" + "\", \"".join(unsure)[:60] + "\" is an icon or text")
        else:
            yield Verdict(PASSED, el)
