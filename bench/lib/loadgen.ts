// The load generator: a fixed-concurrency closed loop (N workers, each sends
// its next request as soon as its previous one answered), a per-point warmup
// whose requests are not counted, and a log-bucketed latency histogram.
//
// Throughput counts the requests that completed inside the measured window
// [warmup end, window end]; latency is recorded for requests that started in
// that window. Workers stop issuing at the window's end and the loop waits
// (bounded by the request timeout of `op`) for the requests still in flight.
// With `cpuOf`, the CPU time of the server processes (and of this process, the
// client) over the measured window is charged per successful operation.

import { treeCpuMs } from './procs.js';

/** Latencies in microseconds, in buckets 2% wide (relative error <= 1%). */
export class Histogram {
  private static readonly RATIO = Math.log(1.02);
  private readonly counts = new Float64Array(1200);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  record(us: number): void {
    const v = Math.max(1, us);
    const i = Math.min(this.counts.length - 1, Math.ceil(Math.log(v) / Histogram.RATIO));
    this.counts[i]!++;
    this.count++;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
  }

  merge(o: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    this.count += o.count;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  /** The q-quantile (0..1) in microseconds: the upper edge of its bucket, clamped to [min, max]. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Math.exp(i * Histogram.RATIO)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    const ms = (us: number) => +(us / 1000).toFixed(3);
    return {
      samples: this.count,
      meanMs: this.count ? ms(this.sum / this.count) : NaN,
      p50Ms: ms(this.quantile(0.5)),
      p90Ms: ms(this.quantile(0.9)),
      p99Ms: ms(this.quantile(0.99)),
      p999Ms: ms(this.quantile(0.999)),
      maxMs: ms(this.max),
    };
  }
}

export interface LatencySummary {
  samples: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface PointResult extends LatencySummary {
  /** CPU ms per successful operation in the measured window: each server process, and this load generator. */
  cpuMsPerOp?: Record<string, number>;
  concurrency: number;
  /** Successful operations per second in the measured window. */
  opsPerSec: number;
  ok: number;
  errors: number;
  /** A few distinct error messages, for the log. */
  errorSamples: string[];
  warmupSec: number;
  durationSec: number;
}

export interface ClosedLoopOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One operation of worker `w` (its `seq`-th). Throws on failure. */
  op: (w: number, seq: number) => Promise<void>;
  /** Give up the point when this many operations failed (default: 1000). */
  maxErrors?: number;
  /** Server processes whose CPU time (their process trees, from /proc) is charged per operation over the measured window. */
  cpuOf?: { name: string; pid: number }[];
}

export async function closedLoop(o: ClosedLoopOptions): Promise<PointResult> {
  const hist = new Histogram();
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const stopAt = measureFrom + o.durationMs;
  let ok = 0;
  let errors = 0;
  let aborted = false;
  const samples = new Set<string>();
  const maxErrors = o.maxErrors ?? 1000;

  let cpu0: { client: NodeJS.CpuUsage; servers: number[] } | null = null;
  let okAtCpu0 = 0;
  const cpuTimer = o.cpuOf
    ? setTimeout(() => {
        cpu0 = { client: process.cpuUsage(), servers: o.cpuOf!.map((p) => treeCpuMs(p.pid)) };
        okAtCpu0 = ok;
      }, o.warmupMs)
    : null;
  const worker = async (w: number) => {
    let seq = 0;
    while (!aborted) {
      const start = performance.now();
      if (start >= stopAt) return;
      try {
        await o.op(w, seq++);
        const end = performance.now();
        if (start >= measureFrom) hist.record((end - start) * 1000);
        if (end >= measureFrom && end <= stopAt) ok++;
      } catch (e) {
        const end = performance.now();
        if (end >= measureFrom && end <= stopAt) errors++;
        if (samples.size < 5) samples.add(String((e as Error)?.message ?? e).slice(0, 200));
        if (errors >= maxErrors) aborted = true;
        // A failing server must not turn the loop into a busy spin.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  if (cpuTimer) clearTimeout(cpuTimer);
  let cpuMsPerOp: Record<string, number> | undefined;
  if (o.cpuOf && cpu0) {
    const c0 = cpu0 as { client: NodeJS.CpuUsage; servers: number[] };
    const ops = Math.max(1, ok - okAtCpu0);
    const client = process.cpuUsage(c0.client);
    cpuMsPerOp = { loadgen: +((client.user + client.system) / 1000 / ops).toFixed(3) };
    o.cpuOf.forEach((p, i) => (cpuMsPerOp![p.name] = +((treeCpuMs(p.pid) - c0.servers[i]!) / ops).toFixed(3)));
  }
  const measuredSec = Math.min(o.durationMs, Math.max(1, performance.now() - measureFrom)) / 1000;
  return {
    concurrency: o.concurrency,
    opsPerSec: Math.round(ok / measuredSec),
    ok,
    errors,
    errorSamples: [...samples],
    warmupSec: o.warmupMs / 1000,
    durationSec: +measuredSec.toFixed(2),
    ...(cpuMsPerOp ? { cpuMsPerOp } : {}),
    ...hist.summary(),
  };
}

/** Runs `f` over `items` with at most `limit` in flight (for bulk loading). */
export async function parallel<T>(items: readonly T[], limit: number, f: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/** A 16-byte key (ASCII): `tag` (2 chars) + worker (3, base 36) + sequence (11, base 36). */
export function benchKey(tag: string, w: number, seq: number): string {
  return tag.slice(0, 2).padEnd(2, '_') + w.toString(36).padStart(3, '0') + seq.toString(36).padStart(11, '0');
}

/** The i-th key of a preloaded table: 16 lowercase hex chars (the same spelling PostgreSQL builds with lpad(to_hex(i), 16, '0')). */
export function seqKey(i: number): string {
  return i.toString(16).padStart(16, '0');
}

/** A 100-byte value. */
export const VALUE_100 = 'v'.repeat(100);
