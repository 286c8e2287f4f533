"""Instructions that rely on colour (1.4.1, F81) or on position/shape (1.3.3, F14/F26). Japanese pattern JP-COLOR-ONLY,
JP-SENSORY. Text is taken once from the shared text blocks (common.blocks)."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .common import blocks
from .semantics import content_text

_COLOUR = r"(?:赤|青|緑|黄|橙|紫|灰|茶|水色|黄色|オレンジ|ピンク|グレー|ブルー|レッド|グリーン)"
# 「赤字の項目」「赤色の部分」「青い文字」「赤で表示」「色の付いた」「色付きの」「色分け」
COLOUR_CUE = re.compile(
    rf"{_COLOUR}(?:色|字|文字)?(?:い|の|で|く)?(?:項目|部分|箇所|欄|文字|字|表示|マーク|セル|日|行|列|もの|ところ|"
    rf"印|枠|線|背景|数字|記載)(?![\u4e00-\u9fff])"
    r"|色(?:の|が)?(?:つい|付い)て?(?:いる|た)|色付き|色分け|色で(?:示|表示|区別|強調)")
# 「背景色」「文字色」 alone name a setting (a colour-theme switcher 「背景色の変更：白・黒・青」), not an instruction.
# The sentence itself names a non-colour cue: ※, ＊, 「必須」 in brackets, a mark.
SENTENCE_ALT = re.compile(r"[※＊*◎★☆■◆●]|[（(【［\[「『]\s*必須\s*[）)】］\]」』]|必須(?:マーク|表示|と表示|と記載)|"
                          r"(?:印|マーク|記号)(?:が|の|を)")
LABEL_CUE = re.compile(r"[※＊*★]|必須|required", re.I)
# Colour-ish styling on labels (class names, inline colour, <font color>): the items the sentence points at.
_COLOUR_CLASS = re.compile(r"red|aka|color|colour|required|must|hissu|attention|caution|warn|emphasis|important",
                           re.I)


def _colour_marked(el) -> bool:
    for node in [el, *el.find_all(True)]:
        cls = " ".join(node.get("class") or [])
        if cls and _COLOUR_CLASS.search(cls):
            return True
        if node.name == "font" and node.get("color"):
            return True
        style = node.get("style") or ""
        if re.search(r"(?<![-\w])color\s*:", style, re.I):
            return True
    return False


def _form_for(el):
    """The form the instruction is in, or the form that follows it before the next heading."""
    form = el.find_parent("form")
    if form is not None:
        return form
    nxt = el.find_next(["form", "h1", "h2", "h3", "h4", "h5", "h6"])
    return nxt if nxt is not None and nxt.name == "form" else None


def _controls(form):
    out = []
    for c in form.find_all(["input", "select", "textarea"]):
        if c.name == "input" and (c.get("type") or "text").lower() in (
                "hidden", "submit", "button", "image", "reset"):
            continue
        out.append(c)
    return out


def _label_texts(ctx, form):
    """(text, marked-with-colour) of each field label in the form: <label>, else the text container of the field."""
    labels = []
    for lab in form.find_all("label"):
        labels.append((content_text(ctx, lab), _colour_marked(lab)))
    for c in _controls(form):
        parent = c.parent
        if parent is not None and not parent.find("label"):
            labels.append((content_text(ctx, parent), _colour_marked(parent)))
    for leg in form.find_all("legend"):
        labels.append((content_text(ctx, leg), _colour_marked(leg)))
    return labels


@check("color_only_instruction")
def color_only_instruction(ctx, rule):
    """F81: 「赤字の項目は必須です」. Failed when the form's fields carry no other cue (no ※/必須 text, no required
    attribute); cantTell when only the required attribute marks them or when no form is involved."""
    for block in blocks(ctx):
        text = block.text
        if not text or block.el.name in ("body", "html"):
            continue
        m = COLOUR_CUE.search(text)
        if not m or _control_label(block.el):
            continue
        sentence = _sentence(text, m.start(), m.end())
        if SENTENCE_ALT.search(sentence):
            yield Verdict(PASSED, block.el)
            continue
        form = _form_for(block.el)
        if form is None:
            yield Verdict(CANT_TELL, block.el, text=sentence, cue=m.group(0),
                          why="色以外の手がかり（記号・文字）があるかを確認してください",
                          why_en="check that the items also have a non-colour cue")
            continue
        labels = _label_texts(ctx, form)
        marked = [t for t, colour in labels if colour] or [t for t, _ in labels]
        if any(LABEL_CUE.search(t) for t in marked):
            yield Verdict(PASSED, block.el)
        elif any(c.has_attr("required") or c.get("aria-required") == "true" for c in _controls(form)):
            yield Verdict(CANT_TELL, block.el, text=sentence, cue=m.group(0),
                          why="入力欄に required 属性はありますが、画面上は色だけで示されています",
                          why_en="the fields have the required attribute, but on screen only colour marks them")
        else:
            yield Verdict(FAILED, block.el, text=sentence, cue=m.group(0),
                          why="項目に「※」「必須」などの文字や required 属性がなく、色だけで示されています",
                          why_en="the items carry no text mark or required attribute: colour is the only cue")


def _control_label(el) -> bool:
    """The text is the label of controls (a theme switcher's 「青」「黒」 buttons, a menu), not an instruction: the
    block is a control, or sits in one, or all its text is inside links and buttons."""
    if el.name in ("button", "a", "label", "option", "select") or el.find_parent(["button", "a", "select"]):
        return True
    own = "".join(el.find_all(string=True, recursive=True)).strip()
    inside = "".join(t for c in el.find_all(["a", "button", "label"]) for t in c.find_all(string=True)).strip()
    return bool(own) and len(inside) >= 0.8 * len(own)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(p, 0, start) for p in "。！？\n") + 1
    rights = [i for i in (text.find(p, end) for p in "。！？\n") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()[:120]


# Position or shape: 「右の図」「左側のメニュー」「下のボタン」「右上にある」「丸いアイコン」「赤いボタン」.
_NOUN = (r"(?:図|表|画像|写真|イラスト|ボタン|アイコン|欄|メニュー|リンク|枠|地図|マップ|マーク|バナー|グラフ|"
         r"一覧|リスト|矢印|記号|部分|箇所|エリア|囲み)")
SENSORY_JA = re.compile(
    rf"(?<![以記左右上下])(?:右上|右下|左上|左下|右側|左側|右端|左端|上部|下部|右|左|上|下|真下|真上|隣)"
    rf"(?:の|に|にある|に表示されている|に表示した|に示す|に示した|側の)?{_NOUN}(?![\u4e00-\u9fff])"
    rf"|(?:丸|四角|三角|星|ハート|ひし形|菱形|円形|{_COLOUR})(?:い|の|色の|形の|印の)?"
    rf"(?:ボタン|アイコン|マーク|印|記号|矢印|丸|四角|三角)(?![\u4e00-\u9fff])")
SENSORY_EN = re.compile(
    r"\b(?:on|to|at|in) the (?:right|left|top|bottom)(?:-hand side)?\b|\b(?:underneath|beneath)\b"
    r"|\b(?:round|square|triangle|triangular|circular|star|diamond|red|green|blue|yellow|orange)"
    r"(?:-shaped)? (?:button|icon|menu|link|box|shape|arrow)s?\b"
    r"|\bthe (?:star|circle|triangle|square|arrow)\b", re.I)
# 「右の『申請』ボタン」「右の図（防災マップ）」: the reference also names the item.
_NAMED_AFTER = re.compile(r"^\s*[（(「『\"“]")


@check("sensory_reference")
def sensory_reference(ctx, rule):
    """F14/F26 candidates: content identified by position or shape. Always cantTell (a person judges whether the
    item is also identified otherwise); references that also name the item are passed."""
    lang = (ctx.page.get("lang") or "").lower()
    for block in blocks(ctx):
        text = block.text
        if not text or block.el.name in ("body", "html"):
            continue
        found = None
        for m in SENSORY_JA.finditer(text):
            if _NAMED_AFTER.match(text[m.end(): m.end() + 2]):
                continue
            found = m
            break
        if found is None and (not lang.startswith("ja") or re.search(r"[a-zA-Z]{3}", text)):
            found = SENSORY_EN.search(text)
        if found is None:
            continue
        yield Verdict(CANT_TELL, block.el, text=_sentence(text, found.start(), found.end()), cue=found.group(0))
