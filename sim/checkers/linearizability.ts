/**
 * Linearizability checker for single-key register operations (get, put, cas, delete).
 *
 * The history is split per key (linearizability is P-compositional: a history is linearizable
 * iff every key's sub-history is). Each key first gets two cheap necessary checks that explain the
 * common bugs plainly (a value read before anyone wrote it; a read of a value that was certainly
 * overwritten), then the full Wing & Gong search in wgl.ts.
 */
import { searchRegister } from './wgl.js';

export type KvOp =
  | { f: 'get'; key: string }
  | { f: 'put'; key: string; value: string }
  | { f: 'cas'; key: string; expected: string | null; value: string }
  | { f: 'delete'; key: string };

/** What an operation returned; only meaningful when status is 'ok'. */
export type KvResult =
  | { f: 'get'; value: string | null }
  | { f: 'cas'; ok: boolean }
  | { f: 'put' }
  | { f: 'delete' };

export interface HistoryOp {
  id: number;          // unique per history
  client: number;      // each client runs one op at a time
  op: KvOp;
  invokeMs: number;    // simulated time the client issued it
  /** 'ok': completed with result at completeMs. 'failed': definitely did not take effect (drop it).
   *  'indeterminate': may or may not have taken effect, at any time after invokeMs (completeMs ignored, treat as +infinity). */
  status: 'ok' | 'failed' | 'indeterminate';
  completeMs: number;  // for 'ok' and 'failed'; for 'indeterminate' it is the time the client gave up (ignore for ordering)
  result?: KvResult;   // present when status is 'ok'
}

export type LinearizabilityVerdict =
  | { ok: true; keysChecked: number; opsChecked: number }
  | { ok: false; key: string; reason: string; ops: HistoryOp[] /* the ops of that key, sorted by invokeMs */ }
  | { ok: 'unknown'; key: string; reason: string /* search budget exhausted */ };

/** Search steps (candidate attempts plus backtracks) per key before the verdict becomes 'unknown': one to a few seconds. */
export const DEFAULT_BUDGET_STEPS = 5_000_000;

/**
 * Judges a history. Ops that touch at an instant (one completes at the very ms another is invoked)
 * count as concurrent, since millisecond timestamps cannot order them. An ok op answered with the
 * result of another kind of operation is the system's wrong answer: a violation. A malformed
 * history (an ok op without a result, or completing before it is invoked) throws: a harness bug.
 */
export function checkLinearizable(
  history: readonly HistoryOp[],
  opts?: { budgetSteps?: number },
): LinearizabilityVerdict {
  const budget = opts?.budgetSteps ?? DEFAULT_BUDGET_STEPS;
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    validate(h);
    if (h.status === 'ok' && h.result!.f !== h.op.f) {
      const ops = history.filter((x) => x.op.key === h.op.key).sort((x, y) => x.invokeMs - y.invokeMs || x.id - y.id);
      return { ok: false, key: h.op.key, reason: `${h.op.f} answered with a ${h.result!.f} result: ${formatOp(h)}`, ops };
    }
    let list = byKey.get(h.op.key);
    if (list === undefined) byKey.set(h.op.key, (list = []));
    list.push(h);
  }
  // Keys are checked in sorted order so the verdict never depends on the history's order. A
  // definite violation on any key outranks an 'unknown' on an earlier one.
  let unknown: LinearizabilityVerdict | null = null;
  let opsChecked = 0;
  for (const key of [...byKey.keys()].sort()) {
    const ops = byKey.get(key)!.sort((x, y) => x.invokeMs - y.invokeMs || x.id - y.id);
    const live = ops.filter((h) => h.status === 'ok' || (h.status === 'indeterminate' && h.op.f !== 'get'));
    opsChecked += live.length;
    const reason = precheck(live) ?? search(live, budget);
    if (reason === 'unknown') {
      const indet = live.filter((h) => h.status !== 'ok').length;
      const why = `search budget of ${budget} steps exhausted on ${live.length} ops (${indet} indeterminate writes)`;
      unknown ??= { ok: 'unknown', key, reason: why };
    } else if (reason !== null) {
      return { ok: false, key, reason, ops };
    }
  }
  return unknown ?? { ok: true, keysChecked: byKey.size, opsChecked };
}

/** One line per op: id, client, interval, operation, status and result. */
export function formatHistory(ops: readonly HistoryOp[]): string {
  return ops.map(formatOp).join('\n');
}

/** For example `#12 c3 [100, 140] cas(k, "a" -> "b") -> ok (swapped)`. */
export function formatOp(h: HistoryOp): string {
  const end = h.status === 'indeterminate' ? `∞) (gave up at ${h.completeMs})` : `${h.completeMs}]`;
  let outcome: string = h.status;
  if (h.status === 'ok') {
    const r = h.result;
    outcome = r?.f === 'get' ? `ok ${show(r.value)}` : r?.f === 'cas' ? `ok (${r.ok ? '' : 'not '}swapped)` : 'ok';
  }
  return `#${h.id} c${h.client} [${h.invokeMs}, ${end} ${describeOp(h.op)} -> ${outcome}`;
}

function describeOp(op: KvOp): string {
  switch (op.f) {
    case 'get': return `get(${op.key})`;
    case 'put': return `put(${op.key}, ${show(op.value)})`;
    case 'delete': return `delete(${op.key})`;
    case 'cas': return `cas(${op.key}, ${show(op.expected)} -> ${show(op.value)})`;
  }
}

function show(v: string | null): string {
  return v === null ? 'null' : JSON.stringify(v);
}

function validate(h: HistoryOp): void {
  if (h.status !== 'ok') return;
  if (h.result === undefined) throw new Error(`linearizability: ok op has no result: ${formatOp(h)}`);
  if (!(h.completeMs >= h.invokeMs)) {
    throw new Error(`linearizability: op completes before it is invoked: ${formatOp(h)}`);
  }
}

/** Runs the full search; returns null when linearizable, 'unknown', or a reason. */
function search(live: readonly HistoryOp[], budget: number): string | null {
  const r = searchRegister(live, budget);
  if (r.kind !== 'fail') return r.kind === 'ok' ? null : 'unknown';
  const byValue = new Map<string, string>();
  for (const w of r.writers) {
    const v = show(w === null ? null : writtenValue(w) ?? null);
    if (!byValue.has(v)) byValue.set(v, w === null ? `${v} (initial)` : `${v} (from #${w.id})`);
  }
  const values = [...byValue.values()];
  const more = values.length > 6 ? `, and ${values.length - 6} more` : '';
  return `${formatOp(r.culprit)} cannot be linearized: after the ${r.depth} ok op(s) that can precede it, ` +
    `the register could only hold ${values.slice(0, 6).join(', ')}${more}`;
}

/** The value a write leaves in the register, or undefined for ops that do not write. */
function writtenValue(h: HistoryOp): string | null | undefined {
  const op = h.op;
  if (op.f === 'get') return undefined;
  if (op.f === 'delete') return null;
  const casFailed = op.f === 'cas' && h.status === 'ok' && h.result?.f === 'cas' && !h.result.ok;
  return casFailed ? undefined : op.value;
}

/** The value an ok op shows the register held (a get's result, a successful cas's expected value). */
function observedValue(h: HistoryOp): string | null | undefined {
  if (h.status !== 'ok') return undefined;
  if (h.result?.f === 'get') return h.result.value;
  return h.op.f === 'cas' && h.result?.f === 'cas' && h.result.ok ? h.op.expected : undefined;
}

/**
 * Necessary conditions checked in O(n log n) before the search, each with a plain explanation:
 * an observed value must have a write that was invoked before the observer completed (or be the
 * initial null), and not every such write may have been followed, before the observer was invoked,
 * by a completed ok write of another value. Returns the reason for the first op that breaks one.
 */
function precheck(live: readonly HistoryOp[]): string | null {
  const writers = new Map<string | null, HistoryOp[]>();
  const overwriters: { inv: number; done: number; value: string | null; h: HistoryOp }[] = [];
  for (const h of live) {
    const v = writtenValue(h);
    if (v === undefined) continue;
    const list = writers.get(v) ?? [];
    writers.set(v, list);
    list.push(h);
    if (h.status === 'ok') overwriters.push({ inv: h.invokeMs, done: h.completeMs, value: v, h });
  }
  // best[j] and second[j]: among overwriters j.. (by invocation), the earliest to complete, and the
  // earliest to complete with a different value, so "the first to finish writing something other
  // than v" is two lookups.
  overwriters.sort((x, y) => x.inv - y.inv || x.h.id - y.h.id);
  type Best = (typeof overwriters)[number] | undefined;
  const best: Best[] = new Array<Best>(overwriters.length + 1);
  const second: Best[] = new Array<Best>(overwriters.length + 1);
  for (let j = overwriters.length - 1; j >= 0; j--) {
    const o = overwriters[j]!;
    let b = best[j + 1], s = second[j + 1];
    if (b === undefined || o.done < b.done) {
      if (b !== undefined && b.value !== o.value) s = b;
      b = o;
    } else if (o.value !== b.value && (s === undefined || o.done < s.done)) s = o;
    best[j] = b;
    second[j] = s;
  }
  const firstOverwrite = (after: number, v: string | null): Best => {
    let lo = 0, hi = overwriters.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (overwriters[mid]!.inv > after) hi = mid; else lo = mid + 1; }
    return best[lo]?.value !== v ? best[lo] : second[lo];
  };

  for (const g of live) {
    const v = observedValue(g);
    if (v === undefined) continue;
    // One pass over the value's writers (g aside): count those invoked before g completed, and
    // check each of them against the first overwrite after it. The ops are formatted only for the
    // report: this loop runs for every observing op.
    let firstWriter: HistoryOp | null = null;
    let early = 0;
    let allOverwritten = true;
    let example: { w: HistoryOp | null; by: HistoryOp } | null = null;
    const overwritten = (done: number, w: HistoryOp | null): void => {
      const x = firstOverwrite(done, v);
      if (x === undefined || x.done >= g.invokeMs) allOverwritten = false;
      else example = { w, by: x.h };
    };
    for (const w of writers.get(v) ?? []) {
      if (w === g) continue;
      firstWriter ??= w;
      if (w.invokeMs > g.completeMs) continue;
      early++;
      if (allOverwritten) overwritten(w.status === 'ok' ? w.completeMs : Infinity, w);
    }
    if (v !== null && early === 0) {
      const first = firstWriter === null ? 'no op ever wrote it'
        : `its first write, ${formatOp(firstWriter)}, was invoked after it completed`;
      return `${formatOp(g)} observed ${show(v)}, but ${first}`;
    }
    // The initial value acts as a write of null that completed before everything (w: null).
    const candidates = v === null ? early + 1 : early;
    if (v === null && allOverwritten) overwritten(-Infinity, null);
    if (allOverwritten) {
      const scope = candidates === 1 ? ''
        : `each of the ${candidates} writes it could have read was overwritten before it began; e.g. `;
      const e = example as { w: HistoryOp | null; by: HistoryOp } | null;
      const label = e === null ? '' : `${e.w === null ? 'the initial (absent) value' : formatOp(e.w)} was overwritten by ${formatOp(e.by)}`;
      return `${formatOp(g)} observed ${show(v)}, a stale value: ${scope}${label}`;
    }
  }
  return null;
}
