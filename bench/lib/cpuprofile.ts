// Reading a V8 .cpuprofile: self time by area of the code and by function,
// optionally within a wall-clock window. Shared by the profile scripts.

import { readFileSync } from 'node:fs';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}

function area(f: Frame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : `(native) ${f.functionName}`;
  const u = f.url;
  for (const a of ['core/raft', 'core/sql', 'core/mvcc', 'core/txn', 'core/cluster', 'core/util', 'core/kv', 'server/http', 'server/net', 'server/disk']) if (u.includes(`/${a}/`)) return a;
  if (u.includes('/core/')) return 'core (other)';
  if (u.includes('/server/')) return 'server (other)';
  // The simulator's own code (sources, or the build in sim/.build, whose core/ matched above).
  for (const a of ['sim/checkers', 'sim/workloads']) if (u.includes(`/${a}/`)) return a;
  if (u.includes('/sim/')) return 'sim (other)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return `npm:${m[1]}`;
  if (u.startsWith('node:')) return `node:${u.slice(5).split('/')[1] ?? u.slice(5)}`;
  return u;
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  busyPct: number;
  /** Every area, the largest first (formatProfile prints the first 22). */
  byArea: { name: string; ms: number; pctOfWindow: number }[];
  topFunctions: { name: string; ms: number; pctOfWindow: number }[];
}

/** A wall-clock window of a profile; see summarizeProfile. */
export interface ProfileWindow {
  fromMs: number;
  toMs: number;
  exitMs: number;
}

/**
 * Self time of a profile's samples, by area of the code and by function.
 * With a window, only samples inside the wall-clock window [fromMs, toMs],
 * mapped onto the profile's clock through the moment the process exited
 * (exitMs, Date.now() then), which is when the profile ends.
 */
export function summarizeProfile(file: string, window?: ProfileWindow): ProfileSummary {
  return summarizeProfileData(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window);
}

/** What V8's profiler returns (Profiler.stop), and --cpu-prof writes as JSON: the parts read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: Frame }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** summarizeProfile for a profile already in memory. */
export function summarizeProfileData(prof: CpuProfile, window?: ProfileWindow): ProfileSummary {
  const frames = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const lo = window ? prof.endTime - (window.exitMs - window.fromMs) * 1000 : -Infinity;
  const hi = window ? prof.endTime - (window.exitMs - window.toMs) * 1000 : Infinity;
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let t = prof.startTime;
  let windowMs = 0;
  let busy = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    t += dt;
    if (t < lo || t > hi) continue;
    const ms = dt / 1000;
    windowMs += ms;
    const f = frames.get(prof.samples[i]!)!;
    const a = area(f);
    byArea.set(a, (byArea.get(a) ?? 0) + ms);
    if (a === '(idle)') continue;
    busy += ms;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(core|server|sim|node_modules)\//, '$1/')}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, ms]) => ({ name, ms: Math.round(ms), pctOfWindow: +((100 * ms) / windowMs).toFixed(1) }));
  return { windowMs: Math.round(windowMs), busyMs: Math.round(busy), busyPct: +((100 * busy) / windowMs).toFixed(1), byArea: top(byArea, byArea.size), topFunctions: top(byFn, 30) };
}

/** The summary as the profile scripts print it. */
export function formatProfile(who: string, s: ProfileSummary): string {
  const lines = [`${who} CPU in the measured window: busy ${s.busyPct}% of ${s.windowMs} ms (percentages below are of the window)`, 'self time by area:'];
  for (const a of s.byArea.slice(0, 22)) lines.push(`  ${a.name.padEnd(40)} ${String(a.ms).padStart(7)} ms ${String(a.pctOfWindow).padStart(5)}%`);
  lines.push('top functions (self):');
  for (const f of s.topFunctions) lines.push(`  ${f.name.slice(0, 90).padEnd(90)} ${String(f.ms).padStart(7)} ms ${String(f.pctOfWindow).padStart(5)}%`);
  return lines.join('\n') + '\n';
}
