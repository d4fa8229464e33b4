import type { KvReply, KvRequest } from '../../core/kv/types.js';
import type { HistoryOp, KvOp, KvResult } from '../checkers/linearizability.js';
import type { Rng } from '../rng.js';
import { Watchdog } from './watchdog.js';

/** What a workload needs from the world. */
export interface ClientWorld {
  now(): number;
  /** Runs fn at simulated time `at` (client-side; clients never crash). */
  at(at: number, fn: () => void): void;
  /** Sends a request to a node; the reply (if any) comes back through `reply` after network latency. */
  request(node: number, req: KvRequest, reply: (r: KvReply) => void): void;
  nodes: readonly number[];
  trace(kind: string, a?: number, b?: number, c?: number): void;
}

export interface RegisterOptions {
  clients: number;
  keys: number;
  /** Clients stop issuing new operations at this simulated time. */
  stopAtMs: number;
  /** A client abandons an operation after this long and records it indeterminate. */
  timeoutMs: number;
}

/**
 * Clients that each run one operation at a time (get, put, compare-and-set,
 * delete) against a random node, recording a history for the linearizability
 * checker. Every written value is unique, so a read names the write it saw.
 */
export class RegisterWorkload {
  readonly history: HistoryOp[] = [];
  private nextId = 0;
  /** Per client: the last value it saw or wrote per key, for realistic cas. */
  private seen: Map<string, string | null>[] = [];
  /** Per client: the node it talks to; it moves to another after a failure or timeout, as real clients do. */
  private home: number[] = [];
  private watchdogs: Watchdog[] = [];

  constructor(
    private readonly world: ClientWorld,
    private readonly rng: Rng,
    private readonly opts: RegisterOptions,
  ) {}

  start(): void {
    for (let c = 1; c <= this.opts.clients; c++) {
      this.seen[c] = new Map();
      this.home[c] = this.rng.pick(this.world.nodes);
      this.watchdogs[c] = new Watchdog((t, fn) => this.world.at(t, fn));
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(c, 1));
    }
  }

  private genOp(client: number, seq: number): KvOp {
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

  private issue(client: number, seq: number): void {
    const now = this.world.now();
    if (now >= this.opts.stopAtMs) return;
    const op = this.genOp(client, seq);
    const h: HistoryOp = { id: this.nextId++, client, op, invokeMs: now, status: 'indeterminate', completeMs: now };
    this.history.push(h);
    const node = this.home[client]!;
    let done = false;
    const finish = (status: HistoryOp['status'], result?: KvResult) => {
      if (done) return;
      done = true;
      this.watchdogs[client]!.clear();
      h.status = status;
      h.completeMs = this.world.now();
      if (result) {
        h.result = result;
        if (result.f === 'get') this.seen[client]!.set(op.key, result.value);
        else if (op.f === 'put' || (op.f === 'cas' && result.f === 'cas' && result.ok)) this.seen[client]!.set(op.key, op.value);
        else if (op.f === 'delete') this.seen[client]!.set(op.key, null);
      }
      if (status !== 'ok') {
        // Move to another node, if there is one.
        const others = this.world.nodes.filter((n) => n !== node);
        if (others.length) this.home[client] = this.rng.pick(others);
      }
      this.world.trace('op-done', client, seq, status === 'ok' ? 1 : status === 'failed' ? 2 : 3);
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(client, seq + 1));
    };
    this.world.trace('op-invoke', client, seq, node);
    this.world.request(node, { client, seq, op }, (r) => {
      if (r.status === 'ok') finish('ok', r.result);
      else if (r.status === 'failed') finish('failed');
      else finish('indeterminate');
    });
    this.watchdogs[client]!.watch(now + this.opts.timeoutMs, () => finish('indeterminate'));
  }

  counts(): { ok: number; failed: number; indeterminate: number } {
    const c = { ok: 0, failed: 0, indeterminate: 0 };
    for (const h of this.history) c[h.status]++;
    return c;
  }

  /** True when some write invoked at or after `t` completed ok. */
  writeSucceededSince(t: number): { ok: boolean; atMs: number } {
    let best = Infinity;
    for (const h of this.history) if (h.op.f !== 'get' && h.status === 'ok' && h.invokeMs >= t) best = Math.min(best, h.completeMs);
    return { ok: best < Infinity, atMs: best };
  }
}
