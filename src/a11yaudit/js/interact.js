// Interaction facts (run after collect.js has stamped data-a11y-nid on every element). Only facts; every
// judgement happens in Python (checks/keyboard.py, checks/layout.py).
//
// keyboardStart(): installs a focus recorder. For every element that receives focus it records whether anything
// visible changed: the element's own focus styles (outline, box-shadow, border, background, colour, text
// decoration compared with its unfocused styles) or attributes of other elements changed by focus handlers.
// keyboardStop(): returns the records. layout(): clipped text and horizontal overflow at the current viewport.
(() => {
  const nid = (el) => (el && el.getAttribute ? Number(el.getAttribute('data-a11y-nid')) || null : null);
  const PROPS = ['left', 'top', 'width', 'height', 'clip', 'clipPath', 'visibility', 'outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'borderTopColor', 'borderBottomColor',
                 'borderLeftColor', 'borderRightColor', 'borderTopWidth', 'borderBottomWidth', 'backgroundColor',
                 'color', 'textDecorationLine', 'textDecorationColor', 'textDecorationThickness', 'backgroundImage',
                 'fontWeight', 'transform', 'filter', 'opacity'];
  const snapshot = (el) => {
    const cs = getComputedStyle(el);
    return PROPS.map((p) => cs[p]).join('|');
  };
  const outlineShown = (el) => {
    const cs = getComputedStyle(el);
    return cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  };
  // The sequential focus navigation order: positive tabindex first (ascending), then tabindex 0 / natively
  // focusable elements in document order; disabled, inert and unrendered elements are left out.
  const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, ' +
    '[tabindex], [contenteditable=""], [contenteditable=true], audio[controls], video[controls]';
  const tabOrder = () => {
    const pos = [], zero = [];
    for (const el of document.querySelectorAll(FOCUSABLE)) {
      const ti = el.tabIndex;
      if (ti < 0 || el.disabled || el.closest('[inert]')) continue;
      if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) continue;
      (ti > 0 ? pos : zero).push(el);
    }
    pos.sort((a, b) => a.tabIndex - b.tabIndex);
    return pos.concat(zero);
  };
  // Walk the tab order by focusing each element as keyboard focus would ({focusVisible: true}), so that the page's
  // focus and blur handlers run. Per element: where focus actually is afterwards (a script may pull it back), and
  // whether anything visible changed — its own styles against its unfocused ones, or other elements changed by
  // handlers. `wait` (ms) lets timer-based handlers run before looking.
  // Before the slow walk: stop what the fast walk set off (focus handlers re-focusing each other on timers), so the
  // walk starts from a quiet page. Runs after every other fact was collected.
  const quiet = async () => {
    for (let round = 0; round < 3; round++) {
      const a = document.activeElement;
      if (a && a !== document.body && a.blur) a.blur();
      const top = setTimeout(() => {}, 0);
      for (let i = Math.max(0, top - 100000); i <= top; i++) clearTimeout(i);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  window.__a11yKeyboard = async (maxItems, wait) => {
    if (wait) await quiet();
    const order = tabOrder().slice(0, maxItems);
    const out = {focusables: order.length, records: [], programmatic: 0};
    if (!order.length) return out;
    const pending = [];
    const observer = new MutationObserver((list) => { pending.push(...list); });
    const origFocus = HTMLElement.prototype.focus;
    let walking = null;
    HTMLElement.prototype.focus = function (...args) {
      if (this !== walking) out.programmatic += 1;
      return origFocus.apply(this, args);
    };
    const active = document.activeElement;
    if (active && active !== document.body && active.blur) active.blur();
    try {
      observer.observe(document.documentElement, {attributes: true, subtree: true, childList: true,
                                                  characterData: true});
      for (const el of order) {
        const before = snapshot(el);
        pending.length = 0;
        observer.takeRecords();
        walking = el;
        try { el.focus({preventScroll: true, focusVisible: true}); } catch (e) { /* detached */ }
        walking = null;
        if (wait) await new Promise((r) => setTimeout(r, wait));
        const list = pending.concat(observer.takeRecords());
        const others = list.filter((m) => m.target !== el && !(m.target instanceof Node && el.contains(m.target))
          && !(m.type === 'attributes' && m.attributeName === 'data-a11y-nid')).length;
        const now = document.activeElement;
        const rect = el.getBoundingClientRect();
        out.records.push({
          nid: nid(el), landed: (!now || now === document.body) ? 0 : (nid(now) || -1), tag: el.localName,
          styleChanged: now === el && before !== snapshot(el), outline: now === el && outlineShown(el), others,
          size: [Math.round(rect.width), Math.round(rect.height)],
          keyHandler: !!el.closest('[onkeydown],[onkeyup],[onkeypress]'),
        });
      }
      // Timer-based handlers (blur → setTimeout → focus()) fire after the loop: give them a moment to show up.
      if (!wait) await new Promise((r) => setTimeout(r, 30));
    } finally {
      HTMLElement.prototype.focus = origFocus;
      observer.disconnect();
      const a = document.activeElement;
      if (a && a !== document.body && a.blur) a.blur();
    }
    return out;
  };

  // Clipped text: elements that clip overflow (hidden/clip) in an axis, are bigger than a 2 px "visually hidden"
  // box, hold visible text and whose content is larger than their box in that axis.
  // Whether a line of text is partly visible at the clipping edge (text cut through), as opposed to whole items
  // lying outside the box (a carousel's other slides).
  const cutLine = (el) => {
    const r0 = el.getBoundingClientRect();
    const left = r0.left + el.clientLeft, top = r0.top + el.clientTop;
    const right = left + el.clientWidth, bottom = top + el.clientHeight;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let n = 0;
    for (let t = walker.nextNode(); t && n < 50; t = walker.nextNode()) {
      if (!t.nodeValue.trim()) continue;
      n++;
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) {
        if (!r.width || !r.height) continue;
        const inside = r.left >= left - 1 && r.right <= right + 1 && r.top >= top - 1 && r.bottom <= bottom + 1;
        const overlaps = r.right > left && r.left < right && r.bottom > top && r.top < bottom;
        if (overlaps && !inside) return true;
      }
    }
    return false;
  };
  window.__a11yLayout = (maxItems) => {
    const clipped = [];
    const vw = document.documentElement.clientWidth;
    const all = document.body ? document.body.getElementsByTagName('*') : [];
    const wide = [];
    for (const el of all) {
      if (clipped.length >= maxItems && wide.length >= maxItems) break;
      const cs = getComputedStyle(el);
      if (cs.display === 'none') continue;
      const clipX = cs.overflowX === 'hidden' || cs.overflowX === 'clip';
      const clipY = cs.overflowY === 'hidden' || cs.overflowY === 'clip';
      if ((clipX || clipY) && clipped.length < maxItems) {
        const w = el.clientWidth, h = el.clientHeight;
        if (w > 2 && h > 2 && el.innerText && el.innerText.trim() && cs.visibility !== 'hidden') {
          const x = clipX && el.scrollWidth > w + 1;
          const y = clipY && el.scrollHeight > h + 1;
          if (x || y) clipped.push([nid(el), x, y, cs.textOverflow === 'ellipsis', cutLine(el)]);
        }
      }
      if (wide.length < maxItems) {
        const r = el.getBoundingClientRect();
        if (r.right > vw + 1 && r.width > 0 && r.height > 0 && cs.position !== 'fixed') {
          // Only the outermost overflowing element of a chain is worth naming.
          const parent = el.parentElement;
          const pr = parent ? parent.getBoundingClientRect() : null;
          if (!pr || pr.right <= vw + 1) wide.push([nid(el), Math.round(r.right - vw)]);
        }
      }
    }
    return {clipped, wide, scrollWidth: document.documentElement.scrollWidth, clientWidth: vw,
            innerWidth: window.innerWidth, innerHeight: window.innerHeight};
  };
})();
