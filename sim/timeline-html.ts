// One self-contained HTML page for a run's timeline: the data as JSON and a
// small script that draws it as SVG. No network, no libraries, so the file
// can be attached to an issue and opened anywhere.
import type { TimelineData } from './timeline.js';

const CSS = `
body { font: 12px system-ui, sans-serif; margin: 0; color: #222; }
header { padding: 8px 12px; background: #f4f4f4; border-bottom: 1px solid #ccc; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 15px; margin: 0 0 4px; }
.verdict-ok { color: #2a7a2a; } .verdict-bad { color: #b00020; }
#controls label { margin-right: 10px; white-space: nowrap; }
#controls input[type=number] { width: 80px; }
#controls fieldset { display: inline-block; border: 1px solid #ccc; padding: 2px 6px; margin: 2px 6px 2px 0; }
#violations { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 11px; max-height: 160px; overflow: auto; background: #fff0f0; border: 1px solid #e0b0b0; padding: 4px; margin: 4px 0 0; }
#chart { padding: 8px 12px; }
svg text { font-size: 10px; }
.lane-label { font-weight: 600; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 12px; height: 8px; margin-right: 3px; vertical-align: middle; }
`;

const SCRIPT = String.raw`
const D = JSON.parse(document.getElementById('data').textContent);
const COLORS = { follower: '#d9d9d9', 'pre-candidate': '#fff2a8', candidate: '#ffb74d', leader: '#66bb6a' };
const OP_COLORS = { ok: '#81c784', failed: '#bdbdbd', indeterminate: '#ffd54f', pending: '#90caf9' };
const $ = (id) => document.getElementById(id);
const NS = 'http://www.w3.org/2000/svg';
const state = { from: 0, to: D.endMs, nodes: new Set(), groups: new Set(), msgs: true, ops: true };
for (let n = 1; n <= D.nodes; n++) state.nodes.add(n);
for (let g = 0; g < D.groups; g++) state.groups.add(g);

function el(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function title(e, text) { el('title', {}, e, text); return e; }

function controls() {
  const c = $('controls');
  c.innerHTML = '';
  const add = (html) => { const s = document.createElement('span'); s.innerHTML = html; c.appendChild(s); return s; };
  add('<label>from <input id="from" type="number" step="1"> ms</label><label>to <input id="to" type="number" step="1"> ms</label>' +
    '<button id="apply">zoom</button> <button id="all">whole run</button> ' + (D.violationMs !== null ? '<button id="zoom-violation">around the violation</button> ' : ''));
  const nodes = add('<fieldset id="node-filter"><legend>nodes</legend></fieldset>').firstChild;
  for (let n = 1; n <= D.nodes; n++) nodes.insertAdjacentHTML('beforeend', '<label><input type="checkbox" class="node-toggle" data-node="' + n + '" checked> ' + n + '</label>');
  const groups = add('<fieldset id="partition-filter"><legend>partitions</legend></fieldset>').firstChild;
  for (let g = 0; g < D.groups; g++) groups.insertAdjacentHTML('beforeend', '<label><input type="checkbox" class="partition-toggle" data-group="' + g + '" checked> ' + g + '</label>');
  add('<label><input type="checkbox" id="show-msgs" checked> messages (' + D.msgs.length + (D.msgs.length < D.msgTotal ? ' of ' + D.msgTotal + ', sampled' : '') + ')</label>' +
    '<label><input type="checkbox" id="show-ops" checked> client operations (' + D.ops.length + ')</label>');
  $('from').value = Math.round(state.from); $('to').value = Math.round(state.to);
  $('apply').onclick = () => { const f = +$('from').value, t = +$('to').value; if (t > f) { state.from = f; state.to = t; draw(); } };
  $('all').onclick = () => { state.from = 0; state.to = D.endMs; draw(); };
  if ($('zoom-violation')) $('zoom-violation').onclick = () => { state.from = Math.max(0, D.violationMs - 500); state.to = D.violationMs + 200; draw(); };
  for (const b of c.querySelectorAll('.node-toggle')) b.onchange = () => { const n = +b.dataset.node; b.checked ? state.nodes.add(n) : state.nodes.delete(n); draw(); };
  for (const b of c.querySelectorAll('.partition-toggle')) b.onchange = () => { const g = +b.dataset.group; b.checked ? state.groups.add(g) : state.groups.delete(g); draw(); };
  $('show-msgs').onchange = (e) => { state.msgs = e.target.checked; draw(); };
  $('show-ops').onchange = (e) => { state.ops = e.target.checked; draw(); };
}

/** Intervals [start, end) of a per-node state from a list of changes sorted by time. */
function spans(changes, end) {
  const out = [];
  for (let i = 0; i < changes.length; i++) out.push({ ...changes[i], end: i + 1 < changes.length ? changes[i + 1].t : end });
  return out;
}

function draw() {
  $('from').value = Math.round(state.from); $('to').value = Math.round(state.to);
  const chart = $('chart');
  chart.innerHTML = '';
  const W = Math.max(800, chart.clientWidth - 24), LEFT = 110, RIGHT = 10;
  const x = (t) => LEFT + ((t - state.from) / (state.to - state.from)) * (W - LEFT - RIGHT);
  const inView = (a, b) => b >= state.from && a <= state.to;
  const clampX = (t) => x(Math.max(state.from, Math.min(state.to, t)));
  const groups = [...state.groups].sort((a, b) => a - b);
  const nodes = [...state.nodes].sort((a, b) => a - b);
  const ROW = 14, FAULT_H = 34;
  const laneH = Math.max(1, groups.length) * ROW + 8;
  const laneY = new Map();
  let y = 24 + FAULT_H;
  for (const n of nodes) { laneY.set(n, y); y += laneH; }
  const clientTop = y + 10;
  const CROW = 12;
  const height = clientTop + (state.ops ? D.clients * CROW + 10 : 0) + 10;
  const svg = el('svg', { width: W, height, id: 'timeline' }, chart);
  // Arrows that start or end outside the time range are cut at its edges, not drawn over the labels.
  el('rect', { x: LEFT, y: 0, width: W - LEFT - RIGHT, height }, el('clipPath', { id: 'plot' }, svg));

  // Time axis.
  const axis = el('g', { class: 'axis' }, svg);
  const step = niceStep((state.to - state.from) / 10);
  for (let t = Math.ceil(state.from / step) * step; t <= state.to; t += step) {
    el('line', { x1: x(t), x2: x(t), y1: 16, y2: height, stroke: '#eee' }, axis);
    el('text', { x: x(t) + 2, y: 12 }, axis, t + 'ms');
  }

  // Faults: partitions as spans until the network heals, everything else as ticks.
  const fg = el('g', { class: 'faults' }, svg);
  el('text', { x: 4, y: 24 + 12, class: 'lane-label' }, fg, 'nemesis');
  let open = null;
  D.faults.forEach((f, i) => {
    const isCut = /^(partition|cut|isolate)/.test(f.text);
    if (isCut) open = f;
    if (/^heal/.test(f.text) && open) {
      if (inView(open.t, f.t)) title(el('rect', { x: clampX(open.t), y: 24, width: Math.max(1, clampX(f.t) - clampX(open.t)), height: 10, fill: '#ce93d8', class: 'fault partition' }, fg), open.text + ' (until ' + f.t.toFixed(1) + 'ms)');
      open = null;
    }
    if (!inView(f.t, f.t)) return;
    const g = el('g', { class: 'fault', 'data-t': f.t }, fg);
    el('line', { x1: x(f.t), x2: x(f.t), y1: 36, y2: 24 + FAULT_H, stroke: '#8e24aa' }, g);
    title(el('circle', { cx: x(f.t), cy: 40 + (i % 3) * 6, r: 3, fill: '#8e24aa' }, g), f.t.toFixed(1) + 'ms ' + f.text);
  });

  // One lane per node: a row per partition with role and term, and the node's down time.
  for (const n of nodes) {
    const ly = laneY.get(n);
    const lane = el('g', { class: 'lane', 'data-node': n }, svg);
    el('rect', { x: 0, y: ly, width: W, height: laneH - 4, fill: n % 2 ? '#fafafa' : '#fff' }, lane);
    el('text', { x: 4, y: ly + 12, class: 'lane-label' }, lane, 'node ' + n);
    groups.forEach((g, gi) => {
      const row = el('g', { class: 'role-row', 'data-node': n, 'data-group': g }, lane);
      const ry = ly + 2 + gi * ROW;
      if (groups.length > 1) el('text', { x: 60, y: ry + 10, fill: '#888' }, row, 'p' + g);
      const changes = D.roles.filter((r) => r.n === n && r.g === g);
      for (const s of spans(changes, D.endMs)) {
        if (!inView(s.t, s.end)) continue;
        const w = Math.max(0.5, clampX(s.end) - clampX(s.t));
        const r = el('rect', { x: clampX(s.t), y: ry, width: w, height: ROW - 3, fill: COLORS[s.role] || '#ccc', class: 'role ' + s.role }, row);
        title(r, 'node ' + n + ' partition ' + g + ': ' + s.role + ' term ' + s.term + ' from ' + s.t.toFixed(1) + 'ms');
        if (w > 26) el('text', { x: clampX(s.t) + 2, y: ry + 9, fill: '#333' }, row, (s.role === 'leader' ? 'L' : s.role[0]) + s.term);
      }
    });
    // Faults that hit this node: a diamond where they begin.
    for (const f of D.nodeFaults) {
      if (!f.nodes.includes(n) || !inView(f.t, f.t) || f.action === 'clock-skew') continue;
      const cx = x(f.t), cy = ly + laneH - 8;
      title(el('path', { d: 'M' + cx + ' ' + (cy - 5) + 'l4 5l-4 5l-4 -5z', fill: /disk/.test(f.action) ? '#6d4c41' : '#8e24aa', class: 'node-fault ' + f.action }, lane),
        f.t.toFixed(1) + 'ms ' + f.action + ' ' + f.params);
    }
    // Down time: from a crash to the next start; a fail-stop stays down.
    const ev = D.life.filter((l) => l.n === n);
    for (let i = 0; i < ev.length; i++) {
      if (ev[i].kind === 'start') continue;
      const next = ev.slice(i + 1).find((l) => l.kind === 'start');
      const end = ev[i].kind === 'fail-stop' ? D.endMs : next ? next.t : D.endMs;
      if (!inView(ev[i].t, end)) continue;
      title(el('rect', { x: clampX(ev[i].t), y: ly, width: Math.max(1, clampX(end) - clampX(ev[i].t)), height: laneH - 4, fill: ev[i].kind === 'fail-stop' ? '#000' : '#e53935', 'fill-opacity': 0.25, class: 'down ' + ev[i].kind }, lane),
        'node ' + n + ' ' + (ev[i].kind === 'fail-stop' ? 'stopped for good (corrupt disk)' : 'down') + ' from ' + ev[i].t.toFixed(1) + 'ms');
    }
  }

  // Messages as arrows from sender to receiver; lost ones end in a cross.
  if (state.msgs) {
    const mg = el('g', { class: 'messages', 'clip-path': 'url(#plot)' }, svg);
    for (const [f, to, g, s, d, kind] of D.msgs) {
      if (!state.nodes.has(f) || !state.nodes.has(to) || (g >= 0 && !state.groups.has(g))) continue;
      const end = d < 0 ? s + 2 : d;
      if (!inView(s, end)) continue;
      const y1 = laneY.get(f) + laneH / 2, y2 = laneY.get(to) + laneH / 2;
      const line = el('line', { x1: x(s), y1, x2: x(end), y2: d < 0 ? (y1 + y2) / 2 : y2, stroke: d < 0 ? '#e53935' : kind === 'call' || kind === 'answer' ? '#1e88e5' : '#9e9e9e', 'stroke-width': 0.7, class: 'msg' }, mg);
      title(line, kind + ' ' + f + ' → ' + to + (g >= 0 ? ' (partition ' + g + ')' : '') + ' sent ' + s.toFixed(2) + 'ms, ' + (d < 0 ? 'lost' : 'delivered ' + d.toFixed(2) + 'ms'));
    }
  }

  // Client operations: a row per client, a bar from invocation to completion.
  if (state.ops) {
    const og = el('g', { class: 'ops' }, svg);
    for (let c = 1; c <= D.clients; c++) el('text', { x: 4, y: clientTop + (c - 1) * CROW + 9, class: 'lane-label' }, og, 'client ' + c);
    for (const o of D.ops) {
      if (!state.nodes.has(o.n)) continue;
      const end = o.e === null ? D.endMs : o.e;
      if (!inView(o.s, end)) continue;
      const r = el('rect', { x: clampX(o.s), y: clientTop + (o.c - 1) * CROW, width: Math.max(1.5, clampX(end) - clampX(o.s)), height: CROW - 3,
        fill: o.bad ? '#e53935' : OP_COLORS[o.st], stroke: o.bad ? '#7f0000' : 'none', 'stroke-width': 1.5, class: 'op' + (o.bad ? ' violating' : ''), 'data-client': o.c, 'data-node': o.n }, og);
      title(r, 'client ' + o.c + ' → node ' + o.n + ': ' + o.op + '\n' + o.st + (o.res ? ' ' + o.res : '') + '\n' + o.s.toFixed(1) + '–' + (o.e === null ? '…' : o.e.toFixed(1)) + 'ms' + (o.bad ? '\nin the violation' : ''));
    }
  }

  // The violation, across everything.
  if (D.violationMs !== null && inView(D.violationMs, D.violationMs)) {
    const v = el('g', { id: 'violation', class: 'violation' }, svg);
    el('line', { x1: x(D.violationMs), x2: x(D.violationMs), y1: 14, y2: height, stroke: '#d50000', 'stroke-width': 2, 'stroke-dasharray': '4 2' }, v);
    title(el('text', { x: x(D.violationMs) + 3, y: 22, fill: '#d50000', 'font-weight': 700 }, v, 'violation'), D.violations[0] || '');
  }
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

controls();
draw();
window.addEventListener('resize', draw);
`;

/** Escapes text for HTML element content. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderTimelineHtml(d: TimelineData): string {
  // JSON inside a script element: "<" escaped so no "</script>" can end it early.
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  const bad = d.verdict !== 'ok';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(d.title)}: <span class="${bad ? 'verdict-bad' : 'verdict-ok'}" id="verdict">${esc(d.verdict)}</span>${d.violationMs !== null ? ` at ${d.violationMs.toFixed(1)} ms` : ''}</h1>
<div id="controls"></div>
<div class="legend">${['follower', 'pre-candidate', 'candidate', 'leader'].map((r) => `<span><i style="background:${{ follower: '#d9d9d9', 'pre-candidate': '#fff2a8', candidate: '#ffb74d', leader: '#66bb6a' }[r]}"></i>${r}</span>`).join('')}<span><i style="background:#e53935;opacity:.25"></i>down</span><span><i style="background:#ce93d8"></i>network fault</span><span><i style="background:#81c784"></i>op ok</span><span><i style="background:#ffd54f"></i>op unknown</span><span><i style="background:#bdbdbd"></i>op failed</span><span><i style="background:#e53935"></i>op in the violation</span></div>
${d.violations.length ? `<div id="violations">${esc(d.violations.join('\n\n'))}</div>` : ''}
</header>
<div id="chart"></div>
<script type="application/json" id="data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
