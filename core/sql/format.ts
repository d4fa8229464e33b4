// Prints a tree back as SQL. The output parses to an equal tree (up to
// positions): the tests rely on that as a round-trip check, and SHOW CREATE
// TABLE relies on it to give back text that recreates the table. Parentheses
// are added only where precedence needs them, so the text stays readable.

import { assertNever } from '../assert.js';
import type {
  AlterAction,
  BinaryOp,
  ColumnDef,
  Expr,
  FromSource,
  IndexDef,
  InsertValue,
  KeyPart,
  Select,
  SelectItem,
  Statement,
} from './ast.js';
import { RESERVED_WORDS } from './lexer.js';

/** Binding strength, loosest first; a child looser than its slot needs parentheses. */
const Prec = {
  Top: 0,
  Or: 1,
  And: 2,
  Not: 3,
  Comparison: 4,
  Additive: 5,
  Multiplicative: 6,
  Unary: 7,
  Primary: 8,
} as const;
type Prec = (typeof Prec)[keyof typeof Prec];

/** Prints one statement as SQL text, without a trailing `;`. */
export function formatSql(stmt: Statement): string {
  switch (stmt.kind) {
    case 'select':
      return formatSelect(stmt);
    case 'insert':
      return formatInsert(stmt.table, stmt.columns, stmt.rows);
    case 'update': {
      const set = stmt.set.map((a) => `${ident(a.column)} = ${formatExpr(a.value)}`).join(', ');
      return `UPDATE ${ident(stmt.table)} SET ${set} WHERE ${formatExpr(stmt.where)}`;
    }
    case 'delete':
      return `DELETE FROM ${ident(stmt.table)} WHERE ${formatExpr(stmt.where)}`;
    case 'createTable': {
      const parts = stmt.columns.map(formatColumnDef);
      if (stmt.primaryKey !== null) parts.push(`PRIMARY KEY ${formatKeyParts(stmt.primaryKey)}`);
      for (const index of stmt.indexes) parts.push(formatIndexDef(index));
      return `CREATE TABLE ${stmt.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(stmt.table)} (${parts.join(', ')})`;
    }
    case 'dropTable':
      return `DROP TABLE ${stmt.ifExists ? 'IF EXISTS ' : ''}${ident(stmt.table)}`;
    case 'alterTable':
      return `ALTER TABLE ${ident(stmt.table)} ${formatAlterAction(stmt.action)}`;
    case 'createIndex': {
      const head = `CREATE ${stmt.unique ? 'UNIQUE ' : ''}INDEX ${stmt.ifNotExists ? 'IF NOT EXISTS ' : ''}`;
      return `${head}${ident(stmt.name)} ON ${ident(stmt.table)} ${formatKeyParts(stmt.columns)}`;
    }
    case 'dropIndex':
      return `DROP INDEX ${ident(stmt.name)} ON ${ident(stmt.table)}`;
    case 'createDatabase':
      return `CREATE DATABASE ${stmt.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(stmt.name)}`;
    case 'dropDatabase':
      return `DROP DATABASE ${stmt.ifExists ? 'IF EXISTS ' : ''}${ident(stmt.name)}`;
    case 'begin':
      return 'BEGIN';
    case 'commit':
      return 'COMMIT';
    case 'rollback':
      return 'ROLLBACK';
    case 'showTables':
      return 'SHOW TABLES';
    case 'showColumns':
      return `SHOW COLUMNS FROM ${ident(stmt.table)}`;
    case 'showCreateTable':
      return `SHOW CREATE TABLE ${ident(stmt.table)}`;
    case 'showDatabase':
      return 'SHOW DATABASE';
    case 'showDatabases':
      return 'SHOW DATABASES';
    case 'showIndexes':
      return `SHOW INDEXES FROM ${ident(stmt.table)}`;
    case 'explain':
      return `EXPLAIN (${stmt.mode.toUpperCase()}) ${formatSelect(stmt.query)}`;
    default:
      return assertNever(stmt, 'statement');
  }
}

/** An identifier, bare when it would read back the same, in backticks otherwise. */
export function ident(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED_WORDS.has(name.toUpperCase())) return name;
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A string literal in single quotes; backslashes are escaped because the lexer reads escapes. */
export function formatString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A FLOAT64 literal that reads back as a float, never as an INT64. */
export function formatFloat(value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function formatExpr(e: Expr): string {
  return expr(e, Prec.Top);
}

function expr(e: Expr, slot: Prec): string {
  const text = exprText(e);
  return precedence(e) < slot ? `(${text})` : text;
}

function precedence(e: Expr): Prec {
  switch (e.kind) {
    case 'binary':
      return binaryPrecedence(e.op);
    case 'unary':
      return e.op === 'NOT' ? Prec.Not : Prec.Unary;
    case 'like':
    case 'between':
    case 'isNull':
    case 'inList':
    case 'inSelect':
      return Prec.Comparison;
    // A negative number prints with its sign, which the parser folds at the
    // unary level; it binds like a unary minus.
    case 'int':
      return e.value < 0n ? Prec.Unary : Prec.Primary;
    case 'float':
      return e.value < 0 || Object.is(e.value, -0) ? Prec.Unary : Prec.Primary;
    case 'string':
    case 'bool':
    case 'null':
    case 'param':
    case 'column':
    case 'exists':
    case 'subquery':
    case 'call':
    case 'case':
      return Prec.Primary;
    default:
      return assertNever(e, 'expression');
  }
}

function binaryPrecedence(op: BinaryOp): Prec {
  switch (op) {
    case 'OR':
      return Prec.Or;
    case 'AND':
      return Prec.And;
    case '=':
    case '!=':
    case '<':
    case '>':
    case '<=':
    case '>=':
      return Prec.Comparison;
    case '+':
    case '-':
    case '||':
      return Prec.Additive;
    case '*':
    case '/':
    case '%':
      return Prec.Multiplicative;
    default:
      return assertNever(op, 'binary operator');
  }
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case 'int':
      return e.value.toString();
    case 'float':
      return formatFloat(e.value);
    case 'string':
      return formatString(e.value);
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'param':
      return `@${e.name}`;
    case 'column':
      return e.table === null ? ident(e.name) : `${ident(e.table)}.${ident(e.name)}`;
    case 'unary': {
      if (e.op === 'NOT') return `NOT ${expr(e.operand, Prec.Not)}`;
      // Parentheses keep `-(5)` from folding into the literal -5 and `- -x`
      // from turning into a `--` comment.
      const inner = expr(e.operand, Prec.Unary);
      const wrap = e.operand.kind === 'int' || e.operand.kind === 'float' || /^[-+(]/.test(inner);
      return wrap && !inner.startsWith('(') ? `${e.op}(${inner})` : `${e.op}${inner}`;
    }
    case 'binary': {
      const p = precedence(e);
      return `${expr(e.left, p)} ${e.op} ${expr(e.right, (p + 1) as Prec)}`;
    }
    case 'like': {
      const op = `${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'}`;
      return `${expr(e.expr, Prec.Comparison)} ${op} ${expr(e.pattern, Prec.Additive)}`;
    }
    case 'between': {
      const op = e.negated ? 'NOT BETWEEN' : 'BETWEEN';
      const range = `${expr(e.low, Prec.Additive)} AND ${expr(e.high, Prec.Additive)}`;
      return `${expr(e.expr, Prec.Comparison)} ${op} ${range}`;
    }
    case 'isNull':
      return `${expr(e.expr, Prec.Comparison)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'inList': {
      const list = e.list.map(formatExpr).join(', ');
      return `${expr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}IN (${list})`;
    }
    case 'inSelect':
      return `${expr(e.expr, Prec.Comparison)} ${e.negated ? 'NOT ' : ''}IN (${formatSelect(e.query)})`;
    case 'exists':
      return `EXISTS (${formatSelect(e.query)})`;
    case 'subquery':
      return `(${formatSelect(e.query)})`;
    case 'call': {
      const args = e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(formatExpr).join(', ')}`;
      return `${ident(e.name)}(${args})`;
    }
    case 'case': {
      const parts = ['CASE'];
      if (e.operand !== null) parts.push(formatExpr(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`);
      if (e.else !== null) parts.push(`ELSE ${formatExpr(e.else)}`);
      parts.push('END');
      return parts.join(' ');
    }
    default:
      return assertNever(e, 'expression');
  }
}

function formatSelect(s: Select): string {
  const parts = [`SELECT ${s.distinct ? 'DISTINCT ' : ''}${s.columns.map(formatSelectItem).join(', ')}`];
  if (s.from !== null) parts.push(`FROM ${formatFrom(s.from)}`);
  if (s.where !== null) parts.push(`WHERE ${formatExpr(s.where)}`);
  if (s.groupBy.length > 0) parts.push(`GROUP BY ${s.groupBy.map(formatExpr).join(', ')}`);
  if (s.having !== null) parts.push(`HAVING ${formatExpr(s.having)}`);
  if (s.orderBy.length > 0) {
    const items = s.orderBy.map((o) => `${formatExpr(o.expr)}${o.order === 'desc' ? ' DESC' : ''}`);
    parts.push(`ORDER BY ${items.join(', ')}`);
  }
  if (s.limit !== null) parts.push(`LIMIT ${formatExpr(s.limit)}`);
  if (s.offset !== null) parts.push(`OFFSET ${formatExpr(s.offset)}`);
  return parts.join(' ');
}

function formatSelectItem(item: SelectItem): string {
  switch (item.kind) {
    case 'star':
      return item.table === null ? '*' : `${ident(item.table)}.*`;
    case 'expr':
      return item.alias === null ? formatExpr(item.expr) : `${formatExpr(item.expr)} AS ${ident(item.alias)}`;
    default:
      return assertNever(item, 'select item');
  }
}

function formatFrom(f: FromSource): string {
  switch (f.kind) {
    case 'table': {
      const force = f.forceIndex === null ? '' : `@{FORCE_INDEX=${ident(f.forceIndex)}}`;
      return `${ident(f.name)}${force}${f.alias === null ? '' : ` AS ${ident(f.alias)}`}`;
    }
    case 'subquery':
      return `(${formatSelect(f.query)}) AS ${ident(f.alias)}`;
    case 'join': {
      const left = formatFrom(f.left);
      const right = formatFrom(f.right);
      switch (f.type) {
        case 'cross':
          return `${left}, ${right}`;
        case 'inner':
        case 'left': {
          const on = f.on === null ? '' : ` ON ${formatExpr(f.on)}`;
          return `${left} ${f.type === 'left' ? 'LEFT JOIN' : 'JOIN'} ${right}${on}`;
        }
        default:
          return assertNever(f.type, 'join type');
      }
    }
    default:
      return assertNever(f, 'from source');
  }
}

function formatInsert(table: string, columns: string[] | null, rows: InsertValue[][]): string {
  const cols = columns === null ? '' : ` (${columns.map(ident).join(', ')})`;
  const values = rows.map((row) => `(${row.map((v) => (v.kind === 'default' ? 'DEFAULT' : formatExpr(v))).join(', ')})`);
  return `INSERT INTO ${ident(table)}${cols} VALUES ${values.join(', ')}`;
}

export function formatColumnDef(c: ColumnDef): string {
  let text = `${ident(c.name)} ${c.type}`;
  if (c.notNull) text += ' NOT NULL';
  if (c.unique) text += ' UNIQUE';
  if (c.default !== null) text += ` DEFAULT ${formatDefault(c.default)}`;
  return text;
}

/** Literals and calls (GEN_ID()) read well bare; anything else goes in the parentheses DEFAULT requires. */
function formatDefault(e: Expr): string {
  const bare = ['int', 'float', 'string', 'bool', 'null', 'call'].includes(e.kind);
  return bare ? formatExpr(e) : `(${formatExpr(e)})`;
}

export function formatKeyParts(parts: KeyPart[]): string {
  return `(${parts.map((p) => `${ident(p.column)}${p.order === 'desc' ? ' DESC' : ''}`).join(', ')})`;
}

function formatIndexDef(index: IndexDef): string {
  const name = index.name === null ? '' : ` ${ident(index.name)}`;
  return `${index.unique ? 'UNIQUE KEY' : 'KEY'}${name} ${formatKeyParts(index.columns)}`;
}

function formatAlterAction(a: AlterAction): string {
  switch (a.kind) {
    case 'addColumn':
      return `ADD COLUMN ${formatColumnDef(a.column)}`;
    case 'dropColumn':
      return `DROP COLUMN ${ident(a.column)}`;
    case 'addPrimaryKey':
      return `ADD PRIMARY KEY ${formatKeyParts(a.columns)}`;
    case 'dropPrimaryKey':
      return 'DROP PRIMARY KEY';
    case 'addIndex':
      return `ADD ${a.unique ? 'UNIQUE ' : ''}INDEX ${ident(a.name)} ${formatKeyParts(a.columns)}`;
    case 'dropIndex':
      return `DROP INDEX ${ident(a.name)}`;
    default:
      return assertNever(a, 'alter action');
  }
}
