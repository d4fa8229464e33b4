/**
 * Wing & Gong linearizability search with Lowe's improvements, for the history of one register.
 * Calls and returns live in one doubly linked list in time order; linearizing an op unlinks its
 * entries, a stack records the choices for backtracking, and a cache of visited configurations
 * stops the search from exploring one twice. Indeterminate writes are calls without a return: they
 * never bound a window, may be linearized at any point after their invocation, or never.
 *
 * On top of that, a few reductions that lose no linearization, needed because pending
 * indeterminate writes otherwise multiply the configurations: values no remaining op can tell
 * apart are merged, indeterminate writes are only placed right before an op that needs them, and
 * a configuration is pruned when a visited one with the same ok ops and state had at least the
 * same indeterminate writes left. Everything is deterministic: no randomness, fixed orders.
 */
import type { HistoryOp } from './linearizability.js';

export type RegisterSearchResult =
  | { kind: 'ok' }
  | { kind: 'unknown' }
  /** `culprit` could not be linearized; `writers` set the values the register could hold before it (null: initial). */
  | { kind: 'fail'; culprit: HistoryOp; depth: number; writers: (HistoryOp | null)[] };

/**
 * Searches for a linearization of one key's ops. Precondition: `ops` holds only ok ops (with
 * results) and indeterminate writes; failed ops and indeterminate gets are already dropped.
 */
export function searchRegister(ops: readonly HistoryOp[], budget: number): RegisterSearchResult {
  const c = compile(ops);
  const r = search(c, budget);
  if (r.kind !== 'fail') return r;
  const writers = [...r.writers].sort((x, y) => x - y).map((i) => (i < 0 ? null : c.src[i]!));
  return { kind: 'fail', culprit: c.src[r.barrier]!, depth: r.depth, writers };
}

// Register values become small integers: 0 is "absent", and every value that some op compares
// against (a get's result, a cas's expected value) gets its own id from 2 up. Values written but
// never compared against are indistinguishable to every op, so they share id 1.
const NULL_STATE = 0;
const UNREAD_STATE = 1;
const K_GET = 0, K_PUT = 1, K_DEL = 2, K_CAS_SWAP = 3, K_CAS_KEEP = 4;

interface Compiled {
  /** Ok ops come first, indexed by return order; indeterminate writes follow, by invocation order. */
  src: HistoryOp[];
  nOk: number;
  kind: Uint8Array;
  argA: Int32Array;
  argB: Int32Array;
  /** For ok ops, the state id the op compares against, or -1. */
  obs: Int32Array;
  /** Per state id, how many ops compare against it; indeterminate cas ops count forever. */
  obsInit: Int32Array;
  /** Linked list of entries 1..E in time order (0 is the sentinel head). */
  entryOp: Int32Array;
  isCall: Uint8Array;
  match: Int32Array;
  next: Int32Array;
  prev: Int32Array;
  /** For barrier op r: one past the last bitset word holding an ok op that can precede r's return. */
  hiWord: Int32Array;
  /** Indeterminate writes with identical effect form a class; `clsRank` is the op's rank in it. */
  cls: Int32Array;
  clsRank: Int32Array;
  /** Per class: the state it writes, and its merge kind once that state is dead (0: blind write, 1 + e: cas from e). */
  clsTarget: number[];
  clsMerge: number[];
}

function compile(live: readonly HistoryOp[]): Compiled {
  const valueId = new Map<string, number>();
  const observe = (v: string | null): void => { if (v !== null && !valueId.has(v)) valueId.set(v, valueId.size + 2); };
  for (const h of live) {
    if (h.result?.f === 'get') observe(h.result.value);
    if (h.op.f === 'cas') observe(h.op.expected);
  }
  const idOf = (v: string | null): number => (v === null ? NULL_STATE : valueId.get(v) ?? UNREAD_STATE);

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

  const nOk = live.filter((h) => h.status === 'ok').length, n = live.length;
  const index = new Map<HistoryOp, number>();
  let okNext = 0, indetNext = nOk;
  for (const ev of evs) {
    if (!ev.call) index.set(ev.h, okNext++);
    else if (ev.h.status !== 'ok') index.set(ev.h, indetNext++);
  }
  const src = new Array<HistoryOp>(n);
  for (const [h, i] of index) src[i] = h;

  const kind = new Uint8Array(n), argA = new Int32Array(n), argB = new Int32Array(n);
  const obs = new Int32Array(n).fill(-1), obsInit = new Int32Array(valueId.size + 2);
  const cls = new Int32Array(n).fill(-1), clsRank = new Int32Array(n);
  const classes = new Map<string, number>(), clsSize: number[] = [], clsTarget: number[] = [], clsMerge: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = src[i]!, op = h.op;
    let observed = -1;
    if (op.f === 'get') { kind[i] = K_GET; argA[i] = observed = idOf(h.result?.f === 'get' ? h.result.value : null); }
    else if (op.f === 'put') { kind[i] = K_PUT; argA[i] = idOf(op.value); }
    else if (op.f === 'delete') kind[i] = K_DEL;
    else {
      // An indeterminate cas is only worth linearizing when it swaps: a failed cas changes nothing.
      kind[i] = h.status !== 'ok' || (h.result?.f === 'cas' && h.result.ok) ? K_CAS_SWAP : K_CAS_KEEP;
      argA[i] = observed = idOf(op.expected);
      argB[i] = idOf(op.value);
    }
    if (observed >= 0) obsInit[observed]!++;
    if (i < nOk) { obs[i] = observed; continue; }
    const sig = `${kind[i]}:${argA[i]}:${argB[i]}`;
    let k = classes.get(sig);
    if (k === undefined) {
      k = clsSize.length;
      classes.set(sig, k);
      clsSize.push(0);
      clsTarget.push(kind[i] === K_PUT ? argA[i]! : kind[i] === K_DEL ? NULL_STATE : argB[i]!);
      clsMerge.push(kind[i] === K_CAS_SWAP ? 1 + argA[i]! : 0);
    }
    cls[i] = k;
    clsRank[i] = clsSize[k]!++;
  }

  const E = evs.length;
  const entryOp = new Int32Array(E + 1), isCall = new Uint8Array(E + 1), match = new Int32Array(E + 1);
  const next = new Int32Array(E + 1), prev = new Int32Array(E + 1), hiWord = new Int32Array(nOk + 1);
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
  prev[0] = E;
  return { src, nOk, kind, argA, argB, obs, obsInit, entryOp, isCall, match, next, prev, hiWord, cls, clsRank, clsTarget, clsMerge };
}

/** The register's next state after an op, or -1 when the op cannot take effect in state s. */
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
  | { kind: 'fail'; barrier: number; depth: number; writers: Set<number> };

/**
 * Invariants: an op is linearized only while its call precedes the first remaining return entry
 * (the window); the stack holds every linearized op in order with the state before it; `bits`
 * holds the linearized ok ops and `clsNext` how many ops of each indeterminate class are used
 * (always the earliest ones, since once invoked the ops of a class are interchangeable).
 */
function search(c: Compiled, budget: number): SearchResult {
  const { nOk, kind, argA, argB, obs, entryOp, isCall, match, cls, clsRank, clsTarget, hiWord } = c;
  const n = c.src.length;
  if (nOk === 0) return { kind: 'ok' };
  const next = c.next.slice(), prev = c.prev.slice();
  const bits = new Uint32Array((nOk + 31) >>> 5);
  const clsNext = new Int32Array(clsTarget.length);
  // The classes with clsNext > 0, in increasing order, so the cache never scans every class.
  const usedCls = new Int32Array(clsTarget.length);
  let usedLen = 0;
  const obsLeft = c.obsInit.slice();
  const cache = new ConfigCache(clsNext, obsLeft, clsTarget, c.clsMerge);
  const stEntry = new Int32Array(n), stState = new Int32Array(n), stWriter = new Int32Array(n);
  const stNeed = new Int32Array(n), stPass = new Uint8Array(n), triedDead = new Uint8Array(n + 1);
  let sp = 0, hash = 0, okLeft = nOk;
  // The barrier is the unlinearized ok op with the earliest return, i.e. the smallest unset bit:
  // every ok op below it is linearized, which lets the cache store only a window of words.
  let barrier = 0;
  // A value that no unlinearized op compares against is indistinguishable from any other such
  // value for the rest of the search, so `state` becomes UNREAD_STATE once its value is dead.
  // Dead values never revive along a path. `writer` is the op that set the value (-1: initial).
  const canon = (x: number): number => (obsLeft[x]! > 0 ? x : UNREAD_STATE);
  let state = canon(NULL_STATE), writer = -1;
  // Right after an indeterminate write, `need` is the state it replaced, else -1. The next op must
  // then be one that could not take effect in `need` but can now. That loses no linearization: an
  // indeterminate write followed by an op indifferent to it can be moved after that op (it has no
  // return bounding it), and one followed by a blind overwrite, or by nothing, can be dropped.
  let need = -1;

  const toggle = (i: number, on: boolean): void => {
    if (i >= nOk) {
      const k = cls[i]!;
      clsNext[k]! += on ? 1 : -1;
      if (clsNext[k] === (on ? 1 : 0)) {
        let at = 0;
        while (at < usedLen && usedCls[at]! < k) at++;
        usedCls.copyWithin(on ? at + 1 : at, on ? at : at + 1, usedLen);
        if (on) usedCls[at] = k;
        usedLen += on ? 1 : -1;
      }
      return;
    }
    bits[i >>> 5]! ^= 1 << (i & 31);
    hash ^= zobrist(i);
    if (obs[i]! >= 0) obsLeft[obs[i]!]! += on ? -1 : 1;
    if (!on) {
      okLeft++;
      if (i < barrier) barrier = i;
      return;
    }
    okLeft--;
    while (barrier < nOk && (bits[barrier >>> 5]! & (1 << (barrier & 31))) !== 0) barrier++;
  };

  // Failure report: the deepest configuration (most ok ops linearized), its barrier, and who wrote
  // the values the register held there. No ok op could be added from those configurations, so the
  // barrier op could not take effect in time in any of them.
  let bestDepth = -1, bestBarrier = 0;
  const bestWriters = new Set<number>();
  const record = (): void => {
    const depth = nOk - okLeft;
    if (depth > bestDepth) { bestDepth = depth; bestBarrier = barrier; bestWriters.clear(); }
    if (depth === bestDepth && barrier === bestBarrier) bestWriters.add(writer);
  };
  record();

  // Candidates in the window are tried in two passes: ok ops first, then indeterminate writes, so
  // a linearizable history rarely speculates on writes that may never have happened.
  let pass = 0, cursor = next[0]!;
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
  // An indeterminate write is only worth trying when some op in the window could then satisfy
  // `need`: one that observes the new value, or a failed cas expecting the current one. `wanted`
  // marks those values for the configuration numbered `serial` (renumbered on every push and pop).
  const wanted = new Int32Array(obsLeft.length);
  let serial = 0, wantedFor = -1, casFailsHere = false;
  const useful = (s2: number): boolean => {
    if (wantedFor !== serial) {
      wantedFor = serial;
      casFailsHere = false;
      for (let e = next[0]!; e !== 0 && isCall[e] === 1; e = next[e]!) {
        const j = entryOp[e]!;
        if (kind[j] === K_GET || kind[j] === K_CAS_SWAP) wanted[argA[j]!] = serial + 1;
        else if (kind[j] === K_CAS_KEEP && argA[j] === state) casFailsHere = true;
      }
    }
    return casFailsHere || wanted[s2] === serial + 1;
  };
  const unlink = (e: number): void => { next[prev[e]!] = next[e]!; prev[next[e]!] = prev[e]!; };
  const relink = (e: number): void => { next[prev[e]!] = e; prev[next[e]!] = e; };

  for (let steps = 0; ; steps++) {
    if (steps >= budget) return { kind: 'unknown' };
    const e = findCandidate();
    if (e === 0) {
      if (sp === 0) return { kind: 'fail', barrier: bestBarrier, depth: bestDepth, writers: bestWriters };
      sp--;
      serial++;
      const f = stEntry[sp]!, i = entryOp[f]!;
      if (i < nOk) relink(match[f]!);
      relink(f);
      toggle(i, false);
      state = stState[sp]!;
      writer = stWriter[sp]!;
      need = stNeed[sp]!;
      pass = stPass[sp]!;
      cursor = next[f]!;
      continue;
    }
    const i = entryOp[e]!, k = kind[i]!;
    const raw2 = stepOp(k, argA[i]!, argB[i]!, state);
    cursor = next[e]!;
    if (raw2 < 0 || (need >= 0 && stepOp(k, argA[i]!, argB[i]!, need) >= 0)) continue;
    if (i >= nOk && !useful(canon(raw2))) continue;
    toggle(i, true);
    if (okLeft === 0) return { kind: 'ok' };
    const s2 = canon(raw2);
    let skip = false;
    if (i >= nOk) {
      // A write that leaves the state as it was is never needed, and all blind writes of dead
      // values are interchangeable, so one of them per configuration is enough.
      const deadBlind = s2 === UNREAD_STATE && k !== K_CAS_SWAP;
      skip = s2 === state || (deadBlind && triedDead[sp] === 1);
      if (deadBlind) triedDead[sp] = 1;
    }
    const need2 = i < nOk ? -1 : state;
    if (skip || !cache.add(bits, hash, s2, need2, barrier >>> 5, hiWord[barrier]!, usedCls, usedLen)) {
      toggle(i, false);
      continue;
    }
    stEntry[sp] = e;
    stState[sp] = state;
    stWriter[sp] = writer;
    stNeed[sp] = need;
    stPass[sp] = pass;
    triedDead[++sp] = 0;
    serial++;
    unlink(e);
    if (i < nOk) unlink(match[e]!);
    if (k === K_PUT || k === K_DEL || k === K_CAS_SWAP) writer = i;
    state = s2;
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
 * Visited configurations, stored exactly (a false hit could hide a linearization). Configurations
 * are grouped by linearized ok set, state and need; the ok set is stored as words [lo, hi), since
 * words below lo are all ones and words from hi on all zeros. Within a group each record is the
 * vector of used indeterminate ops per class (sparse), and a new configuration is pruned when a
 * recorded one dominates it: it has left at least every write the new one has left, or one that
 * does the same, so every completion of the new one is also a completion of it. This keeps the
 * search from enumerating which of the pending indeterminate writes it spent earlier.
 */
class ConfigCache {
  private slots = new Int32Array(1 << 12); // group + 1, 0 = empty
  private groups = 0;
  private meta = new Int32Array(7 * 1024); // per group: hash, state, need, lo, len, ok offset, first record + 1
  private okArena = new Uint32Array(1 << 14);
  private okLen = 0;
  private recs = new Int32Array(1 << 14); // per record: next record + 1, total used, pair count, (class, used) pairs
  private recLen = 0;
  private readonly cur: Int32Array;
  private readonly sums: Int32Array;
  private readonly touched: number[] = [];

  /** `used`, `obsLeft` are the search's live arrays; a class is dead while obsLeft[target] is 0. */
  constructor(private readonly used: Int32Array, private readonly obsLeft: Int32Array,
    private readonly target: readonly number[], private readonly merge: readonly number[]) {
    this.cur = new Int32Array(2 * used.length);
    this.sums = new Int32Array(obsLeft.length + 1);
  }

  /** Records the configuration and returns true, or returns false when a visited one dominates it. */
  add(bits: Uint32Array, okHash: number, state: number, need: number, lo: number, hi: number,
    usedCls: Int32Array, usedLen: number): boolean {
    let curLen = 0, total = 0;
    for (let j = 0; j < usedLen; j++) {
      const k = usedCls[j]!, u = this.used[k]!;
      this.cur[curLen++] = k;
      this.cur[curLen++] = u;
      total += u;
    }
    const g = this.group(bits, okHash, state, need, lo, hi), head = 7 * g + 6;
    // Records the new one dominates are unlinked, so each group's chain stays an antichain.
    let prev = -1;
    for (let r = this.meta[head]!; r !== 0;) {
      const at = r - 1, nxt = this.recs[at]!, rel = this.compare(at, curLen, total);
      if (rel === 1) return false;
      if (rel === 2) { if (prev < 0) this.meta[head] = nxt; else this.recs[prev] = nxt; }
      else prev = at;
      r = nxt;
    }
    this.recs = ensure(this.recs, this.recLen + 3 + curLen);
    this.recs.set([this.meta[head]!, total, curLen >>> 1], this.recLen);
    this.recs.set(this.cur.subarray(0, curLen), this.recLen + 3);
    this.meta[head] = this.recLen + 1;
    this.recLen += 3 + curLen;
    return true;
  }

  /**
   * 1 when the record dominates the current usage, 2 when the current usage dominates the record,
   * else 0. Live classes compare one by one; dead classes merge by kind (blind write, or cas from a
   * given value), and a dead blind write can also stand in for a dead cas, which takes effect in
   * fewer states but leaves the same dead state. Either way the dominating side used no more in
   * total, which gives a quick rejection.
   */
  private compare(at: number, curLen: number, total: number): number {
    const rec = this.recs, cur = this.cur, sums = this.sums, touched = this.touched;
    let recMay = rec[at + 1]! <= total, curMay = total <= rec[at + 1]!;
    const end = at + 3 + 2 * rec[at + 2]!;
    touched.length = 0;
    for (let a = at + 3, b = 0; (recMay || curMay) && (a < end || b < curLen);) {
      const ka = a < end ? rec[a]! : Infinity, kb = b < curLen ? cur[b]! : Infinity, k = Math.min(ka, kb);
      const diff = (ka === k ? rec[(a += 2) - 1]! : 0) - (kb === k ? cur[(b += 2) - 1]! : 0);
      const m = this.obsLeft[this.target[k]!] === 0 ? this.merge[k]! : -1;
      if (m < 0) {
        if (diff > 0) recMay = false;
        if (diff < 0) curMay = false;
      } else if (diff !== 0) {
        if (!touched.includes(m)) touched.push(m);
        sums[m]! += diff;
      }
    }
    const blind = sums[0]!;
    let recShort = 0, curShort = 0;
    for (const m of touched) {
      if (m !== 0) { recShort += Math.max(0, sums[m]!); curShort += Math.max(0, -sums[m]!); }
      sums[m] = 0;
    }
    if (recMay && blind <= 0 && recShort <= -blind) return 1;
    if (curMay && blind >= 0 && curShort <= blind) return 2;
    return 0;
  }

  /** Finds or creates the group of this ok set, state and need. */
  private group(bits: Uint32Array, okHash: number, state: number, need: number, lo: number, hi: number): number {
    const h = (okHash ^ Math.imul(state + 1, 0x27d4eb2d) ^ Math.imul(need + 2, 0x165667b1) ^ lo) | 0;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let g = this.slots[slot]!; g !== 0; g = this.slots[slot]!) {
      const m = 7 * (g - 1), off = this.meta[m + 5]!;
      let same = this.meta[m] === h && this.meta[m + 1] === state && this.meta[m + 2] === need &&
        this.meta[m + 3] === lo && this.meta[m + 4] === hi - lo;
      for (let w = lo; w < hi && same; w++) same = this.okArena[off + w - lo] === bits[w];
      if (same) return g - 1;
      slot = (slot + 1) & mask;
    }
    this.okArena = ensure(this.okArena, this.okLen + hi - lo);
    this.meta = ensure(this.meta, 7 * (this.groups + 1));
    this.meta.set([h, state, need, lo, hi - lo, this.okLen, 0], 7 * this.groups);
    this.okArena.set(bits.subarray(lo, hi), this.okLen);
    this.okLen += hi - lo;
    this.slots[slot] = ++this.groups;
    if (2 * this.groups > this.slots.length) this.rehash();
    return this.groups - 1;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2), mask = slots.length - 1;
    for (let g = 0; g < this.groups; g++) {
      let slot = this.meta[7 * g]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = g + 1;
    }
    this.slots = slots;
  }
}

/** Returns `a`, or a copy at least twice as long when it is shorter than `need`. */
function ensure<T extends Int32Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (len: number) => T)(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}
