// `node --import tsx bench/profile-standalone.ts [--op insert|select] [--duration S] [--concurrency C]`:
// one look inside the standalone statement path. Starts a standalone node
// under `node --cpu-prof`, runs autocommit single-row INSERTs (or PK SELECTs
// over preloaded rows) at concurrency C, stops it with SIGTERM (which writes
// the profile) and prints its self time by area and its top functions.
// bench/profile-out/ keeps the .cpuprofile.

import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as camus from './lib/camus.js';
import { closeClients } from './lib/http.js';
import { benchKey, closedLoop, seqKey, VALUE_100 } from './lib/loadgen.js';
import { formatProfile, summarizeProfile } from './lib/cpuprofile.js';
import { tempDir } from './lib/procs.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1]! : d;
};
const op = arg('op', 'insert');
const durationSec = Number(arg('duration', '8'));
const concurrency = Number(arg('concurrency', '64'));
if (!['insert', 'select'].includes(op) || !(durationSec > 0) || !(concurrency >= 1)) {
  process.stderr.write('usage: bench/profile-standalone.ts [--op insert|select] [--duration S] [--concurrency C]\n');
  process.exit(2);
}
const READ_ROWS = 2000;

const dir = tempDir('camus-prof-sa-');
const profDir = join(dir, 'prof');
mkdirSync(profDir);
let fromMs = 0;
let toMs = 0;
const node = await camus.startStandalone({ dir, portBase: 27400, nodeArgs: () => ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
try {
  await camus.createTable([node.base], 'CREATE TABLE kv (id STRING PRIMARY KEY, v STRING NOT NULL)', 'kv');
  const value = camus.str(VALUE_100);
  if (op === 'select') for (let i = 0; i < READ_ROWS; i++) await camus.nonQuery(node.base, 'INSERT INTO kv (id, v) VALUES (@id, @v)', { '@id': camus.str(seqKey(i)), '@v': value });
  // Twenty seconds of warmup: a fresh node still compiles hot code (on V8's
  // worker threads) ten seconds into the load (see bench/profile.ts, WARMUP_MS).
  fromMs = Date.now() + 20_000;
  const p = await closedLoop({
    concurrency,
    warmupMs: 20_000,
    durationMs: durationSec * 1000,
    cpuOf: [{ name: 'camus', pid: node.proc.pid }],
    op:
      op === 'insert'
        ? (w, seq) => camus.nonQuery(node.base, 'INSERT INTO kv (id, v) VALUES (@id, @v)', { '@id': camus.str(benchKey('p', w, seq)), '@v': value }).then(() => {})
        : async () => {
            await camus.sql(node.base, 'SELECT id, v FROM kv WHERE id = @id', { '@id': camus.str(seqKey(Math.floor(Math.random() * READ_ROWS))) });
          },
  });
  toMs = Date.now();
  process.stdout.write(`${op} c=${concurrency}: ${p.opsPerSec} ops/s, p50 ${p.p50Ms} ms, server CPU ${JSON.stringify(p.cpuMsPerOp)} ms per op\n`);
} finally {
  closeClients();
  await node.proc.stop();
}
// The profile ends when the node exits, a moment before this.
const exitMs = Date.now();
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('the node wrote no profile');
const out = join(import.meta.dirname, 'profile-out');
mkdirSync(out, { recursive: true });
const kept = join(out, `standalone-${op}-c${concurrency}.cpuprofile`);
renameSync(join(profDir, file), kept);
process.stdout.write(formatProfile('standalone node', summarizeProfile(kept, { fromMs, toMs, exitMs })));
