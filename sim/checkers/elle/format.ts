// Rendering for reports. Lists are abbreviated to their tail, because the tail
// is what a dependency is about (the last element names the writer, the next
// one the overwriter) and full lists in a long run are hundreds of elements.

import { RT, RW, WR, WW, type DepGraph } from './graph.js';
import type { Anomaly, MicroOp, Txn } from './types.js';

const TAIL = 4;

export function name(t: Txn): string {
  return `T${t.id}`;
}

export function showList(list: readonly number[]): string {
  if (list.length <= TAIL + 2) return `[${list.join(', ')}]`;
  return `[…${list.length - TAIL} earlier, ${list.slice(-TAIL).join(', ')}]`;
}

function showOp(op: MicroOp): string {
  if (op.f === 'append') return `append(${op.key}, ${op.value})`;
  return `r(${op.key}) = ${op.value === null ? '?' : showList(op.value)}`;
}

export function showTxn(t: Txn): string {
  return `${name(t)} [${t.status}, process ${t.process}, ${t.invokeMs}–${t.completeMs}ms]: ${t.ops.map(showOp).join(', ')}`;
}

/** One sentence explaining why edge `e` exists. */
export function explainEdge(g: DepGraph, e: number): string {
  const a = name(g.nodes[g.from[e]!]!);
  const b = name(g.nodes[g.to[e]!]!);
  const why = g.why[e]!;
  switch (why.kind) {
    case WW:
      if (why.via === 'order') return `${b} appended ${why.next} to ${why.key} right after ${a}'s ${why.prev} (ww).`;
      if (why.via === 'split')
        return `${a} appended ${why.next} to ${why.key} right after ${b}'s ${why.prev}, which was not ${b}'s last append there, so ${b}'s later ${why.final} follows ${a}'s (ww).`;
      return `${b}'s append of ${why.next} to ${why.key} is missing from the longest read ${showList(why.longest)}, so it follows ${a}'s ${why.prev} (ww).`;
    case WR:
      return `${b} read ${why.key} = ${showList(why.read)}, whose last element ${a} appended (wr).`;
    case RW:
      if (why.via === 'order') return `${a} read ${why.key} = ${showList(why.read)} and ${b} appended ${why.next} right after that version (rw).`;
      return `${a} read ${why.key} = ${showList(why.read)}, which lacks ${b}'s later append of ${why.next} (rw).`;
    case RT: {
      const ta = g.nodes[g.from[e]!]!;
      const tb = g.nodes[g.to[e]!]!;
      return `${a} completed at ${ta.completeMs}ms, before ${b} was invoked at ${tb.invokeMs}ms (realtime).`;
    }
  }
}

export function formatAnomaly(a: Anomaly): string {
  const head = isCycle(a) && a.txns.length > 0 ? [...a.txns, a.txns[0]!].map(name).join(' → ') : a.txns.map(name).join(', ');
  const lines = [`${a.kind}: ${head}`];
  lines.push(`  ${a.explanation}`);
  for (const t of a.txns) lines.push(`    ${showTxn(t)}`);
  return lines.join('\n');
}

function isCycle(a: Anomaly): boolean {
  return a.kind === 'G0' || a.kind === 'G1c' || a.kind === 'G-single' || a.kind === 'G2';
}
