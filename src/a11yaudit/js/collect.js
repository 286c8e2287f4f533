// In-page fact collection (DESIGN.md §2): runs axe-core, then stamps a stable node id on every element and
// serialises the DOM. It only collects facts; every judgement happens in Python.
async ({runAxe, axeConfig, maxHtml}) => {
  const t0 = performance.now();
  let axeResult = null, axeError = null;
  if (runAxe) {
    try {
      if (typeof axe === 'undefined') throw new Error('axe-core is not loaded');
      axeResult = await axe.run(document, axeConfig);
    } catch (e) {
      axeError = String((e && e.message) || e);
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
  const compact = (list, withNodes) => (list || []).map((r) => ({
    id: r.id, impact: r.impact, tags: r.tags, help: r.help, description: r.description,
    helpUrl: r.helpUrl,
    nodes: withNodes ? r.nodes.map((nd) => ({
      target: nd.target, html: nd.html, impact: nd.impact, summary: nd.failureSummary,
      nid: nidFor(nd.target),
    })) : [],
    count: r.nodes.length,
  }));
  let axeOut = null;
  if (axeResult) {
    axeOut = {
      version: axeResult.testEngine && axeResult.testEngine.version,
      violations: compact(axeResult.violations, true),
      incomplete: compact(axeResult.incomplete, true),
      passes: compact(axeResult.passes, false),
      inapplicable: compact(axeResult.inapplicable, false),
    };
  }
  const links = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    links.push([a.getAttribute('href'), a.href, Number(a.getAttribute('data-a11y-nid'))]);
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
    dom: {html, truncated, nodeCount: n, hidden, links},
    facts: {
      title: document.title, lang: document.documentElement.getAttribute('lang'),
      charset: document.characterSet, contentType: document.contentType,
      viewportMeta: vp ? vp.getAttribute('content') : null,
      scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
      innerWidth: window.innerWidth, innerHeight: window.innerHeight,
    },
    timings: {axe: t1 - t0, collect: t2 - t1},
  };
}
