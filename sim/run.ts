import type { NodeOptions } from '../core/cluster/node.js';
import { checkLinearizable, formatHistory } from './checkers/linearizability.js';
import { describeFaults, swarm, type FaultOptions } from './faults.js';
import { Nemesis, type NemesisSource } from './nemesis.js';
import { Rng } from './rng.js';
import { RegisterWorkload } from './workloads/register.js';
import { World, type SimNode, type WorldObserver, type WorldOptions } from './world.js';
import { SCENARIO_FORMAT, SCENARIO_VERSION, type Scenario, type WorkloadName } from './scenario.js';
import type { ClientObserver, ClientScript, OpSource, WritesSince } from './workloads/clients.js';
import type { KvOp } from './checkers/linearizability.js';
import type { Planned } from './workloads/list-append.js';
import type { BankOp } from './workloads/bank.js';
import type { SqlOp } from './workloads/sql.js';
import { Node } from '../core/cluster/node.js';
import { TxnNode } from '../core/txn/node.js';
import type { PartitionStateMachine } from '../core/txn/partition.js';
import { checkListAppend, formatAnomaly } from './checkers/elle.js';
import { ListAppendWorkload } from './workloads/list-append.js';
import { BankWorkload } from './workloads/bank.js';
import type { TxnClientWorld } from './workloads/clients.js';
import { checkBank } from './checkers/bank.js';
import { SqlWorkload, sqlSession, type SqlClientWorld } from './workloads/sql.js';

export type Verdict = 'ok' | 'correctness' | 'liveness' | 'crash';

/** Exit codes of `npm run sim`, one per verdict (2 is bad usage). */
export const EXIT_CODES: Record<Verdict, number> = { ok: 0, correctness: 3, liveness: 4, crash: 5 };

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Simulated milliseconds of workload; faults run for the first 70%, then heal. */
  durationMs: number;
  faults: FaultOptions | 'swarm';
  /** The system's knobs: drawn per seed ('swarm'), or the defaults; unset means swarm exactly when faults are. */
  tuning?: 'swarm' | 'default';
  workload: WorkloadName;
  /**
   * Raft partitions per node for the transactional workloads (default 3, so
   * transactions span partitions and take two-phase commit). The register
   * workload has one group.
   */
  partitions?: number;
  /** For list-append: builds each node's partition state machine (tests plant broken commit rules through it). */
  makeStateMachine?: () => PartitionStateMachine;
  /** After healing, a write must succeed within this long. */
  /**
   * After healing, a write must succeed within this long plus one client
   * timeout (a client may first have to give up on a request to a node that
   * died just before the heal).
   */
  livenessMs: number;
  /** Overrides for the node (tests plant broken Raft rules through makeRaft). */
  node?: Partial<Omit<NodeOptions, 'id' | 'voters' | 'tickMs'>>;
  /**
   * Replays this scenario: its seed, options, fault schedule and client
   * operations replace seed, nodes, durationMs, faults, tuning, workload,
   * partitions and livenessMs, and nothing is drawn from the faults or
   * workload streams.
   */
  scenario?: Scenario;
}

/** A violation, and the client operations it involves (the timeline marks them). */
export interface Finding {
  text: string;
  ops?: { client?: number; invokeMs: number; completeMs: number }[];
}

/** Hooks that watch a run without changing it. */
export interface SimWatchers {
  world?: WorldObserver;
  clients?: ClientObserver;
}

/** A run's result, the scenario that replays it exactly, and its violations with the operations they involve. */
export interface SimRun {
  result: SimResult;
  scenario: Scenario;
  findings: Finding[];
}

/** Partitions of the transactional workloads unless --partitions says otherwise. */
export const DEFAULT_TXN_PARTITIONS = 3;

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  seed: 1,
  nodes: 3,
  durationMs: 10_000,
  faults: 'swarm',
  workload: 'register',
  livenessMs: 5_000,
};

export interface SimResult {
  seed: number;
  nodes: number;
  partitions: number;
  traceHash: string;
  verdict: Verdict;
  events: number;
  simulatedMs: number;
  wallMs: number;
  /** Of wallMs, the time spent in the end-of-run history checkers. */
  checkMs: number;
  messages: { sent: number; delivered: number; dropped: number };
  elections: number;
  /** Snapshots followers received from a leader and installed (InstallSnapshot). */
  snapshotsInstalled: number;
  crashes: number;
  nemesisActions: number;
  ops: { ok: number; failed: number; indeterminate: number };
  faults: string;
  violations: string[];
}

/**
 * The system's own knobs. Swarm runs draw them per seed too: small batches,
 * tight in-flight windows and slow disks open the windows that rare bugs
 * (Figure 8 commits, acks before fsync) need.
 */
export interface Tuning {
  tickMs: number;
  diskLatencyMs: { min: number; max: number };
  entriesPerMsgMax: number;
  inflightMsgsMax: number;
  electionTicks: number;
  heartbeatTicks: number;
  snapshotEntries: number;
  keepEntries: number;
}

export const DEFAULT_TUNING: Tuning = {
  tickMs: 50,
  diskLatencyMs: { min: 0.5, max: 4 },
  entriesPerMsgMax: 64,
  inflightMsgsMax: 16,
  electionTicks: 10,
  heartbeatTicks: 2,
  snapshotEntries: 200,
  keepEntries: 50,
};

function swarmTuning(rng: Rng): Tuning {
  const diskMax = rng.pick([1, 4, 10, 25]);
  const electionTicks = rng.int(5, 20);
  return {
    tickMs: rng.pick([10, 20, 50]),
    diskLatencyMs: { min: diskMax / 8, max: diskMax },
    entriesPerMsgMax: rng.pick([1, 2, 4, 64]),
    inflightMsgsMax: rng.pick([1, 2, 16]),
    electionTicks,
    heartbeatTicks: rng.int(1, Math.max(1, Math.floor(electionTicks / 3))),
    snapshotEntries: rng.pick([30, 100, 400, 1000]),
    keepEntries: rng.pick([0, 5, 50]),
  };
}

/** Runs one seeded simulation (or scenario) to its verdict. Deterministic: same options, same trace hash. */
export function runSimulation(partial: Partial<SimOptions> = {}): SimResult {
  return simulate(partial).result;
}

/** Runs a simulation and returns, besides the result, the scenario that replays it. */
export function simulate(partial: Partial<SimOptions> = {}, watch: SimWatchers = {}): SimRun {
  const wallStart = performance.now();
  const sc = partial.scenario;
  const o: SimOptions = sc
    ? { ...DEFAULT_SIM_OPTIONS, ...partial, seed: sc.seed, nodes: sc.options.nodes, durationMs: sc.options.durationMs, workload: sc.options.workload, partitions: sc.options.partitions, livenessMs: sc.options.livenessMs }
    : { ...DEFAULT_SIM_OPTIONS, ...partial };
  const rng = new Rng(`camusdb-sim/${o.seed}`);
  const faults = sc ? sc.options.faults : o.faults === 'swarm' ? swarm(rng.fork('swarm')) : o.faults;
  const swarmKnobs = o.tuning ? o.tuning === 'swarm' : o.faults === 'swarm';
  const tuning = sc ? sc.options.tuning : swarmKnobs ? swarmTuning(rng.fork('tuning')) : DEFAULT_TUNING;
  // A request should outlive an election or two before the node gives up on it.
  const requestTimeoutMs = Math.max(800, 3 * tuning.electionTicks * tuning.tickMs);
  const nodeOptions = {
    snapshotEntries: tuning.snapshotEntries,
    keepEntries: tuning.keepEntries,
    requestTimeoutMs,
    raft: { entriesPerMsgMax: tuning.entriesPerMsgMax, inflightMsgsMax: tuning.inflightMsgsMax, electionTicks: tuning.electionTicks, heartbeatTicks: tuning.heartbeatTicks },
    ...o.node,
  };
  const healAt = Math.floor(o.durationMs * 0.7);
  const quiesceMs = 3_000;
  // A two-phase commit makes up to three routed calls in a row (prepare, decide, resolve is not awaited).
  const clientTimeoutMs = (o.workload === 'register' ? 1 : 2) * requestTimeoutMs + 500;
  const livenessBoundMs = o.livenessMs + clientTimeoutMs;
  // Clients keep going at least until the liveness bound, so the check can be met.
  const workloadEndMs = Math.max(o.durationMs, healAt + livenessBoundMs);
  const partitions = o.workload === 'register' ? 1 : (o.partitions ?? DEFAULT_TXN_PARTITIONS);
  const worldOptions = { nodes: o.nodes, groups: partitions, tickMs: tuning.tickMs, faults, diskLatencyMs: tuning.diskLatencyMs, node: nodeOptions };
  const observer: ClientObserver = {
    invoke: (client, id, node, op, atMs) => watch.clients?.invoke(client, id, node, op, atMs),
    complete: (client, id, status, result, atMs) => watch.clients?.complete(client, id, status, result, atMs),
  };
  const clients: RunClients = { clients: o.nodes + 2, stopAtMs: workloadEndMs, timeoutMs: clientTimeoutMs, scripts: sc?.clients ?? null, setupNodes: sc?.setupNodes ?? [], observer };
  const { world, workload } =
    o.workload === 'register'
      ? registerRun(rng, worldOptions, clients)
      : o.workload === 'list-append'
        ? listAppendRun(rng, worldOptions, clients, o.makeStateMachine)
        : o.workload === 'bank'
          ? bankRun(rng, worldOptions, clients, o.makeStateMachine)
          : sqlRun(rng, worldOptions, clients, o.makeStateMachine);
  world.observer = watch.world ?? null;
  watch.world?.attach?.(() => world.now);
  const source: NemesisSource = sc ? { kind: 'schedule', faults: sc.faults } : { kind: 'draw', rng: rng.fork('faults'), faults };
  const nemesis = new Nemesis(world, source, healAt);

  const findings: Finding[] = [];
  let verdict: Verdict = 'ok';
  world.trace('begin', o.seed, o.nodes);
  world.at(0, () => {
    for (const s of world.slots) world.start(s);
  });
  nemesis.start();
  workload.start();
  let targetIndexes: number[] = [];
  world.at(workloadEndMs, () => {
    targetIndexes = Array.from({ length: world.opts.groups }, (_, g) => Math.max(0, ...world.liveSlots().map((sl) => sl.node!.groups[g]!.raft.log.committed)));
  });
  world.runUntil(workloadEndMs + quiesceMs);
  const checkStart = performance.now();

  if (world.crashError) {
    verdict = 'crash';
    findings.push({ text: `crash at t=${world.now.toFixed(1)}ms: ${world.crashError.stack ?? world.crashError.message}` });
  } else {
    findings.push(...world.raftViolations.map((text) => ({ text })), ...workload.check());
    if (findings.length) verdict = 'correctness';
    else {
      // A drawn run's clients write until the end (no request can hang: each
      // times out), so some write after the heal must succeed. A replayed
      // scenario, often shrunk to a handful of writes, may see conflicts
      // refuse every one of them there, rightly: an answer is enough. With no
      // write after the heal (reads do not count, or a shrink could keep this
      // verdict by dropping every write) there is nothing to judge.
      const writes = workload.writesAfter(healAt);
      const must = !sc ? 'succeed' : writes.invoked ? 'answer' : null;
      const live = checkLiveness(world, must === null ? null : { atMs: healAt, writes, must }, livenessBoundMs, targetIndexes);
      if (live) {
        verdict = 'liveness';
        findings.push({ text: live });
      }
    }
  }
  const result: SimResult = {
    seed: o.seed,
    nodes: o.nodes,
    partitions,
    traceHash: world.traceHash,
    verdict,
    events: world.events,
    simulatedMs: Math.round(world.now),
    wallMs: Math.round(performance.now() - wallStart),
    checkMs: Math.round(performance.now() - checkStart),
    messages: { sent: world.net.sent, delivered: world.net.delivered, dropped: world.net.dropped },
    elections: world.checkers.reduce((n, c) => n + c.leadersElected, 0),
    snapshotsInstalled: world.checkers.reduce((n, c) => n + c.snapshotsInstalled, 0),
    crashes: world.slots.reduce((n, s) => n + s.crashes, 0),
    nemesisActions: nemesis.actions,
    ops: workload.counts(),
    faults: describeFaults(faults),
    violations: findings.map((f) => f.text),
  };
  const scenario: Scenario = {
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    seed: o.seed,
    options: { nodes: o.nodes, partitions, durationMs: o.durationMs, livenessMs: o.livenessMs, workload: o.workload, tuning, faults },
    faults: nemesis.recorded,
    clients: workload.recorded(),
    ...(o.workload === 'sql' ? { setupNodes: workload.setupNodes ?? [] } : {}),
  };
  return { result, scenario, findings };
}

/** What a run needs of its workload, whatever it does. */
interface SimWorkload {
  start(): void;
  counts(): { ok: number; failed: number; indeterminate: number };
  writesAfter(t: number): WritesSince;
  /** Checks the history; returns violations. */
  check(): Finding[];
  /** What each client sent. */
  recorded(): ClientScript[];
  setupNodes?: number[];
}

/** A workload with the run's history check attached. */
function asSimWorkload(wl: Omit<SimWorkload, 'check'>, check: () => Finding[]): SimWorkload {
  return { start: () => wl.start(), counts: () => wl.counts(), writesAfter: (t) => wl.writesAfter(t), recorded: () => wl.recorded(), setupNodes: wl.setupNodes, check };
}

type WorldOptionsBase = Omit<WorldOptions<SimNode>, 'makeNode'>;
/** The clients' side of a run: how many and how long, and, in a replay, their scripts. */
type RunClients = { clients: number; stopAtMs: number; timeoutMs: number; scripts: ClientScript[] | null; setupNodes: number[]; observer?: ClientObserver };

/** A workload's op source. Scenario files are checked for shape only, so a replay trusts that ops fit the workload. */
function opSource<Op>(c: RunClients): OpSource<Op> {
  return c.scripts ? { kind: 'replay', clients: c.scripts as ClientScript<Op>[] } : { kind: 'draw' };
}

/** The operations a violation involves, for the timeline. */
function involved(ops: readonly { process?: number; client?: number; invokeMs: number; completeMs: number }[]): Finding['ops'] {
  return ops.map((x) => ({ client: x.client ?? x.process, invokeMs: x.invokeMs, completeMs: x.completeMs }));
}

function registerRun(rng: Rng, w: WorldOptionsBase, c: RunClients): { world: World; workload: SimWorkload } {
  const world = new World<Node>(rng, { ...w, makeNode: (io, opts, obs) => new Node(io, opts, obs(0)) });
  const wl = new RegisterWorkload(
    {
      now: () => world.now,
      at: (t, fn) => world.at(t, fn),
      request: (n, req, reply) => world.clientCall(n, (node, answer) => node.request(req, answer), reply),
      nodes: world.ids,
      trace: (k, a, b, cc) => world.trace(k, a, b, cc),
      observer: c.observer,
    },
    rng.fork('workload'),
    { ...c, keys: 4 },
    opSource<KvOp>(c),
  );
  const check = (): Finding[] => {
    const lin = checkLinearizable(wl.history);
    if (lin.ok === false) return [{ text: `linearizability: key ${lin.key}: ${lin.reason}\n${formatHistory(lin.ops.slice(0, 60))}`, ops: involved(lin.ops) }];
    if (lin.ok === 'unknown') return [{ text: `linearizability: undecided for key ${lin.key}: ${lin.reason}` }];
    return [];
  };
  return { world: world as unknown as World, workload: asSimWorkload(wl, check) };
}

/** A world of transactional nodes, and the client side of it a workload drives. */
function txnWorld(rng: Rng, w: WorldOptionsBase, makeStateMachine?: () => PartitionStateMachine) {
  const world = new World<TxnNode>(rng, { ...w, makeNode: (io, opts, obs) => new TxnNode(io, { ...opts, partitions: w.groups, makeStateMachine }, obs) });
  const clientWorld: TxnClientWorld = {
    now: () => world.now,
    at: (t, fn) => world.at(t, fn),
    execute: (n, program, reply) => world.clientCall(n, (node, answer) => node.execute(program, answer), reply),
    nodes: world.ids,
    trace: (k, a, b, cc) => world.trace(k, a, b, cc),
  };
  return { world, clientWorld };
}

function listAppendRun(rng: Rng, w: WorldOptionsBase, c: RunClients, makeStateMachine?: () => PartitionStateMachine): { world: World; workload: SimWorkload } {
  const { world, clientWorld } = txnWorld(rng, w, makeStateMachine);
  const wl = new ListAppendWorkload({ ...clientWorld, observer: c.observer }, rng.fork('workload'), { ...c, keys: 5, opsMax: 4 }, opSource<Planned[]>(c));
  const check = (): Finding[] => {
    const r = checkListAppend(wl.history);
    return r.anomalies.slice(0, 5).map((a) => ({ text: `serializability: ${formatAnomaly(a)}`, ops: involved(a.txns) }));
  };
  return { world: world as unknown as World, workload: asSimWorkload(wl, check) };
}

function bankRun(rng: Rng, w: WorldOptionsBase, c: RunClients, makeStateMachine?: () => PartitionStateMachine): { world: World; workload: SimWorkload } {
  const { world, clientWorld } = txnWorld(rng, w, makeStateMachine);
  const wl = new BankWorkload({ ...clientWorld, observer: c.observer }, rng.fork('workload'), { ...c, accounts: 6, initialBalance: 100 }, opSource<BankOp>(c));
  const check = (): Finding[] => {
    const r = checkBank(wl.audits, { accounts: wl.accountNames, total: wl.total });
    return r.violations.slice(0, 5).map((v) => ({ text: `bank: audit ${v.txnId}: ${v.kind}: ${v.detail}`, ops: involved(wl.audits.filter((a) => a.txnId === v.txnId).map((a) => ({ invokeMs: a.invokeMs ?? 0, completeMs: a.completeMs ?? 0 }))) }));
  };
  return { world: world as unknown as World, workload: asSimWorkload(wl, check) };
}

function sqlRun(rng: Rng, w: WorldOptionsBase, c: RunClients, makeStateMachine?: () => PartitionStateMachine): { world: World; workload: SimWorkload } {
  const { world, clientWorld } = txnWorld(rng, w, makeStateMachine);
  const sqlWorld: SqlClientWorld = {
    ...clientWorld,
    observer: c.observer,
    session: (n, fn, reply) => world.clientCall(n, (node, answer) => fn(sqlSession(node), answer), reply),
  };
  const source = c.scripts ? { kind: 'replay' as const, clients: c.scripts as ClientScript<SqlOp>[], setupNodes: c.setupNodes } : { kind: 'draw' as const };
  const wl = new SqlWorkload(sqlWorld, rng.fork('workload'), { ...c, keys: 6, opsMax: 4, engineers: 3 }, source);
  const check = (): Finding[] => {
    const r = checkListAppend(wl.history);
    const out: Finding[] = r.anomalies.slice(0, 5).map((a) => ({ text: `serializability: ${formatAnomaly(a)}`, ops: involved(a.txns) }));
    const bad = wl.onCallReads.filter((x) => x.count < 1);
    if (bad.length) out.push({ text: `on-call: ${bad.length} committed reads saw nobody on call (write skew), e.g. count ${bad[0]!.count}` });
    return out;
  };
  return { world: world as unknown as World, workload: asSimWorkload(wl, check) };
}

/**
 * After healing (heal null: nothing to judge there): a write invoked after
 * the heal must succeed (or, in a replay, be answered) within the bound; and
 * every surviving replica must catch up with the log: by the end,
 * each has applied at least the highest commit index any replica knew when
 * the clients stopped (the log may still grow afterwards, through garbage
 * collection), and replicas at the same index hold the same state. Returns a
 * description of the failure, or null.
 */
function checkLiveness(world: World, heal: { atMs: number; writes: WritesSince; must: 'succeed' | 'answer' } | null, livenessMs: number, targetIndexes: number[]): string | null {
  if (heal !== null) {
    const w = heal.writes;
    const doneMs = heal.must === 'succeed' ? w.atMs : w.answeredAtMs;
    const did = heal.must === 'succeed' ? 'succeeded' : 'was answered';
    if (doneMs === Infinity) return `no write invoked after the heal at ${heal.atMs}ms ${did}`;
    if (doneMs > heal.atMs + livenessMs) return `first write after the heal ${did} only at ${doneMs.toFixed(0)}ms (bound ${heal.atMs + livenessMs}ms)`;
  }
  const live = world.liveSlots();
  for (let g = 0; g < world.opts.groups; g++) {
    const where = world.opts.groups > 1 ? `group ${g}: ` : '';
    const target = targetIndexes[g] ?? 0;
    const applied = live.map((s) => s.node!.groups[g]!.raft.log.applied);
    if (applied.some((a) => a < target)) {
      return `${where}replicas did not catch up after quiescing: applied ${live.map((s, i) => `${s.id}:${applied[i]}`).join(' ')}, commit index ${target} was known when clients stopped`;
    }
    const digestAt = new Map<number, string>();
    for (const s of live) {
      const r = s.node!.groups[g]!;
      const a = r.raft.log.applied;
      const d = r.sm.digest();
      if ((digestAt.get(a) ?? d) !== d) return `${where}replicas at applied index ${a} hold different states after quiescing`;
      digestAt.set(a, d);
    }
  }
  return null;
}

