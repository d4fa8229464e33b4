import type { Rng } from './rng.js';

export interface NetworkFaults {
  /** Per-message probability of loss, duplication, and of an extra long delay. */
  loss: number;
  duplicate: number;
  delay: number;
  /** When false, each directed link is FIFO; when true, latencies reorder freely. */
  reorder: boolean;
}

/** Node ids are below this bound; a directed link is the number from * LINK_STRIDE + to. */
const LINK_STRIDE = 1 << 16;

function linkOf(from: number, to: number): number {
  return from * LINK_STRIDE + to;
}

/**
 * The simulated network between nodes: per-message latency drawn from a
 * distribution, loss, duplication, long delays, reordering, and directed link
 * cuts that make up partitions (symmetric, asymmetric, isolation).
 */
export class SimNetwork {
  /** Directed links that are cut (see linkOf). */
  private cut = new Set<number>();
  /**
   * Per directed link, as linkClear[from][to]: the latest delivery time
   * handed out, which keeps the link FIFO (undefined: none yet). Node ids are
   * small integers, so rows are plain arrays; this is read on every message.
   */
  private linkClear: number[][] = [];
  faults: NetworkFaults = { loss: 0, duplicate: 0, delay: 0, reorder: false };
  sent = 0;
  delivered = 0;
  dropped = 0;
  /**
   * The delivery times of the message route() last handled, in order: entries
   * [0, count) where count is what route() returned. Overwritten by the next
   * call, so a caller copies what it keeps (this saves an array per message).
   */
  readonly deliverAt: number[] = [0, 0];

  constructor(
    private readonly rng: Rng,
    private readonly latencyMs: { min: number; mean: number },
  ) {}

  /**
   * Routes one message: returns how many copies arrive (0 when it is lost, 2
   * when it is duplicated) and leaves their delivery times in deliverAt. The
   * random draws are made in a fixed order (loss, duplication, then per copy
   * latency and delay), so a seed always routes alike.
   */
  route(from: number, to: number, now: number): number {
    this.sent++;
    const link = linkOf(from, to);
    if ((this.cut.size > 0 && this.cut.has(link)) || this.rng.chance(this.faults.loss)) {
      this.dropped++;
      return 0;
    }
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    const min = this.latencyMs.min;
    const fifo = !this.faults.reorder;
    const clear = fifo ? (this.linkClear[from] ??= []) : null;
    for (let c = 0; c < copies; c++) {
      let lat = min + this.rng.exp(this.latencyMs.mean - min);
      if (this.rng.chance(this.faults.delay)) lat += this.rng.range(50, 600);
      let at = now + lat;
      if (clear !== null) {
        at = Math.max(at, clear[to] ?? 0);
        clear[to] = at;
      }
      this.deliverAt[c] = at;
    }
    return copies;
  }

  isCut(from: number, to: number): boolean {
    return this.cut.has(linkOf(from, to));
  }

  cutLink(from: number, to: number): void {
    this.cut.add(linkOf(from, to));
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
