import type { TxnView } from '../../core/txn/node.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';
import type { BankRead } from '../checkers/bank.js';
import type { Rng } from '../rng.js';
import { Clients, txnCall, type CallStatus, type ClientOptions, type ClientScript, type OpSource, type PlannedCall, type TxnClientWorld, type WritesSince, writesSince } from './clients.js';

export type BankOp = { f: 'transfer'; from: string; to: string; amount: number } | { f: 'audit'; byScan: boolean };

export interface BankOptions extends ClientOptions {
  accounts: number;
  /** Every account starts with this balance; an account never written holds it. */
  initialBalance: number;
}

/**
 * The bank workload: transfers move money between two accounts (never
 * overdrawing), and audits read every account in one transaction. Transfers
 * conserve the total, so every committed audit must see exactly the initial
 * total, with no negative balance: any other sum is a read of a state that
 * never existed (a torn or non-serializable read).
 */
export class BankWorkload {
  readonly audits: BankRead[] = [];
  private transfers: { status: CallStatus; invokeMs: number; completeMs: number }[] = [];
  private counted = { ok: 0, failed: 0, indeterminate: 0 };
  readonly accountNames: string[];
  private readonly clients: Clients<BankOp, Record<string, number> | null>;

  constructor(
    private readonly world: TxnClientWorld,
    private readonly rng: Rng,
    private readonly opts: BankOptions,
    source: OpSource<BankOp> = { kind: 'draw' },
  ) {
    this.accountNames = Array.from({ length: opts.accounts }, (_, i) => `acct${i + 1}`);
    this.clients = new Clients(world, rng, opts, source, () => this.draw(), (_client, op, nowMs) => (op.f === 'audit' ? this.audit(op.byScan, nowMs) : this.transfer(op, nowMs)));
  }

  start(): void {
    this.clients.start();
  }

  recorded(): ClientScript<BankOp>[] {
    return this.clients.recorded();
  }

  /** The next operation; the order of draws is part of every seed's trace hash. */
  private draw(): BankOp {
    if (this.rng.chance(0.3)) return { f: 'audit', byScan: this.rng.chance(0.5) };
    const from = this.rng.pick(this.accountNames);
    const to = this.rng.pick(this.accountNames.filter((a) => a !== from));
    return { f: 'transfer', from, to, amount: this.rng.int(1, 20) };
  }

  get total(): number {
    return this.opts.accounts * this.opts.initialBalance;
  }

  private balance(tx: TxnView, account: string): number {
    const v = tx.get(account);
    return v === null ? this.opts.initialBalance : Number(utf8Decode(v));
  }

  private transfer({ from, to, amount }: { from: string; to: string; amount: number }, invokeMs: number): PlannedCall<Record<string, number> | null> {
    const program = (tx: TxnView) => {
      const a = this.balance(tx, from);
      const b = this.balance(tx, to);
      if (a < amount) return null;
      tx.put(from, utf8Encode(String(a - amount)));
      tx.put(to, utf8Encode(String(b + amount)));
      return null;
    };
    return txnCall(this.world, program, (status, completeMs) => {
      this.count(status);
      this.transfers.push({ status, invokeMs, completeMs });
    });
  }

  /** Half the audits read each account, half scan them all in one range read (over every partition), which commit validates for phantoms too. */
  private audit(byScan: boolean, invokeMs: number): PlannedCall<Record<string, number> | null> {
    const id = this.audits.length + this.transfers.length + 1;
    const program = (tx: TxnView) => {
      if (!byScan) return Object.fromEntries(this.accountNames.map((a) => [a, this.balance(tx, a)]));
      const rows = new Map(tx.scan('acct', 'acct\u0100').map((r) => [r.key, Number(utf8Decode(r.value))]));
      return Object.fromEntries(this.accountNames.map((a) => [a, rows.get(a) ?? this.opts.initialBalance]));
    };
    return txnCall(this.world, program, (status, completeMs, balances) => {
      this.count(status);
      if (status === 'ok' && balances) this.audits.push({ txnId: id, balances, invokeMs, completeMs });
    });
  }

  private count(status: CallStatus): void {
    this.counted[status]++;
  }

  counts(): { ok: number; failed: number; indeterminate: number } {
    return { ...this.counted };
  }

  /** The transfers invoked at or after `t`. */
  writesAfter(t: number): WritesSince {
    return writesSince(this.transfers, t, 'indeterminate');
  }
}
