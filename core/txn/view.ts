import { assert } from '../assert.js';
import { camusError } from '../errors.js';
import { partitionOf, partitionsOfRange } from '../cluster/partitions.js';
import type { Timestamp } from '../hlc.js';
import type { MvccStore } from '../mvcc/store.js';
import type { PointRead, RangeRead, TxnWrites, Value, Write } from '../mvcc/types.js';

/** One row a scan returned: the key and its value as this transaction sees it. */
export interface ViewRow {
  readonly key: string;
  readonly value: Uint8Array;
}

/**
 * What a transaction sees: every partition's store at one snapshot, plus its
 * own buffered writes. Every read is recorded with the version it saw, and
 * every scan with the hash of the range it covered, so commit can validate
 * them (phantoms included). Reads are synchronous: the node confirmed each
 * local replica current (ReadIndex) before handing out the view, and a replica
 * only moves forward, so its store answers for the snapshot from then on.
 */
export class TxnView {
  /** Point reads by key (first read of each key). */
  readonly reads = new Map<string, PointRead>();
  /** Range reads, with the partition each was taken from. */
  readonly ranges: { group: number; range: RangeRead }[] = [];
  /** Buffered writes by key; null deletes. */
  readonly writes = new Map<string, Value>();

  /** Set by commit or rollback; any later use is refused with CADB0501. */
  private finishedAs: 'committed' | 'rolled back' | null = null;

  /**
   * @param currentAt each partition's applied index at which the view's
   * replicas are known current (everything committed before the transaction
   * began is applied by then), indexed by partition; null while that is not
   * known (TxnNode.execute confirms it after the program has run).
   * TxnNode's read-only fast path needs it.
   */
  constructor(
    private readonly storeOf: (group: number) => MvccStore,
    readonly partitions: number,
    readonly snapshotTs: Timestamp,
    public currentAt: readonly number[] | null = null,
  ) {}

  /** Ends the transaction without writing anything; nothing is held anywhere, so nothing else is needed. */
  rollback(): void {
    this.ensureOpen();
    this.finishedAs = 'rolled back';
  }

  /** Marks the view as handed to commit (TxnNode.commit calls this). */
  markCommitted(): void {
    this.ensureOpen();
    this.finishedAs = 'committed';
  }

  get finished(): boolean {
    return this.finishedAs !== null;
  }

  private ensureOpen(): void {
    if (this.finishedAs) throw camusError('TransactionAlreadyCompleted', `transaction already ${this.finishedAs}`);
  }

  get(key: string): Value {
    this.ensureOpen();
    if (this.writes.has(key)) return this.writes.get(key)!;
    const r = this.storeOf(partitionOf(key, this.partitions)).get(key, this.snapshotTs);
    if (!this.reads.has(key)) this.reads.set(key, { key, versionTs: r.versionTs });
    return r.value;
  }

  /** get without recording the read: commit does not validate it (see KvTxn.peek). */
  peek(key: string): Value {
    this.ensureOpen();
    if (this.writes.has(key)) return this.writes.get(key)!;
    return this.storeOf(partitionOf(key, this.partitions)).get(key, this.snapshotTs).value;
  }

  /** The commit timestamp of the committed version of key at the snapshot (own writes aside), not recorded (see KvTxn.versionTs). */
  versionTs(key: string): Timestamp | null {
    this.ensureOpen();
    return this.storeOf(partitionOf(key, this.partitions)).get(key, this.snapshotTs).versionTs;
  }

  put(key: string, value: Uint8Array): void {
    this.ensureOpen();
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.ensureOpen();
    this.writes.set(key, null);
  }

  /**
   * The live rows of [start, end) in key order, own writes included, at most
   * `limit`. The whole range is recorded for validation, even past the limit:
   * simpler than tracking a resume point per partition, and never unsafe.
   */
  scan(start: string, end: string, limit = Infinity): ViewRow[] {
    this.ensureOpen();
    assert(start <= end, 'scan range must not be reversed');
    // Each store answers in key order, so the result is a merge of sorted
    // lists: the common case (one partition, no own writes in the range)
    // returns the store's rows as they are, without copying or sorting.
    let rows: readonly ViewRow[] = [];
    let first = true;
    for (const g of partitionsOfRange(start, end, this.partitions)) {
      const r = this.storeOf(g).scan(start, end, this.snapshotTs);
      this.ranges.push({ group: g, range: { start, end, observedHash: r.hash } });
      rows = first ? r.rows : mergeRows(rows, r.rows);
      first = false;
    }
    const own = ownWritesIn(this.writes, start, end);
    if (own.length > 0) rows = overlayWrites(rows, own);
    if (rows.length > limit) return rows.slice(0, limit);
    return rows as ViewRow[];
  }

  /** The partitions holding what this transaction read and recorded (point reads and scans); peeks aside. */
  readPartitions(): Set<number> {
    const out = new Set<number>();
    for (const key of this.reads.keys()) out.add(partitionOf(key, this.partitions));
    for (const r of this.ranges) out.add(r.group);
    return out;
  }

  /** The transaction split by partition: what each participant must validate and install. Sorted by partition. */
  byPartition(txnId: string): Map<number, TxnWrites> {
    const parts = new Map<number, { reads: PointRead[]; ranges: RangeRead[]; writes: Write[] }>();
    const part = (g: number) => {
      let p = parts.get(g);
      if (!p) parts.set(g, (p = { reads: [], ranges: [], writes: [] }));
      return p;
    };
    for (const r of this.reads.values()) part(partitionOf(r.key, this.partitions)).reads.push(r);
    for (const r of this.ranges) part(r.group).ranges.push(r.range);
    for (const [key, value] of this.writes) part(partitionOf(key, this.partitions)).writes.push({ key, value });
    const out = new Map<number, TxnWrites>();
    for (const g of [...parts.keys()].sort((a, b) => a - b)) {
      const p = parts.get(g)!;
      out.set(g, { txnId, snapshotTs: this.snapshotTs, reads: p.reads, ranges: p.ranges, writes: p.writes });
    }
    return out;
  }

  /** The key whose partition keeps the transaction record: the smallest written key, else the smallest read. */
  recordKey(): string {
    const pick = (ks: Iterable<string>) => [...ks].sort()[0];
    return pick(this.writes.keys()) ?? pick(this.reads.keys()) ?? this.ranges[0]?.range.start ?? '';
  }
}

/**
 * Two key-ordered row lists merged into one. A key in both (partitions hold
 * disjoint keys, so never expected) keeps b's row, as a later partition's row
 * replaced an earlier one's before.
 */
function mergeRows(a: readonly ViewRow[], b: readonly ViewRow[]): ViewRow[] {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const out: ViewRow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.key < y.key) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
      if (x.key === y.key) i++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The buffered writes with keys in [start, end), in key order. */
function ownWritesIn(writes: ReadonlyMap<string, Value>, start: string, end: string): { key: string; value: Value }[] {
  const out: { key: string; value: Value }[] = [];
  for (const [key, value] of writes) if (key >= start && key < end) out.push({ key, value });
  return out.length > 1 ? out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)) : out;
}

/** Key-ordered rows with the key-ordered own writes applied: a write replaces or adds its key's row, a delete removes it. */
function overlayWrites(rows: readonly ViewRow[], own: readonly { key: string; value: Value }[]): ViewRow[] {
  const out: ViewRow[] = [];
  let i = 0;
  for (const w of own) {
    while (i < rows.length && rows[i]!.key < w.key) out.push(rows[i++]!);
    if (i < rows.length && rows[i]!.key === w.key) i++;
    if (w.value !== null) out.push({ key: w.key, value: w.value });
  }
  while (i < rows.length) out.push(rows[i++]!);
  return out;
}
