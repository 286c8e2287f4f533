"""Large in-page results travel as one JSON string instead of Playwright's typed value tree.

Playwright serialises an evaluate result as a tree of typed values and its Python client validates every node of it
on arrival: for the axe-core results and the pass facts of one page that was ~70 ms of CPU in the event loop and most
of the driver's share (measured with cProfile on a 67-page audit: 4.7 s in the protocol validators). A string is one
node; `json.loads` is C. The result is the same Python value Playwright would have given: `undefined` becomes None
with its key kept, and NaN/±Infinity come back as floats (marked with a per-call nonce that page content cannot
forge). A page that changed how JSON.stringify sees values (an old library's Array.prototype.toJSON) gets the plain
evaluate path, so its results are never mangled.
"""

from __future__ import annotations

import json
import secrets

_WRAP = """async ([__nf, __arg]) => {
  const __v = await (%s)(__arg);
  const __s = window.__a11yJson;
  if (typeof __s !== 'function' || [Object, Array, String, Number, Boolean].some((c) => 'toJSON' in c.prototype)) {
    return __v;
  }
  return __s(__v, (k, x) => x === undefined ? null
    : (typeof x === 'number' && !Number.isFinite(x)) ? {[__nf]: String(x)} : x);
}"""

_cache: dict[str, str] = {}


def wrapped(fn_source: str) -> str:
    """The JavaScript function `fn_source` wrapped to return its result as JSON text (memoised per source)."""
    w = _cache.get(fn_source)
    if w is None:
        w = _cache[fn_source] = _WRAP % fn_source
    return w


def decode(value, nonce: str):
    """The Python value of what `wrapped` returned: JSON text, or the plain value on the fallback path."""
    if not isinstance(value, str):
        return value

    def hook(d: dict):
        if len(d) == 1 and nonce in d:
            return float(d[nonce])
        return d
    return json.loads(value, object_hook=hook)


async def evaluate(page, fn_source: str, arg=None):
    """`page.evaluate(fn_source, arg)` with the result carried as JSON (see the module text)."""
    nonce = "\u0000nf" + secrets.token_hex(6)
    return decode(await page.evaluate(wrapped(fn_source), [nonce, arg]), nonce)
