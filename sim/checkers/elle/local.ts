// Anomalies visible without a dependency graph: each is a property of one read,
// one transaction, or one version of one key. They run before edge inference,
// and the first two mark the reads they condemn as unusable so that a read
// already known to be broken does not also produce a cascade of cycles.

import type { HistoryIndex, ReadRef } from './history.js';
import { name, showList } from './format.js';
import type { Anomaly, Txn } from './types.js';

export function duplicateElements(ix: HistoryIndex): Anomaly[] {
  const out: Anomaly[] = [];
  for (const key of ix.keys) {
    for (const r of ix.readsOf(key)) {
      const seen = new Set<number>();
      const dups: number[] = [];
      for (const v of r.value) {
        if (seen.has(v) && !dups.includes(v)) dups.push(v);
        seen.add(v);
      }
      if (dups.length === 0) continue;
      r.usable = false;
      out.push({
        kind: 'duplicate-elements',
        txns: [r.txn],
        explanation: `${name(r.txn)} read ${key} = ${showList(r.value)}, in which ${dups.join(', ')} appear${dups.length === 1 ? 's' : ''} more than once, though each value is appended once.`,
      });
    }
  }
  return out;
}

/**
 * Within one transaction nothing else can change a key between two of its own
 * operations, so each read is determined by the previous read of the key and
 * the transaction's appends since (or, before any read, must end with its own
 * appends so far), and can never contain one of its own later appends.
 */
export function internalConsistency(ix: HistoryIndex): Anomaly[] {
  const out: Anomaly[] = [];
  for (const txn of ix.txns) {
    if (txn.status !== 'ok') continue;
    const lastRead = new Map<string, readonly number[]>();
    const sinceRead = new Map<string, number[]>();
    const reported = new Set<string>();
    txn.ops.forEach((op, i) => {
      const since = sinceRead.get(op.key) ?? [];
      if (op.f === 'append') {
        sinceRead.set(op.key, [...since, op.value]);
        return;
      }
      if (op.value === null) return;
      const read = op.value;
      const prev = lastRead.get(op.key);
      let problem: string | undefined;
      const future = txn.ops.find(
        (o, j) => j > i && o.f === 'append' && o.key === op.key && read.includes(o.value),
      );
      if (future !== undefined && future.f === 'append') {
        problem = `it already contains ${future.value}, which ${name(txn)} appends only later`;
      } else if (prev !== undefined) {
        const expected = [...prev, ...since];
        if (!sameList(read, expected)) {
          problem = `after reading ${showList(prev)}${since.length > 0 ? ` and appending ${since.join(', ')}` : ''} it should have seen ${showList(expected)}`;
        }
      } else if (!endsWith(read, since)) {
        problem = `it lacks ${name(txn)}'s own earlier append${since.length === 1 ? '' : 's'} ${since.join(', ')} at its end`;
      }
      lastRead.set(op.key, read);
      sinceRead.set(op.key, []);
      if (problem === undefined) return;
      markUnusable(ix.readsOf(op.key), txn, i);
      if (reported.has(op.key)) return;
      reported.add(op.key);
      out.push({
        kind: 'internal',
        txns: [txn],
        explanation: `${name(txn)} read ${op.key} = ${showList(read)}, but ${problem}.`,
      });
    });
  }
  return out;
}

/**
 * G1a (aborted read): a committed transaction read a value whose writer failed,
 * or one nobody appended at all (which could only come from a write that never
 * legitimately happened, so it is reported in the same class). G1b
 * (intermediate read): the read version ends with another transaction's
 * append that was not its final append to the key.
 */
export function abortedAndIntermediateReads(ix: HistoryIndex): Anomaly[] {
  const out: Anomaly[] = [];
  const seen = new Set<string>();
  const once = (tag: string): boolean => !seen.has(tag) && (seen.add(tag), true);
  for (const key of ix.keys) {
    for (const r of ix.readsOf(key)) {
      for (const v of r.value) {
        const w = ix.writerOf(key, v);
        if (w === undefined) {
          if (once(`garbage ${r.txn.id} ${key}`)) {
            out.push({
              kind: 'G1a',
              txns: [r.txn],
              explanation: `${name(r.txn)} read ${key} = ${showList(r.value)}, which contains ${v}, a value no transaction appended.`,
            });
          }
        } else if (w.txn.status === 'fail' && once(`aborted ${r.txn.id} ${w.txn.id} ${key}`)) {
          out.push({
            kind: 'G1a',
            txns: [r.txn, w.txn],
            explanation: `${name(r.txn)} read ${key} = ${showList(r.value)}, which contains ${v}, appended by ${name(w.txn)}, which failed.`,
          });
        }
      }
      const last = r.value[r.value.length - 1];
      if (last === undefined) continue;
      const w = ix.writerOf(key, last);
      if (w === undefined || w.txn === r.txn || w.txn.status === 'fail' || w.isFinal) continue;
      if (!once(`intermediate ${r.txn.id} ${w.txn.id} ${key}`)) continue;
      out.push({
        kind: 'G1b',
        txns: [r.txn, w.txn],
        explanation: `${name(r.txn)} read ${key} = ${showList(r.value)}, ending in ${last}, but ${name(w.txn)} went on to append ${ix.finalAppend(w.txn, key)} to ${key}: it saw an intermediate state.`,
      });
    }
  }
  return out;
}

/**
 * Two committed transactions read the same version of a key and both appended
 * to it. In a serial execution the second would have seen the first's append,
 * so one of the two updates was lost. Elle's graph would call this a G-single
 * or G2 cycle when the appends are observed; reporting it directly also
 * catches it when they are not.
 */
export function lostUpdates(ix: HistoryIndex): Anomaly[] {
  const out: Anomaly[] = [];
  for (const key of ix.keys) {
    const groups = new Map<string, ReadRef[]>();
    for (const r of ix.readsOf(key)) {
      if (!r.external || !r.usable || ix.finalAppend(r.txn, key) === undefined) continue;
      const tag = r.value.join(',');
      const g = groups.get(tag);
      if (g === undefined) groups.set(tag, [r]);
      else g.push(r);
    }
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      const txns: Txn[] = g.map((r) => r.txn);
      const appended = txns.map((t) => `${name(t)} appended ${appendsOf(t, key).join(', ')}`).join('; ');
      out.push({
        kind: 'lost-update',
        txns,
        explanation: `${txns.map(name).join(' and ')} ${txns.length === 2 ? 'both' : 'all'} read ${key} = ${showList(g[0]!.value)} and then appended to it (${appended}); only one of them can follow that version.`,
      });
    }
  }
  return out;
}

function appendsOf(t: Txn, key: string): number[] {
  const vs: number[] = [];
  for (const op of t.ops) if (op.f === 'append' && op.key === key) vs.push(op.value);
  return vs;
}

function markUnusable(reads: readonly ReadRef[], txn: Txn, opIndex: number): void {
  for (const r of reads) if (r.txn === txn && r.opIndex === opIndex) r.usable = false;
}

export function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function endsWith(list: readonly number[], suffix: readonly number[]): boolean {
  if (suffix.length > list.length) return false;
  const off = list.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (list[off + i] !== suffix[i]) return false;
  return true;
}
