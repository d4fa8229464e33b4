// Per-step determinism: run the same options twice, fold every event into a
// running hash, and name the first event where the runs part ways, with what
// each run did there. A trace hash says only that two runs differ; this says
// where, which is what one needs to find the nondeterminism.
import { simulate, type SimOptions } from './run.js';
import type { WorldObserver } from './world.js';

/** What one run did in one event. */
export interface EventRecord {
  /** 1-based, in the order the world ran events. */
  index: number;
  atMs: number;
  /** The first word the event folded into the trace ("timer", "recv", "call", "nemesis:crash 2", ...), or "(silent)". */
  kind: string;
  /** The first number traced with it: the node for node events, the client for client events. */
  node: number;
  /** Every trace word of the event, up to a few, as "kind(a,b,c,d)". */
  did: string[];
  /** The running trace hash after the event. */
  hash: number;
}

export interface DeterminismReport {
  identical: boolean;
  events: [number, number];
  traceHash: [string, string];
  /** The first event whose running hash differs (or that one run has and the other not). */
  first: { index: number; a: EventRecord | null; b: EventRecord | null; lastCommon: EventRecord | null } | null;
}

const MAX_WORDS = 8;

/** Collects one event's trace words; `flush` closes the event. */
class EventTap implements WorldObserver {
  private words: string[] = [];
  private head: { kind: string; node: number } | null = null;

  constructor(private readonly onEvent: (e: EventRecord) => void) {}

  trace(kind: string, a: number, b: number, c: number, d: number): void {
    this.head ??= { kind, node: a };
    if (this.words.length < MAX_WORDS) this.words.push(`${kind}(${a},${b},${c},${d})`);
  }

  afterEvent(index: number, atMs: number, hash: number): void {
    this.onEvent({ index, atMs, kind: this.head?.kind ?? '(silent)', node: this.head?.node ?? 0, did: this.words, hash });
    this.words = [];
    this.head = null;
  }
}

/**
 * Runs `options` twice. The first run keeps every event's running hash (and
 * what it did); the second compares as it goes and keeps the event where it
 * first differs. The trace words before the first event (the run's 'begin')
 * count towards event 1.
 */
export function checkDeterminism(options: Partial<SimOptions>): DeterminismReport {
  const first: EventRecord[] = [];
  const a = simulate(options, { world: new EventTap((e) => first.push(e)) }).result;
  let diverged: EventRecord | null = null;
  let seen = 0;
  const b = simulate(options, {
    world: new EventTap((e) => {
      seen = e.index;
      if (!diverged && first[e.index - 1]?.hash !== e.hash) diverged = e;
    }),
  }).result;
  const d = diverged as EventRecord | null;
  const index = d ? d.index : first.length !== seen ? Math.min(first.length, seen) + 1 : 0;
  const report: DeterminismReport = {
    identical: index === 0 && a.traceHash === b.traceHash,
    events: [a.events, b.events],
    traceHash: [a.traceHash, b.traceHash],
    first: null,
  };
  if (index > 0) report.first = { index, a: first[index - 1] ?? null, b: d, lastCommon: first[index - 2] ?? null };
  return report;
}

function describe(e: EventRecord | null): string {
  if (!e) return '(no such event: the run had ended)';
  return `t=${e.atMs.toFixed(3)}ms ${e.kind}${e.node ? ` node ${e.node}` : ''}: ${e.did.join(' ') || '(traced nothing)'}`;
}

export function formatDeterminism(r: DeterminismReport): string {
  const head = `events       ${r.events[0]} / ${r.events[1]}\ntrace hash   ${r.traceHash[0]} / ${r.traceHash[1]}`;
  if (r.identical) return `deterministic: both runs identical, event by event\n${head}`;
  if (!r.first) return `NONDETERMINISTIC: the trace hashes differ after the last event\n${head}`;
  return [
    `NONDETERMINISTIC: the runs diverge at event ${r.first.index}`,
    head,
    `last common  #${r.first.index - 1} ${describe(r.first.lastCommon)}`,
    `run 1        #${r.first.index} ${describe(r.first.a)}`,
    `run 2        #${r.first.index} ${describe(r.first.b)}`,
  ].join('\n');
}
