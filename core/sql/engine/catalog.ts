// The catalog: every table of a database, stored as one JSON document under
// the database's schema key ({database}/meta/schema), read and written inside
// the statement's transaction like any other data. So the catalog is
// replicated, every node sees a DDL once it commits, and a DDL concurrent
// with a statement that depends on what it changes conflicts with it
// (serializable).
//
// DDL reads the catalog as data (validated at commit). Other statements read
// it without recording it (peek) and record instead what they depend on: each
// table they find, as a read of the table's epoch key ({tableId}:m, which
// every DDL changing or dropping the table writes), and a table they look
// for and miss, as a read of the schema key (which creating it writes). The
// epoch lives in the table's partition, so a statement on one table does not
// make the database's metadata partition a participant of its commit; that
// would turn every single-row INSERT into a two-phase commit.
//
// The peek may come from a replica that is behind the table's: a statement
// runs before its replicas are confirmed current (TxnNode.execute), and a
// writing one is never confirmed, since validation covers what it recorded.
// Every DDL that writes a table's epoch writes the schema key in the same
// transaction, at the same commit timestamp, and the epoch is always written
// as a value (GC keeps a key's newest value), so a catalog whose version is
// older than the epoch of a table it lists has missed a DDL on that table:
// the statement fails with CADB0504 (retryable; TxnNode.execute then runs it
// again on confirmed replicas) instead of writing to a dropped or altered table.
//
// Whether a database exists is its system key ({database}/meta/system). There
// is no other global list of databases in the key space, and finding them by
// scanning for system keys would touch every partition, so CREATE and DROP
// DATABASE also keep a sorted list of names under one registry key
// (DATABASES_KEY) that SHOW DATABASES reads. The system key stays the truth
// for existence; the registry only serves listing.
//
// Ids. Row and index keys start with the table id and carry no database name
// (see keys.ts), so a table id must be unique across databases: it is the
// database name, '.', 't' and a number from the catalog's counter. A database
// name holds no ':' or '/', and the number holds no '.', so two databases can
// never mint the same table id. Index ids only need to be unique within their
// table and are 'x' and a number from the same counter.

import { camusError } from '../../errors.js';
import { compareTs } from '../../hlc.js';
import { utf8Decode, utf8Encode } from '../../util/codec.js';
import type { Expr } from '../ast.js';
import { isSafeId, schemaKey, systemKey, tableEpochKey } from '../keys.js';
import { parse } from '../parser.js';
import type { ColumnSchema, IndexSchema, KvTxn, TableSchema } from './types.js';
import { deepFreeze } from '../../util/freeze.js';

/** The stored catalog of one database. `nextId` numbers new tables and indexes. */
export interface Catalog {
  tables: TableSchema[];
  nextId: number;
  /**
   * Set on a catalog read by peeking (loadCatalogForStatement): records a
   * dependency on a table found (or on the table list, when null). Not stored.
   */
  use?: (table: TableSchema | null) => void;
}

/** The name of the primary key's index in IndexSchema; users call it `primary`. */
export const PRIMARY_KEY_INDEX = '~pk';

/** The name under which SHOW INDEXES prints the primary key and DROP INDEX accepts it. */
export const PRIMARY_KEY_DISPLAY = 'primary';

/** The registry of database names, a JSON array kept sorted (see the header). */
export const DATABASES_KEY = 'camus/meta/databases';

/** Checks a database name; CADB0400 when it cannot be stored. */
export function checkDatabaseName(database: string): void {
  if (!isSafeId(database) || database.length > 128) throw camusError('InvalidInput', `invalid database name ${JSON.stringify(database)}`);
}

export function databaseExists(txn: KvTxn, database: string): boolean {
  checkDatabaseName(database);
  return txn.get(systemKey(database)) !== null;
}

/**
 * Reads the catalog as data, validated at commit: for DDL and for statements
 * that depend on the whole table list. CADB0010 when the database does not
 * exist, CADB0014 when the document is corrupt.
 */
export function loadCatalog(txn: KvTxn, database: string): Catalog {
  if (!databaseExists(txn, database)) throw camusError('DatabaseDoesntExist', `database "${database}" does not exist`);
  return decodeCatalog(database, txn.get(schemaKey(database)));
}

/**
 * Reads the catalog without recording the read, for a statement that uses
 * tables by name: each table it then finds or misses through findTable is
 * recorded as described in the header. Same errors as loadCatalog; a missing
 * database is recorded as read.
 */
export function loadCatalogForStatement(txn: KvTxn, database: string): Catalog {
  checkDatabaseName(database);
  if (txn.peek(systemKey(database)) === null) {
    txn.get(systemKey(database));
    throw camusError('DatabaseDoesntExist', `database "${database}" does not exist`);
  }
  const raw = txn.peek(schemaKey(database));
  let shared = raw === null ? undefined : decoded.get(raw);
  if (shared === undefined) {
    shared = decodeCatalog(database, raw);
    deepFreeze(shared);
    if (raw !== null) decoded.set(raw, shared);
  }
  const c: Catalog = { tables: shared.tables, nextId: shared.nextId };
  const catalogTs = txn.versionTs?.(schemaKey(database)) ?? null;
  const used = new Set<string>();
  c.use = (t) => {
    const key = t === null ? schemaKey(database) : tableEpochKey(t.id);
    if (used.has(key)) return;
    used.add(key);
    txn.get(key);
    const epochTs = t === null || catalogTs === null ? null : (txn.versionTs?.(key) ?? null);
    if (epochTs !== null && compareTs(epochTs, catalogTs!) > 0) {
      throw camusError('TransactionMustRetry', `the catalog read on this node is older than table "${t!.name}"; retry`);
    }
  };
  return c;
}

/**
 * Decoded catalogs by the stored bytes they came from: a stored value is
 * never mutated (a change is a new version, a new array), so the same bytes
 * always decode the same, and most statements skip JSON.parse. Frozen and
 * shared, so only statements that do not change the catalog get them (DDL
 * decodes its own copy). Weak keys: a version GC drops takes its entry along.
 */
const decoded = new WeakMap<Uint8Array, Catalog>();

function decodeCatalog(database: string, raw: Uint8Array | null): Catalog {
  if (raw === null) return { tables: [], nextId: 1 };
  try {
    const c = JSON.parse(utf8Decode(raw)) as Catalog;
    if (!Array.isArray(c.tables) || !Number.isSafeInteger(c.nextId)) throw new Error('bad shape');
    return c;
  } catch (e) {
    throw camusError('SystemSpaceCorrupt', `catalog of "${database}" cannot be decoded: ${(e as Error).message}`);
  }
}

export function saveCatalog(txn: KvTxn, database: string, c: Catalog): void {
  txn.put(schemaKey(database), utf8Encode(JSON.stringify({ tables: c.tables, nextId: c.nextId })));
}

/**
 * Marks a table changed or dropped, so every statement that used it conflicts
 * with this DDL (see the header). The caller writes the schema key in the
 * same transaction. A value, not a delete: GC would drop a tombstone, and
 * with it what tells a statement that its catalog missed this DDL.
 */
export function bumpTableEpoch(txn: KvTxn, tableId: string): void {
  txn.put(tableEpochKey(tableId), EPOCH_MARK);
}

/** The epoch's value: only its version matters. */
const EPOCH_MARK = new Uint8Array([1]);

/** A table by (lower-case) name, or null; recorded as a dependency of the statement (see the header). */
export function findTable(c: Catalog, name: string): TableSchema | null {
  const t = c.tables.find((x) => x.name === name) ?? null;
  c.use?.(t);
  return t;
}

/** A table by name; CADB0011 when there is none. */
export function getTable(c: Catalog, name: string): TableSchema {
  const t = findTable(c, name);
  if (!t) throw camusError('TableDoesntExist', name ? `table "${name}" does not exist` : 'table name is empty');
  return t;
}

/** Creates the database (its system key) and lists it in the registry; CADB0012 when it exists. */
export function createDatabase(txn: KvTxn, database: string, ifNotExists: boolean): void {
  if (databaseExists(txn, database)) {
    if (ifNotExists) return;
    throw camusError('DatabaseAlreadyExists', `database "${database}" already exists`);
  }
  txn.put(systemKey(database), utf8Encode(JSON.stringify({ created: true })));
  const names = listDatabases(txn);
  if (!names.includes(database)) saveDatabaseList(txn, [...names, database]);
}

/**
 * Removes a database's metadata (system and schema keys) and its registry
 * entry. Its tables' rows and index entries are the caller's to delete first,
 * while the catalog that says where they are can still be read.
 */
export function removeDatabase(txn: KvTxn, database: string): void {
  txn.delete(systemKey(database));
  txn.delete(schemaKey(database));
  const names = listDatabases(txn);
  if (names.includes(database)) saveDatabaseList(txn, names.filter((n) => n !== database));
}

/** Names of the databases in the registry, sorted. */
export function listDatabases(txn: KvTxn): string[] {
  const raw = txn.get(DATABASES_KEY);
  if (raw === null) return [];
  try {
    const names = JSON.parse(utf8Decode(raw)) as unknown;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error('bad shape');
    return names as string[];
  } catch (e) {
    throw camusError('SystemSpaceCorrupt', `database registry cannot be decoded: ${(e as Error).message}`);
  }
}

function saveDatabaseList(txn: KvTxn, names: string[]): void {
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  txn.put(DATABASES_KEY, utf8Encode(JSON.stringify(sorted)));
}

/** A fresh table id for the database (see the header); advances the counter. */
export function newTableId(c: Catalog, database: string): string {
  return `${database}.t${c.nextId++}`;
}

/** A fresh index id; advances the counter. */
export function newIndexId(c: Catalog): string {
  return `x${c.nextId++}`;
}

/** The table's primary key index, or null when it has none. */
export function primaryKeyOf(table: TableSchema): IndexSchema | null {
  return table.indexes.find((i) => i.name === PRIMARY_KEY_INDEX) ?? null;
}

/** An index by the name a user gives it; `primary` names the primary key. */
export function findIndex(table: TableSchema, name: string): IndexSchema | null {
  const stored = name === PRIMARY_KEY_DISPLAY ? PRIMARY_KEY_INDEX : name;
  return table.indexes.find((i) => i.name === stored) ?? null;
}

/** The name an index is shown under: its own, or `primary` for the primary key. */
export function indexDisplayName(index: IndexSchema): string {
  return index.name === PRIMARY_KEY_INDEX ? PRIMARY_KEY_DISPLAY : index.name;
}

/**
 * The position of the column whose value is the row id, or -1. When the
 * primary key is a single OID column, every row's id is that column's value,
 * so a lookup by that key is a point read of the row key; otherwise row ids
 * are fresh OIDs unrelated to the row's values.
 */
export function rowIdColumn(table: TableSchema): number {
  const pk = primaryKeyOf(table);
  if (pk === null || pk.columns.length !== 1) return -1;
  const i = table.columns.findIndex((c) => c.name === pk.columns[0]!.column);
  return i >= 0 && table.columns[i]!.type === 'OID' ? i : -1;
}

/**
 * The DEFAULT expression of a column, parsed from its stored SQL text (null
 * when it has none). The text was printed by formatExpr, so it parses back
 * to the expression that was declared.
 */
export function defaultExpr(col: ColumnSchema): Expr | null {
  if (col.default === null) return null;
  let stmts;
  try {
    stmts = parse(`SELECT ${col.default}`);
  } catch (e) {
    throw camusError('SystemSpaceCorrupt', `DEFAULT of column "${col.name}" cannot be parsed: ${(e as Error).message}`);
  }
  const s = stmts[0];
  const item = s?.kind === 'select' && stmts.length === 1 && s.from === null && s.columns.length === 1 ? s.columns[0] : undefined;
  if (item?.kind !== 'expr' || item.alias !== null) {
    throw camusError('SystemSpaceCorrupt', `DEFAULT of column "${col.name}" is not one expression: ${col.default}`);
  }
  return item.expr;
}
