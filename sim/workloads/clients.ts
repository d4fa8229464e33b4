import type { TxnOutcome, TxnView } from '../../core/txn/node.js';
import type { Rng } from '../rng.js';
import { Watchdog } from './watchdog.js';

/** What client loops need from the world. */
export interface ClientWorld {
  now(): number;
  at(at: number, fn: () => void): void;
  nodes: readonly number[];
  trace(kind: string, a?: number, b?: number, c?: number): void;
  observer?: ClientObserver;
}

export interface ClientOptions {
  clients: number;
  stopAtMs: number;
  timeoutMs: number;
}

/** How a request ended, from the client's side: done, surely not done, or unknown. */
export type CallStatus = 'ok' | 'failed' | 'indeterminate';

/**
 * The writes invoked at or after some time: whether there were any, the
 * earliest completion of one that succeeded, and the earliest of one that was
 * answered (succeeded or definitely failed); Infinity when none did.
 */
export interface WritesSince {
  invoked: boolean;
  atMs: number;
  answeredAtMs: number;
}

/**
 * WritesSince over the calls of a history that `isWrite` picks. A call's
 * status 'ok' is a success; `unknown` is the history's name for a call that
 * got no answer (every other status is a definite failure).
 */
export function writesSince<T extends { readonly invokeMs: number; readonly completeMs: number; readonly status: string }>(
  history: Iterable<T>,
  t: number,
  unknown: T['status'],
  isWrite: (x: T) => boolean = () => true,
): WritesSince {
  let okMs = Infinity;
  let answeredMs = Infinity;
  let invoked = false;
  for (const x of history) {
    if (x.invokeMs < t || !isWrite(x)) continue;
    invoked = true;
    if (x.status === 'ok') okMs = Math.min(okMs, x.completeMs);
    if (x.status !== unknown) answeredMs = Math.min(answeredMs, x.completeMs);
  }
  return { invoked, atMs: okMs, answeredAtMs: answeredMs };
}

/** One planned request: how to send it, and what to record once it ends. */
export interface PlannedCall<R> {
  /** Sends the request to `node`; calls `answer` with how it ended (at most once is used). */
  send(node: number, answer: (status: CallStatus, result?: R) => void): void;
  /** Called exactly once, or never if the run ends first; `result` is present when status is ok. */
  done(status: CallStatus, completeMs: number, result?: R): void;
}

/** One request a client sent: the pause before it, the node it went to, the operation, and (informational) when it was sent. */
export interface ClientStep<Op = unknown> {
  delayMs: number;
  node: number;
  op: Op;
  atMs: number;
}

/**
 * One client's requests, in order. `tailMs` is the pause after the last one,
 * before the client found it had nothing more to do (null if it never did):
 * kept so a replay has the same events as the run it was recorded from.
 */
export interface ClientScript<Op = unknown> {
  steps: ClientStep<Op>[];
  tailMs: number | null;
}

/** Where clients' requests come from: drawn from the workload stream as they go, or replayed from scripts. */
export type OpSource<Op> = { kind: 'draw' } | { kind: 'replay'; clients: readonly ClientScript<Op>[] };

/** Sees every request as it starts and ends (the timeline); must not change anything. */
export interface ClientObserver {
  invoke(client: number, id: number, node: number, op: unknown, atMs: number): void;
  complete(client: number, id: number, status: CallStatus, result: unknown, atMs: number): void;
}

/**
 * Clients that each run one request at a time against their home node, move
 * to another node after a failure or a timeout (as real clients do), and
 * wait a short think time between requests. Workloads supply the requests:
 * `draw` makes the operation a client sends next, `call` turns an operation
 * into a request. In replay, operations, nodes and pauses come from the
 * scripts and nothing is drawn. Either way, what was sent is recorded.
 */
export class Clients<Op, R> {
  private home: number[] = [];
  private watchdogs: Watchdog[] = [];
  /** Failed or unknown requests in a row, per client: the backoff grows with them. */
  private failures: number[] = [];
  private issued = 0;
  /** Per client: the next script step (replay), and the pause drawn or taken before the next request. */
  private cursor: number[] = [];
  private pending: (number | null)[] = [];
  private readonly record: ClientScript<Op>[] = [];

  constructor(
    private readonly world: ClientWorld,
    private readonly rng: Rng,
    private readonly opts: ClientOptions,
    private readonly source: OpSource<Op>,
    private readonly draw: (client: number) => Op,
    private readonly call: (client: number, op: Op, nowMs: number) => PlannedCall<R>,
  ) {}

  /** What each client sent, as scripts a replay can take. */
  recorded(): ClientScript<Op>[] {
    return this.record.map((r, i) => ({ steps: r.steps, tailMs: this.pending[i + 1] ?? null }));
  }

  start(): void {
    const n = this.source.kind === 'draw' ? this.opts.clients : this.source.clients.length;
    for (let c = 1; c <= n; c++) {
      this.record.push({ steps: [], tailMs: null });
      this.cursor[c] = 0;
      this.watchdogs[c] = new Watchdog((t, fn) => this.world.at(t, fn));
      let delay: number | null;
      if (this.source.kind === 'draw') {
        this.home[c] = this.rng.pick(this.world.nodes);
        delay = this.rng.range(0, 20);
      } else delay = this.nextPause(c);
      this.pending[c] = delay;
      if (delay !== null) this.world.at(this.world.now() + delay, () => this.issue(c));
    }
  }

  /** Replay: the pause before the client's next scripted step, or its tail pause when none is left. */
  private nextPause(client: number): number | null {
    if (this.source.kind !== 'replay') return null;
    const script = this.source.clients[client - 1]!;
    return script.steps[this.cursor[client]!]?.delayMs ?? script.tailMs;
  }

  private issue(client: number): void {
    const now = this.world.now();
    if (now >= this.opts.stopAtMs) return;
    let node: number;
    let op: Op;
    if (this.source.kind === 'draw') {
      node = this.home[client]!;
      op = this.draw(client);
    } else {
      const step = this.source.clients[client - 1]!.steps[this.cursor[client]!];
      if (!step) return;
      this.cursor[client]!++;
      node = step.node;
      op = step.op;
    }
    this.record[client - 1]!.steps.push({ delayMs: this.pending[client]!, node, op, atMs: now });
    this.pending[client] = null;
    const call = this.call(client, op, now);
    const id = ++this.issued;
    let done = false;
    const finish = (status: CallStatus, result?: R) => {
      if (done) return;
      done = true;
      this.watchdogs[client]!.clear();
      call.done(status, this.world.now(), result);
      this.world.observer?.complete(client, id, status, result, this.world.now());
      if (status !== 'ok' && this.source.kind === 'draw') {
        const others = this.world.nodes.filter((n) => n !== node);
        if (others.length) this.home[client] = this.rng.pick(others);
      }
      // Back off exponentially (with jitter) after failures, as real clients do:
      // retrying at once into an overloaded or leaderless cluster only feeds the overload.
      const fails = (this.failures[client] = status === 'ok' ? 0 : (this.failures[client] ?? 0) + 1);
      const thinkMsMax = Math.min(1_000, 20 * 2 ** fails);
      this.world.trace('call-done', client, id, status === 'ok' ? 1 : status === 'failed' ? 2 : 3);
      const pause = this.source.kind === 'draw' ? this.rng.range(0, thinkMsMax) : this.nextPause(client);
      this.pending[client] = pause;
      if (pause !== null) this.world.at(this.world.now() + pause, () => this.issue(client));
    };
    this.world.trace('call', client, id, node);
    this.world.observer?.invoke(client, id, node, op, now);
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
