// `node --import tsx bench/profile.ts [--duration S] [--concurrency C] [--node N (default 3)] [--etcd]`:
// one look inside the cluster INSERT path. Starts 3 CamusDB nodes with node N
// under `node --cpu-prof`, runs autocommit single-row INSERTs at concurrency C
// (spread over the 3 nodes), and reports per INSERT:
//   - fsyncs (fdatasync + fsync) of each node, counted by `perf stat` on the
//     syscalls tracepoints (no ptrace, little overhead), when perf works here;
//   - Raft entries committed and transport messages / socket writes, from
//     /cluster/status;
//   - where node N's CPU went: self time by area of the code and the top
//     functions of its .cpuprofile (written when the node exits on SIGTERM).
// Also: each process's CPU per operation (from /proc) and its CPU use while idle.
// --etcd also counts a 3-member etcd's fsyncs and CPU per put at the same concurrency.
// Prints a summary and one JSON line; bench/profile-out/ keeps the .cpuprofile.

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as camus from './lib/camus.js';
import { ensureEtcd, etcdPut, startEtcd } from './lib/etcd.js';
import { benchKey, closedLoop, VALUE_100 } from './lib/loadgen.js';
import { closeClients } from './lib/http.js';
import { sleep, stopAll, tempDir, treeCpuMs } from './lib/procs.js';

const args = process.argv.slice(2);
const arg = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const durationSec = arg('duration', 10);
const concurrency = arg('concurrency', 64);
// Partition g's leader is usually node g+1 (leadership balancing); kv's rows and primary index landed on partitions 1 and 2 in our runs, so node 3 leads the busiest group.
const profiled = arg('node', 3);
const withEtcd = args.includes('--etcd');
const log = (s: string) => process.stderr.write(`[profile] ${s}\n`);

/** Counts fsync-family syscalls of `pid` (all its threads) for `sec` seconds with perf; null when perf is unusable. */
function countFsyncs(pid: number, sec: number): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn('perf', ['stat', '-x', ',', '-e', 'syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync', '-p', String(pid), '--', 'sleep', String(sec)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', () => resolve(null));
    p.on('exit', () => {
      let n = 0;
      let seen = false;
      for (const line of err.split('\n')) {
        const [count, , event] = line.split(',');
        if (event?.includes('sys_enter_f') && /^\d+$/.test(count ?? '')) {
          n += Number(count);
          seen = true;
        }
      }
      resolve(seen ? n : null);
    });
  });
}

/** CPU ms per second each process uses over 5 s with no client traffic. */
async function idleCpu(pids: number[]): Promise<number[]> {
  const c0 = pids.map(treeCpuMs);
  await sleep(5_000);
  return pids.map((p, i) => Math.round((treeCpuMs(p) - c0[i]!) / 5));
}

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
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return `npm:${m[1]}`;
  if (u.startsWith('node:')) return `node:${u.slice(5).split('/')[1] ?? u.slice(5)}`;
  return u;
}

/**
 * Self time of node N's samples inside the wall-clock window [fromMs, toMs]
 * (mapped onto the profile's clock through the moment the process exited,
 * which is when the profile ends), by area of the code and by function.
 */
function summarize(file: string, fromMs: number, toMs: number, exitMs: number) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: { id: number; callFrame: Frame }[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const frames = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const lo = prof.endTime - (exitMs - fromMs) * 1000;
  const hi = prof.endTime - (exitMs - toMs) * 1000;
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
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(core|server|node_modules)\//, '$1/')}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, ms]) => ({ name, ms: Math.round(ms), pctOfWindow: +((100 * ms) / windowMs).toFixed(1) }));
  return { windowMs: Math.round(windowMs), busyMs: Math.round(busy), busyPct: +((100 * busy) / windowMs).toFixed(1), byArea: top(byArea, 22), topFunctions: top(byFn, 30) };
}

async function main() {
  const dir = tempDir('profile');
  const profDir = join(dir, 'cpuprof');
  mkdirSync(profDir, { recursive: true });
  const result: any = { concurrency, durationSec, profiledNode: profiled };
  if (withEtcd) {
    ensureEtcd(log);
    const members = await startEtcd(dir, 27_500);
    try {
      const bases = members.map((m) => m.base);
      result.etcdIdleCpuMsPerSec = await idleCpu(members.map((m) => m.proc.pid));
      log(`etcd idle: CPU ms per second by member ${result.etcdIdleCpuMsPerSec.join(' / ')}`);
      const counting = Promise.all(members.map((m) => countFsyncs(m.proc.pid, durationSec + 1)));
      const p = await closedLoop({ concurrency, warmupMs: 1000, durationMs: durationSec * 1000, op: (w, seq) => etcdPut(bases[w % 3]!, benchKey('pe', w, seq), VALUE_100), cpuOf: members.map((m, i) => ({ name: `etcd${i + 1}`, pid: m.proc.pid })) });
      const fs = await counting;
      const ops = p.ok * ((durationSec + 1) / durationSec);
      result.etcd = { opsPerSec: p.opsPerSec, p50Ms: p.p50Ms, cpuMsPerPut: p.cpuMsPerOp, fsyncsPerPut: fs.map((n) => (n === null ? null : +(n / ops).toFixed(3))) };
      log(`etcd: ${p.opsPerSec} puts/s, CPU ms per put ${JSON.stringify(p.cpuMsPerOp)}, fsyncs per put by member ${result.etcd.fsyncsPerPut.join(' / ')}`);
    } finally {
      await Promise.all(members.map((m) => m.proc.stop()));
    }
  }
  let windowFrom = 0;
  let windowTo = 0;
  let exitMs = 0;
  const nodes = await camus.startCluster({
    dir,
    portBase: 27_400,
    nodeArgs: (i) => (i + 1 === profiled ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
  });
  try {
    const bases = nodes.map((n) => n.base);
    result.camusIdleCpuMsPerSec = await idleCpu(nodes.map((n) => n.proc.pid));
    log(`camus idle: CPU ms per second by node ${result.camusIdleCpuMsPerSec.join(' / ')}`);
    await camus.createTable(bases, 'CREATE TABLE kv (id STRING PRIMARY KEY, v STRING NOT NULL)', 'kv');
    const value = camus.str(VALUE_100);
    const op = (tag: string) => (w: number, seq: number) => camus.nonQuery(bases[w % 3]!, 'INSERT INTO kv (id, v) VALUES (@id, @v)', { '@id': camus.str(benchKey(tag, w, seq)), '@v': value }).then(() => {});
    // Warm up outside the counted window, then count fsyncs and cluster counters over the measured one.
    await closedLoop({ concurrency, warmupMs: 0, durationMs: 2000, op: op('pw') });
    const before = await camus.clusterCounters(bases);
    const counting = Promise.all(nodes.map((n) => countFsyncs(n.proc.pid, durationSec)));
    windowFrom = Date.now();
    const p = await closedLoop({ concurrency, warmupMs: 0, durationMs: durationSec * 1000, op: op('pf'), cpuOf: nodes.map((n, i) => ({ name: `n${i + 1}`, pid: n.proc.pid })) });
    windowTo = Date.now();
    const fs = await counting;
    const after = await camus.clusterCounters(bases);
    const ops = Math.max(1, p.ok);
    const status = await Promise.all(bases.map((b) => fetch(`${b}/cluster/status`).then((r) => r.json() as Promise<any>)));
    result.camus = {
      opsPerSec: p.opsPerSec,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
      errors: p.errors,
      errorSamples: p.errorSamples,
      cpuMsPerInsert: p.cpuMsPerOp,
      fsyncsPerInsert: fs.map((n) => (n === null ? null : +(n / ops).toFixed(3))),
      raftEntriesPerInsertByPartition: after.commitIndex.map((c, k) => +((c - before.commitIndex[k]!) / ops).toFixed(2)),
      messagesPerInsert: +((after.sent - before.sent) / ops).toFixed(2),
      socketWritesPerInsert: +((after.socketWrites - before.socketWrites) / ops).toFixed(2),
      leaders: after.leaders,
      ledByNode: status.map((s) => s.partitions.filter((q: any) => q.role === 'leader').map((q: any) => q.partition)),
    };
    log(`camus: ${p.opsPerSec} inserts/s p50 ${p.p50Ms} ms; CPU ms per insert ${JSON.stringify(p.cpuMsPerOp)}; fsyncs per insert by node ${result.camus.fsyncsPerInsert.join(' / ')}; raft entries per insert by partition ${result.camus.raftEntriesPerInsertByPartition.join(' / ')}; messages ${result.camus.messagesPerInsert}`);
  } finally {
    void nodes[profiled - 1]!.proc.exited.then(() => (exitMs = Date.now()));
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length) {
    const outDir = join(camus.ROOT, 'bench', 'profile-out');
    mkdirSync(outDir, { recursive: true });
    const kept = join(outDir, `node${profiled}-insert-c${concurrency}.cpuprofile`);
    renameSync(join(profDir, files[0]!), kept);
    result.cpuProfile = { file: kept, ...summarize(kept, windowFrom, windowTo, exitMs) };
    const s = result.cpuProfile;
    process.stdout.write(`node ${profiled} CPU in the measured window: busy ${s.busyPct}% of ${s.windowMs} ms (percentages below are of the window)\n`);
    process.stdout.write('self time by area:\n');
    for (const a of s.byArea) process.stdout.write(`  ${a.name.padEnd(40)} ${String(a.ms).padStart(7)} ms ${String(a.pctOfWindow).padStart(5)}%\n`);
    process.stdout.write('top functions (self):\n');
    for (const f of s.topFunctions) process.stdout.write(`  ${f.name.slice(0, 90).padEnd(90)} ${String(f.ms).padStart(7)} ms ${String(f.pctOfWindow).padStart(5)}%\n`);
  } else log('no .cpuprofile written (did the node exit cleanly?)');
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  await main();
} finally {
  await stopAll();
  closeClients();
}
