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
  // An outline nobody can miss: 2 px or more, solid/auto/double, an opaque colour (the browser's own focus ring).
  // Every other focus style is also looked at in pixels (gather/interact.py focus_pixels).
  const strongOutline = (el) => {
    const cs = getComputedStyle(el);
    const m = /rgba?\(([^)]+)\)/.exec(cs.outlineColor || '');
    const alpha = m ? (m[1].split(/[ ,\/]+/).filter(Boolean)[3] ?? '1') : '1';
    return ['solid', 'auto', 'double'].includes(cs.outlineStyle) && parseFloat(cs.outlineWidth) >= 2
      && parseFloat(alpha) >= 1;
  };
  // A change nobody can miss, read from the computed styles: a strong outline, a background or text colour that
  // changes by 3:1 or more, an underline that appears. Other changes are looked at in pixels.
  const rgb = (value) => {
    const m = /rgba?\(([^)]+)\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return (p.length > 3 && p[3] < 1) ? null : p.slice(0, 3);
  };
  const lum = (c) => {
    const ch = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
  };
  const ratio = (a, b) => {
    if (!a || !b) return 1;
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const looks = (el) => {
    const cs = getComputedStyle(el);
    return {bg: rgb(cs.backgroundColor), fg: rgb(cs.color), underline: /underline/.test(cs.textDecorationLine),
            image: cs.backgroundImage,
            edges: [cs.borderTopWidth, cs.borderRightWidth, cs.borderBottomWidth, cs.borderLeftWidth,
                    cs.paddingTop, cs.paddingRight, cs.paddingBottom, cs.paddingLeft].join(' ')};
  };
  // The colour an outline is drawn over: the first opaque background of the element's ancestors (white canvas
  // when none); null when a background image is in the way.
  const backdrop = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const cs = getComputedStyle(node);
      if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
      const c = rgb(cs.backgroundColor);
      if (c && !/rgba\([^)]*,\s*0\)/.test(cs.backgroundColor)) return c;
    }
    return [255, 255, 255];
  };
  const clearChange = (el, a) => {
    if (strongOutline(el)) return true;
    const b = looks(el);
    if (a.image !== b.image) return false;
    if (ratio(a.bg, b.bg) >= 3 || ratio(a.fg, b.fg) >= 3 || (!a.underline && b.underline)) return true;
    // An outline of 1 px or more in a colour of 3:1 against what is behind it, borders and padding unchanged (a
    // border that gets thinner while an outline takes its place is left to the pixels).
    const cs = getComputedStyle(el);
    if (cs.outlineStyle === 'none' || parseFloat(cs.outlineWidth) < 1 || a.edges !== b.edges) return false;
    if (['dotted', 'dashed'].includes(cs.outlineStyle) && parseFloat(cs.outlineWidth) < 2) return false;
    // Chromium's own focus ring (outline-style: auto) is drawn in two tones, visible on any background.
    if (cs.outlineStyle === 'auto') return true;
    const oc = rgb(cs.outlineColor);
    const behind = backdrop(el);
    return !!oc && !!behind && ratio(oc, behind) >= 3;
  };
  const hash = (text) => {
    let h = 5381;
    for (let i = 0; i < text.length; i++) h = ((h * 33) ^ text.charCodeAt(i)) >>> 0;
    return h.toString(36);
  };
  // Focusable elements inside a frame's document (null: another origin, not readable).
  const frameFocusables = (el) => {
    try {
      const doc = el.contentDocument;
      if (!doc) return null;
      let n = 0;
      for (const e of doc.querySelectorAll(FOCUSABLE_ALL)) {
        if (e.tabIndex >= 0 && !e.disabled) n++;
      }
      return n;
    } catch (e) { return null; }
  };
  // The sequential focus navigation order: positive tabindex first (ascending), then tabindex 0 / natively
  // focusable elements in document order; disabled, inert and unrendered elements are left out.
  const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, ' +
    '[tabindex], [contenteditable=""], [contenteditable=true], audio[controls], video[controls]';
  const FOCUSABLE_ALL = FOCUSABLE;
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
  // Windows and dialogs a key handler opens are counted, not opened, while the walk and the key probes run.
  const OPENERS = ['open', 'alert', 'confirm', 'prompt'];
  window.__a11yStubOpeners = () => {
    if (window.__a11yOpened) return;
    const saved = {};
    const state = {count: 0, saved};
    for (const name of OPENERS) {
      saved[name] = window[name];
      try { window[name] = function () { state.count += 1; return name === 'confirm' ? false : null; }; } catch (e) { /* locked */ }
    }
    Object.defineProperty(window, '__a11yOpened', {value: state, configurable: true, enumerable: false});
  };
  window.__a11yRestoreOpeners = () => {
    const state = window.__a11yOpened;
    if (!state) return 0;
    for (const name of OPENERS) { try { window[name] = state.saved[name]; } catch (e) { /* locked */ } }
    delete window.__a11yOpened;
    return state.count;
  };
  // A key handler that keeps Tab from working: a Tab keydown (keyCode 9, as old handlers read it) dispatched on the
  // focused element is cancelled, or opens a window or dialog. Only a hint: the real keys decide (gather/interact.py).
  const tabKeyHint = (el) => {
    const state = window.__a11yOpened;
    const before = state ? state.count : 0;
    const ev = new KeyboardEvent('keydown', {key: 'Tab', code: 'Tab', bubbles: true, cancelable: true, composed: true});
    for (const prop of ['keyCode', 'which']) {
      try { Object.defineProperty(ev, prop, {get: () => 9}); } catch (e) { /* ignore */ }
    }
    let prevented = false;
    try { prevented = !el.dispatchEvent(ev); } catch (e) { /* a handler threw */ }
    return {prevented, opened: state ? state.count - before : 0};
  };
  // Where focus is: the element's node id, 0 for none (body), -1 for an element without one.
  window.__a11yActive = () => {
    const now = document.activeElement;
    return (!now || now === document.body) ? 0 : (nid(now) || -1);
  };
  window.__a11yFocusNid = (n) => {
    const el = document.querySelector('[data-a11y-nid="' + n + '"]');
    if (!el) return false;
    try { el.focus({preventScroll: true, focusVisible: true}); } catch (e) { return false; }
    return document.activeElement === el;
  };
  // Focus indicator in pixels: prepare (transitions and the caret off, nothing focused, the element scrolled into
  // view; its box in page coordinates, whether it is on top at its centre), then focus it and give the box again.
  // How far outside its box the element draws: outline (offset + width) and box-shadow (offsets, blur, spread).
  const reach = (cs) => {
    let r = 0;
    if (cs.outlineStyle !== 'none') r = Math.max(0, parseFloat(cs.outlineOffset) || 0) + (parseFloat(cs.outlineWidth) || 0);
    if (cs.boxShadow && cs.boxShadow !== 'none') {
      for (const part of cs.boxShadow.split(/,(?![^(]*\))/)) {
        if (/inset/.test(part)) continue;
        const nums = (part.replace(/rgba?\([^)]*\)/g, '').match(/-?[\d.]+px/g) || []).map((v) => Math.abs(parseFloat(v)));
        r = Math.max(r, nums.reduce((a, b) => a + b, 0));
      }
    }
    return Math.min(40, Math.ceil(r) + 2);
  };
  const box = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return {x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height, reach: reach(cs),
            edges: [cs.borderTopWidth, cs.borderRightWidth, cs.borderBottomWidth, cs.borderLeftWidth,
                    cs.paddingTop, cs.paddingLeft].join(' '),
            font: [cs.fontWeight, cs.fontSize, cs.fontStyle, cs.letterSpacing].join(' ')};
  };
  window.__a11yFocusPrepare = (n) => {
    const el = document.querySelector('[data-a11y-nid="' + n + '"]');
    if (!el) return null;
    if (!document.getElementById('__a11y_still_px')) {
      const st = document.createElement('style');
      st.id = '__a11y_still_px';
      st.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; ' +
        'caret-color: transparent !important; }';
      (document.head || document.documentElement).appendChild(st);
    }
    const a = document.activeElement;
    if (a && a !== document.body && a.blur) a.blur();
    try { el.scrollIntoView({block: 'center', inline: 'center'}); } catch (e) { /* ignore */ }
    const r = el.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const top = document.elementFromPoint(cx, cy);
    const onTop = !!top && (top === el || el.contains(top) || top.contains(el));
    const inView = r.width >= 4 && r.height >= 4 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth
      && r.bottom <= window.innerHeight;
    return {...box(el), onTop, inView};
  };
  window.__a11yFocusShow = (n) => {
    const el = document.querySelector('[data-a11y-nid="' + n + '"]');
    if (!el) return null;
    try { el.focus({preventScroll: true, focusVisible: true}); } catch (e) { return null; }
    return {...box(el), focused: document.activeElement === el};
  };
  window.__a11yFocusDone = () => {
    const a = document.activeElement;
    if (a && a !== document.body && a.blur) a.blur();
    const st = document.getElementById('__a11y_still_px');
    if (st) st.remove();
    window.scrollTo(0, 0);
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
    // Focus styles reached through a CSS transition (`transition: opacity .3s`) would still show their start
    // value right after focus(): transitions and animations are switched off for the walk, so the computed style
    // is the focused one.
    const still = document.createElement('style');
    still.id = '__a11y_still';
    still.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
    (document.head || document.documentElement).appendChild(still);
    window.__a11yStubOpeners();
    try {
      observer.observe(document.documentElement, {attributes: true, subtree: true, childList: true,
                                                  characterData: true});
      for (const el of order) {
        const before = snapshot(el);
        const beforeLooks = looks(el);
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
        const after = now === el ? snapshot(el) : before;
        out.records.push({
          sig: hash(el.localName + '|' + before + '|' + after), clear: now === el && clearChange(el, beforeLooks),
          frame: el.localName === 'iframe' ? frameFocusables(el) : undefined,
          nid: nid(el), landed: (!now || now === document.body) ? 0 : (nid(now) || -1), tag: el.localName,
          styleChanged: now === el && before !== after, outline: now === el && outlineShown(el), others,
          size: [Math.round(rect.width), Math.round(rect.height)],
          keyHandler: !!el.closest('[onkeydown],[onkeyup],[onkeypress]'),
        });
        if (now === el) {
          const hint = tabKeyHint(el);
          if (hint.prevented) out.records[out.records.length - 1].tabPrevented = true;
          if (hint.opened) out.records[out.records.length - 1].tabOpens = hint.opened;
        }
      }
      // Leaving the last element of the tab order (Tab goes on to the browser): a handler that pulls focus back
      // to it traps the keyboard too.
      // One window serves both: timer-based handlers of the walk (blur → setTimeout → focus()) fire in it too.
      const last = order[order.length - 1];
      const leaving = document.activeElement === last;
      if (leaving) {
        try { last.blur(); } catch (e) { /* detached */ }
      }
      await new Promise((r) => setTimeout(r, wait || 30));
      if (leaving && document.activeElement === last) out.lastPulledBack = nid(last);
    } finally {
      HTMLElement.prototype.focus = origFocus;
      window.__a11yRestoreOpeners();
      observer.disconnect();
      still.remove();
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
  // Text drawn over other text: the line boxes of every visible text node (Range.getClientRects, which also covers
  // lines spilling out of a fixed-height box with overflow: visible) and the pairs of elements whose lines cover each
  // other by a quarter or more of the smaller line. [nid a, nid b, share] with a before b in document order.
  const MAX_FRAGMENTS = 4000;
  window.__a11yOverlaps = (maxItems) => {
    const frags = [];
    if (!document.body) return [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.data.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT)});
    const range = document.createRange();
    const styleOk = new Map();
    // Lines outside a box with overflow other than visible are not drawn: each element's visible area is the
    // intersection of its clipping ancestors' boxes (itself included: its own overflow clips its text).
    // Text in fixed or sticky boxes moves over the content as the page scrolls (SP04/SP05 judge that): left out.
    const fixedOf = new Map();
    const inFixed = (el) => {
      if (!el || el === document.documentElement) return false;
      let f = fixedOf.get(el);
      if (f === undefined) {
        const pos = getComputedStyle(el).position;
        f = pos === 'fixed' || pos === 'sticky' || inFixed(el.parentElement);
        fixedOf.set(el, f);
      }
      return f;
    };
    const clipOf = new Map();
    const NONE = {l: -Infinity, t: -Infinity, r: Infinity, b: Infinity};
    const clipRect = (el) => {
      if (!el || el === document.documentElement) return NONE;
      let c = clipOf.get(el);
      if (c) return c;
      c = clipRect(el.parentElement);
      const cs = getComputedStyle(el);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') {
        const r = el.getBoundingClientRect();
        c = {l: cs.overflowX !== 'visible' ? Math.max(c.l, r.left) : c.l, r: cs.overflowX !== 'visible' ? Math.min(c.r, r.right) : c.r,
             t: cs.overflowY !== 'visible' ? Math.max(c.t, r.top) : c.t, b: cs.overflowY !== 'visible' ? Math.min(c.b, r.bottom) : c.b};
      }
      clipOf.set(el, c);
      return c;
    };
    let order = 0;
    for (let n = walker.nextNode(); n && frags.length < MAX_FRAGMENTS; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('script, style, noscript, template, svg')) continue;
      let ok = styleOk.get(el);
      if (ok === undefined) {
        const cs = getComputedStyle(el);
        ok = cs.visibility !== 'hidden' && !inFixed(el)
          && !(el.checkVisibility && !el.checkVisibility({opacityProperty: true}));
        styleOk.set(el, ok);
      }
      if (!ok) continue;
      const id = nid(el);
      if (!id) continue;
      order += 1;
      range.selectNodeContents(n);
      const c = clipRect(el);
      for (const r of range.getClientRects()) {
        const f = {id, order, l: Math.max(r.left, c.l), t: Math.max(r.top, c.t), r: Math.min(r.right, c.r),
                   b: Math.min(r.bottom, c.b)};
        if (f.r - f.l >= 4 && f.b - f.t >= 4) frags.push(f);
      }
    }
    frags.sort((a, b) => a.t - b.t);
    const pairs = new Map();
    for (let i = 0; i < frags.length; i++) {
      const a = frags[i];
      for (let j = i + 1; j < frags.length && frags[j].t < a.b; j++) {
        const b = frags[j];
        if (a.id === b.id) continue;
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l);
        const h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w <= 1 || h <= 1) continue;
        const share = (w * h) / Math.min((a.r - a.l) * (a.b - a.t), (b.r - b.l) * (b.b - b.t));
        if (share < 0.25) continue;
        const [x, y] = a.order < b.order ? [a, b] : [b, a];
        const key = x.id + ':' + y.id;
        if (!pairs.has(key) || pairs.get(key)[2] < share) pairs.set(key, [x.id, y.id, Math.round(share * 100) / 100]);
      }
    }
    return Array.from(pairs.values()).slice(0, maxItems);
  };

  // A scroll container (overflow-x auto/scroll) whose content is wider than its box: what is really out of the box
  // on the right, drawn and visible — text nodes (their line boxes) and form controls, up to 5 of their elements
  // (the text's parent or the control) for the judgement in Python. Hidden or transparent content that only
  // widens scrollWidth is not counted.
  const CONTROLS = 'input:not([type=hidden]), select, textarea, button';
  const outOfBox = (box) => {
    const r0 = box.getBoundingClientRect();
    const right = r0.left + box.clientLeft + box.clientWidth + 1;
    const out = {text: 0, controls: 0, nids: []};
    const seen = new Set();
    const shown = (el) => !el.checkVisibility || el.checkVisibility({visibilityProperty: true, opacityProperty: true});
    const note = (el) => { const id = nid(el); if (id && !seen.has(id) && out.nids.length < 5) { seen.add(id); out.nids.push(id); } };
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let n = 0;
    for (let t = walker.nextNode(); t && n < 400; t = walker.nextNode()) {
      if (!t.nodeValue.trim()) continue;
      const el = t.parentElement;
      if (!el || el.closest('script, style, noscript, template') || !shown(el)) continue;
      n++;
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) {
        if (r.width > 1 && r.height > 1 && r.right > right) { out.text += 1; note(el); break; }
      }
    }
    for (const c of box.querySelectorAll(CONTROLS)) {
      const r = c.getBoundingClientRect();
      if (r.width > 1 && r.height > 1 && r.right > right && shown(c)) { out.controls += 1; note(c); }
    }
    // Whole items side by side (cards, slides, tabs): below single-child wrappers, two or more children, each no
    // wider than the box, placed next to each other.
    let inner = box;
    while (inner.children.length === 1) inner = inner.children[0];
    const kids = Array.from(inner.children).filter((k) => { const r = k.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
    if (kids.length >= 2) {
      const rects = kids.map((k) => k.getBoundingClientRect());
      const fit = rects.every((r) => r.width <= box.clientWidth + 1);
      const sideBySide = rects.some((r) => r.left >= rects[0].right - 1 && Math.abs(r.top - rects[0].top) < rects[0].height);
      out.items = fit && sideBySide;
    }
    return out;
  };

  window.__a11yLayout = (maxItems, withOverlaps = true) => {
    const clipped = [];
    const vw = document.documentElement.clientWidth;
    const all = document.body ? document.body.getElementsByTagName('*') : [];
    const wide = [];
    const scrollers = [];
    for (const el of all) {
      if (clipped.length >= maxItems && wide.length >= maxItems && scrollers.length >= 20) break;
      const cs = getComputedStyle(el);
      if (cs.display === 'none') continue;
      if (scrollers.length < 20 && (cs.overflowX === 'auto' || cs.overflowX === 'scroll')
          && el.clientWidth > 0 && el.clientHeight > 0 && el.scrollWidth > el.clientWidth + 1
          && cs.visibility !== 'hidden') {
        const o = outOfBox(el);
        if (o.text || o.controls) scrollers.push([nid(el), el.scrollWidth - el.clientWidth, el.clientWidth, o.text, o.controls, o.nids, !!o.items]);
      }
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
    let overlaps = [];
    if (withOverlaps) {
      try { overlaps = window.__a11yOverlaps(maxItems); } catch (e) { overlaps = []; }   // never costs the clipping facts
    }
    return {clipped, wide, overlaps, scrollers,
            scrollWidth: document.documentElement.scrollWidth, clientWidth: vw,
            innerWidth: window.innerWidth, innerHeight: window.innerHeight};
  };
})();
