// In-page fact collection (gather/: facts only, never judgements): runs axe-core, then stamps a stable node id on every element and
// serialises the DOM. It only collects facts; every judgement happens in Python.
async ({runAxe, axeConfig, maxHtml, refine = true}) => {
  // Corrections of axe-core 4.12.1 where it fails examples that the W3C ACT Rules say pass (a false failure
  // teaches staff to ignore the tool). Each drops a violation node only on the stated condition; a rule left
  // without nodes moves to passes. Documented in rules/axe/overrides.yaml; measured with `a11yaudit act`.
  const XHTML = 'http://www.w3.org/1999/xhtml';
  const nodeOf = (nd) => {
    const t = nd.target;
    if (!Array.isArray(t) || t.length !== 1 || typeof t[0] !== 'string') return null;
    try { return document.querySelector(t[0]); } catch (e) { return null; }
  };
  // The <iframe> of this document that holds a node found inside a frame (target [frameSelector, …]).
  const frameOf = (nd) => {
    const t = nd.target;
    if (!Array.isArray(t) || t.length < 2 || typeof t[0] !== 'string') return nodeOf(nd);
    try { return document.querySelector(t[0]); } catch (e) { return null; }
  };
  // Chromium shows an XML document without a stylesheet in its own viewer: that page is browser UI, not content.
  const xmlViewer = !!document.getElementById('webkit-xml-viewer-source-xml');
  const failingChecks = (nd) => [...(nd.any || []), ...(nd.all || []), ...(nd.none || [])]
    .filter((c) => c.result !== undefined ? c.result === false || (nd.none || []).includes(c) : true)
    .map((c) => c.id);
  // avoid-inline-spacing (ACT 24afc2, 9e45ec): judge the text the declaration actually styles — visible text
  // nodes whose nearest element declaring the property !important inline is this element — with the font size
  // of the text's own parent, not of the declaring element; an element with no such text passes.
  const spacingProps = {'important-letter-spacing': ['letter-spacing', 0.12],
                        'important-word-spacing': ['word-spacing', 0.16]};
  const declaresImportant = (el, prop) => !!(el.style && el.style.getPropertyPriority(prop) === 'important');
  const spacingFails = (el, prop, factor) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let tn = walker.nextNode(); tn; tn = walker.nextNode()) {
      if (!tn.nodeValue.trim()) continue;
      let owner = tn.parentElement;
      while (owner && owner !== el && !declaresImportant(owner, prop)) owner = owner.parentElement;
      if (owner !== el) continue;
      const parent = tn.parentElement;
      if (parent.checkVisibility && !parent.checkVisibility({visibilityProperty: true})) continue;
      const cs = getComputedStyle(parent);
      const value = parseFloat(cs.getPropertyValue(prop)) || 0;
      if (value + 0.01 < factor * parseFloat(cs.fontSize)) return true;
    }
    return false;
  };
  const ICON_FONT = /icons?\b|material|awesome|glyph|symbol|icomoon|dashicons|ionicons/i;
  const fixes = {
    'avoid-inline-spacing': (nd, el) => {
      if (!el) return true;
      for (const id of failingChecks(nd)) {
        if (!(id in spacingProps)) return true;        // line height: axe's own judgement stands
        const [prop, factor] = spacingProps[id];
        if (spacingFails(el, prop, factor)) return true;
      }
      return false;
    },
    // Ligature icon fonts render "search" as a magnifier: that text is not a visible label (ACT 2ee8b8).
    'label-content-name-mismatch': (nd, el) => !(el && ICON_FONT.test(getComputedStyle(el).fontFamily)),
    // An iframe outside an open modal dialog is inert: not in the tab order whatever its tabindex (ACT akn7bn).
    'frame-focusable-content': (nd) => {
      const el = frameOf(nd);
      if (!el) return true;
      const modal = document.querySelector(':modal');
      return !((modal && !modal.contains(el)) || el.closest('[inert]'));
    },
    // Documents that are not HTML (SVG, MathML) have no <html lang> (ACT b5c3f8).
    'html-has-lang': () => document.documentElement.namespaceURI === XHTML,
    'html-lang-valid': () => document.documentElement.namespaceURI === XHTML,
  };
  const refineAxe = (res) => {
    const kept = [];
    for (const rule of res.violations) {
      if (xmlViewer) { rule.nodes = []; res.inapplicable.push(rule); continue; }
      const fix = fixes[rule.id];
      if (fix) rule.nodes = rule.nodes.filter((nd) => { try { return fix(nd, nodeOf(nd)); } catch (e) { return true; } });
      if (rule.nodes.length) kept.push(rule); else res.passes.push(rule);
    }
    res.violations = kept;
  };
  const t0 = performance.now();
  let axeResult = null, axeError = null;
  if (runAxe) {
    try {
      if (typeof axe === 'undefined') throw new Error('axe-core is not loaded');
      axeResult = await axe.run(document, axeConfig);
      if (refine) refineAxe(axeResult);
    } catch (e) {
      axeError = String((e && e.message) || e);
    }
  }
  // Japanese large-text threshold (WAIC's note on 1.4.3): CJK text counts as large only from 22pt (29.33px) regular /
  // 18pt (24px) bold, not from axe's 18pt / 14pt bold. Text that axe holds to 3:1 but the JIS reading holds to 4.5:1
  // is measured here with axe-core's own colour functions; the judgement is made in Python (JP18).
  const tAxe = performance.now();
  const cjkContrast = [];
  if (runAxe && typeof axe !== 'undefined' && axe.commons && axe.commons.color && document.body &&
      /[\u3040-\u30ff\u3400-\u9fff]/.test(document.body.textContent.slice(0, 200000))) {
    const CJK = /[\u3040-\u30ff\u3400-\u9fff]/;
    const candidates = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let tn = walker.nextNode(); tn && candidates.length < 150; tn = walker.nextNode()) {
      const el = tn.parentElement;
      if (!el || seen.has(el) || !CJK.test(tn.nodeValue)) continue;
      seen.add(el);
      const cs = getComputedStyle(el);
      const px = parseFloat(cs.fontSize);
      const bold = parseInt(cs.fontWeight, 10) >= 700;
      const axeLarge = bold ? px >= 18.66 : px >= 24;
      const jisLarge = bold ? px >= 24 : px >= 29.33;
      if (!axeLarge || jisLarge) continue;
      if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
      candidates.push([el, px, bold]);
    }
    if (candidates.length) {
      try {
        axe.setup();
        for (const [el, px, bold] of candidates) {
          const fg = axe.commons.color.getForegroundColor(el);
          const bg = axe.commons.color.getBackgroundColor(el, []);
          const ratio = fg && bg ? axe.commons.color.getContrast(bg, fg) : null;
          if (ratio !== null && ratio >= 4.5) continue;
          cjkContrast.push({nid: null, el, px: Math.round(px * 10) / 10, bold,
                            ratio: ratio === null ? null : Math.round(ratio * 100) / 100,
                            fg: fg ? fg.toHexString() : null, bg: bg ? bg.toHexString() : null,
                            why: ratio === null ? (axe.commons.color.incompleteData.get('bgColor') || 'unknown') : null});
        }
      } catch (e) { /* colour measurement is best effort */ } finally {
        try { axe.teardown(); } catch (e) { /* already torn down */ }
      }
    }
  }
  const t1 = performance.now();
  const all = document.getElementsByTagName('*');
  const n = all.length;
  for (let i = 0; i < n; i++) all[i].setAttribute('data-a11y-nid', String(i + 1));
  // Topmost elements that are not rendered (display:none, visibility:hidden, content-visibility): their
  // descendants are hidden too. Elements in <head> are skipped.
  const hidden = [];
  const body = document.body;
  if (body && body.checkVisibility) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_ELEMENT);
    let el = walker.currentNode;
    while (el) {
      if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: false})) {
        hidden.push(Number(el.getAttribute('data-a11y-nid')));
        // Skip the subtree: everything below is hidden as well.
        let next = null, cur = el;
        while (cur && !(next = cur.nextElementSibling)) {
          cur = cur.parentElement;
          if (cur === body || !cur) { cur = null; break; }
        }
        walker.currentNode = next || body;
        el = next;
        continue;
      }
      el = walker.nextNode();
    }
  }
  const nidFor = (target) => {
    if (!Array.isArray(target) || target.length !== 1 || typeof target[0] !== 'string') return null;
    try {
      const found = document.querySelector(target[0]);
      return found ? Number(found.getAttribute('data-a11y-nid')) : null;
    } catch (e) { return null; }
  };
  // axe-core's failure summary in English when the run used its Japanese locale: the same construction as axe's own
  // (check messages from the check's data and axe's English templates — kept by axe.configure({locale}) as
  // _audit._defaultLocale — then the "Fix any/all of the following:" summaries), so an English report can show
  // what an English axe run would have said without a second run. Undefined when no locale was applied (the
  // summary is then English already) and on any surprise (the report falls back to the stored summary).
  const summaryEn = (() => {
    const audit = runAxe && typeof axe !== 'undefined' ? axe._audit : null;
    const loc = audit && audit._defaultLocale;
    if (!loc || !loc.checks || !loc.failureSummaries) return null;
    const reviewOnFail = new Set((audit.rules || []).filter((r) => r.reviewOnFail).map((r) => r.id));
    const fallback = () => {
      const m = typeof loc.incompleteFallbackMessage === 'function' ? loc.incompleteFallbackMessage()
        : loc.incompleteFallbackMessage;
      return typeof m === 'string' ? m : '';
    };
    const fill = (t, data) => {
      if (typeof t !== 'string') return '';
      if (typeof data === 'string') return t.replace(/\$\{\s?data\s?\}/g, data);
      for (const k in data) {
        if (Object.prototype.hasOwnProperty.call(data, k)) {
          t = t.replace(new RegExp('\\${\\s?data\\.' + k + '\\s?}', 'g'), data[k] === undefined ? '' : String(data[k]));
        }
      }
      return t;
    };
    const pick = (t, data) => {
      if (!t) return undefined;
      if (Array.isArray(data)) {
        data.values = data.join(', ');
        return typeof t.singular === 'string' && typeof t.plural === 'string'
          ? fill(data.length === 1 ? t.singular : t.plural, data) : fill(t, data);
      }
      if (typeof t === 'string') return fill(t, data);
      if (typeof data === 'string') return fill(t[data], data);
      const m = data && data.messageKey && t[data.messageKey] ? t[data.messageKey] : (t.default || fallback());
      return pick(m, data);
    };
    const incompleteOf = (data, msgs) => {
      const dflt = () => (msgs.incomplete && msgs.incomplete.default ? msgs.incomplete.default : fallback());
      if (!data || !data.missingData) return data && data.messageKey ? msgs.incomplete[data.messageKey] : dflt();
      try {
        const m = msgs.incomplete[data.missingData[0].reason];
        if (m) return m;
      } catch (e) { /* fall through */ }
      return typeof data.missingData === 'string' ? msgs.incomplete[data.missingData] : dflt();
    };
    // The checks a result node keeps are those that decided it (axe drops the rest and their `result`): failing
    // ones in a violation — their `fail` message — and undecided ones in an incomplete result, except that a
    // reviewOnFail rule's failures are reported as incomplete with their `fail` message.
    const message = (check, failing, ruleId) => {
      const msgs = loc.checks[check.id] || {};
      let m;
      if (failing || reviewOnFail.has(ruleId)) {
        m = msgs.fail;
      } else {
        if (typeof msgs.incomplete === 'object' && msgs.incomplete !== null && !Array.isArray(check.data)) {
          m = incompleteOf(check.data, msgs);
        }
        if (!m) m = msgs.incomplete;
      }
      return typeof m === 'function' ? '' : (pick(m, check.data) || '');
    };
    return (nd, ruleId, failing) => {
      try {
        const msg = (c) => message(c, failing, ruleId);
        const groups = {none: [...(nd.none || []).map(msg), ...(nd.all || []).map(msg)], any: (nd.any || []).map(msg)};
        return Object.keys(groups).map((g) => {
          const f = groups[g].length && loc.failureSummaries[g] && loc.failureSummaries[g].failureMessage;
          return typeof f === 'function' ? f(groups[g]) : undefined;
        }).filter((x) => x !== undefined).join('\n\n');
      } catch (e) { return undefined; }
    };
  })();
  const compact = (list, withNodes, failing = false) => (list || []).map((r) => ({
    id: r.id, impact: r.impact, tags: r.tags, help: r.help, description: r.description,
    helpUrl: r.helpUrl,
    nodes: withNodes ? r.nodes.map((nd) => ({
      target: nd.target, html: nd.html, impact: nd.impact, summary: nd.failureSummary,
      summary_en: summaryEn ? summaryEn(nd, r.id, failing) : undefined,
      nid: nidFor(nd.target),
      // Colour facts of the contrast rules (fg/bg colour, ratio, font, why undecided) for the pixel pass.
      data: (r.id === 'color-contrast' || r.id === 'color-contrast-enhanced') && nd.any && nd.any[0]
        ? nd.any[0].data || null : undefined,
    })) : [],
    count: r.nodes.length,
  }));
  let axeOut = null;
  if (axeResult) {
    axeOut = {
      version: axeResult.testEngine && axeResult.testEngine.version,
      violations: compact(axeResult.violations, true, true),
      incomplete: compact(axeResult.incomplete, true),
      passes: compact(axeResult.passes, false),
      inapplicable: compact(axeResult.inapplicable, false),
    };
  }
  // Media facts (WCAG 1.2.x, 1.4.2): what plays by itself, for how long, with sound or not. Autoplaying media get up
  // to 1.5 s to load metadata and decode some sound (Chromium runs with autoplay allowed and audio output muted).
  const mediaEls = [...document.querySelectorAll('audio, video')];
  const playing = mediaEls.filter((m) => m.autoplay || !m.paused);
  for (let waited = 0; playing.length && waited < 1500; waited += 100) {
    if (playing.every((m) => m.readyState >= 1 && (m.paused || m.muted || (m.webkitAudioDecodedByteCount || 0) > 0
                                                    || m.currentTime > 0.5))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const media = mediaEls.slice(0, 200).map((m) => ({
    nid: Number(m.getAttribute('data-a11y-nid')), tag: m.localName, autoplay: m.autoplay, paused: m.paused,
    muted: m.muted, volume: m.volume, controls: m.controls, loop: m.loop, readyState: m.readyState,
    duration: Number.isFinite(m.duration) ? m.duration : null, currentTime: m.currentTime,
    audioBytes: typeof m.webkitAudioDecodedByteCount === 'number' ? m.webkitAudioDecodedByteCount : null,
    videoBytes: typeof m.webkitVideoDecodedByteCount === 'number' ? m.webkitVideoDecodedByteCount : null,
    src: m.currentSrc || m.getAttribute('src') || null,
    tracks: [...m.querySelectorAll('track')].map((t) => [t.kind, t.srclang, t.label]),
  }));
  for (const c of cjkContrast) { c.nid = Number(c.el.getAttribute('data-a11y-nid')); delete c.el; }
  const links = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    links.push([a.getAttribute('href'), a.href, Number(a.getAttribute('data-a11y-nid'))]);
  }
  // Scripted controls (WCAG 2.1.1 / 4.1.2): elements with a click/pointer listener (js/listeners.js) or an onclick
  // attribute that are not controls themselves — no native control, no widget role — and hold no control inside
  // (delegation from a container is not a control). Facts only; checks/keyboard.py judges.
  const scripted = [];
  const isMarked = typeof window.__a11yListenerMark === 'function' ? window.__a11yListenerMark : () => false;
  const NATIVE = 'a[href],area[href],button,input,select,textarea,summary,label,option,iframe,audio[controls],' +
                 'video[controls],details,embed,object,[contenteditable=""],[contenteditable="true"]';
  const vw = window.innerWidth, vh = window.innerHeight;
  for (let i = 0; i < n && scripted.length < 200; i++) {
    const el = all[i];
    if (!(el instanceof HTMLElement) || el === document.body || el === document.documentElement) continue;
    const attr = el.hasAttribute('onclick') || el.hasAttribute('onmousedown') || el.hasAttribute('ontouchstart');
    if (!attr && !isMarked(el)) continue;
    if (el.matches(NATIVE) || el.closest('a[href],button,label,summary,select,[role=button],[role=link]')) continue;
    if (el.querySelector(NATIVE + ',[tabindex],[role]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 8 || r.height < 8 || !el.checkVisibility || !el.checkVisibility({visibilityProperty: true})) continue;
    const cs = getComputedStyle(el);
    scripted.push([Number(el.getAttribute('data-a11y-nid')), Math.round(r.width), Math.round(r.height),
                   cs.cursor, cs.position, el.tabIndex, (el.getAttribute('role') || '').trim().toLowerCase(),
                   attr ? 'attribute' : 'listener', r.width * r.height > 0.4 * vw * vh]);
  }
  const dt = document.doctype;
  let html = (dt ? '<!DOCTYPE ' + dt.name + (dt.publicId ? ' PUBLIC "' + dt.publicId + '"' : '') +
              (dt.systemId ? ' "' + dt.systemId + '"' : '') + '>\n' : '') + document.documentElement.outerHTML;
  let truncated = false;
  if (html.length > maxHtml) { html = html.slice(0, maxHtml); truncated = true; }
  const vp = document.querySelector('meta[name="viewport" i]');
  const t2 = performance.now();
  return {
    axe: axeOut, axeError,
    dom: {html, truncated, nodeCount: n, hidden, links, media, cjkContrast, scripted},
    facts: {
      title: document.title, lang: document.documentElement.getAttribute('lang'),
      charset: document.characterSet, contentType: document.contentType,
      viewportMeta: vp ? vp.getAttribute('content') : null,
      scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
      innerWidth: window.innerWidth, innerHeight: window.innerHeight,
    },
    timings: {axe: tAxe - t0, cjk: t1 - tAxe, collect: t2 - t1},
  };
}
