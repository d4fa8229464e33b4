import type { TxnOutcome, TxnView } from '../../core/txn/node.js';
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

export interface TxnClientOptions {
  clients: number;
  stopAtMs: number;
  timeoutMs: number;
}

/** How a transaction ended, from the client's side: ok committed, fail did not, info unknown. */
export type TxnStatus = 'ok' | 'fail' | 'info';

/** One planned transaction: the program to run, and what to record once it ends. */
export interface PlannedTxn<T> {
  program: (tx: TxnView) => T;
  /** Called exactly once; `value` is the program's result when the transaction committed. */
  done(status: TxnStatus, invokeMs: number, completeMs: number, value?: T): void;
}

/**
 * Clients that each run one transaction at a time against their home node,
 * move to another node after a failure or a timeout, and record how each
 * transaction ended. Workloads supply the transactions.
 */
export class TxnClients<T> {
  private home: number[] = [];
  private watchdogs: Watchdog[] = [];
  private issued = 0;

  constructor(
    private readonly world: TxnClientWorld,
    private readonly rng: Rng,
    private readonly opts: TxnClientOptions,
    private readonly plan: (client: number) => PlannedTxn<T>,
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
    const txn = this.plan(client);
    const id = ++this.issued;
    const node = this.home[client]!;
    let done = false;
    const finish = (status: TxnStatus, value?: T) => {
      if (done) return;
      done = true;
      this.watchdogs[client]!.clear();
      txn.done(status, now, this.world.now(), value);
      if (status !== 'ok') {
        const others = this.world.nodes.filter((n) => n !== node);
        if (others.length) this.home[client] = this.rng.pick(others);
      }
      this.world.trace('txn-done', client, id, status === 'ok' ? 1 : status === 'fail' ? 2 : 3);
      this.world.at(this.world.now() + this.rng.range(0, 20), () => this.issue(client));
    };
    this.world.trace('txn-invoke', client, id, node);
    this.world.execute(node, txn.program, (o) => {
      if (o.status === 'committed') finish('ok', o.value);
      else if (o.status === 'timeout') finish('info');
      else finish('fail');
    });
    this.watchdogs[client]!.watch(now + this.opts.timeoutMs, () => finish('info'));
  }
}
