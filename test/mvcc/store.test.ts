import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../core/assert.js';
import { compareTs, nextTs, type Timestamp } from '../../core/hlc.js';
import { MvccStore, type PointRead, type RangeRead, type TxnWrites } from '../../core/mvcc/index.js';
import { DecodeError, utf8Decode, utf8Encode } from '../../core/util/codec.js';

const ts = (wall: number, logical = 0): Timestamp => ({ wall, logical });
const text = (v: Uint8Array | null): string | null => (v === null ? null : utf8Decode(v));

let seq = 0;
function txn(
  snapshot: number,
  writes: Record<string, string | null>,
  reads: PointRead[] = [],
  ranges: RangeRead[] = [],
  txnId = `t${++seq}`,
): TxnWrites {
  return {
    txnId,
    snapshotTs: ts(snapshot),
    reads,
    ranges,
    writes: Object.entries(writes).map(([key, v]) => ({ key, value: v === null ? null : utf8Encode(v) })),
  };
}

/** Commits blind writes at exactly wall `at`. */
function put(s: MvccStore, at: number, writes: Record<string, string | null>): void {
  const r = s.commitDirect(txn(at - 1, writes), ts(at));
  expect(r).toEqual({ ok: true, commitTs: ts(at) });
}

/** A point read through the store, as the txn layer records it. */
function read(s: MvccStore, key: string, at: number): PointRead {
  return { key, versionTs: s.get(key, ts(at)).versionTs };
}

/** A full range read through the store, as the txn layer records it. */
function scanned(s: MvccStore, start: string, end: string, at: number): RangeRead {
  return { start, end, observedHash: s.rangeHash(start, end, ts(at)) };
}

describe('reads', () => {
  it('get returns the newest version at or below ts, tombstones included', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'v1' });
    put(s, 20, { a: null });
    put(s, 30, { a: 'v3' });
    expect(s.get('a', ts(5))).toEqual({ value: null, versionTs: null });
    expect(text(s.get('a', ts(10)).value)).toBe('v1');
    expect(s.get('a', ts(15)).versionTs).toEqual(ts(10));
    expect(s.get('a', ts(20))).toEqual({ value: null, versionTs: ts(20) });
    expect(s.get('a', ts(29, 9))).toEqual({ value: null, versionTs: ts(20) });
    expect(text(s.get('a', ts(99)).value)).toBe('v3');
    expect(s.get('zz', ts(99))).toEqual({ value: null, versionTs: null });
    expect(s.versionsOf('a').map((v) => v.ts.wall)).toEqual([30, 20, 10]);
  });

  it('scan returns live keys in order, honours limits and resumes', () => {
    const s = new MvccStore();
    put(s, 10, { c: 'c1', a: 'a1', e: 'e1', d: 'd1', b: 'b1' });
    put(s, 20, { d: null, b: 'b2' });
    const all = s.scan('a', 'z', ts(25));
    expect(all.rows.map((r) => [r.key, text(r.value), r.versionTs.wall])).toEqual([
      ['a', 'a1', 10],
      ['b', 'b2', 20],
      ['c', 'c1', 10],
      ['e', 'e1', 10],
    ]);
    expect(all.resumeKey).toBeNull();
    expect(s.scan('a', 'z', ts(15)).rows.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(s.scan('b', 'd', ts(25)).rows.map((r) => r.key)).toEqual(['b', 'c']); // End is exclusive.
    const first = s.scan('a', 'z', ts(25), 2);
    expect(first.rows.map((r) => r.key)).toEqual(['a', 'b']);
    expect(first.resumeKey).toBe('b\u0000');
    expect(first.hash).toBe(s.rangeHash('a', 'b\u0000', ts(25)));
    expect(all.hash).toBe(s.rangeHash('a', 'z', ts(25)));
    expect(all.hash).not.toBe(first.hash);
    const rest = s.scan(first.resumeKey!, 'z', ts(25), 2);
    expect(rest.rows.map((r) => r.key)).toEqual(['c', 'e']);
    expect(s.scan('a', 'b\u0000', ts(25), 2).resumeKey).toBeNull(); // The limit hit the end of the range.
    expect(s.scan('x', 'z', ts(25)).rows).toEqual([]);
    expect(() => s.scan('a', 'z', ts(25), 0)).toThrow(AssertionError);
  });

  it('intents are invisible to reads but reported', () => {
    const s = new MvccStore();
    put(s, 10, { k: 'old', m: 'm1' });
    const p = s.prepare(txn(15, { k: 'new', n: 'fresh' }, [], [], 'tp'), 'rec/tp');
    expect(p.ok).toBe(true);
    expect(text(s.get('k', ts(100)).value)).toBe('old');
    expect(s.get('n', ts(100))).toEqual({ value: null, versionTs: null });
    const intent = s.intentOn('k')!;
    expect(intent.txnId).toBe('tp');
    expect(intent.recordKey).toBe('rec/tp');
    expect(text(intent.value)).toBe('new');
    expect(p.ok && intent.writeTs).toEqual(p.ok && p.minCommitTs);
    expect(s.intentOn('m')).toBeNull();
    const sc = s.scan('a', 'z', ts(100));
    expect(sc.rows.map((r) => r.key)).toEqual(['k', 'm']);
    expect(sc.intents.map((i) => [i.key, i.intent.txnId])).toEqual([
      ['k', 'tp'],
      ['n', 'tp'],
    ]);
    expect(s.preparedIds()).toEqual(['tp']);
  });
});

describe('validation', () => {
  function setup(): MvccStore {
    const s = new MvccStore();
    put(s, 10, { a: 'a1', b: 'b1', c: 'c1' });
    return s;
  }

  it('accepts an undisturbed transaction with minCommitTs above its snapshot', () => {
    const s = setup();
    const t = txn(50, { a: 'a2' }, [read(s, 'a', 50), read(s, 'zz', 50)], [scanned(s, 'a', 'd', 50)]);
    expect(s.validate({ ...t, writes: ['a'] })).toEqual({ ok: true, minCommitTs: ts(50, 1) });
  });

  it('refuses a read key with a newer version', () => {
    const s = setup();
    const r = read(s, 'a', 50);
    put(s, 60, { a: 'a2' });
    expect(s.commitDirect(txn(50, { x: '1' }, [r]))).toMatchObject({ ok: false, reason: 'read-changed', key: 'a' });
  });

  it('refuses a point read overtaken by a late commit below the snapshot', () => {
    const s = setup();
    const r = read(s, 'x', 100); // Absent at 100.
    expect(s.commitDirect(txn(40, { x: 'late' }), ts(50)).ok).toBe(true);
    expect(s.commitDirect(txn(100, { y: '1' }, [r]))).toMatchObject({ ok: false, reason: 'read-changed', key: 'x' });
  });

  it('detects late commits below the snapshot in a scanned range by its hash', () => {
    const lates: Record<string, string | null>[] = [{ b: 'b2' }, { bb: 'phantom' }, { b: null }];
    for (const late of lates) {
      const s = setup();
      const range = scanned(s, 'a', 'd', 100);
      expect(s.commitDirect(txn(40, late), ts(50)).ok).toBe(true);
      expect(s.commitDirect(txn(100, { z: '1' }, [], [range]))).toMatchObject({ ok: false, reason: 'range-late-commit' });
    }
  });

  it('a late write outside the range, or a tombstone on an absent key, does not disturb it', () => {
    const s = setup();
    const range = scanned(s, 'a', 'd', 100);
    expect(s.commitDirect(txn(40, { e: 'e', bz: null }), ts(50)).ok).toBe(true);
    expect(s.commitDirect(txn(100, { z: '1' }, [], [range])).ok).toBe(true);
  });

  it('refuses a phantom inserted into a scanned range above the snapshot', () => {
    const s = setup();
    const range = scanned(s, 'a', 'd', 100);
    put(s, 150, { ba: 'phantom' });
    expect(s.commitDirect(txn(100, { z: '1' }, [], [range]))).toMatchObject({ ok: false, reason: 'range-changed', key: 'ba' });
  });

  it('refuses foreign intents on read keys, write keys and in scanned ranges', () => {
    const s = setup();
    const r = read(s, 'a', 50);
    const range = scanned(s, 'b', 'd', 50);
    expect(s.prepare(txn(50, { a: 'p', c: 'p' }, [], [], 'other')).ok).toBe(true);
    expect(s.validate({ ...txn(50, {}, [r]), writes: [] })).toEqual({ ok: false, reason: 'read-intent', key: 'a', txnId: 'other' });
    expect(s.validate({ ...txn(50, {}), writes: ['a'] })).toEqual({ ok: false, reason: 'write-intent', key: 'a', txnId: 'other' });
    expect(s.validate({ ...txn(50, {}, [], [range]), writes: [] })).toEqual({
      ok: false,
      reason: 'range-intent',
      key: 'c',
      txnId: 'other',
    });
  });

  it('refuses writes under a prepared transaction’s read lock or range lock', () => {
    const s = setup();
    expect(s.prepare(txn(50, { q: '1' }, [read(s, 'a', 50)], [scanned(s, 'm', 'p', 50)], 'reader')).ok).toBe(true);
    expect(s.commitDirect(txn(50, { a: 'x' }))).toMatchObject({ ok: false, reason: 'write-read-lock', key: 'a', txnId: 'reader' });
    expect(s.commitDirect(txn(50, { n: 'x' }))).toMatchObject({ ok: false, reason: 'write-range-lock', key: 'n', txnId: 'reader' });
    expect(s.commitDirect(txn(50, { p: 'x' })).ok).toBe(true); // The range end is exclusive.
    expect(s.commitDirect(txn(50, {}, [read(s, 'a', 50)])).ok).toBe(true); // Reads do not conflict with read locks.
    s.resolve('reader', 'abort');
    expect(s.commitDirect(txn(50, { a: 'x' })).ok).toBe(true);
  });

  it('refuses a write-write conflict and a snapshot below the GC floor', () => {
    const s = setup();
    put(s, 60, { a: 'a2' });
    expect(s.commitDirect(txn(50, { a: 'mine' }))).toMatchObject({ ok: false, reason: 'write-write', key: 'a' });
    s.gc(ts(55));
    expect(s.commitDirect(txn(54, { q: '1' }))).toMatchObject({ ok: false, reason: 'snapshot-too-old' });
    expect(s.commitDirect(txn(55, { q: '1' })).ok).toBe(true);
  });

  it('minCommitTs is above versions, point and range read markers, and the snapshot', () => {
    const s = setup();
    expect(s.commitDirect(txn(50, {}, [read(s, 'a', 50)]), ts(80))).toEqual({ ok: true, commitTs: ts(80) });
    expect(s.commitDirect(txn(50, {}, [], [scanned(s, 'm', 'p', 50)]), ts(90)).ok).toBe(true);
    expect(s.readTs('a')).toEqual(ts(80));
    expect(s.readTs('n')).toEqual(ts(90));
    expect(s.readTs('b')).toEqual(ts(0));
    expect(s.minWriteTs(['a'])).toEqual(ts(80, 1));
    expect(s.minWriteTs(['a', 'n'])).toEqual(ts(90, 1));
    expect(s.minWriteTs(['b'])).toEqual(ts(10, 1));
    expect(s.validate({ ...txn(60, {}), writes: ['a', 'b'] })).toEqual({ ok: true, minCommitTs: ts(80, 1) });
    expect(s.validate({ ...txn(95, {}), writes: ['n'] })).toEqual({ ok: true, minCommitTs: ts(95, 1) });
    // A proposal below the floor is lifted to it; one above is kept.
    expect(s.commitDirect(txn(60, { a: 'a2' }), ts(70))).toEqual({ ok: true, commitTs: ts(80, 1) });
    expect(s.commitDirect(txn(60, { n: 'n' }), ts(200))).toEqual({ ok: true, commitTs: ts(200) });
  });
});

describe('commands', () => {
  it('commitDirect answers a duplicate with the first answer and applies once', () => {
    const s = new MvccStore();
    const t = txn(5, { a: '1' });
    const first = s.commitDirect(t, ts(10));
    const digest = s.digest();
    expect(s.commitDirect(t, ts(20))).toEqual(first);
    expect(s.digest()).toBe(digest);
    put(s, 30, { a: '2' });
    const refused = txn(5, { a: '3' });
    expect(s.commitDirect(refused).ok).toBe(false);
    expect(s.commitDirect({ ...refused, snapshotTs: ts(40) })).toMatchObject({ ok: false, reason: 'write-write' });
  });

  it('resolve commits intents at the decided ts, orders later writes of what it read after it, and is idempotent', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1', r: 'r1' });
    const vote = s.prepare(txn(20, { a: 'a2', n: 'n1' }, [read(s, 'r', 20)], [scanned(s, 'x', 'y', 20)], 'T'), 'rec');
    expect(vote).toEqual({ ok: true, minCommitTs: ts(20, 1) });
    expect(s.prepare(txn(20, { a: 'a2' }, [], [], 'T'))).toEqual(vote); // Duplicate prepare.
    expect(() => s.resolve('T', { commitTs: ts(20) })).toThrow(AssertionError); // Below the vote.
    expect(s.resolve('T', { commitTs: ts(40) })).toBe('committed');
    expect(s.intentOn('a')).toBeNull();
    expect(text(s.get('a', ts(40)).value)).toBe('a2');
    expect(text(s.get('a', ts(39)).value)).toBe('a1');
    expect(s.get('n', ts(40)).versionTs).toEqual(ts(40));
    // It wrote here, so highTs (40) orders every later write after it; no marker is needed.
    expect(s.readTs('r')).toEqual(ts(0));
    expect(s.minWriteTs(['r'])).toEqual(ts(40, 1));
    expect(s.minWriteTs(['x\u0001'])).toEqual(ts(40, 1));
    expect(s.preparedIds()).toEqual([]);
    const digest = s.digest();
    expect(s.resolve('T', { commitTs: ts(40) })).toBe('noop');
    expect(s.resolve('unknown', 'abort')).toBe('noop');
    expect(s.resolve('unknown', { commitTs: ts(1) })).toBe('noop');
    expect(s.digest()).toBe(digest);
    expect(() => s.resolve('T', 'abort')).toThrow(AssertionError);
    expect(() => s.resolve('T', { commitTs: ts(41) })).toThrow(AssertionError);
    expect(s.prepare(txn(20, { a: 'a2' }, [], [], 'T'))).toMatchObject({ ok: false, reason: 'txn-finished' });
    expect(s.commitDirect(txn(20, { a: 'a2' }, [], [], 'T'))).toEqual({ ok: true, commitTs: ts(40) });
  });

  it('resolve abort drops intents and locks; a late duplicate prepare lays nothing', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1' });
    const before = s.digest();
    expect(s.prepare(txn(20, { a: 'a2', n: 'n1' }, [read(s, 'a', 20)], [], 'T')).ok).toBe(true);
    expect(s.commitDirect(txn(20, { q: 'x' }, [], [], 'T'))).toMatchObject({ reason: 'txn-prepared' });
    expect(s.resolve('T', 'abort')).toBe('aborted');
    expect(s.resolve('T', 'abort')).toBe('noop');
    expect(s.intentOn('a')).toBeNull();
    expect(s.keyCount).toBe(1);
    expect(s.prepare(txn(20, { a: 'a2' }, [], [], 'T'))).toMatchObject({ ok: false, reason: 'aborted' });
    expect(s.intentOn('a')).toBeNull();
    expect(() => s.resolve('T', { commitTs: ts(30) })).toThrow(AssertionError);
    expect(s.commitDirect(txn(20, { a: 'x' })).ok).toBe(true);
    expect(before).not.toBe(s.digest());
  });

  it('a refused prepare is remembered as refused', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1' });
    put(s, 30, { a: 'a2' });
    const t = txn(20, { a: 'mine' }, [], [], 'T');
    expect(s.prepare(t)).toMatchObject({ ok: false, reason: 'write-write' });
    expect(s.prepare(t)).toMatchObject({ ok: false, reason: 'write-write' });
    expect(s.resolve('T', 'abort')).toBe('noop');
    expect(s.intentOn('a')).toBeNull();
  });
});

describe('gc', () => {
  it('preserves reads at and above the floor and drops what they cannot see', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1', b: 'b1', c: 'c1' });
    put(s, 20, { a: 'a2', b: null });
    put(s, 30, { a: 'a3', c: null });
    put(s, 40, { c: 'c4' });
    const probe = (): unknown[] =>
      [25, 30, 35, 40, 50].flatMap((t) => ['a', 'b', 'c'].map((k) => text(s.get(k, ts(t)).value)));
    const scans = (): unknown => [25, 30, 45].map((t) => s.scan('a', 'z', ts(t)).rows.map((r) => [r.key, r.versionTs]));
    const before = [probe(), scans()];
    s.gc(ts(25));
    expect([probe(), scans()]).toEqual(before);
    expect(s.gcThreshold).toEqual(ts(25));
    expect(s.versionsOf('a').map((v) => v.ts.wall)).toEqual([30, 20]);
    expect(s.versionsOf('b')).toEqual([]); // A newest tombstone below the floor goes.
    expect(s.versionsOf('c').map((v) => v.ts.wall)).toEqual([40, 30, 10]);
    s.gc(ts(35));
    expect(s.versionsOf('c').map((v) => v.ts.wall)).toEqual([40, 30]); // A shadowed tombstone stays.
    s.gc(ts(20)); // The floor never goes down.
    expect(s.gcThreshold).toEqual(ts(35));
  });

  it('drops markers below the floor but keeps writes above it', () => {
    const s = new MvccStore();
    expect(s.commitDirect(txn(5, {}, [read(s, 'a', 5)], [scanned(s, 'm', 'p', 5)]), ts(10)).ok).toBe(true);
    s.gc(ts(50));
    expect(s.readTs('a')).toEqual(ts(50));
    expect(s.minWriteTs(['a', 'n'])).toEqual(nextTs(ts(50)));
    expect(MvccStore.restore(s.snapshot()).digest()).toBe(s.digest());
  });

  it('stays below the vote of every prepared transaction', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1' });
    const vote = s.prepare(txn(20, { a: 'a2' }, [], [], 'T'));
    expect(vote.ok).toBe(true);
    s.gc(ts(100));
    expect(compareTs(s.gcThreshold, ts(20, 1))).toBeLessThan(0);
    expect(s.resolve('T', { commitTs: ts(20, 1) })).toBe('committed');
    s.gc(ts(100));
    expect(s.gcThreshold).toEqual(ts(100));
  });
});

describe('snapshots', () => {
  it('restore reproduces state, and garbage is refused', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a1', b: 'b1' });
    s.prepare(txn(20, { a: 'a2' }, [read(s, 'b', 20)], [scanned(s, 'x', 'z', 20)], 'T'), 'rec');
    const r = MvccStore.restore(s.snapshot());
    expect(r.snapshot()).toEqual(s.snapshot());
    expect(r.intentOn('a')).toEqual(s.intentOn('a'));
    expect(r.commitDirect(txn(20, { b: 'x' }))).toMatchObject({ reason: 'write-read-lock', txnId: 'T' });
    expect(r.commitDirect(txn(20, { y: 'x' }))).toMatchObject({ reason: 'write-range-lock', txnId: 'T' });
    const bytes = s.snapshot();
    expect(() => MvccStore.restore(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
    expect(() => MvccStore.restore(Uint8Array.of(9))).toThrow(DecodeError);
    expect(() => MvccStore.restore(Uint8Array.from([...bytes, 0]))).toThrow(DecodeError);
  });
});

describe('scale', () => {
  it('handles 100k keys: inserts in scattered order, paged scans, validation and gc', () => {
    const s = new MvccStore();
    const k = (i: number): string => `t1:r/${i.toString().padStart(6, '0')}`;
    const value = utf8Encode('v');
    for (let b = 0; b < 1000; b++) {
      // Key i = b + 1000 * j: every batch touches the whole key space.
      const writes = Array.from({ length: 100 }, (_, j) => ({ key: k(b + 1000 * j), value }));
      expect(s.commitDirect({ txnId: `load${b}`, snapshotTs: ts(b), reads: [], ranges: [], writes }, ts(b + 1)).ok).toBe(true);
    }
    expect(s.keyCount).toBe(100_000);
    const page = s.scan(k(50_000), k(99_999), ts(2000), 100);
    expect(page.rows.map((r) => r.key)).toEqual(Array.from({ length: 100 }, (_, i) => k(50_000 + i)));
    const range = { start: k(10_000), end: k(20_000), observedHash: s.rangeHash(k(10_000), k(20_000), ts(2000)) };
    expect(s.commitDirect(txn(2000, { [k(5)]: 'x' }, [], [range]), ts(2001)).ok).toBe(true);
    expect(s.minWriteTs([k(15_000)])).toEqual(ts(2001, 1));
    s.gc(ts(1500));
    expect(s.keyCount).toBe(100_000);
    expect(text(s.get(k(5), ts(3000)).value)).toBe('x');
  });
});

describe('highTs: commit timestamps rise in log order per partition', () => {
  it('every write lands above the newest version of the partition, whatever the proposal', () => {
    const s = new MvccStore();
    expect(s.highTs).toEqual(ts(0));
    put(s, 100, { a: 'a1' });
    expect(s.highTs).toEqual(ts(100));
    // Another key, an older snapshot and a proposal from a clock that is behind: still above 100.
    expect(s.commitDirect(txn(40, { b: 'b1' }), ts(50))).toEqual({ ok: true, commitTs: ts(100, 1) });
    expect(s.highTs).toEqual(ts(100, 1));
    // A prepare's vote is above it too.
    expect(s.prepare(txn(40, { c: 'c1' }, [], [], 'P'))).toEqual({ ok: true, minCommitTs: ts(100, 2) });
    // A read-only commit installs nothing and leaves it; the GC floor raises it.
    expect(s.commitDirect(txn(100, {}, [read(s, 'a', 100)]), ts(300)).ok).toBe(true);
    expect(s.highTs).toEqual(ts(100, 1));
    s.gc(ts(500));
    expect(s.gcThreshold).toEqual(ts(100, 1)); // Held just below the prepared vote.
    s.resolve('P', { commitTs: ts(600) });
    s.gc(ts(700));
    expect(s.highTs).toEqual(ts(700));
    expect(s.commitDirect(txn(700, { d: 'd1' }), ts(650))).toEqual({ ok: true, commitTs: ts(700, 1) });
  });

  it('is recomputed from the state by restore and load', () => {
    const s = new MvccStore();
    put(s, 100, { a: 'a1', b: 'b1' });
    put(s, 120, { b: null });
    s.gc(ts(130)); // Drops b's tombstone: the floor still covers it.
    put(s, 140, { c: 'c1' });
    expect(MvccStore.restore(s.snapshot()).highTs).toEqual(ts(140));
    s.gc(ts(150));
    expect(MvccStore.restore(s.snapshot()).highTs).toEqual(ts(150));
  });

  it('intentsTouch sees intents on read keys and inside scanned ranges only', () => {
    const s = new MvccStore();
    put(s, 10, { a: 'a0', m: 'm0' });
    expect(s.intentsTouch([{ key: 'a' }], [{ start: 'a', end: 'z' }])).toBe(false);
    expect(s.prepare(txn(20, { m: 'm1' }, [], [], 'P')).ok).toBe(true);
    expect(s.intentsTouch([{ key: 'a' }], [])).toBe(false);
    expect(s.intentsTouch([{ key: 'm' }], [])).toBe(true);
    expect(s.intentsTouch([], [{ start: 'a', end: 'm' }])).toBe(false); // The end is exclusive.
    expect(s.intentsTouch([], [{ start: 'm', end: 'n' }])).toBe(true);
    s.resolve('P', 'abort');
    expect(s.intentsTouch([{ key: 'm' }], [{ start: 'a', end: 'z' }])).toBe(false);
  });
});
