import { assert, assertNever } from '../assert.js';
import type { ReplicatedStateMachine } from '../cluster/replica.js';
import type { StateRecord } from '../mvcc/materialize.js';
import { compareTs, readTimestamp, tsMax, writeTimestamp, ZERO_TS, type Timestamp } from '../hlc.js';
import { MvccStore } from '../mvcc/store.js';
import type { CommitResult, Decision, ResolveOutcome, TxnWrites, ValidateResult } from '../mvcc/types.js';
import { Hasher } from '../util/hash.js';
import { Reader, Writer } from '../util/codec.js';
import { decodePartitionCommand, readDecision, requestIdOf, writeDecision } from './commands.js';

/** Where a transaction record lives among the partition's materialized records. */
const RECORD_PREFIX = 'r/';

function writeRecord(w: Writer, r: TxnRecord): void {
  writeTimestamp(w, r.snapshotTs);
  writeDecision(w, r.decision);
  w.uvar(r.participants.length);
  for (const g of r.participants) w.uvar(g);
  w.u8(r.forgotten ? 1 : 0);
}

function readRecord(r: Reader): TxnRecord {
  const snapshotTs = readTimestamp(r);
  const decision = readDecision(r);
  const participants: number[] = [];
  for (let k = r.uvar(); k > 0; k--) participants.push(r.uvar());
  return { snapshotTs, decision, participants, forgotten: r.u8() === 1 };
}

/** A transaction record: the 2PC decision, kept by the partition owning the transaction's record key. */
export interface TxnRecord {
  readonly snapshotTs: Timestamp;
  readonly decision: Decision;
  readonly participants: readonly number[];
  /** Every participant has resolved; the record goes once the GC floor passes snapshotTs. */
  forgotten: boolean;
}

/** What a decide command answers: the decision in force, or null when the record is gone and its outcome unknown. */
export interface DecideResult {
  readonly decision: Decision | null;
}

/** What apply answers, by command type. */
export type PartitionResult = CommitResult | ValidateResult | DecideResult | ResolveOutcome | null;

/** Where a prepared transaction's outcome can be found, as the store keeps it (Intent.recordKey). */
export interface TxnLocator {
  readonly participants: readonly number[];
  readonly recordKey: string;
}

export function encodeLocator(l: TxnLocator): string {
  return `${l.participants.join(',')}|${l.recordKey}`;
}

export function decodeLocator(s: string): TxnLocator {
  const bar = s.indexOf('|');
  return { participants: s.slice(0, bar).split(',').map(Number), recordKey: s.slice(bar + 1) };
}

/**
 * One partition's replicated state: its multi-version store and the records
 * of transactions whose record key it owns. Validation runs inside apply, in
 * log order, so every replica reaches the same verdict, and commit timestamp
 * order is a serial order of the committed transactions (see core/mvcc).
 *
 * A record is never dropped while a participant may still ask for it: only
 * after `forget` (all participants resolved) and once the GC floor has passed
 * the transaction's snapshot, after which no prepare of it can succeed anywhere
 * (it would be refused as snapshot-too-old).
 */
export class PartitionStateMachine implements ReplicatedStateMachine {
  /** Every command begins with its type's tag (0-5; see commands.ts), never with BATCH_TAG. */
  readonly batchable = true;
  store = new MvccStore();
  records = new Map<string, TxnRecord>();
  /**
   * The newest commit timestamp this state holds. It only steers where new
   * snapshots are taken, never what apply decides, so it is not part of the
   * replicated image; but it must cover every commit here, or a node whose
   * clock is behind takes snapshots below them, and its transactions read
   * stale versions and fail validation on every retry. Kept up to date by
   * apply, and recomputed from the state after a load or a snapshot install.
   */
  maxCommitTs: Timestamp = ZERO_TS;
  /** Record ids changed since the last drainChanges(), or null while not materialized. */
  private recordChanges: Set<string> | null = null;

  apply(command: Uint8Array): { requestId: string; result: PartitionResult } {
    const c = decodePartitionCommand(command);
    const requestId = requestIdOf(c);
    switch (c.type) {
      case 'commit': {
        const result = this.commit(c.txn, c.proposedTs);
        if (result.ok) this.maxCommitTs = tsMax(this.maxCommitTs, result.commitTs);
        return { requestId, result };
      }
      case 'prepare':
        return { requestId, result: this.prepare(c.txn, encodeLocator(c)) };
      case 'decide':
        return { requestId, result: this.decide(c.txnId, c.snapshotTs, c.decision, c.participants) };
      case 'resolve': {
        const result = this.store.resolve(c.txnId, c.decision);
        if (result === 'committed' && c.decision !== 'abort') this.maxCommitTs = tsMax(this.maxCommitTs, c.decision.commitTs);
        return { requestId, result };
      }
      case 'forget': {
        const r = this.records.get(c.txnId);
        if (r) {
          r.forgotten = true;
          this.recordChanges?.add(c.txnId);
        }
        return { requestId, result: null };
      }
      case 'gc':
        // Only ever raise the floor: a delayed or duplicated gc command is harmless.
        if (compareTs(c.belowTs, this.store.gcThreshold) > 0) this.store.gc(c.belowTs);
        for (const [id, r] of this.records)
          if (r.forgotten && compareTs(r.snapshotTs, this.store.gcThreshold) < 0) {
            this.records.delete(id);
            this.recordChanges?.add(id);
          }
        return { requestId, result: null };
      default:
        return assertNever(c, 'partition command');
    }
  }

  /**
   * The first decision for a transaction wins. With no record and a snapshot
   * below the GC floor, a record may have existed and been dropped: an abort
   * is still safe to answer (a dropped record's participants have all
   * resolved), a commit is not, and the answer is "unknown".
   */
  protected decide(txnId: string, snapshotTs: Timestamp, decision: Decision, participants: readonly number[]): DecideResult {
    const r = this.records.get(txnId);
    if (r) return { decision: r.decision };
    if (compareTs(snapshotTs, this.store.gcThreshold) < 0) return { decision: decision === 'abort' ? 'abort' : null };
    this.records.set(txnId, { snapshotTs, decision, participants: participants.slice(), forgotten: false });
    this.recordChanges?.add(txnId);
    if (decision !== 'abort') this.maxCommitTs = tsMax(this.maxCommitTs, decision.commitTs);
    // The record's partition is usually a participant too: settle its own intents in the same step.
    if (this.store.preparedTxn(txnId)) this.store.resolve(txnId, decision);
    return { decision };
  }

  /** Validates and installs a single-partition transaction; overridable by tests that plant broken rules. */
  protected commit(txn: TxnWrites, proposedTs: Timestamp): CommitResult {
    return this.store.commitDirect(txn, proposedTs);
  }

  /** Validates and prepares a transaction (2PC phase one); overridable by tests that plant broken rules. */
  protected prepare(txn: TxnWrites, locator: string): ValidateResult {
    return this.store.prepare(txn, locator);
  }

  /** Canonical bytes: the store's image, then the records sorted by id. */
  snapshot(): Uint8Array {
    const w = new Writer(256);
    w.bytes(this.store.snapshot());
    const ids = [...this.records.keys()].sort();
    w.uvar(ids.length);
    for (const id of ids) {
      w.str(id);
      writeRecord(w, this.records.get(id)!);
    }
    return w.finish();
  }

  restore(image: Uint8Array): void {
    const r = new Reader(image);
    const old = this.records;
    this.store = MvccStore.restore(r.bytes(), this.store);
    this.records = new Map();
    for (let n = r.uvar(); n > 0; n--) {
      const id = r.str();
      this.records.set(id, readRecord(r));
    }
    r.end();
    this.maxCommitTs = this.newestCommitTs();
    // Materialized: the old records go and the new ones are written at the next drain.
    if (this.recordChanges) for (const id of [...old.keys(), ...this.records.keys()]) this.recordChanges.add(id);
  }

  /**
   * Rebuilds the state from its materialized records (keys relative to the
   * partition's state prefix: `r/{txnId}` for transaction records, the rest
   * the store's) and tracks changes from now on. Throws DecodeError.
   */
  loadMaterialized(records: ReadonlyMap<string, Uint8Array>): void {
    const storeRecords = new Map<string, Uint8Array>();
    this.records = new Map();
    for (const [key, bytes] of records) {
      if (!key.startsWith(RECORD_PREFIX)) {
        storeRecords.set(key, bytes);
        continue;
      }
      const r = new Reader(bytes);
      this.records.set(key.slice(RECORD_PREFIX.length), readRecord(r));
      r.end();
    }
    this.store = MvccStore.load(storeRecords);
    this.recordChanges = new Set();
    this.maxCommitTs = this.newestCommitTs();
  }

  /** The newest commit timestamp in the store and the records (see maxCommitTs). */
  private newestCommitTs(): Timestamp {
    let ts = this.store.newestTs();
    for (const r of this.records.values()) if (r.decision !== 'abort') ts = tsMax(ts, r.decision.commitTs);
    return ts;
  }

  /** The records changed since the last drain or load (null payload: delete). */
  drainChanges(): StateRecord[] {
    assert(this.recordChanges !== null, 'drainChanges before loadMaterialized');
    const out: StateRecord[] = [];
    this.store.drainChanges(out);
    for (const id of this.recordChanges) {
      const rec = this.records.get(id);
      if (rec === undefined) out.push([RECORD_PREFIX + id, null]);
      else {
        const w = new Writer(64);
        writeRecord(w, rec);
        out.push([RECORD_PREFIX + id, w.finish()]);
      }
    }
    this.recordChanges = new Set();
    return out;
  }

  digest(): string {
    return new Hasher().bytes(this.snapshot()).hex();
  }
}
