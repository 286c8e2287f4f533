// Which axe-core rules could give a different result on the smartphone rendering of the same DOM: a static reading
// of axe-core's unminified bundle (run by hand, never in CI).
//
//   cd /tmp && npm pack axe-core@4.12.1 && tar xzf axe-core-4.12.1.tgz && npm install acorn acorn-walk
//   NODE_PATH=/tmp/node_modules node bench/axe_rule_inputs.js /tmp/package/axe.js
//
// Every named function of the bundle is read with acorn; a function is "layout-bound" when it reads geometry
// (getBoundingClientRect, getClientRects, offset*/client*/scroll* sizes, elementsFromPoint, the window size) or a
// computed style other than display, visibility and content-visibility (those three decide "hidden for everyone"
// and can be compared cheaply between renderings), or when it calls a layout-bound function (free identifiers only,
// so a parameter named like a helper does not count). A rule is layout-bound when its matches, or one of its checks'
// evaluate/after functions, is. Printed: each layout-bound rule with one call chain that shows why, then the rest.
// bench/README.md ("Against @axe-core/cli") reports what this found for 4.12.1.
const fs = require('fs');
const acorn = require('acorn');
const walk = require('acorn-walk');

const src = fs.readFileSync(process.argv[2] || 'axe.js', 'utf8');
const ast = acorn.parse(src, {ecmaVersion: 'latest', sourceType: 'script'});
const GEOMETRY = new Set(['getBoundingClientRect', 'getClientRects', 'offsetWidth', 'offsetHeight', 'offsetTop',
  'offsetLeft', 'offsetParent', 'scrollWidth', 'scrollHeight', 'clientWidth', 'clientHeight', 'scrollTop',
  'scrollLeft', 'elementsFromPoint', 'elementFromPoint', 'innerWidth', 'innerHeight', 'visualViewport', 'matchMedia',
  'screen', 'pageXOffset', 'pageYOffset', 'scrollX', 'scrollY', 'boundingClientRect']);
const SAME_IN_BOTH = new Set(['display', 'visibility', 'content-visibility']);
const ALIAS_INITS = ['CallExpression', 'ObjectExpression', 'SequenceExpression', 'Identifier', 'MemberExpression',
  'ConditionalExpression', 'LogicalExpression', 'ArrayExpression'];

const named = [];
walk.full(ast, (node) => {
  if (node.type === 'FunctionDeclaration' && node.id) named.push([node.id.name, node]);
  if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.init &&
      (/Function/.test(node.init.type) || ALIAS_INITS.includes(node.init.type))) named.push([node.id.name, node.init]);
});

function localNames(fn) {
  const names = new Set();
  const add = (pattern) => walk.full(pattern, (q) => { if (q.type === 'Identifier') names.add(q.name); });
  walk.full(fn, (n) => {
    if (/Function/.test(n.type)) { (n.params || []).forEach(add); if (n.id && n !== fn) names.add(n.id.name); }
    if (n.type === 'VariableDeclarator') add(n.id);
    if (n.type === 'CatchClause' && n.param) add(n.param);
  });
  return names;
}

const fns = new Map();
for (const [name, node] of named) {
  if (name.startsWith('require_')) continue;        // core-js polyfills
  const info = fns.get(name) || {refs: new Set(), reads: new Set()};
  const local = localNames(node);
  walk.full(node, (n) => {
    if (n.type === 'Identifier' && !local.has(n.name)) info.refs.add(n.name);
    if (n.type === 'MemberExpression' && !n.computed && GEOMETRY.has(n.property.name)) info.reads.add(n.property.name);
    if (n.type === 'CallExpression' && n.callee.type === 'MemberExpression' && !n.callee.computed &&
        ['getPropertyValue', 'getComputedStylePropertyValue'].includes(n.callee.property.name)) {
      const arg = n.arguments[0];
      if (!arg || arg.type !== 'Literal') info.reads.add('style:(computed name)');
      else if (!SAME_IN_BOTH.has(arg.value)) info.reads.add('style:' + arg.value);
    }
  });
  fns.set(name, info);
}

const why = new Map();
for (const [name, info] of fns) if (info.reads.size) why.set(name, [...info.reads].join(','));
for (let changed = true; changed;) {
  changed = false;
  for (const [name, info] of fns) {
    if (why.has(name)) continue;
    for (const ref of info.refs) {
      if (ref !== name && why.has(ref)) { why.set(name, '→' + ref); changed = true; break; }
    }
  }
}
const chain = (name) => {
  const out = [];
  for (let cur = name, i = 0; i < 14 && why.has(cur); i++) {
    const w = why.get(cur);
    out.push(cur);
    if (!w.startsWith('→')) { out.push('[' + w + ']'); break; }
    cur = w.slice(1);
  }
  return out.join(' > ');
};

// The rule and check definitions (the object given to axe._load) and the map from their function names.
let defs = null;
walk.full(ast, (n) => {
  if (defs || n.type !== 'ObjectExpression') return;
  const keys = n.properties.map((p) => p.key && (p.key.name || p.key.value));
  if (keys.includes('rules') && keys.includes('checks') && keys.includes('data')) {
    defs = (new Function('return ' + src.slice(n.start, n.end)))();
  }
});
const mapAt = src.indexOf('metadataFunctionMap = {');
const fnOf = {};
for (const line of src.slice(mapAt, src.indexOf('};', mapAt)).split('\n')) {
  const m = line.match(/'([^']+)':\s*([\w$]+)/);
  if (m) fnOf[m[1]] = m[2];
}
if (!defs || mapAt < 0) {
  console.error('not an unminified axe-core bundle (no rule definitions or metadataFunctionMap found)');
  process.exit(2);
}
const bound = [], free = [];
for (const rule of defs.rules) {
  const used = [];
  if (rule.matches) used.push(fnOf[rule.matches] || rule.matches);
  for (const c of [...rule.any, ...rule.all, ...rule.none]) {
    const check = defs.checks.find((x) => x.id === (typeof c === 'string' ? c : c.id));
    for (const f of check ? [check.evaluate, check.after] : []) if (typeof f === 'string') used.push(fnOf[f] || f);
  }
  const reasons = used.filter((f) => why.has(f)).map(chain);
  (reasons.length ? bound : free).push([rule.id, reasons]);
}
console.log(`layout-bound: ${bound.length} of ${defs.rules.length} rules`);
for (const [id, reasons] of bound) console.log(`  ${id}: ${reasons[0]}`);
console.log(`DOM and hidden state only (${free.length}): ${free.map(([id]) => id).join(' ')}`);
