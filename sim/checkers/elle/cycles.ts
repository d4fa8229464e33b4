// Cycle search. Every cycle lies inside one strongly connected component, so
// we find components first and then, per component, look for a shortest cycle
// of each class by breadth-first search restricted to the edge kinds the class
// allows. One short cycle per class keeps a report readable even when a bug
// tangles hundreds of transactions into one component.
//
//   G0        only ww edges (plus realtime edges, when enabled);
//   G1c       ww and wr edges, at least one wr;
//   G-single  exactly one rw edge;
//   G2        two or more rw edges.
//
// The searches for one class in one component share a budget of edge visits, so a huge
// component cannot stall the checker; if every budget runs out before any
// cycle is found, one unbudgeted search still reports some cycle, classified
// by its edges, so a cyclic component is never reported clean.

import { ALL, RT, RW, WR, WW, Searcher, cyclicComponents, type DepGraph } from './graph.js';
import { explainEdge } from './format.js';
import type { Anomaly, AnomalyKind } from './types.js';

const BUDGET = 1_000_000;
const NON_RW = WW | WR | RT;

export function cycleAnomalies(g: DepGraph): Anomaly[] {
  const out: Anomaly[] = [];
  const member = new Uint8Array(g.nodes.length);
  const search = new Searcher(g, member, BUDGET);
  for (const comp of cyclicComponents(g)) {
    for (const v of comp) member[v] = 1;
    const found: number[][] = [];
    const push = (c: number[] | undefined): void => {
      if (c !== undefined) found.push(c);
    };
    search.budget = BUDGET;
    push(shortestWithin(g, search, member, comp, WW | RT, 0));
    search.budget = BUDGET;
    push(shortestWithin(g, search, member, comp, NON_RW, WR));
    search.budget = BUDGET;
    push(closeEdges(g, search, member, comp, RW, NON_RW, false));
    search.budget = BUDGET;
    push(closeEdges(g, search, member, comp, RW, ALL, true));
    if (found.length === 0) {
      search.budget = Number.MAX_SAFE_INTEGER;
      search.run(comp[0]!, ALL, false);
      let best: number[] | undefined;
      for (const e of g.in[comp[0]!]!) {
        const u = g.from[e]!;
        if (member[u] && search.reached(u) && (best === undefined || search.distance(u) + 1 < best.length)) best = [...search.pathTo(u), e];
      }
      push(best);
    }
    for (const c of found) out.push(toAnomaly(g, c));
    for (const v of comp) member[v] = 0;
  }
  return out;
}

/**
 * A shortest cycle using only `mask` edges that, when `need` is set, contains
 * an edge of that kind. The search is narrowed to the cyclic sub-components of
 * the restricted graph, since any such cycle lies inside one of them.
 */
function shortestWithin(g: DepGraph, search: Searcher, member: Uint8Array, comp: number[], mask: number, need: number): number[] | undefined {
  let best: number[] | undefined;
  const sub = new Set<number>();
  for (const s of cyclicComponents(g, mask, member, comp)) {
    for (const v of s) sub.add(v);
    // The searcher reads the membership array it was built with, so narrow
    // that array to the sub-component for the duration and restore it after.
    for (const v of comp) if (!sub.has(v)) member[v] = 0;
    const c = need === 0 ? throughEachNode(g, search, member, s, mask, best?.length) : closeEdges(g, search, member, s, need, mask, false, best?.length);
    for (const v of comp) member[v] = 1;
    sub.clear();
    if (c !== undefined && (best === undefined || c.length < best.length)) best = c;
    if (best?.length === 2 || search.budget < 0) break;
  }
  return best;
}

/** A shortest cycle of `mask` edges through any of the nodes, searched from each in turn. */
function throughEachNode(g: DepGraph, search: Searcher, member: Uint8Array, nodes: number[], mask: number, beat = Infinity): number[] | undefined {
  let best: number[] | undefined;
  for (const s of nodes) {
    if (!search.run(s, mask, false)) break;
    for (const e of g.in[s]!) {
      const u = g.from[e]!;
      if ((g.kind[e]! & mask) === 0 || !member[u] || !search.reached(u)) continue;
      const len = search.distance(u) + 1;
      if (len < (best?.length ?? beat)) best = [...search.pathTo(u), e];
    }
    if (best?.length === 2) break;
  }
  return best;
}

/**
 * A shortest cycle that starts with one edge of kind `first` inside the nodes
 * and returns over `mask` edges; with `countRw`, the way back must cross at
 * least one more rw edge. Edges are grouped by target so that one search from
 * each target serves every edge into it.
 */
function closeEdges(
  g: DepGraph,
  search: Searcher,
  member: Uint8Array,
  nodes: number[],
  first: number,
  mask: number,
  countRw: boolean,
  beat = Infinity,
): number[] | undefined {
  let best: number[] | undefined;
  const layer = countRw ? 1 : 0;
  for (const v of nodes) {
    const into = g.in[v]!.filter((e) => g.kind[e] === first && member[g.from[e]!] === 1);
    if (into.length === 0) continue;
    if (!search.run(v, mask, countRw)) break;
    for (const e of into) {
      const u = g.from[e]!;
      if (!search.reached(u, layer)) continue;
      if (search.distance(u, layer) + 1 >= (best?.length ?? beat)) continue;
      let c: number[] | undefined = [e, ...search.pathTo(u, layer)];
      // Only the layered search can revisit a node (once per layer), which
      // makes a closed walk rather than a cycle; look inside it for a simple
      // cycle that still has two rw edges.
      if (countRw) c = simpleWithTwoRw(g, c);
      if (c !== undefined && c.length < (best?.length ?? beat)) best = c;
    }
    if (best?.length === 2) break;
  }
  return best;
}

/**
 * A closed walk that visits some node twice splits there into two shorter
 * closed walks, and its rw edges are divided between them. Returns a simple
 * cycle with at least two rw edges found by splitting repeatedly, or undefined
 * if every piece with two rw edges eventually falls apart into pieces with
 * fewer (in which case those pieces are G-single cycles, reported separately).
 */
function simpleWithTwoRw(g: DepGraph, walk: number[]): number[] | undefined {
  if (walk.filter((e) => g.kind[e] === RW).length < 2) return undefined;
  const firstAt = new Map<number, number>();
  for (let i = 0; i < walk.length; i++) {
    const u = g.from[walk[i]!]!;
    const j = firstAt.get(u);
    if (j === undefined) {
      firstAt.set(u, i);
      continue;
    }
    const inner = walk.slice(j, i);
    const outer = [...walk.slice(i), ...walk.slice(0, j)];
    const a = simpleWithTwoRw(g, inner);
    const b = simpleWithTwoRw(g, outer);
    if (a === undefined) return b;
    if (b === undefined) return a;
    return a.length <= b.length ? a : b;
  }
  return walk;
}

function toAnomaly(g: DepGraph, cycle: number[]): Anomaly {
  // Start the cycle at its smallest transaction so reports are canonical.
  let start = 0;
  for (let i = 1; i < cycle.length; i++) if (g.from[cycle[i]!]! < g.from[cycle[start]!]!) start = i;
  const edges = [...cycle.slice(start), ...cycle.slice(0, start)];
  const rw = edges.filter((e) => g.kind[e] === RW).length;
  const wr = edges.some((e) => g.kind[e] === WR);
  const kind: AnomalyKind = rw >= 2 ? 'G2' : rw === 1 ? 'G-single' : wr ? 'G1c' : 'G0';
  return {
    kind,
    txns: edges.map((e) => g.nodes[g.from[e]!]!),
    explanation: edges.map((e) => explainEdge(g, e)).join(' '),
  };
}
