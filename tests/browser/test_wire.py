"""gather/wire.py: results carried as one JSON string give exactly the Python values Playwright's own serialisation
gives — undefined, NaN and ±Infinity included — and a page that tampers with JSON cannot change them."""

from __future__ import annotations

import asyncio
import math

from a11yaudit.gather import wire
from a11yaudit.gather.browser import Browser
from a11yaudit.serve import StaticServer

VALUE = """() => ({
  a: undefined, b: NaN, c: Infinity, d: -Infinity, e: [1, undefined, 'x', null, 2.5], f: '日本語\\u2028「引用」',
  g: null, h: {nested: [{deep: [true, false, 0, -1]}]}, i: '\\u0000nf-not-a-number', big: 12345678901234,
  k: Array.from({length: 300}, (_, n) => ({n, s: 'x'.repeat(n % 7)})),
})"""

PAGES = {
    "plain.html": "<!DOCTYPE html><html lang=ja><title>plain</title><p>本文",
    # An old library's Array.prototype.toJSON (Prototype.js 1.6) turns arrays into strings inside JSON.stringify.
    "tojson.html": "<!DOCTYPE html><html lang=ja><title>toJSON</title><script>Array.prototype.toJSON = function () "
                   "{ return 'mangled'; };</script><p>本文",
    # A page replacing JSON.stringify altogether.
    "stringify.html": "<!DOCTYPE html><html lang=ja><title>stringify</title><script>JSON.stringify = () => "
                      "'{\"forged\": true}';</script><p>本文",
}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def test_wire_values_equal_playwright_values(tmp_path):
    for name, html in PAGES.items():
        (tmp_path / name).write_text(html, encoding="utf-8")

    async def go():
        out = {}
        with StaticServer(tmp_path) as base:
            browser = Browser(allowed_hosts={"127.0.0.1"})
            await browser.start()
            try:
                ctx = await browser.new_context("pc", axe=False)
                page = await ctx.new_page()
                for name in PAGES:
                    await page.goto(f"{base}/{name}", wait_until="load")
                    native = await page.evaluate(VALUE)
                    carried = await wire.evaluate(page, VALUE)
                    as_text = await page.evaluate(wire.wrapped(VALUE), ["\u0000nf-test", None])
                    out[name] = (native, carried, as_text)
            finally:
                await browser.close()
        return out

    for name, (native, carried, as_text) in asyncio.run(go()).items():
        assert _same(native, carried), (name, native, carried)
        assert carried["a"] is None and "a" in carried and math.isnan(carried["b"]) and carried["c"] == math.inf
        assert carried["d"] == -math.inf and carried["e"] == [1, None, "x", None, 2.5]
        assert carried["i"] == "\u0000nf-not-a-number" and carried["f"] == "日本語\u2028「引用」"
        # The JSON path is taken on the plain page and on the page with its own JSON.stringify (the browser's own
        # function was kept at document start); the toJSON page falls back to Playwright's serialisation.
        assert isinstance(as_text, str) == (name != "tojson.html"), (name, type(as_text))
