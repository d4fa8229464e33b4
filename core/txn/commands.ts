import { assertNever } from '../assert.js';
import { readTimestamp, writeTimestamp, type Timestamp } from '../hlc.js';
import type { Decision, PointRead, RangeRead, TxnWrites, Write } from '../mvcc/types.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';

/**
 * Commands a partition's Raft log carries. Each names the request it answers
 * (see requestIdOf) and is idempotent: applying it twice gives the first
 * answer again, which routing's retries rely on.
 *
 *  - commit: a transaction whose reads and writes all fall in this partition;
 *    validated and installed in one step.
 *  - prepare: 2PC phase one here (validate, lay intents and read locks).
 *    `participants` and `recordKey` let a participant that finds the
 *    transaction stale ask its record for the outcome.
 *  - decide: the durable decision in the transaction's record (kept by the
 *    partition owning recordKey). The first decision wins; later ones get it.
 *  - resolve: 2PC phase two here (commit the intents at the decided ts, or drop them).
 *  - forget: every participant has resolved; the record may go once the GC floor passes it.
 *  - gc: drop history no snapshot at or above belowTs can see.
 */
export type PartitionCommand =
  | { type: 'commit'; txn: TxnWrites; proposedTs: Timestamp }
  | { type: 'prepare'; txn: TxnWrites; participants: readonly number[]; recordKey: string }
  | { type: 'decide'; txnId: string; snapshotTs: Timestamp; decision: Decision; participants: readonly number[] }
  | { type: 'resolve'; txnId: string; decision: Decision }
  | { type: 'forget'; txnId: string }
  | { type: 'gc'; id: string; belowTs: Timestamp };

const TAGS = ['commit', 'prepare', 'decide', 'resolve', 'forget', 'gc'] as const;

/** The request id a command answers: one per transaction and phase, so retries of a phase share it. */
export function requestIdOf(c: PartitionCommand): string {
  switch (c.type) {
    case 'commit':
      return c.txn.txnId;
    case 'prepare':
      return `${c.txn.txnId}/prepare`;
    case 'decide':
      return `${c.txnId}/decide`;
    case 'resolve':
      return `${c.txnId}/resolve`;
    case 'forget':
      return `${c.txnId}/forget`;
    case 'gc':
      return c.id;
    default:
      return assertNever(c, 'partition command');
  }
}

function writeTxn(w: Writer, t: TxnWrites): void {
  w.str(t.txnId);
  writeTimestamp(w, t.snapshotTs);
  w.uvar(t.reads.length);
  for (const r of t.reads) {
    w.str(r.key).u8(r.versionTs ? 1 : 0);
    if (r.versionTs) writeTimestamp(w, r.versionTs);
  }
  w.uvar(t.ranges.length);
  for (const r of t.ranges) w.str(r.start).str(r.end).str(r.observedHash);
  w.uvar(t.writes.length);
  for (const x of t.writes) {
    w.str(x.key).u8(x.value ? 1 : 0);
    if (x.value) w.bytes(x.value);
  }
}

function readTxn(r: Reader): TxnWrites {
  const txnId = r.str();
  const snapshotTs = readTimestamp(r);
  const reads: PointRead[] = [];
  for (let n = r.uvar(); n > 0; n--) {
    const key = r.str();
    reads.push({ key, versionTs: r.u8() === 1 ? readTimestamp(r) : null });
  }
  const ranges: RangeRead[] = [];
  for (let n = r.uvar(); n > 0; n--) ranges.push({ start: r.str(), end: r.str(), observedHash: r.str() });
  const writes: Write[] = [];
  for (let n = r.uvar(); n > 0; n--) {
    const key = r.str();
    writes.push({ key, value: r.u8() === 1 ? r.bytes() : null });
  }
  return { txnId, snapshotTs, reads, ranges, writes };
}

export function writeDecision(w: Writer, d: Decision): void {
  if (d === 'abort') w.u8(0);
  else writeTimestamp(w.u8(1), d.commitTs);
}

export function readDecision(r: Reader): Decision {
  const tag = r.u8();
  if (tag === 0) return 'abort';
  if (tag !== 1) throw new DecodeError('bad decision tag');
  return { commitTs: readTimestamp(r) };
}

function writeGroups(w: Writer, gs: readonly number[]): void {
  w.uvar(gs.length);
  for (const g of gs) w.uvar(g);
}

function readGroups(r: Reader): number[] {
  const gs: number[] = [];
  for (let n = r.uvar(); n > 0; n--) gs.push(r.uvar());
  return gs;
}

export function encodePartitionCommand(c: PartitionCommand): Uint8Array {
  const w = new Writer(64);
  w.u8(TAGS.indexOf(c.type));
  switch (c.type) {
    case 'commit':
      writeTxn(w, c.txn);
      writeTimestamp(w, c.proposedTs);
      break;
    case 'prepare':
      writeTxn(w, c.txn);
      writeGroups(w, c.participants);
      w.str(c.recordKey);
      break;
    case 'decide':
      w.str(c.txnId);
      writeTimestamp(w, c.snapshotTs);
      writeDecision(w, c.decision);
      writeGroups(w, c.participants);
      break;
    case 'resolve':
      w.str(c.txnId);
      writeDecision(w, c.decision);
      break;
    case 'forget':
      w.str(c.txnId);
      break;
    case 'gc':
      w.str(c.id);
      writeTimestamp(w, c.belowTs);
      break;
    default:
      return assertNever(c, 'partition command');
  }
  return w.finish();
}

/** Decodes a command; throws DecodeError on malformed bytes. */
export function decodePartitionCommand(b: Uint8Array): PartitionCommand {
  const r = new Reader(b);
  const tag = TAGS[r.u8()];
  let c: PartitionCommand;
  switch (tag) {
    case 'commit': {
      const txn = readTxn(r);
      c = { type: 'commit', txn, proposedTs: readTimestamp(r) };
      break;
    }
    case 'prepare': {
      const txn = readTxn(r);
      const participants = readGroups(r);
      c = { type: 'prepare', txn, participants, recordKey: r.str() };
      break;
    }
    case 'decide': {
      const txnId = r.str();
      const snapshotTs = readTimestamp(r);
      const decision = readDecision(r);
      c = { type: 'decide', txnId, snapshotTs, decision, participants: readGroups(r) };
      break;
    }
    case 'resolve': {
      const txnId = r.str();
      c = { type: 'resolve', txnId, decision: readDecision(r) };
      break;
    }
    case 'forget':
      c = { type: 'forget', txnId: r.str() };
      break;
    case 'gc': {
      const id = r.str();
      c = { type: 'gc', id, belowTs: readTimestamp(r) };
      break;
    }
    case undefined:
      throw new DecodeError('unknown partition command');
    default:
      return assertNever(tag, 'partition command');
  }
  r.end();
  return c;
}
