/**
 * The visited-configuration cache of the Wing & Gong search in wgl.ts. Configurations are stored
 * exactly (a false hit could hide a linearization), grouped by linearized ok set, state and `need`
 * (see wgl.ts); the ok set is stored as words [lo, hi), since words below lo are all ones and
 * words from hi on all zeros. Within a group each record is the sparse vector of used
 * indeterminate ops per class, and a new configuration is pruned when a recorded one dominates it:
 * it has left at least every write the new one has left, or one that does the same, so every
 * completion of the new one is also a completion of it. This keeps the search from enumerating
 * which of the pending indeterminate writes it spent earlier.
 */
export class ConfigCache {
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
    const g = this.group(bits, okHash, state, need, lo, hi), head = 7 * g + 6, cover = need < 0;
    // Records the new one dominates are unlinked, so each group's chain stays an antichain.
    let prev = -1;
    for (let r = this.meta[head]!; r !== 0;) {
      const at = r - 1, nxt = this.recs[at]!, rel = this.compare(at, curLen, total, cover);
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
   * given value). When `cover`, a dead blind write may also stand in for a dead cas, which takes
   * effect in fewer states but leaves the same dead state; not under a `need`, which a blind write
   * can never satisfy. Either way the dominating side used no more in total: a quick rejection.
   */
  private compare(at: number, curLen: number, total: number, cover: boolean): number {
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
    if (recMay && blind <= 0 && recShort <= (cover ? -blind : 0)) return 1;
    if (curMay && blind >= 0 && curShort <= (cover ? blind : 0)) return 2;
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
