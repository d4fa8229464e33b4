import type { NodeId } from './types.js';

/** A read waiting for a quorum to confirm that this node is still the leader. */
export interface PendingRead {
  readonly ctx: number;
  readonly from: NodeId;
  /** The leader's commit index when the read arrived: the read is served once applied reaches it. */
  readonly index: number;
}

/** Shared empty results: most calls have nothing to hand back. */
const NO_READS: readonly PendingRead[] = [];
const NO_DEFERRED: readonly { ctx: number; from: NodeId }[] = [];

interface Queued extends PendingRead {
  seq: number;
  acks: Set<NodeId>;
}

/**
 * A leader's bookkeeping for linearizable reads (ReadIndex, the shape of
 * etcd's read_only.go). Each read records the commit index at its arrival and
 * a sequence number; heartbeats carry the newest sequence number, and a
 * follower's answer to a heartbeat confirms leadership for every read queued
 * up to it. A read confirmed by a quorum is released, in arrival order.
 *
 * A new leader does not know the real commit index until it commits an entry
 * of its own term, so reads arriving before that are deferred.
 */
export class ReadOnly {
  private queue: Queued[] = [];
  private deferred: { ctx: number; from: NodeId }[] = [];
  private seq = 0;

  /** Forgets everything: leadership changed, and the readers will time out and retry. */
  reset(): void {
    this.queue = [];
    this.deferred = [];
  }

  /** Keeps a read until the leader has committed an entry of its term. */
  defer(ctx: number, from: NodeId): void {
    this.deferred.push({ ctx, from });
  }

  /** Hands back the deferred reads, in arrival order, to be issued again. */
  takeDeferred(): readonly { ctx: number; from: NodeId }[] {
    // Called at every commit of a leader; most of the time nothing waits, so nothing is allocated.
    if (!this.deferred.length) return NO_DEFERRED;
    const d = this.deferred;
    this.deferred = [];
    return d;
  }

  /** Queues a read at commit index `index`, acknowledged by the leader (`self`) itself. */
  add(ctx: number, from: NodeId, index: number, self: NodeId): void {
    this.queue.push({ seq: ++this.seq, ctx, from, index, acks: new Set([self]) });
  }

  /** The sequence number heartbeats carry: the newest queued read's, 0 when none waits. */
  get lastSeq(): number {
    return this.queue.length ? this.queue[this.queue.length - 1]!.seq : 0;
  }

  /**
   * Records that `from` answered a heartbeat carrying `seq`, which confirms
   * every read queued up to seq. Returns the reads now confirmed by `quorum`
   * nodes, oldest first, and forgets them.
   */
  ack(from: NodeId, seq: number, quorum: number): readonly PendingRead[] {
    for (const r of this.queue) {
      if (r.seq > seq) break;
      r.acks.add(from);
    }
    let released = 0;
    while (released < this.queue.length && this.queue[released]!.acks.size >= quorum) released++;
    return released ? this.queue.splice(0, released) : NO_READS;
  }
}
