// The SQL abstract syntax tree: plain data, discriminated on `kind`, so that
// later stages (planner, executor, SHOW CREATE TABLE) can walk it with a switch
// that ends in assertNever and the compiler tells them when a variant appears.
//
// Conventions that hold everywhere:
// - Identifiers (tables, columns, aliases, indexes, databases) are lower-cased,
//   whether they were written bare or in backticks.
// - `pos` is the 0-based UTF-16 offset into the source text where the node
//   starts; `positionOf` in lexer.ts turns it into a line and column. Only
//   nodes that later error messages point at carry one: statements, column
//   references, parameters, function calls and table references.
// - Parentheses leave no trace: `(a + b)` is the same tree as `a + b` where
//   precedence allows, so printing with formatSql and parsing again gives an
//   equal tree (up to `pos`, see withoutPositions).
// - Integer literals are exact `bigint`s within the INT64 range; a minus sign
//   written directly before a numeric literal is folded into it, which is how
//   -9223372036854775808 can be written at all.

/** The canonical column types; the parser maps aliases (INT, TEXT, ...) onto these. */
export type ColumnType = 'OID' | 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL';

export const COLUMN_TYPES: readonly ColumnType[] = ['OID', 'STRING', 'INT64', 'FLOAT64', 'BOOL'];

export type SortOrder = 'asc' | 'desc';

// ---------------------------------------------------------------------------
// Expressions

export type BinaryOp =
  | 'OR'
  | 'AND'
  | '='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | '+'
  | '-'
  | '||'
  | '*'
  | '/'
  | '%';

export type UnaryOp = 'NOT' | '-' | '+';

/** INT64 literal, exact. */
export interface IntLiteral {
  kind: 'int';
  value: bigint;
}

/** FLOAT64 literal: anything written with a decimal point or an exponent. */
export interface FloatLiteral {
  kind: 'float';
  value: number;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
}

export interface BoolLiteral {
  kind: 'bool';
  value: boolean;
}

export interface NullLiteral {
  kind: 'null';
}

/** `@name`; `name` is kept as written, without the `@`. */
export interface Param {
  kind: 'param';
  name: string;
  pos: number;
}

/** `name` or `table.name`; `table` is null when unqualified. */
export interface ColumnRef {
  kind: 'column';
  table: string | null;
  name: string;
  pos: number;
}

export interface Unary {
  kind: 'unary';
  op: UnaryOp;
  operand: Expr;
}

/** Arithmetic, concatenation (`||`), comparison and the logical AND / OR. `<>` is stored as `!=`. */
export interface Binary {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

/** `expr [NOT] LIKE pattern`, or ILIKE when `caseInsensitive`. */
export interface Like {
  kind: 'like';
  negated: boolean;
  caseInsensitive: boolean;
  expr: Expr;
  pattern: Expr;
}

/** `expr [NOT] BETWEEN low AND high`. */
export interface Between {
  kind: 'between';
  negated: boolean;
  expr: Expr;
  low: Expr;
  high: Expr;
}

/** `expr IS [NOT] NULL`. */
export interface IsNull {
  kind: 'isNull';
  negated: boolean;
  expr: Expr;
}

/** `expr [NOT] IN (a, b, ...)`; the list is never empty. */
export interface InList {
  kind: 'inList';
  negated: boolean;
  expr: Expr;
  list: Expr[];
}

/** `expr [NOT] IN (SELECT ...)`. */
export interface InSelect {
  kind: 'inSelect';
  negated: boolean;
  expr: Expr;
  query: Select;
}

/** `EXISTS (SELECT ...)`; NOT EXISTS is a unary NOT around it. */
export interface Exists {
  kind: 'exists';
  query: Select;
}

/** A scalar subquery `(SELECT ...)` used as a value. */
export interface Subquery {
  kind: 'subquery';
  query: Select;
}

/**
 * A function call; `name` is lower-cased. `COUNT(*)` has `star` set and no
 * args. `distinct` records `f(DISTINCT x)`, which the parser accepts so that
 * the executor can reject it with a clear message.
 */
export interface Call {
  kind: 'call';
  name: string;
  args: Expr[];
  star: boolean;
  distinct: boolean;
  pos: number;
}

/** `CASE [operand] WHEN w THEN t ... [ELSE e] END`; `operand` is null for the searched form. */
export interface Case {
  kind: 'case';
  operand: Expr | null;
  whens: { when: Expr; then: Expr }[];
  else: Expr | null;
}

export type Literal = IntLiteral | FloatLiteral | StringLiteral | BoolLiteral | NullLiteral;

export type Expr =
  | Literal
  | Param
  | ColumnRef
  | Unary
  | Binary
  | Like
  | Between
  | IsNull
  | InList
  | InSelect
  | Exists
  | Subquery
  | Call
  | Case;

// ---------------------------------------------------------------------------
// SELECT

/** `*` or `t.*` (table set), or an expression with an optional alias. */
export type SelectItem = { kind: 'star'; table: string | null } | { kind: 'expr'; expr: Expr; alias: string | null };

/** `t [AS alias]` or `t@{FORCE_INDEX=name} [AS alias]`. */
export interface TableSource {
  kind: 'table';
  name: string;
  alias: string | null;
  forceIndex: string | null;
  pos: number;
}

/** `(SELECT ...) [AS] alias`; the alias is required. */
export interface SubquerySource {
  kind: 'subquery';
  query: Select;
  alias: string;
}

/**
 * Joins nest to the left in the order written: `a JOIN b ON x, c` is
 * join(join(a, b), c). `cross` is the comma join and has no condition; `inner`
 * and `left` always have one.
 */
export interface JoinSource {
  kind: 'join';
  type: 'inner' | 'left' | 'cross';
  left: FromSource;
  right: TableSource | SubquerySource;
  on: Expr | null;
}

export type FromSource = TableSource | SubquerySource | JoinSource;

export interface OrderItem {
  expr: Expr;
  order: SortOrder;
}

/** LIMIT and OFFSET are an int literal or a parameter when present. */
export interface Select {
  kind: 'select';
  pos: number;
  distinct: boolean;
  columns: SelectItem[];
  from: FromSource | null;
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  orderBy: OrderItem[];
  limit: IntLiteral | Param | null;
  offset: IntLiteral | Param | null;
}

// ---------------------------------------------------------------------------
// DDL

/**
 * One column of CREATE TABLE or ALTER TABLE ADD COLUMN. A column-level
 * PRIMARY KEY is moved into the table's `primaryKey`, so there is one place
 * to look for it. `default` is null when no DEFAULT was written.
 */
export interface ColumnDef {
  name: string;
  type: ColumnType;
  notNull: boolean;
  unique: boolean;
  default: Expr | null;
  pos: number;
}

export interface KeyPart {
  column: string;
  order: SortOrder;
}

/** An index declared in CREATE TABLE; `name` is null for an unnamed `UNIQUE (cols)`. */
export interface IndexDef {
  name: string | null;
  unique: boolean;
  columns: KeyPart[];
}

export interface CreateTable {
  kind: 'createTable';
  pos: number;
  table: string;
  ifNotExists: boolean;
  columns: ColumnDef[];
  primaryKey: KeyPart[] | null;
  indexes: IndexDef[];
}

export interface DropTable {
  kind: 'dropTable';
  pos: number;
  table: string;
  ifExists: boolean;
}

export type AlterAction =
  | { kind: 'addColumn'; column: ColumnDef }
  | { kind: 'dropColumn'; column: string }
  | { kind: 'addPrimaryKey'; columns: KeyPart[] }
  | { kind: 'dropPrimaryKey' }
  | { kind: 'addIndex'; name: string; unique: boolean; columns: KeyPart[] }
  | { kind: 'dropIndex'; name: string };

export interface AlterTable {
  kind: 'alterTable';
  pos: number;
  table: string;
  action: AlterAction;
}

export interface CreateIndex {
  kind: 'createIndex';
  pos: number;
  name: string;
  table: string;
  unique: boolean;
  ifNotExists: boolean;
  columns: KeyPart[];
}

export interface DropIndex {
  kind: 'dropIndex';
  pos: number;
  name: string;
  table: string;
}

export interface CreateDatabase {
  kind: 'createDatabase';
  pos: number;
  name: string;
  ifNotExists: boolean;
}

export interface DropDatabase {
  kind: 'dropDatabase';
  pos: number;
  name: string;
  ifExists: boolean;
}

// ---------------------------------------------------------------------------
// DML

/** The `DEFAULT` keyword in a VALUES row; it is not an expression anywhere else. */
export interface DefaultValue {
  kind: 'default';
}

export type InsertValue = Expr | DefaultValue;

/** `columns` is null when the column list was omitted; every row has the same length. */
export interface Insert {
  kind: 'insert';
  pos: number;
  table: string;
  columns: string[] | null;
  rows: InsertValue[][];
}

export interface Assignment {
  column: string;
  value: Expr;
  pos: number;
}

/** WHERE is mandatory in the dialect, so `where` is never null. */
export interface Update {
  kind: 'update';
  pos: number;
  table: string;
  set: Assignment[];
  where: Expr;
}

export interface Delete {
  kind: 'delete';
  pos: number;
  table: string;
  where: Expr;
}

// ---------------------------------------------------------------------------
// Transactions, introspection

export interface Begin {
  kind: 'begin';
  pos: number;
}

export interface Commit {
  kind: 'commit';
  pos: number;
}

export interface Rollback {
  kind: 'rollback';
  pos: number;
}

export interface ShowTables {
  kind: 'showTables';
  pos: number;
}

/** SHOW COLUMNS FROM t, DESCRIBE t and DESC t. */
export interface ShowColumns {
  kind: 'showColumns';
  pos: number;
  table: string;
}

export interface ShowCreateTable {
  kind: 'showCreateTable';
  pos: number;
  table: string;
}

/** SHOW DATABASE: the current database. */
export interface ShowDatabase {
  kind: 'showDatabase';
  pos: number;
}

export interface ShowDatabases {
  kind: 'showDatabases';
  pos: number;
}

/** SHOW INDEXES FROM t and SHOW INDEX FROM t. */
export interface ShowIndexes {
  kind: 'showIndexes';
  pos: number;
  table: string;
}

/** EXPLAIN [(LOGICAL|PHYSICAL|ANALYZE)] SELECT ...; a bare EXPLAIN is LOGICAL. */
export interface Explain {
  kind: 'explain';
  pos: number;
  mode: 'logical' | 'physical' | 'analyze';
  query: Select;
}

export type Statement =
  | Select
  | Insert
  | Update
  | Delete
  | CreateTable
  | DropTable
  | AlterTable
  | CreateIndex
  | DropIndex
  | CreateDatabase
  | DropDatabase
  | Begin
  | Commit
  | Rollback
  | ShowTables
  | ShowColumns
  | ShowCreateTable
  | ShowDatabase
  | ShowDatabases
  | ShowIndexes
  | Explain;

export type StatementKind = Statement['kind'];

/**
 * A deep copy of a tree with every `pos` field removed. Two parses of
 * equivalent text differ only in positions, so comparisons (round-trip tests,
 * plan caches keyed on the statement) go through this.
 */
export function withoutPositions<T>(tree: T): T {
  return strip(tree) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k !== 'pos') out[k] = strip(v);
    }
    return out;
  }
  return value;
}
