import type { KvReply, KvRequest } from '../../core/kv/types.js';
import type { HistoryOp, KvOp, KvResult } from '../checkers/linearizability.js';
import type { Rng } from '../rng.js';
import { Clients, type ClientOptions, type ClientScript, type ClientWorld, type OpSource, type PlannedCall, type WritesSince, writesSince } from './clients.js';

/** What the register workload needs from the world. */
export interface RegisterWorld extends ClientWorld {
  /** Sends a request to a node; the reply (if any) comes back after network latency. */
  request(node: number, req: KvRequest, reply: (r: KvReply) => void): void;
}

export interface RegisterOptions extends ClientOptions {
  keys: number;
}

/**
 * Clients that each run one operation at a time (get, put, compare-and-set,
 * delete) against their home node, recording a history for the linearizability
 * checker. Every written value is unique, so a read names the write it saw.
 */
export class RegisterWorkload {
  readonly history: HistoryOp[] = [];
  /** Per client: the last value it saw or wrote per key, for realistic cas. */
  private seen: Map<string, string | null>[] = [];
  private seqs: number[] = [];
  private readonly clients: Clients<KvOp, KvResult>;

  constructor(
    private readonly world: RegisterWorld,
    private readonly rng: Rng,
    private readonly opts: RegisterOptions,
    source: OpSource<KvOp> = { kind: 'draw' },
  ) {
    this.clients = new Clients(
      world,
      rng,
      opts,
      source,
      (client) => this.genOp(client, (this.seqs[client] ?? 0) + 1),
      (client, op, nowMs) => this.plan(client, op, nowMs),
    );
  }

  start(): void {
    this.clients.start();
  }

  recorded(): ClientScript<KvOp>[] {
    return this.clients.recorded();
  }

  private genOp(client: number, seq: number): KvOp {
    this.seen[client] ??= new Map();
    const key = `k${this.rng.int(1, this.opts.keys)}`;
    const value = `c${client}.${seq}`;
    const r = this.rng.next();
    if (r < 0.4) return { f: 'get', key };
    if (r < 0.7) return { f: 'put', key, value };
    if (r < 0.9) {
      const last = this.seen[client]!.get(key);
      const expected = last !== undefined && this.rng.chance(0.8) ? last : null;
      return { f: 'cas', key, expected, value };
    }
    return { f: 'delete', key };
  }

  /** A request for `op`; the sequence number (the node's dedup key) counts the client's requests, drawn or replayed. */
  private plan(client: number, op: KvOp, nowMs: number): PlannedCall<KvResult> {
    const seen = (this.seen[client] ??= new Map());
    const seq = (this.seqs[client] = (this.seqs[client] ?? 0) + 1);
    const h: HistoryOp = { id: this.history.length, client, op, invokeMs: nowMs, status: 'indeterminate', completeMs: nowMs };
    this.history.push(h);
    return {
      send: (node, answer) =>
        this.world.request(node, { client, seq, op }, (r) => (r.status === 'ok' ? answer('ok', r.result) : answer(r.status === 'failed' ? 'failed' : 'indeterminate'))),
      done: (status, completeMs, result) => {
        h.status = status;
        h.completeMs = completeMs;
        if (!result) return;
        h.result = result;
        if (result.f === 'get') seen.set(op.key, result.value);
        else if (op.f === 'put' || (op.f === 'cas' && result.f === 'cas' && result.ok)) seen.set(op.key, op.value);
        else if (op.f === 'delete') seen.set(op.key, null);
      },
    };
  }

  counts(): { ok: number; failed: number; indeterminate: number } {
    const c = { ok: 0, failed: 0, indeterminate: 0 };
    for (const h of this.history) c[h.status]++;
    return c;
  }

  /** The writes (every op but get) invoked at or after `t`. */
  writesAfter(t: number): WritesSince {
    return writesSince(this.history, t, 'indeterminate', (h) => h.op.f !== 'get');
  }
}
