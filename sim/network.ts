import type { Rng } from './rng.js';

const NONE: number[] = [];

export interface NetworkFaults {
  /** Per-message probability of loss, duplication, and of an extra long delay. */
  loss: number;
  duplicate: number;
  delay: number;
  /** When false, each directed link is FIFO; when true, latencies reorder freely. */
  reorder: boolean;
}

/**
 * The simulated network between nodes: per-message latency drawn from a
 * distribution, loss, duplication, long delays, reordering, and directed link
 * cuts that make up partitions (symmetric, asymmetric, isolation).
 */
export class SimNetwork {
  /** Directed links that are cut, as "from>to". */
  private cut = new Set<string>();
  private linkClear = new Map<string, number>();
  faults: NetworkFaults = { loss: 0, duplicate: 0, delay: 0, reorder: false };
  sent = 0;
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly rng: Rng,
    private readonly latencyMs: { min: number; mean: number },
  ) {}

  /** Returns the delivery times for a message (empty when it is lost). */
  route(from: number, to: number, now: number): number[] {
    this.sent++;
    const link = `${from}>${to}`;
    if ((this.cut.size > 0 && this.cut.has(link)) || this.rng.chance(this.faults.loss)) {
      this.dropped++;
      return NONE;
    }
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    const out: number[] = [];
    for (let c = 0; c < copies; c++) {
      let lat = this.latencyMs.min + this.rng.exp(this.latencyMs.mean - this.latencyMs.min);
      if (this.rng.chance(this.faults.delay)) lat += this.rng.range(50, 600);
      let at = now + lat;
      if (!this.faults.reorder) {
        at = Math.max(at, this.linkClear.get(link) ?? 0);
        this.linkClear.set(link, at);
      }
      out.push(at);
    }
    return out;
  }

  isCut(from: number, to: number): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  cutLink(from: number, to: number): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Splits nodes into two sides that cannot talk in either direction. */
  partition(sideA: readonly number[], sideB: readonly number[]): void {
    for (const a of sideA)
      for (const b of sideB) {
        this.cutLink(a, b);
        this.cutLink(b, a);
      }
  }

  heal(): void {
    this.cut.clear();
  }

  get partitioned(): boolean {
    return this.cut.size > 0;
  }
}
