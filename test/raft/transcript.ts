// A tiny datadriven runner in the style of etcd raft's testdata. A file is a
// sequence of paragraphs separated by blank lines. A paragraph is either only
// `#` comment lines, or command lines (comments allowed among them), a line
// `----`, and the output those commands are expected to print. Running a file
// executes every command against one Cluster and compares the output; with
// rewrite set, the file is written back with the actual output instead.
//
// Commands (node ids are 1..n; a command that prints nothing shows `ok`):
//   add-nodes <n> [prevote=] [checkquorum=] [election=] [heartbeat=]
//             [max-msg-entries=] [max-inflight=]   a fresh cluster, all up
//   set-log <id> terms=1,1,4 [term=] [vote=] [commit=]
//             replaces the node's disk by that log and hard state, restarts it
//   campaign <id> | propose <id> <data>... | read-index <id> <ctx>
//   transfer <from> <to> | compact <id> <index>
//   tick <id> [n]       ticks one node; its messages stay in flight
//   tick-all [n]        n rounds: each live node ticks, then the network settles
//                       (routine heartbeats hidden, dropped messages summed up)
//   stabilize | deliver [n] | drop [a->b] | msgs
//   partition 1 2 | 3 4 5 | isolate <id> | cut <a->b> | heal
//   crash <id> | restart <id> | status [ids] | log [ids] | applied [ids]

import { readFileSync, writeFileSync } from 'node:fs';
import { Cluster, fmtMsg, type RaftTuning } from './harness.js';

interface Paragraph {
  /** The command and comment lines, verbatim. */
  input: string[];
  /** The expected output lines; null for a comment-only paragraph. */
  expected: string[] | null;
  /** 1-based line of the paragraph's first line, for error messages. */
  line: number;
}

export function parseTranscript(text: string): Paragraph[] {
  const lines = text.split('\n');
  const out: Paragraph[] = [];
  let k = 0;
  while (k < lines.length) {
    if (lines[k]!.trim() === '') {
      k++;
      continue;
    }
    const start = k;
    const para: string[] = [];
    while (k < lines.length && lines[k]!.trim() !== '') para.push(lines[k++]!);
    const sep = para.indexOf('----');
    if (sep < 0) {
      if (!para.every((l) => l.startsWith('#'))) throw new Error(`line ${start + 1}: commands without a ---- line`);
      out.push({ input: para, expected: null, line: start + 1 });
    } else {
      out.push({ input: para.slice(0, sep), expected: para.slice(sep + 1), line: start + 1 });
    }
  }
  return out;
}

function formatTranscript(paras: Paragraph[]): string {
  return paras.map((p) => (p.expected === null ? p.input : [...p.input, '----', ...p.expected]).join('\n')).join('\n\n') + '\n';
}

/** Splits "cmd a b k=v" into the command, positional arguments and key=value options. */
function parseLine(line: string): { cmd: string; args: string[]; opts: Map<string, string> } {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const args: string[] = [];
  const opts = new Map<string, string>();
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq > 0) opts.set(t.slice(0, eq), t.slice(eq + 1));
    else args.push(t);
  }
  return { cmd: cmd!, args, opts };
}

function int(s: string | undefined, what: string): number {
  const n = Number(s);
  if (s === undefined || !Number.isInteger(n)) throw new Error(`${what}: want an integer, got ${s}`);
  return n;
}

function link(s: string | undefined): [number, number] {
  const m = /^(\d+)->(\d+)$/.exec(s ?? '');
  if (!m) throw new Error(`want a link like 1->2, got ${s}`);
  return [Number(m[1]), Number(m[2])];
}

/** Runs one command line; returns what it printed. */
export class Session {
  cluster: Cluster | null = null;

  private get c(): Cluster {
    if (!this.cluster) throw new Error('no cluster: start with add-nodes');
    return this.cluster;
  }

  run(line: string): string[] {
    const { cmd, args, opts } = parseLine(line);
    const ids = () => (args.length ? args.map((a) => int(a, 'node')) : [...this.c.nodes.keys()]);
    const enc = new TextEncoder();
    const out: string[] = [];
    switch (cmd) {
      case 'add-nodes': {
        // Always a fresh cluster: a transcript may rewind a scenario to try another branch.
        const tuning: Partial<RaftTuning> = {};
        const bool = (k: string) => (opts.has(k) ? opts.get(k) === 'true' : undefined);
        const num = (k: string) => (opts.has(k) ? int(opts.get(k), k) : undefined);
        const set = <K extends keyof RaftTuning>(k: K, v: RaftTuning[K] | undefined) => v !== undefined && (tuning[k] = v);
        set('preVote', bool('prevote'));
        set('checkQuorum', bool('checkquorum'));
        set('electionTicks', num('election'));
        set('heartbeatTicks', num('heartbeat'));
        set('entriesPerMsgMax', num('max-msg-entries'));
        set('inflightMsgsMax', num('max-inflight'));
        this.cluster = new Cluster(int(args[0], 'count'), tuning);
        break;
      }
      case 'set-log': {
        const terms = (opts.get('terms') ?? '').split(',').filter(Boolean).map((t) => int(t, 'terms'));
        const num = (k: string) => (opts.has(k) ? int(opts.get(k), k) : undefined);
        this.c.setLog(int(args[0], 'node'), terms, { term: num('term'), vote: num('vote'), commit: num('commit') });
        out.push(this.c.logLine(int(args[0], 'node')));
        break;
      }
      case 'campaign':
        this.c.raft(int(args[0], 'node')).campaignNow();
        break;
      case 'propose': {
        const id = int(args[0], 'node');
        if (!this.c.raft(id).propose(args.slice(1).map((d) => enc.encode(d)))) out.push(`${id} dropped the proposal`);
        break;
      }
      case 'read-index': {
        const id = int(args[0], 'node');
        if (!this.c.raft(id).readIndex(int(args[1], 'ctx'))) out.push(`${id} knows no leader to ask`);
        break;
      }
      case 'transfer':
        this.c.raft(int(args[0], 'node')).transferLeader(int(args[1], 'node'));
        break;
      case 'compact':
        this.c.compact(int(args[0], 'node'), int(args[1], 'index'));
        out.push(this.c.logLine(int(args[0], 'node')));
        break;
      case 'tick': {
        const r = this.c.raft(int(args[0], 'node'));
        for (let k = int(args[1] ?? '1', 'count'); k > 0; k--) {
          r.tick();
          this.c.flush();
        }
        break;
      }
      case 'tick-all':
        this.c.tickAll(int(args[0] ?? '1', 'count'));
        break;
      case 'stabilize':
        this.c.stabilize();
        break;
      case 'deliver':
        for (let k = int(args[0] ?? '1', 'count'); k > 0 && this.c.deliverOne(); k--);
        break;
      case 'drop': {
        const [from, to] = args.length ? link(args[0]) : [0, 0];
        const hit = (m: { from: number; to: number }) => !args.length || (m.from === from && m.to === to);
        for (const m of this.c.queue.filter(hit)) out.push(`${fmtMsg(m)} DROPPED`);
        this.c.queue = this.c.queue.filter((m) => !hit(m));
        break;
      }
      case 'msgs':
        out.push(...this.c.queue.map(fmtMsg));
        if (!this.c.queue.length) out.push('no messages in flight');
        break;
      case 'partition': {
        const groups = args.join(' ').split('|').map((g) => g.trim().split(/\s+/).filter(Boolean).map((a) => int(a, 'node')));
        this.c.partition(groups);
        break;
      }
      case 'isolate': {
        const id = int(args[0], 'node');
        this.c.partition([[id], [...this.c.nodes.keys()].filter((n) => n !== id)]);
        break;
      }
      case 'cut': {
        const [from, to] = link(args[0]);
        this.c.cuts.add(`${from}->${to}`);
        break;
      }
      case 'heal':
        this.c.cuts.clear();
        break;
      case 'crash':
        this.c.crash(int(args[0], 'node'));
        break;
      case 'restart':
        this.c.restart(int(args[0], 'node'));
        out.push(this.c.status(int(args[0], 'node')));
        break;
      case 'status':
        for (const id of ids()) out.push(this.c.status(id));
        break;
      case 'log':
        for (const id of ids()) out.push(this.c.logLine(id));
        break;
      case 'applied':
        for (const id of ids()) out.push(this.c.appliedLine(id));
        break;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
    // Whatever a command changed is processed at once: disks here are synchronously durable.
    this.c.flush();
    return [...this.c.take(), ...out];
  }
}

/** Runs a transcript; returns the text it should contain (equal to the file when everything matches). */
export function runTranscript(text: string): string {
  const paras = parseTranscript(text);
  const session = new Session();
  for (const p of paras) {
    if (p.expected === null) continue;
    const got: string[] = [];
    for (const line of p.input) {
      if (line.startsWith('#')) continue;
      try {
        got.push(...session.run(line));
      } catch (e) {
        // A thrown error (an assertion inside Raft included) is output like any other, so a
        // transcript can pin it down; whatever the command printed before it is kept.
        got.push(...(session.cluster?.take() ?? []), `error: ${(e as Error).message}`);
      }
    }
    p.expected = got.length ? got : ['ok'];
  }
  return formatTranscript(paras);
}

/** Runs a file; with rewrite, stores the actual output in it. Returns [expected, actual]. */
export function runTranscriptFile(path: string, rewrite: boolean): [string, string] {
  const text = readFileSync(path, 'utf8');
  const actual = runTranscript(text);
  if (rewrite && actual !== text) writeFileSync(path, actual);
  return [text, actual];
}
