// The ordered scan: N rows (16-byte key, 100-byte value) read in key order,
// through CamusDB's engine in-process (a standalone ServerNode in this process:
// SQL parse, plan, MVCC read, row decode; no HTTP) against a raw LevelDB
// iteration (classic-level, the library under CamusDB's disk) of the same
// rows. Each side is timed REPEATS times and the fastest pass is kept.

import { ClassicLevel } from 'classic-level';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.js';
import { ServerNode } from '../../server/node.js';
import { seqKey, VALUE_100 } from './loadgen.js';

const REPEATS = 3;
const BATCH = 500;

export interface ScanResult {
  rows: number;
  via: string;
  camus: { loadSec: number; bestSec: number; rowsPerSec: number; passesSec: number[] };
  leveldb: { loadSec: number; bestSec: number; rowsPerSec: number; passesSec: number[] };
  ratio: number;
}

export async function scanBench(dir: string, rows: number, log: (s: string) => void): Promise<ScanResult> {
  // CamusDB: load through SQL in multi-row INSERTs, then SELECT ... ORDER BY the primary key.
  const cfg = loadConfig(['--data-dir', join(dir, 'camus'), '--http-host', '127.0.0.1', '--http-port', '1'], { });
  const sn = await ServerNode.start(cfg);
  let camus: ScanResult['camus'];
  try {
    await sn.databaseReady;
    const must = async (text: string) => {
      const o = await sn.sql('test', text);
      if (o.status !== 'ok') throw new Error(`${text.slice(0, 80)}: ${JSON.stringify(o)}`);
      return o;
    };
    await must('CREATE TABLE scan_t (id STRING PRIMARY KEY, v STRING NOT NULL)');
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < rows; i += BATCH) {
      const vals: string[] = [];
      for (let k = i; k < Math.min(rows, i + BATCH); k++) vals.push(`("${seqKey(k)}", "${VALUE_100}")`);
      pending.push(must(`INSERT INTO scan_t (id, v) VALUES ${vals.join(', ')}`));
      if (pending.length >= 4) await pending.shift();
    }
    await Promise.all(pending);
    const loadSec = (performance.now() - t0) / 1000;
    log(`scan: loaded ${rows} rows into CamusDB in ${loadSec.toFixed(1)} s`);
    const passesSec: number[] = [];
    for (let p = 0; p < REPEATS; p++) {
      const s0 = performance.now();
      const o = await must('SELECT id, v FROM scan_t ORDER BY id');
      const sec = (performance.now() - s0) / 1000;
      const got = o.status === 'ok' ? (o.result as { rows?: unknown[] }).rows?.length : -1;
      if (got !== rows) throw new Error(`scan returned ${got} rows, expected ${rows}`);
      passesSec.push(+sec.toFixed(4));
    }
    const bestSec = Math.min(...passesSec);
    camus = { loadSec: +loadSec.toFixed(2), bestSec, rowsPerSec: Math.round(rows / bestSec), passesSec };
  } finally {
    await sn.shutdown({ handOff: false });
  }

  // Raw LevelDB: the same keys and values, written in batches, iterated in order.
  const db = new ClassicLevel<string, string>(join(dir, 'leveldb'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  let leveldb: ScanResult['leveldb'];
  try {
    const t0 = performance.now();
    for (let i = 0; i < rows; i += BATCH) {
      const ops = [];
      for (let k = i; k < Math.min(rows, i + BATCH); k++) ops.push({ type: 'put' as const, key: seqKey(k), value: VALUE_100 });
      await db.batch(ops);
    }
    const loadSec = (performance.now() - t0) / 1000;
    const passesSec: number[] = [];
    for (let p = 0; p < REPEATS; p++) {
      const s0 = performance.now();
      let n = 0;
      let bytes = 0;
      for await (const [k, v] of db.iterator()) {
        n++;
        bytes += k.length + v.length;
      }
      const sec = (performance.now() - s0) / 1000;
      if (n !== rows || bytes === 0) throw new Error(`leveldb iterated ${n} rows, expected ${rows}`);
      passesSec.push(+sec.toFixed(4));
    }
    const bestSec = Math.min(...passesSec);
    leveldb = { loadSec: +loadSec.toFixed(2), bestSec, rowsPerSec: Math.round(rows / bestSec), passesSec };
  } finally {
    await db.close();
  }
  return {
    rows,
    via: 'engine in-process (standalone ServerNode, SQL SELECT id, v FROM t ORDER BY id; no HTTP) vs classic-level iterator',
    camus,
    leveldb,
    ratio: +(camus.rowsPerSec / leveldb.rowsPerSec).toFixed(3),
  };
}
