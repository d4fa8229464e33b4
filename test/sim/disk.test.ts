import { describe, expect, it } from 'vitest';
import { CorruptionError, RaftDiskLayout } from '../../core/raft/storage.js';
import type { Ready } from '../../core/raft/types.js';
import { SimDisk, frameBatch, unframeBatch } from '../../sim/disk.js';
import { EventQueue } from '../../sim/queue.js';
import { Rng } from '../../sim/rng.js';

function makeDisk(opts: { lostWrites?: boolean; torn?: number; seed?: string } = {}) {
  const q = new EventQueue();
  let now = 0;
  const disk = new SimDisk(
    { now: () => now, schedule: (at, fn) => q.push(at, fn), trace: () => {} },
    new Rng(opts.seed ?? 'disk'),
    { lostWrites: opts.lostWrites ?? true, torn: opts.torn ?? 0, slowFactor: 1 },
    { min: 1, max: 2 },
  );
  const runAll = () => {
    for (let e = q.pop(); e; e = q.pop()) {
      now = e.at;
      e.run();
    }
  };
  return { disk, runAll };
}

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('SimDisk', () => {
  it('makes a batch durable only when its completion runs, in write order', () => {
    const { disk, runAll } = makeDisk();
    const done: number[] = [];
    disk.write([{ type: 'put', key: 'a', value: bytes('1') }], () => done.push(1));
    disk.write([{ type: 'put', key: 'b', value: bytes('2') }], () => done.push(2));
    disk.restart();
    expect(disk.recovered().size).toBe(0);
    runAll();
    expect(done).toEqual([1, 2]);
    disk.restart();
    expect([...disk.recovered().keys()]).toEqual(['a', 'b']);
  });

  it('loses every unsynced batch at a crash, and never calls their completions', () => {
    const { disk, runAll } = makeDisk();
    disk.write([{ type: 'put', key: 'a', value: bytes('1') }], () => {});
    runAll();
    let called = false;
    disk.write([{ type: 'put', key: 'b', value: bytes('2') }, { type: 'del', key: 'a' }], () => (called = true));
    disk.crash();
    runAll();
    disk.restart();
    expect(called).toBe(false);
    expect([...disk.recovered().keys()]).toEqual(['a']);
  });

  it('with partial flush, keeps a prefix of whole batches, never half a batch', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const { disk } = makeDisk({ lostWrites: false, torn: 0.5, seed: `p${s}` });
      for (let i = 0; i < 4; i++) disk.write([{ type: 'put', key: `x${i}`, value: bytes('v') }, { type: 'put', key: `y${i}`, value: bytes('v') }], () => {});
      disk.crash();
      disk.restart();
      const keys = [...disk.recovered().keys()].sort();
      const n = keys.length / 2;
      expect(Number.isInteger(n)).toBe(true);
      expect(keys).toEqual([...Array.from({ length: n }, (_, i) => `x${i}`), ...Array.from({ length: n }, (_, i) => `y${i}`)].sort());
      seen.add(String(n));
    }
    expect(seen.size).toBeGreaterThan(2);
  });

  it('detects a torn frame by its checksum', () => {
    const frame = frameBatch([{ type: 'put', key: 'k', value: bytes('value') }]);
    expect(unframeBatch(frame)).not.toBeNull();
    for (let cut = 0; cut < frame.length; cut++) expect(unframeBatch(frame.subarray(0, cut))).toBeNull();
    const flipped = frame.slice();
    flipped[frame.length - 1]! ^= 4;
    expect(unframeBatch(flipped)).toBeNull();
  });
});

describe('RaftDiskLayout', () => {
  const rd = (over: Partial<Ready>): Ready => ({ hardState: null, entries: [], snapshot: null, messages: [], committed: [], readStates: [], ...over });
  const apply = (disk: Map<string, Uint8Array>, ops: ReturnType<RaftDiskLayout['opsForReady']>) => {
    for (const op of ops) op.type === 'put' ? disk.set(op.key, op.value) : disk.delete(op.key);
  };

  it('recovers hard state and entries, and deletes a truncated tail', () => {
    const disk = new Map<string, Uint8Array>();
    const layout = new RaftDiskLayout('raft/');
    const e = (index: number, term: number) => ({ index, term, data: bytes(`e${index}t${term}`) });
    apply(disk, layout.opsForReady(rd({ hardState: { term: 2, vote: 1, commit: 1 }, entries: [e(1, 1), e(2, 1), e(3, 2), e(4, 2)] })));
    apply(disk, layout.opsForReady(rd({ hardState: { term: 3, vote: 2, commit: 2 }, entries: [e(3, 3)] })));
    const st = new RaftDiskLayout('raft/').recover(disk);
    expect(st.hardState).toEqual({ term: 3, vote: 2, commit: 2 });
    expect(st.entries.map((x) => `${x.index}/${x.term}`)).toEqual(['1/1', '2/1', '3/3']);
  });

  it('refuses to serve a corrupted record: every single-bit flip is detected', () => {
    const disk = new Map<string, Uint8Array>();
    const layout = new RaftDiskLayout('raft/');
    apply(disk, layout.opsForReady(rd({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [{ index: 1, term: 1, data: bytes('hello') }] })));
    for (const [key, value] of [...disk]) {
      for (let bit = 0; bit < value.length * 8; bit++) {
        const bad = new Map(disk);
        const v = value.slice();
        v[bit >> 3]! ^= 1 << (bit & 7);
        bad.set(key, v);
        expect(() => new RaftDiskLayout('raft/').recover(bad), `${key} bit ${bit}`).toThrow(CorruptionError);
      }
    }
  });

  it('a snapshot replaces the log on disk', () => {
    const disk = new Map<string, Uint8Array>();
    const layout = new RaftDiskLayout('raft/');
    apply(disk, layout.opsForReady(rd({ entries: [1, 2, 3].map((i) => ({ index: i, term: 1, data: bytes('x') })) })));
    const snapshot = { meta: { index: 10, term: 3, voters: [1, 2, 3] }, data: bytes('image') };
    apply(disk, layout.opsForReady(rd({ snapshot, hardState: { term: 3, vote: 0, commit: 10 } })));
    const st = new RaftDiskLayout('raft/').recover(disk);
    expect(st.entries).toEqual([]);
    expect(st.snapshot?.meta).toEqual(snapshot.meta);
    expect([st.firstIndexMinusOne, st.firstTermMinusOne]).toEqual([10, 3]);
  });
});
