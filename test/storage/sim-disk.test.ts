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
function simDisk(seed: string): { disk: SimDisk; idle(): Promise<void> } {
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
    { lostWrites: false, torn: 0, slowFactor: 1 },
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
