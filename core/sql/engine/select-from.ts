// The FROM clause: its sources flattened into join order, where each WHERE
// and ON conjunct is checked, each table's access path, and the nested loop
// that produces one scope per joined row.
//
// Joins nest to the left (join(join(a, b), c)), so the sources run as a
// nested loop in the order written. Every conjunct is checked exactly once:
// ON conjuncts at their join's step, before deciding whether a LEFT JOIN
// row matched; WHERE conjuncts at the first step where everything they read
// is bound, after that decision (WHERE filters the joined rows, so checking
// it once the sources it reads are fixed is the same as checking it at the
// end). A conjunct with a subquery, or that cannot be resolved statically,
// waits for the last step.
//
// Access paths may use the WHERE conjuncts and the ON conjuncts of inner
// joins, which filter the joined rows alike, but only for tables that are not
// the right side of a LEFT JOIN: for those, only their own ON conjuncts
// decide what matches, and WHERE is checked after the NULL row is added.

import { assert, assertNever } from '../../assert.js';
import { camusError } from '../../errors.js';
import type { Expr, FromSource, Select, SelectItem } from '../ast.js';
import { formatExpr } from '../format.js';
import { NULL_VALUE, type SqlValue } from '../encoding.js';
import { getTable } from './catalog.js';
import { conditionHolds, tableColumnNames, type EvalContext, type Scope, type ScopeSource } from './eval.js';
import { planAccess, type AccessPlan, type OrderColumn } from './planner.js';
import { conjuncts, exprDeps, type LevelSource } from './select-analysis.js';
import { readRowValues } from './rows.js';
import { scanAccess } from './select-scan.js';
import { runSelect } from './select.js';
import type { TableSchema } from './types.js';

export interface SourceNode extends LevelSource {
  join: 'first' | 'inner' | 'left' | 'cross';
  /** ON conjuncts, checked when this source's row is added. */
  on: Expr[];
  /** WHERE conjuncts checked once this source's row is added. */
  filters: Expr[];
  table: TableSchema | null;
  forceIndex: string | null;
  /** The derived table's query when table is null. */
  query: Select | null;
  plan: AccessPlan | null;
}

export interface FromPlan {
  sources: SourceNode[];
  /** WHERE conjuncts of a query without FROM, checked on its single row. */
  residual: Expr[];
}

/** An output column of a SELECT before evaluation: its expression and result name. */
export interface OutputItem {
  expr: Expr;
  name: string;
  /** The explicit alias, if any; ORDER BY and GROUP BY may refer to it. */
  alias: string | null;
}

/** The sources of a FROM clause in join order, with their column names; tables are looked up in the catalog. */
export function analyzeFrom(from: FromSource | null, ctx: EvalContext): FromPlan {
  const sources: SourceNode[] = [];
  const add = (s: FromSource, join: SourceNode['join'], on: Expr | null): void => {
    switch (s.kind) {
      case 'join':
        add(s.left, join, null);
        add(s.right, s.type, s.on);
        return;
      case 'table': {
        const table = getTable(ctx.catalog, s.name);
        const alias = s.alias ?? s.name;
        sources.push({ alias, columns: tableColumnNames(table), join, on: conjuncts(on), filters: [], query: null, plan: null, table, forceIndex: s.forceIndex });
        return;
      }
      case 'subquery': {
        const columns = outputItems(s.query.columns, analyzeFrom(s.query.from, ctx).sources).map((o) => o.name);
        sources.push({ alias: s.alias, columns, join, on: conjuncts(on), filters: [], table: null, forceIndex: null, query: s.query, plan: null });
        return;
      }
      default:
        return assertNever(s, 'from source');
    }
  };
  if (from !== null) add(from, 'first', null);
  const aliases = new Set<string>();
  for (const s of sources) {
    if (aliases.has(s.alias)) throw camusError('InvalidInput', `table name "${s.alias}" specified more than once in FROM; use an alias`);
    aliases.add(s.alias);
  }
  return { sources, residual: [] };
}

/** The select list with stars expanded against the level's sources. */
export function outputItems(items: readonly SelectItem[], sources: readonly LevelSource[]): OutputItem[] {
  const out: OutputItem[] = [];
  for (const item of items) {
    if (item.kind === 'expr') {
      const name = item.alias ?? (item.expr.kind === 'column' ? item.expr.name : formatExpr(item.expr));
      out.push({ expr: item.expr, name, alias: item.alias });
      continue;
    }
    const chosen = item.table === null ? sources : sources.filter((s) => s.alias === item.table);
    if (item.table !== null && chosen.length === 0) throw camusError('TableDoesntExist', `table "${item.table}" in "${item.table}.*" is not in the FROM clause`);
    if (sources.length === 0) throw camusError('InvalidInput', 'SELECT * needs a FROM clause');
    for (const s of chosen) {
      for (const name of s.columns) out.push({ expr: { kind: 'column', table: s.alias, name, pos: 0 }, name, alias: null });
    }
  }
  return out;
}

/**
 * Places the WHERE conjuncts and plans every table's access path. `orderBy`
 * and `limited` describe a single-table query that could stream in index
 * order; they are ignored for joins.
 */
export function planFrom(fp: FromPlan, where: Expr | null, orderBy: readonly OrderColumn[] | null, limited: boolean): void {
  const { sources } = fp;
  const whereParts = conjuncts(where);
  if (sources.length === 0) {
    fp.residual = whereParts;
    return;
  }
  const last = sources.length - 1;
  for (const c of whereParts) {
    const d = exprDeps(c, sources);
    const step = d.unresolved || d.subquery ? last : Math.max(0, ...d.sources);
    sources[step]!.filters.push(c);
  }
  const global = [...whereParts, ...sources.filter((s) => s.join === 'inner').flatMap((s) => s.on)];
  sources.forEach((s, i) => {
    if (s.table === null) return;
    s.plan = planAccess({
      table: s.table,
      alias: s.alias,
      forceIndex: s.forceIndex,
      sources,
      position: i,
      conjuncts: s.join === 'left' ? s.on : global,
      orderBy: sources.length === 1 ? orderBy : null,
      limited: sources.length === 1 && limited,
    });
  });
}

function levelScope(sources: readonly ScopeSource[], outer: Scope | null, outerUse: { used: boolean }): Scope {
  return { sources, outer, aggregates: null, outerUse };
}

/** A row of a source: a table's row, or a derived table's output row. */
interface SourceRow {
  readonly values: readonly SqlValue[];
}

export interface OpenFrom {
  scopes: Iterable<Scope>;
  /** Whether the scopes come in the planned ORDER BY order. */
  ordered: boolean;
}

/**
 * Runs the FROM clause: one scope per joined row that passes the ON and
 * WHERE conjuncts. `batch` hints how many rows a consumer may stop after.
 */
export function openFrom(fp: FromPlan, outer: Scope | null, outerUse: { used: boolean }, ctx: EvalContext, batch: number | undefined): OpenFrom {
  const { sources } = fp;
  if (sources.length === 0) {
    const scope = levelScope([], outer, outerUse);
    const pass = fp.residual.every((c) => conditionHolds(c, scope, ctx, 'WHERE'));
    return { scopes: pass ? [scope] : [], ordered: true };
  }
  // Derived tables cannot see the sources beside them, so they run once.
  const derived = sources.map((s) => {
    if (s.query === null) return null;
    const result = runSelect(s.query, ctx, outer, outerUse);
    assert(result.columns.length === s.columns.length, 'derived table width differs from its static column list');
    return result.rows.map((values): SourceRow => ({ values }));
  });
  let ordered = false;
  // An inner table whose access path does not depend on the outer rows of
  // the join is read once, not once per outer row.
  const invariant = sources.map((s, i) => i > 0 && s.plan !== null && planExprs(s.plan).every((e) => exprDeps(e, sources).sources.size === 0));
  const kept = new Map<number, SourceRow[]>();
  const candidates = (i: number, bound: readonly ScopeSource[]): Iterable<SourceRow> => {
    const s = sources[i]!;
    if (s.plan === null) return derived[i]!;
    const cached = kept.get(i);
    if (cached) return cached;
    // A SELECT reads only the values of its rows, never their ids.
    const scan = scanAccess(s.plan, levelScope(bound, outer, outerUse), ctx, sources.length === 1 ? batch : undefined, readRowValues);
    if (sources.length === 1) ordered = scan.ordered;
    if (!invariant[i]) return scan.rows;
    const rows = [...scan.rows];
    kept.set(i, rows);
    return rows;
  };
  // One scope per candidate row serves both its ON and its WHERE checks, and
  // the row is handled inline rather than through a generator of its own:
  // this loop runs once per row read.
  function* step(i: number, bound: readonly ScopeSource[], rows: Iterable<SourceRow>): Generator<Scope> {
    const s = sources[i]!;
    const last = i === sources.length - 1;
    let matched = false;
    for (const { values } of rows) {
      const source = { alias: s.alias, columns: s.columns, values };
      const next = bound.length === 0 ? [source] : [...bound, source];
      const scope = levelScope(next, outer, outerUse);
      if (s.on.length > 0 && !s.on.every((c) => conditionHolds(c, scope, ctx, 'ON'))) continue;
      matched = true;
      if (s.filters.length > 0 && !s.filters.every((c) => conditionHolds(c, scope, ctx, 'WHERE'))) continue;
      if (last) yield scope;
      else yield* step(i + 1, next, candidates(i + 1, next));
    }
    if (s.join === 'left' && !matched) {
      const next = [...bound, { alias: s.alias, columns: s.columns, values: s.columns.map(() => NULL_VALUE) }];
      const scope = levelScope(next, outer, outerUse);
      if (!s.filters.every((c) => conditionHolds(c, scope, ctx, 'WHERE'))) return;
      if (last) yield scope;
      else yield* step(i + 1, next, candidates(i + 1, next));
    }
  }
  // The first source is opened before iteration starts, so that `ordered` is known.
  const first = candidates(0, []);
  return { scopes: step(0, [], first), ordered };
}

/** The expressions an access path evaluates for its keys. */
function planExprs(p: AccessPlan): Expr[] {
  return [...p.eq.filter((e): e is Expr => e !== null), ...p.lower.map((b) => b.expr), ...p.upper.map((b) => b.expr), ...(p.inList ?? [])];
}
