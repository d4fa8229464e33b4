import { NEMESIS_ACTIONS, type FaultName, type FaultOptions } from './faults.js';
import { assertNever, type CoordinatorStep, type FaultAction, type ScheduledFault } from './fault-schedule.js';
import type { Rng } from './rng.js';
import type { NodeSlot, World } from './world.js';

/**
 * Where the nemesis' actions come from: drawn from the seed's faults stream
 * as the run goes (a choice such as "crash the leader" needs the world as it
 * is then), or taken from a recorded schedule. Either way each action runs
 * through the same `apply`, and what ran is recorded, so a seeded run and the
 * replay of its recording execute the same events.
 */
export type NemesisSource = { kind: 'draw'; rng: Rng; faults: FaultOptions } | { kind: 'schedule'; faults: readonly ScheduledFault[] };

/** Restart delay of a replayed coordinator crash that never fired in the recorded run. */
const DEFAULT_RESTART_MS = 1_000;

/**
 * Injects faults during the safety phase and heals them all at `healAt`. Its
 * draws come from its own random stream, so the same seed gives the same
 * schedule. It never fail-stops more replicas than a quorum can spare.
 */
export class Nemesis {
  actions = 0;
  private partitionUntil = 0;
  private readonly weights: { name: FaultName; w: number }[];
  /** Scheduled actions still to run (replay only). */
  private queued: ScheduledFault[] = [];
  readonly log: string[] = [];
  /** Every action that ran (skips included), in order: the run's fault schedule. */
  readonly recorded: ScheduledFault[] = [];

  constructor(
    private readonly world: World,
    private readonly source: NemesisSource,
    private readonly healAt: number,
  ) {
    this.weights = source.kind === 'draw' ? NEMESIS_ACTIONS.filter((n) => source.faults[n] > 0).map((name) => ({ name, w: source.faults[name] })) : [];
  }

  start(): void {
    const src = this.source;
    if (src.kind === 'draw') {
      const skew = Math.min(1, src.faults['clock-skew']);
      if (skew > 0) {
        for (const s of this.world.slots) {
          const offsetMs = src.rng.range(-500, 500) * skew;
          const drift = src.rng.range(-0.05, 0.05) * skew;
          this.run({ atMs: 0, action: 'clock-skew', params: { node: s.id, offsetMs, drift } });
        }
      }
      if (this.weights.length) this.scheduleNext();
    } else {
      for (const f of src.faults) if (f.action === 'clock-skew') this.run(structuredClone(f));
      this.queued = src.faults.filter((f) => f.action !== 'clock-skew').sort((a, b) => a.atMs - b.atMs);
      this.scheduleNext();
    }
    this.world.at(this.healAt, () => this.healAll());
  }

  private note(what: string): void {
    this.actions++;
    this.log.push(`${this.world.now.toFixed(1)}ms ${what}`);
    this.world.trace(`nemesis:${what}`);
  }

  /** Schedules the next action; each is scheduled when the previous one runs, in both modes, so event order is the same. */
  private scheduleNext(): void {
    const src = this.source;
    if (src.kind === 'draw') {
      const at = this.world.now + src.rng.exp(250);
      if (at >= this.healAt) return;
      this.world.at(at, () => {
        this.run({ atMs: this.world.now, ...this.draw(src.rng, src.faults) });
        this.scheduleNext();
      });
      return;
    }
    const next = this.queued.shift();
    if (!next || next.atMs >= this.healAt) return;
    this.world.at(next.atMs, () => {
      this.run(structuredClone(next));
      this.scheduleNext();
    });
  }

  private run(f: ScheduledFault): void {
    this.recorded.push(f);
    this.world.observer?.fault?.(f);
    this.apply(f);
  }

  private pick(rng: Rng): FaultName {
    let total = 0;
    for (const x of this.weights) total += x.w;
    let r = rng.range(0, total);
    for (const x of this.weights) if ((r -= x.w) < 0) return x.name;
    return this.weights[this.weights.length - 1]!.name;
  }

  /** Draws the next action. The order of draws is part of every seed's trace hash: do not reorder them. */
  private draw(rng: Rng, faults: FaultOptions): FaultAction {
    const w = this.world;
    const ids = w.ids;
    const name = this.pick(rng);
    const skip: FaultAction = { action: 'skip', params: { drawn: name } };
    const duration = () => rng.range(100, 2500);
    const restart = () => rng.range(20, 2000);
    switch (name) {
      case 'partition':
      case 'partition-asymmetric':
      case 'isolate':
      case 'isolate-leader': {
        if (w.now < this.partitionUntil) return skip;
        const durationMs = duration();
        if (name === 'partition') {
          const shuffled = rng.shuffle([...ids]);
          const k = rng.int(1, ids.length - 1);
          return { action: 'partition', params: { sides: [shuffled.slice(0, k), shuffled.slice(k)], durationMs } };
        }
        if (name === 'partition-asymmetric') {
          const from = rng.pick(ids);
          const to = ids.filter((i) => i !== from && rng.chance(0.6));
          return { action: 'cut', params: { from, to, durationMs } };
        }
        const node = name === 'isolate' ? rng.pick(ids) : (w.leader(this.group(rng))?.id ?? rng.pick(ids));
        return { action: 'isolate', params: { node, leader: name === 'isolate-leader', durationMs } };
      }
      case 'crash': {
        const live = w.liveSlots();
        if (!live.length) return skip;
        // Half the crashes hit the leader: that is where the interesting recovery paths are.
        const leader = w.leader(this.group(rng));
        const s = leader && rng.chance(0.5) ? leader : rng.pick(live);
        return { action: 'crash', params: { node: s.id, restartAfterMs: restart() } };
      }
      case 'crash-coordinator': {
        const step = rng.pick<CoordinatorStep>(['prepare', 'decide', 'resolve']);
        return { action: 'arm-coordinator-crash', params: { step, restartAfterMs: null } };
      }
      case 'power-loss': {
        const live = w.liveSlots();
        if (!live.length) return skip;
        return { action: 'power-loss', params: { restarts: live.map((s) => ({ node: s.id, afterMs: restart() })) } };
      }
      case 'disk-corrupt': {
        if (this.corruptionBudgetSpent() || !rng.chance(Math.min(1, faults['disk-corrupt']))) return skip;
        const s = rng.pick(w.slots.filter((x) => !x.failStopped && x.disk.corruptions === 0));
        return { action: 'disk-corrupt', params: { node: s.id, restartAfterMs: restart() } };
      }
      case 'disk-slow': {
        const node = rng.pick(w.slots).id;
        const factor = rng.range(5, 60);
        return { action: 'disk-slow', params: { node, factor, durationMs: duration() } };
      }
      case 'clock-jump': {
        const node = rng.pick(w.slots).id;
        return { action: 'clock-jump', params: { node, jumpMs: rng.range(-10_000, 10_000) } };
      }
      case 'leader-transfer': {
        const group = this.group(rng);
        const l = w.leader(group);
        if (!l?.node) return skip;
        return { action: 'leader-transfer', params: { group, from: l.id, to: rng.pick(ids.filter((i) => i !== l.id)) } };
      }
      case 'loss':
      case 'delay':
      case 'duplicate':
      case 'reorder':
      case 'disk-partial-flush':
      case 'disk-torn':
      case 'clock-skew':
        return skip;
      default:
        return assertNever(name);
    }
  }

  /** Corruption is found at recovery and takes the replica out for good: never more replicas than a quorum can lose. */
  private corruptionBudgetSpent(): boolean {
    const maxLost = Math.floor((this.world.ids.length - 1) / 2);
    return this.world.slots.filter((s) => s.failStopped || s.disk.corruptions > 0).length >= maxLost;
  }

  private apply(f: ScheduledFault): void {
    const w = this.world;
    const slot = (id: number) => w.slots[id - 1];
    switch (f.action) {
      case 'skip':
        return;
      case 'clock-skew': {
        const s = slot(f.params.node);
        if (!s) return;
        s.clock.offsetMs = f.params.offsetMs;
        s.clock.drift = f.params.drift;
        return;
      }
      case 'partition':
      case 'cut':
      case 'isolate': {
        if (w.now < this.partitionUntil) return;
        const until = Math.min(w.now + f.params.durationMs, this.healAt);
        this.partitionUntil = until;
        if (f.action === 'partition') {
          w.net.partition(f.params.sides[0], f.params.sides[1]);
          this.note(`partition ${f.params.sides[0]} | ${f.params.sides[1]}`);
        } else if (f.action === 'cut') {
          for (const t of f.params.to) w.net.cutLink(f.params.from, t);
          this.note(`cut ${f.params.from} -> ${f.params.to}`);
        } else {
          const v = f.params.node;
          w.net.partition([v], w.ids.filter((i) => i !== v));
          this.note(`isolate ${v}${f.params.leader ? ' (leader)' : ''}`);
        }
        w.at(until, () => {
          w.net.heal();
          this.note('heal network');
        });
        return;
      }
      case 'crash': {
        const s = slot(f.params.node);
        if (!s) return;
        w.crash(s);
        this.note(`crash ${s.id}`);
        this.restartLater(s, f.params.restartAfterMs);
        return;
      }
      case 'arm-coordinator-crash':
        this.armCoordinatorCrash(f.params);
        return;
      case 'power-loss': {
        // Every node loses power at the same instant: whatever was not synced
        // is gone everywhere at once. This is what exposes a lying fsync.
        const live = w.liveSlots();
        if (!live.length) return;
        for (const s of live) w.crash(s);
        this.note(`power loss (${live.map((s) => s.id).join(',')})`);
        for (const s of live) this.restartLater(s, f.params.restarts.find((r) => r.node === s.id)?.afterMs ?? DEFAULT_RESTART_MS);
        return;
      }
      case 'disk-corrupt': {
        const s = slot(f.params.node);
        if (!s || s.failStopped || s.disk.corruptions > 0 || this.corruptionBudgetSpent()) return;
        w.crash(s);
        const key = s.disk.corrupt();
        this.note(`corrupt ${s.id} ${key ?? '(empty disk)'}`);
        this.restartLater(s, f.params.restartAfterMs);
        return;
      }
      case 'disk-slow': {
        const s = slot(f.params.node);
        if (!s) return;
        s.disk.faults.slowFactor = f.params.factor;
        this.note(`slow disk ${s.id} x${f.params.factor.toFixed(0)}`);
        w.at(Math.min(w.now + f.params.durationMs, this.healAt), () => {
          s.disk.faults.slowFactor = 1;
        });
        return;
      }
      case 'clock-jump': {
        const s = slot(f.params.node);
        if (!s) return;
        s.clock.jumpedMs += f.params.jumpMs;
        this.note(`clock ${s.id} jumps ${f.params.jumpMs.toFixed(0)}ms`);
        return;
      }
      case 'leader-transfer': {
        const { group, from, to } = f.params;
        const l = slot(from);
        if (!l?.node || from === to || group >= w.opts.groups) return;
        l.node.transferLeader(group, to);
        this.note(`transfer leadership of group ${group} ${from} -> ${to}`);
        return;
      }
      default:
        assertNever(f);
    }
  }

  /**
   * Arms a trap: the next node to send the chosen 2PC step (prepare, the
   * decision, or a resolve) crashes right there, that message unsent. Only
   * routed calls pass the trap; a step proposed locally is skipped. The
   * restart delay is drawn when the trap fires, and written into the record.
   */
  private armCoordinatorCrash(params: { step: CoordinatorStep; restartAfterMs: number | null }): void {
    const w = this.world;
    const suffix = `/${params.step}`;
    w.sendTrap = (from, _to, msg) => {
      if (msg.type !== 'call' || !msg.requestId.endsWith(suffix)) return false;
      w.sendTrap = null;
      const s = w.slots[from - 1]!;
      w.at(w.now, () => {
        if (!s.node) return;
        w.crash(s);
        this.note(`crash ${s.id} as coordinator, sending ${params.step}`);
        params.restartAfterMs ??= this.source.kind === 'draw' ? this.source.rng.range(20, 2000) : DEFAULT_RESTART_MS;
        this.restartLater(s, params.restartAfterMs);
      });
      return true;
    };
    this.note(`arm coordinator crash at ${params.step}`);
  }

  /** A group to aim a leader-directed fault at; draws nothing when there is only one. */
  private group(rng: Rng): number {
    const n = this.world.opts.groups;
    return n > 1 ? rng.int(0, n - 1) : 0;
  }

  private restartLater(s: NodeSlot, afterMs: number): void {
    const at = Math.min(this.world.now + afterMs, this.healAt);
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
