import { describe, expect, it } from 'vitest';
import type { Disk } from '../../core/io.js';
import { SimDisk } from '../../sim/disk.js';
import { EventQueue } from '../../sim/queue.js';
import { Rng } from '../../sim/rng.js';
import { diskConformance } from './disk-conformance.js';

/**
 * A tiny deterministic event loop for one SimDisk: completions go to a
 * simulated-time queue, which is drained (in time order, advancing `now`) on
 * the host's next macrotask, so tests can simply await onDurable.
 */
function simDisk(seed: string, lostWrites = false): { disk: SimDisk; idle(): Promise<void> } {
  const q = new EventQueue();
  let now = 0;
  let armed = false;
  const pump = () => {
    armed = false;
    for (let e = q.pop(); e; e = q.pop()) {
      now = e.at;
      e.run();
    }
  };
  const disk = new SimDisk(
    {
      now: () => now,
      schedule: (at, fn) => {
        q.push(at, fn);
        if (!armed) {
          armed = true;
          setImmediate(pump);
        }
      },
      trace: () => {},
    },
    new Rng(seed),
    { lostWrites, torn: 0, slowFactor: 1 },
    { min: 1, max: 5 },
  );
  const idle = async () => {
    while (q.size) await new Promise((r) => setImmediate(r));
  };
  return { disk, idle };
}

const loops = new WeakMap<Disk, () => Promise<void>>();
let seeds = 0;

diskConformance('SimDisk', {
  async open() {
    const { disk, idle } = simDisk(`conformance/${seeds++}`);
    loops.set(disk, idle);
    return disk;
  },
  async reopen(old) {
    await loops.get(old)!();
    const d = old as SimDisk;
    d.crash();
    d.restart();
    return d;
  },
});

describe('SimDisk lazy batches', () => {
  const enc = (t: string) => Uint8Array.from(t, (c) => c.charCodeAt(0));
  const keys = (d: SimDisk) => [...d.recovered().keys()].sort();

  it('loses a lazy batch that no durable write followed, and keeps one that a durable write covered', async () => {
    const { disk, idle } = simDisk('lazy/1', true);
    await new Promise<void>((r) => disk.write([{ type: 'put', key: 'a', value: enc('1') }], r));
    disk.writeLazy([{ type: 'put', key: 'b', value: enc('2') }]);
    await new Promise<void>((r) => disk.write([{ type: 'put', key: 'c', value: enc('3') }], r));
    disk.writeLazy([{ type: 'put', key: 'd', value: enc('4') }]);
    await idle();
    disk.crash();
    disk.restart();
    expect(keys(disk)).toEqual(['a', 'b', 'c']);
  });

  it('keeps a prefix at a crash: a lazy batch survives only with every batch before it', async () => {
    for (let s = 0; s < 40; s++) {
      const { disk } = simDisk(`lazy/prefix/${s}`);
      disk.writeLazy([{ type: 'put', key: '1', value: enc('x') }]);
      disk.write([{ type: 'put', key: '2', value: enc('x') }], () => {});
      disk.writeLazy([{ type: 'put', key: '3', value: enc('x') }]);
      disk.writeLazy([{ type: 'put', key: '4', value: enc('x') }]);
      disk.crash();
      disk.restart();
      const got = keys(disk);
      expect(got).toEqual(['1', '2', '3', '4'].slice(0, got.length));
    }
  });
});
