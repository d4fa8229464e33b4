// The simulator's event queue: a binary min-heap ordered by simulated time,
// then by the sequence number given at scheduling. The pair is unique, so the
// order never depends on the heap's internals: a seed replays bit for bit.

/** An event that runs `fn`; the world's own kinds are numbered from 1 (see sim/world.ts). */
export const RUN_FN = 0;

/**
 * One scheduled event. Its fields are plain data so that the world can
 * schedule its frequent events (message deliveries, a node's timers and disk
 * completions) without allocating a closure per event: `kind` says how to
 * run it and `a`, `b`, `c`, `ref` and `fn` carry what that kind needs. Every
 * event has the same shape, which keeps the heap's property reads
 * monomorphic.
 */
export class SimEvent {
  seq = 0;

  constructor(
    public at: number,
    public kind: number,
    public fn: (() => void) | null,
    public a: number,
    public b: number,
    public c: number,
    public ref: unknown,
  ) {}

  /** Runs an event of kind RUN_FN (the only kind pushed with push()). */
  run(): void {
    this.fn!();
  }
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `run` at simulated time `at`. */
  push(at: number, run: () => void): void {
    this.pushEvent(new SimEvent(at, RUN_FN, run, 0, 0, 0, null));
  }

  /** Schedules a prepared event at its `at`; the queue gives it its sequence number. */
  pushEvent(e: SimEvent): void {
    e.seq = this.nextSeq++;
    const h = this.heap;
    const at = e.at;
    let i = h.length;
    h.push(e);
    // Sift up. The new event has the highest sequence number so far, so it
    // goes above a parent only when its time is strictly earlier.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = h[p]!;
      if (!(at < hp.at)) break;
      h[i] = hp;
      i = p;
    }
    h[i] = e;
  }

  peekTime(): number {
    return this.heap.length ? this.heap[0]!.at : Infinity;
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let hc = h[l]!;
        if (r < n) {
          const hr = h[r]!;
          if (less(hr, hc)) {
            c = r;
            hc = hr;
          }
        }
        if (!less(hc, last)) break;
        h[i] = hc;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
