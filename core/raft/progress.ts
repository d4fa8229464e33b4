// The leader's view of one follower, as in etcd's tracker: the replication
// state machine (probe -> replicate, snapshot when the log is compacted away)
// and a bounded window of in-flight appends for pipelining.

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated (durable) on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: one append is outstanding and we wait for its answer. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in the current state; a lost snapshot is retried after a while. */
  stateTicks = 0;
  /** The highest commit index this follower has been sent; it may commit up to it. */
  commitSent = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Last index of each append in flight, oldest first; at most inflightMsgsMax long. */
  inflight: number[] = [];

  constructor(
    next: number,
    private readonly inflightMsgsMax: number,
  ) {
    this.next = next;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.stateTicks = 0;
    this.inflight = [];
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = index;
  }

  /** Records an acknowledgement of index n; returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * Handles a rejection of the append whose previous index was `rejected`.
   * Returns false when there is nothing to resend: the rejection is stale (it
   * answers an older append), or `next` cannot move (see below).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    const next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    if (next === this.next) {
      // Refused at the follower's own acknowledged match: it lost what it said
      // was durable (a broken disk; the checkers report it). Probing again at
      // once would only repeat the refusal, and with duplicated messages the
      // exchange multiplies; the probe stays paused until a heartbeat answer.
      this.probeSent = true;
      return false;
    }
    this.next = next;
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.inflightMsgsMax;
      case 'snapshot':
        return true;
    }
  }

  /** Frees the in-flight slots of appends up to index n. */
  freeTo(n: number): void {
    let k = 0;
    while (k < this.inflight.length && this.inflight[k]! <= n) k++;
    if (k) this.inflight.splice(0, k);
  }
}
