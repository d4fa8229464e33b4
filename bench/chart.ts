// `node --import tsx bench/chart.ts [RESULTS.json] [--out FILE.svg]`: draws
// throughput against concurrency from a bench/run.ts results file: one panel
// for the 3-node cluster (CamusDB INSERT vs etcd put, PK SELECT vs
// linearizable get at 64), one for standalone (CamusDB vs PostgreSQL). Log
// scales on both axes. Default input: bench/results/all.json, else
// all-quick.json; default output: docs/performance.svg.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args[outIdx + 1]! : join(ROOT, 'docs', 'performance.svg');
const positional = args.filter((a, i) => !a.startsWith('--') && i !== outIdx + 1);
const input =
  positional[0] ?? [join(ROOT, 'bench', 'results', 'all.json'), join(ROOT, 'bench', 'results', 'all-quick.json')].find((f) => existsSync(f));
if (!input || !existsSync(input)) {
  process.stderr.write('usage: bench/chart.ts [RESULTS.json] [--out FILE.svg] (run `npm run bench` first)\n');
  process.exit(2);
}
const r = JSON.parse(readFileSync(input, 'utf8'));

interface Pt {
  concurrency: number;
  opsPerSec: number;
}
interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  marker: 'circle' | 'square' | 'triangle' | 'diamond';
  points: Pt[];
}

const CAMUS = '#c0392b';
const REF = '#2471a3';

const panels: { title: string; series: Series[] }[] = [];
if (r.cluster && !r.cluster.error) {
  panels.push({
    title: '3-node cluster (127.0.0.1/.2/.3)',
    series: [
      { name: 'CamusDB INSERT (autocommit)', color: CAMUS, marker: 'circle', points: r.cluster.camus?.insert ?? [] },
      { name: 'etcd 3.4 put', color: REF, marker: 'square', points: r.cluster.etcd?.put ?? [] },
      { name: 'CamusDB PK SELECT', color: CAMUS, dashed: true, marker: 'triangle', points: [r.cluster.camus?.select64].filter(Boolean) },
      { name: 'etcd linearizable get', color: REF, dashed: true, marker: 'diamond', points: [r.cluster.etcd?.get64].filter(Boolean) },
    ],
  });
}
if (r.standalone && !r.standalone.error) {
  panels.push({
    title: 'standalone (one node)',
    series: [
      { name: 'CamusDB INSERT (autocommit)', color: CAMUS, marker: 'circle', points: r.standalone.camus?.insert ?? [] },
      { name: 'PostgreSQL INSERT (pgbench)', color: REF, marker: 'square', points: r.standalone.postgres?.insert ?? [] },
      { name: 'CamusDB PK SELECT', color: CAMUS, dashed: true, marker: 'triangle', points: [r.standalone.camus?.select64].filter(Boolean) },
      { name: 'PostgreSQL PK SELECT', color: REF, dashed: true, marker: 'diamond', points: [r.standalone.postgres?.select64].filter(Boolean) },
    ],
  });
}
if (!panels.length) {
  process.stderr.write(`${input}: no cluster or standalone results to draw\n`);
  process.exit(1);
}

const PW = 430;
const PH = 330;
const M = { l: 62, r: 16, t: 34, b: 118 };
const W = panels.length * (PW + M.l + M.r) + 20;
const H = PH + M.t + M.b + 40;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v));

const svg: string[] = [];
svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
svg.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
svg.push(`<text x="14" y="22" font-size="15" font-weight="bold">Throughput against concurrency (ops/s, closed loop; log scales)</text>`);
const note = `${String(r.date ?? '').slice(0, 16).replace('T', ' ')} UTC, ${r.settings?.quick ? '--quick (3 s points)' : `${r.settings?.durationSec} s points`}, ${r.machine?.cpus} CPUs, load average ${r.machine?.loadavgAtStart?.join(' ')} at start: noisy, shared machine`;
svg.push(`<text x="14" y="40" fill="#555">${esc(note)}</text>`);

panels.forEach((panel, k) => {
  const x0 = 20 + k * (PW + M.l + M.r) + M.l;
  const y0 = 40 + M.t;
  const all = panel.series.flatMap((s) => s.points).filter((p) => p.opsPerSec > 0);
  const cs = [...new Set(all.map((p) => p.concurrency))].sort((a, b) => a - b);
  const cMin = Math.min(...cs, 1);
  const cMax = Math.max(...cs, 64);
  const lyMin = Math.floor(Math.log10(Math.max(1, Math.min(...all.map((p) => p.opsPerSec)))));
  const lyMax = Math.ceil(Math.log10(Math.max(10, ...all.map((p) => p.opsPerSec))));
  const X = (c: number) => x0 + (PW * (Math.log2(c) - Math.log2(cMin))) / Math.max(1e-9, Math.log2(cMax) - Math.log2(cMin));
  const Y = (v: number) => y0 + PH - (PH * (Math.log10(Math.max(v, 10 ** lyMin)) - lyMin)) / Math.max(1, lyMax - lyMin);
  svg.push(`<text x="${x0}" y="${y0 - 10}" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
  svg.push(`<rect x="${x0}" y="${y0}" width="${PW}" height="${PH}" fill="none" stroke="#999"/>`);
  for (let e = lyMin; e <= lyMax; e++) {
    const y = Y(10 ** e);
    svg.push(`<line x1="${x0}" y1="${y}" x2="${x0 + PW}" y2="${y}" stroke="#e5e5e5"/>`);
    svg.push(`<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" fill="#333">${fmt(10 ** e)}</text>`);
    if (e < lyMax) for (const m of [2, 5]) svg.push(`<line x1="${x0}" y1="${Y(m * 10 ** e)}" x2="${x0 + PW}" y2="${Y(m * 10 ** e)}" stroke="#f3f3f3"/>`);
  }
  for (const c of cs) {
    const x = X(c);
    svg.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + PH}" stroke="#eee"/>`);
    svg.push(`<text x="${x}" y="${y0 + PH + 16}" text-anchor="middle" fill="#333">${c}</text>`);
  }
  svg.push(`<text x="${x0 + PW / 2}" y="${y0 + PH + 34}" text-anchor="middle">concurrency (clients in a closed loop)</text>`);
  svg.push(`<text transform="translate(${x0 - 46} ${y0 + PH / 2}) rotate(-90)" text-anchor="middle">operations per second</text>`);
  panel.series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.opsPerSec > 0).sort((a, b) => a.concurrency - b.concurrency);
    if (pts.length > 1) svg.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="5 4"' : ''} points="${pts.map((p) => `${X(p.concurrency).toFixed(1)},${Y(p.opsPerSec).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      svg.push(marker(s, X(p.concurrency), Y(p.opsPerSec)));
      svg.push(`<text x="${X(p.concurrency) + (p.concurrency === cMax ? -8 : 8)}" y="${Y(p.opsPerSec) - 7}" text-anchor="${p.concurrency === cMax ? 'end' : 'start'}" font-size="11" fill="${s.color}">${p.opsPerSec}</text>`);
    }
    const ly = y0 + PH + 52 + i * 16;
    svg.push(marker(s, x0 + 8, ly - 4));
    svg.push(`<text x="${x0 + 20}" y="${ly}" fill="#222">${esc(s.name)}</text>`);
  });
});
svg.push('</svg>');

function marker(s: Series, x: number, y: number): string {
  const c = s.color;
  switch (s.marker) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="4" fill="${c}"/>`;
    case 'square':
      return `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" fill="${c}"/>`;
    case 'triangle':
      return `<path d="M${x} ${y - 5} L${x + 5} ${y + 4} L${x - 5} ${y + 4} Z" fill="${c}"/>`;
    default:
      return `<path d="M${x} ${y - 5} L${x + 5} ${y} L${x} ${y + 5} L${x - 5} ${y} Z" fill="${c}"/>`;
  }
}

writeFileSync(out, `${svg.join('\n')}\n`);
process.stdout.write(`${out} (from ${input})\n`);
