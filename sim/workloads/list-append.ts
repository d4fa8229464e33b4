import type { TxnOutcome, TxnView } from '../../core/txn/node.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';
import type { MicroOp, Txn } from '../checkers/elle.js';
import type { Rng } from '../rng.js';
import { Watchdog } from './watchdog.js';

/** What a transactional workload needs from the world. */
export interface TxnClientWorld {
  now(): number;
  at(at: number, fn: () => void): void;
  /** Runs a transaction program on a node; the outcome comes back after network latency, or never. */
  execute<T>(node: number, program: (tx: TxnView) => T, reply: (o: TxnOutcome<T>) => void): void;
  nodes: readonly number[];
  trace(kind: string, a?: number, b?: number, c?: number): void;
}

export interface ListAppendOptions {
  clients: number;
  keys: number;
  /** Micro-operations per transaction, at most. */
  opsMax: number;
  stopAtMs: number;
  timeoutMs: number;
}

type Planned = { f: 'append'; key: string; value: number } | { f: 'r'; key: string };

/**
 * Elle's list-append workload: each key holds a list of integers; a
 * transaction appends unique values to some keys and reads others whole.
 * Appends are read-modify-writes of the list, so every transaction's reads
 * and writes meet on few keys and conflicts are frequent. The history goes to
 * the Elle-style checker, which infers the dependency graph from the values.
 */
export class ListAppendWorkload {
  readonly history: Txn[] = [];
  private nextValue = new Map<string, number>();
  private home: number[] = [];
  private watchdogs: Watchdog[] = [];

  constructor(
    private readonly world: TxnClientWorld,
    private readonly rng: Rng,
    private readonly opts: ListAppendOptions,
  ) {}

  start(): void {
    for (let c = 1; c <= this.opts.clients; c++) {
      this.home[c] = this.rng.pick(this.world.nodes);
      this.watchdogs[c] = new Watchdog((t, fn) => this.world.at(t, fn));
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(c));
    }
  }

  private plan(): Planned[] {
    const n = this.rng.int(1, this.opts.opsMax);
    const ops: Planned[] = [];
    for (let i = 0; i < n; i++) {
      const key = `x${this.rng.int(1, this.opts.keys)}`;
      if (this.rng.chance(0.5)) ops.push({ f: 'r', key });
      else {
        const value = (this.nextValue.get(key) ?? 0) + 1;
        this.nextValue.set(key, value);
        ops.push({ f: 'append', key, value });
      }
    }
    return ops;
  }

  private issue(client: number): void {
    const now = this.world.now();
    if (now >= this.opts.stopAtMs) return;
    const planned = this.plan();
    const txn: Txn = {
      id: this.history.length + 1,
      process: client,
      invokeMs: now,
      completeMs: now,
      status: 'info',
      ops: planned.map((p): MicroOp => (p.f === 'r' ? { f: 'r', key: p.key, value: null } : { ...p })),
    };
    this.history.push(txn);
    const node = this.home[client]!;
    let done = false;
    const finish = (status: Txn['status'], reads?: (number[] | null)[]) => {
      if (done) return;
      done = true;
      this.watchdogs[client]!.clear();
      txn.status = status;
      txn.completeMs = this.world.now();
      if (reads) txn.ops = planned.map((p, i): MicroOp => (p.f === 'r' ? { f: 'r', key: p.key, value: reads[i] ?? null } : { ...p }));
      if (status !== 'ok') {
        // Move to another node, if there is one.
        const others = this.world.nodes.filter((n) => n !== node);
        if (others.length) this.home[client] = this.rng.pick(others);
      }
      this.world.trace('txn-done', client, txn.id, status === 'ok' ? 1 : status === 'fail' ? 2 : 3);
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(client));
    };
    this.world.trace('txn-invoke', client, txn.id, node);
    this.world.execute(node, (tx) => runPlan(tx, planned), (o) => {
      if (o.status === 'committed') finish('ok', o.value);
      else if (o.status === 'timeout') finish('info');
      else finish('fail');
    });
    this.watchdogs[client]!.watch(now + this.opts.timeoutMs, () => finish('info'));
  }

  counts(): { ok: number; failed: number; indeterminate: number } {
    const c = { ok: 0, failed: 0, indeterminate: 0 };
    for (const t of this.history) c[t.status === 'ok' ? 'ok' : t.status === 'fail' ? 'failed' : 'indeterminate']++;
    return c;
  }

  /** True when some transaction that writes, invoked at or after `t`, committed. */
  writeSucceededSince(t: number): { ok: boolean; atMs: number } {
    let best = Infinity;
    for (const x of this.history) if (x.status === 'ok' && x.invokeMs >= t && x.ops.some((o) => o.f === 'append')) best = Math.min(best, x.completeMs);
    return { ok: best < Infinity, atMs: best };
  }
}

/** The transaction program: executes the plan against the snapshot view; returns what each read saw. */
function runPlan(tx: TxnView, planned: readonly Planned[]): (number[] | null)[] {
  return planned.map((p) => {
    const cur = decodeList(tx.get(p.key));
    if (p.f === 'r') return cur;
    tx.put(p.key, encodeList([...(cur ?? []), p.value]));
    return null;
  });
}

function encodeList(xs: number[]): Uint8Array {
  return utf8Encode(xs.join(','));
}

function decodeList(v: Uint8Array | null): number[] | null {
  if (v === null) return null;
  const s = utf8Decode(v);
  return s === '' ? [] : s.split(',').map(Number);
}
