import { NEMESIS_ACTIONS, type FaultName, type FaultOptions } from './faults.js';
import type { Rng } from './rng.js';
import type { NodeSlot, World } from './world.js';


/**
 * Injects faults during the safety phase and heals them all at `healAt`. Its
 * choices come from its own random stream, so the same seed gives the same
 * schedule. It never fail-stops more replicas than a quorum can spare.
 */
export class Nemesis {
  actions = 0;
  private partitionUntil = 0;
  private readonly weights: { name: FaultName; w: number }[];
  readonly log: string[] = [];

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly faults: FaultOptions,
    private readonly healAt: number,
  ) {
    this.weights = NEMESIS_ACTIONS.filter((n) => faults[n] > 0).map((name) => ({ name, w: faults[name] }));
  }

  start(): void {
    const f = this.faults;
    if (f['clock-skew'] > 0) {
      for (const s of this.world.slots) {
        s.clock.offsetMs = this.rng.range(-500, 500) * Math.min(1, f['clock-skew']);
        s.clock.drift = this.rng.range(-0.05, 0.05) * Math.min(1, f['clock-skew']);
      }
    }
    if (this.weights.length) this.scheduleNext();
    this.world.at(this.healAt, () => this.healAll());
  }

  private note(what: string): void {
    this.actions++;
    this.log.push(`${this.world.now.toFixed(1)}ms ${what}`);
    this.world.trace(`nemesis:${what}`);
  }

  private scheduleNext(): void {
    const at = this.world.now + this.rng.exp(250);
    if (at >= this.healAt) return;
    this.world.at(at, () => {
      this.act(this.pick());
      this.scheduleNext();
    });
  }

  private pick(): FaultName {
    let total = 0;
    for (const x of this.weights) total += x.w;
    let r = this.rng.range(0, total);
    for (const x of this.weights) if ((r -= x.w) < 0) return x.name;
    return this.weights[this.weights.length - 1]!.name;
  }

  private randomDuration(): number {
    return this.rng.range(100, 2500);
  }

  private act(name: FaultName): void {
    const w = this.world;
    const ids = w.ids;
    switch (name) {
      case 'partition':
      case 'partition-asymmetric':
      case 'isolate':
      case 'isolate-leader': {
        if (w.now < this.partitionUntil) return;
        const until = Math.min(w.now + this.randomDuration(), this.healAt);
        this.partitionUntil = until;
        if (name === 'partition') {
          const shuffled = this.rng.shuffle([...ids]);
          const k = this.rng.int(1, ids.length - 1);
          w.net.partition(shuffled.slice(0, k), shuffled.slice(k));
          this.note(`partition ${shuffled.slice(0, k)} | ${shuffled.slice(k)}`);
        } else if (name === 'partition-asymmetric') {
          const from = this.rng.pick(ids);
          const to = ids.filter((i) => i !== from && this.rng.chance(0.6));
          for (const t of to) w.net.cutLink(from, t);
          this.note(`cut ${from} -> ${to}`);
        } else {
          const victim = name === 'isolate' ? this.rng.pick(ids) : (w.leader(this.group())?.id ?? this.rng.pick(ids));
          w.net.partition([victim], ids.filter((i) => i !== victim));
          this.note(`isolate ${victim}${name === 'isolate-leader' ? ' (leader)' : ''}`);
        }
        w.at(until, () => {
          w.net.heal();
          this.note('heal network');
        });
        return;
      }
      case 'crash': {
        const live = w.liveSlots();
        if (!live.length) return;
        // Half the crashes hit the leader: that is where the interesting recovery paths are.
        const leader = w.leader(this.group());
        const s = leader && this.rng.chance(0.5) ? leader : this.rng.pick(live);
        w.crash(s);
        this.note(`crash ${s.id}`);
        this.restartLater(s);
        return;
      }
      case 'crash-coordinator': {
        // Arms a trap: the next node to send a chosen 2PC step (prepare, the
        // decision, or a resolve) crashes right there, that message unsent.
        // Only routed calls pass the trap; a step proposed locally is skipped.
        const step = this.rng.pick(['/prepare', '/decide', '/resolve']);
        this.world.sendTrap = (from, _to, msg) => {
          if (msg.type !== 'call' || !msg.requestId.endsWith(step)) return false;
          this.world.sendTrap = null;
          const s = this.world.slots[from - 1]!;
          this.world.at(this.world.now, () => {
            if (!s.node) return;
            w.crash(s);
            this.note(`crash ${s.id} as coordinator, sending ${step.slice(1)}`);
            this.restartLater(s);
          });
          return true;
        };
        this.note(`arm coordinator crash at ${step.slice(1)}`);
        return;
      }
      case 'power-loss': {
        // Every node loses power at the same instant: whatever was not synced
        // is gone everywhere at once. This is what exposes a lying fsync.
        const live = w.liveSlots();
        if (!live.length) return;
        for (const s of live) w.crash(s);
        this.note(`power loss (${live.map((s) => s.id).join(',')})`);
        for (const s of live) this.restartLater(s);
        return;
      }
      case 'disk-corrupt': {
        // Corruption is found at recovery and takes the replica out for good,
        // so keep the number of such replicas within what a quorum can lose.
        const maxLost = Math.floor((ids.length - 1) / 2);
        const lost = w.slots.filter((s) => s.failStopped || s.disk.corruptions > 0).length;
        if (lost >= maxLost || !this.rng.chance(Math.min(1, this.faults['disk-corrupt']))) return;
        const s = this.rng.pick(w.slots.filter((x) => !x.failStopped && x.disk.corruptions === 0));
        w.crash(s);
        const key = s.disk.corrupt();
        this.note(`corrupt ${s.id} ${key ?? '(empty disk)'}`);
        this.restartLater(s);
        return;
      }
      case 'disk-slow': {
        const s = this.rng.pick(w.slots);
        s.disk.faults.slowFactor = this.rng.range(5, 60);
        this.note(`slow disk ${s.id} x${s.disk.faults.slowFactor.toFixed(0)}`);
        w.at(Math.min(w.now + this.randomDuration(), this.healAt), () => {
          s.disk.faults.slowFactor = 1;
        });
        return;
      }
      case 'clock-jump': {
        const s = this.rng.pick(w.slots);
        const jump = this.rng.range(-10_000, 10_000);
        s.clock.jumpedMs += jump;
        this.note(`clock ${s.id} jumps ${jump.toFixed(0)}ms`);
        return;
      }
      case 'leader-transfer': {
        const group = this.group();
        const l = w.leader(group);
        if (!l?.node) return;
        const to = this.rng.pick(ids.filter((i) => i !== l.id));
        l.node.transferLeader(group, to);
        this.note(`transfer leadership of group ${group} ${l.id} -> ${to}`);
        return;
      }
      default:
        return;
    }
  }

  /** A group to aim a leader-directed fault at; draws nothing when there is only one. */
  private group(): number {
    const n = this.world.opts.groups;
    return n > 1 ? this.rng.int(0, n - 1) : 0;
  }

  private restartLater(s: NodeSlot): void {
    const at = Math.min(this.world.now + this.rng.range(20, 2000), this.healAt);
    this.world.at(at, () => {
      if (s.node) return;
      this.world.start(s);
      this.note(s.failStopped ? `restart ${s.id}: corruption detected, replica stopped` : `restart ${s.id}`);
    });
  }

  private healAll(): void {
    const w = this.world;
    w.sendTrap = null;
    w.net.heal();
    w.net.faults = { loss: 0, duplicate: 0, delay: 0, reorder: false };
    for (const s of w.slots) {
      s.disk.faults.slowFactor = 1;
      if (!s.node && !s.failStopped) w.start(s);
    }
    this.note('heal all');
  }
}
