// The only door between the core and the world. The simulator implements these
// interfaces with seeded, virtual-time fakes; the server with a wall clock, TCP
// and LevelDB. Nothing in core/ reaches the world any other way.
//
// Ownership: the core never keeps a reference to a buffer it has handed to the
// world, and the world never mutates a value it has handed to the core.

/** A node's view of wall time. May be skewed, drift and jump; it is never used for safety. */
export interface Clock {
  /** Milliseconds since the Unix epoch as this node believes it to be. */
  nowMs(): number;
}

/** A cancellable one-shot timer in local time. Callbacks run as separate events, never re-entrantly. */
export interface Timer {
  /** Calls `fn` once, `delayMs` >= 0 local milliseconds from now; returns a cancel function. */
  after(delayMs: number, fn: () => void): () => void;
}

/** Randomness injected per node; the simulator derives it from the run's seed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi] inclusive; requires lo <= hi. */
  int(lo: number, hi: number): number;
}

/** One disk mutation. Keys are strings ordered by code unit; values are owned by the disk once written. */
export type DiskOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * A node's durable key/value store. A batch is atomic: after a crash either all
 * of it or none of it is visible. Batches become durable in the order written.
 */
export interface Disk {
  /**
   * Queues `ops` as one atomic batch. `onDurable` runs as a later event once the
   * batch and every batch written before it survive a crash; it never runs if
   * the process crashes first.
   */
  write(ops: readonly DiskOp[], onDurable: () => void): void;
  /**
   * Queues `ops` as one atomic batch, in order with every other batch, that
   * nobody waits for: no fsync of its own. It becomes durable with the next
   * batch written through write() (the fsync covers everything before it).
   * A crash may lose it, and then every batch after it as well, never one
   * before it (durable batches stay a prefix of the batches written). For
   * records that recovery can rebuild from durable ones when they are lost.
   */
  writeLazy(ops: readonly DiskOp[]): void;
  /**
   * Everything durable when the process started, keyed as written. Read once at
   * start-up (recovery); values are verified by the core's own checksums.
   */
  recovered(): ReadonlyMap<string, Uint8Array>;
}

/** Node-to-node messages. Delivery is unreliable: messages may be lost, delayed, duplicated or reordered. */
export interface Network<M> {
  /** Sends `msg` to node `to`; never delivers synchronously, may never deliver. */
  send(to: number, msg: M): void;
}

/** What a node needs from its host. */
export interface Io<M> {
  clock: Clock;
  timer: Timer;
  random: Random;
  disk: Disk;
  network: Network<M>;
}
