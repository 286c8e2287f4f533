"""Language of the page (3.1.1) and of parts (3.1.2): does the declared lang match the text?

A small, dependency-free language identification that answers only when it is confident:
- by script: kana (Japanese), Han only (Japanese or Chinese), Hangul, Cyrillic, Greek, Arabic, Hebrew, Thai,
  Devanagari;
- for Latin-script text: counts of very frequent function words (stop words) of English, French, Dutch, German,
  Spanish, Italian, Portuguese, Danish, Swedish and Norwegian.
It never fails short text: two or three words are not enough to tell "Paul put dire comment on tape" (French and
English) apart.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import NavigableString, Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import SKIP_TEXT, id_map, labelledby_text
from .semantics import collapse as norm

STOP_WORDS = {
    "en": """the of and to in is that it for on with as was are be this by at from or an have has not but which they
        you he she we his her their its were been will would can if there all more one also into than so no other
        about what when who our your these those them only out up do does did had may should could such it's i""",
    "fr": """le la les de des du un une et est en que qui dans pour pas sur au aux ce cette ces il elle ils elles
        nous vous je ne se sont par plus avec son sa ses leur leurs mais ou comme été être avoir fait tout tous
        aussi très même où dont on y a c'est qu'il l'on d'un d'une""",
    "nl": """de het een en van is dat die in op te met voor niet zijn er aan ook als bij door maar om uit over naar
        dan nog wel wat werd worden wordt hij zij ze wij we ik je haar hun deze dit geen kan meer men heeft hebben
        was waren tot zo ging""",
    "de": """der die das und ist nicht ein eine einen einem einer zu den dem des mit sich auf für von im auch es als
        an wird werden wurde sind bei aus nach oder wie noch dass er sie wir ich ihr kann nur über um hat haben vor
        durch zum zur""",
    "es": """el la los las de del y en que un una es por con para se no su sus al lo como más pero o este esta son
        fue ha sido también entre cuando muy sin sobre ya todo hay está""",
    "it": """il lo la i gli le di del della dei delle e è un una che in per con non si da al alla sono come anche ma
        più questo questa ha essere stato tra nel nella dal sul""",
    "pt": """o a os as de do da dos das e é um uma que em no na nos nas para com não se por mais como mas foi ao aos
        são ser tem sua seu também está pelo pela entre""",
    "da": """og i at det en den til er som på de med for af ikke der var et han hun har fra vi men kan om så jeg
        skal ved efter være blev have også""",
    "sv": """och i att det som en på är av för med den till inte har de om ett var jag han hon men så vi från kan
        sig efter också ska vid blev""",
    "no": """og i det som en på er av for med den til ikke har de om et var jeg han hun men så vi fra kan seg etter
        også skal ved ble""",
}
STOP = {lang: frozenset(words.split()) for lang, words in STOP_WORDS.items()}
# Common English words of short texts on Japanese public sites (language links, menus, captions): with the English
# stop words they confirm a short text declared lang="en" when every lower-case word is one of them (capitalised
# words are names: Midori, Paris) and no word belongs to another language's list only.
ENGLISH_WORDS = frozenset("""about access accessibility account activities address all app area areas article
    back before bottom business calendar call center centre change check children city close comment community
    contact contents content copyright council culture current daily data day details disaster disasters download
    education emergency english event events everyone faq find first fireworks font for foreign free from go
    government guide guidance hall happy health hello help here history holiday home hours how image images
    information inquiries inquiry japan japanese language languages large last later latest life link links list
    living local login love main map maps meaning medium menu mobile more multilingual museum my name new news
    next notice notices now number office official online open other over overview page pages park people phrase
    please policy prefectural prefecture previous print privacy public put read reserved residents return rights
    rules safety search section see service services show sightseeing site sitemap size skip small smartphone
    social sports start support tape text thank thanks today top tourism tourist town translate translated
    translation travel up use useful version view village visit visitors ward water weather web website welcome
    word words world year years us""".split())
# Languages close enough that one's text often reads as the other's: never a failure between them.
SIBLINGS = [{"da", "no", "sv"}, {"es", "pt", "gl", "ca"}, {"nl", "af"}]
ALIASES = {"nb": "no", "nn": "no", "eng": "en", "jpn": "ja", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de",
           "nld": "nl", "dut": "nl", "spa": "es", "ita": "it", "por": "pt", "zho": "zh", "chi": "zh", "kor": "ko",
           "dan": "da", "swe": "sv", "nor": "no", "rus": "ru", "iw": "he", "in": "id", "tgl": "tl", "fil": "tl"}
LATIN_LANGS = frozenset("""en fr de nl es it pt da sv no fi et lv lt pl cs sk sl hr bs hu ro tr id ms tl vi ca eu gl
    ga gd cy is fo af sw lb mt sq az uz tk so ha yo ig zu xh mi sm to haw qu ay gn eo la""".split())
SCRIPT_LANGS = {
    "jpan": {"ja"}, "hani": {"ja", "zh"}, "kore": {"ko"},
    "cyrl": {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt", "ba"},
    "grek": {"el"}, "arab": {"ar", "fa", "ur", "ps", "ug", "sd", "ku"}, "hebr": {"he", "yi"}, "thai": {"th"},
    "deva": {"hi", "mr", "ne", "sa", "kok", "mai"}, "latn": set(LATIN_LANGS),
}
LANG_SCRIPT = {lang: script for script, langs in SCRIPT_LANGS.items() if script != "hani" for lang in langs}
LANG_SCRIPT["zh"] = "hani"
# A language named in its own language (language switchers: <a lang="en">English</a>).
ENDONYMS = {"english": "en", "日本語": "ja", "にほんご": "ja", "中文": "zh", "简体中文": "zh", "繁體中文": "zh",
            "简体字": "zh", "繁體字": "zh", "한국어": "ko", "조선말": "ko", "español": "es", "português": "pt",
            "français": "fr", "deutsch": "de", "italiano": "it", "nederlands": "nl", "tiếng việt": "vi",
            "tagalog": "tl", "filipino": "tl", "bahasa indonesia": "id", "русский": "ru", "ไทย": "th",
            "नेपाली": "ne", "हिन्दी": "hi", "dansk": "da", "svenska": "sv", "norsk": "no", "polski": "pl",
            "українська": "uk", "العربية": "ar", "فارسی": "fa", "मराठी": "mr", "монгол": "mn", "suomi": "fi"}
# Weight of one character of each script (one kanji carries about as much as three Latin letters).
WEIGHT = {"latn": 0.3, "cyrl": 0.3, "grek": 0.3, "arab": 0.4, "hebr": 0.4, "deva": 0.5}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.U)
_PRIMARY = re.compile(r"^[a-z]{2,3}$")


def _script(ch: str) -> str | None:
    o = ord(ch)
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
        return "kana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF:
        return "han"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "kore"
    if not ch.isalpha():
        return None
    if o < 0x250 or 0x1E00 <= o <= 0x1EFF or 0xFF21 <= o <= 0xFF5A:
        return "latn"
    if 0x0370 <= o <= 0x03FF:
        return "grek"
    if 0x0400 <= o <= 0x04FF:
        return "cyrl"
    if 0x0590 <= o <= 0x05FF:
        return "hebr"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F:
        return "arab"
    if 0x0900 <= o <= 0x097F:
        return "deva"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    return "other"


class Analysis:
    """Script shares and Latin stop-word scores of a text."""

    def __init__(self, text: str):
        text = unicodedata.normalize("NFKC", text)
        counts: dict[str, float] = {}
        raw: dict[str, int] = {}
        for ch in text:
            s = _script(ch)
            if s:
                raw[s] = raw.get(s, 0) + 1
        kana, han = raw.pop("kana", 0), raw.pop("han", 0)
        if kana:
            raw["jpan"] = kana + han
        elif han:
            if raw.get("kore"):
                raw["kore"] += han
            else:
                raw["hani"] = han
        self.raw = raw
        self.kana = kana
        for s, n in raw.items():
            counts[s] = n * WEIGHT.get(s, 1.0)
        total = sum(counts.values())
        self.total_letters = sum(raw.values())
        self.share = {s: (n / total if total else 0.0) for s, n in counts.items()}
        self.dominant = max(self.share, key=self.share.get) if self.share else None
        tokens = [t.lower().replace("’", "'") for t in _TOKEN.findall(text)
                  if all(_script(c) == "latn" for c in t if c.isalpha())]
        self.tokens = tokens
        self.scores = {lang: sum(1 for t in tokens if t in words) for lang, words in STOP.items()}

    def latin_best(self) -> tuple[str | None, int, int]:
        """(language, score, best score of a language that is not a sibling)."""
        if not self.tokens:
            return None, 0, 0
        best = max(self.scores, key=self.scores.get)
        top = self.scores[best]
        sib = next((g for g in SIBLINGS if best in g), {best})
        second = max((v for k, v in self.scores.items() if k not in sib), default=0)
        return best, top, second


_OTHER_STOP = frozenset().union(*(w for lang, w in STOP.items() if lang != "en")) - STOP["en"] - ENGLISH_WORDS


def _plain_english(text: str) -> bool:
    """Short text made of common English words and names only ("Foreign language", "Fireworks over Paris")."""
    known = 0
    for tok in _TOKEN.findall(unicodedata.normalize("NFKC", text)):
        word = tok.lower().replace("’", "'")
        if not word.isascii():
            return False            # année, für: not English spelling
        if word in _OTHER_STOP:
            return False
        base = word[:-1] if word.endswith("s") and len(word) > 3 else word
        if word in STOP["en"] or word in ENGLISH_WORDS or base in ENGLISH_WORDS:
            known += 1
        elif not tok[:1].isupper():
            return False            # an unknown lower-case word: a person must look
    return known >= 1


def primary_subtag(value: str | None) -> str | None:
    if value is None:
        return None
    primary = value.strip().lower().split("-")[0]
    if not _PRIMARY.match(primary):
        return None
    return ALIASES.get(primary, primary)


def _siblings(a: str, b: str) -> bool:
    return a == b or any(a in g and b in g for g in SIBLINGS)


def judge(declared: str, text: str) -> tuple[str, str | None] | None:
    """(outcome, detected language or script) for text declared as `declared`; None when there is too little text
    or when `declared` is a language this identification knows nothing about (invalid codes are axe's)."""
    if declared not in LANG_SCRIPT and declared not in STOP:
        return None
    text = norm(text)
    a = Analysis(text)
    if a.total_letters < 2:
        return None
    endonym = ENDONYMS.get(text.casefold().strip(" 　・|/()（）[]"))
    if endonym and _siblings(endonym, declared):
        return PASSED, endonym
    dom = a.dominant
    declared_script = LANG_SCRIPT.get(declared)
    if dom != "latn":
        langs = SCRIPT_LANGS.get(dom, set())
        if declared in langs:
            return (PASSED, declared) if a.share[dom] >= 0.3 else (CANT_TELL, dom)
        own = a.share.get(declared_script, 0.0) if declared_script else 0.0
        if dom == "jpan" and declared == "zh" and a.kana < 5:
            return CANT_TELL, dom
        if (declared_script and declared_script != dom and a.share[dom] >= 0.7 and own <= 0.15
                and a.raw[dom] >= 10 and dom != "other"):
            return FAILED, "ja" if dom == "jpan" else sorted(langs)[0] if len(langs) == 1 else dom
        return CANT_TELL, dom
    # Latin-script text
    best, top, second = a.latin_best()
    n = len(a.tokens)
    if declared in STOP:
        own = a.scores[declared]
        if own >= 3 and own * 2 >= top:
            return PASSED, declared
        if declared == "en" and _plain_english(text):
            return PASSED, declared
        if (best and not _siblings(best, declared) and top >= 4 and top >= 0.2 * n and own * 2 <= top
                and top >= 2 * second):
            return FAILED, best
        return CANT_TELL, best
    if declared_script and declared_script != "latn":
        if a.share.get(declared_script, 0.0) >= 0.3:
            return PASSED, declared
        if best and top >= 4 and top >= 0.2 * n and top >= 2 * second and a.share["latn"] >= 0.7:
            return FAILED, best
        return CANT_TELL, best
    return CANT_TELL, best   # a Latin-script language without a profile (lb, ca, eu …): a person must look


# ---------------------------------------------------------------- text of a language scope

_NAME_ATTRS = ("alt", "aria-label")


def scope_text(ctx, root: Tag) -> str:
    """Text whose language is set by root's lang: text nodes and text alternatives below root, not below another
    element with its own lang; hidden text only when it gives a visible element its name (aria-labelledby)."""
    parts: list[str] = []

    def walk(el: Tag):
        for child in el.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    parts.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in SKIP_TEXT:
                continue
            if child.has_attr("lang") or child.has_attr("xml:lang"):
                continue
            if ctx.is_hidden(child):
                continue
            if child.has_attr("aria-labelledby"):
                by = labelledby_text(ctx, child)
                if by:
                    parts.append(" " + by + " ")
                    continue
            for attr in _NAME_ATTRS:
                if child.get(attr):
                    parts.append(" " + child[attr] + " ")
                    break
            if child.name == "input" and (child.get("type") or "").lower() in ("button", "submit", "reset"):
                parts.append(" " + (child.get("value") or "") + " ")
            if child.name in ("iframe", "object", "embed", "svg", "math"):
                continue
            walk(child)
            parts.append(" ")

    walk(root)
    return norm("".join(parts))


def _messages(outcome: str, declared_raw: str, detected: str | None) -> dict:
    name = LANG_NAMES.get(detected or "", detected or "不明")
    if outcome == FAILED:
        return {"lang": declared_raw, "detected": name,
                "note_ja": f"文章の言語（{name}）と合っていません。文章の実際の言語を指定してください",
                "note_en": f"does not match the language of the text ({detected})"}
    return {"lang": declared_raw, "detected": name,
            "note_ja": "文章の言語と合っているか自動では判定できません（文章が短い、または複数の言語が混在）。確認してください",
            "note_en": "could not be confirmed to match the language of the text; check it"}


LANG_NAMES = {"ja": "日本語", "en": "英語", "zh": "中国語", "ko": "韓国語", "fr": "フランス語", "de": "ドイツ語",
              "nl": "オランダ語", "es": "スペイン語", "it": "イタリア語", "pt": "ポルトガル語", "da": "デンマーク語",
              "sv": "スウェーデン語", "no": "ノルウェー語", "ru": "ロシア語", "th": "タイ語", "vi": "ベトナム語",
              "jpan": "日本語", "hani": "漢字（日本語か中国語）", "kore": "韓国語", "cyrl": "キリル文字の言語",
              "grek": "ギリシャ語", "arab": "アラビア文字の言語", "hebr": "ヘブライ語", "thai": "タイ語",
              "deva": "デーヴァナーガリー文字の言語", "latn": "ラテン文字の言語"}


@check("page_lang_matches")
def page_lang_matches(ctx, rule):
    html = ctx.soup.html
    if html is None:
        return
    raw = html.get("lang")
    if raw is None:
        raw = html.get("xml:lang")
    declared = primary_subtag(raw)
    if not declared or ctx.soup.body is None:
        return
    text = scope_text(ctx, ctx.soup.body)
    title = ctx.soup.title
    if title is not None and not title.has_attr("lang"):
        text = norm(title.get_text()) + " " + text
    result = judge(declared, text)
    if result is None:
        return
    outcome, detected = result
    yield Verdict(outcome, html, **_messages(outcome, raw, detected))


@check("element_lang_matches")
def element_lang_matches(ctx, rule):
    body = ctx.soup.body
    if body is None:
        return
    referenced = set()
    for el in ctx.soup.find_all(attrs={"aria-labelledby": True}):
        if not ctx.is_hidden(el):
            for ident in el["aria-labelledby"].split():
                referenced.add(ident)
    idm = id_map(ctx)
    ref_els = {id(idm[i]) for i in referenced if i in idm and idm[i] is not None}
    for el in body.find_all(attrs={"lang": True}):
        raw = el.get("lang")
        declared = primary_subtag(raw)
        if not declared:
            continue   # empty or invalid: axe's valid-lang
        if ctx.is_hidden(el):
            # hidden text still counts when it names a visible element (aria-labelledby)
            node, used = el, False
            while isinstance(node, Tag):
                if id(node) in ref_els:
                    used = True
                    break
                node = node.parent
            if not used:
                continue
            text = scope_text_hidden(ctx, el)
        else:
            text = scope_text(ctx, el)
        result = judge(declared, text)
        if result is None:
            continue
        outcome, detected = result
        yield Verdict(outcome, el, **_messages(outcome, raw, detected))
    yield from unmarked_passages(ctx)


# Blocks whose text may be a passage in another language (the deepest of them is judged).
PASSAGE_BLOCKS = ("p", "li", "dd", "dt", "td", "th", "blockquote", "figcaption", "caption", "h1", "h2", "h3", "h4",
                  "h5", "h6", "summary", "legend", "address")
PASSAGE_MIN_LETTERS = 30


def _inherited_lang(el: Tag) -> str | None:
    node = el.parent
    while isinstance(node, Tag):
        for attr in ("lang", "xml:lang"):
            if node.has_attr(attr):
                return node.get(attr)
        node = node.parent
    return None


def unmarked_passages(ctx):
    """3.1.2 (H58): a block without its own lang whose text is clearly in another language than the one it
    inherits — an English paragraph on a Japanese page. Only failures are reported (a sentence with several
    function words of the other language, mostly in its script); pages whose lang is wrong as a whole are GN04's."""
    body = ctx.soup.body
    html = ctx.soup.html
    if body is None or html is None:
        return
    page_declared = primary_subtag(html.get("lang") or html.get("xml:lang"))
    if page_declared:
        whole = judge(page_declared, scope_text(ctx, body))
        if whole is not None and whole[0] == FAILED:
            return
    for el in body.find_all(PASSAGE_BLOCKS):
        if el.has_attr("lang") or el.has_attr("xml:lang") or el.find(PASSAGE_BLOCKS) is not None:
            continue
        if el.find_parent(["pre", "code", "samp", "kbd", "script", "style", "template", "svg", "math"]) is not None:
            continue
        if ctx.is_hidden(el):
            continue
        raw = _inherited_lang(el)
        declared = primary_subtag(raw)
        if not declared:
            continue
        text = scope_text(ctx, el)
        if Analysis(text).total_letters < PASSAGE_MIN_LETTERS:
            continue
        result = judge(declared, text)
        if result is None or result[0] != FAILED:
            continue
        detected = result[1]
        name = LANG_NAMES.get(detected or "", detected or "不明")
        yield Verdict(FAILED, el, variant="unmarked", lang=raw, detected=name, detected_en=detected, code=detected)


def scope_text_hidden(ctx, root: Tag) -> str:
    parts = []
    for node in root.descendants:
        if type(node) is NavigableString:
            parent = node.parent
            inner = parent
            skip = False
            while inner is not None and inner is not root:
                if inner.name in SKIP_TEXT or inner.has_attr("lang"):
                    skip = True
                    break
                inner = inner.parent
            if not skip:
                parts.append(str(node))
    return norm(" ".join(parts))
