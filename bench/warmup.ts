// `npm run bench:warmup -- [--op insert|select] [--standalone] [--seconds N] [--concurrency C]`:
// how long a freshly started CamusDB takes to reach its steady state. Starts a
// 3-node cluster (or a standalone node), preloads 2,000 rows for the SELECTs,
// then runs the operation at concurrency C (default 64) in back-to-back
// 1-second points from the first request on, and prints each second's
// throughput and server CPU per operation, then one JSON line. This is the
// measurement behind bench/run.ts's 10 s warmup per point (see its header).

import * as camus from './lib/camus.js';
import { closeClients } from './lib/http.js';
import { closedLoop, parallel, seqKey, VALUE_100 } from './lib/loadgen.js';
import { stopAll, tempDir } from './lib/procs.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1]! : d;
};
const op = arg('op', 'select');
const seconds = Number(arg('seconds', '15'));
const concurrency = Number(arg('concurrency', '64'));
const standalone = args.includes('--standalone');
if (!['insert', 'select'].includes(op) || !(seconds >= 1) || !(concurrency >= 1)) {
  process.stderr.write('usage: npm run bench:warmup -- [--op insert|select] [--standalone] [--seconds N] [--concurrency C]\n');
  process.exit(2);
}
const PRELOAD_ROWS = 2000;

async function main() {
  const dir = tempDir('camus-warmup-');
  const nodes = standalone ? [await camus.startStandalone({ dir, portBase: 27_700 })] : await camus.startCluster({ dir, portBase: 27_700 });
  const bases = nodes.map((n) => n.base);
  const cpuOf = nodes.map((n, i) => ({ name: standalone ? 'camus' : `n${i + 1}`, pid: n.proc.pid }));
  const value = camus.str(VALUE_100);
  await camus.createTable(bases, 'CREATE TABLE kv (id STRING PRIMARY KEY, v STRING NOT NULL)', 'kv');
  const insert = (id: string, w: number) => camus.nonQuery(bases[w % bases.length]!, 'INSERT INTO kv (id, v) VALUES (@id, @v)', { '@id': camus.str(id), '@v': value }).then(() => {});
  if (op === 'select') await parallel(Array.from({ length: PRELOAD_ROWS }, (_, i) => i), 16, (i) => insert(seqKey(i), i));
  // Keys of the timed INSERTs start past the preloaded range and never repeat across points.
  let next = PRELOAD_ROWS;
  const run = async (w: number) => {
    if (op === 'insert') return insert(seqKey(next++), w);
    const out = await camus.sql(bases[w % bases.length]!, 'SELECT id, v FROM kv WHERE id = @id', { '@id': camus.str(seqKey(Math.floor(Math.random() * PRELOAD_ROWS))) });
    if (!out.startsWith('{"status":"ok","total":1,')) throw new Error(`PK SELECT: ${out.slice(0, 120)}`);
  };
  const points = [];
  for (let s = 1; s <= seconds; s++) {
    const p = await closedLoop({ concurrency, warmupMs: 0, durationMs: 1000, op: run, cpuOf });
    const server = +Object.entries(p.cpuMsPerOp ?? {})
      .filter(([k]) => k !== 'loadgen')
      .reduce((a, [, v]) => a + v, 0)
      .toFixed(3);
    points.push({ second: s, opsPerSec: p.opsPerSec, p50Ms: p.p50Ms, errors: p.errors, serverCpuMsPerOp: server, loadgenCpuMsPerOp: p.cpuMsPerOp?.loadgen });
    process.stdout.write(`second ${String(s).padStart(2)}: ${String(p.opsPerSec).padStart(6)} ops/s  p50 ${p.p50Ms.toFixed(1).padStart(6)} ms  server CPU ${server.toFixed(3)} ms/op${p.errors ? `  ${p.errors} errors: ${p.errorSamples[0]}` : ''}\n`);
  }
  process.stdout.write(`${JSON.stringify({ bench: 'warmup', op, concurrency, topology: standalone ? 'standalone' : '3 nodes', points })}\n`);
}

try {
  await main();
} finally {
  await stopAll();
  closeClients();
}
