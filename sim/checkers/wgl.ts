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
import { ConfigCache } from './wgl-cache.js';

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
  // An event names its op by position `k` in `live`; `index[k]` is the op's number (see src).
  type Ev = { t: number; call: boolean; id: number; k: number };
  const evs: Ev[] = [];
  let nOk = 0;
  const n = live.length;
  for (let k = 0; k < n; k++) {
    const h = live[k]!;
    evs.push({ t: h.invokeMs, call: true, id: h.id, k });
    if (h.status === 'ok') {
      evs.push({ t: h.completeMs, call: false, id: h.id, k });
      nOk++;
    }
  }
  evs.sort((x, y) => x.t - y.t || (x.call === y.call ? 0 : x.call ? -1 : 1) || x.id - y.id);

  const index = new Int32Array(n).fill(-1);
  let okNext = 0, indetNext = nOk;
  for (const ev of evs) {
    if (!ev.call) index[ev.k] = okNext++;
    else if (live[ev.k]!.status !== 'ok') index[ev.k] = indetNext++;
  }
  const src = new Array<HistoryOp>(n);
  for (let k = 0; k < n; k++) if (index[k]! >= 0) src[index[k]!] = live[k]!;

  const kind = new Uint8Array(n), argA = new Int32Array(n), argB = new Int32Array(n);
  const obsInit = new Int32Array(valueId.size + 2);
  const cls = new Int32Array(n).fill(-1), clsRank = new Int32Array(n);
  const classes = new Map<string, number>(), clsSize: number[] = [], clsTarget: number[] = [], clsMerge: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = src[i]!, op = h.op;
    if (op.f === 'get') { kind[i] = K_GET; argA[i] = idOf(h.result?.f === 'get' ? h.result.value : null); }
    else if (op.f === 'put') { kind[i] = K_PUT; argA[i] = idOf(op.value); }
    else if (op.f === 'delete') kind[i] = K_DEL;
    else {
      // An indeterminate cas is only worth linearizing when it swaps: a failed cas changes nothing.
      kind[i] = h.status !== 'ok' || (h.result?.f === 'cas' && h.result.ok) ? K_CAS_SWAP : K_CAS_KEEP;
      argA[i] = idOf(op.expected);
      argB[i] = idOf(op.value);
    }
    if (observes(kind[i]!)) obsInit[argA[i]!]!++;
    if (i < nOk) continue;
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
    const ev = evs[e - 1]!, i = index[ev.k]!;
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
  return {
    src, nOk, kind, argA, argB, obsInit, entryOp, isCall, match, next, prev, hiWord, cls, clsRank, clsTarget, clsMerge,
  };
}

/** Whether an op of this kind compares the register against its argA. */
function observes(kind: number): boolean {
  return kind !== K_PUT && kind !== K_DEL;
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
  const { nOk, kind, argA, argB, entryOp, isCall, match, cls, clsRank, clsTarget, hiWord } = c;
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
  const stNeed = new Int32Array(n), stPass = new Uint8Array(n);
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
    if (observes(kind[i]!)) obsLeft[argA[i]!]! += on ? -1 : 1;
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
    // An indeterminate write that leaves the state as it was is never needed.
    const need2 = i < nOk ? -1 : state;
    const lo = barrier >>> 5, hi = hiWord[barrier]!;
    if ((i >= nOk && s2 === state) || !cache.add(bits, hash, s2, need2, lo, hi, usedCls, usedLen)) {
      toggle(i, false);
      continue;
    }
    stEntry[sp] = e;
    stState[sp] = state;
    stWriter[sp] = writer;
    stNeed[sp] = need;
    stPass[sp] = pass;
    sp++;
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
