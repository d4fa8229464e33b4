// SELECT: from the FROM rows to the result set.
//
//   FROM/WHERE (select-from.ts) -> GROUP BY + aggregates -> HAVING
//   -> select list -> DISTINCT -> ORDER BY -> OFFSET/LIMIT
//
// When nothing needs all rows first (no grouping, no sort or a scan already in
// ORDER BY order), rows stream from the scan and reading stops at the LIMIT,
// so the transaction's read set holds only what the result depends on.
//
// ORDER BY items name an output column by position (ORDER BY 2), by alias, or
// by repeating a select-list expression; anything else is evaluated on the
// source row (or on the group in a grouped query). With DISTINCT, only output
// columns may be sorted on, as the source row of a distinct output is not
// unique.

import type { Expr, IntLiteral, Param, Select } from '../ast.js';
import { formatExpr } from '../format.js';
import { NULL_VALUE, type SqlValue } from '../encoding.js';
import { Accumulator, checkGrouped, collectAggregates } from './aggregate.js';
import { conditionHolds, evaluate, preparedOnce, rowScope, withSubqueryCache, type EvalContext, type Scope } from './eval.js';
import { invalid, typeName } from './functions.js';
import { planAccess, type OrderColumn } from './planner.js';
import { conjuncts, resolveRef, walkExpr, type LevelSource } from './select-analysis.js';
import { checkNames } from './select-names.js';
import { analyzeFrom, openFrom, outputItems, planFrom, type FromPlan, type OutputItem } from './select-from.js';
import { scanAccess } from './select-scan.js';
import { explainLines } from './select-explain.js';
import { sortedOrder } from './sort.js';
import { readRow, type Row } from './rows.js';
import { findTable } from './catalog.js';
import type { QueryResult, TableSchema } from './types.js';

type OrderKey = { kind: 'output'; index: number; desc: boolean } | { kind: 'expr'; expr: Expr; desc: boolean };

/** A SELECT analysed and planned, ready to run or explain. */
export interface PreparedSelect {
  stmt: Select;
  from: FromPlan;
  items: OutputItem[];
  groupBy: Expr[];
  grouped: boolean;
  aggregates: ReturnType<typeof collectAggregates>;
  order: OrderKey[];
  limit: number | null;
  offset: number;
  /** The prepared subqueries and derived tables of this level, by node. */
  children: Map<Select, PreparedSelect>;
}

export function executeSelect(stmt: Select, ctx: EvalContext): QueryResult {
  const c = withSubqueryCache(ctx);
  preparedOnce(c, stmt, () => reusablePlan(stmt, c));
  return runSelect(stmt, c, null, { used: false });
}

/**
 * Plans of top-level SELECTs kept across executions, by statement node (the
 * parse cache hands out the same frozen node for the same text, so a client
 * repeating a parameterized query plans it once). A plan depends only on the
 * statement, the schemas of its tables and its LIMIT and OFFSET values (the
 * planner never looks at parameter values: keys are evaluated when scanned),
 * so an entry is reused when every table name still resolves to the very
 * same schema object and LIMIT/OFFSET evaluate the same. Only frozen schemas
 * qualify: those come from the shared decoded catalogs and never change, so
 * identity implies the same columns and indexes; a DDL statement's working
 * copy is mutable and is never trusted. Queries with subqueries or derived
 * tables are planned each time (their plans nest, and it is rare for a point
 * query to carry them). Weak keys: a statement the parse cache drops takes
 * its plan along.
 */
const reusable = new WeakMap<Select, { tables: readonly TableSchema[]; limit: number | null; offset: number; prepared: PreparedSelect }>();

/** How often a top-level SELECT reused a kept plan or planned afresh (process-wide; for tests and profiles). */
export const planReuse = { hits: 0, misses: 0 };

function reusablePlan(stmt: Select, ctx: EvalContext): PreparedSelect {
  const hit = reusable.get(stmt);
  // The lookups run in the order analyzeFrom makes them, so each table is
  // recorded as a dependency (Catalog.use) exactly as planning would record
  // it, and a failing lookup throws what planning would have thrown.
  if (hit !== undefined && hit.tables.every((t) => findTable(ctx.catalog, t.name) === t) && limitValue(stmt.limit, 'LIMIT', ctx) === hit.limit && (limitValue(stmt.offset, 'OFFSET', ctx) ?? 0) === hit.offset) {
    planReuse.hits++;
    return hit.prepared;
  }
  planReuse.misses++;
  const p = prepareSelect(stmt, ctx, []);
  const tables = p.from.sources.map((s) => s.table);
  if (p.children.size === 0 && tables.every((t): t is TableSchema => t !== null && Object.isFrozen(t))) {
    reusable.set(stmt, { tables, limit: p.limit, offset: p.offset, prepared: p });
  }
  return p;
}

export function explainSelect(stmt: Select, ctx: EvalContext): QueryResult {
  const lines = explainLines(prepareSelect(stmt, withSubqueryCache(ctx), []));
  return { kind: 'rows', columns: ['plan'], rows: lines.map((l) => [{ type: 'string', value: l }]) };
}

export function findRows(table: TableSchema, alias: string, where: Expr | null, ctx: EvalContext): Row[] {
  const c = withSubqueryCache(ctx);
  const parts = conjuncts(where);
  const sources = [{ alias, columns: table.columns.map((col) => col.name) }];
  const plan = planAccess({ table, alias, forceIndex: null, sources, position: 0, conjuncts: parts, orderBy: null, limited: false });
  const out: Row[] = [];
  checkNames(parts, [sources]);
  if (parts.some((p) => collectAggregates([p]).length > 0)) throw invalid('aggregate functions are not allowed in WHERE');
  for (const row of scanAccess(plan, null, c, undefined, readRow).rows) {
    const scope = rowScope(table, alias, row);
    if (parts.every((p) => conditionHolds(p, scope, c, 'WHERE'))) out.push(row);
  }
  return out;
}

function limitValue(v: IntLiteral | Param | null, what: string, ctx: EvalContext): number | null {
  if (v === null) return null;
  const value = evaluate(v, null, ctx);
  if (value.type !== 'int64' || value.value < 0n) {
    throw invalid(`${what} must be a non-negative INT64, got ${typeName(value)}${value.type === 'int64' ? ` ${value.value}` : ''}`);
  }
  return value.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value.value);
}

/** GROUP BY items may name a select-list position or alias, as in SQLite and MySQL. */
function groupExpr(e: Expr, items: readonly OutputItem[], fp: FromPlan): Expr {
  if (e.kind === 'int') {
    const item = items[Number(e.value) - 1];
    if (!item) throw invalid(`GROUP BY position ${e.value} is not in the select list`);
    return item.expr;
  }
  if (e.kind === 'column' && e.table === null && resolveRef(e, fp.sources).kind === 'outer') {
    const item = items.find((i) => i.alias === e.name);
    if (item) return item.expr;
  }
  return e;
}

function orderKey(e: Expr, desc: boolean, items: readonly OutputItem[]): OrderKey {
  if (e.kind === 'int') {
    const index = Number(e.value) - 1;
    if (index < 0 || index >= items.length) throw invalid(`ORDER BY position ${e.value} is not in the select list`);
    return { kind: 'output', index, desc };
  }
  if (e.kind === 'column' && e.table === null) {
    const index = items.findIndex((i) => i.alias === e.name);
    if (index >= 0) return { kind: 'output', index, desc };
  }
  const text = formatExpr(e);
  const index = items.findIndex((i) => formatExpr(i.expr) === text);
  return index >= 0 ? { kind: 'output', index, desc } : { kind: 'expr', expr: e, desc };
}

/** The ORDER BY as columns of the single table, when every item is one of its columns. */
function orderColumns(p: PreparedSelect): OrderColumn[] | null {
  const out: OrderColumn[] = [];
  for (const k of p.order) {
    const e = k.kind === 'output' ? p.items[k.index]!.expr : k.expr;
    if (e.kind !== 'column') return null;
    const t = resolveRef(e, p.from.sources);
    if (t.kind !== 'source') return null;
    out.push({ column: t.column, desc: k.desc });
  }
  return out;
}

/**
 * Analyses and plans a SELECT, and its subqueries with it. `outer` lists the
 * enclosing queries' sources, innermost first, for the name checks.
 */
export function prepareSelect(stmt: Select, ctx: EvalContext, outer: readonly (readonly LevelSource[])[]): PreparedSelect {
  const from = analyzeFrom(stmt.from, ctx);
  const items = outputItems(stmt.columns, from.sources);
  const onParts = from.sources.flatMap((s) => s.on);
  if (collectAggregates(conjuncts(stmt.where)).length > 0) throw invalid('aggregate functions are not allowed in WHERE');
  if (collectAggregates(onParts).length > 0) throw invalid('aggregate functions are not allowed in ON');
  const groupBy = stmt.groupBy.map((g) => groupExpr(g, items, from));
  if (collectAggregates(groupBy).length > 0) throw invalid('aggregate functions are not allowed in GROUP BY');
  const order = stmt.orderBy.map((o) => orderKey(o.expr, o.order === 'desc', items));
  const orderExprs = order.flatMap((k) => (k.kind === 'expr' ? [k.expr] : []));
  const having = stmt.having === null ? [] : [stmt.having];
  const aggregates = collectAggregates([...items.map((i) => i.expr), ...having, ...orderExprs]);
  const grouped = groupBy.length > 0 || aggregates.length > 0 || stmt.having !== null;
  if (stmt.distinct && groupBy.length > 0) throw invalid('DISTINCT with GROUP BY is not supported');
  if (stmt.distinct && orderExprs.length > 0) throw invalid(`for SELECT DISTINCT, ORDER BY expressions must appear in the select list: ${formatExpr(orderExprs[0]!)}`);
  if (grouped) {
    for (const i of items) checkGrouped(i.expr, groupBy, from.sources, 'the select list');
    for (const h of having) checkGrouped(h, groupBy, from.sources, 'HAVING');
    for (const e of orderExprs) checkGrouped(e, groupBy, from.sources, 'ORDER BY');
  }
  const levels = [from.sources, ...outer];
  checkNames([...items.map((i) => i.expr), ...conjuncts(stmt.where), ...groupBy, ...having, ...orderExprs], levels);
  // An ON condition sees only the sources joined so far.
  from.sources.forEach((s, i) => checkNames(s.on, [from.sources.slice(0, i + 1), ...outer]));
  const limit = limitValue(stmt.limit, 'LIMIT', ctx);
  const offset = limitValue(stmt.offset, 'OFFSET', ctx) ?? 0;
  const children = new Map<Select, PreparedSelect>();
  const child = (q: Select, chain: readonly (readonly LevelSource[])[]): void => {
    children.set(q, preparedOnce(ctx, q, () => prepareSelect(q, ctx, chain)));
  };
  for (const s of from.sources) if (s.query !== null) child(s.query, outer);
  for (const e of [...items.map((i) => i.expr), stmt.where, ...onParts, ...groupBy, ...having, ...orderExprs]) {
    if (e !== null) walkExpr(e, () => true, (q) => child(q, levels));
  }
  const p: PreparedSelect = { stmt, from, items, groupBy, grouped, aggregates, order, limit, offset, children };
  const single = from.sources.length === 1;
  const orderCols = single && !grouped && !stmt.distinct ? orderColumns(p) : null;
  planFrom(from, stmt.where, orderCols, limit !== null && orderCols !== null);
  return p;
}

/** A canonical text of a tuple for grouping and DISTINCT: values equal in SQL (1 and 1.0) get the same text. */
function tupleKey(values: readonly SqlValue[]): string {
  return JSON.stringify(
    values.map((v) => {
      switch (v.type) {
        case 'int64':
          return `n${v.value}`;
        case 'float64':
          return Number.isInteger(v.value) ? `n${BigInt(v.value)}` : `f${v.value}`;
        case 'null':
          return 'z';
        default:
          return `${v.type[0]}${String(v.value)}`;
      }
    }),
  );
}

/**
 * Where a select-list column of this level's FROM sources sits in a scope of
 * this level (scope.sources[source].values[column]), or null for any other
 * expression. resolveRef resolves exactly as evaluation does, so reading the
 * slot gives what evaluate() would return, without its name lookups per row.
 */
function directColumn(e: Expr, sources: readonly LevelSource[]): { source: number; column: number } | null {
  if (e.kind !== 'column') return null;
  const t = resolveRef(e, sources);
  return t.kind === 'source' ? { source: t.source, column: t.column } : null;
}

/** The sources of each enclosing query level, innermost first. */
function levelsOf(scope: Scope | null): LevelSource[][] {
  const out: LevelSource[][] = [];
  for (let s = scope; s !== null; s = s.outer) out.push([...s.sources]);
  return out;
}

/** Runs a SELECT with `outer` as the enclosing query's row (for correlated subqueries). */
export function runSelect(stmt: Select, ctx: EvalContext, outer: Scope | null, outerUse: { used: boolean }): QueryResult {
  const p = preparedOnce(ctx, stmt, () => prepareSelect(stmt, ctx, levelsOf(outer)));
  const columns = p.items.map((i) => i.name);
  if (p.limit === 0) return { kind: 'rows', columns, rows: [] };
  const wanted = p.limit === null ? undefined : p.offset + p.limit;
  // Reading in batches only pays when the rows may stream; a sort needs them all anyway.
  const single = p.from.sources.length === 1 ? p.from.sources[0]! : null;
  const mayStream = !p.grouped && (p.order.length === 0 || single?.plan?.ordered === true);
  const opened = openFrom(p.from, outer, outerUse, ctx, mayStream ? wanted : undefined);
  const needsSort = p.order.length > 0 && !opened.ordered;
  // The output rows, and when sorting, each ORDER BY key as a column of its
  // own (one array per key, indexed like `out`): no per-row key arrays.
  const out: SqlValue[][] = [];
  const keys: SqlValue[][] = needsSort ? p.order.map(() => []) : [];
  const seen = p.stmt.distinct ? new Set<string>() : null;
  const direct = p.items.map((i) => directColumn(i.expr, p.from.sources));
  const accept = (scope: Scope): void => {
    // Sized up front: a result holds one of these per row, and growing by push would over-allocate each.
    const values = new Array<SqlValue>(p.items.length);
    for (let c = 0; c < p.items.length; c++) {
      const d = direct[c]!;
      values[c] = d === null ? evaluate(p.items[c]!.expr, scope, ctx) : scope.sources[d.source]!.values[d.column]!;
    }
    if (needsSort) {
      for (let k = 0; k < p.order.length; k++) {
        const o = p.order[k]!;
        keys[k]!.push(o.kind === 'output' ? values[o.index]! : evaluate(o.expr, scope, ctx));
      }
    }
    if (seen !== null) {
      const key = tupleKey(values);
      if (seen.has(key)) {
        for (const column of keys) column.pop();
        return;
      }
      seen.add(key);
    }
    out.push(values);
  };
  if (p.grouped) {
    for (const scope of groupScopes(p, opened.scopes, outer, outerUse, ctx)) accept(scope);
  } else {
    for (const scope of opened.scopes) {
      accept(scope);
      if (!needsSort && wanted !== undefined && out.length >= wanted) break;
    }
  }
  const end = p.limit === null ? out.length : p.offset + p.limit;
  if (!needsSort) return { kind: 'rows', columns, rows: out.slice(p.offset, end) };
  const order = sortedOrder(keys, p.order.map((k) => k.desc), out.length);
  return { kind: 'rows', columns, rows: order.slice(p.offset, end).map((i) => out[i]!) };
}

/** One scope per group that passes HAVING, carrying the group's aggregate values. */
function groupScopes(p: PreparedSelect, scopes: Iterable<Scope>, outer: Scope | null, outerUse: { used: boolean }, ctx: EvalContext): Scope[] {
  const groups = new Map<string, { scope: Scope; accs: Accumulator[] }>();
  for (const scope of scopes) {
    const key = tupleKey(p.groupBy.map((g) => evaluate(g, scope, ctx)));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { scope, accs: p.aggregates.map((a) => new Accumulator(a)) }));
    for (const acc of g.accs) acc.add(scope, ctx);
  }
  // Without GROUP BY the whole input is one group, even when it is empty;
  // its columns are never read (checkGrouped), so NULLs stand in for them.
  if (groups.size === 0 && p.groupBy.length === 0) {
    const sources = p.from.sources.map((s) => ({ alias: s.alias, columns: s.columns, values: s.columns.map(() => NULL_VALUE) }));
    groups.set('', { scope: { sources, outer, aggregates: null, outerUse }, accs: p.aggregates.map((a) => new Accumulator(a)) });
  }
  const out: Scope[] = [];
  for (const g of groups.values()) {
    const aggregates = new Map(g.accs.map((a) => [a.call, a.result()]));
    const scope: Scope = { sources: g.scope.sources, outer, aggregates, outerUse };
    if (p.stmt.having === null || conditionHolds(p.stmt.having, scope, ctx, 'HAVING')) out.push(scope);
  }
  return out;
}
