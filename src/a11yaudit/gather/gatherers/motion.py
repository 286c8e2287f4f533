"""Gatherer `motion`: the CSS animations and Web Animations running on the rendered page (document.getAnimations),
with what each animates, how long it runs and the element it moves — facts for 2.2.2 (moving, blinking or scrolling
content that starts by itself and lasts more than 5 seconds must be possible to pause, stop or hide)."""

from __future__ import annotations

import time

from .. import wire
from . import GatherContext, gatherer

MAX_ANIMATIONS = 60

_JS = """(max) => {
  const out = [];
  const skip = new Set(['offset', 'computedOffset', 'easing', 'composite']);
  for (const a of document.getAnimations()) {
    if (out.length >= max) break;
    const eff = a.effect;
    const el = eff && eff.target;
    if (!el || !(el instanceof Element) || a.playState !== 'running') continue;
    const t = eff.getComputedTiming ? eff.getComputedTiming() : {};
    const props = new Set();
    for (const k of (eff.getKeyframes ? eff.getKeyframes() : [])) for (const p of Object.keys(k)) if (!skip.has(p)) props.add(p);
    const r = el.getBoundingClientRect();
    const text = (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
    out.push({nid: Number(el.getAttribute('data-a11y-nid')) || null, name: a.animationName || a.id || '',
              kind: a.constructor ? a.constructor.name : 'Animation',
              duration: Number(t.duration) || 0, iterations: t.iterations === Infinity ? -1 : Number(t.iterations) || 1,
              delay: Number(t.delay) || 0, props: [...props].slice(0, 12),
              width: Math.round(r.width), height: Math.round(r.height), text: text.slice(0, 80), textLength: text.length});
  }
  return out;
}"""


@gatherer("motion", order=5)
async def motion(page, ctx: GatherContext):
    t0 = time.perf_counter()
    try:
        animations = await wire.evaluate(page, _JS, MAX_ANIMATIONS)
        out = {"animations": animations or []}
    except Exception as exc:  # noqa: BLE001 — a fault gives an error artifact, never a failed page
        out = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return out
