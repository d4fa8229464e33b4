// Static analysis of expressions against the FROM sources of one query level:
// which source a column reference resolves to, which sources an expression
// depends on, and splitting a condition into its AND-ed conjuncts. The
// planner uses it to pick access paths and to push conditions down the join
// loop; the grouped-query checks use it to tell grouped columns from others.
//
// Resolution here mirrors eval.ts: a qualified reference belongs to the
// source with that alias; an unqualified one to the only source that has the
// column; a name no source of the level has belongs to an outer query.

import { assertNever } from '../../assert.js';
import type { ColumnRef, Expr, Select } from '../ast.js';

/** A FROM source as the analysis sees it: alias and column names, in order. */
export interface LevelSource {
  readonly alias: string;
  readonly columns: readonly string[];
}

/** Where a column reference resolves: a source index, the outer query, or nowhere unambiguous (an error at run time). */
export type RefTarget = { kind: 'source'; source: number; column: number } | { kind: 'outer' } | { kind: 'unresolved' };

export function resolveRef(ref: ColumnRef, sources: readonly LevelSource[]): RefTarget {
  let found: RefTarget | null = null;
  let aliasSeen = false;
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i]!;
    if (ref.table !== null && src.alias !== ref.table) continue;
    aliasSeen = true;
    const c = src.columns.indexOf(ref.name);
    if (c < 0) continue;
    if (found !== null || src.columns.lastIndexOf(ref.name) !== c) return { kind: 'unresolved' };
    found = { kind: 'source', source: i, column: c };
  }
  if (found !== null) return found;
  return aliasSeen && ref.table !== null ? { kind: 'unresolved' } : { kind: 'outer' };
}

/**
 * Calls `visit` on every node of an expression, parents first, without
 * entering subqueries (their SELECTs are handed to `onQuery` instead). A
 * visitor returning false skips the node's children.
 */
export function walkExpr(e: Expr, visit: (e: Expr) => boolean | void, onQuery?: (q: Select) => void): void {
  if (visit(e) === false) return;
  const go = (c: Expr): void => walkExpr(c, visit, onQuery);
  switch (e.kind) {
    case 'int':
    case 'float':
    case 'string':
    case 'bool':
    case 'null':
    case 'param':
    case 'column':
      return;
    case 'unary':
      return go(e.operand);
    case 'binary':
      go(e.left);
      return go(e.right);
    case 'like':
      go(e.expr);
      return go(e.pattern);
    case 'between':
      go(e.expr);
      go(e.low);
      return go(e.high);
    case 'isNull':
      return go(e.expr);
    case 'inList':
      go(e.expr);
      return e.list.forEach(go);
    case 'inSelect':
      go(e.expr);
      return onQuery?.(e.query);
    case 'exists':
    case 'subquery':
      return onQuery?.(e.query);
    case 'call':
      return e.args.forEach(go);
    case 'case':
      if (e.operand !== null) go(e.operand);
      for (const w of e.whens) {
        go(w.when);
        go(w.then);
      }
      if (e.else !== null) go(e.else);
      return;
    default:
      return assertNever(e, 'expression');
  }
}

/** The AND-ed parts of a condition, in order (a condition without AND is one part). */
export function conjuncts(e: Expr | null): Expr[] {
  if (e === null) return [];
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** What an expression depends on at one query level. */
export interface ExprDeps {
  /** Source indexes referenced. */
  sources: Set<number>;
  /** A reference that cannot be resolved statically (ambiguous or unknown column of a known alias). */
  unresolved: boolean;
  /** Contains a subquery, whose own references are not analysed. */
  subquery: boolean;
  /** Contains a call whose value may differ between evaluations (GEN_ID) or an aggregate. */
  volatile: boolean;
}

const VOLATILE_CALLS = new Set(['gen_id', 'count', 'sum', 'avg', 'min', 'max']);

export function exprDeps(e: Expr, sources: readonly LevelSource[]): ExprDeps {
  const deps: ExprDeps = { sources: new Set(), unresolved: false, subquery: false, volatile: false };
  walkExpr(
    e,
    (n) => {
      if (n.kind === 'column') {
        const t = resolveRef(n, sources);
        if (t.kind === 'source') deps.sources.add(t.source);
        else if (t.kind === 'unresolved') deps.unresolved = true;
      } else if (n.kind === 'call' && VOLATILE_CALLS.has(n.name)) {
        deps.volatile = true;
      }
    },
    () => {
      deps.subquery = true;
    },
  );
  return deps;
}

/**
 * Whether an expression's value is fixed once sources [0, bound) are bound:
 * it reads only those sources or outer queries, and nothing volatile.
 */
export function isBoundBefore(e: Expr, bound: number, sources: readonly LevelSource[]): boolean {
  const d = exprDeps(e, sources);
  if (d.unresolved || d.subquery || d.volatile) return false;
  for (const s of d.sources) if (s >= bound) return false;
  return true;
}
