#!/usr/bin/env python3
"""Build a static copy of the Joruri CMS demo municipal site (ジョールリ市) from a local git mirror.

The site is "a site nobody on the team wrote": every layout, piece, page body, category tree, theme file and
demo article comes from Joruri's own demo seed (`db/seed/demo`, `db/seed/base`) and `public/_common`, read from
the mirror at run time (nothing of Joruri is stored in this repository). The pages are composed the way Joruri
composes them (`Cms::Controller::Layout#render_public_layout` and the public views of the article, calendar, faq,
portal, enquete, newsletter and bbs modules, ported to Python): the layout body with its `[[piece/…]]`,
`[[content]]` and `[[text/…]]` placeholders substituted, wrapped in `layouts/public/base.html.erb`.

Like a real Joruri site that has been running for a while, the demo's ten sample articles are joined by more
articles (the demo bodies reused, with titles, dates, categories and sections of our own), published the way
Joruri's publisher writes them: `index.html`, `more.html`, `index.pN.html` paging reached through
`index.pN.html?page=N` links, `index.rss` / `index.atom` feeds (linked visibly; Joruri puts no
<link rel="alternate"> in the head), attachments under `docs/<name>/files/` (small placeholder files), and a few
editor links to removed pages (404). Pages Joruri answers dynamically (tag and FAQ search, forms, the board) are
written as the response to a plain GET.

Not reproduced: the smartphone / feature-phone layouts (Joruri picks them by User-Agent at the same URL, see
config/rewrite/base.conf, so a static copy serves the PC layout to every client, as a static export does), the
`.html.r` ruby and `.html.mp3` speech variants (MeCab / Open JTalk; reached only by clicking the header tools),
and the emergency-mode top layouts (switched on by hand in a disaster).

Usage:  python3 bench/corpus/build_joruri.py [OUTDIR] [--mirror PATH] [--today YYYY-MM-DD] [--seed N]
Output: OUTDIR/site/ (the static root), OUTDIR/sites.yaml (for a11yaudit), OUTDIR/manifest.json.
Python 3.11, standard library only. Deterministic for a given mirror revision, --today and --seed.
"""

from __future__ import annotations

import argparse
import calendar as pycal
import datetime as dt
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

DEFAULT_MIRROR = "/work/.mirror/joruri+joruri-cms/repo"
DEFAULT_OUT = "/work/corpus/joruri"
DEFAULT_ORIGIN = "http://joruri-demo.invalid"
MARKER = ".build_joruri"

# What is taken from the mirror (git archive paths). The theme is installed as `themes/joruri` (doc/INSTALL.txt).
ARCHIVE_PATHS = [
    "db/seed", "public/_common/themes/joruri.original", "public/_common/js/jquery.min.js", "public/_common/js/jquery",
    "public/_common/js/joruri", "public/_common/modules", "public/_common/css", "public/_common/images",
    "public/404.html", "public/favicon.ico", "public/robots.txt",
]


# ----------------------------------------------------------------------------------------------------------------
# small helpers (Rails / ActiveSupport behaviour)

def h(s) -> str:
    """ERB::Util.html_escape."""
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def camelize(s: str, first_upper: bool = True) -> str:
    """ActiveSupport String#camelize (no acronyms)."""
    if first_upper:
        s = re.sub(r"^[a-z\d]*", lambda m: m.group(0).capitalize(), s)
    else:
        s = re.sub(r"^(?:\w)", lambda m: m.group(0).lower(), s)
    s = re.sub(r"(?:_|(/))([a-z\d]*)", lambda m: (m.group(1) or "") + m.group(2).capitalize(), s, flags=re.I)
    return s.replace("/", "::")


def link_to(text: str, href: str, **attrs) -> str:
    """Rails link_to with the text already escaped; html options first, href last (Rails 4.2 order)."""
    a = "".join(f' {k.rstrip("_")}="{h(v)}"' for k, v in attrs.items() if v is not None)
    return f'<a{a} href="{h(href)}">{text}</a>'


def check_digit(value: str) -> str:
    """Util::String::CheckDigit.check."""
    digit = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(value)))
    return value + str((10 - digit % 10) % 10)


WDAYS = "日月火水木金土"
SEP = '<span class="separator">　</span>'
JST = dt.timezone(dt.timedelta(hours=9))


def ymd_ja(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def ruby_wday(d: dt.date) -> int:
    return (d.weekday() + 1) % 7


def holiday(year: int, month: int, day: int, wday: int | None = None):
    """Util::Date::Holiday.holiday? (Joruri's own table, kept as is)."""
    if wday is None:
        wday = ruby_wday(dt.date(year, month, day))
    if month == 1:
        if day == 1: return "元旦"
        if day == 2 and wday == 1: return "振替休日"
        if 7 < day <= 14 and year >= 2000 and wday == 1: return "成人の日"
        if day == 15 and year < 2000: return "成人の日"
    elif month == 2:
        if day == 11: return "建国記念日"
        if day == 12 and wday == 1: return "振替休日"
        if day == 23 and year >= 2020: return "天皇誕生日"
        if day == 24 and wday == 1 and year >= 2020: return "振替休日"
    elif month == 3:
        haru = -1
        if 1980 <= year < 2100:
            haru = 20.8431 + 0.242194 * (year - 1980)
            haru = int(abs(int(haru - abs(int((year - 1980) / 4)))))
        if day == haru: return "春分の日"
        if day == 1 + haru and wday == 1: return "振替休日"
    elif month == 4:
        if day == 29:
            return "昭和の日" if year >= 2007 else ("みどりの日" if year >= 1989 else "天皇誕生日")
        if day == 30 and wday == 1: return "振替休日"
    elif month == 5:
        if day == 3: return "憲法記念日"
        if day == 4: return "みどりの日"
        if day == 5: return "こどもの日"
        if day == 6 and year >= 2007 and wday in (2, 3): return "振替休日"
    elif month == 7:
        if 14 < day <= 21 and year >= 2003 and wday == 1 and year not in (2020, 2021): return "海の日"
    elif month == 8:
        if day == 11 and year >= 2016 and year not in (2020, 2021): return "山の日"
    elif month == 9:
        aki = 0
        if 1980 <= year < 2100:
            aki = 23.2488 + 0.242194 * (year - 1980)
            aki = int(abs(int(aki - abs(int((year - 1980) / 4)))))
        if day == aki: return "秋分の日"
        if day == 1 + aki and wday == 1: return "振替休日"
        if 14 < day <= 21 and year >= 2003 and wday == 1: return "敬老の日"
    elif month == 10:
        if 7 < day <= 14 and year >= 2022 and wday == 1: return "スポーツの日"
    elif month == 11:
        if day == 3: return "文化の日"
        if day == 4 and wday == 1: return "振替休日"
        if day == 23: return "勤労感謝の日"
        if day == 24 and wday == 1: return "振替休日"
    return None


def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return dt.date(y, m, min(d.day, pycal.monthrange(y, m)[1]))


# ----------------------------------------------------------------------------------------------------------------
# reading the mirror

def extract_mirror(mirror: str, rev: str, dest: Path) -> str:
    git = ["git", f"--git-dir={mirror}"]
    try:
        commit = subprocess.run(git + ["rev-parse", rev], check=True, capture_output=True, text=True).stdout.strip()
        data = subprocess.run(git + ["archive", "--format=tar", commit] + ARCHIVE_PATHS, check=True,
                              capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", b"") or b""
        sys.exit(f"build_joruri: cannot read the Joruri mirror {mirror}: {e} {err.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return commit


# ---- a tiny reader for the seed's Ruby statements ----------------------------------------------------------------

class RubyExpr:
    """The few expression kinds the seed files use: string literals (also %Q() and `+` concatenation), numbers,
    nil, `var.id`, `read_data("path")`, hashes and bare identifiers."""

    def __init__(self, text: str):
        self.s, self.i = text, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def parse_args(self):
        """Comma separated positional args and `:key => value` / `key: value` pairs up to the end or `)`."""
        pos, kw = [], {}
        while True:
            self.ws()
            if self.i >= len(self.s) or self.s[self.i] in ")":
                break
            m = re.compile(r":(\w+)\s*=>\s*|(\w+):\s+").match(self.s, self.i)
            if m:
                self.i = m.end()
                kw[m.group(1) or m.group(2)] = self.expr()
            else:
                pos.append(self.expr())
            self.ws()
            if self.i < len(self.s) and self.s[self.i] == ",":
                self.i += 1
                continue
            break
        return pos, kw

    def expr(self):
        v = self.atom()
        while True:
            self.ws()
            if self.s.startswith("+", self.i) and isinstance(v, str):
                self.i += 1
                self.ws()
                v = v + self.atom()
                continue
            return v

    def atom(self):
        self.ws()
        s, i = self.s, self.i
        if s.startswith("%Q(", i):
            depth, j = 1, i + 3
            while depth:
                depth += {"(": 1, ")": -1}.get(s[j], 0)
                j += 1
            self.i = j
            return s[i + 3:j - 1]
        if s[i] == "'":
            j, out = i + 1, []
            while s[j] != "'":
                if s[j] == "\\" and s[j + 1] in "'\\":
                    j += 1
                out.append(s[j])
                j += 1
            self.i = j + 1
            return "".join(out)
        if s[i] == '"':
            j, out = i + 1, []
            while s[j] != '"':
                if s[j] == "\\":
                    j += 1
                    out.append({"n": "\n", "t": "\t"}.get(s[j], s[j]))
                else:
                    out.append(s[j])
                j += 1
            self.i = j + 1
            return "".join(out)
        if s[i] == "{":
            self.i += 1
            _, kw = self.parse_args()
            self.ws()
            self.i += 1  # }
            return kw
        m = re.compile(r"read_data\(\s*(['\"])(.*?)\1\s*\)").match(s, i)
        if m:
            self.i = m.end()
            return ("read_data", m.group(2))
        m = re.compile(r"-?\d+(?:\.\d+)?").match(s, i)
        if m:
            self.i = m.end()
            return int(m.group(0)) if "." not in m.group(0) else float(m.group(0))
        m = re.compile(r"[A-Za-z_@][\w:]*(?:\.\w+[?!]?)*(?:\([^()]*\))?").match(s, i)
        if m:
            self.i = m.end()
            tok = m.group(0)
            if tok == "nil":
                return None
            if tok.endswith(".id"):
                return ("ref", tok[:-3])
            return ("ident", tok)
        raise ValueError(f"cannot parse Ruby near: {s[i:i + 60]!r}")


def ruby_statements(text: str):
    """Yields (section, statement) with continuation lines joined; section is the latest `## xxx/yyy` header."""
    section, buf = "", ""
    for line in text.splitlines():
        st = line.strip()
        if not buf and (not st or st.startswith("#")):
            m = re.match(r"##\s*([a-z_]+/[\w/]+)", st)
            if m:
                section = m.group(1)
            continue
        buf = f"{buf} {st}" if buf else st
        if buf.endswith((",", "+", "=>", "(")) or buf.count("%Q(") and _unbalanced(buf):
            continue
        yield section, buf
        buf = ""
    if buf:
        yield section, buf


def _unbalanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += {"(": 1, ")": -1}.get(c, 0)
    return depth > 0


# ----------------------------------------------------------------------------------------------------------------
# the data model

@dataclass
class Tree:
    """Article::Category / Faq::Category / Article::Area / Portal::Category / Sys::Group (Article::Unit)."""
    id: int
    name: str
    title: str
    level: int
    sort: int
    parent: "Tree | None" = None
    layout: str | None = None
    extra: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    def parents_tree(self):
        out, n = [], self
        while n:
            out.insert(0, n)
            n = n.parent
        return out

    def descendants(self):
        out = [self]
        for c in self.children:
            out += c.descendants()
        return out


@dataclass
class Doc:
    id: int
    name: str
    title: str
    body: str
    published: dt.datetime
    cats: list
    attrs: list
    areas: list
    unit: Tree
    kind: str = "article"  # or faq
    rels: list = field(default_factory=list)
    event_date: dt.date | None = None
    tags: list = field(default_factory=list)
    map: dict | None = None
    inquiry: dict | None = None
    files: list = field(default_factory=list)  # (filename, title, bytes)
    question: str = ""
    seed: bool = False
    var: str = ""
    rel_var: str | None = None

    @property
    def uri(self):
        return f"/faq/docs/{self.name}/" if self.kind == "faq" else f"/docs/{self.name}/"


@dataclass
class Node:
    id: int
    parent: "Node | None"
    name: str
    title: str
    model: str
    layout: str | None
    concept: int | None
    body: str = ""
    content: str | None = None

    @property
    def directory(self):
        return "." not in self.name

    @property
    def uri(self):
        parts, n = [], self
        while n and n.name != "/":
            parts.insert(0, n.name)
            n = n.parent
        u = "/" + "".join(p + "/" for p in parts)
        return u if self.directory else u.rstrip("/")

    def routes(self):
        out, n = [], self
        while n:
            out.insert(0, n)
            n = n.parent
        return out

    def inherited_layout(self):
        layout = None
        for n in self.routes():
            layout = n.layout or layout
        return layout

    def inherited_concept(self):
        concept = None
        for n in self.routes():
            concept = n.concept or concept
        return concept


class Seed:
    """Everything the Joruri demo seed defines, read from the extracted `db/seed`."""

    LOAD_ORDER = ["article", "enquete", "portal", "newsletter", "calendar", "bbs", "faq"]

    def __init__(self, root: Path):
        self.root = root
        self.demo = root / "db/seed/demo"
        self.site_name = ""
        self.concepts = {}     # id -> (name, parent id)
        self.layouts = {}      # name -> dict(id, title, head, body, concept)
        self.pieces = []       # dict(id, name, model, concept, title, view_title, body, xml)
        self.texts = []        # dict(name, concept, body)
        self.nodes = []        # Node
        self.contents = {}     # var -> (id, model, name)
        self.groups = []       # Tree
        self.categories = []   # Tree (article)
        self.attributes = []   # Tree (level 1 only)
        self.areas = []        # Tree
        self.faq_categories = []
        self.portal_categories = []
        self.docs = []         # raw dicts
        self.faq_docs = []
        self.calendar_events = []  # (title, modulo, remainder)
        self.enquete_form = {}
        self.enquete_columns = []
        self.newsletter = {}
        self.inquiry_defaults = {}
        self._parse()

    def read(self, rel: str) -> str | None:
        p = self.demo / f"{rel}.txt"
        return p.read_text(encoding="utf-8") if p.exists() else None

    def val(self, v, env):
        if isinstance(v, tuple) and v[0] == "read_data":
            return self.read(v[1])
        if isinstance(v, tuple) and v[0] == "ref":
            return env.get(v[1])
        if isinstance(v, tuple) and v[0] == "ident" and v[1] in env:
            return env[v[1]]
        return v

    # -- parsing ---------------------------------------------------------------------------------------------------

    def _parse(self):
        base = (self.root / "db/seed/base.rb").read_text(encoding="utf-8")
        m = re.search(r'Cms::Node\.create\(\{.*?:parent_id\s*=>\s*0', base, re.S)
        assert m, "db/seed/base.rb: root node not found"
        g = re.search(r'Sys::Group\.create\(\{(.*?)\}\)', base, re.S)  # the root group of db/seed/base.rb
        assert g, "db/seed/base.rb: root group not found"
        _, kw = RubyExpr(g.group(1)).parse_args()
        self.groups.append(Tree(1, kw["name_en"], kw["name"], 1, 1))
        self.concepts[1] = ("site", 0)
        self._node_seq = 0
        root = self._add_node(None, "/", "", "Cms::Directory", None, 1)
        self._add_node(root, "index.html", "", "Cms::Page", None, 1)
        self._piece_seq = 0
        self._layout_seq = 0
        self._content_seq = 0
        env: dict = {"c_site": 1}
        self._parse_file("base", env)
        order = re.findall(r'^load_demo\s+"(\w+)"', (self.demo / "base.rb").read_text(encoding="utf-8"), re.M)
        for name in order or self.LOAD_ORDER:
            self._parse_file(name, env)

    def _add_node(self, parent, name, title, model, layout, concept, body="", content=None):
        self._node_seq += 1
        n = Node(self._node_seq, parent, name, title, model, layout, concept, body or "", content)
        self.nodes.append(n)
        return n

    def _parse_file(self, name: str, genv: dict):
        text = (self.demo / f"{name}.rb").read_text(encoding="utf-8")
        env = dict(genv)  # file-local variables (Ruby locals of `load`), seeded with the globals
        m = re.search(r'site_name\s*=\s*"([^"]+)"', text)
        if m:
            self.site_name = m.group(1)
            self.nodes[0].title = self.nodes[1].title = self.site_name
        create_sig = None
        last_parent = {}
        last_doc = None
        for section, st in ruby_statements(text):
            if st.startswith("def create("):
                create_sig = [a.split("=")[0].strip() for a in st[len("def create("):].split(")")[0].split(",")]
                continue
            if st.startswith("@in_inquiry"):
                self.inquiry_defaults = RubyExpr(st.split("=", 1)[1].strip()).atom()
                continue
            if st.startswith("Cms::Node.find_by(id: 2)"):  # the top page node of db/seed/base.rb
                _, kw = RubyExpr(st.split(".update(", 1)[1]).parse_args()
                self.nodes[1].concept = self.val(kw["concept_id"], env)
                self.nodes[1].layout = self.val(kw["layout_id"], env)
                continue
            if st.startswith("["):  # the pieces table of demo/base.rb
                for pm in re.finditer(r"\[\s*(\w+)\.id\s*,\s*'([^']+)'\s*,\s*'([^']+)'\s*,\s*'([^']*)'\s*\]", st):
                    self._add_piece({"concept_id": ("ref", pm.group(1)), "model": pm.group(2), "name": pm.group(3),
                                     "title": pm.group(4)}, env)
                continue
            if st.startswith(("def ", "end", "puts ", "load", "Core.", "Sys::User", "Sys::Object", "Sys::RoleName",
                              "r = Sys::Group", "g = Sys::Group", "begin", "rescue", "params", "Cms::Concept.create",
                              "item", "if ", "node.", "c_site.", "Cms::Site", "return", "Article::Unit.where")):
                continue
            m = re.match(r"(?:(\w+)\s*=\s*)?([\w:]+(?:\.\w+)?)\s*(.*)$", st, re.S)
            if not m:
                continue
            var, fn, rest = m.group(1), m.group(2), m.group(3)
            if rest.startswith("("):
                rest = rest[1:]
            if fn in ("0.upto", "sdate"):
                continue
            m2 = re.search(r':title\s*=>\s*"([^"]+)"\s*if\s*i%(\d+)\s*==\s*(\d+)', st)
            if fn == "create_calendar_event" and m2:
                self.calendar_events.append((m2.group(1), int(m2.group(2)), int(m2.group(3))))
                continue
            try:
                pos, kw = RubyExpr(rest).parse_args()
            except (ValueError, IndexError):
                continue
            obj = None
            if fn in ("Cms::Layout.find_by_name", "Cms::Layout.find_by") and (pos or kw.get("name")):
                obj = pos[0] if pos else kw["name"]
            elif fn == "Cms::Concept.find_by":
                obj = next((cid for cid, (cname, _) in self.concepts.items() if cname == kw.get("name")), None)
            elif fn == "create_cms_concept":
                cid = len(self.concepts) + 1
                self.concepts[cid] = (kw.get("name"), self.val(kw.get("parent_id", 1), env) or 1)
                obj = cid
            elif fn == "create_cms_content":
                self._content_seq += 1
                obj = self._content_seq
                self.contents[var or f"_{obj}"] = (obj, kw.get("model"), kw.get("name"))
            elif fn == "create_cms_layout":
                self._layout_seq += 1
                lname = kw["name"]
                self.layouts[lname] = {
                    "id": self._layout_seq, "title": kw.get("title"), "concept": self.val(kw.get("concept_id", 1), env),
                    "head": self.read(f"layouts/{lname}/head") or "", "body": self.read(f"layouts/{lname}/body") or "",
                }
                obj = lname
            elif fn == "create_cms_piece" and isinstance(kw.get("name"), str):
                self._add_piece(kw, env)
            elif fn == "create_cms_data_text":
                self.texts.append({"name": kw["name"], "concept": self.val(kw.get("concept_id", 1), env),
                                   "body": (self.read(f"texts/{kw['name']}/body") or "")})
            elif fn == "create_cms_node":
                parent = self.val(kw.get("parent_id", 1), env)
                parent = parent if isinstance(parent, Node) else self.nodes[0]
                content = kw.get("content_id")
                content = content[1] if isinstance(content, tuple) else None
                body = self.val(kw.get("body"), env) or ""
                obj = self._add_node(parent, kw["name"], kw["title"], kw["model"], self.val(kw.get("layout_id"), env),
                                     self.val(kw.get("concept_id", 1), env), body, content)
            elif fn == "create" and create_sig:
                args = dict(zip(create_sig, pos))
                obj = self._create(name, section, args, env, last_parent)
                if section.endswith("/docs"):
                    last_doc = obj
            elif fn == "create_inquiry" and last_doc is not None:
                last_doc["inquiry"] = True
            elif fn == "Article::Tag.create" and last_doc is not None:
                last_doc.setdefault("tags", []).append(kw["word"])
            elif fn == "Cms::Map.create" and last_doc is not None:
                last_doc["map"] = {"lat": kw["map_lat"], "lng": kw["map_lng"], "zoom": kw["map_zoom"], "markers": []}
            elif fn == "Cms::MapMarker.create" and last_doc is not None and last_doc.get("map"):
                last_doc["map"]["markers"].append({"name": kw["name"], "lat": kw["lat"], "lng": kw["lng"]})
            elif fn == "Enquete::Form.create":
                self.enquete_form = kw
            elif fn == "Enquete::FormColumn.create":
                self.enquete_columns.append(kw)
            elif fn == "Cms::ContentSetting.create" and name == "newsletter":
                self.newsletter[kw["name"]] = kw.get("value")
            if var and obj is not None:
                env[var] = obj
                if isinstance(obj, dict):
                    obj["_var"] = var
                if name == "base" and var.startswith("c_"):
                    genv[var] = obj

    def _add_piece(self, kw, env):
        self._piece_seq += 1
        pname = kw["name"]
        concept = self.val(kw.get("concept_id", 1), env)
        content = kw.get("content_id")
        self.pieces.append({
            "id": self._piece_seq, "name": pname, "model": kw.get("model"), "title": kw.get("title"),
            "concept": concept if isinstance(concept, int) else 1, "view_title": kw.get("view_title"),
            "content": content[1] if isinstance(content, tuple) else None,
            "body": self.read(f"pieces/{pname}/body") or "", "xml": self.read(f"pieces/{pname}/xml_properties") or "",
        })

    def _create(self, file, section, a, env, last_parent):
        """The module-local `create` helpers of the seed files."""
        def tree(lst, parent_key="parent"):
            parent = a.get(parent_key)
            parent = None if parent in (0, None) else self.val(parent, env)
            t = Tree(len(lst) + 1, a["name"], a["title"], a.get("level_no", 1), a.get("sort_no", 0), parent,
                     self.val(a.get("layout"), env))
            if parent:
                parent.children.append(t)
            lst.append(t)
            return t
        if section == "sys/groups":
            parent = self.val(a["parent"], env) if a["parent"] not in (0, None) else None
            parent = parent if isinstance(parent, Tree) else self.groups[0]
            t = Tree(len(self.groups) + 1, a["name_en"], a["name"], a["level_no"], a["sort_no"], parent, "unit")
            parent.children.append(t)
            self.groups.append(t)
            return t
        if section == "article/categories":
            return tree(self.categories)
        if section == "article/attributes":
            return tree(self.attributes)
        if section == "article/areas":
            return tree(self.areas)
        if section == "faq/categories":
            return tree(self.faq_categories)
        if section == "portal/categories":
            t = tree(self.portal_categories)
            t.extra["entry_categories"] = a.get("categories") or ""
            return t
        if section == "article/docs":
            d = {k: self.val(v, env) for k, v in a.items() if not isinstance(v, tuple) or v[0] == "read_data"}
            if "body" not in a:
                d["body"] = self.read("docs/002/body")
            rel = a.get("rel_doc_ids")
            d["rel_var"] = rel[1] if isinstance(rel, tuple) and rel[0] == "ref" else None
            self.docs.append(d)
            return d
        if section == "faq/docs":
            d = {k: self.val(v, env) for k, v in a.items() if not isinstance(v, tuple) or v[0] != "ref"}
            if "body" not in a:
                d["body"] = self.read("docs/002/body")
            self.faq_docs.append(d)
            return d
        return None


# ----------------------------------------------------------------------------------------------------------------
# generated content (our own): titles, dates and assignments for the articles a running site accumulates

ARTICLE_TOPICS = [
    # category, attribute or None, section (name_en) or None, event?, tag, titles
    ("zei", None, "zeimuka", False, None, ["令和{fy}年度 市県民税の納税通知書を発送しました",
                                          "固定資産税・都市計画税（第{n}期）の納期限について",
                                          "軽自動車税（種別割）の減免申請を受け付けます",
                                          "スマートフォン決済アプリでの市税の納付について"]),
    ("zei", None, "nozeika", False, None, ["市税の口座振替をご利用ください", "滞納整理強化月間の実施について"]),
    ("kosodate", None, None, False, None, ["子育て支援センター{m}月の行事予定", "児童手当の現況届について",
                                          "保育所等の入所申込みを受け付けます（令和{fy1}年度）",
                                          "病児保育の利用登録について"]),
    ("kenkou", None, None, False, None, ["特定健康診査・がん検診のご案内（令和{fy}年度）", "{m}月の健康相談・栄養相談",
                                        "高齢者インフルエンザ予防接種の費用を助成します", "熱中症に注意しましょう"]),
    ("recycle", None, None, False, None, ["ごみ収集カレンダー（令和{fy}年度版）を配布しています",
                                         "粗大ごみの戸別収集の申込方法が変わります", "年末年始のごみ収集について",
                                         "小型家電の回収ボックスを増設しました"]),
    ("bosai", None, None, False, "防災", ["ジョールリ市総合防災訓練を実施します", "防災行政無線の試験放送について",
                                        "洪水ハザードマップを改訂しました", "自主防災組織の資機材購入を補助します"]),
    ("event", "event", None, True, "イベント", ["第{n}回 ジョールリ市民まつりを開催します",
                                              "人形浄瑠璃の定期公演（{m}月）のご案内", "ジョールリ川花火大会の開催について",
                                              "観光キャンペーン「浄瑠璃めぐり」を実施します",
                                              "歴史民俗資料館 企画展のご案内"]),
    ("bunka", "event", None, True, None, ["市民文化祭の出展者を募集します", "市民スポーツフェスティバルを開催します",
                                          "市立図書館 {m}月のおはなし会"]),
    ("jinji", "saiyo", "jinjika", False, "採用", ["令和{fy1}年度 ジョールリ市職員採用試験（{kind}）の実施について",
                                                "会計年度任用職員（{job}）を募集します",
                                                "職員採用試験（{kind}）の最終合格者について"]),
    ("nyusatsu", "nyusatsu", "kanzaika", False, "入札", ["入札結果の公表（令和{fy}年{m}月分）",
                                                        "一般競争入札の公告（{project}）",
                                                        "入札参加資格審査申請の受付について"]),
    ("koho", None, "hisyokohoka", False, None, ["広報ジョールリ{m}月号を発行しました", "市長定例記者会見（{md}）",
                                                "市政出前講座のご案内"]),
    ("shingikai", "bosyu", "kikakuseisakuka", False, None, ["第{n}回 ジョールリ市総合計画審議会を開催します",
                                                           "環境審議会の委員を公募します"]),
    ("ikem", "bosyu", "kikakuseisakuka", False, None, ["ジョールリ市{plan}（案）へのご意見を募集します",
                                                      "パブリックコメントの実施結果について（{plan}）"]),
    ("sumai", None, None, False, None, ["市営住宅の入居者を募集します（{m}月）", "住宅リフォーム補助金の申請受付"]),
    ("shinsei", "kyoka", None, False, None, ["マイナンバーカードの休日交付窓口を開設します",
                                             "各種証明書のコンビニ交付サービスについて"]),
    ("kyoiku", None, None, False, None, ["令和{fy1}年度 小学校入学説明会の日程", "就学援助制度のお知らせ"]),
]
FILL = {
    "kind": ["上級", "初級", "社会人経験者", "消防職", "保健師"], "job": ["事務補助", "保育士", "図書館司書", "調理員"],
    "project": ["市民会館空調設備改修工事", "公用車購入", "小学校体育館屋根改修工事", "庁舎清掃業務委託"],
    "plan": ["総合計画後期基本計画", "地域福祉計画", "環境基本計画", "公共施設等総合管理計画"],
    "road": ["中央", "川沿", "駅前", "山手"], "kind2": ["危険物取扱者試験", "調理師試験", "狩猟免許試験"],
}
FAQ_TOPICS = [  # our own questions, answered with the demo body
    ("zei", "市県民税の納付書をなくしました。再発行できますか。"), ("kosodate", "児童手当の申請に必要なものは何ですか。"),
    ("recycle", "粗大ごみはどのように出せばよいですか。"), ("kenkou", "がん検診はどこで受けられますか。"),
    ("shinsei", "住民票の写しは本庁以外でも取得できますか。"), ("bosai", "指定避難所の場所を知りたい。"),
    ("sumai", "市営住宅の申込資格を教えてください。"), ("jinji", "職員採用試験の受験資格を教えてください。"),
    ("koreisha", "要介護認定の申請方法を知りたい。"), ("kyoiku", "転校の手続きはどうすればよいですか。"),
    ("dobutsu", "犬の登録はどこでできますか。"), ("event", "市民まつりの会場に駐車場はありますか。"),
]
ATTACHMENTS = [("pdf", "申込書"), ("pdf", "実施要領"), ("pdf", "チラシ"), ("docx", "申請様式"), ("xlsx", "一覧表"),
               ("pdf", "概要版"), ("pdf", "結果一覧")]
BROKEN_LINKS = [  # what editors leave behind: links to removed articles, the old site, a mistyped folder
    ('<p>詳しくは<a href="/docs/2019040100019/">昨年度のお知らせ</a>をご覧ください。</p>', "removed article"),
    ('<p>過去の実施状況は<a href="/archive/h30/kouhou/index.html">旧ホームページ</a>に掲載しています。</p>', "old site"),
    ('<p><a href="/bunya/kankyou/">環境のページへ</a></p>', "mistyped folder"),
    ('<p><a href="./files/youshiki_h31.pdf" class="iconFile iconPdf">旧様式(24KB)</a></p>', "removed attachment"),
]


def tiny_pdf(title: str, pad: int) -> bytes:
    """A small valid PDF (one empty page), padded with a comment so its size looks like a real attachment."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.4\n% placeholder attachment of the Joruri demo corpus\n")
    out += b"%" + (b"x" * 70 + b"\n%") * (pad // 72) + b"\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def tiny_office(ext: str, pad: int) -> bytes:
    """A placeholder for a Word/Excel attachment (a zip with one text member); never opened by the audit."""
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo("placeholder.txt", date_time=(2025, 4, 1, 9, 0, 0)),
                   "placeholder attachment\n" + "." * pad)
    return buf.getvalue()


def eng_unit(size: int) -> str:
    if size >= 1024 ** 2:
        return f"{round(size / 1024 ** 2)}MB"
    if size >= 1000:
        return f"{round(size / 1024)}KB"
    return f"{size}Bytes"


# ----------------------------------------------------------------------------------------------------------------
# the site

class Site:
    def __init__(self, seed: Seed, today: dt.date, rng: random.Random, origin: str, n_docs: int, n_faq: int):
        self.s, self.today, self.rng, self.origin = seed, today, rng, origin.rstrip("/")
        self.now = dt.datetime.combine(today, dt.time(17, 0), JST)
        self.name = seed.site_name
        self.domain = re.sub(r"^https?://", "", self.origin).split("/")[0]
        self.nodes_by_uri = {n.uri: n for n in seed.nodes}
        self.cat = {c.id: c for c in seed.categories}
        self.cat_by_name = {c.name: c for c in seed.categories}
        self.attr = {a.id: a for a in seed.attributes}
        self.attr_by_name = {a.name: a for a in seed.attributes}
        self.area = {a.id: a for a in seed.areas}
        self.faq_cat = {c.id: c for c in seed.faq_categories}
        self.faq_cat_by_name = {c.name: c for c in seed.faq_categories}
        self.groups = {g.id: g for g in seed.groups}
        self.group_by_name = {g.name: g for g in seed.groups}
        self.root_group = seed.groups[0]
        self.departments = sorted([g for g in seed.groups if g.level == 2], key=lambda g: g.sort)
        self.broken: list[str] = []
        self._build_docs(n_docs, n_faq)

    # -- content -------------------------------------------------------------------------------------------------

    def node(self, uri):
        return self.nodes_by_uri[uri]

    def _doc_name(self, created: dt.datetime, seqs: Counter, kind: str) -> str:
        day = created.strftime("%Y%m%d")
        seqs[(kind, day)] += 1
        return check_digit(day + "%04d" % seqs[(kind, day)])

    def _build_docs(self, n_docs: int, n_faq: int):
        s, rng = self.s, self.rng
        seqs: Counter = Counter()
        # the demo's own articles, published together when the site opened (the seed's Core.now)
        launch = dt.datetime.combine(add_months(self.today, -19).replace(day=1), dt.time(9, 0), JST)
        self.launch = launch
        default_unit = self.group_by_name.get("hisyokohoka") or self.departments[0]
        inq = s.inquiry_defaults or {}
        inq_group = self.groups.get(inq.get("group_id", 2), self.departments[0])
        docs: list[Doc] = []

        def ids(v):
            return [int(x) for x in str(v).split()] if v not in (None, "") else []
        for i, d in enumerate(s.docs):
            doc = Doc(i + 1, "", d["title"], d["body"], launch + dt.timedelta(minutes=i),
                      [self.cat[x] for x in ids(d.get("category_ids"))], [self.attr[x] for x in ids(d.get("attribute_ids"))],
                      [self.area[x] for x in ids(d.get("area_ids"))], default_unit, seed=True)
            doc.name = self._doc_name(doc.published, seqs, "article")
            if d.get("event_state") == "visible":
                doc.event_date = doc.published.date()
            doc.tags = d.get("tags", [])
            doc.map = d.get("map")
            if d.get("inquiry"):
                doc.inquiry = {"group": inq_group, "tel": inq.get("tel"), "email": inq.get("email")}
            doc.var, doc.rel_var = d.get("_var", ""), d.get("rel_var")
            docs.append(doc)
        # generated articles, spread from the launch to today (a real site's news archive)
        span = (self.now - launch).total_seconds()
        stamps = sorted(rng.random() for _ in range(n_docs))
        counters, topic_seen, topic_offset = Counter(), Counter(), {}
        for k, frac in enumerate(stamps):
            topic = ARTICLE_TOPICS[rng.randrange(len(ARTICLE_TOPICS))] if k % 3 else ARTICLE_TOPICS[k % len(ARTICLE_TOPICS)]
            cat, attr, unit, is_event, tag, titles = topic
            when = launch + dt.timedelta(seconds=span * (0.02 + 0.98 * frac))
            when = when.replace(hour=rng.choice([9, 10, 11, 13, 14, 15, 16]), minute=rng.randrange(60), second=0)
            if when > self.now:
                when = self.now - dt.timedelta(hours=1)
            fy = when.year - 2018 - (1 if when.month < 4 else 0)
            counters[cat] += 1
            k_t = topic_seen[id(topic)]
            topic_seen[id(topic)] += 1
            pattern = titles[(k_t + topic_offset.setdefault(id(topic), rng.randrange(len(titles)))) % len(titles)]
            if k_t >= len(titles) and "{fy" not in pattern and "{m}" not in pattern and "{md}" not in pattern:
                pattern += "（令和{fy}年度）"
            title = pattern.format(
                fy=fy, fy1=fy + 1, m=when.month, n=counters[cat] + rng.randrange(3),
                md=f"{when.month}月{when.day}日", **{key: rng.choice(v) for key, v in FILL.items()})
            cats = [self.cat_by_name[cat]]
            if rng.random() < 0.08:
                cats.append(self.cat_by_name[rng.choice(["koho", "kurashi", "gyosei", "kosodate", "event"])])
            attrs = [self.attr_by_name[attr]] if attr else []
            areas = [rng.choice(s.areas)] if rng.random() < 0.12 else []
            unit_g = self.group_by_name.get(unit) if unit else None
            unit_g = unit_g or (default_unit if rng.random() < 0.8 else rng.choice(
                [g for g in s.groups if g.level == 3]))
            body = s.read("docs/002/body") if rng.random() < 0.85 else s.read("docs/001/body")
            doc = Doc(len(docs) + 1, "", title, body, when, cats, attrs, areas, unit_g)
            doc.name = self._doc_name(when, seqs, "article")
            if is_event:
                doc.event_date = (when + dt.timedelta(days=rng.randrange(7, 45))).date()
            if tag and rng.random() < 0.7:
                doc.tags = [tag]
            doc.inquiry = {"group": unit_g, "tel": inq.get("tel"), "email": inq.get("email")}
            if rng.random() < 0.22:  # attachments, inserted by the editor as Joruri's file dialog writes them
                for ext, ftitle in rng.sample(ATTACHMENTS, rng.choice([1, 1, 2])):
                    fname = f"{['youshiki', 'yoryo', 'chirashi', 'shiryo', 'ichiran', 'gaiyo', 'kekka'][ATTACHMENTS.index((ext, ftitle))]}.{ext}"
                    pad = rng.randrange(2000, 60000)
                    data = tiny_pdf(ftitle, pad) if ext == "pdf" else tiny_office(ext, pad)
                    cls = "iconFile icon" + ({"docx": "doc", "xlsx": "xls"}.get(ext, ext)).capitalize()
                    doc.files.append((fname, data))
                    doc.body += f'\n<p><a href="./files/{fname}" class="{cls}">{h(ftitle)}({eng_unit(len(data))})</a></p>'
            docs.append(doc)
        # a few editor links to pages that no longer exist (404), spread over the archive
        gen = [d for d in docs if not d.seed]
        for j, (snippet, why) in enumerate(BROKEN_LINKS):
            d = gen[(j * 7 + 5) % len(gen)]
            d.body += "\n" + snippet
            target = re.search(r'href="([^"]+)"', snippet).group(1)
            self.broken.append(f"{d.uri} -> {target} ({why})")
        # related articles: the seed's relation (`rel_doc_ids => d1.id`), plus a few of ours
        for doc in docs:
            if doc.rel_var:
                # the seed variable is reassigned per article; the relation names the article created as that variable
                target = next((x for x in docs if x.seed and x.var == doc.rel_var), None)
                if target:
                    doc.rels.append(target)
        for doc in gen:
            if rng.random() < 0.12:
                earlier = [x for x in docs if x.published < doc.published and x.cats and x.cats[0] == doc.cats[0]]
                if earlier:
                    doc.rels.append(earlier[-1])
        self.docs = sorted(docs, key=lambda d: d.published, reverse=True)
        # FAQ
        faqs = []
        for i, d in enumerate(s.faq_docs):
            doc = Doc(i + 1, "", d["title"], d["body"], launch + dt.timedelta(minutes=30 + i),
                      [self.faq_cat[x] for x in ids(d.get("category_ids"))], [], [], default_unit, kind="faq", seed=True)
            doc.question = d.get("question") or d["title"]
            doc.name = self._doc_name(doc.published, seqs, "faq")
            faqs.append(doc)
        for k, (cat, q) in enumerate(FAQ_TOPICS[:n_faq]):
            when = launch + dt.timedelta(days=20 + k * 31 + rng.randrange(20), hours=rng.randrange(8))
            doc = Doc(len(faqs) + 1, "", q, s.read("docs/002/body"), when, [self.faq_cat_by_name[cat]], [], [],
                      default_unit, kind="faq")
            doc.question = q
            doc.name = self._doc_name(when, seqs, "faq")
            faqs.append(doc)
        self.faq_docs = sorted(faqs, key=lambda d: d.published, reverse=True)
        # 年間行事 (Calendar::Event): the seed's monthly pattern, entered for this year and the next
        self.events = []
        for year in (self.today.year, self.today.year + 1):
            for i in range(12):
                for title, mod, rem in self.s.calendar_events:
                    if i % mod == rem:
                        self.events.append((dt.date(year, i + 1, rng.randrange(27) + 1), title, len(self.events) + 1))
        self.events.sort(key=lambda e: (e[0], e[2]))

    # -- queries -------------------------------------------------------------------------------------------------

    def docs_in(self, cats=None, attrs=None, areas=None, units=None, docs=None):
        out = []
        cat_ids = {c.id for x in cats for c in x.descendants() if c.level <= 4} if cats else None
        area_ids = {c.id for x in areas for c in x.descendants()} if areas else None
        attr_ids = {a.id for a in attrs} if attrs else None
        unit_ids = None
        if units:
            unit_ids = set()
            for u in units:
                unit_ids.add(u.id)
                if u.level == 2:
                    unit_ids |= {c.id for c in u.children}
        for d in (docs if docs is not None else self.docs):
            if cat_ids is not None and not any(c.id in cat_ids for c in d.cats): continue
            if attr_ids is not None and not any(a.id in attr_ids for a in d.attrs): continue
            if area_ids is not None and not any(a.id in area_ids for a in d.areas): continue
            if unit_ids is not None and d.unit.id not in unit_ids: continue
            out.append(d)
        return out

    def event_docs(self, sdate: dt.date, edate: dt.date):
        return sorted([d for d in self.docs if d.event_date and sdate <= d.event_date < edate],
                      key=lambda d: (d.event_date, d.id))

    # -- HTML fragments used by several views ---------------------------------------------------------------------

    @staticmethod
    def date_and_unit(d: Doc):
        vals = [f'<span class="date">{ymd_ja(d.published)}</span>', f'<span class="unit">{h(d.unit.title)}</span>']
        return '<span class="attributes">（' + SEP.join(vals) + "）</span>"

    @staticmethod
    def categories_and_unit(d: Doc):
        vals = []
        if d.cats:
            vals.append(f'<span class="category">{h("，".join(c.title for c in d.cats))}</span>')
        vals.append(f'<span class="unit">{h(d.unit.title)}</span>')
        return '<span class="attributes">（' + SEP.join(vals) + "）</span>"

    def doc_list(self, d: Doc):
        """Article::DocHelper#article_doc_list (list_type unset)."""
        return f"{link_to(h(d.title), d.uri)}{self.date_and_unit(d)}"

    @staticmethod
    def paginate(page_uri: str, current: int, total: int) -> str:
        """will_paginate 3.0.7 + ApplicationHelper#paginate's rewrite to the published file names."""
        if total <= 1:
            return ""
        base = re.sub(r"/$", "/index.html", page_uri)
        base = re.sub(r"\.p\d+\.html", ".html", base)

        def url(p):
            return (base if p == 1 else base.replace(".html", f".p{p}.html")) + f"?page={p}"

        def rel(p):
            if p == current - 1:
                return "prev" + (" start" if p == 1 else "")
            if p == current + 1:
                return "next"
            return "start" if p == 1 else None
        wf, wt = current - 4, current + 4
        if wt > total:
            wf -= wt - total
            wt = total
        if wf < 1:
            wt += 1 - wf
            wf = 1
            wt = min(wt, total)
        middle = list(range(wf, wt + 1))
        left = [1, 2, "gap"] if 1 + 3 < middle[0] else list(range(1, middle[0]))
        right = ["gap", total - 1, total] if total - 1 - 2 > middle[-1] else list(range(middle[-1] + 1, total + 1))
        items = []
        if current > 1:
            r = rel(current - 1)
            items.append('<a class="previous_page"' + (f' rel="{r}"' if r else "") + f' href="{h(url(current - 1))}">前のページ</a>')
        else:
            items.append('<span class="previous_page disabled">前のページ</span>')
        for p in left + middle + right:
            if p == "gap":
                items.append('<span class="gap">&hellip;</span>')
            elif p == current:
                items.append(f'<em class="current">{p}</em>')
            else:
                r = rel(p)
                items.append("<a" + (f' rel="{r}"' if r else "") + f' href="{h(url(p))}">{p}</a>')
        if current < total:
            items.append(f'<a class="next_page" rel="next" href="{h(url(current + 1))}">次のページ</a>')
        else:
            items.append('<span class="next_page disabled">次のページ</span>')
        return '<div class="pagination">' + '<span class="separator"> | </span\n>'.join(items) + "</div>"

    def inquiry_html(self, d: Doc) -> str:
        q = d.inquiry
        if not q or not q.get("group"):
            return ""
        out = f'<div class="inquiry">\n  <h2>お問い合わせ</h2>\n  <div class="section"><strong>{h(q["group"].title)}</strong></div>'
        if q.get("tel"):
            out += f'\n  <div class="tel"><span class="label">電話</span>：{h(q["tel"])}</div>'
        if q.get("email"):
            out += (f'\n  <div class="email"><span class="label">E-Mail</span>：'
                    f'<a href="mailto:{h(q["email"])}">{h(q["email"])}</a></div>')
        return out + "\n</div>"

    # -- the calendar helper (Util::Date::Calendar) ---------------------------------------------------------------

    def month_days(self, year: int, month: int):
        first = dt.date(year, month, 1)
        last = pycal.monthrange(year, month)[1]
        sw, ew = ruby_wday(first), ruby_wday(dt.date(year, month, last))
        prev_m = add_months(first, -1)
        next_m = add_months(first, 1)
        pe = pycal.monthrange(prev_m.year, prev_m.month)[1]
        days = []
        for i in range(sw):
            days.append({"y": prev_m.year, "m": prev_m.month, "d": pe - (sw - i) + 1, "class": "prevMonth day"})
        for i in range(last):
            days.append({"y": year, "m": month, "d": i + 1, "class": "day"})
        for i in range(6 - ew):
            days.append({"y": next_m.year, "m": next_m.month, "d": i + 1, "class": "nextMonth day"})
        specs = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        for w, day in enumerate(days):
            wd = w % 7
            day["wday"] = wd
            day["date"] = dt.date(day["y"], day["m"], day["d"])
            day["holiday"] = holiday(day["y"], day["m"], day["d"], wd)
            day["class"] += " " + specs[wd] + (" holiday" if day["holiday"] else "")
        return days

    def calendar_html(self, year: int, month: int, day_uri: str | None, link_dates: set | None) -> str:
        out = '<div class="calendar">\n<div class="wdays">\n'
        for i, c in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]):
            out += f'<span class="wday {c}">{WDAYS[i]}</span>\n'
        out += '</div>\n<div class="days">\n'
        for d in self.month_days(year, month):
            if d["wday"] == 0:
                out += '<div class="week">\n'
            linked = link_dates is None or d["date"] in link_dates
            if day_uri and linked:
                u = day_uri.replace(":year", str(d["y"])).replace(":month", "%02d" % d["m"]).replace(":day", "%02d" % d["d"])
                out += f'<a class="{d["class"]}" href="{u}">{d["d"]}</a>\n'
            else:
                out += f'<span class="{d["class"]}">{d["d"]}</span>\n'
            if d["wday"] == 6:
                out += "</div>\n"
        return out + "</div>\n<!-- end .calendar --></div>"


# ----------------------------------------------------------------------------------------------------------------
# page composition

@dataclass
class Ctx:
    uri: str                 # Page.uri (the request path)
    node: Node
    title: str
    layout: str
    concept: int
    item: object = None      # Page.current_item
    crumbs: list = None      # [[(title, uri) | [(title, uri), …]], …]
    body_class_extra: list = field(default_factory=list)
    year: int | None = None  # route params seen by the pieces
    month: int | None = None
    cal_min: dt.date | None = None
    cal_max: dt.date | None = None


class Renderer:
    def __init__(self, site: Site, out: Path):
        self.site, self.s, self.out = site, site.s, out
        self.concept_parent = {cid: parent for cid, (_, parent) in self.s.concepts.items()}

    # -- the body id / class (Page.body_id, Page.body_class) -----------------------------------------------------

    @staticmethod
    def body_id(uri: str) -> str:
        i = uri + ("index.html" if uri.endswith("/") else "")
        i = i[1:]
        i = re.sub(r"\..*$", "", i)
        i = re.sub(r"[^0-9a-zA-Z_./]", "_", i)
        i = camelize(re.sub(r"[./]", "-", i), first_upper=False)
        return f"page-{i}"

    @staticmethod
    def body_class(uri: str) -> str:
        c = uri + ("index.html" if uri.endswith("/") else "")
        c = c.rsplit("/", 1)[0][1:]
        c = re.sub(r"\..*$", "", c)
        c = re.sub(r"[^0-9a-zA-Z_./]", "_", c)
        c = re.sub(r"-$", "", re.sub(r"[./]", "-", c))
        return "rootdir" if not c else f"dir-{camelize(c, first_upper=False)}"

    # -- pieces ---------------------------------------------------------------------------------------------------

    def concept_chain(self, cid: int):
        out = []
        while cid:
            out.append(cid)
            cid = self.concept_parent.get(cid, 0)
        return out

    def find_piece(self, name: str, ctx: Ctx):
        chain = self.concept_chain(ctx.concept)
        cands = [p for p in self.s.pieces if p["name"] == name and p["concept"] in chain]
        cands.sort(key=lambda p: (chain.index(p["concept"]), p["id"]))
        return cands[0] if cands else None

    def piece_html(self, p, ctx: Ctx) -> str:
        fn = getattr(self, "piece_" + p["model"].replace("::", "_"), None)
        body = fn(p, ctx) if fn else ""
        if not body or not body.strip():
            return ""
        title = p.get("view_title")
        if p["model"] == "Cms::Free" and not title:
            return body
        css_id = camelize(p["name"].replace("-", "_"), first_upper=False)
        out = f'<div id="{css_id}" class="piece">\n<div class="pieceContainer">\n'
        if title:
            out += f'<div class="pieceHeader"><h2>{title}</h2></div>\n'
        out += f'<div class="pieceBody">{body}</div>\n</div>\n<!-- end .piece --></div>\n'
        return out

    def piece_Cms_Free(self, p, ctx):
        return p["body"]

    def piece_Cms_PageTitle(self, p, ctx):
        return f"<h1>{h(ctx.title)}</h1>\n"

    def piece_Cms_BreadCrumb(self, p, ctx):
        out = ""
        for r in ctx.crumbs or [[(n.title, n.uri) for n in ctx.node.routes()]]:
            r = [list(x) if isinstance(x, tuple) else x for x in r]
            if isinstance(r[0][0], str) and r[0][1] == "/":
                r[0][0] = "TOP"
            if isinstance(r[-1][0], str) and r[-1][1].endswith("index.html"):
                r.pop()
            links = []
            for c in r:
                if isinstance(c, list) and c and isinstance(c[0], (list, tuple)):
                    links.append("<li>" + " , ".join(f'<a href="{u}">{t}</a>' for t, u in c) + "</li>")
                else:
                    links.append(f'<li><a href="{c[1]}">{c[0]}</a></li>')
            out += "<ol>" + " \n ".join(links) + "</ol>"
        return out

    def _tree_list(self, items, base):
        if not items:
            return ""
        return "<ul>" + "".join(f'\n  <li>{link_to(h(i.title), f"{base}{i.name}/")}</li>' for i in items) + "\n</ul>\n"

    def piece_Article_Category(self, p, ctx):
        it = ctx.item
        items = it.children if isinstance(it, Tree) and it.extra.get("kind") == "category" else \
            sorted([c for c in self.s.categories if c.level == 1], key=lambda c: c.sort)
        return self._tree_list(items, "/bunya/")

    def piece_Article_Unit(self, p, ctx):
        it = ctx.item
        items = it.children if isinstance(it, Tree) and it.extra.get("kind") == "unit" else self.site.root_group.children
        return self._tree_list(items, "/soshiki/")

    def piece_Article_Attribute(self, p, ctx):
        it = ctx.item
        items = [] if isinstance(it, Tree) and it.extra.get("kind") == "attribute" else \
            sorted(self.s.attributes, key=lambda a: a.sort)
        return self._tree_list(items, "/zokusei/")

    def piece_Article_Area(self, p, ctx):
        it = ctx.item
        items = it.children if isinstance(it, Tree) and it.extra.get("kind") == "area" else \
            sorted([a for a in self.s.areas if a.level == 1], key=lambda a: a.sort)
        return self._tree_list(items, "/chiiki/")

    def piece_Faq_Category(self, p, ctx):
        it = ctx.item
        items = it.children if isinstance(it, Tree) and it.extra.get("kind") == "faq_category" else \
            sorted([c for c in self.s.faq_categories if c.level == 1], key=lambda c: c.sort)
        return self._tree_list(items, "/faq/bunya/")

    def piece_Portal_Category(self, p, ctx):
        it = ctx.item
        items = it.children if isinstance(it, Tree) and it.extra.get("kind") == "portal_category" else \
            sorted([c for c in self.s.portal_categories if c.level == 1], key=lambda c: c.sort)
        return self._tree_list(items, "/group-portal/")

    def piece_Article_RecentTab(self, p, ctx):
        import xml.etree.ElementTree as ET
        try:
            groups = ET.fromstring(p["xml"]).iter("group")
        except ET.ParseError:
            return ""
        tabs = []
        for g in sorted(groups, key=lambda g: int(g.get("sort_no") or 0)):
            if not g.get("name"):
                continue
            cats = [self.site.cat[int(x.text)] for x in g.findall("category") if int(x.text) in self.site.cat]
            attrs = [self.site.attr[int(x.text)] for x in g.findall("attribute") if int(x.text) in self.site.attr]
            areas = [self.site.area[int(x.text)] for x in g.findall("area") if int(x.text) in self.site.area]
            docs = self.site.docs_in(cats or None, attrs or None, areas or None)[:10]
            tabs.append({"name": g.get("name"), "title": g.get("title"), "more": g.get("more") or None,
                         "current": not tabs, "docs": docs})
        if not tabs:
            return ""
        pid, css_id = p["id"], camelize(p["name"].replace("-", "_"), first_upper=False)
        out = (f'<script type="text/javascript" src="/_common/modules/article/js/doc_tabs.js"></script>\n'
               f'<script type="text/javascript">\n//<![CDATA[\nvar docTabs{pid} = new ArticleDocTabs(\'{css_id}\');\n'
               f'//]]>\n</script>\n\n<div class="tabs">\n')
        for t in tabs:
            cls = t["name"] + (" current" if t["current"] else "")
            out += (f'  <span><a href="javascript: Tab/{t["name"]}" onkeypress="" class="{cls}"\n'
                    f'    onclick="return docTabs{pid}.show(\'{t["name"]}\')">{t["title"]}</a></span>')
        out += '\n</div>\n\n<div class="wrapper">\n\n  <div class="content">\n'
        for t in tabs:
            if not t["docs"]:
                continue
            hide = "" if t["current"] else ' style="display: none;"'
            out += f'    <ul class="{t["name"]}"{hide}>\n'
            for d in t["docs"]:
                li = f"attr{camelize(d.attrs[0].name)}" if d.attrs else ""
                out += f'      <li class="{li}">{link_to(h(d.title), d.uri)}{self.site.date_and_unit(d)}</li>\n'
            out += "    </ul>\n"
        out += '  </div>\n\n  <div class="links">\n'
        for t in tabs:
            hide = "" if t["current"] else ' style="display: none;"'
            out += f'    <div class="{t["name"]}"{hide}>\n'
            if t["more"]:
                m = t["more"]
                out += (f'      <div class="feed">\n        <a href="{m.rstrip("/")}/index.rss" class="rss">RSS</a>\n'
                        f'        <a href="{m.rstrip("/")}/index.atom" class="atom">Atom</a></div>\n'
                        f'      <div class="more">\n        <a href="{m}">&gt;&gt;新着記事一覧</a></div>\n')
            out += "    </div>"
        return out + "\n  </div>\n\n<!-- end .wrapper --></div>\n"

    def piece_Portal_RecentTab(self, p, ctx):
        return ""  # only in the emergency layouts, which the demo does not switch on

    def piece_Article_Calendar(self, p, ctx):
        y, m = (ctx.year, ctx.month) if ctx.year and ctx.month else (self.site.today.year, self.site.today.month)
        sdate = dt.date(y, m, 1)
        edate = add_months(sdate, 1)
        dates = {d.event_date for d in self.site.event_docs(sdate, edate)}
        today = self.site.today
        cym, mn, mx = y * 100 + m, (today.year - 1) * 100 + today.month, (today.year + 1) * 100 + today.month
        prev_u = None if cym <= mn else "/event/%d/%02d/" % (add_months(sdate, -1).year, add_months(sdate, -1).month)
        next_u = None if cym >= mx else "/event/%d/%02d/" % (edate.year, edate.month)
        out = (f'<div class="month {dt.date(2000, m, 1).strftime("%B").lower()}">{m}月</div>\n\n'
               f'{self.site.calendar_html(y, m, "/event/:year/:month/#day:day", dates)}\n\n<div class="links">\n')
        if prev_u:
            out += f'  {link_to("前の月", prev_u, class_="prevMonth")}\n  <span class="separatorLeft">|</span>\n'
        out += f'  {link_to("一覧へ", "/event/%d/%02d/" % (y, m), class_="currentMonth")}\n'
        if next_u:
            out += f'  <span class="separatorRight">|</span>\n  {link_to("次の月", next_u, class_="nextMonth")}\n'
        return out + "</div>\n"

    def piece_Calendar_DailyLink(self, p, ctx):
        y, m = (ctx.year, ctx.month) if ctx.year and ctx.month else (self.site.today.year, self.site.today.month)
        sdate = dt.date(y, m, 1)
        edate = add_months(sdate, 1)
        dates = {e[0] for e in self.site.events if sdate <= e[0] < edate}
        dates |= {d.event_date for d in self.site.event_docs(sdate, edate)}
        out = (f'<div class="month {dt.date(2000, m, 1).strftime("%B").lower()}">{m}月</div>\n\n'
               f'{self.site.calendar_html(y, m, "/calendar/:year/:month/#day:day", dates)}\n\n<div class="links">')
        if ctx.cal_min and ctx.cal_max:
            prev_d, next_d = add_months(sdate, -1), edate
            out += "\n  " + self.simple_pagination(
                "/calendar/%d/%02d/" % (prev_d.year, prev_d.month) if prev_d >= ctx.cal_min else None,
                "/calendar/%d/%02d/" % (next_d.year, next_d.month) if next_d <= ctx.cal_max else None,
                "&lt;前の月", "次の月&gt;", "pagination lowerPagination") + "\n"
        return out + "</div>\n"

    def piece_Calendar_MonthlyLink(self, p, ctx):
        if not ctx.cal_min:
            return ""
        out, year, d = "<ul>\n", None, ctx.cal_min
        while d <= ctx.cal_max:
            if year != d.year:
                year = d.year
                cls = f"year year{year}" + (" current" if ctx.year == year and ctx.month is None else "")
                out += f'  <li>{link_to(f"{year}年", f"/calendar/{year}/", class_=cls)}</li>\n'
            cls = f"month month{d.month}" + (" current" if ctx.year == d.year and ctx.month == d.month else "")
            out += f'  <li>{link_to(f"{d.month}月", "/calendar/%d/%02d/" % (year, d.month), class_=cls)}</li>\n'
            d = add_months(d, 1)
        return out + "</ul>\n"

    def piece_Faq_RecentDoc(self, p, ctx):
        out = ('<div class="feed">\n  <a class="feedRss" href="/faq/shinchaku/index.rss">RSS</a>\n'
               '  <a class="feedAtom" href="/faq/shinchaku/index.atom">Atom</a>\n</div>\n\n<ul>')
        for d in self.site.faq_docs[:10]:
            out += f"\n  <li>{link_to(h(d.title), d.uri)}{self.site.date_and_unit(d)}</li>"
        return out + ('\n</ul>\n\n<div class="links">\n  <a class="more" href="/faq/shinchaku/">&gt;&gt;新着記事一覧</a>\n'
                      '</div>\n')

    def piece_Faq_SearchDoc(self, p, ctx):
        roots = sorted([c for c in self.s.faq_categories if c.level == 1], key=lambda c: c.sort)
        opts1 = '<option value=""></option>' + "".join(f'<option value="{c.id}">{h(c.title)}</option>' for c in roots)
        depth = max((c.level for c in self.s.faq_categories), default=0)
        out = ('<form method="get" action="/faq/search/">\n\n  <div class="category1">\n    <p>大分類</p>\n'
               f'    <select name="s_category1_id" id="s_category1_id" onchange="document.getElementById(\'s_category2_id\')'
               f'.value = \'\'; submit(this.form);">{opts1}</select>  </div>\n\n  <div class="category2">\n    <p>中分類</p>\n'
               '    <select name="s_category2_id" id="s_category2_id" onchange="submit(this.form)"><option value="">'
               '大分類を選択してください</option></select>\n  </div>\n\n')
        if depth >= 3:
            out += ('  <div class="category2">\n    <p>小分類</p>\n    <select name="s_category3_id" id="s_category3_id" '
                    'onchange="submit(this.form)"><option value="">中分類を選択してください</option></select>\n  </div>\n\n')
        return out + ('  <div class="keyword">\n    <p>キーワード</p>\n    <input type="text" name="s_keyword" '
                      'id="s_keyword" />\n  </div>\n\n  <div class="submitters">\n    <input type="submit" value="検索" />\n'
                      '    <input type="button" value="リセット" onclick="location.href=\'/faq/search/\'" />\n  </div>\n'
                      '</form>\n')

    def piece_Bbs_RecentItem(self, p, ctx):
        return "<ul>\n</ul>\n"  # the demo board has no posts

    def piece_Article_RecentDoc(self, p, ctx):
        out = ('<div class="feed">\n  <a class="feedRss" href="/shinchaku/index.rss">RSS</a>\n'
               '  <a class="feedAtom" href="/shinchaku/index.atom">Atom</a>\n</div>\n\n<ul>\n')
        for d in self.site.docs[:10]:
            out += f"  <li>{self.site.doc_list(d)}</li>\n"
        return out + '</ul>\n\n<div class="links">\n  <a class="more" href="/shinchaku/">&gt;&gt;新着記事一覧</a>\n</div>\n'

    @staticmethod
    def simple_pagination(prev_uri, next_uri, prev_label, next_label, cls="pagination"):
        out = f'<div class="{cls}">\n'
        out += (f'<a class="prev_page" href="{prev_uri}">{prev_label}</a>' if prev_uri
                else f'<span class="disabled prev_page">{prev_label}</span>')
        out += '\n<span class="separator">|</span>\n'
        out += (f'<a class="next_page" href="{next_uri}">{next_label}</a>' if next_uri
                else f'<span class="disabled next_page">{next_label}</span>')
        return out + "\n</div>"

    # -- the layout ------------------------------------------------------------------------------------------------

    def compose(self, ctx: Ctx, content: str) -> str:
        layout = self.s.layouts[ctx.layout]
        body = layout["body"]
        for name in dict.fromkeys(re.findall(r"\[\[piece/([^\]]+)\]\]", body)):
            p = self.find_piece(name, ctx)
            if p:
                body = body.replace(f"[[piece/{name}]]", self.piece_html(p, ctx))
        body = body.replace("[[content]]", content)
        chain = self.concept_chain(ctx.concept)
        for name in dict.fromkeys(re.findall(r"\[\[text/([0-9a-zA-Z._-]+)\]\]", body)):
            t = next((t for t in sorted(self.s.texts, key=lambda t: chain.index(t["concept"]) if t["concept"] in chain
                                        else 99) if t["name"] == name and t["concept"] in chain), None)
            if t:
                body = body.replace(f"[[text/{name}]]", t["body"])
        body = re.sub(r"\[\[[a-z]+/[^\]]+\]\]", "", body)
        css = "/_layouts/" + check_digit("%07d" % layout["id"]) + "/style.css"
        head = f'<link href="{css}" media="all" rel="stylesheet" type="text/css" />\n{layout["head"]}'
        title = ctx.title if ctx.title == self.site.name else f"{ctx.title} | {self.site.name}"
        bclass = " ".join([self.body_class(ctx.uri)] + ctx.body_class_extra)
        return ('<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="UTF-8" />\n'
                '<meta http-equiv="X-UA-Compatible" content="IE=edge" />\n'
                f'<title>{h(title)}</title>\n{head}</head>\n<body id="{self.body_id(ctx.uri)}" class="{bclass}">\n\n'
                f'{body}\n\n</body>\n</html>\n')

    def ctx_for(self, node: Node, uri: str | None = None, **kw) -> Ctx:
        layout = kw.pop("layout", None) or node.inherited_layout()
        concept = kw.pop("concept", None) or node.inherited_concept() or 1
        title = kw.pop("title", None) or node.title
        return Ctx(uri or node.uri, node, title, layout, concept, **kw)


# ----------------------------------------------------------------------------------------------------------------
# the publisher: every page the demo site publishes (and the dynamic pages it serves)

class Publisher:
    def __init__(self, site: Site, r: Renderer, out: Path):
        self.site, self.r, self.out, self.s = site, r, out, site.s
        self.kinds: Counter = Counter()

    def write(self, uri: str, data, kind: str):
        path = uri.split("?")[0]
        if path.endswith("/"):
            path += "index.html"
        target = self.out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.kinds[kind] += 1

    def page(self, ctx: Ctx, content: str, kind: str):
        self.write(ctx.uri, self.r.compose(ctx, content), kind)

    # -- feeds (Article::Controller::Feed) ------------------------------------------------------------------------

    def feeds(self, uri_dir: str, title: str, docs: list, node: Node):
        origin = self.site.origin
        feed_name = f"{title} | {self.site.name}"
        def x(s):
            return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def strip(s, n=500):
            s = re.sub(r"<[^<>]*>", "", s.replace("&nbsp;", " "))
            return s if len(s) <= n else s[:n] + ".."
        rss = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0">', "  <channel>",
               f"    <title>{x(feed_name)}</title>", f"    <link>{origin}{uri_dir}index.rss</link>",
               "    <language>ja</language>", f"    <description>{x(title)}</description>"]
        for d in docs:
            rss += ["    <item>", f"      <title>{x(d.title)}</title>", f"      <link>{origin}{d.uri}</link>",
                    f"      <description>{x(strip(d.body))}</description>",
                    f"      <pubDate>{d.published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate>"]
            rss += [f"      <category>{x(c.title)}</category>" for c in d.cats]
            rss.append("    </item>")
        rss += ["  </channel>", "</rss>", ""]
        iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S%z")[:-2] + ":" + t.strftime("%z")[-2:]
        upd = docs[0].published if docs else self.site.now
        atom = ['<?xml version="1.0" encoding="UTF-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
                f"  <id>tag:{self.site.domain},{self.site.launch.year}:{node.uri}</id>", f"  <title>{x(feed_name)}</title>",
                f"  <updated>{iso(upd)}</updated>", f'  <link rel="alternate" href="{origin}{node.uri}"/>',
                f'  <link rel="self" href="{origin}{uri_dir}index.atom" type="application/atom+xml" title="{x(feed_name)}"/>']
        for d in docs:
            atom += ["  <entry>", f"    <id>tag:{self.site.domain},{d.published.year}:{d.uri}</id>",
                     f"    <title>{x(d.title)}</title>", f"    <updated>{iso(d.published)}</updated>",
                     f'    <summary type="html">', f"      <![CDATA[{strip(d.body)}]]>", "    </summary>",
                     f'    <link rel="alternate" href="{origin}{d.uri}"/>']
            if d.kind == "article":
                atom.append(f'    <category term="{d.unit.name}" scheme="{origin}/soshiki/" '
                            f'label="組織/{x("/".join(g.title for g in d.unit.parents_tree() if g.level != 1))}"/>')
                for c in d.cats:
                    atom.append(f'    <category term="{c.name}" scheme="{origin}/bunya/" '
                                f'label="分野/{x("/".join(p.title for p in c.parents_tree()))}"/>')
                for a in d.attrs:
                    atom.append(f'    <category term="{a.name}" scheme="{origin}/zokusei/" label="属性/{x(a.title)}"/>')
                for a in d.areas:
                    atom.append(f'    <category term="{a.name}" scheme="{origin}/chiiki/" '
                                f'label="地域/{x("/".join(p.title for p in a.parents_tree()))}"/>')
                if d.event_date:
                    atom.append(f'    <category term="event" scheme="{origin}/event/" '
                                f'label="イベント/{d.event_date.isoformat()}T00:00:00+09:00"/>')
            atom.append("    <author>")
            if d.inquiry:
                atom += [f"      <name>{x(d.inquiry['group'].title)}</name>", f"      <email>{x(d.inquiry['email'])}</email>"]
            atom.append("    </author>")
            for t in d.tags:
                atom.append(f'    <link rel="tag" href="{origin}/tag/{quote(t)}" type="text/xhtml"/>')
            for rd in d.rels:
                atom.append(f'    <link rel="related" href="{origin}{rd.uri}" type="text/xhtml"/>')
            atom.append("  </entry>")
        atom += ["</feed>", ""]
        self.write(uri_dir + "index.rss", "\n".join(rss), "feed")
        self.write(uri_dir + "index.atom", "\n".join(atom), "feed")

    # -- list views ----------------------------------------------------------------------------------------------

    def dated_list(self, docs, attr_fn, li_cycle=False):
        out, prev = "", None
        for idx, d in enumerate(docs):
            key = d.published.strftime("%y%m%d")
            if key != prev:
                if idx:
                    out += "</ul>"
                out += f'\n  <h2 class="date">{ymd_ja(d.published)}</h2><ul>'
            prev = key
            cyc = f' class="{"" if idx % 2 == 0 else "cycle"}"' if li_cycle else ""
            out += f"\n    <li{cyc}>{attr_fn(d)}</li>"
        if docs:
            out += "</ul>"
        return out

    def paged(self, ctx_fn, docs, per_page, render_fn, kind, base_uri, file="index", first=1):
        total = max(1, -(-len(docs) // per_page))
        for p in range(first, total + 1):
            uri = base_uri if (p == 1 and file == "index") else f"{base_uri}{file}{'' if p == 1 else f'.p{p}'}.html"
            ctx = ctx_fn(uri)
            chunk = docs[(p - 1) * per_page:p * per_page]
            self.page(ctx, render_fn(chunk, Site.paginate(uri, p, total)), kind if p == 1 else "paging")

    def latest_block(self, docs, more_label="&gt;&gt;新着記事一覧"):
        out = ('<div class="latest">\n  <h2>新着情報</h2>\n  <div class="feed">\n'
               '    <a class="feedRss" href="index.rss">RSS</a>\n    <a class="feedAtom" href="index.atom">Atom</a>\n'
               "  </div>\n  ")
        if docs:
            out += "<ul>" + "".join(f"\n    <li>{self.site.doc_list(d)}</li>" for d in docs) + "\n  </ul>"
            out += f'\n  <div class="more"><a href="more.html">{more_label}</a></div>\n'
        return out + "</div>\n\n"

    def group_blocks(self, wrap_cls, item_cls, groups, href_fn):
        """The per-child / per-department / per-attribute blocks below the latest list."""
        blocks = ""
        for g, docs in groups:
            if not docs:
                continue
            lis = "".join(f"\n      <li>{link_to(h(d.title), d.uri)}{self.site.date_and_unit(d)}</li>" for d in docs[:10])
            blocks += (f'\n  <div class="{item_cls}">\n    <h3>{h(g.title)}</h3>\n    <ul>{lis}\n    </ul>\n'
                       f'    <div class="more">\n      {link_to("&gt;&gt;記事一覧", href_fn(g))}\n    </div>\n  </div>')
        return f'<div class="{wrap_cls}">{blocks}\n</div>' if groups else ""

    def listing(self, node: Node, item: Tree, base: str, docs: list, css: str, blocks: str, ctx_kw: dict,
                attr_pages: list):
        """index.html (latest + blocks), more.html (+ paging), feeds and the show_attr sub-pages."""
        mk = lambda uri: self.r.ctx_for(node, uri, **ctx_kw)
        label = "&gt;新着記事一覧" if css.endswith("contentArticleCategoryDetail") else "&gt;&gt;新着記事一覧"
        self.page(mk(base), f'<div class="{css}">\n\n{self.latest_block(docs[:10], label)}{blocks}\n\n</div>\n',
                  "listing")
        if docs:
            def more(chunk, pag):
                lat = self.latest_block(chunk, label).replace(
                    f'\n  <div class="more"><a href="more.html">{label}</a></div>\n', "\n")
                return f'<div class="{css}">\n\n{lat}  {pag}\n\n</div>\n'
            self.paged(mk, docs, 50, more, "more", base, file="more")
        self.feeds(base, ctx_kw.get("title") or node.title, docs[:10], node)
        for sub_uri, sub_title, sub_docs, sub_css in attr_pages:
            lis = "".join(f"\n    <li>\n      {link_to(h(d.title), d.uri)}{self.site.date_and_unit(d)}\n    </li>"
                          for d in sub_docs[:50])
            self.page(mk(sub_uri), f'<div class="{sub_css}">\n\n<div class="latest">\n  <h2>{h(sub_title)}</h2>\n  \n'
                                   f'  <ul>{lis}\n  </ul>\n  \n  \n</div>\n\n</div>\n', "listing-sub")

    # -- the whole site -------------------------------------------------------------------------------------------

    def publish(self):
        for node in self.s.nodes:
            fn = getattr(self, "node_" + node.model.replace("::", "_"), None)
            if fn:
                fn(node)
        self.publish_docs()
        self.publish_faq_docs()
        # the layouts' own stylesheet links (/_layouts/<id>/style.css): empty, as the demo layouts have no CSS
        for lay in self.s.layouts.values():
            self.write("/_layouts/" + check_digit("%07d" % lay["id"]) + "/style.css", "", "layout-css")

    def crumbs_tree(self, node: Node, item: Tree, base: str, skip_root=False):
        c = [(n.title, n.uri) for n in node.routes()]
        for p in item.parents_tree():
            if skip_root and p.level == 1 and p.parent is None and p is self.site.root_group:
                continue
            c.append((p.title, f"{base}{p.name}/"))
        return [c]

    # Cms::Page / Cms::Sitemap
    def node_Cms_Page(self, node: Node):
        if node.parent is None:
            return
        if node.name == "index.html" and node.parent.name == "/":
            self.page(self.r.ctx_for(node, "/", title=self.site.name), "", "top")
            return
        ctx = self.r.ctx_for(node)
        body = re.sub(r"\{\$publishedOn\}", ymd_ja(self.site.launch), node.body)
        self.page(ctx, f'<div class="contentPage">\n\n<div class="body">\n{body}\n</div>\n\n\n'
                       f'<!-- end .contentPage --></div>\n', "page")

    def node_Cms_Sitemap(self, node: Node):
        nodes = self.s.nodes

        def children(n):
            return sorted([c for c in nodes if c.parent is n and c.name], key=lambda c: (c.directory, c.name))

        def show(n, level=1, cls=None):
            cls = cls or camelize(re.sub(r"\..*", "", n.name), first_upper=False)
            kids = children(n)
            out = f'<li class="level{level} {cls}">{link_to(h(n.title), n.uri, class_=f"level{level}")}'
            if kids:
                out += f'\n<ul class="level{level + 1} {cls}">'
                for c in kids:
                    out += show(c, level + 1, cls + "-" + camelize(re.sub(r"\..*", "", c.name), first_upper=False))
                out += "</ul>"
            return out + "</li>\n"
        roots = sorted([n for n in nodes if n.parent is nodes[0] and n.directory], key=lambda n: n.name)
        html = '<ul class="sitemap level1">\n' + "".join("\n" + show(n) for n in roots) + "\n</ul>\n"
        self.page(self.r.ctx_for(node), html, "sitemap")

    # Article::Doc (/docs/ index; the articles themselves in publish_docs)
    def node_Article_Doc(self, node: Node):
        def render(chunk, pag):
            return (f'<div class="contentArticleDocs">\n\n<div class="docs">'
                    f'{self.dated_list(chunk, lambda d: link_to(h(d.title), d.uri) + self.site.categories_and_unit(d))}'
                    f"\n</div>\n\n{pag}\n\n</div>\n")
        self.paged(lambda uri: self.r.ctx_for(node, uri), self.site.docs, 50, render, "listing", node.uri)
        self.feeds(node.uri, node.title, self.site.docs[:50], node)

    def node_Article_RecentDoc(self, node: Node):
        def render(chunk, pag):
            return ('<div class="contentArticleRecentDocs">\n\n<div class="feed">\n'
                    '  <a class="feedRss" href="index.rss">RSS</a>\n  <a class="feedAtom" href="index.atom">Atom</a>\n'
                    f'</div>\n\n<div class="docs">{self.dated_list(chunk, self.site.doc_list, li_cycle=True)}\n</div>\n\n'
                    f"{pag}\n\n</div>\n")
        self.paged(lambda uri: self.r.ctx_for(node, uri), self.site.docs, 50, render, "listing", node.uri)
        self.feeds(node.uri, node.title, self.site.docs[:50], node)

    def node_Article_EventDoc(self, node: Node):
        today = self.site.today
        first = dt.date(today.year, today.month, 1)
        for i in range(-12, 13):
            d = add_months(first, i)
            self.event_month(node, d, "/event/" if i == 0 else None)
            if i == 0:
                self.event_month(node, d, None)

    def event_month(self, node, d: dt.date, uri):
        today = self.site.today
        cym, mn, mx = d.year * 100 + d.month, (today.year - 1) * 100 + today.month, (today.year + 1) * 100 + today.month
        days = {(x["m"], x["d"]): x for x in self.site.month_days(d.year, d.month) if "Month" not in x["class"]}
        rows = ""
        for doc in self.site.event_docs(d, add_months(d, 1)):
            ed = doc.event_date
            day = days.get((ed.month, ed.day), {})
            attr = doc.attrs[0] if doc.attrs else None
            label = f'<span class="startDate">{ed.month}月{ed.day}日（{WDAYS[ruby_wday(ed)]}）</span>'
            rows += (f'<tr>\n    <td class="{day.get("class", "")}" id="day{day.get("d", "")}">{label}</td>\n'
                     f'    <td class="{"attribute attribute" + camelize(attr.name) if attr else ""}"><span class="attribute">'
                     f'{h(attr.title) if attr else ""}</span></td>\n    <td class="title">{link_to(h(doc.title), doc.uri)}</td>\n  </tr>')
        prev_d, next_d = add_months(d, -1), add_months(d, 1)
        html = f'<div class="contentArticleEventDocs">\n\n<h2>{d.year}年{d.month}月</h2>\n\n'
        if rows:
            html += f'<table class="calendar">\n  {rows}\n</table>\n'
        html += '\n<div class="pagination">\n  '
        if cym > mn:
            html += link_to("&lt;前の月", "/event/%d/%02d/" % (prev_d.year, prev_d.month), class_="prevMonth")
        html += '\n  <span class="separator">|</span>\n  '
        if cym < mx:
            html += link_to("次の月&gt;", "/event/%d/%02d/" % (next_d.year, next_d.month), class_="nextMonth")
        html += "\n</div>\n\n</div>\n"
        ctx = self.r.ctx_for(node, uri or "/event/%d/%02d/" % (d.year, d.month), year=d.year, month=d.month)
        self.page(ctx, html, "event-calendar")

    def node_Article_TagDoc(self, node: Node):
        tags = sorted({t for d in self.site.docs for t in d.tags})
        for tag in [None] + tags:
            docs = [d for d in self.site.docs if tag in d.tags] if tag else []
            value_attr = f'value="{h(tag)}" ' if tag else ""
            html = ('<div class="contentArticleTags">\n\n<form class="search" action="/tag/" accept-charset="UTF-8" '
                    'method="post"><input name="utf8" type="hidden" value="&#x2713;" />'
                    f'<input type="hidden" name="authenticity_token" value="{self.token(node.uri)}" />\n<table>\n  <tr>\n'
                    '    <th>タグ</th>\n    <td><input type="text" name="s_tag" id="s_tag" '
                    + value_attr + 'style="width: 200px;" /></td>\n'
                    '    <td class="submitters">\n      <input type="submit" name="search" value="検索" class="send" />\n'
                    '      <input type="submit" name="reset" value="リセット" class="reset" />\n    </td>\n  </tr>\n'
                    '</table>\n<!-- end .search --></form>\n\n')
            if tag:
                html += (f'<div class="hit">\n  <span class="label">検索結果</span><span class="count">{len(docs)}</span>'
                         '<span class="unit">件</span></div>\n\n')
            if docs:
                html += '<ul class="docs">' + "".join(
                    f"\n  <li>{link_to(h(d.title), d.uri)}{self.site.date_and_unit(d)}</li>" for d in docs[:50]) + "\n</ul>\n"
            html += "\n\n</div>\n"
            # /tag/<word> is answered by Rails; the copy keeps it as /tag/<word>/ (the static server redirects)
            self.page(self.r.ctx_for(node, f"/tag/{tag}/" if tag else "/tag/"), html, "tag-search")

    def node_Article_Unit(self, node: Node):
        s = self.site
        attrs = sorted(self.s.attributes, key=lambda a: a.sort)
        # index: one table per department
        html = '<div class="contentArticleUnit">\n\n'
        for dep in s.root_group.children:
            html += (f'\n<table>\n<tr class="department {dep.name}">\n  <th class="name" scope="col" id="{dep.name}">'
                     f'{h(dep.title)}</th>\n  <th class="outline" scope="col"></th>\n  <th class="page" scope="col">'
                     f'{link_to("部局のページへ", f"{dep.name}/")}</th>\n  <th class="email" scope="col">電子メールでのお問い合わせ</th>\n'
                     '  <th class="tel" scope="col">電話番号</th>\n</tr>\n\n')
            for k, c in enumerate(dep.children):
                html += (f'\n<tr class="unit {c.name} {"cycle" if k % 2 else ""}">\n  <th class="name" scope="row">{h(c.title)}</th>\n'
                         f'  <td class="outline"></td>\n  <td class="page">{link_to("課のページへ", f"{c.name}/")}</td>\n'
                         '  <td class="email"></td>\n  <td class="tel"></td>\n</tr>\n')
            html += '</table>\n<div class="pageTop"><a href="#container">ページの先頭へ戻る</a></div>\n'
        self.page(self.r.ctx_for(node), html + "\n\n</div>\n", "listing")
        for g in [g for g in self.s.groups if g.level >= 2]:
            g.extra["kind"] = "unit"
            base = f"/soshiki/{g.name}/"
            docs = s.docs_in(units=[g])
            groups = [(a, s.docs_in(attrs=[a], units=[g])) for a in attrs]
            css = "contentArticleUnit contentArticleDepartment" if g.level == 2 else "contentArticleUnit contentArticleUnit"
            blocks = self.group_blocks("attributes", "attribute", groups, lambda a: f"{a.name}/")
            subs = [(f"{base}{a.name}/", a.title, ds, "contentArticleUnit contentArticleUnitAttribute") for a, ds in groups if ds]
            kw = dict(item=g, title=g.title, layout=g.layout or "unit", crumbs=self.crumbs_tree(node, g, "/soshiki/", True))
            self.listing(node, g, base, docs, css, blocks, kw, subs)

    def _tree_module(self, node: Node, items: list, base: str, kind: str, css: str, index_html: str):
        s = self.site
        self.page(self.r.ctx_for(node), index_html, "listing")
        departments = s.departments
        attrs = sorted(self.s.attributes, key=lambda a: a.sort)
        for it in items:
            it.extra["kind"] = kind
            uri = f"{base}{it.name}/"
            if kind == "category":
                docs = s.docs_in(cats=[it])
            elif kind == "area":
                docs = s.docs_in(areas=[it])
            else:
                docs = s.docs_in(attrs=[it])
            if kind == "attribute" or (kind == "category" and it.level > 1):
                groups = [(dep, s.docs_in(cats=[it], units=[dep]) if kind == "category" else s.docs_in(attrs=[it], units=[dep]))
                          for dep in departments]
                blocks = self.group_blocks("units", "unit", groups, lambda g: f"{g.name}/")
                sub_css = {"category": "contentArticleCategory contentArticleCategoryUnit",
                           "attribute": "contentArticleAttribute contentArticleAttributeUnit"}[kind]
                subs = [(f"{uri}{g.name}/", g.title, ds, sub_css) for g, ds in groups if ds]
            elif kind == "area" and it.level > 1:
                groups = [(a, s.docs_in(areas=[it], attrs=[a])) for a in attrs]
                blocks = self.group_blocks("attributes", "attribute", groups, lambda a: f"{a.name}/")
                subs = [(f"{uri}{a.name}/", a.title, ds, "contentArticleArea contentArticleAreaAttribute")
                        for a, ds in groups if ds]
            else:  # a top level category / area: its children
                groups = [(c, s.docs_in(cats=[c]) if kind == "category" else s.docs_in(areas=[c])) for c in it.children]
                wrap = "categories" if kind == "category" else "cities"
                blocks = self.group_blocks(wrap, "category" if kind == "category" else "city", groups,
                                           lambda c: f"../{c.name}/")
                subs = []
            if kind == "category":
                page_css = css + (" contentArticleCategoryGroup" if it.level == 1 else " contentArticleCategoryDetail")
            elif kind == "area":
                page_css = css + (" contentArticleAreaGroup" if it.level == 1 else " contentArticleAreaDetail")
            else:
                page_css = css + " contentArticleAttributeDetail"
            crumbs = [[(n.title, n.uri) for n in node.routes()] + [(p.title, f"{base}{p.name}/") for p in it.parents_tree()]]
            kw = dict(item=it, title=it.title, layout=it.layout, concept=node.concept, crumbs=crumbs)
            self.listing(node, it, uri, docs, page_css, blocks, kw, subs)

    def node_Article_Category(self, node: Node):
        roots = sorted([c for c in self.s.categories if c.level == 1], key=lambda c: c.sort)
        html = '<div class="contentArticleCategory">\n\n'
        for it in roots:
            html += (f'<div class="category category{camelize(it.name)}">\n  <h2>{link_to(h(it.title), f"{it.name}/")}</h2>\n'
                     '  <div class="children">\n' + "".join(
                         f'      <div class="category{camelize(c.name)}">\n        {link_to(h(c.title), f"{c.name}/")}</div>'
                         for c in it.children) + "\n  </div>\n</div>")
        self._tree_module(node, self.s.categories, "/bunya/", "category", "contentArticleCategory", html + "\n\n</div>\n")

    def node_Article_Attribute(self, node: Node):
        attrs = sorted(self.s.attributes, key=lambda a: a.sort)
        html = '<div class="contentArticleAttribute">\n\n<div class="attributes">\n' + "".join(
            f'  <div class="attribute attribute{camelize(a.name)}">\n    <h2>{link_to(h(a.title), f"{a.name}/")}</h2>\n'
            f'    <div class="explain"><p>{h(a.title)}に関する情報を掲載しています。</p></div>\n  </div>\n' for a in attrs)
        self._tree_module(node, attrs, "/zokusei/", "attribute", "contentArticleAttribute",
                          html + "</div>\n\n</div>\n")

    def node_Article_Area(self, node: Node):
        roots = sorted([a for a in self.s.areas if a.level == 1], key=lambda a: a.sort)
        html = '<div class="contentArticleArea">\n\n'
        for it in roots:
            html += (f'\n<table>\n<tr class="ward">\n  <th class="name" id="{it.name}" scope="col">{h(it.title)}</th>\n'
                     f'  <th class="page" scope="col">{link_to("地域ページへ", f"{it.name}/")}</th>\n'
                     '  <th class="zipCode" scope="col">郵便番号</th>\n  <th class="address" scope="col">所在地</th>\n'
                     '  <th class="tel" scope="col">電話番号</th>\n  <th class="formal" scope="col">市町村公式ページ</th>\n</tr>\n\n')
            for k, c in enumerate(it.children):
                html += (f'\n<tr class="city {"cycle" if k % 2 else ""}">\n  <th class="name" scope="row">{h(c.title)}</th>\n'
                         f'  <td class="page">{link_to("地域ページへ", f"{c.name}/")}</td>\n  <td class="zipCode"></td>\n'
                         '  <td class="address"></td>\n  <td class="tel"></td>\n  <td class="formal"></td>\n</tr>\n')
            html += '</table>\n\n<div class="pageTop"><a href="#container">ページの先頭へ戻る</a></div>\n\n'
        self._tree_module(node, self.s.areas, "/chiiki/", "area", "contentArticleArea", html + "\n\n\n</div>\n")

    # the articles
    def publish_docs(self):
        node = self.site.node("/docs/")
        for d in self.site.docs:
            extra = [f"unit{camelize(d.unit.name)}"] + [f"cate{camelize(c.name)}" for c in d.cats] + \
                    [f"attr{camelize(a.name)}" for a in d.attrs] + [f"area{camelize(a.name)}" for a in d.areas]
            crumbs = []
            routes = lambda uri: [(n.title, n.uri) for n in self.site.node(uri).routes()]
            crumbs.append(routes("/soshiki/") + [(d.unit.title, f"/soshiki/{d.unit.name}/")])
            if d.cats:
                crumbs.append(routes("/bunya/") + [[(c.title, f"/bunya/{c.name}/") for c in d.cats]])
            if d.attrs:
                crumbs.append(routes("/zokusei/") + [[(a.title, f"/zokusei/{a.name}/") for a in d.attrs]])
            if d.areas:
                crumbs.append(routes("/chiiki/") + [[(a.title, f"/chiiki/{a.name}/") for a in d.areas]])
            html = (f'<div class="contentArticleDoc">\n\n<div class="header">\n  <h1>{h(d.title)}</h1>'
                    f'<div class="publishedAt">{ymd_ja(d.published)}</div>\n</div>\n\n<div class="body">\n  {d.body}\n</div>\n\n')
            if d.map:
                html += self.map_html(d.map)
            if d.rels:
                html += ('\n<div class="rels">\n  <h2>関連記事</h2>\n  <ul>\n' + "".join(
                    f"    <li>{link_to(h(r.title), r.uri)}</li>\n" for r in d.rels) + "  </ul>\n</div>\n")
            if d.tags:
                html += ('\n<div class="tags">\n  <h2>関連ワード</h2>\n  <div>\n    ' + "".join(
                    f'{link_to(h(t), "/tag/" + quote(t))}\n    ' for t in d.tags) + "\n  </div>\n</div>\n")
            html += f'\n{self.site.inquiry_html(d)}\n\n<div class="back"><a href="javascript:history.back()">戻る</a></div>\n\n' \
                    '<!-- end .contentArticleDoc --></div>\n'
            ctx = self.r.ctx_for(node, d.uri, title=d.title, item=d, crumbs=crumbs, body_class_extra=extra)
            self.page(ctx, html, "article")
            for fname, data in d.files:
                self.write(f"{d.uri}files/{fname}", data, "attachment-" + fname.rsplit(".", 1)[1])

    @staticmethod
    def map_html(m):
        js_markers = ""
        for i, mk in enumerate(m.get("markers", [])):
            js_markers += (f"\n    var marker{i} = new google.maps.Marker({{\n      //title: '{mk['name']}'\n"
                           f"      position: new google.maps.LatLng({mk['lat']}, {mk['lng']}),\n      map: map\n    }});\n"
                           f"    var infowindow{i} = new google.maps.InfoWindow({{\n      content: '{mk['name']}',\n"
                           f"      disableAutoPan: false\n    }});\n    google.maps.event.addListener(marker{i}, 'click', "
                           f"function() {{\n      infowindow{i}.open(map, marker{i});\n    }});\n  ")
        return ('<script type="text/javascript" src="//maps.google.com/maps/api/js?region=jp"></script>\n'
                '<script type="text/javascript">\n//<![CDATA[\n\nfunction addEvent(element, listener, func) {\n  try {\n'
                '    element.addEventListener(listener, func, false);\n  } catch (e) {\n'
                "    element.attachEvent('on' + listener, func);\n  }\n}\n\naddEvent(window, 'load', function() {\n"
                f"  var mapOptions = {{\n    center: new google.maps.LatLng({m['lat']}, {m['lng']}),\n    zoom: {m['zoom']},\n"
                "    mapTypeId: google.maps.MapTypeId.ROADMAP,\n    scaleControl: true,\n    scrollwheel: false\n  };\n"
                '  var map = new google.maps.Map(document.getElementById("map1"), mapOptions);\n\n  '
                f"{js_markers}\n}});\n\n//]]>\n</script>\n\n<div class=\"maps\">\n  <h2>地図</h2>\n  \n"
                '  <div id="map1" class="map" style="width: 100%; height: 400px"></div>\n</div>')

    # FAQ
    def node_Faq_Category(self, node: Node):
        s = self.site
        roots = sorted([c for c in self.s.faq_categories if c.level == 1], key=lambda c: c.sort)
        html = '<div class="contentFaqCategory">\n\n'
        for it in roots:
            html += (f'<div class="category category{camelize(it.name)}">\n  <h2>{link_to(h(it.title), f"{it.name}/")}</h2>\n'
                     '  <div class="children">\n' + "".join(
                         f'      <div class="category{camelize(c.name)}">\n        {link_to(h(c.title), f"{c.name}/")}</div>'
                         for c in it.children) + "\n  </div>\n</div>")
        self.page(self.r.ctx_for(node), html + "\n\n</div>\n", "faq-listing")
        for it in self.s.faq_categories:
            it.extra["kind"] = "faq_category"
            uri = f"/faq/bunya/{it.name}/"
            docs = s.docs_in(cats=[it], docs=s.faq_docs)

            def latest_of(chunk, more):
                out = ('<div class="latest">\n  <h2>新着情報</h2>\n  <div class="feed">\n'
                       '    <a class="feedRss" href="index.rss">RSS</a>\n    <a class="feedAtom" href="index.atom">Atom</a>\n'
                       '  </div>\n  ')
                if chunk:
                    out += "<ul>" + "".join(f"<li>\n      {link_to(h(d.title), d.uri)}{s.date_and_unit(d)}\n    </li>"
                                            for d in chunk) + "</ul>"
                    if more:
                        out += '\n  <div class="more"><a href="more.html">&gt;&gt;新着記事一覧</a></div>\n'
                return out + "</div>\n\n"
            latest = latest_of(docs[:10], True)
            groups = [(c, s.docs_in(cats=[c], docs=s.faq_docs)) for c in it.children]
            blocks = self.group_blocks("categories", "category", groups, lambda c: f"../{c.name}/")
            crumbs = [[(n.title, n.uri) for n in node.routes()] + [(p.title, f"/faq/bunya/{p.name}/") for p in it.parents_tree()]]
            kw = dict(item=it, title=it.title, layout=it.layout, crumbs=crumbs)
            mk = lambda u: self.r.ctx_for(node, u, **kw)
            self.page(mk(uri), f'<div class="contentFaqCategory contentFaqCategoryGroup">\n\n{latest}{blocks}\n\n</div>\n',
                      "faq-listing")
            if docs:
                self.paged(mk, docs, 50, lambda ch, pag: (
                    f'<div class="contentFaqCategory contentFaqCategoryGroup">\n\n{latest_of(ch, False)}  {pag}\n\n</div>\n'),
                    "more", uri, file="more")
            self.feeds(uri, it.title, docs[:10], node)

    def node_Faq_Doc(self, node: Node):
        def render(chunk, pag):
            return (f'<div class="contentFaqDocs">\n\n<div class="docs">'
                    f'{self.dated_list(chunk, lambda d: link_to(h(d.title), d.uri) + self.site.categories_and_unit(d))}'
                    f"\n</div>\n\n{pag}\n\n</div>\n")
        self.paged(lambda uri: self.r.ctx_for(node, uri), self.site.faq_docs, 50, render, "faq-listing", node.uri)

    def node_Faq_RecentDoc(self, node: Node):
        def render(chunk, pag):
            return ('<div class="contentFaqRecentDocs">\n\n<div class="feed">\n'
                    '  <a class="feedRss" href="index.rss">RSS</a>\n  <a class="feedAtom" href="index.atom">Atom</a>\n'
                    '</div>\n\n<div class="docs">'
                    f'{self.dated_list(chunk, lambda d: link_to(h(d.title), d.uri) + self.site.categories_and_unit(d))}'
                    f"\n</div>\n\n{pag}\n\n</div>\n")
        self.paged(lambda uri: self.r.ctx_for(node, uri), self.site.faq_docs, 50, render, "faq-listing", node.uri)
        self.feeds(node.uri, node.title, self.site.faq_docs[:50], node)

    def node_Faq_SearchDoc(self, node: Node):
        # dynamic in Joruri (not published); the page a GET without conditions returns
        self.page(self.r.ctx_for(node), '<div class="contentFaqSearchDocs">\n\n<div class="searchInfo">\n  \n'
                                        '  <div class="nosearch">検索条件を入力してください。</div>\n  \n</div>\n\n\n\n</div>\n',
                  "faq-search")

    def node_Faq_TagDoc(self, node: Node):
        html = ('<div class="contentFaqTags">\n\n<form class="search" action="/faq/tag/" accept-charset="UTF-8" '
                'method="post"><input name="utf8" type="hidden" value="&#x2713;" />'
                f'<input type="hidden" name="authenticity_token" value="{self.token(node.uri)}" />\n<table>\n  <tr>\n'
                '    <th>タグ</th>\n    <td><input type="text" name="s_tag" id="s_tag" style="width: 200px;" /></td>\n'
                '    <td class="submitters">\n      <input type="submit" name="search" value="検索" class="send" />\n'
                '      <input type="submit" name="reset" value="リセット" class="reset" />\n    </td>\n  </tr>\n</table>\n'
                '<!-- end .search --></form>\n\n\n\n\n\n</div>\n')
        self.page(self.r.ctx_for(node), html, "faq-search")

    def publish_faq_docs(self):
        node = self.site.node("/faq/docs/")
        cat_node = self.site.node("/faq/bunya/")
        for d in self.site.faq_docs:
            crumbs = [[(n.title, n.uri) for n in cat_node.routes()] + [[(c.title, f"/faq/bunya/{c.name}/") for c in d.cats]]] \
                if d.cats else None
            html = (f'<div class="contentFaqDoc">\n\n<div class="header">\n  <h1>{h(d.title)}</h1>'
                    f'<div class="publishedAt">{ymd_ja(d.published)}</div>\n</div>\n\n<div class="question">\n'
                    f'  <div class="header"><div class="pic"><h1>質問</h1></div></div>\n  {d.question}\n</div>\n\n'
                    f'<div class="body answer">\n  <div class="header"><div class="pic"><h1>回答</h1></div></div>\n  {d.body}\n'
                    '</div>\n\n\n\n\n\n\n\n<div class="back"><a href="javascript:history.back()">戻る</a></div>\n\n'
                    '<!-- end .contentFaqDoc --></div>\n')
            ctx = self.r.ctx_for(node, d.uri, title=d.title, item=d, crumbs=crumbs)
            self.page(ctx, html, "faq")

    # forms and the other modules
    def token(self, key: str) -> str:
        import base64, hashlib
        return base64.b64encode(hashlib.sha256(("joruri-demo:" + key).encode()).digest() * 2)[:88].decode()

    def form_open(self, action, multipart=False):
        enc = 'enctype="multipart/form-data" ' if multipart else ""
        return (f'<form {enc}action="{action}" accept-charset="UTF-8" method="post"><input name="utf8" type="hidden" '
                f'value="&#x2713;" /><input type="hidden" name="authenticity_token" value="{self.token(action)}" />')

    def node_Enquete_Form(self, node: Node):
        f = self.s.enquete_form
        if not f:
            return
        uri = node.uri
        html = (f'<div class="enqueteForms">\n\n\n<div class="form">\n  <h2 class="name">{link_to(h(f.get("name", "")), f"{uri}1/")}</h2>\n'
                f'  <div class="summary">{f.get("summary", "")}</div>\n</div>\n\n\n\n\n</div>\n')
        self.page(self.r.ctx_for(node), html, "form")
        cols = ""
        for i, c in enumerate(self.s.enquete_columns, 1):
            ctype = c.get("column_type")
            cls = camelize(ctype, first_upper=False)
            name, eid = f"item[col{i}]", f"item_col{i}"
            style = c.get("column_style") or ""
            opts = [o.strip() for o in (c.get("options") or "").split("\n") if o.strip()]
            if ctype == "text_field":
                tag = f'<input type="text" name="{name}" id="{eid}" class="{cls}" style="{h(style)}" />'
            elif ctype == "text_area":
                tag = f'<textarea name="{name}" id="{eid}" class="{cls}" style="{h(style)}" rows="2" cols="20">\n</textarea>'
            elif ctype == "select":
                tag = (f'<select name="{name}" id="{eid}" class="{cls}" style="{h(style)}"><option value=""></option>' +
                       "".join(f'<option value="{h(o)}" >{h(o)}</option>' for o in opts) + "</select>")
            elif ctype == "radio_button":
                tag = f'<div class="{cls}"' + (f' style="{h(style)}"' if style else "") + ">" + "".join(
                    f'<div class="element"><input type="radio" name="{name}" id="{eid}_{k}" value="{h(o)}" />'
                    f'<label for="{eid}_{k}">{h(o)}</label></div>' for k, o in enumerate(opts)) + "</div>"
            elif ctype == "check_box":
                tag = f'<div class="{cls}"' + (f' style="{h(style)}"' if style else "") + ">" + "".join(
                    f'<div class="element"><input name="{name}[{k}]" type="hidden" value="" /><input type="checkbox" '
                    f'value="{h(o)}" name="{name}[{k}]" id="{eid}_{k}" /><label for="{eid}_{k}">{h(o)}</label></div>'
                    for k, o in enumerate(opts)) + "</div>"
            else:
                tag = f'<input type="file" name="{name}" id="{eid}" />'
            req = "※" if c.get("required") == 1 else ""
            msg = f'<div class="body">{c.get("body")}</div>' if c.get("body") else ""
            cols += (f'\n  <div class="column">\n    <div class="name">{h(c.get("name", ""))} <span class="required">{req}</span></div>\n'
                     f'    {msg}\n    <div class="field">{tag}</div>\n  </div>\n  ')
        html = (f'<div class="enqueteForm">\n\n{self.form_open(f"{uri}1/", True)}\n\n\n\n<div class="form">\n'
                f'  <h2 class="name">{h(f.get("name", ""))}</h2>\n</div>\n\n\n\n<div class="body">{f.get("body", "")}</div>\n\n'
                f'<div class="columns">\n  {cols}\n\n  \n</div>\n\n\n  <div class="submitters">\n'
                '    <input type="submit" class="confirm" value="確認画面へ" />\n  </div>\n\n\n</form>\n\n'
                f'<div class="back">{link_to("戻る", uri)}</div>\n\n</div>\n')
        self.page(self.r.ctx_for(node, f"{uri}1/"), html, "form")

    def node_Newsletter_Form(self, node: Node):
        nl, uri = self.s.newsletter, node.uri
        name = next((c[2] for c in self.s.contents.values() if c[1] == "Newsletter::Doc"), node.title)
        html = (f'<div class="contentNewsletter contentNewsletterForms">\n\n{self.form_open(uri)}\n\n  \n'
                f'  <div class="summary">{nl.get("summary", "")}</div>\n  \n  \n  <h2 class="cornerTitle">{h(name)}の登録はこちら</h2>\n'
                f'  \n  \n  \n  \n  <div class="body">{nl.get("addition_body", "")}</div>\n  \n  \n'
                '  <div class="column columnEmail">\n    <div class="name">メールアドレス <span class="required">※</span></div>\n'
                '    <div class="field"><input class="email" type="text" name="item[email]" id="item_email" /></div>\n  </div>\n  \n'
                '  <div class="column columnLetterType">\n    <div class="name">メール種別 <span class="required">※</span></div>\n'
                '    <div class="field"><input type="hidden" name="item[letter_type]" value="" />'
                '<input type="radio" value="pc_text" name="item[letter_type]" id="item_letter_type_pc_text" />'
                '<label for="item_letter_type_pc_text">PC版(テキスト形式)</label>\n'
                '<input type="radio" value="mobile_text" name="item[letter_type]" id="item_letter_type_mobile_text" />'
                '<label for="item_letter_type_mobile_text">携帯版(テキスト形式)</label>\n</div>\n  </div>\n  \n  \n  \n'
                '  <div class="submitters">\n    <input type="submit" value="確認メールを送信する" />\n  </div>\n\n</form>\n\n'
                f'<div class="change">\n  {link_to("メールマガジンの解除はこちら", f"{uri}change.html")}\n</div>\n\n</div>\n')
        self.page(self.r.ctx_for(node), html, "form")
        html = (f'<div class="contentNewsletter contentNewsletterForms">\n\n{self.form_open(f"{uri}change.html")}\n\n  \n\n'
                f'  <h2 class="cornerTitle">{h(name)}の解除はこちら</h2>\n\n  \n  <div class="body">{nl.get("deletion_body", "")}</div>\n'
                '  \n\n  <div class="column columnEmail">\n    <div class="name">メールアドレス <span class="required">※</span></div>\n'
                '    <div class="field"><input class="email" type="text" name="item[email]" id="item_email" /></div>\n  </div>\n\n'
                '  \n  \n  <div class="submitters">\n    <input type="submit" value="確認メールを送信する" />\n  </div>\n\n</form>\n\n</div>\n')
        self.page(self.r.ctx_for(node, f"{uri}change.html"), html, "form")

    def node_Bbs_Thread(self, node: Node):
        uri = node.uri
        html = ('<div class="contentBbsThreads">\n\n\n\n<div class="entryForm">\n  <h2 class="formTitle">投稿フォーム</h2>\n'
                f'  {self.form_open(uri)}\n    \n\n<input type="hidden" name="item[parent_id]" id="item_parent_id" />\n'
                '<input type="hidden" name="item[thread_id]" id="item_thread_id" />\n\n<dl>\n  <dt>お名前</dt>\n'
                '  <dd><input class="text name" type="text" name="item[name]" id="item_name" /></dd>\n  <dt>タイトル</dt>\n'
                '  <dd><input class="text title" type="text" name="item[title]" id="item_title" /></dd>\n  <dt>本文</dt>\n'
                '  <dd><textarea class="body" name="item[body]" id="item_body">\n</textarea></dd>\n  \n  \n  \n  \n</dl>\n\n'
                '    <div class="submitters">\n      \n      <input type="submit" value="投稿する" />\n      \n    </div>\n'
                '  </form>\n</div>\n\n\n<div class="threads">\n  \n</div>\n\n\n\n\n\n</div>\n<script type="text/javascript">\n'
                '//<![CDATA[\nfunction controlSubmitting(bt) {\n  bt.disabled=true;\n  setTimeout(function(){ bt.disabled=false; }, 700);\n'
                '  bt.form.submit();\n}\n//]]>\n</script>\n')
        self.page(self.r.ctx_for(node), html, "bbs")

    def node_Calendar_Event(self, node: Node):
        today = self.site.today
        mn = dt.date(today.year, today.month, 1)
        mx = add_months(mn, 11)

        def month_page(d, uri):
            sdate, edate = d, add_months(d, 1)
            items = defaultdict(list)
            for e in self.site.events:
                if sdate <= e[0] < edate:
                    items[e[0]].append(("event", e))
            for doc in self.site.event_docs(sdate, edate):
                items[doc.event_date].append(("doc", doc))
            pag_prev = "/calendar/%d/%02d/" % (add_months(d, -1).year, add_months(d, -1).month) if add_months(d, -1) >= mn else None
            pag_next = "/calendar/%d/%02d/" % (edate.year, edate.month) if edate <= mx else None
            html = f'<div class="calendarEvents calendarMonthlyEvents">\n\n<h2>{d.year}年{d.month}月</h2>\n\n'
            html += Renderer.simple_pagination(pag_prev, pag_next, "&lt;前の月", "次の月&gt;", "pagination upperPagination")
            html += "\n\n"
            for day in self.site.month_days(d.year, d.month):
                if "Month" in day["class"]:
                    continue
                html += (f'\n<div class="date" id="day{"%02d" % day["d"]}">\n  <div class="{day["class"]}">\n'
                         f'    {day["d"]}日（{WDAYS[day["wday"]]}）\n  </div>\n  ')
                evs = items.get(day["date"], [])
                if evs or day["holiday"]:
                    html += '<ul class="events typeDateList">\n    '
                    if day["holiday"]:
                        html += f'<li class="holiday">{day["holiday"]}</li>'
                    for kind, ev in sorted(evs, key=lambda x: x[1][2] if x[0] == "event" else x[1].id):
                        label = link_to(h(ev.title), ev.uri) if kind == "doc" else h(ev[1])
                        html += f'\n    <li class="event">\n      \n        {label}\n        \n      \n    </li>\n    '
                    html += "\n  </ul>\n  "
                html += "\n</div>\n"
            html += "\n\n" + Renderer.simple_pagination(pag_prev, pag_next, "&lt;前の月", "次の月&gt;",
                                                         "pagination lowerPagination")
            html += "\n\n<!-- end .calendarEvents --></div>\n"
            ctx = self.r.ctx_for(node, uri, year=d.year, month=d.month, cal_min=mn, cal_max=mx)
            self.page(ctx, html, "calendar")

        def year_page(year):
            sdate, edate = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
            days = defaultdict(list)
            for e in self.site.events:
                if sdate <= e[0] < edate:
                    days[e[0]].append(h(e[1]))
            for doc in self.site.event_docs(sdate, edate):
                days[doc.event_date].append(link_to(h(doc.title), doc.uri))
            html = f'<div class="calendarEvents calendarYearlyEvents">\n\n<h2>{year}年</h2>\n\n'
            html += Renderer.simple_pagination(f"/calendar/{year - 1}/" if year - 1 >= mn.year else None,
                                               f"/calendar/{year + 1}/" if year + 1 <= mx.year else None,
                                               "&lt;前の年", "次の年&gt;", "pagination upperPagination") + "\n\n"
            specs = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            for day in sorted(days):
                wd = ruby_wday(day)
                hol = holiday(day.year, day.month, day.day, wd)
                cls = f"day {specs[wd]}" + (" holiday" if hol else "")
                html += (f'\n<div class="date">\n  <div class="{cls}">\n    {day.month}月{day.day}日（{WDAYS[wd]}）\n  </div>\n'
                         '  <ul class="events">\n    ' + (f'<li class="holiday">{hol}</li>' if hol else "") +
                         "".join(f'\n    <li class="event">\n      \n        {x}\n        \n      \n    </li>\n    '
                                 for x in days[day]) + "\n  </ul>\n</div>\n")
            if not days:
                html += '<div class="noEvents">　</div>'
            html += "\n\n" + Renderer.simple_pagination(f"/calendar/{year - 1}/" if year - 1 >= mn.year else None,
                                                         f"/calendar/{year + 1}/" if year + 1 <= mx.year else None,
                                                         "&lt;前の年", "次の年&gt;", "pagination lowerPagination")
            html += "\n\n<!-- end .calendarEvents --></div>\n"
            ctx = self.r.ctx_for(node, f"/calendar/{year}/", year=year, month=None, cal_min=mn, cal_max=mx)
            self.page(ctx, html, "calendar")

        month_page(mn, "/calendar/")
        for i in range(12):
            d = add_months(mn, i)
            if i == 0 or d.month == 1:
                year_page(d.year)
            month_page(d, "/calendar/%d/%02d/" % (d.year, d.month))

    def node_Portal_FeedEntry(self, node: Node):
        def render(chunk, pag):
            return ('<div class="contentPortalEntries">\n\n<div class="feed">\n'
                    '  <a class="feedRss" href="index.rss">RSS</a>\n  <a class="feedAtom" href="index.atom">Atom</a>\n'
                    f'</div>\n\n<div class="entries">{self.dated_list(chunk, lambda d: link_to(h(d.title), d.uri))}\n</div>\n\n'
                    f"{pag}\n\n</div>\n")
        self.paged(lambda uri: self.r.ctx_for(node, uri), self.site.docs, 50, render, "portal", node.uri)
        self.feeds(node.uri, node.title, self.site.docs[:50], node)

    def node_Portal_Category(self, node: Node):
        roots = sorted([c for c in self.s.portal_categories if c.level == 1], key=lambda c: c.sort)
        html = '<div class="contentPortalCategory">\n\n' + "".join(
            f'<div class="category category{camelize(c.name)}">\n  <h2>{link_to(h(c.title), f"{c.name}/")}</h2>\n  \n</div>'
            for c in roots) + "\n\n</div>\n"
        self.page(self.r.ctx_for(node), html, "portal")
        for c in self.s.portal_categories:
            c.extra["kind"] = "portal_category"
            cats, attrs = [], []
            for line in (c.extra.get("entry_categories") or "").split("\n"):
                kind, _, title = line.partition("/")
                if kind == "分野":
                    cats += [x for x in self.s.categories if x.title == title and x.level == 1][:1]
                elif kind == "属性":
                    attrs += [x for x in self.s.attributes if x.title == title]
            matched = set()
            if cats:
                matched |= {d.id for d in self.site.docs_in(cats=cats)}
            if attrs:
                matched |= {d.id for d in self.site.docs_in(attrs=attrs)}
            docs = [d for d in self.site.docs if d.id in matched]
            uri = f"{node.uri}{c.name}/"
            crumbs = [[(n.title, n.uri) for n in node.routes()] + [(c.title, uri)]]
            kw = dict(item=c, title=c.title, layout=c.layout, crumbs=crumbs)

            def render(chunk, pag):
                return ('<div class="contentPortalCategory contentPortalCategoryDate">\n\n<div class="feed">\n'
                        '  <a class="feedRss" href="index.rss">RSS</a>\n  <a class="feedAtom" href="index.atom">Atom</a>\n'
                        f'</div>\n\n<div class="entries">{self.dated_list(chunk, lambda d: link_to(h(d.title), d.uri))}\n'
                        f"</div>\n\n{pag}\n\n</div>\n")
            self.paged(lambda u: self.r.ctx_for(node, u, **kw), docs, 50, render, "portal", uri)
            self.feeds(uri, c.title, docs[:50], node)


# ----------------------------------------------------------------------------------------------------------------
# assets, sites.yaml, main

def copy_assets(src: Path, site_dir: Path):
    pub = src / "public"
    shutil.copytree(pub / "_common/themes/joruri.original", site_dir / "_common/themes/joruri")
    for rel in ["_common/js/jquery.min.js", "_common/js/jquery", "_common/js/joruri", "_common/modules", "_common/css",
                "_common/images", "404.html", "favicon.ico", "robots.txt"]:
        p = pub / rel
        if p.is_dir():
            shutil.copytree(p, site_dir / rel)
        elif p.exists():
            (site_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, site_dir / rel)


def yq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_sites_yaml(out: Path, site: Site):
    inq = site.s.inquiry_defaults or {}
    g = site.group_by_name.get("hisyokohoka")
    contact = f"{site.name} {g.parent.title if g else ''} {g.title if g else ''}（電話 {inq.get('tel', '')}）".replace("  ", " ")
    text = f"""# a11yaudit: the Joruri CMS demo site (ジョールリ市), built by bench/corpus/build_joruri.py — never commit the site.
version: 1

sites:
  - id: joruri
    name: {yq(site.name + "（Joruri CMS デモサイトの静的コピー）")}
    serve: {yq(str((out / 'site').resolve()))}
    origin: {site.origin}
    start_urls: ["/"]
    profile: jis2016+gov-style
    viewports: [pc, sp]
    crawl: {{max_pages: 500, delay: 0, concurrency: 2}}
    policy:
      name: {yq(site.name + "ウェブアクセシビリティ方針")}
      standard: JIS X 8341-3:2016
      level: AA
      degree: 一部準拠
      deadline: 2028-03-31
      statement_date: 2026-12-01
      technologies: [HTML, CSS, JavaScript]
      contact: {yq(contact)}
      scope:
        include:
          - {{prefix: /, reason: {yq(site.name + "ホームページ（CMSで作成・公開している全ページ）")}}}
        exclude:
          - {{prefix: /archive/, reason: 旧ホームページから移行していない過去のページ。移行の完了後に対象範囲へ加える}}
          - {{type: pdf, reason: PDFファイルは例外事項とし、問い合わせ先で内容を案内する}}
"""
    (out / "sites.yaml").write_text(text, encoding="utf-8")
    try:  # validate the YAML when PyYAML is around (a11yaudit's venv); the format is fixed above either way
        import yaml  # type: ignore
        yaml.safe_load(text)
    except ImportError:
        pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    ap.add_argument("--mirror", default=DEFAULT_MIRROR, help=f"bare git mirror of joruri/joruri-cms (default {DEFAULT_MIRROR})")
    ap.add_argument("--rev", default="HEAD", help="revision of the mirror to read (default HEAD)")
    ap.add_argument("--today", default="2026-11-20", help="the site's 'today' (publication dates, calendars)")
    ap.add_argument("--seed", type=int, default=20261120, help="random seed for the generated articles")
    ap.add_argument("--docs", type=int, default=52, help="articles added to the demo's own (default 52)")
    ap.add_argument("--faq-docs", type=int, default=5, help="FAQ entries added to the demo's own (max 12)")
    ap.add_argument("--origin", default=DEFAULT_ORIGIN, help="the site's logical origin (feeds, sites.yaml)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    out = Path(args.outdir).resolve()
    repo = Path(__file__).resolve().parents[2]
    if out == repo or repo in out.parents:
        sys.exit(f"build_joruri: refusing to write inside the repository ({repo}); the generated site is never committed")
    site_dir = out / "site"
    if site_dir.exists():
        if not (site_dir / MARKER).exists():
            sys.exit(f"build_joruri: {site_dir} exists and was not made by this script; remove it or choose another OUTDIR")
        shutil.rmtree(site_dir)
    site_dir.mkdir(parents=True)
    (site_dir / MARKER).write_text("generated by bench/corpus/build_joruri.py\n")

    with tempfile.TemporaryDirectory(prefix="joruri-src-") as tmp:
        src = Path(tmp)
        commit = extract_mirror(args.mirror, args.rev, src)
        seed = Seed(src)
        today = dt.date.fromisoformat(args.today)
        site = Site(seed, today, random.Random(args.seed), args.origin, args.docs, min(args.faq_docs, len(FAQ_TOPICS)))
        pub = Publisher(site, Renderer(site, site_dir), site_dir)
        pub.publish()
        copy_assets(src, site_dir)

    write_sites_yaml(out, site)
    html_kinds = {k: v for k, v in sorted(pub.kinds.items()) if k not in ("feed", "layout-css") and not k.startswith("attachment")}
    manifest = {
        "source": {"mirror": args.mirror, "commit": commit, "licence": "Joruri CMS, GNU GPL v3 (see COPYING in the mirror)"},
        "today": args.today, "seed": args.seed, "origin": site.origin,
        "html_pages": sum(html_kinds.values()), "html_by_kind": html_kinds,
        "other_files": {k: v for k, v in sorted(pub.kinds.items()) if k not in html_kinds},
        "articles": len(site.docs), "faq": len(site.faq_docs), "broken_links": site.broken,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"build_joruri: {manifest['html_pages']} HTML pages from joruri-cms {commit[:10]} in {site_dir} "
          f"({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    for k, v in html_kinds.items():
        print(f"  {k:16} {v}", file=sys.stderr)
    print(out / "sites.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
