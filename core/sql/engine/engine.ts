// The statement executor's front door: one parsed statement, run inside the
// caller's transaction. The catalog is read once per statement, at its start,
// and every part of the statement sees that one version of it.
//
// Transaction control (BEGIN, COMMIT, ROLLBACK) belongs to the session, which
// owns the transaction; reaching here it is refused, never half-handled.

import { assertNever } from '../../assert.js';
import { camusError } from '../../errors.js';
import type { Statement } from '../ast.js';
import { loadCatalog, loadCatalogForStatement } from './catalog.js';
import {
  executeAlterTable,
  executeCreateDatabase,
  executeCreateIndex,
  executeCreateTable,
  executeDropDatabase,
  executeDropIndex,
  executeDropTable,
} from './ddl.js';
import { executeDelete, executeInsert, executeUpdate } from './dml.js';
import type { EvalContext } from './eval.js';
import { executeSelect, explainSelect } from './select.js';
import { showColumns, showCreateTable, showDatabase, showDatabases, showIndexes, showTables } from './show.js';
import type { ExecContext, KvTxn, SqlResult } from './types.js';

export function executeStatement(stmt: Statement, txn: KvTxn, exec: ExecContext): SqlResult {
  // Each case that needs the current database calls one of these exactly
  // once; statements about databases as a whole do not need it to exist. DDL
  // and SHOW read the catalog as data; statements that use tables by name
  // record the tables they use instead (see catalog.ts).
  const ctx = (): EvalContext => ({ exec, txn, catalog: loadCatalog(txn, exec.database) });
  const use = (): EvalContext => ({ exec, txn, catalog: loadCatalogForStatement(txn, exec.database) });
  switch (stmt.kind) {
    case 'select':
      return executeSelect(stmt, use());
    case 'explain':
      return explainSelect(stmt.query, use());
    case 'insert':
      return executeInsert(stmt, use());
    case 'update':
      return executeUpdate(stmt, use());
    case 'delete':
      return executeDelete(stmt, use());
    case 'createTable':
      return executeCreateTable(stmt, ctx());
    case 'dropTable':
      return executeDropTable(stmt, ctx());
    case 'alterTable':
      return executeAlterTable(stmt, ctx());
    case 'createIndex':
      return executeCreateIndex(stmt, ctx());
    case 'dropIndex':
      return executeDropIndex(stmt, ctx());
    case 'showTables':
      return showTables(ctx().catalog);
    case 'showColumns':
      return showColumns(ctx().catalog, stmt.table);
    case 'showCreateTable':
      return showCreateTable(ctx().catalog, stmt.table);
    case 'showIndexes':
      return showIndexes(ctx().catalog, stmt.table);
    case 'showDatabase':
      // Reading the catalog checks that the session's database exists.
      ctx();
      return showDatabase(exec.database);
    case 'createDatabase':
      return executeCreateDatabase(txn, stmt.name, stmt.ifNotExists);
    case 'dropDatabase':
      return executeDropDatabase(txn, stmt.name, stmt.ifExists);
    case 'showDatabases':
      return showDatabases(txn);
    case 'begin':
    case 'commit':
    case 'rollback':
      throw camusError('InvalidInput', 'transaction control is handled by the session');
    default:
      return assertNever(stmt, 'statement');
  }
}
