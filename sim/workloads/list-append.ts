import type { TxnView } from '../../core/txn/node.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';
import type { MicroOp, Txn } from '../checkers/elle.js';
import type { Rng } from '../rng.js';
import { Clients, txnCall, type ClientOptions, type ClientScript, type OpSource, type TxnClientWorld, type WritesSince, writesSince } from './clients.js';

export interface ListAppendOptions extends ClientOptions {
  keys: number;
  /** Micro-operations per transaction, at most. */
  opsMax: number;
}

export type Planned = { f: 'append'; key: string; value: number } | { f: 'r'; key: string };

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
  private readonly clients: Clients<Planned[], (number[] | null)[]>;

  constructor(
    world: TxnClientWorld,
    private readonly rng: Rng,
    private readonly opts: ListAppendOptions,
    source: OpSource<Planned[]> = { kind: 'draw' },
  ) {
    this.clients = new Clients(world, rng, opts, source, () => this.plan(), (client, planned, nowMs) => {
      const txn: Txn = {
        id: this.history.length + 1,
        process: client,
        invokeMs: nowMs,
        completeMs: nowMs,
        status: 'info',
        ops: planned.map((p): MicroOp => (p.f === 'r' ? { f: 'r', key: p.key, value: null } : { ...p })),
      };
      this.history.push(txn);
      return txnCall(world, (tx) => runPlan(tx, planned), (status, completeMs, reads) => {
        txn.status = status === 'ok' ? 'ok' : status === 'failed' ? 'fail' : 'info';
        txn.completeMs = completeMs;
        if (reads) txn.ops = planned.map((p, i): MicroOp => (p.f === 'r' ? { f: 'r', key: p.key, value: reads[i] ?? null } : { ...p }));
      });
    });
  }

  start(): void {
    this.clients.start();
  }

  recorded(): ClientScript<Planned[]>[] {
    return this.clients.recorded();
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

  counts(): { ok: number; failed: number; indeterminate: number } {
    const c = { ok: 0, failed: 0, indeterminate: 0 };
    for (const t of this.history) c[t.status === 'ok' ? 'ok' : t.status === 'fail' ? 'failed' : 'indeterminate']++;
    return c;
  }

  /** The transactions that append, invoked at or after `t`. */
  writesAfter(t: number): WritesSince {
    return writesSince(this.history, t, 'info', (x) => x.ops.some((o) => o.f === 'append'));
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
