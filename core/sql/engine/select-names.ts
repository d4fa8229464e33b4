// Name checks made when a SELECT is prepared, before any row is read: every
// column reference must resolve and every function must exist. Evaluation
// would find the same errors, but only for rows it evaluates; checking up
// front makes `SELECT nope FROM t` fail on an empty table too.
//
// The rules mirror eval.ts exactly: levels are searched innermost first; at a
// level, a qualified reference whose alias is there must find its column
// there, and an unqualified one must not match two sources.

import { camusError } from '../../errors.js';
import type { ColumnRef, Expr } from '../ast.js';
import { formatExpr } from '../format.js';
import { AGGREGATE_FUNCTIONS } from './eval.js';
import { invalid, SCALAR_FUNCTIONS } from './functions.js';
import { resolveRef, walkExpr, type LevelSource } from './select-analysis.js';

const SPECIAL_FUNCTIONS = new Set(['gen_id', 'str_id', 'coalesce']);

/** The column and function names of a level's expressions; `levels[0]` is the expressions' own level. */
export function checkNames(exprs: readonly Expr[], levels: readonly (readonly LevelSource[])[]): void {
  for (const e of exprs) {
    walkExpr(e, (n) => {
      if (n.kind === 'column') checkColumn(n, levels);
      else if (n.kind === 'call' && !AGGREGATE_FUNCTIONS.has(n.name) && !SCALAR_FUNCTIONS.has(n.name) && !SPECIAL_FUNCTIONS.has(n.name)) {
        throw invalid(`unknown function ${n.name}()`);
      }
    });
  }
}

function checkColumn(ref: ColumnRef, levels: readonly (readonly LevelSource[])[]): void {
  for (const level of levels) {
    const t = resolveRef(ref, level);
    if (t.kind === 'source') return;
    if (t.kind === 'unresolved') {
      const aliasHere = ref.table !== null && level.some((s) => s.alias === ref.table && !s.columns.includes(ref.name));
      if (aliasHere) throw camusError('UnknownColumn', `column "${ref.name}" does not exist in "${ref.table}"`);
      throw invalid(`column reference "${formatExpr(ref)}" is ambiguous`);
    }
  }
  if (ref.table !== null) throw camusError('UnknownColumn', `column "${formatExpr(ref)}" does not exist: no table or alias "${ref.table}" in scope`);
  throw camusError('UnknownColumn', `column "${ref.name}" does not exist`);
}
