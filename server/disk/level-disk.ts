// The real node's Disk (core/io.ts) over LevelDB (classic-level).
//
// Durability: every db.batch is written with sync: true (LevelDB appends the
// batch to its write-ahead log and fsyncs before answering), so a batch is
// atomic and, once its promise resolves, survives a crash. Batches are written
// one at a time, in order, so they become durable in the order written.
// A lazy batch (writeLazy) waits in the queue for the next durable write and
// goes out in its db.batch, so it costs no LevelDB call of its own (each call
// wakes a thread-pool thread: tens of microseconds of the event loop). If no
// durable write comes within lazyDelayMs, or lazy ops pile up past
// LAZY_OPS_MAX, or the disk closes, the lazy ops go out alone with sync:
// false: LevelDB appends them to the same write-ahead log without an fsync,
// so the next synced batch makes them durable too, and a power loss can only
// drop a suffix of the log (LevelDB's recovery stops at the first torn
// record), never a lazy batch followed by a durable one. While it waits in
// memory a lazy batch is lost by a process crash too, which the contract
// allows (core/io.ts): recovery rebuilds it from durable records.
//
// Group commit: while one batch is being written, later write() calls queue up
// and go out together as the next single db.batch, one fsync for all of them.
// The first write also waits for the current turn's microtasks, so everything
// a node writes in one event shares a batch. Merging is invisible to callers:
// each write's ops keep their order, and LevelDB applies a batch in order.
//
// Failure is fatal (fail-stop). After an I/O error nobody knows which writes
// reached the disk, and a node that carried on would acknowledge things it
// may have lost. So the first error is kept in `failed`, every later write()
// throws it, no further onDurable ever runs, and `onFatal` (if given) tells
// the server to stop the node. Nothing is retried.

import { ClassicLevel } from 'classic-level';
import type { Disk, DiskOp } from '../../core/io.js';

/** Thrown by write() once the disk has failed or been closed. */
export class DiskFailedError extends Error {
  override name = 'DiskFailedError';
}

export interface LevelDiskOptions {
  /** Called once, as its own event, with the first I/O error; the node must stop. */
  onFatal?: (e: Error) => void;
  /** How long lazy ops may wait for a durable write to ride along with, in ms (default 50; 0 writes them at once). */
  lazyDelayMs?: number;
  /**
   * Runs after each durable batch's callbacks, in the same macrotask. The
   * node sends the HTTP answers those callbacks made from here (see
   * sendHeldAnswers in http/wire.ts): the callbacks run in the loop's check
   * phase, where an answer held for setImmediate would wait a whole turn.
   */
  afterCallbacks?: () => void;
}

/** Lazy ops queued beyond this many go out without waiting for a durable write. */
const LAZY_OPS_MAX = 4096;

interface Pending {
  readonly ops: readonly DiskOp[];
  /** null: a lazy batch, which nobody waits for. */
  readonly done: (() => void) | null;
}

/** Keys go to LevelDB as UTF-8, which cannot carry a lone surrogate; such a key is a programmer error. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class LevelDisk implements Disk {
  /** The first I/O error; once set, the disk refuses all writes. */
  failed: Error | null = null;
  /** db.batch calls that completed: with group commit, usually far fewer than write() calls. */
  batchesWritten = 0;
  /** write() calls accepted. */
  writes = 0;
  private queue: Pending[] = [];
  /** A write loop is running; at most one at a time keeps batches in order. */
  private draining = false;
  /** The running (or last) write loop: close() waits for it. */
  private drained: Promise<void> = Promise.resolve();
  private closed = false;
  /** The last batch written, when it was lazy (sync: false); null once a synced batch followed. */
  private unsyncedTail: DiskOp[] | null = null;
  /** The queue holds a write() that someone waits for. */
  private queuedDurable = false;
  /** Ops of the lazy batches in the queue. */
  private queuedLazyOps = 0;
  /** Set when queued lazy ops have waited long enough: the loop writes them even alone. */
  private lazyDue = false;
  private lazyTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly lazyDelayMs: number;

  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private image: ReadonlyMap<string, Uint8Array>,
    private readonly opts: LevelDiskOptions,
  ) {
    this.lazyDelayMs = opts.lazyDelayMs ?? 50;
  }

  /** Opens (creating if missing) the database in `dir` and reads all of it into memory for recovered(). */
  static async open(dir: string, opts: LevelDiskOptions = {}): Promise<LevelDisk> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const image = new Map<string, Uint8Array>();
    try {
      for await (const [k, v] of db.iterator()) image.set(k, plain(v));
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
    return new LevelDisk(db, image, opts);
  }

  /** Everything on disk at open; empty after releaseRecovered(). */
  recovered(): ReadonlyMap<string, Uint8Array> {
    return this.image;
  }

  /** Lets the recovery image go: recovery is over, and the state it held now lives in the replicas. */
  releaseRecovered(): void {
    this.image = new Map();
  }

  write(ops: readonly DiskOp[], onDurable: () => void): void {
    this.enqueue(ops, onDurable);
  }

  writeLazy(ops: readonly DiskOp[]): void {
    this.enqueue(ops, null);
  }

  private enqueue(ops: readonly DiskOp[], done: (() => void) | null): void {
    if (this.failed) throw new DiskFailedError(`disk failed earlier: ${this.failed.message}`, { cause: this.failed });
    if (this.closed) throw new DiskFailedError('disk is closed');
    for (const op of ops) if (LONE_SURROGATE.test(op.key)) throw new TypeError(`disk key is not well-formed UTF-16: ${JSON.stringify(op.key)}`);
    this.writes++;
    this.queue.push({ ops, done });
    if (done) this.queuedDurable = true;
    else this.queuedLazyOps += ops.length;
    if (this.draining) return; // The running loop takes it, or arms the timer when it stops.
    if (this.mustWrite()) this.startDrain();
    else this.armLazyTimer();
  }

  /** Whether the queue must go out now rather than wait for a durable write to ride along with. */
  private mustWrite(): boolean {
    return this.queuedDurable || this.lazyDue || this.closed || this.queuedLazyOps >= LAZY_OPS_MAX || this.lazyDelayMs <= 0;
  }

  private armLazyTimer(): void {
    if (this.lazyTimer) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = null;
      this.lazyDue = true;
      if (!this.draining && this.queue.length) this.startDrain();
    }, this.lazyDelayMs);
  }

  private cancelLazyTimer(): void {
    if (this.lazyTimer) clearTimeout(this.lazyTimer);
    this.lazyTimer = null;
  }

  /** Writes what still waits (lazy ops too), waits until every durable write is durable (or the disk failed), then closes the database. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelLazyTimer();
    if (!this.draining && this.queue.length && !this.failed) this.startDrain();
    while (this.draining) await this.drained;
    await this.db.close();
  }

  private startDrain(): void {
    this.draining = true;
    // drain() runs on its own until its first await: the first batch is
    // handed to LevelDB within this call, so the caller's work after it (a
    // replica applying committed entries) overlaps its fsync. The host gives
    // one write per event, holding every group's ops: nothing of the same
    // turn is left to join it.
    this.drained = this.drain();
  }

  /**
   * Writes the queue out, one merged batch at a time, until it is empty or
   * holds only lazy ops that may wait (see mustWrite). Never rejects: an
   * error is recorded as the disk's failure. Callbacks run in a later
   * macrotask (setImmediate, FIFO, so in write order), never inside this
   * loop, so an exception in a callback is the caller's crash, not a disk error.
   */
  private async drain(): Promise<void> {
    while (this.queue.length && !this.failed) {
      if (!this.mustWrite()) {
        this.armLazyTimer();
        break;
      }
      const group = this.queue;
      this.queue = [];
      this.queuedDurable = false;
      this.queuedLazyOps = 0;
      this.lazyDue = false;
      this.cancelLazyTimer();
      let ops: DiskOp[] = [];
      let sync = false;
      for (const p of group) {
        for (const op of p.ops) ops.push(op);
        if (p.done) sync = true;
      }
      // An empty batch changes nothing, and every earlier batch is already
      // durable, unless the last one was lazy: it must be synced before the
      // callbacks run, and LevelDB syncs nothing for an empty batch, so the
      // lazy batch is written again (the same ops, still the last written:
      // no change but the fsync).
      if (!ops.length && sync && this.unsyncedTail) ops = this.unsyncedTail;
      if (ops.length) {
        try {
          await writeBatch(this.db, ops, sync);
        } catch (e) {
          this.fail(e instanceof Error ? e : new Error(String(e)));
          break;
        }
        this.batchesWritten++;
        this.unsyncedTail = sync ? null : ops;
      }
      if (sync)
        setImmediate(() => {
          for (const p of group) p.done?.();
          this.opts.afterCallbacks?.();
        });
    }
    if (this.failed) this.queue = [];
    this.draining = false;
  }

  private fail(e: Error): void {
    this.failed = e;
    this.cancelLazyTimer();
    const onFatal = this.opts.onFatal;
    if (onFatal) setImmediate(() => onFatal(e));
  }
}

/**
 * Writes `ops` as one atomic LevelDB batch. Through a chained batch rather
 * than db.batch(array): the array form has the binding read each op's
 * fields back out of its JS object (several N-API calls per op), the
 * chained form hands key and value over as arguments; measured alone,
 * 1.3-1.8 us of main-thread time per op against 2.3-3.3. Same WriteBatch,
 * same atomicity and sync.
 */
async function writeBatch(db: ClassicLevel<string, Uint8Array>, ops: readonly DiskOp[], sync: boolean): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
  } catch (e) {
    await batch.close();
    throw e;
  }
  await batch.write({ sync });
}

/** LevelDB hands back Buffers; the core gets plain Uint8Arrays (same bytes, no copy). */
function plain(v: Uint8Array): Uint8Array {
  return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
