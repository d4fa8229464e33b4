// The wall-clock world for the core: Date.now, setTimeout and node:crypto
// randomness, with the disk and network the caller supplies.

import { randomFillSync } from 'node:crypto';
import type { Clock, Disk, Io, Network, Random, Timer } from '../core/io.js';

export const wallClock: Clock = { nowMs: () => Date.now() };

/** setTimeout caps delays at 2^31-1 ms; longer ones are re-armed until they are due. */
const MAX_DELAY = 0x7fffffff;

export const wallTimer: Timer = {
  after(delayMs: number, fn: () => void): () => void {
    let handle: NodeJS.Timeout;
    let cancelled = false;
    const dueAt = Date.now() + Math.max(0, delayMs);
    const arm = (ms: number) => {
      handle = setTimeout(() => {
        if (cancelled) return;
        const left = dueAt - Date.now();
        if (left > 0 && ms === MAX_DELAY) return arm(Math.min(left, MAX_DELAY));
        fn();
      }, ms);
    };
    arm(Math.min(Math.max(0, Number.isFinite(delayMs) ? delayMs : MAX_DELAY), MAX_DELAY));
    return () => {
      cancelled = true;
      clearTimeout(handle);
    };
  },
};

/** Cryptographic randomness, drawn from a refilled pool of 32-bit words (one syscall per 1024 words). */
export class CryptoRandom implements Random {
  private readonly pool = new Uint32Array(1024);
  private pos = this.pool.length;

  private word(): number {
    if (this.pos === this.pool.length) {
      randomFillSync(this.pool);
      this.pos = 0;
    }
    return this.pool[this.pos++]!;
  }

  /** 53 random bits: every double in [0, 1) on the 2^-53 grid is equally likely. */
  next(): number {
    const hi = this.word() >>> 5; // 27 bits
    const lo = this.word() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi] by rejection sampling (no modulo bias). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) throw new RangeError(`int(${lo}, ${hi}): need safe integers lo <= hi`);
    const span = hi - lo + 1;
    if (span <= 0x1_0000_0000) {
      // Largest multiple of span below 2^32: draws at or above it are rejected.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % span);
      for (;;) {
        const w = this.word();
        if (w < limit) return lo + (w % span);
      }
    }
    // Wider spans: 53-bit draws, rejecting the tail above the largest multiple of span.
    const limit = 9007199254740992 - (9007199254740992 % span);
    for (;;) {
      const x = this.next() * 9007199254740992;
      if (x < limit) return lo + (x % span);
    }
  }
}

/** An Io over the wall clock, timers and crypto randomness with the given disk and network. */
export function wallClockIo<M>(disk: Disk, network: Network<M>): Io<M> {
  return { clock: wallClock, timer: wallTimer, random: new CryptoRandom(), disk, network };
}
