// EXPLAIN of a SELECT: one text row per plan step, outermost step first and
// each step's input indented under it. Table steps show the chosen access
// path (see describeAccess); subqueries and derived tables are explained
// under the step that runs them.

import type { Expr, Select } from '../ast.js';
import { formatExpr } from '../format.js';
import { describeAccess } from './planner.js';
import { walkExpr } from './select-analysis.js';
import type { SourceNode } from './select-from.js';
import type { PreparedSelect } from './select.js';

function subqueriesOf(exprs: readonly Expr[]): Select[] {
  const out: Select[] = [];
  for (const e of exprs) walkExpr(e, () => true, (q) => out.push(q));
  return out;
}

function conditionText(parts: readonly Expr[]): string {
  return parts.map(formatExpr).join(' AND ');
}

export function explainLines(p: PreparedSelect): string[] {
  const lines: string[] = [];
  let depth = 0;
  const line = (text: string, d = depth): void => {
    lines.push(`${'  '.repeat(d)}${text}`);
  };
  const nested = (title: string, q: Select, d: number): void => {
    line(title, d);
    for (const l of explainLines(p.children.get(q)!)) lines.push(`${'  '.repeat(d + 1)}${l}`);
  };
  const { stmt } = p;
  line(`project ${p.items.map((i) => i.name).join(', ')}`);
  for (const q of subqueriesOf(p.items.map((i) => i.expr))) nested('subquery', q, depth + 1);
  depth++;
  if (p.limit !== null || p.offset > 0) line(`limit ${p.limit ?? 'all'}${p.offset > 0 ? ` offset ${p.offset}` : ''}`), depth++;
  const single = p.from.sources.length === 1 ? p.from.sources[0]! : null;
  const ordered = single?.plan?.ordered === true;
  if (p.order.length > 0) {
    const keys = p.order.map((k) => `${k.kind === 'output' ? p.items[k.index]!.name : formatExpr(k.expr)} ${k.desc ? 'DESC' : 'ASC'}`);
    // An ordered plan without an index is a table scan in row id order (see planner.ts).
    const source = single?.plan?.index === null ? 'the primary key' : 'the index';
    line(`${ordered ? `order (from ${source}, no sort)` : 'sort'} ${keys.join(', ')}`);
    depth++;
  }
  if (stmt.distinct) line('distinct'), depth++;
  if (stmt.having !== null) {
    line(`filter (HAVING) ${formatExpr(stmt.having)}`);
    for (const q of subqueriesOf([stmt.having])) nested('subquery', q, depth + 1);
    depth++;
  }
  if (p.grouped) {
    const by = p.groupBy.length > 0 ? `group by ${p.groupBy.map(formatExpr).join(', ')}` : 'single group';
    const aggs = [...new Set(p.aggregates.map(formatExpr))];
    line(`aggregate (${by}): ${aggs.join(', ') || 'no aggregates'}`);
    depth++;
  }
  const sources = p.from.sources;
  if (sources.length === 0) {
    line(p.from.residual.length > 0 ? `filter ${conditionText(p.from.residual)}` : 'one row');
    for (const q of subqueriesOf(p.from.residual)) nested('subquery', q, depth + 1);
    return lines;
  }
  if (sources.length > 1) line('nested loop join'), depth++;
  sources.forEach((s, i) => explainSource(s, i, depth, line, nested));
  return lines;
}

function explainSource(
  s: SourceNode,
  i: number,
  depth: number,
  line: (text: string, d?: number) => void,
  nested: (title: string, q: Select, d: number) => void,
): void {
  const join = i === 0 ? '' : s.join === 'left' ? 'left join: ' : s.join === 'cross' ? 'cross join: ' : 'inner join: ';
  if (s.plan !== null) line(`${join}${describeAccess(s.plan)}`, depth);
  else nested(`${join}derived table ${s.alias}`, s.query!, depth);
  if (s.on.length > 0) line(`on ${conditionText(s.on)}`, depth + 1);
  if (s.filters.length > 0) line(`filter ${conditionText(s.filters)}`, depth + 1);
  for (const q of subqueriesOf([...s.on, ...s.filters])) nested('subquery', q, depth + 2);
}
