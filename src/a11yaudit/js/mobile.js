// Smartphone and text-resizing facts (run on the already rendered page after collect.js stamped data-a11y-nid,
// and after interact.js installed window.__a11yLayout). Only facts; judgements happen in checks/smartphone.py.
(() => {
  const nid = (el) => (el && el.getAttribute ? Number(el.getAttribute('data-a11y-nid')) || null : null);
  // One rendering update of the page (its resize and scroll handlers, animation frame callbacks, style, layout,
  // ResizeObserver callbacks, paint), then on at once: a message posted from the frame callback runs as the next
  // task after that update, ~16 ms before a second requestAnimationFrame would.
  const frame = () => new Promise((r) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(0);
  }));
  const clippedSet = (layout) => new Set((layout.clipped || []).map((c) => c[0]));

  // Text-only resizing to 200 % (what "zoom text only" does): every element's computed font size is doubled
  // (all read first, then all written, so nothing compounds); boxes sized in px keep their size. Then the WCAG 1.4.12
  // text spacing: line height 1.5, paragraph spacing 2 × font size, letter spacing 0.12 em, word spacing 0.16 em
  // (the values of the W3C text-spacing bookmarklet), as a user style sheet would set them. Reported per pass: boxes
  // whose text is clipped afterwards but was not before. Both are undone.
  const SPACING_CSS = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
    'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
  window.__a11yTextFit = async (maxItems) => {
    const ms = {};
    // An SVG or XML document has no body and no HTML text to resize: nothing to measure (SP02/SP03 inapplicable).
    if (!document.body || !document.head) return {ms, skipped: 'no HTML body'};
    let t0 = performance.now();
    const before = clippedSet(window.__a11yLayout(maxItems, false));
    let overlappedBefore = new Set();
    try { overlappedBefore = new Set(window.__a11yOverlaps(10000).map((o) => o[0] + ':' + o[1])); } catch (e) { /* none */ }
    ms.baseline = performance.now() - t0;
    t0 = performance.now();
    const els = Array.from(document.body ? document.body.getElementsByTagName('*') : []);
    const sizes = els.map((el) => parseFloat(getComputedStyle(el).fontSize) || 0);
    const saved = els.map((el) => el.getAttribute('style'));
    els.forEach((el, i) => { if (sizes[i] && el.style) el.style.setProperty('font-size', (sizes[i] * 2) + 'px', 'important'); });
    await frame();
    const resized = window.__a11yLayout(maxItems);
    // Put the style attributes back exactly as they were (other checks and the screenshot follow on this page).
    els.forEach((el, i) => { if (saved[i] === null) el.removeAttribute('style'); else el.setAttribute('style', saved[i]); });
    ms.text200 = performance.now() - t0;
    t0 = performance.now();
    const st = document.createElement('style');
    st.id = '__a11y_spacing';
    st.textContent = SPACING_CSS;
    document.head.appendChild(st);
    await frame();
    const spaced = window.__a11yLayout(maxItems);
    st.remove();
    ms.spacing = performance.now() - t0;
    const fresh = (layout) => ({clipped: (layout.clipped || []).filter((c) => !before.has(c[0])), baseline: before.size,
      overlaps: (layout.overlaps || []).filter((o) => !overlappedBefore.has(o[0] + ':' + o[1]))});
    for (const k of Object.keys(ms)) ms[k] = Math.round(ms[k] * 10) / 10;
    return {text200: fresh(resized), spacing: fresh(spaced), ms};
  };

  const visible = (el, cs) => {
    if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const area = (r) => Math.max(0, r.width) * Math.max(0, r.height);
  const inter = (a, b) => {
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return w > 0 && h > 0 ? w * h : 0;
  };

  // Fixed and sticky elements: the largest share of the screen each covers (at the top and one screen down).
  const stuckElements = () => {
    const out = [];
    for (const el of document.body ? document.body.getElementsByTagName('*') : []) {
      const cs = getComputedStyle(el);
      if ((cs.position === 'fixed' || cs.position === 'sticky') && visible(el, cs)) {
        // The outermost one only (a fixed header's children are fixed with it).
        let p = el.parentElement, inner = false;
        while (p && p !== document.body) {
          const ps = getComputedStyle(p).position;
          if (ps === 'fixed' || ps === 'sticky') { inner = true; break; }
          p = p.parentElement;
        }
        if (!inner) out.push(el);
      }
    }
    return out;
  };
  const screenShare = (els) => {
    const vw = window.innerWidth, vh = window.innerHeight;
    const screen = {left: 0, top: 0, right: vw, bottom: vh};
    return els.map((el) => inter(el.getBoundingClientRect(), screen) / (vw * vh));
  };

  const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const TARGETS = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, ' +
    '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [role=menuitem], [role=switch]';
  const BLOCK = /^(block|list-item|table-cell|flex|grid|table|flow-root)$/;
  const blockOf = (el) => {
    let p = el.parentElement;
    while (p && p !== document.body && !BLOCK.test(getComputedStyle(p).display)) p = p.parentElement;
    return p;
  };

  window.__a11yPhone = async (opts) => {
    const out = {innerWidth: window.innerWidth, innerHeight: window.innerHeight,
                 scale: window.visualViewport ? window.visualViewport.scale : 1};
    const sx = window.scrollX, sy = window.scrollY;
    // 1. Fixed/sticky elements, at the top and after scrolling one screen (sticky ones stick only then).
    const stuck = stuckElements();
    const shareTop = screenShare(stuck);
    window.scrollTo(0, Math.min(window.innerHeight, document.documentElement.scrollHeight));
    await frame();
    const shareDown = screenShare(stuck);
    out.stuck = stuck.map((el, i) => {
      const r = el.getBoundingClientRect();
      return [nid(el), getComputedStyle(el).position, Math.round(Math.max(shareTop[i], shareDown[i]) * 1000) / 1000,
              Math.round(r.width), Math.round(r.height)];
    });
    // 2. Focus not obscured (2.4.11): walk the tab order as a keyboard user would, each element scrolled into view
    // the least needed (as the browser does on focus), and see whether a fixed/sticky element covers it. Forward
    // (Tab) from the top of the page, where elements come in at the bottom edge (under a fixed footer or cookie bar),
    // then backward (Shift+Tab) from the end, where they come in at the top edge (under a sticky header).
    const order = Array.from(document.querySelectorAll(FOCUSABLE)).filter((el) => el.tabIndex >= 0 && !el.disabled
      && !el.closest('[inert]') && (!el.checkVisibility || el.checkVisibility({visibilityProperty: true})));
    const worstOf = new Map();          // element → [covering element, share hidden]: the worst of both directions
    const probe = (el) => {
      el.scrollIntoView({block: 'nearest', inline: 'nearest'});
      try { el.focus({preventScroll: true}); } catch (e) { /* detached */ }
      const r = el.getBoundingClientRect();
      const a = area(r);
      if (!a) return;
      let worst = 0, by = null;
      for (const s of stuck) {
        const cs = getComputedStyle(s);
        if (!visible(s, cs)) continue;
        const f = inter(r, s.getBoundingClientRect()) / a;
        if (f > worst) {
          // Only when the fixed element is painted above the focused one at the overlap.
          const cx = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
          const cy = Math.min(Math.max(r.top + r.height / 2, 0), window.innerHeight - 1);
          const top = document.elementFromPoint(cx, cy);
          if (f >= 0.999 || (top && s.contains(top))) { worst = f; by = s; }
        }
      }
      const seen = worstOf.get(el);
      if (worst >= 0.5 && (!seen || seen[1] < worst)) worstOf.set(el, [by, worst]);
    };
    if (stuck.length) {
      const walk = order.filter((el) => !stuck.some((s) => s.contains(el)));
      window.scrollTo(0, 0);
      await frame();
      for (const el of walk.slice(0, opts.maxFocus)) probe(el);
      window.scrollTo(0, document.documentElement.scrollHeight);
      await frame();
      for (const el of walk.slice(-opts.maxFocus).reverse()) probe(el);
      const a = document.activeElement;
      if (a && a !== document.body && a.blur) a.blur();
    }
    out.focusHidden = order.filter((el) => worstOf.has(el)).slice(0, opts.maxItems).map((el) => {
      const [by, share] = worstOf.get(el);
      return [nid(el), nid(by), Math.round(share * 100) / 100];
    });
    window.scrollTo(sx, sy);
    await frame();
    // 3. Targets: size in CSS px (document coordinates) and whether the target is a link inside a sentence.
    const targets = [], prose = new Map();
    for (const el of document.querySelectorAll(TARGETS)) {
      if (targets.length >= opts.maxTargets) break;
      const cs = getComputedStyle(el);
      if (!visible(el, cs) || el.closest('[inert]')) continue;
      const r = el.getBoundingClientRect();
      // The inline exception: an inline target in a line of non-target text (a sentence), not a row of links.
      let inline = false;
      if (cs.display === 'inline') {
        const block = blockOf(el);
        if (block) {
          let plain = prose.get(block);
          if (plain === undefined) {
            plain = 0;
            const w = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
            for (let t = w.nextNode(); t; t = w.nextNode()) {
              if (!t.parentElement.closest(TARGETS)) plain += t.nodeValue.replace(/\s+/g, '').length;
            }
            prose.set(block, plain);
          }
          inline = plain >= 8;
        }
      }
      // A link wrapped over two lines: its bounding box spans both lines' width; another target is near it only
      // if it is near one of its line boxes.
      const lines = cs.display === 'inline' ? [...el.getClientRects()].filter((q) => q.width > 0 && q.height > 0) : [];
      const boxes = lines.length > 1 ? lines.slice(0, 8).map((q) => [
        Math.round((q.left + window.scrollX) * 10) / 10, Math.round((q.top + window.scrollY) * 10) / 10,
        Math.round(q.width * 10) / 10, Math.round(q.height * 10) / 10]) : null;
      targets.push([nid(el), Math.round((r.left + window.scrollX) * 10) / 10, Math.round((r.top + window.scrollY) * 10) / 10,
                    Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10, inline, boxes]);
    }
    out.targets = targets;
    // 4. Text size as seen: computed font size × the page scale (a page without a viewport meta is scaled down),
    // per character of visible text in the main content.
    const root = document.querySelector('main, [role=main]') || document.body;
    const hist = {}, small = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const seen = new Map();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const n = t.nodeValue.replace(/\s+/g, '').length;
      if (!n || !t.parentElement) continue;
      const el = t.parentElement;
      let info = seen.get(el);
      if (info === undefined) {
        const cs = getComputedStyle(el);
        info = el.checkVisibility && !el.checkVisibility({visibilityProperty: true}) ? null
          : Math.round(parseFloat(cs.fontSize) * out.scale * 10) / 10;
        seen.set(el, info);
      }
      if (info === null) continue;
      hist[info] = (hist[info] || 0) + n;
      if (info < opts.smallPx) small.push([nid(el), info, n]);
    }
    small.sort((a, b) => b[2] - a[2]);
    out.fontChars = hist;
    out.smallText = small.slice(0, opts.maxItems);
    // 5. Blocks holding 「右」「左」 and their width (do columns stack on the phone?).
    const pos = [];
    for (const el of root.getElementsByTagName('*')) {
      if (pos.length >= opts.maxItems) break;
      let direct = '';
      for (const c of el.childNodes) if (c.nodeType === 3) direct += c.nodeValue;
      if (!/[右左]/.test(direct)) continue;
      const b = BLOCK.test(getComputedStyle(el).display) ? el : (blockOf(el) || el);
      const r = b.getBoundingClientRect();
      pos.push([nid(el), nid(b), Math.round(r.left), Math.round(r.width)]);
    }
    out.positions = pos;
    return out;
  };
})();
