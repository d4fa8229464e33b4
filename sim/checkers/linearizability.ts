/**
 * Linearizability checker for single-key register operations (get, put, cas, delete).
 *
 * The history is split per key (linearizability is P-compositional: a history is linearizable
 * iff every key's sub-history is), and each key is checked with the Wing & Gong depth-first
 * search using Lowe's improvements: calls and returns live in one doubly linked list ordered by
 * time, linearizing an op unlinks its call and return, a stack records the choices for
 * backtracking, and a cache of visited (linearized set, register value) configurations stops the
 * search from exploring the same configuration twice.
 *
 * Indeterminate writes are calls without a return: they never bound a window, may be linearized
 * at any point after their invocation, and may be left out at the end. Everything is deterministic:
 * ties are broken by op id and hashes come from a fixed mixing function.
 */

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
  id: number;
  client: number;
  op: KvOp;
  invokeMs: number;
  /** 'ok': completed with result at completeMs. 'failed': definitely did not take effect (drop it).
   *  'indeterminate': may or may not have taken effect, at any time after invokeMs (completeMs ignored, treat as +infinity). */
  status: 'ok' | 'failed' | 'indeterminate';
  completeMs: number;
  result?: KvResult;
}

export type LinearizabilityVerdict =
  | { ok: true; keysChecked: number; opsChecked: number }
  | { ok: false; key: string; reason: string; ops: HistoryOp[] }
  | { ok: 'unknown'; key: string; reason: string };

/** Steps (candidate attempts plus backtracks) allowed per key before the verdict becomes 'unknown'. */
export const DEFAULT_BUDGET_STEPS = 3_000_000;

export function checkLinearizable(
  history: readonly HistoryOp[],
  opts?: { budgetSteps?: number },
): LinearizabilityVerdict {
  const budget = opts?.budgetSteps ?? DEFAULT_BUDGET_STEPS;
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    validate(h);
    let list = byKey.get(h.op.key);
    if (list === undefined) byKey.set(h.op.key, (list = []));
    list.push(h);
  }
  // Keys are checked in sorted order so the verdict never depends on the history's order. A
  // definite violation on any key outranks an 'unknown' on an earlier one.
  let unknown: LinearizabilityVerdict | null = null;
  let opsChecked = 0;
  for (const key of [...byKey.keys()].sort()) {
    const ops = byKey.get(key)!;
    const outcome = checkKey(ops, budget);
    opsChecked += outcome.opsChecked;
    if (outcome.kind === 'fail') return { ok: false, key, reason: outcome.reason, ops: sortByInvoke(ops) };
    if (outcome.kind === 'unknown' && unknown === null) unknown = { ok: 'unknown', key, reason: outcome.reason };
  }
  return unknown ?? { ok: true, keysChecked: byKey.size, opsChecked };
}

/** One line per op: id, client, interval, operation, status and result. */
export function formatHistory(ops: readonly HistoryOp[]): string {
  return ops.map(formatOp).join('\n');
}

export function formatOp(h: HistoryOp): string {
  const end = h.status === 'indeterminate' ? `∞) (gave up at ${h.completeMs})` : `${h.completeMs}]`;
  const outcome = h.status === 'ok' ? `ok${formatResult(h.result)}` : h.status;
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

function formatResult(r: KvResult | undefined): string {
  if (r === undefined) return '';
  if (r.f === 'get') return ` ${show(r.value)}`;
  if (r.f === 'cas') return r.ok ? ' (swapped)' : ' (not swapped)';
  return '';
}

function show(v: string | null): string {
  return v === null ? 'null' : JSON.stringify(v);
}

function sortByInvoke(ops: readonly HistoryOp[]): HistoryOp[] {
  return [...ops].sort((x, y) => x.invokeMs - y.invokeMs || x.id - y.id);
}

/** A malformed history is a harness bug, not a database bug, so it throws instead of judging. */
function validate(h: HistoryOp): void {
  if (h.status !== 'ok') return;
  if (h.result === undefined || h.result.f !== h.op.f) {
    throw new Error(`linearizability: ok op #${h.id} has no ${h.op.f} result: ${formatOp(h)}`);
  }
  if (!(h.completeMs >= h.invokeMs)) throw new Error(`linearizability: op #${h.id} completes before it is invoked`);
}

// ---------------------------------------------------------------------------------------------
// Per-key compilation. Register values become small integers: 0 is "absent", and every value that
// some op compares against (a get's result, a cas's expected value) gets its own id from 2 up.
// Values that are written but never compared against are indistinguishable to every op, so they
// share id 1 ("an unread value"); this merges equivalent states in the cache without changing
// which histories pass.

const NULL_STATE = 0;
const UNREAD_STATE = 1;
const K_GET = 0, K_PUT = 1, K_DEL = 2, K_CAS_SWAP = 3, K_CAS_KEEP = 4;

type KeyOutcome =
  | { kind: 'ok'; opsChecked: number }
  | { kind: 'fail'; reason: string; opsChecked: number }
  | { kind: 'unknown'; reason: string; opsChecked: number };

interface Compiled {
  /** Ok ops come first, indexed by return order; indeterminate writes follow, by invocation order. */
  src: HistoryOp[];
  nOk: number;
  kind: Uint8Array;
  argA: Int32Array;
  argB: Int32Array;
  /** Linked list of entries 1..E in time order (0 is the sentinel head). */
  entryOp: Int32Array;
  isCall: Uint8Array;
  match: Int32Array;
  next: Int32Array;
  prev: Int32Array;
  /** For barrier op r: one past the last bitset word holding an ok op that can precede r's return. */
  hiWord: Int32Array;
  /** The state id an op compares against (a get's result, a cas's expected value), or -1. */
  obs: Int32Array;
  /** Equivalence classes of indeterminate writes with identical effect, and each op's rank in its class. */
  cls: Int32Array;
  clsRank: Int32Array;
  nClasses: number;
  stateNames: string[];
}

function checkKey(ops: readonly HistoryOp[], budget: number): KeyOutcome {
  const live = ops.filter((h) => h.status === 'ok' || (h.status === 'indeterminate' && h.op.f !== 'get'));
  const early = precheckValues(live);
  if (early !== null) return { kind: 'fail', reason: early, opsChecked: live.length };
  const c = compile(live);
  const r = search(c, budget);
  if (r.kind === 'ok') return { kind: 'ok', opsChecked: live.length };
  if (r.kind === 'unknown') {
    const reason = `search budget of ${budget} steps exhausted (${c.nOk} ok ops, ${live.length - c.nOk} indeterminate writes)`;
    return { kind: 'unknown', reason, opsChecked: live.length };
  }
  const culprit = c.src[r.barrier]!;
  const states = [...r.states].sort((x, y) => x - y).map((s) => c.stateNames[s]).join(', ');
  const reason =
    `${formatOp(culprit)} cannot be linearized: after the ${r.depth} ok op(s) that can precede it, ` +
    `the register could only hold ${states}`;
  return { kind: 'fail', reason, opsChecked: live.length };
}

/**
 * A cheap necessary condition with a clearer message than the search can give: a value that an op
 * observed must have been written by an op invoked no later than the observer completed.
 */
function precheckValues(live: readonly HistoryOp[]): string | null {
  const firstWrite = new Map<string, number>();
  for (const h of live) {
    const casFailed = h.status === 'ok' && h.result?.f === 'cas' && !h.result.ok;
    const v = h.op.f === 'put' || (h.op.f === 'cas' && !casFailed) ? h.op.value : null;
    if (v !== null && !(h.invokeMs >= (firstWrite.get(v) ?? Infinity))) firstWrite.set(v, h.invokeMs);
  }
  for (const h of live) {
    if (h.status !== 'ok') continue;
    let seen: string | null = null;
    if (h.result?.f === 'get') seen = h.result.value;
    else if (h.result?.f === 'cas' && h.result.ok && h.op.f === 'cas') seen = h.op.expected;
    if (seen === null) continue;
    const w = firstWrite.get(seen);
    if (w === undefined) return `${formatOp(h)} observed ${show(seen)}, which no op ever wrote`;
    if (w > h.completeMs) {
      return `${formatOp(h)} observed ${show(seen)}, but the first write of it was invoked later, at ${w}`;
    }
  }
  return null;
}

function compile(live: readonly HistoryOp[]): Compiled {
  const valueId = new Map<string, number>();
  const stateNames = ['null (absent)', 'a value no op reads'];
  const observe = (v: string | null): void => {
    if (v !== null && !valueId.has(v)) { valueId.set(v, stateNames.length); stateNames.push(show(v)); }
  };
  for (const h of live) {
    if (h.status === 'ok' && h.result?.f === 'get') observe(h.result.value);
    if (h.op.f === 'cas') observe(h.op.expected);
  }
  const idOf = (v: string | null): number => (v === null ? NULL_STATE : valueId.get(v) ?? UNREAD_STATE);
  const unread = [...new Set(live.flatMap((h) => (h.op.f === 'put' || h.op.f === 'cas' ? [h.op.value] : [])))]
    .filter((v) => !valueId.has(v));
  const more = unread.length > 5 ? ', ...' : '';
  stateNames[UNREAD_STATE] = `a value no op reads (${unread.slice(0, 5).map(show).join(', ')}${more})`;

  // Calls sort before returns at the same instant, so ops touching at an instant count as
  // concurrent: with millisecond timestamps we cannot tell which happened first, and a checker must
  // not report a violation it cannot prove.
  type Ev = { t: number; call: boolean; h: HistoryOp };
  const evs: Ev[] = [];
  for (const h of live) {
    evs.push({ t: h.invokeMs, call: true, h });
    if (h.status === 'ok') evs.push({ t: h.completeMs, call: false, h });
  }
  evs.sort((x, y) => x.t - y.t || Number(y.call) - Number(x.call) || x.h.id - y.h.id);

  const nOk = live.filter((h) => h.status === 'ok').length;
  const n = live.length;
  const index = new Map<HistoryOp, number>();
  let okNext = 0;
  let indetNext = nOk;
  for (const ev of evs) {
    if (!ev.call) index.set(ev.h, okNext++);
    else if (ev.h.status !== 'ok') index.set(ev.h, indetNext++);
  }
  const src: HistoryOp[] = new Array<HistoryOp>(n);
  for (const [h, i] of index) src[i] = h;

  const kind = new Uint8Array(n), argA = new Int32Array(n), argB = new Int32Array(n);
  const cls = new Int32Array(n).fill(-1), clsRank = new Int32Array(n), obs = new Int32Array(n).fill(-1);
  const classes = new Map<string, number>();
  const classSize: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = src[i]!, op = h.op;
    if (op.f === 'get') { kind[i] = K_GET; argA[i] = obs[i] = idOf(h.result?.f === 'get' ? h.result.value : null); }
    else if (op.f === 'put') { kind[i] = K_PUT; argA[i] = idOf(op.value); }
    else if (op.f === 'delete') kind[i] = K_DEL;
    else {
      // An indeterminate cas is only worth linearizing when it swaps: a failed cas changes nothing.
      const swapped = h.status !== 'ok' || (h.result?.f === 'cas' && h.result.ok);
      kind[i] = swapped ? K_CAS_SWAP : K_CAS_KEEP;
      argA[i] = obs[i] = idOf(op.expected);
      argB[i] = idOf(op.value);
    }
    if (i >= nOk) {
      const sig = `${kind[i]}:${argA[i]}:${argB[i]}`;
      let k = classes.get(sig);
      if (k === undefined) { k = classSize.length; classes.set(sig, k); classSize.push(0); }
      cls[i] = k;
      clsRank[i] = classSize[k]!++;
    }
  }

  const E = evs.length;
  const entryOp = new Int32Array(E + 2), isCall = new Uint8Array(E + 2), match = new Int32Array(E + 2);
  const next = new Int32Array(E + 2), prev = new Int32Array(E + 2);
  const hiWord = new Int32Array(nOk + 1);
  const callEntry = new Int32Array(n);
  let maxOkCalled = -1;
  for (let e = 1; e <= E; e++) {
    const ev = evs[e - 1]!, i = index.get(ev.h)!;
    entryOp[e] = i;
    isCall[e] = ev.call ? 1 : 0;
    next[e - 1] = e;
    prev[e] = e - 1;
    if (ev.call) {
      callEntry[i] = e;
      if (i < nOk) maxOkCalled = Math.max(maxOkCalled, i);
    } else {
      match[callEntry[i]!] = e;
      hiWord[i] = (Math.max(maxOkCalled, i) >>> 5) + 1;
    }
  }
  next[E] = 0;
  prev[0] = E;
  return {
    src, nOk, kind, argA, argB, entryOp, isCall, match, next, prev, hiWord,
    obs, cls, clsRank, nClasses: classSize.length, stateNames,
  };
}

/** The register's next state after op i, or -1 when op i cannot take effect in state s. */
function stepOp(kind: number, a: number, b: number, s: number): number {
  switch (kind) {
    case K_GET: return s === a ? s : -1;
    case K_PUT: return a;
    case K_DEL: return NULL_STATE;
    case K_CAS_SWAP: return s === a ? b : -1;
    default: return s !== a ? s : -1;
  }
}

type SearchResult =
  | { kind: 'ok' }
  | { kind: 'unknown' }
  | { kind: 'fail'; barrier: number; depth: number; states: Set<number> };

function search(c: Compiled, budget: number): SearchResult {
  const { nOk, kind, argA, argB, entryOp, isCall, match, obs, cls, clsRank, hiWord } = c;
  const n = c.src.length;
  if (nOk === 0) return { kind: 'ok' };
  const next = c.next.slice(), prev = c.prev.slice();
  const okWords = (nOk + 31) >>> 5;
  const bits = new Uint32Array(okWords + ((n - nOk + 31) >>> 5));
  const cache = new ConfigCache(okWords, bits.length - okWords);
  const clsNext = new Int32Array(c.nClasses);
  const stackEntry = new Int32Array(n), stackState = new Int32Array(n), stackPass = new Uint8Array(n);
  const stackNeed = new Int32Array(n), stackRaw = new Int32Array(n), triedDead = new Uint8Array(n + 1);
  let sp = 0;
  let state = NULL_STATE, raw = NULL_STATE, hash = 0, okLeft = nOk;
  // Values with no unlinearized op left to compare against them are indistinguishable from each
  // other for the rest of the search, so the state is canonicalized to UNREAD_STATE once its value
  // has no observers left (`raw` keeps the real value for failure reports). A value never regains
  // observers along a path, so all writes of dead values are interchangeable from then on, and only
  // one of them is tried per configuration (`triedDead`).
  const obsLeft = new Int32Array(c.stateNames.length);
  for (let i = 0; i < n; i++) if (obs[i]! >= 0) obsLeft[obs[i]!]!++;
  const canon = (x: number): number => (obsLeft[x]! > 0 ? x : UNREAD_STATE);
  // Right after an indeterminate write, `need` is the state it replaced, else -1. The next op must
  // then be one that could not take effect in `need` but can now. That loses no linearization: an
  // indeterminate write followed by an op indifferent to it can be moved after that op (it has no
  // return bounding it), and one followed by a blind overwrite, or by nothing, can be dropped.
  let need = -1;
  // The barrier is the unlinearized ok op with the earliest return, i.e. the smallest unset ok bit;
  // every ok op below it is linearized, which is what lets the cache store only a window of words.
  let barrier = 0;

  const bitWord = (i: number): number => (i < nOk ? i >>> 5 : okWords + ((i - nOk) >>> 5));
  const bitMask = (i: number): number => 1 << ((i < nOk ? i : i - nOk) & 31);
  const isSet = (i: number): boolean => (bits[bitWord(i)]! & bitMask(i)) !== 0;
  const toggle = (i: number, on: boolean): void => {
    bits[bitWord(i)]! ^= bitMask(i);
    if (obs[i]! >= 0) obsLeft[obs[i]!]! += on ? -1 : 1;
    if (i >= nOk) {
      clsNext[cls[i]!]! += on ? 1 : -1;
      return;
    }
    hash ^= zobrist(i);
    if (on) {
      okLeft--;
      while (barrier < nOk && isSet(barrier)) barrier++;
    } else {
      okLeft++;
      if (i < barrier) barrier = i;
    }
  };

  // Progress report for failures: the deepest configuration (most ok ops linearized), its barrier,
  // and every register value seen there. No ok op could be added from those configurations, so the
  // barrier op is one that no reachable state lets take effect in time.
  let bestDepth = -1, bestBarrier = 0;
  const bestStates = new Set<number>();
  const record = (): void => {
    const depth = nOk - okLeft;
    if (depth > bestDepth) { bestDepth = depth; bestBarrier = barrier; bestStates.clear(); }
    if (depth === bestDepth && barrier === bestBarrier) bestStates.add(raw);
  };
  record();

  // Candidates in a window (the call entries before the first return entry) are tried in two
  // passes: ok ops first, then indeterminate writes, so a linearizable history rarely has to
  // speculate on writes that may never have happened. Among indeterminate writes with the same
  // effect only the earliest unused one is tried: once both are invoked they are interchangeable.
  let pass = 0;
  let cursor = next[0]!;
  const findCandidate = (): number => {
    for (;;) {
      for (let e = cursor; e !== 0 && isCall[e] === 1; e = next[e]!) {
        const i = entryOp[e]!;
        if (pass === 0 ? i < nOk : i >= nOk && clsNext[cls[i]!] === clsRank[i]) return e;
      }
      if (pass === 1) return 0;
      pass = 1;
      cursor = next[0]!;
    }
  };
  const unlink = (e: number): void => { next[prev[e]!] = next[e]!; prev[next[e]!] = prev[e]!; };
  const relink = (e: number): void => { next[prev[e]!] = e; prev[next[e]!] = e; };

  for (let steps = 0; ; steps++) {
    if (steps >= budget) return { kind: 'unknown' };
    const e = findCandidate();
    if (e === 0) {
      if (sp === 0) return { kind: 'fail', barrier: bestBarrier, depth: bestDepth, states: bestStates };
      sp--;
      const f = stackEntry[sp]!, i = entryOp[f]!;
      if (i < nOk) relink(match[f]!);
      relink(f);
      toggle(i, false);
      state = stackState[sp]!;
      raw = stackRaw[sp]!;
      pass = stackPass[sp]!;
      need = stackNeed[sp]!;
      cursor = next[f]!;
      continue;
    }
    const i = entryOp[e]!;
    const raw2 = stepOp(kind[i]!, argA[i]!, argB[i]!, state);
    const needed = need < 0 || stepOp(kind[i]!, argA[i]!, argB[i]!, need) < 0;
    if (raw2 < 0 || !needed) { cursor = next[e]!; continue; }
    toggle(i, true);
    if (okLeft === 0) return { kind: 'ok' };
    const s2 = canon(raw2);
    let skip = false;
    if (i >= nOk) {
      // An indeterminate write that would not change the register is never needed: leaving it
      // out yields the same sequence of states.
      const deadBlind = s2 === UNREAD_STATE && kind[i] !== K_CAS_SWAP;
      skip = s2 === state || (deadBlind && triedDead[sp] === 1);
      if (deadBlind) triedDead[sp] = 1;
    }
    const need2 = i < nOk ? -1 : state;
    if (skip || !cache.add(bits, hash, s2, need2, barrier >>> 5, hiWord[barrier]!)) {
      toggle(i, false);
      cursor = next[e]!;
      continue;
    }
    stackEntry[sp] = e;
    stackState[sp] = state;
    stackPass[sp] = pass;
    stackNeed[sp] = need;
    stackRaw[sp] = raw;
    sp++;
    triedDead[sp] = 0;
    unlink(e);
    if (i < nOk) unlink(match[e]!);
    state = s2;
    raw = raw2;
    need = need2;
    pass = 0;
    cursor = next[0]!;
    record();
  }
}

/** A fixed 32-bit hash per ok op; the set hash is the XOR over linearized ok ops (Zobrist hashing). */
function zobrist(i: number): number {
  let x = Math.imul(i + 1, 0x9e3779b9);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

/**
 * Visited configurations, stored exactly (a false hit could hide a linearization). A configuration
 * is the set of linearized ok ops, the register state, `need`, and the set U of used indeterminate
 * writes. The ok set is stored compactly: words below `lo` are all ones and words from `hi` on all
 * zeros, so only words [lo, hi) are kept. For the same ok set, state and need, a configuration
 * whose U is a superset of a visited one's is dominated: it has only fewer writes left to use, so
 * every completion of it is a completion of the visited one. Such configurations are pruned,
 * which keeps the search from enumerating subsets of pending indeterminate writes.
 */
class ConfigCache {
  private slots = new Int32Array(1 << 12); // group index + 1, 0 = empty
  private groups = 0;
  private meta = new Int32Array(7 * 1024); // per group: hash, state, need, lo, len, offset, chain head
  private okArena = new Uint32Array(1 << 14);
  private okLen = 0;
  private chainNext = new Int32Array(1024); // per U record: next record + 1 in its group, 0 = end
  private uArena: Uint32Array;
  private records = 0;

  constructor(private readonly okWords: number, private readonly uWords: number) {
    this.uArena = new Uint32Array(Math.max(1, uWords) * 1024);
  }

  /** Records the configuration and returns true, or returns false when a visited one dominates it. */
  add(bits: Uint32Array, okHash: number, state: number, need: number, lo: number, hi: number): boolean {
    const g = this.group(bits, okHash, state, need, lo, hi);
    const uw = this.uWords, base = this.okWords;
    for (let r = this.meta[7 * g + 6]!; r !== 0; r = this.chainNext[r - 1]!) {
      const off = (r - 1) * uw;
      let subset = true;
      for (let w = 0; w < uw && subset; w++) subset = (this.uArena[off + w]! & ~bits[base + w]!) === 0;
      if (subset) return false;
    }
    if (this.records + 1 > this.chainNext.length) this.chainNext = grow(this.chainNext, this.records + 1);
    if ((this.records + 1) * uw > this.uArena.length) this.uArena = grow(this.uArena, (this.records + 1) * uw);
    this.uArena.set(bits.subarray(base, base + uw), this.records * uw);
    this.chainNext[this.records] = this.meta[7 * g + 6]!;
    this.meta[7 * g + 6] = ++this.records;
    return true;
  }

  /** Finds or creates the group of configurations sharing this ok set, state and need. */
  private group(bits: Uint32Array, okHash: number, state: number, need: number, lo: number, hi: number): number {
    const h = (okHash ^ Math.imul(state + 1, 0x27d4eb2d) ^ Math.imul(need + 2, 0x165667b1) ^ lo) | 0;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let gi = this.slots[slot]!; gi !== 0; gi = this.slots[slot]!) {
      const m = 7 * (gi - 1), off = this.meta[m + 5]!;
      let same = this.meta[m] === h && this.meta[m + 1] === state && this.meta[m + 2] === need &&
        this.meta[m + 3] === lo && this.meta[m + 4] === hi - lo;
      for (let w = lo; w < hi && same; w++) same = this.okArena[off + w - lo] === bits[w];
      if (same) return gi - 1;
      slot = (slot + 1) & mask;
    }
    if (this.okLen + hi - lo > this.okArena.length) this.okArena = grow(this.okArena, this.okLen + hi - lo);
    if (7 * (this.groups + 1) > this.meta.length) this.meta = grow(this.meta, 7 * (this.groups + 1));
    this.meta.set([h, state, need, lo, hi - lo, this.okLen, 0], 7 * this.groups);
    this.okArena.set(bits.subarray(lo, hi), this.okLen);
    this.okLen += hi - lo;
    this.slots[slot] = ++this.groups;
    if (2 * this.groups > this.slots.length) this.rehash();
    return this.groups - 1;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let gi = 0; gi < this.groups; gi++) {
      let slot = this.meta[7 * gi]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = gi + 1;
    }
    this.slots = slots;
  }
}

function grow<T extends Int32Array | Uint32Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
