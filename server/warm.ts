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

export class LoopWarmer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastTouchMs = 0;

  constructor(
    private readonly holdMs = 100,
    private readonly periodMs = 1,
  ) {}

  /** Marks client activity: the loop stays awake until holdMs after the last call. */
  touch(): void {
    this.lastTouchMs = performance.now();
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (performance.now() - this.lastTouchMs > this.holdMs) this.stop();
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
