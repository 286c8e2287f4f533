// Registered at document creation (before the page's scripts): remembers which elements get pointer or click
// listeners, so that collect.js can find controls made of div/span with a script (no role, no keyboard access).
// Only a WeakSet is kept; the page cannot see it under a plain name and nothing the page does is changed.
(() => {
  if (window.__a11yListenerMark) return;
  const marked = new WeakSet();
  const types = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'touchend',
                         'dblclick']);
  const proto = EventTarget.prototype;
  const original = proto.addEventListener;
  const wrapped = function addEventListener(type, listener, options) {
    try { if (this instanceof Element && types.has(String(type))) marked.add(this); } catch (e) { /* ignore */ }
    return original.call(this, type, listener, options);
  };
  try {
    Object.defineProperty(wrapped, 'toString', {value: () => original.toString(), configurable: true});
    proto.addEventListener = wrapped;
    for (const prop of ['onclick', 'onmousedown', 'onmouseup', 'ontouchstart', 'onpointerdown']) {
      const desc = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
      if (!desc || !desc.set) continue;
      Object.defineProperty(HTMLElement.prototype, prop, {
        configurable: true, enumerable: desc.enumerable, get: desc.get,
        set(value) { try { if (value) marked.add(this); } catch (e) { /* ignore */ } return desc.set.call(this, value); },
      });
    }
  } catch (e) { /* a locked-down page: no marks */ }
  Object.defineProperty(window, '__a11yListenerMark', {value: (el) => marked.has(el), enumerable: false});
  // The browser's own JSON.stringify, kept before the page's scripts run (gather/wire.py returns results with it).
  const stringify = JSON.stringify;
  Object.defineProperty(window, '__a11yJson', {value: (v, r) => stringify.call(JSON, v, r), enumerable: false});
})();
