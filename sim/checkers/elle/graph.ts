// The dependency graph (Adya's DSG, as far as the observations let us infer it)
// and the graph algorithms the cycle search needs: Tarjan's strongly connected
// components and breadth-first searches restricted to some edge kinds. Nodes
// are dense integers assigned in transaction-id order; edges are stored in
// arrays in insertion order, so every traversal visits them in a defined order.

import type { Txn } from './types.js';

export const WW = 1;
export const WR = 2;
export const RW = 4;
export const RT = 8;
export type EdgeKind = typeof WW | typeof WR | typeof RW | typeof RT;

/** Why an edge exists, kept structured and rendered only for edges that end up in a report. */
export type EdgeWhy =
  /** `next` directly follows `prev` in the key's version order. */
  | { kind: typeof WW; key: string; prev: number; next: number; via: 'order' }
  /** The edge's source appended `next` right after the target's non-final append `prev`; the target's final append `final` must come later. */
  | { kind: typeof WW; key: string; prev: number; next: number; final: number; via: 'split' }
  /** The target's append `next` is missing from the longest read, whose last element `prev` the source appended. */
  | { kind: typeof WW; key: string; prev: number; next: number; longest: readonly number[]; via: 'unobserved' }
  | { kind: typeof WR; key: string; read: readonly number[] }
  /** The source read `read`; the target appended `next`, the element right after it (or, via 'unobserved', one never seen). */
  | { kind: typeof RW; key: string; read: readonly number[]; next: number; via: 'order' | 'unobserved' }
  | { kind: typeof RT };

export class DepGraph {
  readonly nodes: Txn[];
  readonly nodeOf = new Map<Txn, number>();
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly kind: EdgeKind[] = [];
  readonly why: EdgeWhy[] = [];
  readonly out: number[][];
  readonly in: number[][];
  private readonly seen = new Set<number>();

  constructor(nodes: Txn[]) {
    this.nodes = nodes;
    nodes.forEach((t, i) => this.nodeOf.set(t, i));
    this.out = nodes.map(() => []);
    this.in = nodes.map(() => []);
  }

  get edgeCount(): number {
    return this.from.length;
  }

  /**
   * Adds an edge between two transactions of the graph. Self-edges carry no
   * ordering information and are dropped, as are repeats of an existing
   * (source, target, kind) triple: the first reason found is the one reported.
   */
  addEdge(a: Txn, b: Txn, why: EdgeWhy): void {
    const u = this.nodeOf.get(a);
    const v = this.nodeOf.get(b);
    if (u === undefined || v === undefined || u === v) return;
    const id = (u * this.nodes.length + v) * 16 + why.kind;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const e = this.from.length;
    this.from.push(u);
    this.to.push(v);
    this.kind.push(why.kind);
    this.why.push(why);
    this.out[u]!.push(e);
    this.in[v]!.push(e);
  }
}

export const ALL = WW | WR | RW | RT;

/**
 * Tarjan's algorithm, iterative so that long dependency chains cannot overflow
 * the stack, over the edges whose kind is in `mask` and, when `member` is
 * given, over the nodes it marks. Returns only components that contain a cycle
 * (more than one node, since there are no self-edges), each sorted ascending,
 * ordered by their smallest node.
 */
export function cyclicComponents(g: DepGraph, mask = ALL, member?: Uint8Array, roots?: readonly number[]): number[][] {
  // Maps rather than node-sized arrays: the cycle search calls this once per
  // component, and a badly broken history can have thousands of small ones.
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  const work: { node: number; next: number }[] = [];
  const visit = (root: number): void => {
    work.push({ node: root, next: 0 });
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const u = frame.node;
      const outs = g.out[u]!;
      if (frame.next < outs.length) {
        const e = outs[frame.next++]!;
        const v = g.to[e]!;
        if ((g.kind[e]! & mask) === 0 || (member !== undefined && !member[v])) continue;
        const iv = index.get(v);
        if (iv === undefined) {
          index.set(v, counter);
          low.set(v, counter++);
          stack.push(v);
          onStack.add(v);
          work.push({ node: v, next: 0 });
        } else if (onStack.has(v)) {
          low.set(u, Math.min(low.get(u)!, iv));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(u)!));
      }
      if (low.get(u) === index.get(u)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== u);
        if (comp.length > 1) result.push(comp.sort((a, b) => a - b));
      }
    }
  };
  if (roots === undefined) {
    for (let root = 0; root < g.nodes.length; root++) if (!index.has(root)) visit(root);
  } else {
    for (const root of roots) if (!index.has(root)) visit(root);
  }
  return result.sort((a, b) => a[0]! - b[0]!);
}

/**
 * A breadth-first search over the graph restricted to one component, edges of
 * the kinds in `mask`, and a budget of edge visits shared by the caller's
 * searches (so a pathological component cannot make the checker hang). States
 * are (node, layer) pairs: with `countRw`, layer 1 means "an rw edge has been
 * crossed", which is how a search can demand at least one more rw edge.
 */
export class Searcher {
  private readonly stamp: Int32Array;
  private readonly parentState: Int32Array;
  private readonly parentEdge: Int32Array;
  private readonly dist: Int32Array;
  private epoch = 0;
  /** Edge visits left; once negative, every further search gives up. */
  budget: number;

  constructor(
    private readonly g: DepGraph,
    private readonly inComp: Uint8Array,
    budget: number,
  ) {
    const states = g.nodes.length * 2;
    this.stamp = new Int32Array(states);
    this.parentState = new Int32Array(states);
    this.parentEdge = new Int32Array(states);
    this.dist = new Int32Array(states);
    this.budget = budget;
  }

  /**
   * Searches from `start` (layer 0), stopping early once `stopAt` is reached.
   * Afterwards `reached`, `distance` and `pathTo` describe shortest paths to
   * the states visited. Returns false if the budget ran out.
   */
  run(start: number, mask: number, countRw: boolean, stopAt?: { node: number; layer: number }): boolean {
    this.epoch++;
    const s0 = start * 2;
    this.stamp[s0] = this.epoch;
    this.parentState[s0] = -1;
    this.dist[s0] = 0;
    const stop = stopAt === undefined ? -1 : stopAt.node * 2 + stopAt.layer;
    const queue = [s0];
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const u = s >> 1;
      const layer = s & 1;
      for (const e of this.g.out[u]!) {
        if (--this.budget < 0) return false;
        const k = this.g.kind[e]!;
        if ((k & mask) === 0) continue;
        const v = this.g.to[e]!;
        if (!this.inComp[v]) continue;
        const t = v * 2 + (countRw && k === RW ? 1 : layer);
        if (this.stamp[t] === this.epoch) continue;
        this.stamp[t] = this.epoch;
        this.parentState[t] = s;
        this.parentEdge[t] = e;
        this.dist[t] = this.dist[s]! + 1;
        if (t === stop) return true;
        queue.push(t);
      }
    }
    return true;
  }

  reached(node: number, layer = 0): boolean {
    return this.stamp[node * 2 + layer] === this.epoch;
  }

  distance(node: number, layer = 0): number {
    return this.dist[node * 2 + layer]!;
  }

  /** The edges of the shortest path from the start to the state, in order. */
  pathTo(node: number, layer = 0): number[] {
    const path: number[] = [];
    for (let s = node * 2 + layer; this.parentState[s]! !== -1; s = this.parentState[s]!) {
      path.push(this.parentEdge[s]!);
    }
    return path.reverse();
  }
}
