// Records a run's timeline from the world's hooks (roles, crashes, faults,
// messages, client operations) for the HTML page in timeline-html.ts.
import type { NodeMessage } from '../core/cluster/host.js';
import type { Role } from '../core/raft/types.js';
import { assertNever, type ScheduledFault } from './fault-schedule.js';
import type { SimRun } from './run.js';
import { failureTime } from './shrink.js';
import type { CallStatus, ClientObserver } from './workloads/clients.js';
import type { WorldObserver } from './world.js';

/** A message: from, to, group (-1 for calls and answers), sent, delivered (-1 if lost), kind. */
export type MsgRow = [number, number, number, number, number, string];

export interface TimelineData {
  title: string;
  verdict: string;
  violations: string[];
  /** When the failure happened, if known; the page marks it. */
  violationMs: number | null;
  endMs: number;
  nodes: number;
  groups: number;
  clients: number;
  roles: { g: number; n: number; t: number; role: Role; term: number }[];
  life: { n: number; t: number; kind: 'start' | 'crash' | 'fail-stop' }[];
  faults: { t: number; text: string }[];
  /** Each fault action on the nodes it hits, for marks in their lanes. */
  nodeFaults: { t: number; nodes: number[]; action: string; params: string }[];
  msgs: MsgRow[];
  /** Messages sent in all; `msgs` is a sample when there were too many. */
  msgTotal: number;
  ops: { c: number; id: number; n: number; s: number; e: number | null; st: CallStatus | 'pending'; op: string; res: string; bad: boolean }[];
}

/** At most this many arrows: all of those near the failure, then an even sample of the rest. */
const MSG_LIMIT = 6_000;
const NEAR_FAILURE_MS = 300;

const short = (x: unknown, max = 120): string => {
  const s = typeof x === 'string' ? x : (JSON.stringify(x) ?? String(x));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export class TimelineRecorder implements WorldObserver, ClientObserver {
  private now: () => number = () => 0;
  private readonly roles: TimelineData['roles'] = [];
  private readonly life: TimelineData['life'] = [];
  private readonly faults: TimelineData['faults'] = [];
  private readonly nodeFaults: TimelineData['nodeFaults'] = [];
  private readonly msgs: MsgRow[] = [];
  private readonly ops = new Map<number, TimelineData['ops'][number]>();

  attach(now: () => number): void {
    this.now = now;
  }

  trace(kind: string, a: number): void {
    if (kind === 'crash' || kind === 'start' || kind === 'fail-stop') this.life.push({ n: a, t: this.now(), kind });
    else if (kind.startsWith('nemesis:')) this.faults.push({ t: this.now(), text: kind.slice('nemesis:'.length) });
    else if (kind === 'disk-torn') this.faults.push({ t: this.now(), text: `torn write on ${a}` });
  }

  message(from: number, to: number, msg: NodeMessage, deliverAt: readonly number[]): void {
    const group = msg.type === 'raft' ? (msg.groups[0]?.group ?? 0) : msg.type === 'call' ? msg.group : -1;
    const kind = msg.type === 'raft' ? (msg.groups[0]?.msgs[0]?.type ?? 'raft') : msg.type;
    const sent = this.now();
    if (!deliverAt.length) this.msgs.push([from, to, group, sent, -1, String(kind)]);
    for (const d of deliverAt) this.msgs.push([from, to, group, sent, d, String(kind)]);
  }

  role(group: number, node: number, role: Role, term: number): void {
    this.roles.push({ g: group, n: node, t: this.now(), role, term });
  }

  fault(f: ScheduledFault): void {
    const nodes = faultNodes(f);
    if (nodes.length) this.nodeFaults.push({ t: this.now(), nodes, action: f.action, params: short(f.params, 200) });
  }

  invoke(client: number, id: number, node: number, op: unknown, atMs: number): void {
    this.ops.set(id, { c: client, id, n: node, s: atMs, e: null, st: 'pending', op: short(op), res: '', bad: false });
  }

  complete(_client: number, id: number, status: CallStatus, result: unknown, atMs: number): void {
    const o = this.ops.get(id);
    if (!o) return;
    o.e = atMs;
    o.st = status;
    o.res = result === undefined ? '' : short(result);
  }

  /** The page's data, once the run is over. */
  data(run: SimRun, title: string): TimelineData {
    const violationMs = failureTime(run);
    const ops = [...this.ops.values()];
    for (const inv of run.findings[0]?.ops ?? []) {
      for (const o of ops) if (o.s === inv.invokeMs && (inv.client === undefined || inv.client === o.c)) o.bad = true;
    }
    const r = run.result;
    return {
      title,
      verdict: r.verdict,
      violations: r.violations.map((v) => short(v, 4000)),
      violationMs,
      endMs: r.simulatedMs,
      nodes: r.nodes,
      groups: r.partitions,
      clients: run.scenario.clients.length,
      roles: this.roles,
      life: this.life,
      faults: this.faults,
      nodeFaults: this.nodeFaults,
      msgs: sampleMessages(this.msgs, violationMs),
      msgTotal: this.msgs.length,
      ops,
    };
  }
}

/** The nodes a fault action hits directly. */
function faultNodes(f: ScheduledFault): number[] {
  switch (f.action) {
    case 'skip':
    case 'arm-coordinator-crash':
      return [];
    case 'partition':
      return [...f.params.sides[0], ...f.params.sides[1]];
    case 'cut':
      return [f.params.from, ...f.params.to];
    case 'power-loss':
      return f.params.restarts.map((r) => r.node);
    case 'leader-transfer':
      return [f.params.from, f.params.to];
    case 'clock-skew':
    case 'isolate':
    case 'crash':
    case 'disk-corrupt':
    case 'disk-slow':
    case 'clock-jump':
      return [f.params.node];
    default:
      return assertNever(f);
  }
}

/** Every message sent near the failure, then an even sample of the rest, up to MSG_LIMIT. */
function sampleMessages(all: MsgRow[], at: number | null): MsgRow[] {
  if (all.length <= MSG_LIMIT) return all;
  const near = at === null ? [] : all.filter((m) => Math.abs(m[3] - at) <= NEAR_FAILURE_MS).slice(-MSG_LIMIT / 2);
  const keep = new Set(near);
  const room = MSG_LIMIT - keep.size;
  const stride = all.length / room;
  for (let i = 0; i < room; i++) keep.add(all[Math.floor(i * stride)]!);
  return all.filter((m) => keep.has(m));
}
