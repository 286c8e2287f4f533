"""Changes of context made by inline event handlers (3.2.1 On Focus, 3.2.2 On Input).

GN25: an element whose inline onfocus handler removes focus again (``this.blur()``; F55, a classic way of hiding
the focus outline of links) fails 3.2.1 (and breaks keyboard use); an onfocus handler that navigates, submits or
opens a window is a candidate (the handler may be conditional). GN26: a form control whose inline onchange /
oninput handler (onclick for radio buttons and check boxes, which fires on selection) navigates, submits its form
or opens a window is a candidate for 3.2.2 (F36, F37): whether the user is told before is for a person to judge.
Handlers added with addEventListener are not seen (they are not in the markup)."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import accessible_name, aria_hidden_attr, content_text, id_map
from .timing import _NAVIGATE

_OPENS = re.compile(r"\bwindow\s*\.\s*open\s*\(|\bopen\s*\(\s*['\"]", re.I)
_BLUR_SELF = re.compile(r"^\s*(?:javascript\s*:)?\s*(?:this|event\.target|window\.event\.srcElement)\s*\.\s*blur\s*"
                        r"\(\s*\)\s*;?\s*(?:return\s+(?:true|false)\s*;?\s*)?$", re.I)
_CHOICE = {"radio", "checkbox"}
_TEXTISH_NO_CHANGE = {"button", "submit", "reset", "image", "hidden"}


def _what(code: str) -> tuple[str, str] | None:
    if _OPENS.search(code):
        return "新しいウィンドウを開く", "opens a window"
    if re.search(r"\.submit\s*\(\s*\)", code, re.I):
        return "フォームを送信する", "submits the form"
    if _NAVIGATE.search(code):
        return "ページを移動する", "navigates to another page"
    return None


def _code(el, *names: str) -> tuple[str, str] | None:
    for name in names:
        code = el.get(name)
        if isinstance(code, str) and code.strip():
            return name, code
    return None


@check("context_change_on_focus")
def context_change_on_focus(ctx, rule):
    for el in ctx.soup.find_all(lambda t: t.has_attr("onfocus") or t.has_attr("onfocusin")):
        found = _code(el, "onfocus", "onfocusin")
        if found is None:
            continue
        attr, code = found
        short = " ".join(code.split())[:80]
        if _BLUR_SELF.match(code):
            yield Verdict(FAILED, el, variant="blur", attr=attr, code=short)
            continue
        what = _what(code)
        if what is not None:
            yield Verdict(CANT_TELL, el, attr=attr, code=short, what=what[0], what_en=what[1])


@check("context_change_on_input")
def context_change_on_input(ctx, rule):
    for el in ctx.soup.find_all(["select", "input", "textarea"]):
        kind = (el.get("type") or "text").strip().lower() if el.name == "input" else el.name
        if kind in _TEXTISH_NO_CHANGE:
            continue
        names = ("onchange", "oninput") + (("onclick",) if kind in _CHOICE else ())
        found = _code(el, *names)
        if found is None:
            continue
        attr, code = found
        what = _what(code)
        if what is not None:
            yield Verdict(CANT_TELL, el, attr=attr, code=" ".join(code.split())[:80], what=what[0], what_en=what[1])


# ---------------------------------------------------------------- skip links whose target is missing (GN27, 2.4.1)

SKIP_TEXT = re.compile(
    r"(本文|メイン\s*コンテンツ|コンテンツ|内容)(?:(?:へ|に)\s*(?:移動|スキップ|進む|飛ぶ|ジャンプ)?(?:する)?|"
    r"\s*(?:移動|スキップ|ジャンプ)(?:する)?)|"
    r"(ナビゲーション|メニュー|グローバルナビ)\s*を?\s*(スキップ|飛ばす|とばす|読み飛ばす)|"
    r"skip\s+(to\s+)?(the\s+)?(main\s+)?(content|navigation|nav|menu)|jump\s+to\s+(main\s+)?content", re.I)


def _is_skip_text(text: str) -> bool:
    text = " ".join(text.split())
    return 0 < len(text) <= 30 and bool(SKIP_TEXT.fullmatch(text.strip("「」[]【】 ・>›»")))


@check("skip_link_target")
def skip_link_target(ctx, rule):
    """A link named like a skip link (「本文へ移動」, "Skip to content") that points at a fragment of its own page whose
    element does not exist (no id, no a[name]) bypasses nothing. 2.4.1 can still be met by headings or landmarks,
    so the link is failed only on a page with neither (then nothing else lets users bypass the blocks); otherwise a
    candidate."""
    table = None
    structure = None
    for a in ctx.soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href.startswith("#") or len(href) < 2 or href.startswith("#!") or href.startswith("#/"):
            continue
        name = accessible_name(ctx, a)
        if not _is_skip_text(name):
            continue
        if table is None:
            table = id_map(ctx)
            names = {el.get("name") for el in ctx.soup.find_all("a", attrs={"name": True})}
        fragment = href[1:]
        try:
            from urllib.parse import unquote
            fragment = unquote(fragment)
        except Exception:  # noqa: BLE001
            pass
        if fragment in table or fragment in names or fragment.lower() == "top":
            yield Verdict(PASSED, a)
            continue
        if structure is None:
            structure = bool(ctx.soup.find(["h1", "h2", "h3", "h4", "h5", "h6", "main"]) or ctx.soup.find(
                attrs={"role": re.compile(r"^\s*(heading|main|navigation|banner|contentinfo|region)\b", re.I)}))
        outcome = CANT_TELL if structure else FAILED
        yield Verdict(outcome, a, variant=None if structure else "nothing_else", name=name[:30], href=href[:60])


# ---------------------------------------------------------------- a placeholder as the only label (GN28, 3.3.2)

_TEXT_TYPES = {"text", "email", "tel", "url", "number", "search", "password", "date", "datetime-local", "month",
               "week", "time", ""}


def _labelled(ctx, el, label_for: set[str]) -> bool:
    if (el.get("aria-labelledby") or "").strip() or (el.get("aria-label") or "").strip():
        return True
    if (el.get("title") or "").strip():
        return True
    if el.get("id") and el["id"] in label_for:
        return True
    return el.find_parent("label") is not None


_SEARCH = re.compile(r"検索|探す|さがす|search|\bq\b|query|keyword|kw", re.I)


def _is_button(el) -> bool:
    return el.name == "button" or (el.name == "input" and (el.get("type") or "").strip().lower()
                                   in ("submit", "image", "button"))


def _adjacent_button(el) -> bool:
    """G167: a single field labelled by the button next to it (「サイト内検索」 + 「検索」) — the next element, or the
    only text field of its form with a button in it (search forms that wrap the button in a span)."""
    nxt = el.find_next_sibling()
    if nxt is not None and _is_button(nxt):
        return True
    form = el.find_parent("form")
    if form is None:
        return False
    texts = [f for f in form.find_all(["input", "textarea"]) if f.name == "textarea"
             or (f.get("type") or "").strip().lower() in _TEXT_TYPES]
    buttons = [b for b in form.find_all(["button", "input"]) if _is_button(b)]
    if len(texts) != 1 or not buttons:
        return False
    # Only a search box is labelled by its button (「検索」); 「送信する」 says nothing of a field 「氏名」.
    words = " ".join([(form.get("role") or ""), (el.get("type") or ""), (el.get("name") or "")]
                     + [(b.get_text(" ") or "") + " " + (b.get("value") or "") + " " + (b.get("alt") or "")
                        + " " + (b.get("aria-label") or "") for b in buttons])
    return bool(_SEARCH.search(words))


@check("placeholder_only_label")
def placeholder_only_label(ctx, rule):
    """Text fields whose only name is their placeholder: the hint disappears as soon as something is typed (and is
    often too faint to read). A candidate for 3.3.2; a single field with a button right after it (a search box,
    G167) is left alone."""
    fields = [el for el in ctx.soup.find_all(["input", "textarea"]) if (el.get("placeholder") or "").strip()]
    if not fields:
        return
    label_for = {lab.get("for") for lab in ctx.soup.find_all("label") if lab.get("for")}
    for el in fields:
        if el.name == "input" and (el.get("type") or "").strip().lower() not in _TEXT_TYPES:
            continue
        if el.has_attr("hidden") or aria_hidden_attr(el) or el.has_attr("disabled"):
            continue
        if _labelled(ctx, el, label_for):
            yield Verdict(PASSED, el)
            continue
        if _adjacent_button(el):
            continue
        yield Verdict(CANT_TELL, el, placeholder=" ".join(el["placeholder"].split())[:40])


# ---------------------------------------------------------------- radio groups without their question (GN29, 1.3.1)

def _group_of(el):
    """The fieldset or ARIA group around a radio button, or None."""
    for parent in el.parents:
        if parent.name == "fieldset":
            return parent
        role = (parent.get("role") or "").strip().lower() if hasattr(parent, "get") else ""
        if role in ("radiogroup", "group"):
            return parent
        if parent.name in ("form", "body"):
            return None
    return None


def _group_named(ctx, group) -> bool:
    if group.name == "fieldset":
        legend = group.find("legend")
        if legend is not None and content_text(ctx, legend):
            return True
    return bool((group.get("aria-label") or "").strip() or (group.get("aria-labelledby") or "").strip()) and \
        bool(accessible_name(ctx, group) if group.name != "fieldset" else True)


@check("radio_group_question")
def radio_group_question(ctx, rule):
    """Radio buttons of one name (two or more) answer one question: the question should be the group's name
    (fieldset + legend, or role=radiogroup/group with aria-label(ledby); H71, ARIA17). Without it a screen reader
    user hears 「はい」「いいえ」 with no question. A candidate: the question may be tied in another way."""
    groups: dict[tuple, list] = {}
    for el in ctx.soup.find_all("input"):
        if (el.get("type") or "").strip().lower() != "radio" or not (el.get("name") or "").strip():
            continue
        if el.has_attr("hidden") or el.has_attr("disabled"):
            continue
        form = el.find_parent("form")
        groups.setdefault((id(form), el["name"]), []).append(el)
    for members in groups.values():
        if len(members) < 2:
            continue
        group = _group_of(members[0])
        if group is not None and _group_named(ctx, group):
            yield Verdict(PASSED, members[0])
            continue
        variant = "unnamed_group" if group is not None else None
        yield Verdict(CANT_TELL, members[0], variant=variant, name=members[0]["name"][:30], count=len(members))


# ---------------------------------------------------------------- structure written as looks (GN30, GN31: 1.3.1)

_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)\b", re.I)
_BULLET_LINE = re.compile(r"^\s*[・●■◆○◇□▪︎•※]\s*\S")
_NOT_HEADING_PLACES = {"li", "td", "th", "label", "a", "button", "nav", "footer", "header", "address", "aside",
                       "figcaption", "caption", "legend", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "form",
                       "table", "blockquote"}
_REGION_WORDS = re.compile(r"foot|head|nav|menu|side|banner|contact|copyright|address|breadcrumb|pankuzu", re.I)


def _in_template_region(el) -> bool:
    for parent in el.parents:
        if getattr(parent, "name", None) in _NOT_HEADING_PLACES:
            return True
        role = (parent.get("role") or "").lower() if hasattr(parent, "get") else ""
        if role in ("navigation", "contentinfo", "banner", "complementary", "heading", "listitem", "cell"):
            return True
        names = " ".join([parent.get("id") or "", " ".join(parent.get("class") or [])]) if hasattr(parent, "get") else ""
        if names and _REGION_WORDS.search(names):
            return True
    return False


@check("bold_paragraph_heading")
def bold_paragraph_heading(ctx, rule):
    """A paragraph that is nothing but short bold text, followed by content, in the page's body text: it looks like
    a heading but is not one (F2-like; H42). A candidate: bold text can be emphasis, not a heading."""
    for p in ctx.soup.find_all("p"):
        kids = [k for k in p.children if not (isinstance(k, str) and not k.strip())]
        bold_markup = len(kids) == 1 and getattr(kids[0], "name", None) in ("strong", "b")
        bold_style = bool(_BOLD_STYLE.search(p.get("style") or "")) and all(isinstance(k, str) for k in kids)
        if not (bold_markup or bold_style):
            continue
        text = content_text(ctx, p)
        if not (2 <= len(text) <= 40) or text.endswith(("。", ".", "：", ":", "!", "！")):
            continue
        nxt = p.find_next_sibling()
        if nxt is None or nxt.name not in ("p", "ul", "ol", "table", "div", "dl") or len(content_text(ctx, nxt)) < 10:
            continue
        if _in_template_region(p):
            continue
        yield Verdict(CANT_TELL, p, text=text)


@check("text_bullet_list")
def text_bullet_list(ctx, rule):
    """A paragraph whose lines (split by <br>) start with bullet characters (・●■…) is a list written as text: no
    list structure for assistive technology (H48). A candidate: a person decides whether it is a list."""
    for p in ctx.soup.find_all("p"):
        if p.find("br") is None or _in_template_region(p):
            continue
        lines, current = [], []
        for node in p.children:
            if getattr(node, "name", None) == "br":
                lines.append("".join(current)); current = []
            else:
                current.append(node.get_text() if hasattr(node, "get_text") else str(node))
        lines.append("".join(current))
        bullets = [ln for ln in lines if _BULLET_LINE.match(ln)]
        if len(bullets) >= 2 and not bullets[0].lstrip().startswith("※"):
            yield Verdict(CANT_TELL, p, count=len(bullets), first=" ".join(bullets[0].split())[:30])
