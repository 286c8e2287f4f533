#!/usr/bin/env python3
"""Build a static copy of the SHIRASAGI CMS demo municipal site (シラサギ市) from a local git mirror.

The site is "a site nobody on the team wrote": every layout, part, folder (node), page body, form, theme file and
demo article comes from SHIRASAGI's own demo seed (`db/seeds/demo`, loaded through its `load.rb`, plus the groups
of `db/seeds/ss/users.rb`), its compiled public assets (`public/assets`) and its Japanese locale, read from the mirror
at run time (nothing of SHIRASAGI is stored in this repository). The seed's Ruby is run by a small interpreter for the
subset of Ruby it is written in (save_layout / save_part / save_node / save_page ... are provided here), and the pages
are composed the way SHIRASAGI composes them (Cms::PublicFilter::Layout#render_layout and layouts/cms/page.html.erb:
`{{ part "..." }}` / `</ part "..." />` placeholders, `{{ yield }}`, `#{page_name}`-style template variables,
`#{if in_node('...')}` conditional tags, body class/id, the head with SS.config) with ports of the public views of
the cms, article, category, faq, event, facility, inquiry, ezine, lsorg, garbage and member modules, including their
`#{...}` loop templates and Liquid loops (a small Liquid engine is included).

Like a SHIRASAGI site that has been running for a while, the demo's articles are joined by a few dozen more (the demo
bodies reused, with titles, dates, categories and contacts of our own), published the way SHIRASAGI's generator
writes them: `index.html`, `index.pN.html` paging, `rss.xml` feeds, attachments under `/fs/<id digits>/_/` linked
as the editor inserts them (「申込書 (PDF 125KB)」), and a few editor links to pages that no longer exist (404).
Pages SHIRASAGI answers dynamically (the event calendar's months and days, archives, searches, forms, ajax parts'
JSON) are written as the response to a plain GET, for the periods the site's own navigation reaches. Pages no link
reaches are left out, as in a copy made by crawling the live site.

Usage:  python3 bench/corpus/build_shirasagi.py [OUTDIR] [--mirror PATH] [--today YYYY-MM-DD] [--seed N]
Output: OUTDIR/site/ (the static root), OUTDIR/sites.yaml (for a11yaudit), OUTDIR/manifest.json.
Python 3.11; standard library plus PyYAML (SHIRASAGI's locale files). Deterministic for a given mirror revision,
--today and --seed.
"""

from __future__ import annotations

import argparse
import calendar as pycal
import datetime as dt
import html as htmllib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


def add_months(d, n: int):
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return d.replace(year=y, month=m, day=min(d.day, pycal.monthrange(y, m)[1]))


def extract_mirror(mirror: str, rev: str, dest: Path, paths: list[str]) -> str:
    """Copies `paths` of the mirror at `rev` into dest (git ls-tree + cat-file --batch: a blob the mirror does not
    have, e.g. one of the larger images, is skipped instead of failing the whole archive)."""
    git = ["git", f"--git-dir={mirror}"]
    try:
        commit = subprocess.run(git + ["rev-parse", rev + "^{commit}"], check=True, capture_output=True,
                                text=True).stdout.strip()
        listing = subprocess.run(git + ["ls-tree", "-r", "-z", commit, "--"] + paths, check=True,
                                 capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", b"") or b""
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
        sys.exit(f"build_shirasagi: cannot read the SHIRASAGI mirror {mirror}: {e} {err}")
    entries = []
    for rec in listing.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, typ, sha = meta.split()
        if typ == b"blob" and mode != b"120000":
            entries.append((sha.decode(), path.decode()))
    proc = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing = []
    feeder_data = "".join(sha + "\n" for sha, _ in entries).encode()

    import threading
    t = threading.Thread(target=lambda: (proc.stdin.write(feeder_data), proc.stdin.close()), daemon=True)
    t.start()
    out = proc.stdout
    for sha, path in entries:
        header = out.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            missing.append(path)
            continue
        size = int(header[2])
        data = out.read(size)
        out.read(1)
        p = dest / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    t.join()
    proc.wait()
    return commit, missing
# ----------------------------------------------------------------------------------------------------------------
# a small interpreter for the subset of Ruby the demo seed files are written in

class RubyError(Exception):
    pass


class Opaque:
    """Anything the seeds compute that the static copy does not need (ActiveRecord calls, Rails, ...): every method
    call or attribute of an Opaque is another Opaque."""
    __slots__ = ("desc",)

    def __init__(self, desc=""):
        self.desc = desc

    def __repr__(self):
        return f"<opaque {self.desc}>"

    def __str__(self):
        return ""


class RubyRegex:
    def __init__(self, pattern: str, flags: str = ""):
        self.source = pattern
        fl = (re.I if "i" in flags else 0) | (re.S if "m" in flags else 0) | (re.X if "x" in flags else 0)
        self.re = re.compile(pattern, fl | re.M)

    def match(self, s) -> bool:
        return isinstance(s, str) and self.re.search(s) is not None


class Sym(str):
    """A Ruby symbol (compares equal to the string, as Rails' indifferent hashes do)."""


_TOKEN_RE = re.compile(r"""
    (?P<nl>\n)
  | (?P<ws>[ \t\r]+|\\\n)
  | (?P<comment>\#[^\n]*)
  | (?P<num>\d[\d_]*(?:\.\d+)?)
  | (?P<ivar>@@?[A-Za-z_]\w*)
  | (?P<gvar>\$[A-Za-z_]\w*)
  | (?P<label>[A-Za-z_]\w*[?!]?:(?!:))
  | (?P<ident>[A-Za-z_]\w*[?!]?)
  | (?P<sym>:[A-Za-z_]\w*[?!=]?)
  | (?P<op>\*\*|\|\|=|&&=|\+=|-=|<<=|\|\||&&|==|!=|=~|!~|=>|<=>|<=|>=|<<|::|\.\.\.?|&\.|[-+*/%=<>!.,()\[\]{}|&?:;~^])
""", re.X)

KEYWORDS = {"do", "end", "if", "unless", "else", "elsif", "then", "def", "nil", "true", "false", "and", "or",
            "not", "rescue", "begin", "ensure", "case", "when", "while", "until", "return", "next", "break",
            "self", "yield", "class", "module", "in"}


@dataclass
class Tok:
    kind: str
    val: object
    sp: bool = False   # whitespace before the token
    line: int = 0


def _read_string(src: str, i: int, quote: str, closer: str | None = None, interp: bool = True):
    """Returns (parts, new_index): parts is a list of str and ('expr', source) tuples."""
    closer = closer or quote
    parts, buf, depth = [], [], 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            n = src[i + 1] if i + 1 < len(src) else ""
            if interp:
                buf.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0", "s": " ", "e": "\x1b"}.get(n, n))
            else:
                buf.append(n if n in (quote, closer, "\\") else "\\" + n)
            i += 2
            continue
        if closer != quote and c == quote:
            depth += 1
        elif c == closer:
            if depth == 0:
                break
            depth -= 1
        if interp and c == "#" and src[i + 1:i + 2] == "{":
            j, d = i + 2, 1
            while j < len(src) and d:
                if src[j] == "{":
                    d += 1
                elif src[j] == "}":
                    d -= 1
                j += 1
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(("expr", src[i + 2:j - 1]))
            i = j
            continue
        buf.append(c)
        i += 1
    if buf or not parts:
        parts.append("".join(buf))
    return parts, i + 1


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, line, sp = 0, 1, True
    pairs = {"(": ")", "[": "]", "{": "}", "<": ">", "|": "|"}
    while i < len(src):
        c = src[i]
        if c == "=" and (i == 0 or src[i - 1] == "\n") and src.startswith("=begin", i):
            j = src.find("\n=end", i)
            i = len(src) if j < 0 else src.find("\n", j + 1) % (len(src) + 1) or len(src)
            continue
        prev = toks[-1] if toks else None
        if c == "/" and (prev is None or prev.kind in ("nl", "label", "kw") or
                         (prev.kind == "op" and prev.val not in (")", "]", "}")) or
                         (prev.kind == "ident" and sp and src[i + 1:i + 2] not in (" ", "="))):
            j = i + 1
            buf = []
            while j < len(src) and src[j] != "/":
                if src[j] == "\\":
                    buf.append(src[j:j + 2])
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            j += 1
            flags = ""
            while j < len(src) and src[j] in "imxo":
                flags += src[j]
                j += 1
            pat = "".join(buf).replace("\\/", "/").replace("\\A", "^").replace("\\z", "$").replace("\\Z", "$")
            toks.append(Tok("regex", (pat, flags), sp, line))
            i, sp = j, False
            continue
        if c in "\"'":
            parts, i = _read_string(src, i + 1, c, interp=(c == '"'))
            if src[i:i + 1] == ":" and src[i + 1:i + 2] != ":":   # "key": value
                toks.append(Tok("label", "".join(p for p in parts if isinstance(p, str)), sp, line))
                i += 1
            else:
                toks.append(Tok("str", parts, sp, line))
            sp = False
            continue
        if c == "%" and i + 2 < len(src) and (src[i + 1] in "wWiIqQ" and src[i + 2] in pairs or src[i + 1] in "([{"):
            if src[i + 1] in pairs:
                kind, opener, j = "Q", src[i + 1], i + 2
            else:
                kind, opener, j = src[i + 1], src[i + 2], i + 3
            closer = pairs[opener]
            parts, i = _read_string(src, j, opener, closer, interp=kind in "WIQ")
            if kind in "wWiI":
                text = "".join(p for p in parts if isinstance(p, str))
                toks.append(Tok("words", text.split(), sp, line))
            else:
                toks.append(Tok("str", parts, sp, line))
            sp = False
            continue
        m = _TOKEN_RE.match(src, i)
        if not m:
            raise RubyError(f"line {line}: cannot read {src[i:i + 20]!r}")
        kind = m.lastgroup
        text = m.group(0)
        i = m.end()
        if kind == "ws":
            sp = True
            line += text.count("\n")
            continue
        if kind == "comment":
            sp = True
            continue
        if kind == "nl":
            toks.append(Tok("nl", "\n", sp, line))
            line += 1
            sp = True
            continue
        if kind == "num":
            val = float(text.replace("_", "")) if "." in text else int(text.replace("_", ""))
            toks.append(Tok("num", val, sp, line))
        elif kind == "label":
            toks.append(Tok("label", text[:-1], sp, line))
        elif kind == "ident":
            toks.append(Tok("kw" if text in KEYWORDS else ("const" if text[0].isupper() else "ident"), text, sp, line))
        elif kind == "sym":
            toks.append(Tok("sym", text[1:], sp, line))
        elif kind == "op" and text == ":" and src[i:i + 1] in "\"'":
            parts, i = _read_string(src, i + 1, src[i], interp=False)
            toks.append(Tok("sym", "".join(p for p in parts if isinstance(p, str)), sp, line))
        else:
            toks.append(Tok(kind, text, sp, line))
        sp = False
    toks.append(Tok("eof", None, True, line))
    return toks


# AST nodes are tuples: (kind, ...)

class Parser:
    BINARY = [  # lowest first
        ("||", "or"), ("&&", "and"), ("==", "!=", "=~", "!~", "<=>"), ("<", ">", "<=", ">="), ("|", "^"), ("&",),
        ("<<",), ("+", "-"), ("*", "/", "%"), ("**",),
    ]
    ARG_START = {"str", "num", "ivar", "gvar", "ident", "const", "sym", "label", "words", "regex"}

    def __init__(self, toks: list[Tok]):
        self.t, self.i = toks, 0
        self.locals: set[str] = set()

    # -- helpers
    def peek(self, k=0) -> Tok:
        return self.t[min(self.i + k, len(self.t) - 1)]

    def next(self) -> Tok:
        tok = self.t[self.i]
        self.i += 1
        return tok

    def at(self, kind, val=None, k=0) -> bool:
        tok = self.peek(k)
        return tok.kind == kind and (val is None or tok.val == val)

    def at_op(self, *vals) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.val in vals

    def at_kw(self, *vals) -> bool:
        tok = self.peek()
        return tok.kind == "kw" and tok.val in vals

    def expect_op(self, val):
        tok = self.next()
        if tok.kind != "op" or tok.val != val:
            raise RubyError(f"line {tok.line}: expected {val!r}, got {tok.val!r}")
        return tok

    def skip_nl(self):
        while self.peek().kind == "nl" or self.at_op(";"):
            self.i += 1

    # -- statements
    def program(self):
        return self.stmts(("eof",))

    def stmts(self, enders):
        out = []
        while True:
            self.skip_nl()
            tok = self.peek()
            if tok.kind == "eof" or (tok.kind == "kw" and tok.val in enders) or (tok.kind == "op" and tok.val in enders):
                return out
            out.append(self.stmt())

    def stmt(self):
        if self.at_kw("def"):
            self.skip_block()
            return ("nil",)
        if self.at_kw("if", "unless", "while", "until"):
            kw = self.next().val
            cond = self.expr()
            if self.at_kw("then"):
                self.next()
            body = self.stmts(("end", "else", "elsif"))
            orelse = []
            while self.at_kw("elsif", "else"):
                if self.next().val == "elsif":
                    c2 = self.expr()
                    b2 = self.stmts(("end", "else", "elsif"))
                    orelse = [("if", c2, b2, [])] if not orelse else orelse + [("if", c2, b2, [])]
                else:
                    orelse = self.stmts(("end",))
            self.next()  # end
            if kw in ("while", "until"):
                return ("nil",)
            if kw == "unless":
                cond = ("not", cond)
            return ("if", cond, body, orelse)
        if self.at_kw("case", "begin", "class", "module"):
            self.skip_block()
            return ("nil",)
        node = self.expr_stmt()
        while self.at_kw("if", "unless", "rescue", "while"):
            kw = self.next().val
            other = self.expr_stmt()
            if kw == "if":
                node = ("if", other, [node], [])
            elif kw == "unless":
                node = ("if", ("not", other), [node], [])
            elif kw == "rescue":
                node = ("rescue", node, other)
            else:
                node = ("nil",)
        return node

    def skip_block(self):
        """Skips `def/case/begin/class ... end` (nested do/if/... blocks included)."""
        depth = 0
        start_of_stmt = True
        while True:
            tok = self.next()
            if tok.kind == "eof":
                raise RubyError("unterminated block")
            if tok.kind == "kw":
                if tok.val in ("def", "case", "begin", "class", "module", "do") or \
                        (tok.val in ("if", "unless", "while", "until") and start_of_stmt):
                    depth += 1
                elif tok.val == "end":
                    depth -= 1
                    if depth == 0:
                        return
            start_of_stmt = tok.kind == "nl" or (tok.kind == "op" and tok.val in (";", "=", "(")) or \
                (tok.kind == "kw" and tok.val in ("then", "else", "do"))

    def expr_stmt(self):
        node = self.not_expr()
        while self.at_kw("and", "or"):
            op = self.next().val
            self.skip_nl()
            node = ("and" if op == "and" else "or", node, self.not_expr())
        return node

    def not_expr(self):
        if self.at_kw("not"):
            self.next()
            return ("not", self.not_expr())
        return self.expr()

    def expr(self):
        # assignment?
        start = self.i
        tok = self.peek()
        if tok.kind in ("ident", "ivar", "gvar", "const"):
            lhs = self.postfix(self.primary())
            if self.at_op("=", "||=", "&&=", "+=", "-=", "<<="):
                op = self.next().val
                self.skip_nl()
                if self.at_kw("if", "case", "begin"):
                    rhs = self.stmt()
                else:
                    rhs = self.expr()
                    if self.at_op(",") and op == "=" and lhs[0] in ("lvar", "call0"):   # a = b, c
                        items = [rhs]
                        while self.at_op(","):
                            self.next()
                            self.skip_nl()
                            items.append(self.expr())
                        rhs = ("array", items)
                if lhs[0] == "call0":
                    lhs = ("lvar", lhs[1])
                if lhs[0] == "lvar":
                    self.locals.add(lhs[1])
                return ("assign", lhs, op, rhs)
            self.i = start
        return self.ternary()

    def ternary(self):
        cond = self.binary(0)
        if self.at_op("?"):
            self.next()
            self.skip_nl()
            a = self.ternary()
            self.skip_nl()
            self.expect_op(":")
            self.skip_nl()
            b = self.ternary()
            return ("if", cond, [a], [b])
        if self.at_op("..", "..."):
            op = self.next().val
            return ("range", cond, self.binary(0), op == "...")
        return cond

    def binary(self, level):
        if level >= len(self.BINARY):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.val in self.BINARY[level]:
                # `foo *args` / `foo -1` ambiguity is irrelevant for the seeds
                self.next()
                self.skip_nl()
                node = ("binop", tok.val, node, self.binary(level + 1))
            else:
                return node

    def unary(self):
        if self.at_op("!"):
            self.next()
            return ("not", self.unary())
        if self.at_op("-"):
            self.next()
            return ("neg", self.unary())
        if self.at_op("*", "&", "**"):   # splat / block-pass
            op = self.next().val
            return ("splat" if op == "*" else ("blockpass" if op == "&" else "dsplat"), self.unary())
        return self.postfix(self.primary())

    def primary(self):
        tok = self.next()
        k, v = tok.kind, tok.val
        if k == "num":
            return ("lit", v)
        if k == "regex":
            return ("lit", RubyRegex(*v))
        if k == "str":
            node = self.strnode(v)
            while self.peek().kind == "str" and self.peek().sp:   # "a" "b" adjacent literals
                node = ("binop", "+", node, self.strnode(self.next().val))
            return node
        if k == "words":
            return ("lit", list(v))
        if k == "sym":
            return ("lit", Sym(v))
        if k == "ivar":
            return ("ivar", v)
        if k == "gvar":
            return ("lit", Opaque(v))
        if k == "kw":
            if v == "nil":
                return ("lit", None)
            if v == "true":
                return ("lit", True)
            if v == "false":
                return ("lit", False)
            if v == "self":
                return ("lit", Opaque("self"))
            if v in ("return", "next", "break", "yield"):
                if self.peek().kind not in ("nl", "eof") and not self.at_op(";") and not self.at_kw("end", "if", "unless"):
                    self.expr()
                return ("lit", None)
            raise RubyError(f"line {tok.line}: unexpected keyword {v}")
        if k == "const":
            node = ("const", v)
            while self.at_op("::"):
                self.next()
                node = ("const", node[1] + "::" + self.next().val)
            if self.at_op("[") and not self.peek().sp:
                return node
            return node
        if k == "ident":
            if v in self.locals and not (self.at_op("(") and not self.peek().sp):
                return ("lvar", v)
            # method call with or without parens
            if self.at_op("(") and not self.peek().sp:
                args, block = self.paren_args()
                return ("call", None, v, args, block)
            if self.command_arg_start():
                args = self.command_args()
                block = self.block_opt()
                return ("call", None, v, args, block)
            block = self.block_opt()
            if block:
                return ("call", None, v, [], block)
            return ("call0", v)
        if k == "label":   # bare `key: value` list as the only argument (in brackets)
            self.i -= 1
            return ("hash", self.hash_pairs_until(None))
        if k == "op":
            if v == "(":
                self.skip_nl()
                if self.at_op(")"):
                    self.next()
                    return ("lit", None)
                body = []
                while True:
                    body.append(self.stmt())
                    self.skip_nl()
                    if self.at_op(")"):
                        self.next()
                        break
                return ("seq", body)
            if v == "[":
                items = self.list_until("]")
                return ("array", items)
            if v == "{":
                return ("hash", self.hash_pairs_until("}"))
            if v == "->":
                raise RubyError("lambda")
            if v == "::":
                return ("const", self.next().val)
        raise RubyError(f"line {tok.line}: unexpected {v!r}")

    def strnode(self, parts):
        out = []
        for p in parts:
            if isinstance(p, tuple):
                sub = Parser(tokenize(p[1]))
                sub.locals = self.locals
                out.append(("seq", sub.program()))
            else:
                out.append(("lit", p))
        return ("dstr", out)

    def command_arg_start(self) -> bool:
        tok = self.peek()
        if not tok.sp or tok.kind in ("nl", "eof"):
            return False
        if tok.kind in self.ARG_START:
            return True
        if tok.kind == "op" and tok.val in ("[", "->", "::"):
            return True
        if tok.kind == "op" and tok.val in ("*", "&", "-", "!", ":") and not self.peek(1).sp:
            return True
        if tok.kind == "kw" and tok.val in ("nil", "true", "false", "self", "not"):
            return True
        return False

    def list_until(self, closer):
        items = []
        self.skip_nl()
        while not self.at_op(closer):
            if self.peek().kind == "label":
                items.append(("hash", self.hash_pairs_until(closer)))
                return items
            items.append(self.arg_expr())
            self.skip_nl()
            if self.at_op(","):
                self.next()
                self.skip_nl()
        self.expect_op(closer)
        return items

    def arg_expr(self):
        node = self.expr()
        if self.at_op("=>"):
            # hash without braces as the last argument
            self.next()
            self.skip_nl()
            pairs = [(node, self.expr())]
            while self.at_op(","):
                save = self.i
                self.next()
                self.skip_nl()
                if self.at_op(")") or self.at_op("]"):
                    break
                if self.peek().kind == "label":
                    pairs += self.hash_pairs_until(None)
                    break
                k = self.expr()
                if not self.at_op("=>"):
                    self.i = save
                    break
                self.next()
                self.skip_nl()
                pairs.append((k, self.expr()))
            return ("hash", pairs)
        return node

    def hash_pairs_until(self, closer):
        pairs = []
        self.skip_nl()
        while True:
            if closer and self.at_op(closer):
                self.next()
                return pairs
            tok = self.peek()
            if tok.kind == "label":
                self.next()
                self.skip_nl()
                if self.at_op(",") or (closer and self.at_op(closer)):   # shorthand `key:` (Ruby 3.1)
                    pairs.append((("lit", Sym(tok.val)), ("lvar", tok.val)))
                else:
                    pairs.append((("lit", Sym(tok.val)), self.expr()))
            elif tok.kind == "op" and tok.val == "**":
                self.next()
                pairs.append((None, self.unary()))
            else:
                k = self.expr()
                self.skip_nl()
                self.expect_op("=>")
                self.skip_nl()
                pairs.append((k, self.expr()))
            if closer:
                self.skip_nl()
            if self.at_op(","):
                self.next()
                if closer:
                    self.skip_nl()
                else:
                    self.skip_nl()
                    if self.peek().kind not in ("label",) and not self.starts_hash_key():
                        return pairs
                continue
            if not closer:
                return pairs

    def starts_hash_key(self):
        # `"key" => value` continuation of a braceless hash
        save = self.i
        try:
            self.primary()
            return self.at_op("=>")
        except RubyError:
            return False
        finally:
            self.i = save

    def paren_args(self):
        self.expect_op("(")
        args = self.list_until(")")
        return args, self.block_opt()

    def command_args(self):
        args = []
        while True:
            if self.peek().kind == "label":
                args.append(("hash", self.hash_pairs_until(None)))
                break
            args.append(self.arg_expr())
            if self.at_op(","):
                self.next()
                self.skip_nl()
                continue
            break
        return args

    def block_opt(self):
        if self.at_kw("do"):
            self.next()
            params = self.block_params()
            body = self.stmts(("end",))
            self.next()
            return ("block", params, body)
        if self.at_op("{"):
            self.next()
            params = self.block_params()
            body = self.stmts(("}",))
            self.expect_op("}")
            return ("block", params, body)
        return None

    def block_params(self):
        self.skip_nl() if False else None
        params = []
        if self.at_op("|"):
            self.next()
            while not self.at_op("|"):
                tok = self.next()
                if tok.kind == "ident":
                    params.append(tok.val)
                    self.locals.add(tok.val)
            self.next()
        return params

    def postfix(self, node):
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.val in (".", "&.") or (tok.kind == "nl" and self.next_line_starts_with_dot()):
                if tok.kind == "nl":
                    self.skip_nl()
                self.next()
                self.skip_nl()
                name_tok = self.next()
                name = name_tok.val
                if name_tok.kind == "label":   # a.b: c — never in the seeds
                    raise RubyError("label after dot")
                if self.at_op("(") and not self.peek().sp:
                    args, block = self.paren_args()
                elif self.at_op("=") and not self.at_op("=="):
                    return ("attr", node, name)
                elif self.command_arg_start() and name_tok.kind in ("ident", "const"):
                    args = self.command_args()
                    block = self.block_opt()
                else:
                    args, block = [], self.block_opt()
                node = ("call", node, name, args, block)
            elif tok.kind == "op" and tok.val == "[" and not tok.sp:
                self.next()
                node = ("index", node, self.list_until("]"))
            elif tok.kind == "op" and tok.val == "::":
                self.next()
                node = ("call", node, self.next().val, [], None)
            else:
                return node

    def next_line_starts_with_dot(self):
        j = self.i
        while self.t[j].kind == "nl":
            j += 1
        return self.t[j].kind == "op" and self.t[j].val in (".", "&.")


class RubyBlock:
    def __init__(self, interp, params, body, env):
        self.interp, self.params, self.body, self.env = interp, params, body, env

    def __call__(self, *args):
        env = self.env
        saved = {p: env.get(p) for p in self.params}
        if len(self.params) > 1 and len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        for p, a in zip(self.params, args):
            env[p] = a
        try:
            res = None
            for st in self.body:
                res = self.interp.eval(st, env)
            return res
        finally:
            for p, v in saved.items():
                env[p] = v


class Interp:
    """Evaluates the AST. `host` supplies the seed helpers (save_page, g, ...), ivars and method calls on records."""

    def __init__(self, host):
        self.host = host
        self.ivars: dict = {}

    def run(self, src: str, env: dict | None = None):
        env = {} if env is None else env
        p = Parser(tokenize(src))
        prog = p.program()
        res = None
        for st in prog:
            try:
                res = self.eval(st, env)
            except (RubyError, OSError, KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
                self.host.warn(f"skipped a statement: {type(e).__name__} {e}")
        return res

    def truthy(self, v):
        return v is not None and v is not False and not isinstance(v, Opaque)

    def eval(self, n, env):
        k = n[0]
        if k == "lit":
            v = n[1]
            return list(v) if isinstance(v, list) else v
        if k == "dstr":
            return "".join(self.to_s(self.eval(p, env)) for p in n[1])
        if k == "seq":
            res = None
            for st in n[1]:
                res = self.eval(st, env)
            return res
        if k == "nil":
            return None
        if k == "array":
            out = []
            for it in n[1]:
                if it[0] == "splat":
                    v = self.eval(it[1], env)
                    out.extend(v if isinstance(v, list) else [v])
                else:
                    out.append(self.eval(it, env))
            return out
        if k == "hash":
            d = {}
            for key, val in n[1]:
                if key is None:
                    v = self.eval(val, env)
                    if isinstance(v, dict):
                        d.update(v)
                    continue
                d[self.hkey(self.eval(key, env))] = self.eval(val, env)
            return d
        if k == "lvar":
            if n[1] in env:
                return env[n[1]]
            return self.host.call(None, n[1], [], None, self, env)
        if k == "call0":
            if n[1] in env:
                return env[n[1]]
            return self.host.call(None, n[1], [], None, self, env)
        if k == "ivar":
            return self.ivars.get(n[1])
        if k == "const":
            return self.host.const(n[1])
        if k == "assign":
            _, lhs, op, rhs = n
            if op == "||=":
                cur = self.eval(lhs, env) if lhs[0] != "lvar" or lhs[1] in env else None
                if self.truthy(cur) and not isinstance(cur, Opaque):
                    return cur
                val = self.eval(rhs, env)
            elif op == "&&=":
                cur = self.eval(lhs, env)
                if not self.truthy(cur):
                    return cur
                val = self.eval(rhs, env)
            elif op in ("+=", "-=", "<<="):
                val = self.binop(op[:-1], self.eval(lhs, env), self.eval(rhs, env))
            else:
                val = self.eval(rhs, env)
            self.store(lhs, val, env)
            return val
        if k == "if":
            branch = n[2] if self.truthy(self.eval(n[1], env)) else n[3]
            res = None
            for st in branch:
                res = self.eval(st, env)
            return res
        if k == "not":
            return not self.truthy(self.eval(n[1], env))
        if k == "and":
            a = self.eval(n[1], env)
            return self.eval(n[2], env) if self.truthy(a) else a
        if k == "or":
            a = self.eval(n[1], env)
            return a if self.truthy(a) else self.eval(n[2], env)
        if k == "neg":
            v = self.eval(n[1], env)
            return -v if isinstance(v, (int, float)) else Opaque("neg")
        if k == "rescue":
            try:
                return self.eval(n[1], env)
            except (RubyError, OSError, KeyError, IndexError, TypeError, ValueError, AttributeError):
                return self.eval(n[2], env)
        if k == "binop":
            op = n[1]
            if op == "||":
                a = self.eval(n[2], env)
                return a if self.truthy(a) else self.eval(n[3], env)
            if op == "&&":
                a = self.eval(n[2], env)
                return self.eval(n[3], env) if self.truthy(a) else a
            a = self.eval(n[2], env)
            b = self.eval(n[3], env)
            if op == "<<" and isinstance(a, list):
                a.append(b)
                return a
            return self.binop(op, a, b)
        if k == "range":
            a, b = self.eval(n[1], env), self.eval(n[2], env)
            if isinstance(a, int) and isinstance(b, int):
                return list(range(a, b if n[3] else b + 1))
            return Opaque("range")
        if k == "index":
            recv = self.eval(n[1], env)
            args = []
            for a in n[2]:
                v = self.eval(a, env)
                if a[0] == "splat" and isinstance(v, list):
                    args.extend(v)
                else:
                    args.append(v)
            return self.host.index(recv, args, self)
        if k == "attr":
            return ("attrref", self.eval(n[1], env), n[2])
        if k == "call":
            _, recv_n, name, arg_ns, block_n = n
            recv = self.eval(recv_n, env) if recv_n is not None else None
            args = []
            for a in arg_ns:
                if a[0] == "splat":
                    v = self.eval(a[1], env)
                    args.extend(v if isinstance(v, list) else [v])
                elif a[0] == "blockpass":
                    sym = self.eval(a[1], env)
                    block_n = ("symproc", sym)
                else:
                    args.append(self.eval(a, env))
            block = None
            if block_n is not None:
                if block_n[0] == "symproc":
                    sym = block_n[1]
                    block = lambda x, _s=sym: self.send(x, str(_s), [], None, env)
                else:
                    block = RubyBlock(self, block_n[1], block_n[2], env)
            if recv_n is None:
                return self.host.call(None, name, args, block, self, env)
            return self.send(recv, name, args, block, env)
        if k in ("splat", "blockpass", "dsplat"):
            return self.eval(n[1], env)
        raise RubyError(f"cannot evaluate {k}")

    def hkey(self, k):
        return str(k) if isinstance(k, Sym) else k

    def store(self, lhs, val, env):
        if lhs[0] == "lvar":
            env[lhs[1]] = val
        elif lhs[0] == "ivar":
            self.host.set_ivar(lhs[1], val, self)
        elif lhs[0] == "index":
            recv = self.eval(lhs[1], env)
            keys = [self.eval(a, env) for a in lhs[2]]
            if isinstance(recv, (dict, list)) and keys:
                recv[self.hkey(keys[0])] = val
        elif lhs[0] == "attr":
            recv = self.eval(lhs[1], env)
            self.host.set_attr(recv, lhs[2], val)
        elif lhs[0] == "call" and not lhs[3]:
            recv = self.eval(lhs[1], env) if lhs[1] else None
            self.host.set_attr(recv, lhs[2], val)

    def to_s(self, v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(repr(x) for x in v) + "]"
        return str(v)

    def binop(self, op, a, b):
        if isinstance(a, Opaque) or isinstance(b, Opaque):
            return Opaque(f"binop {op}")
        try:
            if op == "+":
                if isinstance(a, str) and isinstance(b, str):
                    return a + b
                if isinstance(a, list) and isinstance(b, list):
                    return a + b
                return self.host.add(a, b)
            if op == "-":
                if isinstance(a, list):
                    return [x for x in a if x not in b]
                return self.host.add(a, -b) if isinstance(b, (int, float)) else a - b
            if op == "*":
                if isinstance(a, str) and isinstance(b, int):
                    return a * b
                if isinstance(a, list) and isinstance(b, str):
                    return b.join(self.to_s(x) for x in a)
                return a * b
            if op == "/":
                return a // b if isinstance(a, int) and isinstance(b, int) else a / b
            if op == "%":
                return a % b
            if op == "==":
                return a == b
            if op == "!=":
                return a != b
            if op in ("<", ">", "<=", ">="):
                return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
            if op == "<<":
                if isinstance(a, str):
                    return a + self.to_s(b)
            if op in ("=~", "!~"):
                m = b.match(a) if isinstance(b, RubyRegex) else (a.match(b) if isinstance(a, RubyRegex) else False)
                return m if op == "=~" else not m
        except TypeError:
            return Opaque(f"binop {op}")
        return Opaque(f"binop {op}")

    # -- method calls on values
    def send(self, recv, name, args, block, env):
        if isinstance(recv, str) and not isinstance(recv, Sym) or isinstance(recv, Sym):
            return self.str_method(recv, name, args, block)
        if isinstance(recv, list):
            return self.list_method(recv, name, args, block)
        if isinstance(recv, dict):
            return self.dict_method(recv, name, args, block)
        if isinstance(recv, (int, float)) and not isinstance(recv, bool):
            if name in ("to_s",):
                return str(recv)
            if name in ("to_i",):
                return int(recv)
            if name in ("times",) and block:
                for i in range(recv):
                    block(i)
                return recv
            if name in ("days", "day"):
                return dt.timedelta(days=recv)
            return Opaque(f"num.{name}")
        if recv is None:
            if name in ("present?",):
                return False
            if name in ("blank?", "nil?"):
                return True
            if name == "to_s":
                return ""
            return Opaque(f"nil.{name}")
        return self.host.send(recv, name, args, block, self)

    def str_method(self, s, name, args, block):
        if name in ("present?",):
            return bool(s.strip())
        if name in ("blank?",):
            return not s.strip()
        if name in ("to_s", "to_str", "html_safe", "freeze", "dup", "strip_heredoc"):
            return str(s)
        if name == "to_sym":
            return Sym(s)
        if name == "strip":
            return s.strip()
        if name == "include?":
            return args[0] in s
        if name in ("sub", "gsub") and len(args) == 2 and isinstance(args[0], str):
            return s.replace(args[0], args[1], 1 if name == "sub" else -1)
        if name in ("sub", "gsub") and len(args) == 2 and isinstance(args[0], RubyRegex):
            repl = re.sub(r"\\(\d)", r"\\\1", str(args[1]))
            return args[0].re.sub(repl, s, count=1 if name == "sub" else 0)
        if name in ("match?", "=~") and args and isinstance(args[0], RubyRegex):
            return args[0].match(s)
        if name == "split":
            return s.split(args[0]) if args else s.split()
        if name == "start_with?":
            return s.startswith(tuple(args))
        if name == "end_with?":
            return s.endswith(tuple(args))
        if name == "length" or name == "size":
            return len(s)
        if name == "+":
            return s + args[0]
        if name == "*":
            return s * args[0]
        return Opaque(f"str.{name}")

    def list_method(self, a, name, args, block):
        if name in ("each", "each_with_index") and block:
            for i, x in enumerate(list(a)):
                block(x, i) if name == "each_with_index" else block(x)
            return a
        if name in ("map", "collect") and block:
            return [block(x) for x in a]
        if name in ("select", "filter") and block:
            return [x for x in a if self.truthy(block(x))]
        if name == "join":
            return (args[0] if args else "").join(self.to_s(x) for x in a)
        if name in ("first",):
            return a[0] if a else None
        if name in ("last",):
            return a[-1] if a else None
        if name in ("flatten",):
            out = []
            for x in a:
                out.extend(x if isinstance(x, list) else [x])
            return out
        if name in ("compact",):
            return [x for x in a if x is not None]
        if name in ("present?",):
            return bool(a)
        if name in ("blank?", "empty?"):
            return not a
        if name in ("length", "size", "count"):
            return len(a)
        if name in ("uniq",):
            out = []
            for x in a:
                if x not in out:
                    out.append(x)
            return out
        if name in ("push", "<<"):
            a.extend(args)
            return a
        if name in ("to_a", "dup", "freeze"):
            return a
        return Opaque(f"list.{name}")

    def dict_method(self, d, name, args, block):
        if name in ("values",):
            return list(d.values())
        if name in ("keys",):
            return list(d.keys())
        if name in ("merge", "reverse_merge"):
            out = dict(d)
            for x in args:
                if isinstance(x, dict):
                    if name == "merge":
                        out.update(x)
                    else:
                        for kk, vv in x.items():
                            out.setdefault(kk, vv)
            return out
        if name in ("delete",):
            return d.pop(self.hkey(args[0]), None)
        if name in ("present?",):
            return bool(d)
        if name in ("blank?", "empty?"):
            return not d
        if name in ("[]",):
            return d.get(self.hkey(args[0]))
        if name in ("each",) and block:
            for kk, vv in list(d.items()):
                block(kk, vv)
            return d
        if name in ("to_h", "dup", "with_indifferent_access", "symbolize_keys", "stringify_keys"):
            return d
        return Opaque(f"hash.{name}")
# ----------------------------------------------------------------------------------------------------------------
# the seed's records (what `rake db:seed name=demo` would store in MongoDB)

class Rec:
    """A seed record: a layout, part, node, page, form, column, file, group, ..."""
    _ids: dict = {}

    def __init__(self, kind: str, **attrs):
        self.kind = kind
        self.a: dict = {}
        Rec._ids[kind] = Rec._ids.get(kind, 0) + 1
        self.id = Rec._ids[kind]
        self.a.update(attrs)

    def get(self, key, default=None):
        v = self.a.get(key, default)
        return default if isinstance(v, Opaque) else v

    def __repr__(self):
        return f"<{self.kind} {self.a.get('filename') or self.a.get('name')}>"


class ColumnValue:
    def __init__(self, column: Rec, attrs: dict):
        self.column, self.a = column, attrs

    def get(self, key, default=None):
        v = self.a.get(key, default)
        return default if isinstance(v, Opaque) else v


class Query:
    """`Model.where(...)` over the seed records: enough for update_all, map, first."""

    def __init__(self, seed, model: str, conds: dict):
        self.seed, self.model, self.conds = seed, model, conds

    def records(self):
        m = self.model
        if m in ("Cms::Layout",):
            recs = list(self.seed.layouts.values())
        elif m in ("SS::File",):
            recs = list(self.seed.files)
        elif m.endswith("::Node") or "::Node::" in m:
            recs = list(self.seed.nodes.values())
            prefix = {"Category::Node::Base": "category/", "Facility::Node::Category": "facility/category",
                      "Facility::Node::Location": "facility/location", "Facility::Node::Service": "facility/service",
                      "Chat::Node::Bot": "chat/bot"}.get(m)
            if prefix:
                recs = [r for r in recs if r.get("route", "").startswith(prefix)]
        elif m.endswith("::Page") or m == "Cms::Page":
            recs = list(self.seed.pages.values())
        else:
            return []
        out = []
        for r in recs:
            ok = True
            for k, v in self.conds.items():
                if k in ("site_id", "site"):
                    continue
                have = r.get(k)
                if isinstance(v, RubyRegex):
                    ok = v.match(have or "")
                elif isinstance(v, Opaque):
                    ok = True
                else:
                    ok = have == v
                if not ok:
                    break
            if ok:
                out.append(r)
        return out


class SeedHost:
    """Runs the demo seed (db/seeds/demo/load.rb and what it loads) and keeps the records."""

    LOADED = {  # the seed files whose records make up the public site (others only touch admin-side data)
        "db/seeds/cms/users.rb", "db/seeds/ss/users.rb",
        "db/seeds/demo/contents/files.rb", "db/seeds/demo/contents/layouts.rb", "db/seeds/demo/contents/parts.rb",
        "db/seeds/demo/contents/forms.rb", "db/seeds/demo/contents/nodes.rb", "db/seeds/demo/contents/inquiry.rb",
        "db/seeds/demo/contents/articles.rb", "db/seeds/demo/contents/sitemap.rb", "db/seeds/demo/contents/faq.rb",
        "db/seeds/demo/contents/ads.rb", "db/seeds/demo/contents/facility.rb",
        "db/seeds/demo/contents/member_blog.rb", "db/seeds/demo/contents/member_photo.rb",
        "db/seeds/demo/contents/key_visual.rb", "db/seeds/demo/contents/theme_templates.rb",
        "db/seeds/demo/contents/anpi.rb", "db/seeds/demo/contents/cms_garbage_node.rb",
        "db/seeds/demo/contents/image_map.rb",
    }

    def __init__(self, root: Path, now: dt.datetime, origin: str):
        self.root = root                     # the extracted mirror
        self.demo = root / "db/seeds/demo"   # Dir.chdir in load.rb
        self.now = now
        self.origin = origin
        self.layouts: dict[str, Rec] = {}
        self.parts: dict[str, Rec] = {}
        self.nodes: dict[str, Rec] = {}
        self.pages: dict[str, Rec] = {}
        self.forms: list[Rec] = []
        self.files: list[Rec] = []
        self.groups: dict[str, Rec] = {}
        self.inquiry_columns: list[Rec] = []
        self.theme_templates: list[Rec] = []
        self.inquiry_answers: list[dict] = []
        self.ezine_columns: list[Rec] = []
        self.site = Rec("site", name="シラサギ市")
        self.warnings: list[str] = []
        self.loaded: list[str] = []
        self.interp = Interp(self)
        self.interp.ivars["@site"] = self.site
        self.interp.ivars["@layouts"] = ("map", "layouts")
        self.interp.ivars["@categories"] = ("map", "categories")

    def warn(self, msg):
        self.warnings.append(msg)

    def load(self, rel: str):
        rel = rel.lstrip("/")
        if not rel.endswith(".rb"):
            rel += ".rb"
        if rel not in self.LOADED and not rel.endswith("demo/load.rb"):
            return None
        path = self.root / rel
        if not path.exists():
            self.warn(f"missing seed file {rel}")
            return None
        self.loaded.append(rel)
        self.interp.run(path.read_text(encoding="utf-8"), {})
        return True

    # -- file reading relative to db/seeds/demo (load.rb does Dir.chdir there)
    def read(self, rel: str) -> str:
        p = (self.demo / rel)
        if not p.is_file():
            raise OSError(f"no such seed file {rel}")
        return p.read_text(encoding="utf-8")

    def read_opt(self, rel: str):
        try:
            return self.read(rel)
        except OSError:
            return None

    # -- the interpreter's hooks
    def set_ivar(self, name, val, interp):
        cur = interp.ivars.get(name)
        if isinstance(cur, tuple) and cur and cur[0] == "map":
            return   # @layouts / @categories are looked up live
        interp.ivars[name] = val

    def set_attr(self, recv, name, val):
        if isinstance(recv, Rec):
            recv.a[name] = val

    def const(self, name):
        if name in ("File", "Time", "Dir", "Hash", "Fs", "ERB::Util"):
            return ("const", name)
        return ("const", name)

    def index(self, recv, args, interp):
        if isinstance(recv, tuple) and recv and recv[0] == "map":
            key = args[0] if args else None
            if recv[1] == "layouts":
                for fn, lay in self.layouts.items():
                    if re.sub(r"\..*", "", fn) == key:
                        return lay
                return Opaque(f"layout {key}")
            if recv[1] == "categories":
                n = self.nodes.get(key)
                return n if n is not None and n.get("route", "").startswith("category/") else Opaque(f"category {key}")
        if isinstance(recv, tuple) and recv and recv[0] == "const" and recv[1] == "Hash":
            flat = args
            return {interp.hkey(flat[i]): flat[i + 1] for i in range(0, len(flat) - 1, 2)}
        if isinstance(recv, list) and args and isinstance(args[0], int):
            try:
                return recv[args[0]]
            except IndexError:
                return None
        if isinstance(recv, dict) and args:
            return recv.get(interp.hkey(args[0]))
        if isinstance(recv, str) and args and isinstance(args[0], int):
            return recv[args[0]] if args[0] < len(recv) else None
        return Opaque("index")

    def add(self, a, b):
        if isinstance(a, (dt.date, dt.datetime)) and isinstance(b, (int, float)):
            return a + dt.timedelta(days=b)
        if isinstance(a, (dt.date, dt.datetime)) and isinstance(b, dt.timedelta):
            return a + b
        return a + b

    def call(self, recv, name, args, block, interp, env):
        kw = args[-1] if args and isinstance(args[-1], dict) else {}
        if name in ("puts", "p", "print", "exit", "pp"):
            return None
        if name in ("load", "require", "require_relative"):
            return self.load(re.sub(r"^.*?(db/seeds/)", r"\1", str(args[0])))
        if name == "save_layout":
            return self.save_layout(kw)
        if name == "save_part":
            return self.save_part(kw)
        if name == "save_node":
            return self.save_node(kw)
        if name == "save_page":
            return self.save_page(kw)
        if name == "save_form":
            return self.save_form(kw)
        if name == "save_column":
            return self.save_column(args[0], kw)
        if name == "save_ss_files":
            return self.save_ss_file(args[0], kw)
        if name == "save_group":
            return self.save_group(kw)
        if name == "g":
            return self.groups.get(args[0]) or Opaque(f"group {args[0]}")
        if name == "save_inquiry_column":
            rec = Rec("inquiry_column", **kw)
            self.inquiry_columns.append(rec)
            return rec
        if name == "save_ezine_column":
            rec = Rec("ezine_column", **kw)
            self.ezine_columns.append(rec)
            return rec
        if name == "save_inquiry_answer":
            self.inquiry_answers.append(dict(kw))
            return None
        if name == "save_theme_template":
            rec = Rec("theme_template", **kw)
            self.theme_templates.append(rec)
            return rec
        return Opaque(f"call {name}")

    def send(self, recv, name, args, block, interp):
        kw = args[-1] if args and isinstance(args[-1], dict) else {}
        if isinstance(recv, tuple) and recv and recv[0] == "const":
            c = recv[1]
            if c == "File":
                if name == "read":
                    return self.read(args[0])
                if name == "binread":
                    return Opaque("binary")
                if name == "basename":
                    return os.path.basename(args[0])
                if name == "dirname":
                    return os.path.dirname(str(args[0]))
                if name in ("exist?", "exists?"):
                    return (self.demo / args[0]).exists()
                if name == "extname":
                    return os.path.splitext(args[0])[1]
                if name == "join":
                    return "/".join(str(a).strip("/") for a in args)
            if c == "Time" and name == "zone":
                return ("const", "Time.zone")
            if c in ("Time.zone", "Date") and name in ("now", "today", "tomorrow", "yesterday", "current"):
                d = self.now if name in ("now", "current") else self.now.date()
                return d + dt.timedelta(days={"tomorrow": 1, "yesterday": -1}.get(name, 0))
            if c == "Dir" and name == "glob" and block:
                for p in sorted(self.demo.glob(args[0])):
                    if p.is_file():
                        block(str(p.relative_to(self.demo)))
                return None
            if name == "where" or name == "all":
                return Query(self, c, kw)
            if name in ("find_by", "find"):
                recs = Query(self, c, kw).records()
                return recs[0] if recs else Opaque(f"{c}.find_by")
            return Opaque(f"{c}.{name}")
        if isinstance(recv, Query):
            recs = recv.records()
            if name == "update_all":
                for r in recs:
                    for k, v in kw.items():
                        r.a[k] = v
                return len(recs)
            if name in ("map", "collect") and block:
                return [block(r) for r in recs]
            if name == "each" and block:
                for r in recs:
                    block(r)
                return recs
            if name == "first":
                return recs[0] if recs else None
            if name in ("to_a", "entries"):
                return recs
            if name in ("where",):
                return Query(self, recv.model, {**recv.conds, **kw})
            if name in ("find_by",):
                q = Query(self, recv.model, {**recv.conds, **kw}).records()
                return q[0] if q else None
            if name in ("count", "size", "length"):
                return len(recs)
            return Opaque(f"query.{name}")
        if isinstance(recv, (dt.date, dt.datetime)):
            return self.date_method(recv, name, args, kw)
        if isinstance(recv, ColumnValue):
            return Opaque("column_value")
        if isinstance(recv, Rec):
            return self.rec_method(recv, name, args, kw, block)
        if isinstance(recv, tuple) and recv and recv[0] == "contact_groups":
            contacts = self.contact_groups(recv[1])
            if name == "create":
                c = Rec("contact", group=recv[1], **kw)
                contacts.append(c)
                return c
            if name in ("blank?", "empty?"):
                return not contacts
            if name == "present?":
                return bool(contacts)
            if name == "first":
                return contacts[0] if contacts else None
            if name in ("to_a", "entries"):
                return list(contacts)
            if name == "where":
                return [c for c in contacts if all(c is v or c.get(k) == v for k, v in kw.items())]
            return Opaque("contact_groups." + name)
        if isinstance(recv, tuple) and recv and recv[0] == "value_type":
            if name == "new":
                return ColumnValue(recv[1], dict(kw))
        return Opaque(f"{recv!r}.{name}")

    def date_method(self, d, name, args, kw):
        if name == "to_date":
            return d.date() if isinstance(d, dt.datetime) else d
        if name == "advance":
            return d + dt.timedelta(days=kw.get("days", 0), hours=kw.get("hours", 0))
        if name == "change" and isinstance(d, dt.datetime):
            return d.replace(**{k: v for k, v in kw.items() if k in ("hour", "min", "sec", "day")})
        if name == "beginning_of_month":
            return d.replace(day=1)
        if name == "end_of_month":
            return d.replace(day=pycal.monthrange(d.year, d.month)[1])
        if name == "prev_month":
            return add_months(d, -1)
        if name == "next_month":
            return add_months(d, 1)
        if name in ("days", "day"):
            return d
        return Opaque(f"date.{name}")

    def rec_method(self, r: Rec, name, args, kw, block):
        if name in ("id", "_id", "cms_group", "reload", "becomes_with_route"):
            return r
        if name == "tap" and block:
            block(r)
            return r
        if name in ("save", "update", "save!", "update!", "add_to_set", "set", "destroy", "update_attributes"):
            if name in ("set", "update", "update!", "update_attributes") and kw:
                r.a.update(kw)
            return True
        if name == "contact_groups":
            return ("contact_groups", r)
        if name == "value_type" and r.kind == "column":
            return ("value_type", r)
        if name == "url" and r.kind == "file":
            return r.get("url")
        if name == "thumb_url" and r.kind == "file":
            return r.get("thumb_url")
        if name in ("domains",):
            return [re.sub(r"^https?://", "", self.origin)]
        if name == "full_url" and r.kind == "site":
            return self.origin + "/"
        if name.endswith("?"):
            return Opaque(f"{r.kind}.{name}")
        if name in r.a:
            return r.a[name]
        return Opaque(f"{r.kind}.{name}")

    # contact groups (`g.contact_groups.create(...)`, `.first`, `.blank?`)
    def contact_groups(self, g: Rec):
        return g.a.setdefault("_contacts", [])

    # -- the seed helpers (db/seeds/demo/contents/*.rb define them with `def`, we provide them)
    def save_layout(self, kw):
        fn = kw.get("filename")
        rec = self.layouts.get(fn) or Rec("layout")
        rec.a.update(kw)
        rec.a["html"] = self.read_opt("layouts/" + fn)
        self.layouts[fn] = rec
        return rec

    FIELDS = ("html", "upper_html", "loop_html", "lower_html", "substitute_html", "loop_liquid", "summary_html")

    def save_part(self, kw):
        fn = kw.get("filename")
        rec = self.parts.get(fn) or Rec("part")
        for f in self.FIELDS:
            v = self.read_opt("parts/" + re.sub(r"\.html$", "." + f, fn))
            if v is not None:
                rec.a[f] = v
        rec.a.update(kw)
        self.parts[fn] = rec
        return rec

    def save_node(self, kw):
        fn = kw.get("filename")
        rec = self.nodes.get(fn)
        if rec is None or rec.get("route") != kw.get("route"):
            rec = Rec("node")
        for f in self.FIELDS:
            v = self.read_opt(f"nodes/{fn}.{f}")
            if v is not None:
                rec.a[f] = v
        rec.a.update(kw)
        rec.a.setdefault("seq", len(self.nodes))
        self.nodes[fn] = rec
        return rec

    def save_page(self, kw):
        fn = kw.get("filename", "").strip()
        kw = dict(kw)
        kw["filename"] = fn
        rec = self.pages.get(fn) or Rec("page")
        html = self.read_opt("pages/" + fn)
        if html is not None:
            rec.a["html"] = html
        summary = self.read_opt("pages/" + re.sub(r"\.html$", "", fn) + ".summary_html")
        if summary is not None:
            rec.a["summary_html"] = summary
        cg = kw.get("contact_group_id")
        if isinstance(cg, Rec):   # articles.rb's save_page copies the group's first contact into the page
            contacts = self.contact_groups(cg)
            if contacts:
                c = contacts[0]
                kw.setdefault("contact_group_contact_id", c)
                for f in ("contact_group_name", "contact_charge", "contact_tel", "contact_fax", "contact_email",
                          "contact_postal_code", "contact_address", "contact_link_url", "contact_link_name"):
                    kw.setdefault(f, c.get(f))
        rec.a.update(kw)
        rec.a.setdefault("route", "cms/page")
        rec.a.setdefault("seq", len(self.pages))
        self.pages[fn] = rec
        return rec

    def save_form(self, kw):
        kw = dict(kw)
        fn = kw.pop("filename", None)
        rec = Rec("form", **kw)
        rec.a["html"] = self.read_opt("forms/" + fn) if fn else None
        rec.a["columns"] = []
        self.forms.append(rec)
        return rec

    def save_column(self, typ, kw):
        rec = Rec("column", type=str(typ), **kw)
        form = kw.get("form")
        if isinstance(form, Rec):
            form.a["columns"].append(rec)
        return rec

    def save_ss_file(self, path, kw):
        fn = kw.get("filename") or os.path.basename(path)
        name = kw.get("name") or fn
        if "." not in name and "." in fn:
            name += os.path.splitext(fn)[1]
        rec = Rec("file", path=path, filename=fn, name=name, model=kw.get("model"))
        digits = "/".join(str(rec.id))
        rec.a["url"] = f"/fs/{digits}/_/{fn}"
        rec.a["thumb_url"] = f"/fs/{digits}/_/thumb/{fn}"
        self.files.append(rec)
        return rec

    def save_group(self, kw):
        rec = self.groups.get(kw.get("name")) or Rec("group")
        rec.a.update(kw)
        self.groups[kw.get("name")] = rec
        return rec
# ----------------------------------------------------------------------------------------------------------------
# a small Liquid engine (the tags and filters the demo's loop_liquid / form templates use)

class Drop:
    """Base for objects exposed to Liquid: `lookup(name)` returns an attribute or None."""

    def lookup(self, name):
        return None

    def to_liquid_s(self):
        return ""


class LiquidError(Exception):
    pass


_LQ_TOKEN = re.compile(r"(\{%-?.*?-?%\}|\{\{-?.*?-?\}\})", re.S)
_LQ_EXPR = re.compile(r"""\s*(?:(?P<str>"[^"]*"|'[^']*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<>|<=|>=|<|>|\bcontains\b)
                         |(?P<word>\b(?:and|or)\b)|(?P<path>[A-Za-z_][\w\-]*\??(?:\.[A-Za-z_][\w\-]*\??|\[(?:"[^"]*"|'[^']*'|\d+|[\w.]+)\])*))""", re.X)


class Liquid:
    def __init__(self, source: str, filters: dict | None = None):
        self.filters = filters or {}
        self.tokens = _LQ_TOKEN.split(source)
        self.pos = 0
        self.tree = self._parse(())

    # -- parsing into nested lists
    def _parse(self, enders):
        nodes = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.startswith("{%"):
                body = tok[2:-2].strip("-").strip()
                mm = re.match(r"(\w+)\s*(.*)$", body, re.S)
                name, rest = (mm.group(1), mm.group(2)) if mm else (body, "")
                if name in enders:
                    self.ended = (name, rest.strip())
                    return nodes
                if name in ("if", "unless"):
                    branches = []
                    cond = rest.strip()
                    kind = name
                    while True:
                        sub = self._parse(("elsif", "else", "endif", "endunless"))
                        branches.append((kind, cond, sub))
                        end_name, end_rest = self.ended
                        if end_name in ("endif", "endunless"):
                            break
                        kind, cond = ("if", end_rest) if end_name == "elsif" else ("else", "")
                    nodes.append(("if", branches))
                elif name == "for":
                    m = re.match(r"(\w+)\s+in\s+(.+?)(?:\s+limit:\s*(\d+))?\s*$", rest.strip())
                    body_nodes = self._parse(("endfor", "else"))
                    else_nodes = []
                    if self.ended[0] == "else":
                        else_nodes = self._parse(("endfor",))
                    nodes.append(("for", m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None,
                                  body_nodes, else_nodes))
                elif name == "assign":
                    var, _, expr = rest.partition("=")
                    nodes.append(("assign", var.strip(), expr.strip()))
                elif name == "capture":
                    body_nodes = self._parse(("endcapture",))
                    nodes.append(("capture", rest.strip(), body_nodes))
                elif name == "comment":
                    self._parse(("endcomment",))
                elif name in ("raw",):
                    buf = []
                    while self.pos < len(self.tokens) and not re.match(r"\{%-?\s*endraw", self.tokens[self.pos]):
                        buf.append(self.tokens[self.pos])
                        self.pos += 1
                    self.pos += 1
                    nodes.append(("text", "".join(buf)))
                else:
                    pass   # unknown tags render nothing
            elif tok.startswith("{{"):
                nodes.append(("out", tok[2:-2].strip("-").strip()))
            elif tok:
                nodes.append(("text", tok))
        self.ended = ("", "")
        return nodes

    # -- rendering
    def render(self, assigns: dict) -> str:
        out: list[str] = []
        self._render(self.tree, [dict(assigns)], out)
        return "".join(out)

    def _render(self, nodes, scopes, out):
        for n in nodes:
            k = n[0]
            if k == "text":
                out.append(n[1])
            elif k == "out":
                out.append(self.to_s(self.eval_filtered(n[1], scopes)))
            elif k == "if":
                for kind, cond, body in n[1]:
                    if kind == "else" or (self.truthy(self.eval_cond(cond, scopes)) != (kind == "unless")):
                        self._render(body, scopes, out)
                        break
            elif k == "for":
                _, var, coll_expr, limit, body, else_body = n
                coll = self.eval_filtered(coll_expr, scopes)
                items = self.as_list(coll)
                if limit is not None:
                    items = items[:limit]
                if not items:
                    self._render(else_body, scopes, out)
                    continue
                for i, item in enumerate(items):
                    scope = {var: item, "forloop": {"first": i == 0, "last": i == len(items) - 1, "index": i + 1,
                                                    "index0": i, "length": len(items)}}
                    scopes.append(scope)
                    try:
                        self._render(body, scopes, out)
                    finally:
                        scopes.pop()
                        # `assign` inside the loop writes to the outermost scope (Liquid semantics)
            elif k == "assign":
                scopes[0][n[1]] = self.eval_filtered(n[2], scopes)
            elif k == "capture":
                buf: list[str] = []
                self._render(n[2], scopes, buf)
                scopes[0][n[1]] = "".join(buf)

    def as_list(self, v):
        if v is None:
            return []
        if isinstance(v, (list, tuple)):
            return list(v)
        if isinstance(v, dict):
            return list(v.items())
        if isinstance(v, Drop):
            items = v.lookup("__items__")
            return list(items) if items is not None else [v]
        return [v]

    def truthy(self, v):
        return v is not None and v is not False

    def to_s(self, v):
        if v is None or v is False:
            return "" if v is None else "false"
        if v is True:
            return "true"
        if isinstance(v, Drop):
            return v.to_liquid_s()
        if isinstance(v, (list, tuple)):
            return "".join(self.to_s(x) for x in v)
        if isinstance(v, float) and v.is_integer():
            return str(v)
        if isinstance(v, (dt.date, dt.datetime)):
            return v.strftime("%Y-%m-%d %H:%M:%S +0900") if isinstance(v, dt.datetime) else v.isoformat()
        return str(v)

    def lookup_path(self, path: str, scopes):
        parts = re.findall(r"""\[(?:"([^"]*)"|'([^']*)'|(\d+)|([\w.]+))\]|([A-Za-z_][\w\-]*\??)""", path)
        cur = None
        first = True
        for dq, sq, num, var, name in parts:
            if first:
                first = False
                key = name
                for sc in reversed(scopes):
                    if key in sc:
                        cur = sc[key]
                        break
                else:
                    return None
                continue
            if name:
                cur = self.attr(cur, name)
            else:
                key = dq or sq
                if num:
                    key = int(num)
                elif var:
                    key = self.lookup_path(var, scopes)
                cur = self.attr(cur, key)
            if cur is None:
                return None
        return cur

    def attr(self, obj, key):
        if obj is None:
            return None
        if isinstance(obj, dict):
            return obj.get(key)
        if isinstance(obj, (list, tuple)):
            if isinstance(key, int):
                return obj[key] if -len(obj) <= key < len(obj) else None
            if key == "size":
                return len(obj)
            if key == "first":
                return obj[0] if obj else None
            if key == "last":
                return obj[-1] if obj else None
            return None
        if isinstance(obj, Drop):
            return obj.lookup(key)
        if isinstance(obj, str) and key == "size":
            return len(obj)
        return None

    def eval_value(self, expr: str, scopes):
        expr = expr.strip()
        if not expr:
            return None
        if expr[0] in "\"'":
            return expr[1:-1]
        if re.fullmatch(r"-?\d+", expr):
            return int(expr)
        if re.fullmatch(r"-?\d+\.\d+", expr):
            return float(expr)
        if expr in ("true", "false"):
            return expr == "true"
        if expr in ("nil", "null"):
            return None
        if expr == "empty":
            return ""
        return self.lookup_path(expr, scopes)

    def split_filters(self, expr: str):
        parts, buf, q = [], [], None
        for c in expr:
            if q:
                buf.append(c)
                if c == q:
                    q = None
            elif c in "\"'":
                q = c
                buf.append(c)
            elif c == "|":
                parts.append("".join(buf))
                buf = []
            else:
                buf.append(c)
        parts.append("".join(buf))
        return parts

    def eval_filtered(self, expr: str, scopes):
        parts = self.split_filters(expr)
        val = self.eval_value(parts[0], scopes)
        for f in parts[1:]:
            name, _, argstr = f.strip().partition(":")
            args = [self.eval_value(a, scopes) for a in self.split_args(argstr)] if argstr.strip() else []
            fn = self.filters.get(name.strip())
            if fn is None:
                fn = LIQUID_FILTERS.get(name.strip())
            if fn is not None:
                val = fn(val, *args)
        return val

    def split_args(self, s):
        out, buf, q = [], [], None
        for c in s:
            if q:
                buf.append(c)
                if c == q:
                    q = None
            elif c in "\"'":
                q = c
                buf.append(c)
            elif c == ",":
                out.append("".join(buf))
                buf = []
            else:
                buf.append(c)
        out.append("".join(buf))
        return [x for x in (o.strip() for o in out) if x]

    def eval_cond(self, cond: str, scopes):
        # or/and are right-associative and evaluated right to left in Liquid; precedence-free
        toks = re.split(r"\s+(and|or)\s+", cond.strip(), flags=re.S)
        def single(c):
            m = re.match(r"(.+?)\s*(==|!=|<>|<=|>=|<|>|\bcontains\b)\s*(.+)$", c.strip(), re.S)
            if not m:
                return self.truthy(self.eval_value(c, scopes))
            a, op, b = self.eval_value(m.group(1), scopes), m.group(2), self.eval_value(m.group(3), scopes)
            if isinstance(a, Drop):
                a = a.to_liquid_s()
            if isinstance(b, Drop):
                b = b.to_liquid_s()
            try:
                if op == "==":
                    return a == b
                if op in ("!=", "<>"):
                    return a != b
                if op == "contains":
                    return b in a if a is not None else False
                return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
            except TypeError:
                return False
        # fold from the right
        result = single(toks[-1])
        i = len(toks) - 2
        while i > 0:
            op, left = toks[i], single(toks[i - 1])
            result = (left and result) if op == "and" else (left or result)
            i -= 2
        return result


def _lq_sort(v, key=None):
    items = list(v or [])
    def k(x):
        val = Liquid.attr(None, x, key) if key else x
        return (val is None, val if val is not None else 0)
    return sorted(items, key=k)


def _lq_delimited(v, *args):
    try:
        n = int(v)
    except (TypeError, ValueError):
        return v
    return f"{n:,}"


def _lq_plus(v, n=0):
    try:
        a = float(v) if isinstance(v, str) and "." in v else int(v or 0)
    except (TypeError, ValueError):
        a = 0
    return a + n


LIQUID_FILTERS = {
    "sort": _lq_sort,
    "default": lambda v, d=None: v if v not in (None, False, "", []) else d,
    "delimited": _lq_delimited,
    "plus": _lq_plus,
    "escape": lambda v, *a: htmllib.escape(str(v or ""), quote=True),
    "size": lambda v: len(v or []),
    "upcase": lambda v: str(v or "").upper(),
    "downcase": lambda v: str(v or "").lower(),
    "strip_html": lambda v: re.sub(r"<[^>]*>", "", str(v or "")),
    "ss_br": lambda v, *a: str(v or "").replace("\r\n", "\n").replace("\n", "<br />"),
    "join": lambda v, sep=" ": sep.join(str(x) for x in (v or [])),
}
# ----------------------------------------------------------------------------------------------------------------
# helpers (Rails / ActiveSupport behaviour)

def h(s) -> str:
    """ERB::Util.html_escape."""
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def attrs_s(attrs: dict) -> str:
    out = []
    for k, v in attrs.items():
        if v is None or v is False:
            continue
        if isinstance(v, dict):   # data: {...}
            for dk, dv in v.items():
                if dv is None:
                    continue
                out.append(f' {k}-{dk.replace("_", "-")}="{h(dv)}"')
            continue
        if v is True:
            out.append(f' {k}="{k}"')
            continue
        out.append(f' {k}="{h(v)}"')
    return "".join(out)


def link_to(text_html: str, href: str, **attrs) -> str:
    """Rails link_to (text already escaped)."""
    a = {"href": href}
    a.update({k.rstrip("_").replace("__", "-"): v for k, v in attrs.items()})
    # Rails puts href last when other options are given
    href_v = a.pop("href")
    return f"<a{attrs_s(a)} href=\"{h(href_v)}\">{text_html}</a>"


def javascript_tag(js: str) -> str:
    return f"<script>\n//<![CDATA[\n{js}\n//]]>\n</script>"


def javascript_include(src: str) -> str:
    return f'<script src="{src}"></script>'


def jquery(js: str) -> str:
    return javascript_tag(f"SS.ready(function() {{\n{js}\n}});")


def ymd_long(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def human_size(size: int) -> str:
    """number_to_human_size with SHIRASAGI's ja locale (precision 3, significant, '%n%u')."""
    if size < 1024:
        return f"{size}バイト"
    units = ["KB", "MB", "GB", "TB"]
    value, unit = float(size), "バイト"
    for u in units:
        value /= 1024
        unit = u
        if value < 1024:
            break
    digits = len(str(int(value))) if value >= 1 else 1
    decimals = max(0, 3 - digits)
    s = f"{round(value, decimals):.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return f"{s}{unit}"


def jp_holiday(d: dt.date):
    """Japanese national holidays (what the holiday_japan gem answers) for the years the corpus shows."""
    y, m, day, wd = d.year, d.month, d.day, d.weekday()   # Monday = 0

    def nth_monday(month, n):
        first = dt.date(y, month, 1)
        return 1 + (7 - first.weekday()) % 7 + 7 * (n - 1)

    def fixed(dd):
        mm, nn = dd.month, dd.day
        if (mm, nn) == (1, 1): return "元日"
        if mm == 1 and nn == nth_monday(1, 2): return "成人の日"
        if (mm, nn) == (2, 11): return "建国記念の日"
        if (mm, nn) == (2, 23): return "天皇誕生日"
        if mm == 3 and nn == int(20.8431 + 0.242194 * (y - 1980) - (y - 1980) // 4): return "春分の日"
        if (mm, nn) == (4, 29): return "昭和の日"
        if (mm, nn) == (5, 3): return "憲法記念日"
        if (mm, nn) == (5, 4): return "みどりの日"
        if (mm, nn) == (5, 5): return "こどもの日"
        if mm == 7 and nn == nth_monday(7, 3): return "海の日"
        if (mm, nn) == (8, 11): return "山の日"
        if mm == 9 and nn == nth_monday(9, 3): return "敬老の日"
        if mm == 9 and nn == int(23.2488 + 0.242194 * (y - 1980) - (y - 1980) // 4): return "秋分の日"
        if mm == 10 and nn == nth_monday(10, 2): return "スポーツの日"
        if (mm, nn) == (11, 3): return "文化の日"
        if (mm, nn) == (11, 23): return "勤労感謝の日"
        return None

    name = fixed(d)
    if name:
        return name
    # substitute holiday: the first non-holiday after a Sunday holiday
    back = d - dt.timedelta(days=1)
    while fixed(back):
        if back.weekday() == 6:
            return "振替休日"
        back -= dt.timedelta(days=1)
    # citizens' holiday between two holidays
    if fixed(d - dt.timedelta(days=1)) and fixed(d + dt.timedelta(days=1)) and wd != 6:
        return "国民の休日"
    return None


class Locale:
    """SHIRASAGI's Japanese locale (config/locales/**/ja.yml of the mirror)."""

    def __init__(self, root: Path):
        try:
            import yaml  # type: ignore
        except ImportError:
            sys.exit("build_shirasagi: PyYAML is needed to read SHIRASAGI's locale files "
                     "(run with /work/main/.venv/bin/python)")
        data: dict = {}

        def merge(a, b):
            for k, v in b.items():
                if isinstance(v, dict) and isinstance(a.get(k), dict):
                    merge(a[k], v)
                else:
                    a[k] = v
        loc = root / "config/locales"
        for f in [loc / "ja.yml"] + sorted(loc.glob("*/ja.yml")):
            if f.exists():
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                merge(data, yaml.load(f.read_text(encoding="utf-8"), Loader=loader) or {})
        self.ja = data.get("ja", {})

    def t(self, key: str, default=None, **kw):
        cur = self.ja
        for p in key.split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        if cur is None:
            return default if default is not None else key.split(".")[-1]
        if isinstance(cur, str):
            for k, v in kw.items():
                cur = cur.replace("%{" + k + "}", str(v))
        return cur


# ----------------------------------------------------------------------------------------------------------------
# the content model

class Node:
    def __init__(self, rec: Rec, id_: int):
        self.rec = rec
        self.id = id_
        self.filename = rec.get("filename")
        self.route = rec.get("route")
        self.view_route = rec.get("view_route") or self.route
        self.name = rec.get("name")
        self.index_name = rec.get("index_name")
        self.order = rec.get("order") or 0
        self.depth = self.filename.count("/") + 1
        self.basename = self.filename.rsplit("/", 1)[-1]
        self.url = "/" + self.filename + "/"
        self.parent: Node | None = None
        self.children: list[Node] = []
        self.public = rec.get("state") != "closed"
        self.seq = rec.get("seq", 0)
        self.window_name = None
        self.layout = rec.get("layout_id") if isinstance(rec.get("layout_id"), Rec) else None
        self.page_layout = rec.get("page_layout_id") if isinstance(rec.get("page_layout_id"), Rec) else None
        self.kind = "node"

    def get(self, k, d=None):
        return self.rec.get(k, d)

    @property
    def dirname(self):
        return self.filename.rsplit("/", 1)[0] if "/" in self.filename else None

    @property
    def conditions(self):
        c = self.rec.get("conditions") or []
        return [c] if isinstance(c, str) else list(c)

    @property
    def limit(self):
        v = self.rec.get("limit")
        return 20 if not isinstance(v, int) or v < 1 or v > 1000 else v

    @property
    def new_days(self):
        v = self.rec.get("new_days")
        if v is None:
            return 1
        return 30 if v < 0 or v > 30 else v

    def __repr__(self):
        return f"<Node {self.filename}>"


class Page:
    def __init__(self, rec: Rec | None, id_: int, **kw):
        self.rec = rec
        self.id = id_
        a = dict(rec.a) if rec is not None else {}
        a.update(kw)
        self.a = a
        self.filename = a.get("filename")
        self.route = a.get("route", "cms/page")
        self.name = a.get("name")
        self.index_name = a.get("index_name")
        self.order = a.get("order") or 0
        self.depth = self.filename.count("/") + 1
        self.basename = self.filename.rsplit("/", 1)[-1]
        self.url = "/" + self.filename
        self.public = a.get("state") != "closed"
        self.seq = a.get("seq", 0)
        self.parent: Node | None = None
        self.categories: list[Node] = []
        self.date: dt.datetime = a.get("released")
        self.updated: dt.datetime = a.get("released")
        self.html = a.get("html") if isinstance(a.get("html"), str) else None
        self.layout = a.get("layout_id") if isinstance(a.get("layout_id"), Rec) else None
        self.form = a.get("form_id") if isinstance(a.get("form_id"), Rec) else None
        self.column_values = [cv for cv in (a.get("column_values") or []) if isinstance(cv, ColumnValue)]
        self.window_name = None
        self.generated = bool(a.get("generated"))
        self.kind = "page"
        self.event_dates: list[dt.date] = []
        self.thumb = a.get("thumb_id") if isinstance(a.get("thumb_id"), Rec) else None

    def get(self, k, d=None):
        v = self.a.get(k, d)
        return d if isinstance(v, Opaque) else v

    def __repr__(self):
        return f"<Page {self.filename}>"
# ----------------------------------------------------------------------------------------------------------------
# the site: seed records turned into nodes and pages, plus what a running site accumulates

GEN_TOPICS = [
    # area, categories (category/page filenames), oshirase sub-category or None, titles
    ("kurashi", ["kurashi/zeikin/shimin", "kurashi/zeikin"], "kurashi",
     ["令和{fy}年度 市県民税・森林環境税の納税通知書を発送しました", "市税の口座振替をご利用ください",
      "固定資産税（第{n}期）の納期限は{m}月末日です", "軽自動車税（種別割）の減免申請について"]),
    ("kurashi", ["kurashi/gomi"], "kurashi",
     ["ごみ収集カレンダー（令和{fy}年度版）を配布しています", "年末年始のごみ収集日程について",
      "粗大ごみの戸別収集の申込方法が変わります", "資源物の拠点回収日（{m}月）のお知らせ"]),
    ("kurashi", ["kurashi/koseki/jyumin", "kurashi/koseki"], "kurashi",
     ["マイナンバーカードの休日交付窓口を開設します（{m}月）", "各種証明書のコンビニ交付サービスの一時停止について",
      "住民票の写し等の交付申請書の様式を変更しました"]),
    ("kurashi", ["kurashi/bosai/kunren", "kurashi/bosai"], "kurashi",
     ["シラサギ市総合防災訓練（令和{fy}年度）を実施します", "防災行政無線の試験放送について",
      "自主防災組織の資機材購入を補助します", "避難行動要支援者名簿への登録について"]),
    ("kurashi", ["kurashi/anzen/kotsu", "kurashi/anzen"], "kurashi",
     ["秋の全国交通安全運動（{m}月）", "自転車の交通ルールを守りましょう", "市内で不審者の目撃情報がありました"]),
    ("kurashi", ["kurashi/sumai"], "kurashi",
     ["市営住宅の入居者を募集します（{m}月募集）", "住宅リフォーム補助金の申請受付を開始します"]),
    ("kosodate", ["kosodate/shien"], "kosodate",
     ["子育て支援センター {m}月の行事予定", "児童手当の現況届について", "ファミリー・サポート・センター会員募集"]),
    ("kosodate", ["kosodate/hoikuen"], "kosodate",
     ["令和{fy1}年度 保育所等の入所申込みを受け付けます", "病児保育の利用登録について"]),
    ("kosodate", ["kosodate/shogakko"], "kosodate",
     ["令和{fy1}年度 小学校入学説明会の日程", "就学援助制度のお知らせ", "学校給食費の改定について"]),
    ("kosodate", ["kosodate/shogai"], "kosodate",
     ["市民講座「{course}」の受講者を募集します", "公民館まつりの出展団体を募集します"]),
    ("kenko", ["kenko/hoken"], "kenko",
     ["特定健康診査・がん検診のご案内（令和{fy}年度）", "{m}月の健康相談・栄養相談", "熱中症に注意しましょう"]),
    ("kenko", ["kenko/yobo"], "kenko",
     ["高齢者インフルエンザ予防接種の費用を助成します", "風しんの抗体検査・予防接種について"]),
    ("kenko", ["kenko/kaigo", "kenko/korei"], "kenko",
     ["介護保険料の納付について", "介護予防教室（{m}月）の参加者を募集します", "敬老祝い金の支給について"]),
    ("kanko", ["kanko/kanko"], "kanko",
     ["シラサギ川桜まつりを開催します", "観光パンフレット「シラサギさんぽ」を発行しました", "シラサギ城のライトアップについて"]),
    ("kanko", ["kanko/sports"], "kanko",
     ["第{n}回 シラサギ市民スポーツフェスティバル", "市民体育館 {m}月の休館日について"]),
    ("kanko", ["kanko/geijyutsu"], "kanko",
     ["市民文化祭の出展者を募集します", "シラサギ博物館 企画展「{theme}」のご案内"]),
    ("sangyo", ["sangyo/nyusatsu/kokoku", "sangyo/nyusatsu"], "sangyo",
     ["一般競争入札の公告（{project}）", "入札結果の公表（令和{fy}年{m}月分）", "入札参加資格審査申請の受付について"]),
    ("sangyo", ["sangyo/keiei/hojo", "sangyo/keiei"], "sangyo",
     ["中小企業設備投資補助金の募集について", "創業支援セミナーを開催します"]),
    ("sangyo", ["sangyo/jinzai"], "sangyo",
     ["会計年度任用職員（{job}）を募集します", "シラサギ市合同企業説明会の参加企業を募集します"]),
    ("shisei", ["shisei/jinji"], None,
     ["令和{fy1}年度 シラサギ市職員採用試験（{kind}）の実施について", "職員採用試験（{kind}）の最終合格者について"]),
    ("shisei", ["shisei/koho/shiryo", "shisei/koho"], "shisei",
     ["市長定例記者会見（{md}）", "報道発表資料（令和{fy}年{m}月）", "広報SHIRASAGI {m}月号を発行しました"]),
    ("shisei", ["shisei/shisaku"], "shisei",
     ["シラサギ市{plan}（案）へのご意見を募集します", "パブリックコメントの実施結果について（{plan}）"]),
    ("shisei", ["shisei/zaisei"], "shisei",
     ["令和{fy}年度 当初予算の概要", "令和{fy}年度 上半期の財政状況を公表します"]),
    ("shisei", ["shisei/senkyo"], "shisei",
     ["シラサギ市議会議員一般選挙の投票所について", "期日前投票所の開設について"]),
]
GEN_EVENTS = [  # title, calendar category
    ("シラサギ市民まつり", "calendar/bunka"), ("親子で楽しむ科学教室", "calendar/kohen"),
    ("シラサギ川クリーン作戦", "calendar/kohen"), ("市民ウォーキング大会", "calendar/sports"),
    ("図書館おはなし会", "calendar/bunka"), ("防災講演会「地震に備える」", "calendar/kohen"),
    ("シラサギ市民マラソン大会", "calendar/sports"), ("クラシックコンサート in 市民会館", "calendar/bunka"),
]
FILL = {
    "kind": ["上級", "初級", "社会人経験者", "保健師", "消防職"], "job": ["事務補助", "保育士", "図書館司書", "調理員"],
    "project": ["市民会館空調設備改修工事", "公用車購入", "小学校体育館屋根改修工事", "庁舎清掃業務委託"],
    "plan": ["総合計画後期基本計画", "地域福祉計画", "環境基本計画", "公共施設等総合管理計画"],
    "course": ["はじめてのスマートフォン", "シラサギの歴史", "やさしい英会話", "家庭でできる防災"],
    "theme": ["シラサギの民具", "城下町の暮らし", "川とくらし"],
}
ATTACHMENTS = [("pdf", "申込書"), ("pdf", "実施要領"), ("pdf", "チラシ"), ("docx", "申請様式"), ("xlsx", "一覧表"),
               ("pdf", "概要版"), ("pdf", "結果一覧")]
BROKEN_LINKS = [  # what editors leave behind: links to removed pages, the old site, a mistyped folder, a removed file
    ('<p>詳しくは<a href="/docs/page288.html">昨年度のお知らせ</a>をご覧ください。</p>', "/docs/page288.html",
     "removed article"),
    ('<p>過去の実施状況は<a href="/archive/h30/kurashi/index.html">旧ホームページ</a>に掲載しています。</p>',
     "/archive/h30/kurashi/index.html", "old site (excluded from the scope)"),
    ('<p><a href="/kurashi/gomi/recycle/">リサイクルのページへ</a></p>', "/kurashi/gomi/recycle/", "mistyped folder"),
    ('<p><a class="icon-pdf" href="/fs/9/9/9/_/youshiki_r2.pdf">旧様式 (PDF 24KB)</a></p>', "/fs/9/9/9/_/youshiki_r2.pdf",
     "removed attachment"),
]




def tiny_pdf(title: str, pad: int) -> bytes:
    """A small valid PDF (one empty page), padded with a comment so its size looks like a real attachment."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.4\n% placeholder attachment of the SHIRASAGI demo corpus\n")
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


class Site:
    def __init__(self, seed: SeedHost, loc: Locale, today: dt.date, rng: random.Random, n_docs: int, name: str):
        self.seed, self.t, self.today, self.rng = seed, loc.t, today, rng
        self.now = dt.datetime.combine(today, dt.time(17, 0))
        self.name = name
        self.origin = seed.origin
        self.nodes: dict[str, Node] = {}
        self.pages: dict[str, Page] = {}
        self.files_out: dict[str, bytes | Path] = {}   # site path -> content or source file
        self.broken: list[dict] = []
        ids = 0
        for fn, rec in seed.nodes.items():
            ids += 1
            self.nodes[fn] = Node(rec, ids)
        for n in self.nodes.values():
            if n.dirname:
                n.parent = self.nodes.get(n.dirname)
                if n.parent:
                    n.parent.children.append(n)
        self.parts = seed.parts
        self.layouts = seed.layouts
        self.inquiry_form = self.nodes.get("inquiry")
        # the demo's files: files/** is copied to the site root by files.rb; ss_files are SS::File records (/fs/…)
        for rec in seed.files:
            src = seed.demo / rec.get("path")
            self.files_out[rec.get("url").lstrip("/")] = src
            if rec.get("model") in ("article/page", "ss/temp_file", "facility/file", "member/blog_page"):
                self.files_out[rec.get("thumb_url").lstrip("/")] = src
        # pages
        demo_pages = [r for r in seed.pages.values()]
        n_demo = len(demo_pages)
        for i, rec in enumerate(demo_pages):
            ids += 1
            p = Page(rec, ids)
            # the seed stores every page "now": spread the demo pages over the last weeks, in seed order
            p.date = self.now - dt.timedelta(days=(n_demo - i) * 0.6, minutes=i)
            p.updated = p.date
            self.add_page(p)
        self.page_seq = ids
        self.generate_docs(n_docs)
        for p in self.pages.values():
            self.finish_page(p)

    # -- relations
    def add_page(self, p: Page):
        p.parent = self.nodes.get(p.filename.rsplit("/", 1)[0]) if "/" in p.filename else None
        self.pages[p.filename] = p

    def finish_page(self, p: Page):
        cats = []
        for c in p.get("category_ids") or []:
            if isinstance(c, Rec):
                n = self.nodes.get(c.get("filename"))
                if n and n not in cats:
                    cats.append(n)
        p.categories = cats
        dates = []
        for rec in p.get("event_recurrences") or []:
            if not isinstance(rec, dict):
                continue
            start = rec.get("start_at")
            until = rec.get("until_on") or start
            if isinstance(start, dt.datetime):
                start = start.date()
            if isinstance(until, dt.datetime):
                until = until.date()
            if isinstance(start, dt.date):
                d = start
                while d <= until:
                    dates.append(d)
                    d += dt.timedelta(days=1)
        p.event_dates = sorted(set(dates))

    def public_nodes(self):
        return [n for n in self.nodes.values() if n.public]

    def public_pages(self):
        return [p for p in self.pages.values() if p.public]

    # -- generated articles (our own titles over the demo's bodies)
    def body_sources(self):
        """The demo article bodies that are reused: plain HTML bodies and the block-form ones."""
        srcs = []
        for p in self.pages.values():
            if p.route != "article/page" or not p.filename.startswith("docs/") or p.generated:
                continue
            if p.form is None and p.html and len(p.html) > 200:
                srcs.append(("html", p))
            elif p.form is not None and p.form.get("sub_type") == "entry" and len(p.column_values) >= 3:
                srcs.append(("form", p))
        return srcs

    def fill(self, tpl: str, d: dt.date) -> str:
        fy = d.year - 2018 if d.month >= 4 else d.year - 2019
        vals = {"fy": fy, "fy1": fy + 1, "m": d.month, "n": self.rng.randint(2, 60),
                "md": f"{d.month}月{d.day}日"}
        for k, opts in FILL.items():
            vals[k] = self.rng.choice(opts)
        return tpl.format(**vals).replace("令和1年", "令和元年")

    def generate_docs(self, n: int):
        rng = self.rng
        srcs = self.body_sources()
        docs = self.nodes["docs"]
        groups = [g for g in self.seed.groups.values() if g.get("_contacts")]
        pages_layout = self.layouts.get("pages.layout.html")
        file_seq = 900
        broken_at = sorted({max(0, (k * n) // (len(BROKEN_LINKS) + 1) + 1) for k in range(1, len(BROKEN_LINKS) + 1)})
        for i in range(n):
            area, cats, osub, titles = GEN_TOPICS[i % len(GEN_TOPICS)]
            age = int((i / max(n - 1, 1)) ** 1.4 * 390) + rng.randint(0, 5)   # newest first, older ones sparser
            d = self.now - dt.timedelta(days=age, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            title = self.fill(titles[(i // len(GEN_TOPICS)) % len(titles)], d.date())
            self.page_seq += 1
            cat_recs = [self.nodes[c].rec for c in cats if c in self.nodes]
            if osub and age < 200:
                cat_recs += [self.nodes["oshirase"].rec, self.nodes[f"oshirase/{osub}"].rec]
            if age < 60 and i % 7 == 0 and "attention" in self.nodes:
                cat_recs.append(self.nodes["attention"].rec)
            kind, src = srcs[i % len(srcs)]
            g = groups[i % len(groups)]
            contact = g.get("_contacts")[0]
            kw = dict(filename=f"docs/page{400 + i}.html", route="article/page", name=title, layout_id=pages_layout,
                      category_ids=cat_recs, contact_group_id=g, contact_group_contact_id=contact,
                      contact_group_relation="related", generated=True, seq=10_000 + i)
            for f in ("contact_group_name", "contact_charge", "contact_tel", "contact_fax", "contact_email",
                      "contact_postal_code", "contact_address", "contact_link_url", "contact_link_name"):
                kw[f] = contact.get(f)
            extra = []
            if i % 4 == 1:   # attachments, as the editor inserts them (file name, format and size)
                for j in range(1 + i % 3):
                    ext, label = ATTACHMENTS[(i + j) % len(ATTACHMENTS)]
                    file_seq += 1
                    size = rng.choice([38, 64, 125, 210, 480, 820, 1300, 2400]) * 1024 + rng.randint(0, 900)
                    fname = f"{label}_{d.year}{d.month:02d}.{ext}"
                    path = f"fs/{'/'.join(str(file_seq))}/_/{fname}"
                    url = "/" + quote(path)
                    data = tiny_pdf(fname, size) if ext == "pdf" else tiny_office(ext, size)
                    self.files_out[path] = data
                    size = len(data)
                    extra.append(f'<p><a class="icon-{ext}" href="{url}">{label} ({ext.upper()} {human_size(size)})</a></p>')
            if i in broken_at:
                html_link, href, why = BROKEN_LINKS[broken_at.index(i)]
                extra.append(html_link)
                self.broken.append({"page": "/" + kw["filename"], "href": href, "why": why})
            if kind == "html":
                kw["html"] = src.html + ("\n" + "\n".join(extra) if extra else "")
            else:
                kw["form_id"] = src.form
                cvs = list(src.column_values)
                if extra:
                    free = next((c for c in src.form.get("columns") if c.get("type") == "free"), None)
                    if free is not None:
                        cvs.append(ColumnValue(free, {"column": free, "value": "\n".join(extra), "order": 99}))
                kw["column_values"] = cvs
            if i % 9 == 4:   # events for the calendar
                ev_title, ev_cat = GEN_EVENTS[(i // 9) % len(GEN_EVENTS)]
                start = self.today + dt.timedelta(days=rng.randint(-20, 45))
                kw["name"] = f"{ev_title}を開催します"
                kw["event_name"] = ev_title
                kw["event_recurrences"] = [{"kind": "date", "start_at": start, "frequency": "daily",
                                            "until_on": start + dt.timedelta(days=rng.choice([0, 0, 1, 2]))}]
                cat_recs = [self.nodes[ev_cat].rec, self.nodes["oshirase"].rec, self.nodes["oshirase/event"].rec]
                kw["category_ids"] = cat_recs
                d = self.now - dt.timedelta(days=rng.randint(3, 40))
            p = Page(None, self.page_seq, **kw)
            p.date = p.updated = d
            self.add_page(p)

    def blog_thumb(self, node: Node) -> str:
        """The blog's image (in_image: files/img/logo.png in the seed), stored as an SS::File."""
        key = "_blog_thumb_" + node.filename
        if key not in self.__dict__:
            fid = 800 + len([k for k in self.__dict__ if k.startswith("_blog_thumb_")])
            path = f"fs/{'/'.join(str(fid))}/_/thumb/logo.png"
            self.files_out[path] = self.seed.demo / "files/img/logo.png"
            self.__dict__[key] = "/" + path
        return self.__dict__[key]

    def file_size(self, f: Rec) -> int:
        data = self.files_out.get(f.get("url").lstrip("/"))
        if isinstance(data, Path):
            return data.stat().st_size if data.exists() else 0
        return len(data or b"")
# ----------------------------------------------------------------------------------------------------------------
# rendering: ports of SHIRASAGI's public views

@dataclass
class Ctx:
    path: str                      # @cur_path ("/docs/page1.html", "/kurashi/")
    item: object                   # @cur_page or @cur_node (what the layout renders)
    page: Page | None = None       # @cur_page
    node: Node | None = None       # @cur_node (the node a page lives in, or the node being listed)
    request: str = ""              # the requested path (canonical URL)

    def __post_init__(self):
        # Cms::PublicFilter#parse_path / #index: "/kurashi/" -> "/kurashi/index.html", "index.p2.html" -> "index.html"
        self.request = self.request or self.path
        if self.path.endswith("/"):
            self.path += "index.html"
        self.path = re.sub(r"\.p[1-9]\d*\.html$", ".html", self.path)


class ContentDrop(Drop):
    """Cms::ContentLiquid for nodes and pages."""

    def __init__(self, r: "Renderer", obj, ctx: Ctx, issuer=None):
        self.r, self.obj, self.ctx, self.issuer = r, obj, ctx, issuer

    def lookup(self, name):
        o, r = self.obj, self.r
        if name in ("id", "name", "url", "basename", "filename", "depth", "order"):
            return getattr(o, name)
        if name == "index_name":
            return o.index_name
        if name == "full_url":
            return r.site.origin + o.url
        if name == "parent":
            return ContentDrop(r, o.parent, self.ctx, self.issuer) if o.parent else None
        if name == "css_class":
            return r.css_class(o)
        if name == "current?":
            return r.current_url(o.url, self.ctx) is not None
        if name in ("date", "released", "updated", "created"):
            return getattr(o, "date", None) if isinstance(o, Page) else None
        if name == "new?":
            return r.in_new_days(self.issuer, o) if isinstance(o, Page) else False
        if isinstance(o, Node):
            if name == "nodes":
                return [ContentDrop(r, n, self.ctx, self.issuer) for n in r.child_nodes_of(o)]
            if name == "pages":
                return [ContentDrop(r, p, self.ctx, self.issuer) for p in r.pages_of(o)]
            if name == "summary":
                return o.get("summary_html")
        if isinstance(o, Page):
            if name == "html":
                return r.page_render_html(o) if o.form else o.html
            if name == "summary":
                return r.summary(o)
            if name == "values":
                return ValuesDrop(r, o)
            if name == "categories":
                return [ContentDrop(r, c, self.ctx, self.issuer) for c in sorted(o.categories, key=lambda c: (c.order, c.name))]
        return None

    def to_liquid_s(self):
        return str(self.obj.name)


class ValuesDrop(Drop):
    def __init__(self, r, page):
        self.r, self.page = r, page

    def lookup(self, name):
        if name == "__items__":
            return [ColumnValueDrop(self.r, cv, self.page) for cv in self.r.sorted_values(self.page)]
        for cv in self.page.column_values:
            if cv.column.get("name") == name:
                return ColumnValueDrop(self.r, cv, self.page)
        return None


class ColumnValueDrop(Drop):
    def __init__(self, r, cv, page):
        self.r, self.cv, self.page = r, cv, page

    def lookup(self, name):
        if name in ("html", "to_s"):
            return self.r.column_value_html(self.cv)
        if name == "name":
            return self.cv.column.get("name")
        if name == "value":
            return self.cv.get("value")
        return self.cv.get(name)

    def to_liquid_s(self):
        return self.r.column_value_html(self.cv)


class Renderer:
    def __init__(self, site: Site):
        self.site = site
        self.t = site.t
        self.part_cache: dict = {}
        self.liquid_cache: dict = {}
        self.search_node = next((n for n in site.public_nodes() if n.route == "cms/site_search"), None)

    # ---------------------------------------------------------------------------------------------- basics
    def css_class(self, o):
        """template_variable_handler_class: basename without extension, dasherized."""
        return re.sub(r"\..*", "", o.basename).replace("_", "-")

    def current_url(self, url: str, ctx: Ctx):
        current = ctx.path.split("?")[0]
        if not current.replace("/", ""):
            return None
        if re.sub(r"/index\.html$", "/", url) == re.sub(r"/index\.html$", "/", current):
            return "current"
        if re.match("^" + re.escape(url.rstrip("/")) + r"(/|\?|$)", current):
            return "current"
        return None

    def in_new_days(self, issuer, page: Page) -> bool:
        if issuer is None:
            return False
        nd = issuer.new_days if isinstance(issuer, Node) else self.part_new_days(issuer)
        return page.date + dt.timedelta(days=nd) > self.site.now

    def part_new_days(self, part: Rec):
        v = part.get("new_days")
        if v is None:
            return 1
        return 30 if v < 0 or v > 30 else v

    def date_s(self, d, fmt="default"):
        if d is None:
            return ""
        if isinstance(d, dt.datetime):
            d = d.date()
        if fmt == "long":
            return ymd_long(d)
        if fmt == "iso":
            return d.isoformat()
        if fmt == "short":
            return f"{d.month}/{d.day}"
        return f"{d.year}/{d.month}/{d.day}"

    def summary(self, p: Page):
        if p.get("summary_html"):
            return p.get("summary_html")
        html = self.page_render_html(p) if p.form else p.html
        if not html:
            return None
        text = re.sub(r"<[^>]*>", "", html)
        text = htmllib.unescape(text)
        text = " ".join(text.split())
        if not text:
            return None
        return text if len(text) <= 120 else text[:117] + "..."

    def description(self, p):
        html = self.page_render_html(p) if isinstance(p, Page) and p.form else getattr(p, "html", None)
        if isinstance(p, Page) and p.get("description") and p.get("description_setting") == "manual":
            return p.get("description")
        if not html:
            return p.get("description") if isinstance(p, Page) else None
        text = " ".join(htmllib.unescape(re.sub(r"<[^>]*>", "", html)).split())
        if not text:
            return p.get("description")
        return text if len(text) <= 60 else text[:57] + "..."

    # ---------------------------------------------------------------------------------------------- queries
    def child_nodes_of(self, node: Node):
        items = [n for n in node.children if n.public]
        return self.sort_nodes(items, node.get("sort"))

    def sort_nodes(self, items, sort):
        key = (sort or "filename").split(" ")[0]
        desc = bool(sort) and sort.endswith("-1")
        def k(n):
            v = getattr(n, key, None) if key in ("order", "name", "filename") else n.filename
            return (v if v is not None else 0, n.seq)
        return sorted(items, key=k, reverse=desc)

    def locations(self, item, is_part: bool, request_dir: str | None = None):
        """Cms::Addon::List::Model#interpret_conditions: the node filenames whose pages are listed."""
        locs = []
        interp_default = False
        conds = item.conditions if isinstance(item, Node) else (item.get("conditions") or [])
        for c in conds:
            c = c.strip().strip("/")
            if "#{request_dir}" in c:
                if not request_dir:
                    continue
                cur_dir = re.sub(r"/[\w\-.]*?$", "", request_dir).lstrip("/")
                c = c.replace("#{request_dir}", cur_dir)
                interp_default = True
            locs.append(c)
        if not interp_default:
            if is_part:
                parent = self.part_parent(item)
                locs.append(parent.filename if parent else ":root")
            else:
                locs.append(item.filename)
        return locs

    def pages_matching(self, locs):
        out, seen = [], set()
        nodes = [self.site.nodes.get(l) for l in locs if l != ":root"]
        nodes = [n for n in nodes if n is not None]
        root = ":root" in locs
        for p in self.site.public_pages():
            ok = False
            if root and "/" not in p.filename:
                ok = True
            for n in nodes:
                if p.filename.startswith(n.filename + "/") and p.depth == n.depth + 1:
                    ok = True
                elif n in p.categories:
                    ok = True
            if ok and p.filename not in seen:
                seen.add(p.filename)
                out.append(p)
        return out

    def sort_pages(self, items, sort, default="released -1"):
        sort = sort or default
        key = sort.split(" ")[0]
        desc = sort.endswith("-1")
        def k(p):
            if key in ("released", "updated", "created"):
                v = p.date
            elif key == "order":
                v = p.order
            elif key == "name":
                v = p.name
            else:
                v = p.filename
            return (v, p.seq if not desc else -p.seq)
        return sorted(items, key=k, reverse=desc)

    def pages_of(self, node: Node):
        items = self.pages_matching(self.locations(node, False))
        return self.sort_pages(items, node.get("sort"))

    def part_parent(self, part: Rec):
        fn = part.get("filename")
        if "/" not in fn:
            return None
        return self.site.nodes.get(fn.rsplit("/", 1)[0])

    def part_url(self, part: Rec):
        return "/" + part.get("filename")

    # ---------------------------------------------------------------------------------------------- #{...} loops
    def render_loop_html(self, item, tpl: str, issuer, ctx: Ctx) -> str:
        def repl(m):
            name = m.group(1)
            v = self.template_variable(item, name, issuer, ctx)
            return "" if v is None else str(v)
        out = re.sub(r"#\{([^}]*)\}", repl, tpl)
        return out

    def template_variable(self, o, name, issuer, ctx):
        if name in ("id",):
            return h(o.id)
        if name in ("name", "url"):
            return h(getattr(o, name))
        if name == "index_name":
            return h(o.index_name or o.name)
        if name == "class":
            return self.css_class(o)
        if name == "new":
            return "new" if isinstance(o, Page) and self.in_new_days(issuer, o) else None
        if name == "current":
            return "#{current}"   # replaced by the list renderer (current_url?)
        if name == "summary":
            s = o.get("summary_html") if isinstance(o, Node) else self.summary(o)
            return h(s) if s else ""
        if name == "html":
            return o.html if isinstance(o, Page) else None
        if name.startswith("date") or name.startswith("time"):
            d = getattr(o, "date", None)
            if d is None:
                return ""
            fmt = name.split(".")[1] if "." in name else "default"
            if name.startswith("date"):
                return self.date_s(d, fmt)
            return f"{d.year}/{d.month}/{d.day} {d.hour:02d}:{d.minute:02d}" if fmt == "default" else \
                (f"{ymd_long(d)} {d.hour:02d}時{d.minute:02d}分" if fmt == "long" else d.strftime("%Y-%m-%d %H:%M"))
        if name in ("thumb.src", "img.src"):
            if isinstance(o, Page):
                if name == "thumb.src" and o.thumb is not None:
                    return o.thumb.get("url")
                html = self.page_render_html(o) if o.form else (o.html or "")
                m = re.search(r'<img[^>]+src="([^"]+)"', html)
                if m:
                    return m.group(1)
            return "/assets/img/dummy.png"
        if name == "categories":
            return "".join(f'<span class="{c.basename}"><a href="{c.url}">{h(c.name)}</a></span>'
                           for c in sorted(o.categories, key=lambda c: (c.order, c.name))) if isinstance(o, Page) else ""
        if name == "class_categories":
            return " ".join("item-" + c.basename for c in sorted(o.categories, key=lambda c: (c.order, c.name))) \
                if isinstance(o, Page) else None
        if name == "pages.count":
            return str(len(self.pages_of(o))) if isinstance(o, Node) else ""
        return None

    def loop_settings(self, item):
        return {k: (item.get(k) if isinstance(item, (Node, Rec)) else None)
                for k in ("upper_html", "lower_html", "loop_html", "substitute_html", "loop_liquid", "loop_format",
                          "no_items_display_state")}

    def render_list(self, item, items, kind: str, ctx: Ctx, issuer=None, extra_assigns=None) -> str:
        """Cms::ListHelper#render_page_list / render_node_list."""
        s = self.loop_settings(item)
        issuer = issuer if issuer is not None else item
        if not items and s["no_items_display_state"] == "hide":
            return s["substitute_html"] or ""
        if s["loop_format"] != "liquid":
            hparts = []
            if s["upper_html"]:
                hparts.append(s["upper_html"])
            if not items and s["substitute_html"]:
                hparts.append(s["substitute_html"])
            default = DEFAULT_PAGE_LOOP_HTML if kind == "page" else DEFAULT_NODE_LOOP_HTML
            tpl = s["loop_html"] or default
            for it in items:
                ih = self.render_loop_html(it, tpl, issuer, ctx)
                ih = ih.replace("#{current}", self.current_url(it.url, ctx) or "")
                hparts.append(ih)
            if s["lower_html"]:
                hparts.append(s["lower_html"])
            return "\n".join(hparts)
        source = s["loop_liquid"] or (DEFAULT_PAGE_LOOP_LIQUID if kind == "page" else DEFAULT_NODE_LOOP_LIQUID)
        drops = [ContentDrop(self, it, ctx, issuer) for it in items]
        assigns = {"pages" if kind == "page" else "nodes": drops}
        if isinstance(item, Rec):
            assigns["part"] = None
        if ctx.node is not None:
            assigns["node"] = ContentDrop(self, ctx.node, ctx, issuer)
        if ctx.page is not None:
            assigns["page"] = ContentDrop(self, ctx.page, ctx, issuer)
        if extra_assigns:
            assigns.update(extra_assigns)
        return self.liquid(source, assigns, ctx)

    def liquid(self, source, assigns, ctx=None):
        base_url = None

        def ss_date(v, fmt="default"):
            return self.date_s(v, fmt) if isinstance(v, (dt.date, dt.datetime)) else ("" if v is None else str(v))

        def ss_time(v, fmt="default"):
            if not isinstance(v, dt.datetime):
                return ""
            if fmt == "iso":
                return v.strftime("%Y-%m-%d %H:%M")
            if fmt == "h_mm":
                return f"{v.hour}:{v.minute:02d}"
            return v.strftime("%Y/%-m/%-d %H:%M")

        def ss_img_src(v, *a):
            m = re.search(r'<img[^>]+src="([^"]+)"', str(v or ""))
            return m.group(1) if m else None

        def expand_path(v, base=None):
            if not v:
                return v
            if v.startswith("/") or re.match(r"^\w+://", v):
                return v
            return (base or "/") + v

        filters = {"ss_date": ss_date, "ss_time": ss_time, "ss_img_src": ss_img_src, "expand_path": expand_path}
        tpl = self.liquid_cache.get(source)
        if tpl is None:
            tpl = self.liquid_cache[source] = Liquid(source)
        tpl.filters = filters
        return tpl.render(assigns)

    # ---------------------------------------------------------------------------------------------- layout
    def render(self, content: str, ctx: Ctx, layout: Rec | None) -> str:
        """Cms::PublicFilter::Layout#render_layout + layouts/cms/page.html.erb."""
        item = ctx.item
        window = self.site.name
        if item.filename != "index.html":
            window = f"{item.window_name or item.name} -  {self.site.name}"
        if layout is None or not layout.get("html"):
            body_html = content
            head_html = ""
        else:
            lhtml = layout.get("html")
            blog = item if isinstance(item, Node) and item.route == "member/blog_page" else (
                item.parent if isinstance(item, Page) and item.route == "member/blog_page" else None)
            if blog is not None:   # Member::Agents::*::BlogPageController#render_blog_layout
                lhtml = re.sub(r"#\{(.+?)\}", lambda mm: self.blog_template(mm.group(1), blog) or mm.group(0), lhtml)
            m = re.search(r"(<body.*</body>)", lhtml, re.S | re.I)
            body_html = m.group(1) if m else ""
            body_html = self.render_body_class(body_html, ctx)
            body_html = self.render_conditional_tag(body_html, ctx)
            body_html = self.render_layout_parts(body_html, layout, ctx)
            body_html = self.render_kana_tool(body_html)
            body_html = self.render_theme_tool(body_html)
            body_html = self.render_template_variables(body_html, item)
            body_html = self.render_conditional_tag(body_html, ctx)
            body_html = re.sub(r"(\{\{ yield \}\}|</ yield />)",
                               lambda _m: "<!-- layout_yield -->" + content + "<!-- /layout_yield -->", body_html,
                               count=1)
            tm = re.search(r"<title>(.*?)</title>(\r|\n)*", body_html)
            if tm:
                window = tm.group(1)
                body_html = body_html[:tm.start()] + body_html[tm.end():]
            body_html = re.sub(r"<meta[^>]*charset=[^>]*>", "", body_html, count=1)
            # layout.head
            head_html = None
            if re.search(r"<head>", lhtml):
                tags = []
                kws = item.get("keywords") if isinstance(item, (Page, Node)) else None
                if isinstance(kws, list):
                    kws = ", ".join(kws)
                if kws:
                    tags.append(f'<meta name="keywords" content="{h(kws)}" />')
                tags.append('<meta name="description" content="#{description}" />')
                tags.append(re.sub(r"(?is).*?<head>(.*)</head>.*", r"\1", lhtml))
                head_html = "\n".join(tags)
                head_html = self.render_layout_parts(head_html, layout, ctx)
                head_html = self.render_template_variables(head_html, item)
                head_html = self.render_conditional_tag(head_html, ctx)
        canonical = self.canonical(ctx)
        out = ["<!doctype html>", '<html lang="ja">', "", "<head>", '<meta charset="UTF-8" />',
               f"<title>{h(window)}</title>"]
        if canonical:
            out.append(f'<link rel="canonical" href="{h(canonical)}">')
        out.append('<link rel="stylesheet" href="/assets/cms/public.css" media="all" />')
        out.append('<link rel="stylesheet" href="/assets/jplayer.css" media="all" />')
        out.append('<script src="/assets/cms/compat.js"></script>')
        out.append('<script src="/assets/cms/public.js"></script>')
        out.append('<script src="/assets/jplayer.js"></script>')
        if "ss-swiper-slide" in body_html:
            out.append('  <link rel="stylesheet" href="/assets/swiper.css" media="all" />')
            out.append("")
            out.append('  <script src="/assets/swiper.js" defer="defer"></script>')
            out.append("")
        out.append(javascript_tag(f"\n  SS.config = {json.dumps(self.ss_config(ctx), ensure_ascii=False, separators=(',', ':'))};\n"))
        if head_html:
            out.append(head_html)
        out.append("</head>")
        out.append("")
        out.append(body_html)
        out.append("")
        out.append("</html>")
        return "\n".join(out) + "\n"

    def blog_template(self, name, node: Node):
        """Member::BlogPageHelper#render_blog_template."""
        if name == "genres":
            genres = node.get("genres") or []
            if not genres:
                return ""
            pages = [p for p in self.site.public_pages() if p.parent is node]
            out = ['<div class="member-blog-pages genres">', f'<h2>{self.t("member.view.blog.genres")}</h2>', "<ul>"]
            for g in genres:
                cnt = sum(1 for p in pages if g in (p.get("genres") or []))
                if cnt:
                    out.append(f'<li><a href="{node.url}?g={sanitize(g)}">{sanitize(g)}({cnt})</a></li>')
            out += ["</ul>", "</div>"]
            return "".join(out)
        if name == "thumb":
            src = self.site.blog_thumb(node)
            return ('<article class="member-blog-pages thumb">' f'<img src="{src}" class="thumb" />'
                    f'<header><h2><a href="{node.url}">{sanitize(node.name)}</a></h2></header>'
                    '<div class="contributor"></div>'
                    f'<div class="description">{sanitize(node.get("description") or "")}</div></article>')
        return None

    def canonical(self, ctx: Ctx):
        path = ctx.request
        if re.fullmatch(r"/\d{3}\.html", path):
            return None
        if path.endswith("/index.html"):
            path = path[:-10]
        return self.site.origin + path

    def ss_config(self, ctx: Ctx):
        theme = {}
        for t in sorted(self.site.seed.theme_templates, key=lambda r: r.get("order") or 0):
            if t.get("state") != "public":
                continue
            e = {"css_path": t.get("css_path"), "name": t.get("name")}
            if t.get("high_contrast_mode") == "enabled":
                e["font_color"] = t.get("font_color")
                e["background_color"] = t.get("background_color")
            else:
                e["font_color"] = None
                e["background_color"] = None
            theme[t.get("class_name")] = e
        item = ctx.item
        path = ctx.path + ("index.html" if ctx.path.endswith("/") else "")
        target = "Cms::Page" if isinstance(item, Page) else "Cms::Node"
        return {"site_url": "/", "kana_url": "/kana/", "translate_url": "/translate/", "theme": theme,
                "recommend": {"receiver_url": f"{self.site.origin}/.s1/recommend/history/receiver.json",
                              "params": {"path": path, "target_class": target, "target_id": item.id}}}

    def render_body_class(self, html, ctx: Ctx):
        path = ctx.path
        body_id = "body-" + re.sub(r"[^\w-]+", "-", re.sub(r"\.html$", "", re.sub(r"/$", "/index", path)))
        prefix = "body-"
        segs = re.sub(r"/[^/]+\.html$", "", path).lstrip("/").split("/")
        classes = []
        for s in segs:
            prefix = f"{prefix}-" + re.sub(r"[^\w-]+", "-", s)
            classes.append(prefix)
        body_cls = " ".join(classes) if segs != [""] else "body--"
        if segs == [""]:
            body_cls = ""

        def repl(m):
            tag = m.group(0)
            if ' class="' in tag:
                tag = tag.replace(' class="', f' class="{body_cls} ', 1)
            else:
                tag = tag.replace("<body", f'<body class="{body_cls}"', 1)
            if ' id="' not in tag:
                tag = tag.replace("<body", f'<body id="{body_id}"', 1)
            return tag
        return re.sub(r"<body.*?>", repl, html, count=1)

    COND_RE = re.compile(r"#\{ ?if (?P<cond>[^(]*)\('?/?(?P<path>[^')]*)'?\) ?\}(?P<data>.*?)#\{ ?end(?:if)? ?\}", re.S)
    BRANCH_RE = re.compile(r"#\{ ?(?:(?:else?if) (?P<cond>[^(]*)\('?/?(?P<path>[^')]*)'?\)|(?P<else>else)) ?\}")

    def render_conditional_tag(self, html, ctx: Ctx):
        """Cms::PublicFilter::ConditionalTag (#{if is_page('...')} ... #{elsif ...} ... #{else} ... #{end})."""
        if "#{" not in html:
            return html

        def holds(cond, path):
            item = ctx.item
            if cond == "is_page":
                return ctx.page is not None and ctx.page.filename.startswith(path)
            if cond == "is_node":
                return ctx.page is None and isinstance(item, Node) and item.filename.startswith(path)
            if cond == "in_node":
                return item.filename.startswith(path)
            if cond == "has_pages":
                if ctx.page is not None or not isinstance(item, Node):
                    return False
                return bool(self.pages_matching([item.filename]))
            return False

        def repl(m):
            branches = []
            body = m.group("data")
            cond, path = m.group("cond").strip(), m.group("path")
            pos = 0
            for b in self.BRANCH_RE.finditer(body):
                branches.append((cond, path, body[pos:b.start()]))
                cond, path = ("else", None) if b.group("else") else (b.group("cond").strip(), b.group("path"))
                pos = b.end()
            branches.append((cond, path, body[pos:]))
            for c, p, data in branches:
                if c == "else" or holds(c, p):
                    return data
            return ""
        return self.COND_RE.sub(repl, html)

    def render_kana_tool(self, html):
        if "ss-kana" not in html:
            return html
        label = self.t("cms.links.ruby_on")
        html = re.sub(r'(<div[^>]+id="ss-kana"(?![^>]*data-tool-type="button")[^>]*>)(.*?)(</div>)',
                      lambda m: m.group(1) + label + m.group(3), html, flags=re.S)
        html = re.sub(r'(<div[^>]+data-tool="ss-kana"(?![^>]*data-tool-type="button")[^>]*>)(.*?)(</div>)',
                      lambda m: m.group(1) + label + m.group(3), html, flags=re.S)
        return html

    def render_theme_tool(self, html):
        tpl = "".join(f'<a href="#" class="{t.get("class_name")}">{t.get("name")}</a>'
                      for t in self.site.seed.theme_templates if t.get("state") == "public")
        if 'id="ss-theme"' in html:
            html = re.sub(r'(<.+? id="ss-theme".*?>)(.*?)(</.+?>)', lambda m: m.group(1) + tpl + m.group(3), html)
        if 'data-tool="ss-theme"' in html:
            html = re.sub(r'(<.+? data-tool="ss-theme".*?>)(.*?)(</.+?>)', lambda m: m.group(1) + tpl + m.group(3), html)
        return html

    def render_template_variables(self, html, item):
        html = html.replace("#{page_name}", h(item.name))
        html = html.replace("#{parent_name}", h(item.parent.name if item.parent else ""))
        if "#{description}" in html:
            html = html.replace("#{description}", h(self.description(item) or "") if isinstance(item, Page)
                                else h(item.get("description") or ""))

        def date_repl(m):
            d = item.date if isinstance(item, Page) else None
            if d is None:
                return ""
            fmt = (m.group("format") or "").lstrip(".") or "default"
            if m.group("datetime"):
                s = (f"{ymd_long(d)} {d.hour:02d}時{d.minute:02d}分" if fmt == "long"
                     else d.strftime("%Y-%m-%d %H:%M") if fmt == "iso" else f"{d.year}/{d.month}/{d.day} {d:%H:%M}")
                iso = d.strftime("%Y-%m-%d %H:%M")
            else:
                s = self.date_s(d, fmt)
                iso = self.date_s(d, "iso")
            if m.group("time"):
                return f'<time datetime="{iso}">{s}</time>'
            return s
        html = re.sub(r"#\{(?P<time>|time\.)page_(?P<item>released|updated)(?P<format>|\.default|\.iso|\.long|\.short)"
                      r"(?P<datetime>|_datetime)\}", date_repl, html)
        if "#{page_thumb.src}" in html:
            src = item.thumb.get("url") if isinstance(item, Page) and item.thumb is not None else "/assets/img/dummy.png"
            html = html.replace("#{page_thumb.src}", src)
        return html

    def render_layout_parts(self, html, layout: Rec, ctx: Ctx):
        ldir = layout.get("filename").rsplit("/", 1)[0] if "/" in layout.get("filename") else None

        def norm(m):
            path = m.group(2) + ".part.html"
            if path.startswith("/"):
                path = path[1:]
            elif ldir:
                path = f"{ldir}/{path}"
            return '{{ part "' + path + '" }}'
        html = re.sub(r'(</|\{\{) part "(.*?)" (/>|\}\})', norm, html)

        def repl(m):
            part = self.site.parts.get(m.group(1))
            if part is None or part.get("state") == "closed":
                return ""
            return self.render_layout_part(part, ctx)
        return re.sub(r'\{\{ part "(.*?)" \}\}', repl, html)

    def render_layout_part(self, part: Rec, ctx: Ctx) -> str:
        if part.get("ajax_view") == "enabled":
            name = part.get("name")
            url = self.part_url(part)
            self.site.ajax_parts.setdefault(part.get("filename"), part)
            return f'<a class="ss-part" data-href="{re.sub(r".html$", ".json", url)}" aria-busy="true">{name}</a>'
        body = self.render_part(part, ctx)
        if body is None:
            return ""
        body = body.replace("#{part_name}", h(part.get("name")))
        if "#{part_parent" in body:
            pp = self.part_parent(part)
            body = body.replace("#{part_parent_name}", h(pp.name if pp else part.get("name")))
        if "parent_name}" in body:
            cur = re.sub(r"/[\w\-.]*?$", "", ctx.path).lstrip("/")
            parent = self.site.nodes.get(cur)
            if parent:
                body = body.replace("#{parent_name}", h(parent.name))
                body = body.replace("#{parent.parent_name}", h(parent.parent.name if parent.parent else parent.name))
        return body

    # ---------------------------------------------------------------------------------------------- parts
    PATH_INDEPENDENT = {"cms/site_search_history", "cms/site_search_keyword", "cms/clipboard_copy", "cms/print",
                        "chat/bot", "key_visual/swiper_slide", "event/search", "image_map/page",
                        "recommend/similarity", "faq/search", "member/login", "translate/tool", "cms/tabs"}

    def render_part(self, part: Rec, ctx: Ctx):
        route = part.get("route")
        if route == "cms/free":
            return part.get("html") or ""
        if route in self.PATH_INDEPENDENT or (route in ("article/page", "cms/page") and not self.path_dependent_list(part)):
            key = part.get("filename")
            if key not in self.part_cache:
                self.part_cache[key] = self._render_part(part, ctx)
            return self.part_cache[key]
        return self._render_part(part, ctx)

    def path_dependent_list(self, part):
        src = (part.get("loop_html") or "") + (part.get("loop_liquid") or "")
        return "#{current}" in src or "current?" in src or any("#{request_dir}" in c for c in part.get("conditions") or []) \
            or (not part.get("loop_html") and not part.get("loop_liquid"))

    def _render_part(self, part: Rec, ctx: Ctx):
        route = part.get("route")
        fn = getattr(self, "part_" + route.replace("/", "_"), None)
        if fn is None:
            self.site.unsupported.add("part " + route)
            return ""
        return fn(part, ctx)

    def part_article_page(self, part, ctx):
        items = self.pages_matching(self.locations(part, True, ctx.path))
        items = [p for p in items if p.route == "article/page"]
        items = self.sort_pages(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="article-pages pages">\n' + self.render_list(part, items, "page", ctx) + "\n</div>\n"

    def part_cms_page(self, part, ctx):
        items = self.pages_matching(self.locations(part, True, ctx.path))
        items = self.sort_pages(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="cms-pages pages">\n' + self.render_list(part, items, "page", ctx) + "\n</div>\n"

    def part_limit(self, part):
        v = part.get("limit")
        return 20 if not isinstance(v, int) or v < 1 or v > 1000 else v

    def part_cms_node(self, part, ctx):
        node = self.part_parent(part)
        items = self.part_node_items(node, lambda n: True)
        items = self.sort_nodes(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="cms-nodes nodes">\n' + self.render_list(part, items, "node", ctx) + "\n</div>\n"

    def part_node_items(self, node, pred):
        if node and node.dirname:
            return [n for n in self.site.public_nodes() if n.filename.startswith(node.dirname + "/")
                    and n.depth == node.depth and pred(n)]
        if node:
            return [n for n in self.site.public_nodes() if n.filename.startswith(node.filename + "/")
                    and n.depth == node.depth + 1 and pred(n)]
        return [n for n in self.site.public_nodes() if n.depth == 1 and pred(n)]

    def part_category_node(self, part, ctx):
        cur_node = self.part_parent(part)
        path = re.sub(r"/[^/]*$", "", ctx.path).lstrip("/")
        node = self.site.nodes.get(path)
        if node is None or not node.route.startswith("category/"):
            node = cur_node
        items = self.part_node_items(node, lambda n: n.route.startswith("category/"))
        items = self.sort_nodes(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="category-nodes nodes">\n' + self.render_list(part, items, "node", ctx) + "\n</div>\n"

    def part_cms_node2(self, part, ctx):
        if part.get("list_origin") == "content":
            if ctx.page is not None:
                origin = ctx.page.parent
            elif isinstance(ctx.item, Node):
                origin = ctx.item.parent
            else:
                origin = None
        else:
            origin = self.part_parent(part)
        routes = [r for r in (part.get("node_routes") or []) if r]
        if origin:
            items = [n for n in self.site.public_nodes() if n.filename.startswith(origin.filename + "/")
                     and n.depth == origin.depth + 1]
        else:
            items = [n for n in self.site.public_nodes() if n.depth == 1]
        if routes:
            items = [n for n in items if n.route in routes]
        items = self.sort_nodes(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="cms-nodes nodes">\n  ' + self.render_list(part, items, "node", ctx) + "\n</div>\n"

    def part_cms_tabs(self, part, ctx):
        tabs = []
        for c in part.get("conditions") or []:
            node = self.site.nodes.get(c)
            if node is None or not node.public:
                continue
            pages = self.sort_pages(self.pages_of(node), "released -1")[: self.part_limit(part)]
            rss = node.url + "rss.xml" if node.route in ("category/page", "article/page", "cms/page", "event/page",
                                                         "faq/page") else None
            tabs.append({"name": node.name, "url": node.url, "rss": rss, "pages": pages})
        pid = part.id
        out = [jquery(f'SS_Tabs.render("#cms-tabs-{pid}");'), "", f'<div class="cms-tabs tabs" id="cms-tabs-{pid}">']
        for idx, tab in enumerate(tabs):
            out.append(f'  <article class="tab" id="cms-tab-{pid}-{idx}">')
            out.append(f'    <header><h2>{h(tab["name"])}</h2></header>')
            out.append('    <div class="pages">')
            out.append("      " + self.render_list(part, tab["pages"], "page", ctx))
            out.append("    </div>")
            out.append('    <nav class="feed">')
            out.append("      " + link_to(h(self.t("ss.links.more")), tab["url"], class_="more"))
            out.append("      " + (link_to("RSS", tab["rss"], class_="rss") if tab["rss"] else ""))
            out.append("    </nav>")
            out.append("  </article>")
        out.append("</div>")
        return "\n".join(out) + "\n"

    def part_cms_crumb(self, part, ctx):
        root = self.part_parent(part)
        root_url = root.url if root else "/"
        if not ctx.path.startswith(root_url):
            return '<div class="crumbs">\n</div>\n'
        path = ctx.path.lstrip("/")
        page = self.site.pages.get(path) or (self.site.pages.get(path + "index.html") if path.endswith("/") or not path else None)
        if page is None and (path == "" or path.endswith("/")):
            page = self.site.pages.get(path + "index.html")
        urls = [path]
        if ctx.page is not None and ctx.page.get("parent_crumb_urls"):
            urls = [u for u in ctx.page.get("parent_crumb_urls") if u]
        home = part.get("home_label") or "HOME"
        out = ['<div class="crumbs">']
        for url in urls:
            items = [(home, root_url)]
            segs = url.strip("/").split("/")
            acc = []
            for s in segs:
                acc.append(s)
                n = self.site.nodes.get("/".join(acc))
                if n is None:
                    continue
                if root and root.depth >= n.depth:
                    continue
                items.append((n.name, n.url))
            if page is not None:
                last = items[-1]
                if not (last[0] == page.name and page.url.endswith("/index.html")):
                    items.append((page.name, page.url))
            html = []
            for idx, (name, url_) in enumerate(items):
                if idx > 0:
                    html.append('<span class="separator">&rsaquo;</span>')
                link = h(name) if idx + 1 == len(items) else f'<a itemprop="item" href="{h(url_)}">{h(name)}</a>'
                html.append('<span class="page" itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
                            f'<span itemprop="name">{link}</span><meta itemprop="position" content="{idx + 1}"></span>')
            out.append('    <div class="crumb" itemscope itemtype="https://schema.org/BreadcrumbList">')
            out.append("      " + "".join(html))
            out.append("    </div>")
        out.append("</div>")
        return "\n".join(out) + "\n"

    def part_cms_site_search_history(self, part, ctx):
        node = self.search_node
        if node is None:
            return ""
        label = self.t("cms.search_contents")
        out = [jquery(f'Cms_Site_Search_History.render(".site-search-history-part", "{self.site.origin}{node.url}");'), ""]
        if part.get("upper_html"):
            out.append(part.get("upper_html"))
        out.append(f'<form class="site-search-history-part" action="{node.url}" accept-charset="UTF-8" method="get">')
        out.append('  <div class="site-search-keyword">')
        out.append(f'    <input type="text" title={label} placeholder={label} class="text" id="s_keyword" size="40" '
                   'name="s[keyword]" autocomplete="off">')
        out.append('    <ul class="site-search-history notranslate" style="display: none;"></ul>')
        out.append("  </div>")
        out.append(f'  <button type="submit" id="search-button">{self.t("ss.buttons.search")}</button>')
        out.append("</form>")
        if part.get("lower_html"):
            out.append(part.get("lower_html"))
        return "\n".join(out) + "\n"

    def part_cms_site_search_keyword(self, part, ctx):
        node = self.search_node
        kws = part.get("site_search_keywords") or []
        if node is None or not kws:
            return ""
        out = []
        if part.get("upper_html"):
            out.append(part.get("upper_html"))
        out.append("<ul>")
        for kw in kws:
            if "," in kw:
                kw, url = kw.split(",")[0], kw.split(",")[-1]
            else:
                url = node.url + "?" + "s%5Bkeyword%5D=" + quote(kw)
            out.append(f"    <li>{link_to(h(kw), url, rel='nofollow')}</li>")
        out.append("</ul>")
        if part.get("lower_html"):
            out.append(part.get("lower_html"))
        return "\n".join(out) + "\n"

    def part_cms_sns_share(self, part, ctx):
        orders = part.get("sns_share_orders") or {}
        services = sorted(orders.items(), key=lambda kv: int(kv[1]))
        if not services:
            return ""
        url = self.site.origin + ctx.path
        name = ctx.item.name
        out = ['<div class="cms-sns_share">', ""]
        fb = False
        for svc, _ in services:
            if svc == "fb_share":
                fb = True
                out.append('    <div class="site fb fb-share">')
                out.append(f'        <div class="fb-share-button" data-href="{url}" data-layout="button_count" data-size="small">')
                out.append("          " + link_to(h(self.t("cms.sns_share.fb_share_button")),
                                                  "https://www.facebook.com/sharer/sharer.php?u=" + quote(url, safe=""),
                                                  class_="fb-xfbml-parse-ignore", target="_blank", rel="noopener nofollow"))
                out.append("        </div>")
                out.append("    </div>")
            elif svc == "twitter":
                out.append('    <div class="site twitter">')
                out.append(f'        <a href="https://x.com/share" class="twitter-share-button" data-url="{url}" '
                           f'rel="nofollow">{self.t("cms.sns_share.tweet")}</a>')
                out.append("        <script>!function(d,s,id){var js,fjs=d.getElementsByTagName(s)[0];\n"
                           "        if(!d.getElementById(id)){js=d.createElement(s);js.id=id;js.src='https://platform.x.com/widgets.js';\n"
                           "        fjs.parentNode.insertBefore(js,fjs);}}(document, 'script', 'twitter-wjs');</script>")
                out.append("    </div>")
            elif svc == "hatena":
                add = self.t("cms.sns_share.hatena_add")
                out.append('    <div class="site hatena">')
                out.append(f'        <a href="https://b.hatena.ne.jp/entry/{url}" class="hatena-bookmark-button" target="_blank" rel="noopener nofollow"\n'
                           '          data-hatena-bookmark-layout="standard-balloon"\n'
                           f'          data-hatena-bookmark-lang="ja" title="{add}">\n'
                           '          <img src="https://b.st-hatena.com/images/entry-button/button-only@2x.png"\n'
                           f'            alt="{add}" width="20" height="20" style="border: none;" data-ss-rel="nofollow" /></a>')
                out.append('        <script type="text/javascript" src="https://b.st-hatena.com/js/bookmark_button.js" charset="utf-8" async="async"></script>')
                out.append("    </div>")
            elif svc == "line":
                out.append('    <div class="site line">')
                out.append(f'        <div class="line-it-button" style="display: none;" data-type="share-a" data-lang="ja" data-url="{url}"></div>')
                out.append('        <script src="https://scdn.line-apps.com/n/line_it/thirdparty/loader.min.js" async="async" defer="defer" ></script>')
                out.append("    </div>")
        if fb:
            out.append('<div id="fb-root"></div>')
            out.append('<script async defer crossorigin="anonymous" src="https://connect.facebook.net/ja_JP/sdk.js#xfbml=1&version=v19.0"></script>')
        out.append("</div>")
        return "\n".join(out) + "\n"

    def part_cms_clipboard_copy(self, part, ctx):
        name = part.get("clipboard_display_name") or part.get("name")
        target = part.get("clipboard_copy_target") or "url"
        return f'<button type="button" name="clipboard-copy" class="btn-ss-clipboard-copy" data-target="{target}">{h(name)}</button>'

    def part_cms_print(self, part, ctx):
        name = part.get("print_display_name") or part.get("name")
        return f'<button type="button" name="print" class="btn-ss-print">{h(name)}</button>'

    def archive_parent_pages(self, part):
        parent = self.part_parent(part)
        if parent is None:
            return self.site.public_pages()
        if parent.route == "cms/archive":
            parent = parent.parent
        if parent is None:
            return self.site.public_pages()
        return self.pages_matching(self.locations(parent, False))

    def part_cms_monthly_nav(self, part, ctx):
        pages = self.archive_parent_pages(part)
        parent = self.part_parent(part)
        periods = part.get("periods") or 12
        out = ['<div class="archive-nav">',
               f'  <nav class="monthly-nav" aria-label="{self.t("cms.list_menu_of_monthly_page")}">', "    <ul>"]
        for i in range(periods):
            m = add_months(self.site.today.replace(day=1), -i)
            num = sum(1 for p in pages if p.date.year == m.year and p.date.month == m.month)
            body = f"{m.year}年{m.month}月({num})"
            out.append("        <li>")
            if num == 0:
                out.append(f"            <span>{body}</span>")
            else:
                out.append("            " + link_to(body, f"{parent.url if parent else ''}{m.year:04d}{m.month:02d}",
                                                    data={"ss_rel": "nofollow"}))
                self.site.archive_months.add((m.year, m.month))
            out.append("        </li>")
        out += ["    </ul>", "  </nav>", "</div>"]
        return "\n".join(out) + "\n"

    def within_one_year(self, d: dt.date):
        today = self.site.today
        start = today.replace(year=today.year - 1)
        close = add_months(today.replace(year=today.year + 1), 0).replace(month=1) if False else today.replace(year=today.year + 1)
        return start <= d <= close

    def event_td_class(self, d: dt.date, cur_month: dt.date | None):
        cls = [("sun", "mon", "tue", "wed", "thu", "fri", "sat")[(d.weekday() + 1) % 7]]
        today = self.site.today
        cls.append("future" if d > today else ("past" if d < today else "today"))
        if jp_holiday(d):
            cls.append("holiday")
        if cur_month:
            first, cur = d.replace(day=1), cur_month.replace(day=1)
            cls.append("next-month" if first > cur else ("prev-month" if first < cur else ""))
        return " ".join(cls)

    def part_cms_calendar_nav(self, part, ctx):
        parent = self.part_parent(part)
        pages = self.archive_parent_pages(part)
        today = self.site.today
        m = re.search(r"(\d{4})(\d{2})(\d{2})?$", re.sub(r"\..+?$", "", ctx.path).rstrip("/"))
        year, month = today.year, today.month
        if m:
            try:
                dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
                year, month = int(m.group(1)), int(m.group(2))
            except ValueError:
                pass
        cur = dt.date(year, month, 1)
        prev = cur - dt.timedelta(days=1)
        nxt = add_months(cur, 1)
        released = {p.date.date() for p in pages}
        purl = parent.url if parent else ""
        out = [jquery(f' Event_Calendar.render("{self.part_url(part)}"); '), "", '<div class="event-calendar">',
               f'  <nav class="calendar-nav" aria-label="{self.t("cms.event_calendar")}">', "    <h2>",
               f'      <span class="calendar-year">{year}年</span>', f'      <span class="calendar-month">{month}月</span>',
               "    </h2>", "    <ul>", '      <li class="prev">']

        def nav(label, d):
            return link_to(label, "#", class_="paginate", data={"year": d.year, "month": d.month})
        out.append("          " + (nav(self.t("event.prev_month"), prev) if self.within_one_year(prev) else self.t("event.prev_month")))
        out += ["      </li>", '      <li class="current">', "        " + nav(self.t("event.current_month"), today),
                "      </li>", '      <li class="next">']
        out.append("          " + (nav(self.t("event.next_month"), nxt) if self.within_one_year(nxt) else self.t("event.next_month")))
        out += ["      </li>", "    </ul>", "  </nav>", "", '  <div class="event-table">', '    <table class="calendar">',
                "      <caption>"]
        out.append("        " + (link_to(f"{year}年{month}月", f"{purl}{year:04d}{month:02d}/", data={"ss_rel": "nofollow"})
                                 if self.within_one_year(cur) else f"{year}年{month}月"))
        out += ["      </caption>", "      <thead>", "        <tr>"]
        for wd in self.t("date.abbr_day_names"):
            out.append(f'            <th><span class="wday">{wd}<span class="unit">日</span></span></th>')
        out += ["        </tr>", "      </thead>", "      <tbody>", "        <tr>"]
        start = cur - dt.timedelta(days=(cur.weekday() + 1) % 7)
        for i in range(42):
            d = start + dt.timedelta(days=i)
            if i and i % 7 == 0:
                out.append("              </tr><tr>")
            out.append(f'            <td class="{self.event_td_class(d, cur)}">')
            if d in released and self.within_one_year(d):
                out.append("              " + link_to(str(d.day), f"{purl}{d.year:04d}{d.month:02d}{d.day:02d}/",
                                                      data={"ss_rel": "nofollow"}))
                self.site.archive_days.add(d)
            else:
                out.append(f"              {d.day}")
            out.append("            </td>")
        out += ["        </tr>", "      </tbody>", "    </table>", "  </div>", "</div>"]
        return "\n".join(out) + "\n"

    def part_ads_banner(self, part, ctx):
        node = self.part_parent(part)
        if node is None:
            return ""
        items = [p for p in self.site.public_pages() if p.route == "ads/banner" and p.parent is node]
        if part.get("with_category") == "enabled":
            cats = None
            if ctx.page is not None and ctx.page.categories:
                cats = {c.filename for c in ctx.page.categories}
            elif isinstance(ctx.item, Node) and ctx.item.route.startswith("category/"):
                cats = {ctx.item.filename}
            if cats is not None:
                items = [p for p in items if any(isinstance(c, Rec) and c.get("filename") in cats
                                                 for c in p.get("ads_category_ids") or [])]
        items = sorted(items, key=lambda p: (p.order, p.seq))
        if not items:
            return ""
        wrap = f"ss-image-box-{items[0].id}"
        out = [f'<div class="ss-image-box" id="{wrap}">']
        if part.get("upper_html"):
            out.append("  " + part.get("upper_html"))
        out += ["", '  <div class="ss-image-box-item-list">']
        for p in items:
            url = p.get("link_url") if part.get("link_action") else p.url
            f = p.get("file_id")
            out.append('    <span class="ss-image-box-item">')
            out.append(f'      <a href="{h(url)}" target="_self" >')
            if isinstance(f, Rec):
                out.append(f'          <img alt="{h(p.name)}" src="{h(f.get("url"))}" />')
            else:
                out.append(f"          {h(p.name)}")
            out.append("      </a>")
            out.append("    </span>")
        out += ["  </div>", ""]
        if part.get("lower_html"):
            out.append("  " + part.get("lower_html"))
        out.append("</div>")
        return "\n".join(out) + "\n"

    def part_chat_bot(self, part, ctx):
        node = self.site.nodes.get(part.get("chat_path") or "")
        if node is None or not node.public:
            return ""
        return self.chat_bot_html(node, node.get("first_text"))

    def chat_bot_html(self, node, result):
        url = node.url + "index.json"
        out = [f'<div id="chat-{node.id}" class="chat-part">', '  <div class="chat-items">']
        if result:
            out.append(f'    <div class="chat-item sys">{result}</div>')
        for s in node.get("first_suggest") or []:
            out.append('      <div class="chat-item suggest">')
            out.append("        " + link_to(h(s), node.url + "index.html", class_="chat-suggest", data={"value": s}))
            out.append("</div>")
        out += ["  </div>", '  <div class="chat-form">',
                f'    <input type="text" name="chat[text]" id="chat_text" value="" class="chat-text" aria-label="{self.t("mongoid.attributes.chat/history.text")}" />',
                f'    <button name="button" type="button" class="chat-button" data-disable-with="{self.t("ss.buttons.sending")}">{self.t("ss.buttons.send")}</button>',
                f'    <button name="button" type="button" class="chat-dismiss">{self.t("ss.buttons.close")}</button>',
                "  </div>", "</div>", "", jquery(f'  var bot = new Chat_Bot("#chat-{node.id}", "{url}");')]
        return "\n".join(out) + "\n"

    def part_key_visual_swiper_slide(self, part, ctx):
        node = self.part_parent(part)
        if node is None:
            return ""
        items = [p for p in self.site.public_pages() if p.parent is node and p.route == "key_visual/image"]
        items = sorted(items, key=lambda p: (p.order, p.seq))[: self.part_limit(part)]
        wrap = f"key_visual-swiper_slide-{part.id}"
        out = [f'<div class="ss-swiper-slide" id="{wrap}">', "", "",
               '  <swiper-container class="swiper-container ss-swiper-slide-container ss-swiper-slide-main" init="false">']
        for p in items:
            f = p.get("file_id")
            if not isinstance(f, Rec):
                continue
            out.append(f'<swiper-slide class="ss-swiper-slide-item" data-ss-page-id="{p.id}" lazy="true">')
            img = f'<img alt="{h(p.name)}" class="ss-swiper-slide-item-image" loading="lazy" src="{h(f.get("url"))}" />'
            if p.get("link_url"):
                out.append("    " + link_to(img, p.get("link_url"), class_="ss-swiper-slide-item-link"))
            else:
                out.append("    " + img)
            remarks = p.get("display_remarks") or []
            if remarks:
                out.append('    <div class="slide-remark">')
                if "title" in remarks:
                    out.append(f'        <div class="title">{h(p.name)}</div>')
                if "remark_html" in remarks and p.get("remark_html"):
                    out.append("        " + p.get("remark_html"))
                out.append("    </div>")
            out.append("</swiper-slide>")
        if part.get("kv_pagination_style") not in (None, "none"):
            out += ['      <div slot="container-end">',
                    f'        <div class="swiper-pagination ss-swiper-slide-pagination ss-swiper-slide-pagination-{part.get("kv_pagination_style")}"></div>',
                    "      </div>"]
        out.append("  </swiper-container>")
        if part.get("kv_autoplay") in ("enabled", "started"):
            started = part.get("kv_autoplay") == "started"
            out += ['    <div class="ss-swiper-slide-controller">',
                    f'      <button type="button" class="ss-swiper-slide-play" aria-pressed="{"true" if started else "false"}">{self.t("key_visual.controls.start")}</button>',
                    f'      <button type="button" class="ss-swiper-slide-stop" aria-pressed="{"false" if started else "true"}">{self.t("key_visual.controls.stop")}</button>',
                    "    </div>"]
        out += ["", "</div>", "", ""]
        opts = {"autoplay": part.get("kv_autoplay") or "disabled", "speed": part.get("kv_speed") or 500,
                "pause": part.get("kv_pause") or 4000, "navigation": part.get("kv_navigation") or "hide",
                "pagination_style": part.get("kv_pagination_style") or "none", "thumbnail": part.get("kv_thumbnail") or "hide",
                "thumbnail_count": part.get("kv_thumbnail_count") or 5}
        out.append(jquery(f'  var slide = new ss.KeyVisual_SwiperSlide("#{wrap}", {json.dumps(opts, ensure_ascii=False)});'))
        return "\n".join(out) + "\n"

    def part_inquiry_feedback(self, part, ctx):
        node = self.part_parent(part) or self.site.nodes.get("feedback")
        node = self.site.nodes.get("feedback") if node is None or node.route != "inquiry/form" else node
        if node is None:
            return ""
        url = node.url + "create.html"
        out = [jquery("  Inquiry_Form.render({ confirm: false, requiredLabel: " + json.dumps(self.t("inquiry.required_field"), ensure_ascii=False) + " });\n"
                      "  new Inquiry_Column_RadioButton('.inquiry-form');"), "", part.get("upper_html") or "", "",
               '<div class="inquiry">']
        if node.get("inquiry_html"):
            out += ['    <div class="inquiry-html">', "      " + node.get("inquiry_html"), "    </div>"]
        out.append("")
        out.append(f'  <form enctype="multipart/form-data" action="{url}" accept-charset="UTF-8" method="post">')
        out.append('    <div class="inquiry-form">')
        cols = self.inquiry_columns(node)
        if cols:
            out.append(self.inquiry_form_fields(cols))
        out.append(f'      <input type="hidden" name="item[source_url]" value="{h(ctx.path)}" autocomplete="off" />')
        out.append('      <footer class="send">')
        out.append(f'        <input type="submit" name="submit" value="{self.t("inquiry.submit")}" data-disable-with="{self.t("inquiry.submit")}" />')
        out.append("      </footer>")
        out.append("    </div>")
        out.append("</form></div>")
        out.append("")
        out.append(part.get("lower_html") or "")
        return "\n".join(out) + "\n"

    def part_faq_search(self, part, ctx):
        node = self.part_parent(part)
        if node is None:
            return ""
        return self.faq_search_form(node, part_mode=True)

    def part_event_search(self, part, ctx):
        cats = sorted([n for n in self.site.public_nodes() if n.route.startswith("category/")], key=lambda n: (n.order, n.seq))
        ids = part.get("cate_ids")
        if ids:
            cats = [c for c in cats if c.rec in ids]
        parent = self.part_parent(part)
        url = (parent.url if parent else "/") if parent and parent.route == "event/search" else (
            self.site.nodes["calendar/search"].url if "calendar/search" in self.site.nodes else "/")
        out = [jquery("Event_Search.render();"), "",
               f'<form class="event-search" action="{url}" accept-charset="UTF-8" method="get">',
               '  <fieldset class="keyword">',
               f'    <legend><label for="search_keyword">{self.t("event.keyword")}</label></legend>',
               '    <input type="text" name="search_keyword" id="search_keyword" class="keyword" />', "  </fieldset>", "",
               '  <fieldset class="categories">', f'    <legend>{self.t("event.category.setting")}</legend>']
        for c in cats:
            out.append(f'      <label class="category" for="q_category_ids_{c.id}">')
            out.append(f'        <input type="checkbox" name="category_ids[]" id="q_category_ids_{c.id}" value="{c.id}" class="prop" />')
            out.append(f"        {h(c.name)}")
            out.append("</label>")
        out += ["  </fieldset>", "", '  <fieldset class="event-date-range">',
                f'    <legend>{self.t("event.dates.setting")}</legend>', '    <div class="dates location">',
                f'      <input type="text" name="event[][start_date]" class="start js-date" title="{self.t("event.dates.start_date")}" autocomplete="off" />',
                f'      - <input type="text" name="event[][close_date]" class="close js-date" title="{self.t("event.dates.close_date")}" autocomplete="off" />',
                "    </div>", "  </fieldset>", "", "", '  <footer class="send">',
                f'    <input type="submit" value="{self.t("event.submit.search")}" data-disable-with="{self.t("event.submit.search")}" />',
                f'    <input type="reset" value="{self.t("event.submit.reset")}" class="search_clear" data-disable-with="{self.t("event.submit.reset")}" />',
                "  </footer>", "</form>"]
        return "\n".join(out) + "\n"

    def part_recommend_similarity(self, part, ctx):
        # similarity is computed from visitors' browsing logs; a freshly seeded site has none
        return '<div class="recommend-similarity contents">\n' + self.render_list(part, [], "page", ctx) + "\n</div>\n"

    def part_recommend_history(self, part, ctx):
        return '<div class="recommend-history contents">\n' + self.render_list(part, [], "page", ctx) + "\n</div>\n"

    def part_image_map_page(self, part, ctx):
        node = self.part_parent(part)
        if node is None:
            return ""
        return self.image_map_html(node)

    def image_map_html(self, node):
        img = node.get("image_id")
        pages = sorted([p for p in self.site.public_pages() if p.parent is node], key=lambda p: (p.order, p.seq))
        out = ['<div class="image-map-pages">']
        if isinstance(img, Rec):
            out.append(f'  <div class="image-map"><img src="{img.get("url")}" alt="{h(node.name)}" usemap="#image-map-{node.id}" /></div>')
        out.append(f'  <map name="image-map-{node.id}">')
        for p in pages:
            coords = ",".join(str(c) for c in (p.get("coords") or []))
            out.append(f'    <area shape="rect" coords="{coords}" href="{h((p.get("link_url") or "").strip())}" alt="{h(p.name)}" />')
        out.append("  </map>")
        out.append("</div>")
        return "\n".join(out) + "\n"

    def part_member_login(self, part, ctx):
        node = next((n for n in self.site.public_nodes() if n.route == "member/mypage"), None) or \
            next((n for n in self.site.public_nodes() if n.route == "member/login"), None)
        url = part.get("login_link_url") or (self.part_parent(part).url if self.part_parent(part) else (node.url if node else "/"))
        return link_to(self.t("ss.login"), url, class_="login", rel="nofollow") + "\n"

    def part_translate_tool(self, part, ctx):
        return ""   # the demo site does not enable translation (Cms::Site#translate_enabled? is false)

    def part_member_invited_group(self, part, ctx):
        return ""   # nobody is logged in

    def part_event_calendar(self, part, ctx):
        parent = self.part_parent(part)
        today = self.site.today
        cur = today.replace(day=1)
        prev = cur - dt.timedelta(days=1)
        nxt = add_months(cur, 1)
        dates_with = set()
        if parent is not None:
            for p in self.pages_matching(self.locations(parent, False)):
                dates_with.update(p.event_dates)
        purl = parent.url if parent else ""
        out = [jquery(f' Event_Calendar.render("{self.part_url(part)}"); '), "", '<div class="event-calendar">',
               f'  <nav class="calendar-nav" aria-label="{self.t("event.prev_next_navi")}">', "    <h2>",
               f'      <span class="calendar-year">{cur.year}年</span>', f'      <span class="calendar-month">{cur.month}月</span>',
               "    </h2>", "    <ul>", '      <li class="prev">',
               "          " + link_to(self.t("event.prev_month"), "#", class_="paginate", data={"year": prev.year, "month": prev.month}),
               "      </li>", '      <li class="current">',
               "        " + link_to(self.t("event.current_month"), "#", class_="paginate", data={"year": today.year, "month": today.month}),
               "      </li>", '      <li class="next">',
               "          " + link_to(self.t("event.next_month"), "#", class_="paginate", data={"year": nxt.year, "month": nxt.month}),
               "      </li>", "    </ul>", "  </nav>", "", '  <div class="event-table">', '    <table class="calendar">',
               "      <caption>",
               "        " + link_to(f"{cur.year}年{cur.month}月", f"{purl}{cur.year:04d}{cur.month:02d}/index.html", data={"ss_rel": "nofollow"}),
               "      </caption>", "      <thead>", "        <tr>"]
        for wd in self.t("date.abbr_day_names"):
            out.append(f'            <th scope="col"><span class="wday">{wd}<span class="unit">日</span></span></th>')
        out += ["        </tr>", "      </thead>", "      <tbody>"]
        start = cur - dt.timedelta(days=(cur.weekday() + 1) % 7)
        for i in range(42):
            d = start + dt.timedelta(days=i)
            if i % 7 == 0:
                out.append("            <tr>")
            out.append(f'          <td class="{self.event_td_class(d, cur)}">')
            if d in dates_with and self.within_one_year(d):
                out.append("          " + link_to(str(d.day), f"{purl}{d.year:04d}{d.month:02d}{d.day:02d}/", data={"ss_rel": "nofollow"}))
                self.site.event_days.add(d)
            else:
                out.append(f"          {d.day}")
            out.append("          </td>")
            if i % 7 == 6:
                out.append("            </tr>")
        out += ["      </tbody>", "    </table>", "  </div>", "</div>"]
        return "\n".join(out) + "\n"

    def part_member_photo(self, part, ctx):
        node = self.part_parent(part)
        items = [p for p in self.site.public_pages() if p.route == "member/photo" and node and p.parent is node
                 and p.get("listable_state") == "public"]
        items = self.sort_pages(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="member-photos pages">\n' + self.render_list(part, items, "page", ctx) + "\n</div>\n"

    def part_member_blog_page(self, part, ctx):
        node = self.part_parent(part)
        items = [p for p in self.site.public_pages() if p.route == "member/blog_page" and node
                 and p.filename.startswith(node.filename + "/")]
        items = self.sort_pages(items, part.get("sort"))[: self.part_limit(part)]
        return '<div class="member-blogs pages">\n' + self.render_list(part, items, "page", ctx) + "\n</div>\n"

    def part_member_photo_search(self, part, ctx):
        return ""

    # ---------------------------------------------------------------------------------------------- page bodies
    def sorted_values(self, page: Page):
        vals = list(page.column_values)
        if any(cv.get("order") is not None for cv in vals):
            return sorted(vals, key=lambda cv: (cv.get("order") if cv.get("order") is not None else 10**6))
        return vals

    def column_value_html(self, cv: ColumnValue) -> str:
        col = cv.column
        typ = col.get("type")
        html = self.column_default_html(cv)
        layout = col.get("layout")
        if layout:
            html = Liquid(layout).render({"value": ColumnValueDrop(self, cv, None)}) if "{{" in layout or "{%" in layout else layout
        form = col.get("form")
        if isinstance(form, Rec) and form.get("sub_type") == "entry":
            align = cv.get("alignment") or "flow"
            html = f'<div class="ss-alignment ss-alignment-{align}">{html or ""}</div>'
        return html or ""

    def column_default_html(self, cv: ColumnValue) -> str:
        col = cv.column
        typ = col.get("type")
        if typ in ("text", "select", "radio", "number", "date"):
            v = cv.get("value")
            return "" if v is None else sanitize(str(v))
        if typ == "text_area":
            v = cv.get("value") or ""
            return sanitize(v.replace("\r\n", "\n").replace("\n", "<br />"))
        if typ == "head_line":
            text, head = cv.get("text"), cv.get("head")
            if not text or not head:
                return ""
            return f"<{head}>{sanitize(text)}</{head}>"
        if typ == "url":
            url = cv.get("link_url")
            if not url:
                return ""
            label = cv.get("link_label") or url
            attrs = {}
            if cv.get("link_target"):
                attrs["target"] = cv.get("link_target")
                attrs["rel"] = "noopener"
            return link_to(h(label), url, **attrs)
        if typ == "file_upload":
            f = cv.get("file_id")
            if not isinstance(f, Rec):
                return ""
            ftype = col.get("file_type") or "image"
            if ftype == "attachment":
                label = cv.get("file_label") or re.sub(r"\.[^.]+$", "", f.get("name"))
                size = self.site.file_size(f)
                ext = os.path.splitext(f.get("filename"))[1].lstrip(".").upper()
                return link_to(h(f"{label} ({ext} {human_size(size)})"), f.get("url"))
            alt = cv.get("file_label") or re.sub(r"\.[^.]+$", "", f.get("name"))
            if cv.get("image_html_type") == "thumb":
                return link_to(f'<img alt="{h(alt)}" src="{h(f.get("thumb_url"))}" />', f.get("url"))
            if cv.get("image_html_type") == "image":
                return f'<img alt="{h(alt)}" src="{h(f.get("url"))}" />'
            return ""
        if typ == "list":
            lists = [x for x in (cv.get("lists") or []) if x]
            if not lists:
                return ""
            tag = col.get("list_type") or "ul"
            return f"<{tag}>" + "\n".join(f"<li>{sanitize(x)}</li>" for x in lists) + f"</{tag}>"
        if typ == "table":
            v = cv.get("value") or ""
            return v.replace("\r\n", "\n").replace("\n", "<br />")
        if typ == "free":
            return cv.get("value") or ""
        if typ == "youtube":
            return ""
        return sanitize(str(cv.get("value") or ""))

    def page_render_html(self, p: Page) -> str:
        form = p.form
        if form is None:
            return p.html or ""
        source = form.get("html") or "{% for value in values %}{{ value }}{% endfor %}"
        assigns = {"values": ValuesDrop(self, p), "page": ContentDrop(self, p, Ctx(p.url, p, p, p.parent))}
        return Liquid(source).render(assigns)

    def contact_html(self, p: Page) -> str:
        g = p.get("contact_group_id")
        g = g if isinstance(g, Rec) else None
        if p.get("contact_state") == "hide":
            return ""
        contact = p.get("contact_group_contact_id")
        contact = contact if isinstance(contact, Rec) else None
        related = p.get("contact_group_relation") == "related"
        src = contact if (related and contact) else None

        def val(k):
            return (src.get(k) if src is not None else p.get(k))
        parts = []
        group_name = val("contact_group_name") or (g.get("contact_group_name") if g else None)
        if not group_name and g:
            group_name = g.get("name").split("/", 1)[-1].replace("/", " ")
        if group_name:
            parts.append(f'<p class="group">{h(group_name)}</p>')
        charge = val("contact_charge")
        if charge and charge != group_name:
            parts.append(f'<p class="charge">{h(charge)}</p>')
        postal, addr = val("contact_postal_code"), val("contact_address")
        if addr:
            if postal and re.match(r"^\d{4}", postal):
                postal = postal[:3] + "-" + postal[3:]
            inner = ""
            if postal:
                inner += f'<span class="postal-code">{h(self.t("contact.postal_code", code=postal))}</span>'
            inner += f'<span class="address">{h(addr)}</span>'
            parts.append(f'<p class="address-group">{inner}</p>')
        tel = val("contact_tel")
        if tel:
            parts.append(f'<dl class="tel"><dt>{self.t("contact.view.tel")}:</dt><dd>{link_to(h(tel), "tel:" + tel.replace("-", ""))}</dd></dl>')
        fax = val("contact_fax")
        if fax:
            parts.append(f'<dl class="fax"><dt>{self.t("contact.view.fax")}:</dt><dd>{h(fax)}</dd></dl>')
        email = val("contact_email")
        if email:
            ent = "".join(f"&#{ord(c)};" for c in email)
            parts.append(f'<dl class="email"><dt>{self.t("contact.view.email")}:</dt><dd><a href="{"".join(f"&#{ord(c)};" for c in "mailto:" + email)}">{ent}</a></dd></dl>')
        link_url = val("contact_link_url")
        link = val("contact_link_name") or val("contact_group_name") or link_url
        if link_url:
            parts.append(f'<dl class="link"><dt>{self.t("contact.view.link_url")}:</dt><dd>{link_to(h(link), link_url)}</dd></dl>')
        if g is not None and g.get("contact_email") and self.site.inquiry_form is not None:
            url = f"{self.site.inquiry_form.url}?group={g.id}&page={p.id}"
            parts.append(f'<div class="inquiry-form">{link_to(h(self.t("contact.view.inquiry_form")), url)}</div>')
        if len(parts) <= 1:
            return ""
        return '  <footer class="contact">\n    <h2>' + self.t("contact.view.title") + "</h2>\n" + \
            "\n".join("      " + x for x in parts) + "\n  </footer>\n"

    def categories_html(self, p: Page) -> str:
        if not p.categories:
            return ""
        out = ['<section class="categories">', f'  <header><h2>{self.t("mongoid.attributes.cms/model/page.categories")}</h2></header>',
               '  <div class="nodes">', "    <ul>"]
        for c in p.categories:
            if c.public:
                out.append(f"      <li>{link_to(h(c.name), c.url)}</li>")
        out += ["    </ul>", "  </div>", "</section>"]
        return "\n".join(out) + "\n"

    def map_html(self, p: Page) -> str:
        points = [mp for mp in (p.get("map_points") or []) if isinstance(mp, dict) and mp.get("loc")]
        if not points:
            return ""
        markers = [{"name": mp.get("name") or "", "loc": mp.get("loc"), "text": mp.get("text") or "",
                    **({"image": mp.get("image")} if mp.get("image") else {})} for mp in points]
        js = ('  Map_Base.load("#map-canvas", ' + json.dumps({"markers": markers}, ensure_ascii=False) + ");")
        out = [jquery(js), "", '<section class="map-page">', "  <header>", f'    <h2>{self.t("map.views.header")}</h2>',
               "  </header>", '  <div id="map-canvas" style="width: 100%; height: 400px;"></div>', '    <ul class="map-markers">']
        for mp in points:
            lng, lat = mp["loc"][0], mp["loc"][1]
            q = f"{lat},{lng}"
            label = (mp.get("name") or "") + "(Google Map)" if mp.get("name") else "Google Map"
            out.append(f'        <li><a target="_blank" rel="noopener" href="https://www.google.co.jp/maps/search/{q}">{h(label)}</a></li>')
        out += ["    </ul>", "</section>"]
        return "\n".join(out) + "\n"

    def page_view(self, p: Page) -> str:
        """Cms::Agents::Pages::PageController (the addons' view templates of the page's class, in order)."""
        out = []
        r = p.route
        if r in ("article/page", "cms/page", "faq/page", "event/page", "sitemap/page", "facility/notice", "ezine/page"):
            if r in ("article/page", "faq/page"):
                if p.get("gravatar_screen_name"):
                    out.append(f'\n<div class="gravatar">\n\n  <p class="gravatar-screen-name">\n    {h(p.get("gravatar_screen_name"))}\n  </p>\n</div>\n')
                else:
                    out.append('\n<div class="gravatar">\n\n</div>\n')
            if r == "faq/page":
                q = p.get("question") or h(p.name)
                out.append(f'<article class="faq-question">\n  {q}\n</article>\n')
            if r == "sitemap/page":
                out.append(self.sitemap_body(p))
            if r == "event/page":
                out.append(self.event_page_body(p))
            if p.form is None and p.html and r != "event/page":
                out.append(f'    <article class="body">\n      {p.html}\n    </article>\n')
            if p.form is not None and r in ("article/page", "facility/notice"):
                html = self.page_render_html(p)
                if p.form.get("sub_type") == "entry":
                    out.append(f'<article class="body">\n\n  {html}\n\n</article>')
                else:
                    out.append(f"\n  {html}\n\n")
            if r in ("article/page", "faq/page", "event/page"):
                out.append(self.categories_html(p))
            if r in ("article/page", "faq/page") and p.get("event_deadline"):
                d = p.get("event_deadline")
                out.append(f'  <dl class="see body">\n    <dt>{self.t("mongoid.attributes.event/addon/date.event_deadline")}</dt>\n'
                           f'    <dd>{ymd_long(d)} {d.hour:02d}時{d.minute:02d}分</dd>\n  </dl>\n')
            if r in ("article/page", "event/page"):
                out.append(self.map_html(p))
            if r in ("article/page", "faq/page", "event/page", "cms/page", "sitemap/page"):
                out.append(self.contact_html(p))
        elif r == "facility/image":
            img = p.get("image_id")
            if isinstance(img, Rec):
                out.append(f'<div class="facility-image"><img src="{img.get("url")}" alt="{h(p.name)}" /></div>')
        elif r == "facility/map":
            out.append(self.map_html(p))
        elif r in ("member/blog_page", "member/photo"):
            if p.html:
                out.append(f'<article class="body">\n{p.html}\n</article>\n')
            f = p.get("image_id")
        else:
            if p.html:
                out.append(f'    <article class="body">\n      {p.html}\n    </article>\n')
        return "\n".join(x for x in out if x)

    def event_page_body(self, p: Page) -> str:
        rows = []
        if p.event_dates:
            ds = p.event_dates
            if len(ds) == 1:
                s = f"{ymd_long(ds[0])}"
            else:
                s = f"{ymd_long(ds[0])}～{ymd_long(ds[-1])}"
            rows.append(("開催日", s))
        for k, label in (("schedule", "開催日時"), ("venue", "開催場所"), ("content", "内容"), ("cost", "費用"),
                         ("related_url", "関連ページ")):
            if p.get(k):
                v = h(p.get(k))
                if k == "related_url":
                    v = link_to(v, p.get(k))
                rows.append((label, v))
        out = ['<dl class="see">']
        for k, v in rows:
            out.append(f"  <dt>{k}</dt>\n  <dd>{v}</dd>")
        out.append("</dl>")
        return "\n".join(out) + "\n"

    def sitemap_body(self, p: Page) -> str:
        urls = [u for u in (p.get("sitemap_urls") or "").splitlines() if u.strip()]
        contents = []
        if urls:
            for u in urls:
                name = None
                if "#" in u:
                    rev = u[::-1].split("#", 1)
                    name, u = rev[0][::-1].strip(), rev[1][::-1]
                fn = u.strip().strip("/")
                n = self.site.nodes.get(fn)
                pg = self.site.pages.get(fn)
                if pg is not None and pg.public:
                    contents.append((name or pg.name, pg.url, pg.filename, pg.depth))
                elif n is not None and n.public:
                    contents.append((name or n.name, n.url, n.filename, n.depth))
        else:
            for n in sorted(self.site.public_nodes(), key=lambda n: n.filename):
                if n.depth <= 3:
                    contents.append((n.name, n.url, n.filename, n.depth))
        out = ['<article class="sitemap-body">']
        for name, url, fn, depth in contents:
            cls = "page--" + re.sub(r"[^\w-]+", "-", re.sub(r"\.html$", "", re.sub(r"/$", "/index", fn)))
            out.append(f'    <h{depth + 1} class="{cls}">')
            out.append(f"      {link_to(h(name), url)}")
            out.append(f"    </h{depth + 1}>")
            out.append("")
        out.append("</article>")
        return "\n".join(out) + "\n"

    # ---------------------------------------------------------------------------------------------- forms
    def inquiry_columns(self, node: Node):
        cols = [c for c in self.site.seed.inquiry_columns if c.get("node_id") is node.rec]
        return sorted(cols, key=lambda c: c.get("order") or 0)

    def inquiry_form_fields(self, cols, obj="item") -> str:
        out = ['<div class="columns">']
        for c in cols:
            cid = c.id
            typ = c.get("input_type")
            required = c.get("required") == "required"
            req = f'<span class="required">{self.t("inquiry.required_field")}</span>' if required else ""
            data = ""
            if typ == "radio_button":
                data = f' data-controller="gws--column--radio" data-column-id="{cid}"'
            out.append(f'  <fieldset class="column"{data}>')
            if typ in ("form_select", "radio_button", "check_box"):
                label = f'<span class="label">{h(c.get("name"))}</span>'
            else:
                label = f'<label for="{obj}_{cid}">{h(c.get("name"))}</label>'
            out.append(f"    <legend>{label}{req}</legend>")
            out.append('    <div class="fields">')
            out.append(f'      <input type="hidden" name="{obj}[section_ids][{cid}]" value="none" autocomplete="off" />')
            if c.get("html"):
                out.append("      " + c.get("html"))
            if typ in ("text_field", "email_field", "number_field"):
                t = {"text_field": "text", "email_field": "email", "number_field": "number"}[typ]
                out.append(f'      <input type="{t}" name="{obj}[{cid}]" id="{obj}_{cid}" />')
            elif typ == "text_area":
                out.append(f'      <textarea name="{obj}[{cid}]" id="{obj}_{cid}">\n</textarea>')
            elif typ == "radio_button":
                for i, v in enumerate(c.get("select_options") or []):
                    out.append(f'      <label for="{obj}_{cid}_{i}">')
                    out.append(f'        <input type="radio" name="{obj}[{cid}]" id="{obj}_{cid}_{i}" value="{h(v)}" /><span>{h(v)}</span>')
                    out.append("</label>")
            elif typ == "select":
                opts = '<option value="" label=" "></option>\n' + "\n".join(f'<option value="{h(v)}">{h(v)}</option>' for v in c.get("select_options") or [])
                out.append(f'      <select name="{obj}[{cid}]" id="{obj}_{cid}">{opts}</select>')
            elif typ == "check_box":
                for i, v in enumerate(c.get("select_options") or []):
                    out.append(f'      <label for="{obj}_{cid}_{i}">')
                    out.append(f'        <input type="checkbox" name="{obj}[{cid}][{i}]" id="{obj}_{cid}_{i}" value="{h(v)}" /><span>{h(v)}</span>')
                    out.append("</label>")
            elif typ == "upload_file":
                out.append(f'      <input type="file" name="{obj}[{cid}]" id="{obj}_{cid}" /><br />')
            out.append("    </div>")
            out.append("  </fieldset>")
            if c.get("input_confirm") == "enabled":
                name = self.t("inquiry.confirm_input", name=c.get("name"))
                out.append('  <fieldset class="column">')
                out.append(f'    <legend><label for="{obj}_{cid}_confirm">{h(name)}</label>{req}</legend>')
                out.append('    <div class="fields">')
                out.append(f'      <p>{h(self.t("inquiry.confirm_input_description", name=c.get("name")))}</p>')
                t = "email" if typ == "email_field" else "text"
                out.append(f'      <input value="" type="{t}" name="{obj}[{cid}_confirm]" id="{obj}_{cid}_confirm" />')
                out.append("    </div>")
                out.append("  </fieldset>")
        out.append("</div>")
        return "\n".join(out)

    def faq_search_form(self, node: Node, part_mode=False, keyword="") -> str:
        cats = []
        for parent in node.get("st_category_ids") or []:
            if not isinstance(parent, Rec):
                continue
            pn = self.site.nodes.get(parent.get("filename"))
            if pn is None:
                continue
            cats.append(pn)
            cats += sorted([n for n in self.site.public_nodes() if n.filename.startswith(pn.filename + "/")
                            and n.route.startswith("category/")], key=lambda n: n.seq)
        opts = '<option value="" label=" "></option>' + "".join(f'<option value="{c.id}">{h(c.name)}</option>' for c in cats)
        name = "category" if part_mode else "category_ids[]"
        out = ['<div class="faq-search">', f'<form enctype="multipart/form-data" action="{node.url}" accept-charset="UTF-8" method="get">']
        if cats:
            out += ['  <div class="category">', f'    <label for="category">{self.t("faq.query.category")}</label>',
                    f'    <select name="{name}" id="category">{opts}</select>', "  </div>"]
        out += ['  <div class="keyword">', f'    <label for="keyword">{self.t("faq.query.keyword")}</label>',
                f'    <input type="text" name="keyword" id="keyword"{f" value={chr(34)}{h(keyword)}{chr(34)}" if keyword else ""} />', "  </div>",
                '  <div class="submitters">',
                f'    <input type="submit" name="search" value="{self.t("faq.search")}" data-disable-with="{self.t("faq.search")}" />',
                f'    <input type="submit" name="reset" value="{self.t("faq.reset")}" data-disable-with="{self.t("faq.reset")}" />',
                "  </div>", "</form></div>"]
        return "\n".join(out) + "\n"

    # ---------------------------------------------------------------------------------------------- paging
    def paginate(self, base_path: str, cur: int, total_pages: int) -> str:
        if total_pages <= 1:
            return ""

        def url(n):
            return base_path if n == 1 else base_path.rstrip("/") + f"/index.p{n}.html"
        t = self.t
        out = [f'  <nav class="pagination" aria-label="{t("ss.pagination")}">']
        if cur > 1:
            out.append(f'    <span class="first">\n  {link_to(t("views.pagination.first"), url(1))}\n</span>\n')
            out.append(f'    <span class="prev">\n  {link_to(t("views.pagination.previous"), url(cur - 1), rel="prev")}\n</span>\n')
        window = 4
        gap = False
        for n in range(1, total_pages + 1):
            if abs(n - cur) <= window or (n == cur + window + 1 and n == total_pages) or \
                    (n == cur - window - 1 and n == 1):
                gap = False
                if n == cur:
                    out.append(f'        <span class="page current">\n  {n}\n</span>\n')
                else:
                    rel = "next" if n == cur + 1 else ("prev" if n == cur - 1 else None)
                    out.append(f'        <span class="page">\n  {link_to(str(n), url(n), rel=rel)}\n</span>\n')
            elif not gap:
                gap = True
                out.append(f'        <span class="page gap">{t("views.pagination.truncate")}</span>\n')
        if cur < total_pages:
            out.append(f'      <span class="next">\n  {link_to(t("views.pagination.next"), url(cur + 1), rel="next")}\n</span>\n')
            out.append(f'      <span class="last">\n  {link_to(t("views.pagination.last"), url(total_pages))}\n</span>\n')
        out.append("  </nav>\n")
        return "\n".join(out)


DEFAULT_NODE_LOOP_HTML = ('<article class="item-#{class} #{current}">\n  <header>\n     <h2><a href="#{url}">#{index_name}</a></h2>\n'
                          '  </header>\n</article>')
DEFAULT_PAGE_LOOP_HTML = ('<article class="item-#{class} #{new} #{current}">\n  <header>\n    <time datetime="#{date.iso}">#{date.long}</time>\n'
                          '    <h2><a href="#{url}">#{index_name}</a></h2>\n  </header>\n</article>')
DEFAULT_NODE_LOOP_LIQUID = ('{% for node in nodes %}\n<article class="item-{{ node.css_class }} {% if node.current? %}current{% endif %}">\n'
                            '  <header>\n     <h2><a href="{{ node.url }}">{{ node.index_name | default: node.name }}</a></h2>\n'
                            '  </header>\n</article>\n{% endfor %}')
DEFAULT_PAGE_LOOP_LIQUID = ('{% for page in pages %}\n<article class="item-{{ page.css_class }} {% if page.new? %}new{% endif %} {% if page.current? %}current{% endif %}">\n'
                            '  <header>\n    <time datetime="{{ page.date }}">{{ page.date | ss_date: "long" }}</time>\n'
                            '    <h2><a href="{{ page.url }}">{{ page.index_name | default: page.name }}</a></h2>\n'
                            '  </header>\n</article>\n{% endfor %}')


def sanitize(html: str) -> str:
    """Rails' sanitize (safe list): drops <script>/<style>, event handlers and javascript: URLs, keeps markup."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", html)
    html = re.sub(r'(?i)\s+on\w+\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', "", html)
    html = re.sub(r'(?i)(href|src)\s*=\s*"\s*javascript:[^"]*"', "", html)
    return html
# ----------------------------------------------------------------------------------------------------------------
# publishing: what SHIRASAGI's generator (and, for dynamic URLs, the Rails app on a plain GET) writes

class Publisher:
    FEED_ROUTES = ("category/page", "article/page", "cms/page", "faq/page", "event/page", "lsorg/page")

    def __init__(self, site: Site, r: Renderer, out: Path):
        self.site, self.r, self.out = site, r, out
        self.kinds: Counter = Counter()
        self.kind_of: dict[str, str] = {}
        self.written: set[str] = set()
        site.ajax_parts = {}
        site.archive_months = set()
        site.archive_days = set()
        site.event_days = set()
        site.unsupported = set()

    def write(self, path: str, data, kind: str):
        path = path.lstrip("/")
        if path.endswith("/") or path == "":
            path += "index.html"
        if path in self.written:
            return
        p = self.out / path
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            shutil.copyfile(data, p)
        elif isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
        self.written.add(path)
        self.kinds[kind] += 1
        self.kind_of[path] = kind

    def layout_of_page(self, p: Page):
        if p.layout is not None:
            return p.layout
        if p.parent is not None and p.parent.page_layout is not None:
            return p.parent.page_layout
        return p.parent.layout if p.parent is not None else None

    # ---------------------------------------------------------------------------------------------- pages
    def publish_page(self, p: Page):
        if not p.public or p.route in ("key_visual/image", "ads/banner", "image_map/page"):
            return
        if p.parent is not None and not p.parent.public and not p.filename.endswith("/index.html"):
            return
        ctx = Ctx(p.url, p, p, p.parent)
        content = self.r.page_view(p)
        html = self.r.render(content, ctx, self.layout_of_page(p))
        kind = {"article/page": "article", "faq/page": "faq", "event/page": "event", "sitemap/page": "sitemap",
                "facility/notice": "facility", "facility/image": "facility", "facility/map": "facility",
                "member/blog_page": "member", "member/photo": "member", "ezine/page": "ezine"}.get(p.route, "page")
        if p.filename == "index.html":
            kind = "top"
        if p.generated:
            kind = "article (generated)"
        self.write(p.filename, html, kind)

    # ---------------------------------------------------------------------------------------------- nodes
    def publish_node(self, n: Node):
        if not n.public:
            return
        if (n.filename + "/index.html") in self.site.pages and self.site.pages[n.filename + "/index.html"].public:
            return   # an index page in the folder replaces the node's own listing (ListView#index_page_exist?)
        fn = getattr(self, "node_" + n.route.replace("/", "_"), None)
        if fn is None:
            self.site.unsupported.add("node " + n.route)
            return
        fn(n)

    def node_page(self, n: Node, content: str, path: str | None = None, kind: str = "listing", window: str | None = None):
        path = path or n.url
        ctx = Ctx(path, n, None, n)
        n.window_name = window
        html = self.r.render(content, ctx, n.layout)
        n.window_name = None
        self.write(path, html, kind)

    def paged_list(self, n: Node, items, wrap_cls: str, kind="listing", issuer=None):
        """Cms::NodeFilter::ListView#generate: index.html, index.pN.html and rss.xml."""
        limit = n.limit
        total = max(1, (len(items) + limit - 1) // limit)
        for i in range(total):
            chunk = items[i * limit:(i + 1) * limit]
            path = n.url if i == 0 else f"{n.url}index.p{i + 1}.html"
            body = f'<div class="{wrap_cls}">\n{self.r.render_list(n, chunk, "page", Ctx(path, n, None, n), issuer)}\n</div>\n\n'
            body += self.r.paginate(n.url, i + 1, total) if len(items) > limit else ""
            ctx = Ctx(path, n, None, n)
            html = self.r.render(body, ctx, n.layout)
            if i > 0:   # replace_canonical
                html = re.sub(r'<link rel="canonical" href=".+?">',
                              f'<link rel="canonical" href="{self.site.origin}{path}">', html, count=1)
            self.write(path, html, kind if i == 0 else "listing (paged)")
        self.write_rss(n, items[:limit])

    def write_rss(self, n: Node, items):
        """Cms::PublicFilter::Node#_render_rss (RSS 2.0 via the rss gem)."""
        now = self.site.now.strftime("%a, %d %b %Y %H:%M:%S +0900")
        out = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"', '  xmlns:content="http://purl.org/rss/1.0/modules/content/"',
               '  xmlns:dc="http://purl.org/dc/elements/1.1/">', "  <channel>", f"    <title>{h(n.name)}</title>",
               f"    <link>{self.site.origin}{n.url}</link>", f"    <description>{h(n.get('description') or '')}</description>",
               f"    <pubDate>{now}</pubDate>"]
        for p in items:
            d = p.date.strftime("%a, %d %b %Y %H:%M:%S +0900")
            out += ["    <item>", f"      <title>{h(p.name)}</title>", f"      <link>{self.site.origin}{p.url}</link>",
                    f"      <description>{h(self.r.summary(p) or '')}</description>", f"      <pubDate>{d}</pubDate>",
                    f"      <dc:date>{p.date.strftime('%Y-%m-%dT%H:%M:%S+09:00')}</dc:date>", "    </item>"]
        out += ["  </channel>", "</rss>"]
        self.write(n.url + "rss.xml", "\n".join(out) + "\n", "feed")

    def node_category_page(self, n: Node):
        items = self.r.pages_of(n)
        self.paged_list(n, items, "category-pages pages", "category")

    def node_article_page(self, n: Node):
        items = [p for p in self.r.pages_of(n) if p.route == "article/page"]
        self.paged_list(n, items, "article-pages pages", "listing")

    def node_cms_page(self, n: Node):
        items = self.r.pages_of(n)
        self.paged_list(n, items, "cms-pages pages", "listing")

    def node_faq_page(self, n: Node):
        items = [p for p in self.r.pages_of(n) if p.route == "faq/page"]
        self.paged_list(n, items, "faq-pages pages", "faq")

    def node_lsorg_page(self, n: Node):
        g = n.get("page_group_id")
        def subs(p):
            v = p.get("contact_sub_group_ids")
            return v if isinstance(v, list) else [v]
        items = [p for p in self.site.public_pages() if p.get("contact_group_id") is g or any(x is g for x in subs(p))]
        items = self.r.sort_pages(items, n.get("sort"))
        self.paged_list(n, items, "lsorg-pages pages", "organization")

    def node_list_nodes(self, n: Node, items, wrap_cls, kind):
        limit = n.limit
        total = max(1, (len(items) + limit - 1) // limit)
        for i in range(total):
            chunk = items[i * limit:(i + 1) * limit]
            path = n.url if i == 0 else f"{n.url}index.p{i + 1}.html"
            body = f'<div class="{wrap_cls}">\n{self.r.render_list(n, chunk, "node", Ctx(path, n, None, n))}\n</div>\n\n'
            body += self.r.paginate(n.url, i + 1, total) if len(items) > limit else ""
            html = self.r.render(body, Ctx(path, n, None, n), n.layout)
            self.write(path, html, kind if i == 0 else "listing (paged)")

    def node_category_node(self, n: Node):
        items = [c for c in self.site.public_nodes() if c.route.startswith("category/")
                 and (any(c.filename.startswith(loc + "/") and c.depth == self.site.nodes[loc].depth + 1
                          for loc in self.r.locations(n, False) if loc in self.site.nodes))]
        items = self.r.sort_nodes(items, n.get("sort"))
        self.node_list_nodes(n, items, "category-nodes nodes", "category")

    def node_cms_node(self, n: Node):
        items = self.r.sort_nodes([c for c in n.children if c.public], n.get("sort"))
        self.node_list_nodes(n, items, "cms-nodes nodes", "listing")

    def node_cms_group_page(self, n: Node):
        gids = n.get("condition_group_ids") or []
        items = [p for p in self.r.pages_matching(self.r.locations(n, False))
                 if any(g in (p.get("group_ids") or []) for g in gids)]
        items = self.r.sort_pages(items, n.get("sort"))
        self.paged_list(n, items, "cms-pages pages", "listing")

    def redirect_page(self, path: str, to: str, item, kind: str):
        """layouts/cms/redirect.html.erb (what a redirecting node/page answers)."""
        window = item.name if getattr(item, "filename", "") == "index.html" else f"{item.name} -  {self.site.name}"
        html = ("<!doctype html>\n<html lang=\"ja\">\n\n\n<head>\n  <meta charset=\"UTF-8\" />\n"
                f"  <meta http-equiv=\"refresh\" content=\"0; URL={h(to)}\">\n  <title>{h(window)}</title>\n"
                f"  <link rel=\"canonical\" href=\"{self.site.origin}{path}\">\n</head>\n<body></body>\n\n</html>\n")
        self.write(path, html, kind)

    def node_cms_archive(self, n: Node):
        """Cms::Agents::Nodes::ArchiveController: the node itself redirects to the current month (year); the monthly
        and daily lists are answered dynamically — the copy has the periods the site's own navigation reaches."""
        r, t = self.r, self.site.t
        base = n if (n.conditions or n.parent is None) else n.parent
        pages = r.pages_matching(r.locations(base, False))
        pages = [p for p in pages if p.route not in ("key_visual/image", "ads/banner", "image_map/page")]
        today = self.site.today
        view = n.get("archive_view")
        if view == "yearly_list":
            self.redirect_page(n.url, f"{self.site.origin}{n.url}{today.year}/", n, "archive")
            years = sorted({p.date.year for p in pages}, reverse=True)
            for y in years:
                items = r.sort_pages([p for p in pages if p.date.year == y], n.get("sort"))
                links = "\n".join(link_to(f"{yy}年", f"{n.url}{yy}/", class_=f"{yy} {'current' if yy == y else ''}",
                                          data={"ss_rel": "nofollow"}) for yy in years)
                self.archive_list(n, f"{n.url}{y}/", t("cms.yearly_archive"), "years", links, items, f"{n.name} {y}年")
            return
        cur = today.replace(day=1)
        self.redirect_page(n.url, f"{self.site.origin}{n.url}{cur:%Y%m}/", n, "archive")
        if view == "calendar":
            body = self.archive_calendar(n, cur, pages)
            self.node_page(n, body, f"{n.url}{cur:%Y%m}/", "archive", window=f"{n.name} {cur.year}年{cur.month}月")
            d = cur
            while d.month == cur.month:   # every day of the month is linked (link_to_archive_daily)
                items = r.sort_pages([p for p in pages if p.date.date() == d], n.get("sort"))
                self.archive_daily(n, d, items)
                d += dt.timedelta(days=1)
            return
        months = sorted({(p.date.year, p.date.month) for p in pages}, reverse=True)
        for y, m in [(cur.year, cur.month)] + months:
            items = r.sort_pages([p for p in pages if (p.date.year, p.date.month) == (y, m)], n.get("sort"))
            links = "\n".join(link_to(f"{yy}年{mm}月", f"{n.url}{yy}{mm:02d}/", class_=f"{yy}{mm:02d} {'current' if (yy, mm) == (y, m) else ''}",
                                      data={"ss_rel": "nofollow"}) for yy, mm in months)
            self.archive_list(n, f"{n.url}{y}{m:02d}/", t("cms.monthly_archive"), "months", links, items, f"{n.name} {y}年{m}月")
        days = sorted(self.site.archive_days) if n.filename == "docs/archive" else []
        for d in days:
            self.archive_daily(n, d, r.sort_pages([p for p in pages if p.date.date() == d], n.get("sort")))

    def archive_daily(self, n, d, items):
        mcls = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")[d.month - 1]
        path = f"{n.url}{d:%Y%m%d}/"
        body = (f'<div class="cms-pages pages">\n  <nav class="event-date">\n    <h2 class="{mcls}">\n'
                f'      {d.year}年{d.month}月{d.day}日\n    </h2>\n  </nav>\n'
                f'  {self.r.render_list(n, items[:n.limit], "page", Ctx(path, n, None, n))}\n</div>\n\n')
        self.node_page(n, body, path, "archive (daily)", window=f"{n.name} {ymd_long(d)}")

    def archive_list(self, n, path, header, cls, links, items, window):
        r = self.r
        limit = n.limit
        total = max(1, (len(items) + limit - 1) // limit)
        for i in range(total):
            ppath = path if i == 0 else f"{path}index.p{i + 1}.html"
            body = (f'<div class="cms-pages pages">\n  <nav class="archive-list">\n    <header>{header}</header>\n'
                    f'      <div class="{cls}">\n          {links}\n      </div>\n  </nav>\n'
                    f'  {r.render_list(n, items[i * limit:(i + 1) * limit], "page", Ctx(ppath, n, None, n))}\n</div>\n\n')
            body += r.paginate(path, i + 1, total) if total > 1 else ""
            self.node_page(n, body, ppath, "archive" if i == 0 else "listing (paged)", window=window)

    def archive_calendar(self, n, month, pages):
        r = self.r
        prev = month - dt.timedelta(days=1)
        nxt = add_months(month, 1)

        def mlink(d):
            return link_to(f"{d.month}月", f"{n.url}{d.year}{d.month:02d}/", data={"ss_rel": "nofollow"}) \
                if r.within_one_year(d) else f"{d.month}月"
        mcls = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")[month.month - 1]
        out = [jquery(" Event_Monthly.render(); "), "", n.get("upper_html") or "", "", '<nav class="event-date">',
               f'  <h2 class="{mcls}">{month.year}年{month.month}月</h2>', "  <ul>", f'    <li class="prev">{mlink(prev)}</li>',
               f'    <li class="next">{mlink(nxt)}</li>', "  </ul>", "</nav>", "", '<div id="event-list">']
        d = month
        wd = r.t("date.abbr_day_names")
        while d.month == month.month:
            day_pages = [p for p in pages if p.date.date() == d]
            out.append(f'  <dl class="{r.event_td_class(d, None)}">')
            out.append("    <dt>")
            label = f"{d.month}月{d.day}日"
            link = link_to(label, f"{n.url}{d:%Y%m%d}/") if r.within_one_year(d) else label
            out.append(f'      <time datetime="{d.isoformat()}">\n      {link}\n      <span class="wday">({wd[(d.weekday() + 1) % 7]}<span class="unit">日</span>)</span>\n</time>')
            out.append("    </dt>")
            hol = jp_holiday(d)
            if hol:
                out.append(f'    <dd class="holiday">{hol}</dd>')
            for p in day_pages:
                out.append(f'    <dd class="page">\n      <header>\n        <h2>{link_to(h(p.name), p.url)}</h2>\n      </header>\n    </dd>')
            out.append("  </dl>")
            d += dt.timedelta(days=1)
        out += ["</div>", "", n.get("lower_html") or ""]
        return "\n".join(out) + "\n"

    def node_cms_photo_album(self, n: Node):
        items = []
        for p in self.r.pages_matching(self.r.locations(n, False)):
            html = self.r.page_render_html(p) if p.form else (p.html or "")
            m = re.search(r'<img[^>]+src="([^"]+)"', html)
            if m:
                items.append((p, m.group(1)))
        items = sorted(items, key=lambda x: x[0].date, reverse=True)[: n.limit]
        out = ['<div class="cms-photo-album photo-album">']
        for p, src in items:
            out.append(f'  <article class="item-{self.r.css_class(p)}">\n    <a href="{p.url}">\n'
                       f'      <img src="{src}" alt="{h(p.name)}" />\n      <span class="name">{h(p.name)}</span>\n    </a>\n  </article>')
        out.append("</div>")
        self.node_page(n, "\n".join(out) + "\n", kind="listing")

    def node_cms_site_search(self, n: Node):
        r = self.r
        cats = [c for c in (n.get("st_category_ids") or []) if isinstance(c, Rec)]
        opts = "".join(f'<option value="{self.site.nodes[c.get("filename")].url}">{h(c.get("name"))}</option>'
                       for c in cats if c.get("filename") in self.site.nodes)
        body = (f'<div class="cms-site-search">\n  <form class="search" action="{n.url}" accept-charset="UTF-8" method="get">\n'
                f'    <div class="keyword">\n      <input type="text" name="s[keyword]" id="s_keyword" placeholder="{r.t("cms.search_contents")}" />\n    </div>\n'
                f'    <div class="category">\n      <select name="s[category_name]" id="s_category_name"><option value="" label=" "></option>{opts}</select>\n    </div>\n'
                f'    <input type="submit" name="commit" value="{r.t("ss.buttons.search")}" data-disable-with="{r.t("ss.buttons.search")}" />\n'
                f'  </form>\n</div>\n')
        self.node_page(n, body, kind="search")

    def node_sitemap_page(self, n: Node):
        self.node_cms_page(n)

    def node_faq_search(self, n: Node):
        r = self.r
        items = [p for p in self.site.public_pages() if p.route == "faq/page"]
        items = r.sort_pages(items, n.get("sort"))
        body = r.faq_search_form(n) + f'\n<h2 class="result">{r.t("faq.result")}<span>{len(items)}</span>{r.t("faq.count")}</h2>\n'
        body += f'<div class="faq-search pages">\n{r.render_list(n, items[:n.limit], "page", Ctx(n.url, n, None, n))}\n</div>\n\n'
        self.node_page(n, body, kind="faq")

    def node_inquiry_form(self, n: Node):
        r = self.r
        cols = r.inquiry_columns(n)
        out = [jquery("  Inquiry_Form.render({ confirm: false, requiredLabel: " + json.dumps(r.t("inquiry.required_field"), ensure_ascii=False) + " });\n"
                      "  new Inquiry_Column_RadioButton('.inquiry-form');"),
               '<div class="inquiry-html">', "  " + (n.get("inquiry_html") or ""), "</div>", ""]
        if cols:
            out.append(f'<form enctype="multipart/form-data" action="{n.url}confirm.html" accept-charset="UTF-8" method="post">')
            out.append('  <div class="inquiry-form">')
            out.append(r.inquiry_form_fields(cols))
            out.append('    <input type="hidden" name="item[source_url]" autocomplete="off" />')
            out.append('    <footer class="send">')
            out.append(f'    <input type="submit" name="confirm" value="{r.t("inquiry.confirm")}" data-disable-with="{r.t("inquiry.confirm")}" />')
            out.append("    </footer>")
            out.append("  </div>")
            out.append("</form>")
        self.node_page(n, "\n".join(out) + "\n", kind="form")
        if n.get("aggregation_state") == "enabled":
            self.inquiry_results(n)

    def inquiry_results(self, n: Node):
        t = self.site.t
        cols = self.r.inquiry_columns(n)
        answers = [a for a in self.site.seed.inquiry_answers if a.get("node_id") is n.rec]
        out = [javascript_include("/assets/inquiry/chart.js"), jquery("Inquiry_Chart.drawBar(\".graph-canvas\");"), "",
               '<div class="columns">', '  <dl class="column count">', f'    <dt>{t("inquiry.total_count")}</dt>', "    <dd>",
               f"      {len(answers)}", f'      {t("ss.units.count")}', "    </dd>", "  </dl>"]
        for c in cols:
            if c.get("input_type") not in ("select", "radio_button", "check_box"):
                continue
            vals = [a.get("data", {}).get(c) for a in answers]
            total = sum(1 for v in vals if v is not None)
            data = {}
            out += ['      <dl class="column">', f"        <dt>{h(c.get('name'))}</dt>", '        <dd class ="wide">',
                    '          <table class="index">', f"            <caption>{h(c.get('name'))}</caption>", "            <tbody>"]
            for o in c.get("select_options") or []:
                cnt = sum(1 for v in vals if v == o)
                data[o] = round(cnt / total * 100, 1) if total else 0
                out += ["                <tr>", f'                  <th scope="row">{h(o)}</th>',
                        f'                  <td class="count">{cnt}{t("ss.units.count")}</td>', "                </tr>"]
            out += ["            </tbody>", "          </table>", "        </dd>", '          <dd class="graph">',
                    f"            <canvas class=\"graph-canvas\" height=\"{len(data) * 25}\" data-name='{h(c.get('name'))}' data-columns='{json.dumps(data, ensure_ascii=False)}'></canvas>",
                    "          </dd>", "      </dl>"]
        out.append("</div>")
        self.node_page(n, "\n".join(out) + "\n", f"{n.url}results.html", "form")

    def node_inquiry_node(self, n: Node):
        r = self.r
        forms = sorted([c for c in n.children if c.public and c.route == "inquiry/form"], key=lambda c: (c.order, c.seq))
        out = [f'<div class="inquiry-forms">', f"{n.get('upper_html') or ''}", '<table id="forms">', f"<caption>{h(n.name)}</caption>",
               "<thead>", "<tr>", "<th>タイトル</th>", f"<th>{r.t('inquiry.reception_plan')}</th>",
               f"<th>{r.t('inquiry.aggregate')}</th>", "</tr>", "</thead>", "<tbody>"]
        for f in forms:
            s, c = f.get("reception_start_date"), f.get("reception_close_date")
            open_ = not (isinstance(s, (dt.date, dt.datetime)) and isinstance(c, (dt.date, dt.datetime))) or \
                (s if isinstance(s, dt.date) and not isinstance(s, dt.datetime) else s.date()) <= self.site.today <= \
                (c if isinstance(c, dt.date) and not isinstance(c, dt.datetime) else c.date())
            out.append("<tr>")
            out.append("<td>" + (link_to(h(f.name), f.url) if open_ else h(f.name)) + "</td>")
            if isinstance(s, (dt.date, dt.datetime)):
                out.append(f"<td>{ymd_long(s)}{r.t('inquiry.from')}{ymd_long(c)}</td>")
            else:
                out.append("<td></td>")
            if f.get("aggregation_state") == "enabled":
                out.append(f"<td>{link_to(r.t('inquiry.aggregate'), f.url + 'results.html')}</td>")
            else:
                out.append(f"<td>{r.t('inquiry.aggregate')}</td>")
            out.append("</tr>")
        out += ["</tbody>", "</table>", f"{n.get('lower_html') or ''}", "</div>"]
        self.node_page(n, "\n".join(out) + "\n", kind="form")

    def node_event_page(self, n: Node):
        r = self.r
        today = self.site.today
        months = [today.replace(day=1), add_months(today.replace(day=1), 1), add_months(today.replace(day=1), -1)]
        pages = [p for p in r.pages_matching(r.locations(n, False)) if p.event_dates]
        cats = sorted([self.site.nodes[c.get("filename")] for c in (n.get("st_category_ids") or [])
                       if isinstance(c, Rec) and c.get("filename") in self.site.nodes], key=lambda c: (c.order, c.seq))
        tabs = n.get("event_display_tabs") or ["list", "table"]
        for mi, month in enumerate(months):
            for display in tabs:
                if mi == 0 and display == (n.get("event_display") or "table"):
                    paths = [n.url, f"{n.url}{month.year}{month.month:02d}/{display}.html"]
                else:
                    paths = [f"{n.url}{month.year}{month.month:02d}/{display}.html"]
                for path in paths:
                    body = self.event_month(n, month, display, pages, cats, tabs)
                    if display == "list":
                        self.write_ics(n, month, pages)
                    dname = r.t(f"event.options.event_display.{display}")
                    window = f"{n.name} {dname}" if path == n.url else f"{n.name} {dname} {month.year}年{month.month}月"
                    self.node_page(n, body, path, "event calendar", window=window)
        days = sorted(self.site.event_days)
        for d in days:
            evs = [p for p in pages if d in p.event_dates]
            if not evs:
                continue
            cell = self.event_cell(n, d, evs, cats, d.month)
            src = r.site.daily_liquid
            body = (f'<nav class="event-date">\n  <h2>{d.year}年{d.month}月{d.day}日</h2>\n</nav>\n'
                    f'<div id="event-list" class="daily">\n{r.liquid(src, cell)}\n</div>\n')
            self.node_page(n, body, f"{n.url}{d:%Y%m%d}/", "event calendar", window=f"{n.name} {ymd_long(d)}")

    def write_ics(self, n, month, pages):
        """Event::Agents::Nodes::PageController#index_monthly_ics (icalendar)."""
        nxt = add_months(month, 1)
        out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SHIRASAGI//Event Calendar//JA", "CALSCALE:GREGORIAN",
               f"X-WR-CALNAME:{n.name}", "X-WR-TIMEZONE:Asia/Tokyo"]
        for p in pages:
            ds = [d for d in p.event_dates if month <= d < nxt]
            if not ds:
                continue
            out += ["BEGIN:VEVENT", f"UID:{p.id}@{re.sub(r'^https?://', '', self.site.origin)}",
                    f"DTSTART;VALUE=DATE:{ds[0]:%Y%m%d}", f"DTEND;VALUE=DATE:{ds[-1] + dt.timedelta(days=1):%Y%m%d}",
                    f"SUMMARY:{p.get('event_name') or p.name}", f"URL:{self.site.origin}{p.url}", "END:VEVENT"]
        out.append("END:VCALENDAR")
        self.write(f"{n.url}{month:%Y%m}/list.ics", "\r\n".join(out) + "\r\n", "ics")

    def event_cell(self, n, d, evs, cats, month):
        r = self.r
        cat_set = {c.filename: c for c in cats}
        events = []
        for p in sorted(evs, key=lambda p: len(p.event_dates)):
            pcats = sorted([c for c in p.categories if c.filename in cat_set], key=lambda c: c.order)
            multi = len(p.event_dates) > 1
            cat = pcats[0] if pcats else None
            ctx = Ctx(n.url, n, None, n)
            events.append({"page": ContentDrop(r, p, ctx, n), "name": p.get("event_name") or p.name, "url": p.url,
                           "category": ContentDrop(r, cat, ctx, n) if cat else None,
                           "categories": [ContentDrop(r, c, ctx, n) for c in pcats],
                           "multiple_or_single_days": "multiple-days" if multi else "single-day",
                           "data_id": " ".join(str(c.id) for c in pcats),
                           "data_start_date": p.event_dates[0].strftime("%Y/%m/%d"),
                           "data_end_date": p.event_dates[-1].strftime("%Y/%m/%d"), "specifics": []})
        hol = jp_holiday(d)
        return {"date": d, "year": d.year, "month": d.month, "day": d.day, "events": events,
                "today?": d == self.site.today, "holiday?": bool(hol), "holiday_name": hol,
                "substitute_html": n.get("substitute_html") or "", "current_month?": d.month == month,
                "active?": r.within_one_year(d), "daily_url": f"{n.url}{d:%Y%m%d}/",
                "date_label": f"{d.month}月{d.day}日", "wday_label": r.t("date.abbr_day_names")[(d.weekday() + 1) % 7],
                "dl_class": r.event_td_class(d, None)}

    def event_month(self, n, month, display, pages, cats, tabs):
        r = self.r
        out = [jquery(" Event_Monthly.render(); "), "", n.get("upper_html") or "", ""]
        if cats:
            out += [f'  <nav class="event-pages-filter" aria-label="{r.t("event.category_filter")}">', "    <ul>",
                    '      <li class="all">', "        " + link_to(r.t("event.filter_all"), "#", class_="clicked", data={"id": "all"}),
                    "      </li>"]
            for c in cats:
                out += [f'        <li class="{c.basename}">',
                        "          " + f'<a data-id="{c.id}" role="button" href="#{c.id}">{h(c.name)}</a>', "        </li>"]
            out += ["    </ul>", "  </nav>", ""]
        mcls = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")[month.month - 1]
        out += [f'<nav class="event-date" aria-label="{r.t("event.calendar")}">', f'  <h2 class="{mcls}">',
                f'    <span class="calendar-year">{month.year}年</span>', f'    <span class="calendar-month">{month.month}月</span>',
                "  </h2>", '    <div class="event-format">']
        for t in tabs:
            out.append(f'        <span class="{t} {"current" if t == display else ""}">')
            out.append("          " + link_to(r.t(f"event.options.event_display.{t}"), f"{n.url}{month.year}{month.month:02d}/{t}.html"))
            out.append("        </span>")
        out.append("    </div>")
        out.append("  " + link_to(r.t("event.ics_file"), f"{n.url}{month.year}{month.month:02d}/list.ics", class_="event-ics-file", data={"ss_rel": "nofollow"}))
        prev = month - dt.timedelta(days=1)
        nxt = add_months(month, 1)

        def mlink(d):
            if r.within_one_year(d):
                return link_to(f"{d.month}月", f"{n.url}{d.year}{d.month:02d}/{display}.html", data={"ss_rel": "nofollow"})
            return f"{d.month}月"
        out += ["  <ul>", f'    <li class="prev">{mlink(prev)}</li>', f'    <li class="next">{mlink(nxt)}</li>', "  </ul>", "</nav>", ""]
        if display == "map":
            nxt = add_months(month, 1)
            markers = []
            for p in pages:
                if any(month <= d < nxt for d in p.event_dates):
                    for mp in p.get("map_points") or []:
                        if isinstance(mp, dict) and mp.get("loc"):
                            markers.append({"name": mp.get("name") or p.name, "loc": mp.get("loc"),
                                            "html": f'<p><a href="{p.url}">{h(p.get("event_name") or p.name)}</a></p>'})
            out += [jquery('  Map_Base.load("#map-canvas", ' + json.dumps({"markers": markers}, ensure_ascii=False) + ");"),
                    '<div id="map-canvas" style="width: 100%; height: 400px;"></div>']
        elif display == "table":
            start = month - dt.timedelta(days=(month.weekday() + 1) % 7)
            out += ['<div id="event-table" class="event-table">', '  <table class="calendar">',
                    f"    <caption>{month.year}年{month.month}月</caption>", "    <thead>", "    <tr>"]
            for wd in r.t("date.abbr_day_names"):
                out.append(f'        <th scope="col"><span class="wday">{wd}<span class="unit">日</span></span></th>')
            out += ["    </tr>", "    </thead>", "    <tbody>"]
            for i in range(42):
                d = start + dt.timedelta(days=i)
                if i % 7 == 0:
                    out.append("          <tr>")
                evs = [p for p in pages if d in p.event_dates]
                cell = self.event_cell(n, d, evs, cats, month.month)
                out.append(f'        <td class="{r.event_td_class(d, month)}">')
                out.append("          " + r.liquid(r.site.table_liquid, cell))
                out.append("        </td>")
                if i % 7 == 6:
                    out.append("          </tr>")
                for p in evs:
                    if r.within_one_year(d):
                        self.site.event_days.add(d)
            out += ["      </tbody>", "  </table>", "</div>"]
        else:
            out.append('<div id="event-list">')
            d = month
            while d.month == month.month:
                evs = [p for p in pages if d in p.event_dates]
                out.append("    " + r.liquid(r.site.list_liquid, self.event_cell(n, d, evs, cats, month.month)))
                d += dt.timedelta(days=1)
            out.append("</div>")
        out += ["", n.get("lower_html") or ""]
        return "\n".join(out) + "\n"

    def node_event_search(self, n: Node):
        r = self.r
        part = next((p for p in self.site.parts.values() if p.get("route") == "event/search"), None)
        form = r.part_event_search(part, Ctx(n.url, n, None, n)) if part else ""
        pages = sorted([p for p in self.site.public_pages() if p.event_dates and p.event_dates[-1] >= self.site.today],
                       key=lambda p: p.event_dates[0])
        out = [form, '<div class="event-search-result">', '  <div id="event-list">']
        for p in pages[: n.limit]:
            out.append(f'    <dl>\n      <dt>{ymd_long(p.event_dates[0])}</dt>\n      <dd class="page"><a href="{p.url}">{h(p.get("event_name") or p.name)}</a></dd>\n    </dl>')
        out += ["  </div>", "</div>"]
        self.node_page(n, "\n".join(out) + "\n", kind="event calendar")

    def node_lsorg_node(self, n: Node):
        r = self.r
        src = n.get("loop_liquid") or ""
        roots = self.site.lsorg_roots
        body = '<div class="lsorg-groups groups">\n' + r.liquid(src, {"roots": roots, "root": roots[0] if roots else None,
                                                                    "inquiry_form": ContentDrop(r, self.site.inquiry_form, Ctx(n.url, n, None, n)) if self.site.inquiry_form else None}) + "\n</div>\n"
        self.node_page(n, body, kind="organization")

    # facilities
    def facility_pages(self, pred=lambda n: True):
        return sorted([n for n in self.site.public_nodes() if n.route == "facility/page" and pred(n)],
                      key=lambda n: (n.order, n.get("kana") or "", n.name))

    def facility_table(self, caption, items, id_=None):
        t = self.site.t
        out = [f'<table{f" id={chr(34)}{id_}{chr(34)}" if id_ else ""} class="facility-page-table">', f"  <caption>{h(caption)}</caption>",
               "  <thead>", "  <tr>", f'    <th scope="col">{t("mongoid.attributes.facility/node/page.name")}</th>',
               f'    <th scope="col">{t("mongoid.attributes.facility/node/page.address")}</th>',
               f'    <th scope="col">{t("mongoid.attributes.facility/node/page.tel")}</th>', "  </tr>", "  </thead>",
               '  <tbody class="facility-page-list">']
        for f in items:
            out += ['    <tr class="facility-page">', f'      <td class="facility-page-name">{link_to(h(f.name), f.url)}</td>',
                    f'      <td class="facility-page-address">{h(f.get("address") or "")}</td>',
                    f'      <td class="facility-page-tel">{h(f.get("tel") or "")}</td>', "    </tr>"]
        out += ["  </tbody>", "</table>"]
        return "\n".join(out)

    def node_facility_node(self, n: Node):
        items = self.facility_pages(lambda f: f.filename.startswith(n.filename + "/"))
        locs = {}
        for f in items:
            for l in f.get("location_ids") or []:
                if isinstance(l, Rec):
                    locs.setdefault(l.get("filename"), (self.site.nodes.get(l.get("filename")), []))[1].append(f)
        out = ['<div class="facility-nodes">']
        if locs:
            for fn, (ln, fs) in sorted(locs.items(), key=lambda kv: kv[1][0].order if kv[1][0] else 0):
                if ln:
                    out.append(self.facility_table(ln.name, fs, ln.basename))
        else:
            out.append(self.facility_table(n.name, items))
        out.append("</div>")
        self.node_page(n, "\n".join(out) + "\n", kind="facility")

    def node_facility_search(self, n: Node):
        t = self.site.t
        out = [jquery('  $(".reset").on("click", function () {\n    $(".prop").prop("checked", false);\n    $(".keyword").val("");\n    return false;\n  });\n'),
               "", f'<form enctype="multipart/form-data" action="{n.url}result.html" accept-charset="UTF-8" method="get">',
               '<dl class="keyword">', f'  <dt><label for="keyword">キーワード</label></dt>',
               '  <dd><input type="text" name="keyword" id="keyword" class="keyword" /></dd>', "</dl>"]
        for key, label in (("st_category_ids", "施設の種類"), ("st_service_ids", "施設の用途"), ("st_location_ids", "施設の地域")):
            recs = [self.site.nodes.get(c.get("filename")) for c in (n.get(key) or []) if isinstance(c, Rec)]
            recs = [c for c in recs if c]
            if not recs:
                continue
            name = key.replace("st_", "").replace("_ids", "_ids[]")
            out.append(f'<dl class="{key.replace("st_", "").replace("_ids", "")}">\n  <dt>{label}</dt>\n  <dd>')
            for c in recs:
                out.append(f'    <label><input type="checkbox" name="{name}" value="{c.id}" class="prop" />{h(c.name)}</label>')
            out.append("  </dd>\n</dl>")
        out += ['  <footer class="send">',
                f'    <input type="submit" value="{t("facility.submit.search")}" data-disable-with="{t("facility.submit.search")}" />',
                f'    <input type="reset" value="{t("facility.submit.reset")}" class="reset" data-disable-with="{t("facility.submit.reset")}" />',
                "  </footer>", "</form>"]
        self.node_page(n, "\n".join(out) + "\n", kind="facility")

    def node_facility_group(self, n: Node, key):
        items = self.facility_pages(lambda f: any(isinstance(c, Rec) and c.get("filename") == n.filename
                                                  for c in (f.get(key) or [])))
        body = '<div class="facility-nodes">\n' + self.facility_table(n.name, items) + "\n</div>\n"
        self.node_page(n, body, kind="facility")

    def node_facility_category(self, n):
        self.node_facility_group(n, "category_ids")

    def node_facility_location(self, n):
        self.node_facility_group(n, "location_ids")

    def node_facility_service(self, n):
        self.node_facility_group(n, "service_ids")

    def node_facility_page(self, n: Node):
        r, t = self.r, self.site.t
        out = [f'<dl class="see body">']
        for k in ("kana", "postcode", "address", "tel", "fax", "related_url"):
            v = n.get(k)
            if v:
                out.append(f'    <dt>{t("mongoid.attributes.facility/node/page." + k)}</dt>')
                out.append(f"    <dd>{link_to(h(v), v, target='_blank', rel='noopener') if k == 'related_url' else h(v)}</dd>")
        out.append("</dl>")
        images = sorted([p for p in self.site.public_pages() if p.parent is n and p.route == "facility/image"], key=lambda p: p.order)
        if images:
            out.append(f"  <h2>{t('facility.image')}</h2>")
            out.append('  <div class="images">')
            for p in images:
                img = p.get("image_id")
                if isinstance(img, Rec):
                    out.append(f'      <div class="image">\n        <p>\n          <a class="ajax-box" onclick="return false;" href="{img.get("url")}">'
                               f'<img alt="{h(img.get("name"))}" src="{img.get("thumb_url")}" /></a>\n        </p>\n      </div>')
            out.append("  </div>")
        notices = r.sort_pages([p for p in self.site.public_pages() if p.parent is n and p.route == "facility/notice"], None)
        if notices:
            out.append(f"  <h2>{t('facility.notice')}</h2>")
            out.append("  " + r.render_list(n, notices, "page", Ctx(n.url, n, None, n)))
        maps = [p for p in self.site.public_pages() if p.parent is n and p.route == "facility/map"]
        for m in maps[:1]:
            out.append(r.map_html(m))
        self.node_page(n, "\n".join(out) + "\n", kind="facility")

    # ezine
    def node_ezine_page(self, n: Node):
        t = self.site.t
        body = '<ul class="ezine-pages">\n'
        for k in ("add", "update", "delete"):
            body += f'  <li class="{k}">\n    {link_to(t("ezine.entry_type." + k), n.url + k + ".html")}\n  </li>\n'
        body += "</ul>\n"
        self.node_page(n, body, kind="ezine")
        for k in ("add", "update", "delete"):
            self.ezine_form(n, k)

    def node_ezine_backnumber(self, n: Node):
        items = []
        for loc in n.conditions:
            ln = self.site.nodes.get(loc)
            if ln:
                items += [p for p in self.site.public_pages() if p.parent is ln and p.route == "ezine/page"]
        items = self.r.sort_pages(items, None)
        self.paged_list(n, items, "ezine-pages pages", "ezine")

    def node_ezine_member_page(self, n: Node):
        items = self.r.sort_pages([p for p in self.site.public_pages() if p.parent is n and p.route == "ezine/page"], None)
        self.paged_list(n, items, "ezine-pages pages", "ezine")

    def node_ezine_category_node(self, n: Node):
        self.node_cms_node(n)

    # pages answered by forms or searches: the response to a plain GET, with the node's own markup
    def simple_node(self, n: Node, body: str, kind: str):
        self.node_page(n, body, kind=kind)

    def node_member_login(self, n: Node):
        body = (f'<div class="member-login">\n<form action="{n.url}login.html" accept-charset="UTF-8" method="post">\n'
                '  <dl>\n    <dt><label for="item_email">メールアドレス</label></dt>\n    <dd><input type="email" name="item[email]" id="item_email" /></dd>\n'
                '    <dt><label for="item_password">パスワード</label></dt>\n    <dd><input type="password" name="item[password]" id="item_password" /></dd>\n'
                '  </dl>\n  <footer class="send"><input type="submit" name="login" value="ログイン" data-disable-with="ログイン" /></footer>\n</form>\n</div>\n')
        self.simple_node(n, body, "member")

    def node_member_registration(self, n: Node):
        t = self.site.t
        req = f'<span class="required">{t("ss.required_field")}</span>'
        fields = [("name", "氏名", True), ("email", "メールアドレス", True), ("email_again", "メールアドレス（確認用）", True),
                  ("kana", "氏名（カナ）", n.get("kana_required") == "required"), ("tel", "電話番号", False),
                  ("postal_code", "郵便番号", n.get("postal_code_required") == "required"),
                  ("addr", "住所", n.get("addr_required") == "required")]
        out = [f'<form action="{n.url}confirm.html" accept-charset="UTF-8" method="post">',
               '  <div class="member-registration-form">', '<link rel="stylesheet" href="/assets/member/public.css" media="all" />',
               '<script src="/assets/member/public.js"></script>', "", '<div class="columns">']
        for key, label, required in fields:
            out.append(f'  <fieldset class="column {key.replace("_", "-")}">')
            out.append(f'    <legend><label for="item_{key}">{label}</label>{req if required else ""}</legend>')
            extra = f'<button name="postal-code-search" type="button">{t("member.buttons.address_search")}</button>' if key == "postal_code" else ""
            out.append(f'    <div><input type="text" name="item[{key}]" id="item_{key}" />{extra}</div>')
            out.append("  </fieldset>")
        out += ["</div>", '    <footer class="send">',
                f'      <input type="submit" name="submit" value="{t("member.buttons.confirm")}" data-disable-with="{t("member.buttons.confirm")}" />',
                "    </footer>", "  </div>", "</form>"]
        self.simple_node(n, "\n".join(out) + "\n", "member")

    def node_chat_bot(self, n: Node):
        self.simple_node(n, self.r.chat_bot_html(n, n.get("first_text")), "chat")

    def node_article_map_search(self, n: Node):
        r = self.r
        cats = [self.site.nodes.get(c.get("filename")) for c in (n.get("st_category_ids") or []) if isinstance(c, Rec)]
        cats = [c for c in cats if c]
        out = [f'<div class="article-map-search">', f'  <form class="map-search" action="{n.url}map.html" accept-charset="UTF-8" method="get">',
               '    <fieldset class="categories">', '      <legend>カテゴリー</legend>']
        for c in cats:
            out.append(f'      <label><input type="checkbox" name="s[category_ids][]" value="{c.id}" />{h(c.name)}</label>')
        out.append("    </fieldset>")
        for opt in n.get("map_search_options") or []:
            out.append(f'    <fieldset class="option">\n      <legend>{h(opt.get("name"))}</legend>')
            for v in (opt.get("values") or "").splitlines():
                out.append(f'      <label><input type="checkbox" name="s[{h(opt.get("name"))}][]" value="{h(v)}" />{h(v)}</label>')
            out.append("    </fieldset>")
        out += ['    <footer class="send"><input type="submit" value="検索" data-disable-with="検索" /></footer>', "  </form>"]
        pages = r.pages_matching(n.conditions)
        out.append('  <div class="map-search-result pages">')
        out.append("    " + r.render_list(n, r.sort_pages(pages, n.get("sort")), "page", Ctx(n.url, n, None, n)))
        out.append("  </div>")
        out.append("</div>")
        self.simple_node(n, "\n".join(out) + "\n", "search")

    def node_guide_guide(self, n: Node):
        label = self.site.t("guide.links.start_guide")
        body = (f'<form action="{n.url}dialog.html" accept-charset="UTF-8" method="get">\n  <div class="guide-node-form">\n'
                f'    {sanitize(n.get("guide_index_html") or "")}\n    <footer class="send">\n'
                f'      <input type="submit" name="submit" value="{label}" data-disable-with="{label}" />\n    </footer>\n  </div>\n</form>\n')
        self.simple_node(n, body, "search")

    def node_garbage_search(self, n: Node):
        cats = sorted([c for c in self.site.public_nodes() if c.route == "garbage/category"], key=lambda c: c.order)
        out = [f'<div class="garbage-search">', f'  <form action="{n.url}result.html" accept-charset="UTF-8" method="get">',
               '    <dl>', '      <dt><label for="name">品目名</label></dt>', '      <dd><input type="text" name="name" id="name" /></dd>',
               '      <dt>分別区分</dt>', "      <dd>"]
        for c in cats:
            out.append(f'        <label><input type="checkbox" name="category_ids[]" value="{c.id}" />{h(c.name)}</label>')
        out += ["      </dd>", "    </dl>", '    <footer class="send"><input type="submit" value="検索" data-disable-with="検索" /></footer>',
                "  </form>", "</div>"]
        self.simple_node(n, "\n".join(out) + "\n", "search")

    def garbage_table(self, n, items):
        t = self.site.t
        ih = [n.get("upper_html") or "", '<table class="columns">', f"  <caption>{h(n.name)}</caption>", "  <thead>", "    <tr>",
              f"      <th>{t('garbage.item')}</th>", f"      <th>{t('garbage.kana')}</th>",
              f"      <th>{t('garbage.category.name')}</th>", f"      <th>{t('garbage.remark')}</th>", "    </tr>", "  </thead>",
              "  <tbody>"]
        for it in items:
            cats = [c.get("name") for c in (it.get("category_ids") or []) if isinstance(c, Rec)]
            ih += ["<tr>", f"  <td>{link_to(h(it.index_name or it.name), it.url)}</td>", f"  <td>{h(it.get('kana') or '')}</td>",
                   f"  <td>{'<br />'.join(h(c) for c in cats)}</td>", f"  <td>{h(it.get('remark') or '')}</td>", "</tr>"]
        ih += ["  </tbody>", "</table>", n.get("lower_html") or ""]
        return '<div class="garbage-nodes nodes">\n  ' + "\n".join(ih) + "\n</div>\n\n"

    def node_garbage_node(self, n):
        items = self.r.sort_nodes([c for c in n.children if c.public and c.route == "garbage/page"], n.get("sort"))
        self.node_page(n, self.garbage_table(n, items), kind="search")

    def node_garbage_category_list(self, n):
        self.node_cms_node(n)

    def node_garbage_category(self, n):
        items = [c for c in self.site.public_nodes() if c.route == "garbage/page"
                 and any(x is n.rec for x in (c.get("category_ids") or []))]
        self.node_page(n, self.garbage_table(n, self.r.sort_nodes(items, None)), kind="search")

    def node_garbage_page(self, n):
        t = self.site.t
        cats = [c.get("name") for c in (n.get("category_ids") or []) if isinstance(c, Rec)]
        body = (f'<table class="columns column">\n  <caption>{h(n.name)}</caption>\n  <thead>\n    <tr>\n'
                f'      <th scope="col">{t("garbage.item")}</th>\n      <th scope="col">{t("garbage.kana")}</th>\n'
                f'      <th scope="col">{t("garbage.category.name")}</th>\n      <th scope="col">{t("garbage.remark")}</th>\n'
                f'    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <td>{h(n.name)}</td>\n      <td>{h(n.get("kana") or "")}</td>\n'
                f'      <td>{"<br />".join(h(c) for c in cats)}</td>\n      <td>{h(n.get("remark") or "")}</td>\n    </tr>\n  </tbody>\n</table>\n')
        self.node_page(n, body, kind="search")

    def node_member_blog(self, n):
        self.node_cms_node(n)

    def node_member_photo(self, n):
        items = [p for p in self.site.public_pages() if p.parent is n and p.route == "member/photo"
                 and p.get("listable_state") == "public"]
        self.paged_list(n, self.r.sort_pages(items, n.get("sort")), "member-photos pages", "member")

    def node_member_blog_page(self, n):
        items = [p for p in self.site.public_pages() if p.parent is n and p.route == "member/blog_page"]
        self.paged_list(n, self.r.sort_pages(items, None), "member-blog-pages pages", "member")

    def node_member_photo_category(self, n):
        self.node_member_photo_group(n, "photo_category_ids")

    def node_member_photo_location(self, n):
        self.node_member_photo_group(n, "photo_location_ids")

    def node_member_photo_group(self, n, key):
        items = [p for p in self.site.public_pages() if p.route == "member/photo" and n.rec in (p.get(key) or [])]
        self.paged_list(n, self.r.sort_pages(items, None), "member-photos pages", "member")

    def node_member_photo_spot(self, n):
        self.node_cms_node(n)

    def node_member_blog_page_location(self, n):
        items = [p for p in self.site.public_pages() if p.route == "member/blog_page" and n.rec in (p.get("blog_page_location_ids") or [])]
        self.paged_list(n, self.r.sort_pages(items, None), "member-blog-pages pages", "member")

    def node_image_map_page(self, n):
        self.simple_node(n, self.r.image_map_html(n), "listing")

    def node_ads_banner(self, n):
        """Ads::Banner pages count the click and redirect to the banner's link."""
        for p in self.site.public_pages():
            if p.parent is n and p.route == "ads/banner" and p.get("link_url"):
                self.redirect_page(p.url, p.get("link_url"), p, "redirect")

    def ezine_form(self, n: Node, kind: str):
        t = self.site.t
        cols = [c for c in self.site.seed.ezine_columns if c.get("node_id") is n.rec]
        label = t(f"ezine.entry_type.{kind}")
        out = [jquery("  $('.ezine-form input').keypress(function (ev) {\n    if ((ev.which && ev.which === 13) || (ev.keyCode && ev.keyCode === 13)) {\n"
                      "      return false;\n    } else {\n      return true;\n    });\n  });"), "",
               f'<h2 class="ezine-html">{label}</h2>', "",
               f'<form enctype="multipart/form-data" action="{n.url}confirm.html" accept-charset="UTF-8" method="post">',
               '<div class="ezine-form">', '  <div class="columns">', '  <dl class="column">', "    <dt>",
               f'      {t("mongoid.attributes.ezine/entry.email")}', f'      <span class="required">{t("ezine.required_field")}</span>',
               "    </dt>", '    <dd><input type="email" name="item[email]" id="item_email" /></dd>']
        if kind != "delete":
            out += [f'    <dt>{t("mongoid.attributes.ezine/member.email_type")}</dt>', "    <dd>",
                    '      <label>\n        <input type="radio" value="text" name="item[email_type]" id="item_email_type_text" />\n        テキスト版\n      </label>',
                    '      <label>\n        <input type="radio" value="html" name="item[email_type]" id="item_email_type_html" />\n        HTML版\n      </label>',
                    "    </dd>"]
        out.append("  </dl>")
        if kind != "delete":
            for c in cols:
                out += ['    <dl class="column">', "      <dt>", f'        <label for="item_{c.id}">{h(c.get("name"))}</label>']
                if c.get("required") == "required":
                    out.append(f'          <span class="required">{t("ezine.required_field")}</span>')
                out += ["      </dt>", "      <dd>"]
                for i, v in enumerate(c.get("select_options") or []):
                    out.append(f'        <label><input type="radio" name="item[in_data][{c.id}]" value="{h(v)}" />{h(v)}</label>')
                out += ["      </dd>", "    </dl>"]
        out += ["</div>", f'  <input type="hidden" name="item[entry_type]" value="{kind}" autocomplete="off" />',
                '  <footer class="send">', f'    <input type="submit" name="submit" value="{label}" data-disable-with="{label}" />',
                "  </footer>", "</div>", "</form>"]
        self.node_page(n, "\n".join(out) + "\n", f"{n.url}{kind}.html", "ezine", window=None)

    # ---------------------------------------------------------------------------------------------- the whole site
    def publish(self):
        site = self.site
        for p in sorted(site.pages.values(), key=lambda p: p.filename):
            self.publish_page(p)
        for n in sorted(site.nodes.values(), key=lambda n: n.filename):
            if n.route in ("cms/archive", "event/page"):
                continue
            self.publish_node(n)
        for n in sorted(site.nodes.values(), key=lambda n: n.filename):   # after the parts have linked their days
            if n.route == "event/page":
                self.publish_node(n)
        for n in sorted(site.nodes.values(), key=lambda n: n.filename):
            if n.route == "cms/archive":
                self.publish_node(n)
        self.publish_lsorg_pages()
        self.publish_ajax_parts()
        self.publish_404()

    def publish_lsorg_pages(self):
        for n in self.site.lsorg_nodes:
            self.node_lsorg_page(n)

    def publish_ajax_parts(self):
        """The JSON the public JS loads for parts with ajax_view (SS.renderPart): the part rendered for a visitor."""
        for fn, part in sorted(self.site.ajax_parts.items()):
            ctx = Ctx("/", self.site.pages["index.html"], self.site.pages["index.html"], None)
            body = self.r.render_part(part, ctx) or ""
            self.write(re.sub(r"\.html$", ".json", fn), json.dumps(body, ensure_ascii=False), "part json")

    def publish_404(self):
        p = self.site.pages.get("404.html")
        if p is not None:
            return
# ----------------------------------------------------------------------------------------------------------------
# groups (lsorg), the calendar's loop templates, assets, sites.yaml, main

class GroupDrop(Drop):
    def __init__(self, site, rec, tree):
        self.site, self.rec, self.tree = site, rec, tree

    def lookup(self, name):
        rec, tree = self.rec, self.tree
        if name == "name":
            return rec.get("name").rsplit("/", 1)[-1]
        if name == "full_name":
            return rec.get("name")
        if name == "basename":
            return f"g{rec.id}"
        if name == "group":
            return {"id": rec.id, "name": rec.get("name")}
        if name == "children":
            return [GroupDrop(self.site, g, tree) for g in tree["children"].get(rec.get("name"), [])]
        if name == "descendants":
            pre = rec.get("name") + "/"
            return [GroupDrop(self.site, g, tree) for g in tree["all"] if g.get("name").startswith(pre)]
        if name == "parent":
            pn = rec.get("name").rsplit("/", 1)[0]
            pr = tree["by_name"].get(pn) if "/" in rec.get("name") else None
            return GroupDrop(self.site, pr, tree) if pr else None
        if name == "overview":
            return rec.get("overview")
        if name == "main_contact":
            cs = rec.get("_contacts") or []
            return {"contact_tel": cs[0].get("contact_tel")} if cs else {"contact_tel": rec.get("contact_tel")}
        if name == "node":
            n = tree["nodes"].get(rec.get("name"))
            return {"url": n.url, "name": n.name} if n else None
        if name == "depth":
            return rec.get("name").count("/") + 1
        return None

    def to_liquid_s(self):
        return self.rec.get("name")


def build_lsorg(site: Site):
    """Lsorg::ImportGroupsJob: one lsorg/page node per group under the organization node (basename g<id>)."""
    site.lsorg_nodes, site.lsorg_roots = [], []
    org = next((n for n in site.nodes.values() if n.route == "lsorg/node"), None)
    if org is None:
        return
    groups = sorted(site.seed.groups.values(), key=lambda g: (g.get("order") or 0, g.id))
    roots = [g for g in (org.get("root_group_ids") or []) if isinstance(g, Rec)] or groups[:1]
    tree = {"children": {}, "all": [], "by_name": {g.get("name"): g for g in groups}, "nodes": {}}
    ids = max(n.id for n in site.nodes.values())
    for root in roots:
        members = [g for g in groups if g.get("name") == root.get("name") or g.get("name").startswith(root.get("name") + "/")]
        for g in members:
            tree["all"].append(g)
            if g is not root:
                parent = g.get("name").rsplit("/", 1)[0]
                tree["children"].setdefault(parent, []).append(g)
            rel = []
            name = g.get("name")
            while True:
                rg = tree["by_name"].get(name)
                if rg is not None:
                    rel.insert(0, f"g{rg.id}")
                if name == root.get("name") or "/" not in name:
                    break
                name = name.rsplit("/", 1)[0]
            fn = org.filename + "/" + "/".join(rel)
            ids += 1
            rec = Rec("node", route="lsorg/page", filename=fn, name=g.get("name").rsplit("/", 1)[-1],
                      order=g.get("order"), page_group_id=g, layout_id=org.page_layout or org.layout, seq=50_000 + ids)
            n = Node(rec, ids)
            site.nodes[fn] = n
            tree["nodes"][g.get("name")] = n
            site.lsorg_nodes.append(n)
        site.lsorg_roots.append(GroupDrop(site, root, tree))
    for n in site.lsorg_nodes:
        n.parent = site.nodes.get(n.dirname)
        if n.parent:
            n.parent.children.append(n)


def calendar_liquids(root: Path) -> dict:
    """The default day templates of the event calendar (heredocs in Event::CalendarListHelper)."""
    src = (root / "app/helpers/event/calendar_list_helper.rb").read_text(encoding="utf-8")
    out = {}
    for name in ("default_table_day_loop_liquid", "default_list_day_loop_liquid", "default_daily_list_loop_liquid"):
        m = re.search(r"def " + name + r"\s*\n\s*<<~HTML\n(.*?)\n\s*HTML\n", src, re.S)
        body = m.group(1) if m else ""
        indent = min((len(l) - len(l.lstrip()) for l in body.splitlines() if l.strip()), default=0)
        out[name] = "\n".join(l[indent:] for l in body.splitlines()) + "\n"
    return out


DEFAULT_MIRROR = "/work/.mirror/shirasagi+shirasagi/repo"
DEFAULT_OUT = "/work/corpus/shirasagi"
DEFAULT_ORIGIN = "http://shirasagi-demo.invalid"
MARKER = ".build_shirasagi"
ASSETS = ["inquiry/chart.js", "member/public.css", "member/public.js", "cms/public.css", "cms/public.js", "cms/compat.js", "jplayer.css", "jplayer.js", "swiper.css", "swiper.js",
          "img", "voice", "8780d66ef2d651460be2.png", "df9b7393cb3d3f10089c.jpg"]
ARCHIVE_PATHS = (["db/seeds/demo/" + d for d in ("contents", "layouts", "parts", "nodes", "pages", "forms", "files",
                                                  "ss_files", "sitemap", "load.rb")]
                 + ["db/seeds/ss/users.rb", "db/seeds/cms/users.rb", "config/locales",
                    "app/helpers/event/calendar_list_helper.rb", "public/favicon.ico"]
                 + ["public/assets/" + a for a in ASSETS])


def copy_assets(src: Path, pub: Publisher):
    files = src / "db/seeds/demo/files"   # files.rb: Fs.binwrite "#{@site.path}/#{name}"
    for p in sorted(files.rglob("*")):
        if p.is_file() and "." in p.name:
            pub.write(str(p.relative_to(files)), p, "theme file")
    assets = src / "public/assets"
    for p in sorted(assets.rglob("*")):
        if p.is_file() and not p.name.endswith((".gz", ".map")):
            pub.write("assets/" + str(p.relative_to(assets)), p, "asset")
    for rel, data in sorted(pub.site.files_out.items(), key=lambda kv: kv[0]):
        if isinstance(data, Path) and not data.exists():
            continue   # a blob the mirror does not have
        pub.write(rel, data, "attachment" if rel.endswith((".pdf", ".docx", ".xlsx")) else "uploaded file")


def yq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_sites_yaml(out: Path, site: Site):
    g = site.seed.groups.get("シラサギ市/企画政策部/広報課")
    c = (g.get("_contacts") or [None])[0] if g else None
    contact = f"{site.name} 企画政策部 広報課（電話 {c.get('contact_tel') if c else ''}）"
    text = f"""# a11yaudit: the SHIRASAGI CMS demo site (シラサギ市), built by bench/corpus/build_shirasagi.py — never commit the site.
version: 1

sites:
  - id: shirasagi
    name: {yq(site.name + "（SHIRASAGI デモサイトの静的コピー）")}
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
      technologies: [HTML, CSS, JavaScript, WAI-ARIA]
      contact: {yq(contact)}
      scope:
        include:
          - {{prefix: /, reason: {yq(site.name + "ホームページ（CMSで作成・公開している全ページ）")}}}
        exclude:
          - {{prefix: /archive/, reason: 旧ホームページから移行していない過去のページ。移行の完了後に対象範囲へ加える}}
          - {{prefix: /mypage/, reason: 会員向けのページ（ログインが必要）}}
          - {{type: pdf, reason: PDFファイルは例外事項とし、問い合わせ先で内容を案内する}}
          - {{type: office, reason: Word・Excelファイルは例外事項とし、同じ内容を問い合わせ先で案内する}}
"""
    (out / "sites.yaml").write_text(text, encoding="utf-8")
    try:
        import yaml  # type: ignore
        yaml.safe_load(text)
    except ImportError:
        pass


def reachable_pages(site_dir: Path) -> set[str]:
    """The HTML files a visitor (or a crawler) reaches from the top page by links and meta refreshes."""
    from urllib.parse import unquote, urljoin
    seen: set[str] = set()
    queue = ["/"]
    for j in site_dir.rglob("*.part.json"):   # parts the public JS loads into every page (SS.renderPart)
        try:
            queue += re.findall(r'href="(/[^"]*)"', json.loads(j.read_text(encoding="utf-8")))
        except ValueError:
            pass
    while queue:
        url = queue.pop()
        path = unquote(url.split("#")[0].split("?")[0])
        rel = path.lstrip("/")
        target = site_dir / rel
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        if not target.is_file() or target.suffix != ".html":
            continue
        key = str(target.relative_to(site_dir))
        if key in seen:
            continue
        seen.add(key)
        text = target.read_text(encoding="utf-8", errors="replace")
        links = re.findall(r'href="([^"]*)"', text) + re.findall(r'http-equiv="refresh" content="0; URL=([^"]+)"', text)
        for href in links:
            href = htmllib.unescape(href)
            if href.startswith(("mailto:", "tel:", "javascript:", "#")):
                continue
            absu = urljoin("http://x" + path, href)
            if not absu.startswith("http://x/") and not absu.startswith(_ORIGIN_FOR_LINKS + "/"):
                continue
            queue.append("/" + absu.split("/", 3)[3])
    return seen


_ORIGIN_FOR_LINKS = DEFAULT_ORIGIN


def link_check(site_dir: Path):
    """Root-relative links of the written HTML that have no file behind them (what a crawler gets 404 for)."""
    missing: dict[str, set] = {}
    for p in site_dir.rglob("*.html"):
        text = p.read_text(encoding="utf-8", errors="replace")
        src = "/" + str(p.relative_to(site_dir))
        for href in re.findall(r'href="(/[^"#?]*)', text):
            href = htmllib.unescape(href)
            from urllib.parse import unquote
            target = site_dir / unquote(href).lstrip("/")
            if href.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                missing.setdefault(href, set()).add(src)
    return {k: len(v) for k, v in sorted(missing.items())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    ap.add_argument("--mirror", default=DEFAULT_MIRROR, help=f"bare git mirror of shirasagi/shirasagi (default {DEFAULT_MIRROR})")
    ap.add_argument("--rev", default="HEAD", help="revision of the mirror to read (default HEAD)")
    ap.add_argument("--today", default="2026-11-20", help="the site's 'today' (publication dates, calendars)")
    ap.add_argument("--seed", type=int, default=20261120, help="random seed for the generated articles")
    ap.add_argument("--docs", type=int, default=24, help="articles added to the demo's own (default 24)")
    ap.add_argument("--site-name", default="シラサギ市", help="the site name given to `rake ss:create_site` (default シラサギ市)")
    ap.add_argument("--origin", default=DEFAULT_ORIGIN, help="the site's logical origin (feeds, canonical, sites.yaml)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    out = Path(args.outdir).resolve()
    repo = Path(__file__).resolve().parents[2]
    if out == repo or repo in out.parents:
        sys.exit(f"build_shirasagi: refusing to write inside the repository ({repo}); the generated site is never committed")
    site_dir = out / "site"
    if site_dir.exists():
        if not (site_dir / MARKER).exists():
            sys.exit(f"build_shirasagi: {site_dir} exists and was not made by this script; remove it or choose another OUTDIR")
        shutil.rmtree(site_dir)
    site_dir.mkdir(parents=True)
    (site_dir / MARKER).write_text("generated by bench/corpus/build_shirasagi.py\n")

    with tempfile.TemporaryDirectory(prefix="shirasagi-src-") as tmp:
        src = Path(tmp)
        commit, missing = extract_mirror(args.mirror, args.rev, src, ARCHIVE_PATHS)
        today = dt.date.fromisoformat(args.today)
        Rec._ids = {}
        seed = SeedHost(src, dt.datetime.combine(today, dt.time(10, 0)), args.origin.rstrip("/"))
        seed.load("db/seeds/demo/load.rb")
        loc = Locale(src)
        site = Site(seed, loc, today, random.Random(args.seed), args.docs, args.site_name)
        liq = calendar_liquids(src)
        site.table_liquid = liq["default_table_day_loop_liquid"]
        site.list_liquid = liq["default_list_day_loop_liquid"]
        site.daily_liquid = liq["default_daily_list_loop_liquid"]
        build_lsorg(site)
        r = Renderer(site)
        pub = Publisher(site, r, site_dir)
        pub.publish()
        copy_assets(src, pub)

    # like a copy made by crawling the live site: pages no link reaches (admin-only folders, closed areas) are left out
    global _ORIGIN_FOR_LINKS
    _ORIGIN_FOR_LINKS = site.origin
    reached = reachable_pages(site_dir)
    pruned = []
    for p in sorted(site_dir.rglob("*.html")):
        rel = str(p.relative_to(site_dir))
        if rel not in reached and rel != "404.html":
            pruned.append("/" + rel)
            p.unlink()
    kinds_of = getattr(pub, "kind_of", {})
    for rel in pruned:
        k = kinds_of.get(rel.lstrip("/"))
        if k:
            pub.kinds[k] -= 1
    write_sites_yaml(out, site)
    dangling = link_check(site_dir)
    html_kinds = {k: v for k, v in sorted(pub.kinds.items())
                  if k not in ("feed", "asset", "theme file", "attachment", "uploaded file", "part json", "ics")}
    manifest = {
        "source": {"mirror": args.mirror, "commit": commit,
                   "licence": "SHIRASAGI, MIT License (see MIT-LICENSE in the mirror)",
                   "missing_blobs": missing},
        "today": args.today, "seed": args.seed, "origin": site.origin, "site_name": site.name,
        "html_pages": sum(html_kinds.values()), "html_by_kind": html_kinds,
        "other_files": {k: v for k, v in sorted(pub.kinds.items()) if k not in html_kinds},
        "articles": sum(1 for p in site.pages.values() if p.route == "article/page"),
        "generated_articles": sum(1 for p in site.pages.values() if p.generated),
        "broken_links_added": site.broken,
        "dangling_links": dangling,
        "not_reproduced": sorted(site.unsupported),
        "left_out_unreachable": pruned,
        "seed_warnings": seed.warnings,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"build_shirasagi: {manifest['html_pages']} HTML pages from shirasagi {commit[:10]} in {site_dir} "
          f"({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    for k, v in html_kinds.items():
        print(f"  {k:22} {v}", file=sys.stderr)
    print(out / "sites.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
