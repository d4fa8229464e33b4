import type { Clock } from '../core/io.js';

/**
 * A node's wall clock: simulated time, plus a fixed offset (skew), a rate
 * error (drift) and accumulated jumps. Timers run on a monotonic clock that
 * shares the drift but not the jumps, as CLOCK_MONOTONIC does.
 */
export class SimClock implements Clock {
  offsetMs = 0;
  drift = 0;
  jumpedMs = 0;

  constructor(private readonly simNow: () => number) {}

  nowMs(): number {
    return 1_700_000_000_000 + this.simNow() * (1 + this.drift) + this.offsetMs + this.jumpedMs;
  }

  /** Simulated milliseconds that pass while this node's timer counts `localMs`. */
  toSimDelay(localMs: number): number {
    return localMs / (1 + this.drift);
  }
}
