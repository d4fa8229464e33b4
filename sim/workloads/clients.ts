import type { TxnOutcome, TxnView } from '../../core/txn/node.js';
import type { Rng } from '../rng.js';
import { Watchdog } from './watchdog.js';

/** What client loops need from the world. */
export interface ClientWorld {
  now(): number;
  at(at: number, fn: () => void): void;
  nodes: readonly number[];
  trace(kind: string, a?: number, b?: number, c?: number): void;
}

export interface ClientOptions {
  clients: number;
  stopAtMs: number;
  timeoutMs: number;
}

/** How a request ended, from the client's side: done, surely not done, or unknown. */
export type CallStatus = 'ok' | 'failed' | 'indeterminate';

/** One planned request: how to send it, and what to record once it ends. */
export interface PlannedCall<R> {
  /** Sends the request to `node`; calls `answer` with how it ended (at most once is used). */
  send(node: number, answer: (status: CallStatus, result?: R) => void): void;
  /** Called exactly once, or never if the run ends first; `result` is present when status is ok. */
  done(status: CallStatus, completeMs: number, result?: R): void;
}

/**
 * Clients that each run one request at a time against their home node, move
 * to another node after a failure or a timeout (as real clients do), and
 * wait a short think time between requests. Workloads supply the requests;
 * `plan` gets the client and the time the request is issued.
 */
export class Clients<R> {
  private home: number[] = [];
  private watchdogs: Watchdog[] = [];
  /** Failed or unknown requests in a row, per client: the backoff grows with them. */
  private failures: number[] = [];
  private issued = 0;

  constructor(
    private readonly world: ClientWorld,
    private readonly rng: Rng,
    private readonly opts: ClientOptions,
    private readonly plan: (client: number, nowMs: number) => PlannedCall<R>,
  ) {}

  start(): void {
    for (let c = 1; c <= this.opts.clients; c++) {
      this.home[c] = this.rng.pick(this.world.nodes);
      this.watchdogs[c] = new Watchdog((t, fn) => this.world.at(t, fn));
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(c));
    }
  }

  private issue(client: number): void {
    const now = this.world.now();
    if (now >= this.opts.stopAtMs) return;
    const call = this.plan(client, now);
    const id = ++this.issued;
    const node = this.home[client]!;
    let done = false;
    const finish = (status: CallStatus, result?: R) => {
      if (done) return;
      done = true;
      this.watchdogs[client]!.clear();
      call.done(status, this.world.now(), result);
      if (status !== 'ok') {
        const others = this.world.nodes.filter((n) => n !== node);
        if (others.length) this.home[client] = this.rng.pick(others);
      }
      // Back off exponentially (with jitter) after failures, as real clients do:
      // retrying at once into an overloaded or leaderless cluster only feeds the overload.
      const fails = (this.failures[client] = status === 'ok' ? 0 : (this.failures[client] ?? 0) + 1);
      const thinkMsMax = Math.min(1_000, 20 * 2 ** fails);
      this.world.trace('call-done', client, id, status === 'ok' ? 1 : status === 'failed' ? 2 : 3);
      this.world.at(this.world.now() + this.rng.range(0, thinkMsMax), () => this.issue(client));
    };
    this.world.trace('call', client, id, node);
    call.send(node, finish);
    this.watchdogs[client]!.watch(now + this.opts.timeoutMs, () => finish('indeterminate'));
  }
}

/** What transactional workloads need from the world. */
export interface TxnClientWorld extends ClientWorld {
  /** Runs a transaction program on a node; the outcome comes back after network latency, or never. */
  execute<T>(node: number, program: (tx: TxnView) => T, reply: (o: TxnOutcome<T>) => void): void;
}

/** A transaction as a client call: committed is ok, aborted or refused is failed, a timeout is unknown. */
export function txnCall<T>(world: TxnClientWorld, program: (tx: TxnView) => T, done: PlannedCall<T>['done']): PlannedCall<T> {
  return {
    send: (node, answer) =>
      world.execute(node, program, (o) => (o.status === 'committed' ? answer('ok', o.value) : answer(o.status === 'timeout' ? 'indeterminate' : 'failed'))),
    done,
  };
}
