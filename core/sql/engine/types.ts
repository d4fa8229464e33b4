// The SQL engine's shared vocabulary: what it runs on (a transaction's
// key/value view), what the catalog holds, and what statements return.
//
// The engine is synchronous and deterministic: every statement runs inside one
// transaction against a KvTxn, and everything it needs from the world (new
// object ids, the current time for GEN_ID) comes through ExecContext.

import type { Timestamp } from '../../hlc.js';
import type { ColumnType, SortOrder } from '../ast.js';
import type { SqlValue } from '../encoding.js';

/**
 * The transactional key/value view a statement runs on (TxnView implements
 * it). Reads see the transaction's snapshot plus its own writes; every read and
 * scan is recorded for serializable validation at commit, so the engine must
 * read exactly what its result depends on (a full scan where it filters rows,
 * a point get where it checks a unique key).
 */
export interface KvTxn {
  /** The value of key, or null when absent. */
  get(key: string): Uint8Array | null;
  /**
   * Like get, but not recorded for validation: for data whose changes reach
   * the transaction another way (the catalog: see catalog.ts).
   */
  peek(key: string): Uint8Array | null;
  /**
   * The commit timestamp of the committed version of key this transaction
   * sees (its own writes aside), or null for none; recorded nowhere. Optional:
   * a view without it skips the checks that use it (see catalog.ts).
   */
  versionTs?(key: string): Timestamp | null;
  /** Live rows of [start, end) in key order, at most `limit`. */
  scan(start: string, end: string, limit?: number): { key: string; value: Uint8Array }[];
  put(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/** One column of a table, in schema order. `default` is the DEFAULT expression's SQL text, or null. */
export interface ColumnSchema {
  name: string;
  type: ColumnType;
  notNull: boolean;
  default: string | null;
}

/** An index; the primary key is the unique index named "~pk". `id` is its key-safe id. */
export interface IndexSchema {
  id: string;
  name: string;
  unique: boolean;
  columns: { column: string; order: SortOrder }[];
}

/**
 * A table. `id` is key-safe (see keys.ts). `version` increases with every
 * ALTER; each row records the version it was written under, and `history`
 * keeps the column lists of older versions so old rows still decode.
 */
export interface TableSchema {
  id: string;
  name: string;
  version: number;
  columns: ColumnSchema[];
  indexes: IndexSchema[];
  /** Column names by version, for versions older than `version`. */
  history: { version: number; columns: string[] }[];
}

/** What statements need from the world, injected so the engine stays deterministic. */
export interface ExecContext {
  database: string;
  /** Values of `@name` parameters, keyed without the '@'. */
  params: ReadonlyMap<string, SqlValue>;
  /** A fresh, never-repeating object id (24 lowercase hex chars). */
  newOid(): string;
}

/** A result set: column names and rows of values, in order. */
export interface QueryResult {
  kind: 'rows';
  columns: string[];
  rows: SqlValue[][];
}

/** What any statement returns. `affected` is rows inserted, updated or deleted; 0 for DDL. */
export type SqlResult = QueryResult | { kind: 'affected'; affected: number };
