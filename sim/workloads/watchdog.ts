/**
 * Client timeouts with one pending event per client instead of one per
 * operation. Most operations finish long before their deadline; a timer per
 * operation would leave thousands of dead events (and their closures) in the
 * queue. The watchdog fires at the deadline of the operation in flight when it
 * was armed; if that operation is done by then, it re-arms for the current
 * one. An operation still times out exactly at its own deadline.
 */
export class Watchdog {
  private armedAt = Infinity;
  private deadlineMs = Infinity;
  private onExpire: (() => void) | null = null;

  constructor(private readonly at: (t: number, fn: () => void) => void) {}

  /** Watches a new operation: `onExpire` runs at `deadlineMs` unless `clear()` comes first. */
  watch(deadlineMs: number, onExpire: () => void): void {
    this.deadlineMs = deadlineMs;
    this.onExpire = onExpire;
    if (this.armedAt === Infinity) this.arm(deadlineMs);
  }

  clear(): void {
    this.onExpire = null;
    this.deadlineMs = Infinity;
  }

  private arm(t: number): void {
    this.armedAt = t;
    this.at(t, () => this.fire(t));
  }

  private fire(t: number): void {
    this.armedAt = Infinity;
    if (!this.onExpire) return;
    if (this.deadlineMs <= t) {
      const f = this.onExpire;
      this.clear();
      f();
    } else this.arm(this.deadlineMs);
  }
}
