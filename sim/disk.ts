import type { Disk, DiskOp } from '../core/io.js';
import type { Rng } from './rng.js';

/** What the disk lets the world schedule: completions at a simulated time. */
export interface DiskHost {
  now(): number;
  /** Runs fn at simulated time `at` unless the node has crashed in between. */
  schedule(at: number, fn: () => void): void;
  trace(kind: string, a?: number, b?: number, c?: number): void;
}

export interface DiskFaults {
  /** At a crash, unsynced batches are all lost (false: a random prefix of them survives). */
  lostWrites: boolean;
  /** Probability that the first unsynced batch to be lost is half-written (torn) at a crash. */
  torn: number;
  /** Extra latency multiplier while the disk is slow (1 = normal). */
  slowFactor: number;
}

/**
 * A node's disk. It survives crashes; the node's memory does not. A batch is
 * volatile until its completion event (write + fsync), or a lazy one until
 * a later batch's completion; at a crash, unsynced
 * batches are lost, except that a random prefix may have reached the platter,
 * and the first lost one may be torn. Batches are framed with a checksum like
 * a write-ahead log, so a torn batch is detected and dropped whole, never half
 * applied. At-rest corruption flips bits in a stored value; the core's own
 * record checksums must catch it at recovery.
 */
export class SimDisk implements Disk {
  /**
   * Durable state. Batches are folded in as they become durable: keeping
   * them as a list to fold later held every op of the run alive, and the
   * young-generation collections that copied them cost the simulator about
   * 8% of its time.
   */
  private readonly durable = new Map<string, Uint8Array>();
  private pending: { ops: readonly DiskOp[]; done: () => void }[] = [];
  private lastCompletion = 0;
  /** Recovery image: what was durable when the current incarnation started. */
  private image: ReadonlyMap<string, Uint8Array> = new Map();
  writes = 0;
  tornBatches = 0;
  corruptions = 0;

  constructor(
    private readonly host: DiskHost,
    private readonly rng: Rng,
    readonly faults: DiskFaults,
    private readonly latencyMs: { min: number; max: number },
  ) {}

  write(ops: readonly DiskOp[], onDurable: () => void): void {
    const batch = { ops, done: onDurable };
    this.pending.push(batch);
    this.writes++;
    const lat = this.rng.range(this.latencyMs.min, this.latencyMs.max) * this.faults.slowFactor;
    // Batches complete in order: an fsync covers everything written before it.
    const at = Math.max(this.lastCompletion, this.host.now() + lat);
    this.lastCompletion = at;
    this.host.schedule(at, () => {
      const i = this.pending.indexOf(batch);
      if (i < 0) return;
      // Everything up to and including this batch is now durable (usually just this one: no array is built).
      for (let k = 0; k <= i; k++) this.applyDurable(this.pending.shift()!.ops);
      this.host.trace('disk-sync', ops.length);
      batch.done();
    });
  }

  /**
   * A batch without an fsync of its own: it waits among the unsynced batches
   * until the next write() completes, and a crash treats it like any of them
   * (lost with everything after it, unless the random surviving prefix
   * reaches it). It schedules no event.
   */
  writeLazy(ops: readonly DiskOp[]): void {
    this.pending.push({ ops, done: noop });
    this.writes++;
  }

  recovered(): ReadonlyMap<string, Uint8Array> {
    return this.image;
  }

  /** Batches written through write() and not durable yet (lazy ones are not counted): for tests and tools. */
  get writesInFlight(): number {
    let n = 0;
    for (const b of this.pending) if (b.done !== noop) n++;
    return n;
  }

  /** The process died: decide the fate of unsynced batches. */
  crash(): void {
    const lost = this.pending;
    this.pending = [];
    this.lastCompletion = 0;
    let keep = this.faults.lostWrites ? 0 : this.rng.int(0, lost.length);
    for (let i = 0; i < keep; i++) this.applyDurable(lost[i]!.ops);
    if (keep < lost.length && this.rng.chance(this.faults.torn)) {
      // The first lost batch was half-written: its frame fails the checksum and recovery drops it.
      const frame = frameBatch(lost[keep]!.ops);
      const torn = frame.subarray(0, this.rng.int(0, frame.length - 1));
      if (unframeBatch(torn) !== null) throw new Error('torn batch passed its checksum');
      this.tornBatches++;
      this.host.trace('disk-torn', keep);
    }
    this.host.trace('disk-crash', lost.length, keep);
  }

  /** Takes the recovery image for a new incarnation. */
  restart(): void {
    this.image = new Map(this.durable);
  }

  /** Flips one bit in a random durable value; returns the key, or null when the disk is empty. */
  corrupt(): string | null {
    if (!this.durable.size) return null;
    const keys = [...this.durable.keys()].sort();
    const key = this.rng.pick(keys);
    const v = this.durable.get(key)!;
    if (!v.length) return null;
    const copy = v.slice();
    const i = this.rng.int(0, copy.length - 1);
    copy[i]! ^= 1 << this.rng.int(0, 7);
    this.durable.set(key, copy);
    this.corruptions++;
    return key;
  }

  private applyDurable(ops: readonly DiskOp[]): void {
    const m = this.durable;
    for (const op of ops) {
      if (op.type === 'put') m.set(op.key, op.value);
      else m.delete(op.key);
    }
  }
}

function noop(): void {}

/** A batch as a checksummed WAL frame: [len][crc][ops...]. */
export function frameBatch(ops: readonly DiskOp[]): Uint8Array {
  const parts: number[] = [];
  for (const op of ops) {
    const key = Array.from(op.key, (c) => c.charCodeAt(0) & 0xff);
    parts.push(op.type === 'put' ? 1 : 2, key.length, ...key);
    if (op.type === 'put') parts.push((op.value.length >>> 8) & 0xff, op.value.length & 0xff, ...op.value);
  }
  const body = Uint8Array.from(parts);
  const out = new Uint8Array(body.length + 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  dv.setUint32(4, fnv(body));
  out.set(body, 8);
  return out;
}

/** Returns the body of a valid frame, or null when it is truncated or fails its checksum. */
export function unframeBatch(frame: Uint8Array): Uint8Array | null {
  if (frame.length < 8) return null;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const len = dv.getUint32(0);
  if (frame.length !== len + 8) return null;
  const body = frame.subarray(8);
  return fnv(body) === dv.getUint32(4) ? body : null;
}

function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}
