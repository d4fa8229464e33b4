// Keeps the event loop awake while clients are active.
//
// Between events Node's loop sleeps in epoll_wait, and on a virtual machine
// waking a vCPU that went idle is slow. A request that makes several hops
// between processes (a follower's ReadIndex makes four, each waking another
// node's loop) pays that on every hop: measured on our 2-vCPU machine, PK
// SELECTs over three nodes at 64 clients ran at 670-1,560/s with sleeping
// loops and at 2,380/s with loops kept awake, on the same build. Go's
// scheduler spins briefly before parking a thread for the same reason, which
// is part of why etcd does not pay it. So while requests keep coming, a 1 ms
// timer keeps the loop from sleeping deeply; holdMs after the last request
// the timer stops, and an idle server sleeps as before.
//
// Peer traffic counts as activity too, except the heartbeats an idle cluster
// exchanges: a follower that serves no client still sits on the commit path
// of every write (its acknowledgement completes the quorum). It holds the
// loop awake for less time (PEER_HOLD_MS): an idle cluster still commits an
// entry now and then (housekeeping), and each should not cost 100 ms of
// timer wakeups on every node.

import type { NodeMessage } from '../core/cluster/host.js';

/** How long one peer message that serves a request keeps the loop awake; writes under load come far more often. */
export const PEER_HOLD_MS = 20;

/**
 * Whether a peer message is part of serving a request: anything but an idle
 * heartbeat (ctx 0; a ReadIndex round's heartbeats carry its context) or its
 * response.
 */
export function isRequestTraffic(m: NodeMessage): boolean {
  if (m.type !== 'raft') return true;
  for (const g of m.groups) {
    for (const r of g.msgs) {
      if ((r.type === 'heartbeat' || r.type === 'heartbeat-resp') && r.ctx === 0) continue;
      return true;
    }
  }
  return false;
}

export class LoopWarmer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private awakeUntilMs = 0;

  constructor(
    private readonly holdMs = 100,
    private readonly periodMs = 1,
  ) {}

  /**
   * Marks activity: the loop stays awake until `holdMs` (by default the
   * constructor's) after this call, or longer if an earlier call said so.
   */
  touch(holdMs = this.holdMs): void {
    this.awakeUntilMs = Math.max(this.awakeUntilMs, performance.now() + holdMs);
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (performance.now() > this.awakeUntilMs) this.stop();
    }, this.periodMs);
    // It never keeps the process alive by itself.
    this.timer.unref();
  }

  /** Whether the timer runs now (for tests). */
  get awake(): boolean {
    return this.timer !== null;
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
