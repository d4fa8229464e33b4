import seedrandom from 'seedrandom';
import type { Random } from '../core/io.js';

/**
 * A seeded random stream. Independent streams are derived by name, so adding
 * draws to one (say, the workload) does not shift another (say, the faults).
 */
export class Rng implements Random {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  /** A new independent stream named `name` under this one's seed. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  next(): number {
    return this.prng();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.prng() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.prng() * xs.length)]!;
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.prng() * (hi - lo);
  }

  /** Exponentially distributed with the given mean (heavy-ish tail for latencies). */
  exp(mean: number): number {
    return -Math.log(1 - this.prng()) * mean;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}
