// CamusDB's HTTP routes. Every route that runs SQL goes through run(): in the
// open transaction named by txnIdPT/txnIdCounter when the request carries them
// (both 0 counts as none), else in a fresh autocommit session.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { camusError } from '../../core/errors.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { ident } from '../../core/sql/format.js';
import type { SqlResult } from '../../core/sql/engine/types.js';
import { SqlSession } from '../../core/sql/session.js';
import type { ServerNode } from '../node.js';
import { JSON_TYPE, toJson } from './json.js';
import { checkName, createTableSql, deleteSql, insertSql, querySql, queryByIdSql, updateSql, type ColumnSpec, type FilterSpec, type OrderSpec } from './sql-builder.js';
import { outcomeError, runSession, type TransactionRegistry, type TxnId } from './transactions.js';
import { rowsJson } from './rows.js';
import { fromParameters, toBigInt } from './values.js';

// ---------------------------------------------------------------------------
// Schemas. Integers that may exceed 2^53 (longValue, txnIdPT, txnIdCounter)
// have no JSON-schema type: the parser may hand them over as bigints, which
// the code checks itself.

const name = { type: 'string', minLength: 1, maxLength: 128 };
const columnValue = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'integer', minimum: 0, maximum: 5 },
    strValue: { type: ['string', 'null'] },
    longValue: {},
    floatValue: {},
    boolValue: { type: ['boolean', 'null'] },
  },
};
const txnFields = { txnIdPT: {}, txnIdCounter: {} };
const filters = {
  type: 'array',
  items: { type: 'object', required: ['columnName', 'op', 'value'], properties: { columnName: name, op: { type: 'string' }, value: columnValue } },
};
const values = { type: 'object', additionalProperties: columnValue };
const sqlBody = {
  type: 'object',
  required: ['databaseName', 'sql'],
  properties: { databaseName: name, sql: { type: 'string', minLength: 1 }, parameters: { type: ['object', 'null'], additionalProperties: columnValue }, ...txnFields },
};
const dbBody = { type: 'object', required: ['databaseName'], properties: { databaseName: name, ifNotExists: { type: 'boolean' }, ifExists: { type: 'boolean' } } };
const txnBody = { type: 'object', required: ['databaseName', 'txnIdPT', 'txnIdCounter'], properties: { databaseName: name, ...txnFields } };
const createTableBody = {
  type: 'object',
  required: ['databaseName', 'tableName', 'columns'],
  properties: {
    databaseName: name,
    tableName: name,
    ifNotExists: { type: 'boolean' },
    columns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'type'],
        properties: { name, type: { type: 'string' }, notNull: { type: 'boolean' }, primary: { type: 'boolean' }, unique: { type: 'boolean' }, defaultValue: { anyOf: [{ type: 'null' }, columnValue] } },
      },
    },
  },
};
const insertBody = { type: 'object', required: ['databaseName', 'tableName', 'values'], properties: { databaseName: name, tableName: name, values, ...txnFields } };
const queryBody = {
  type: 'object',
  required: ['databaseName', 'tableName'],
  properties: {
    databaseName: name,
    tableName: name,
    filters: { anyOf: [{ type: 'null' }, filters] },
    orderBy: { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'object', required: ['columnName'], properties: { columnName: name, type: { type: 'integer', enum: [0, 1] } } } }] },
    ...txnFields,
  },
};
const queryByIdBody = { type: 'object', required: ['databaseName', 'tableName', 'id'], properties: { databaseName: name, tableName: name, id: { type: 'string' }, ...txnFields } };
const updateBody = { type: 'object', required: ['databaseName', 'tableName', 'values'], properties: { databaseName: name, tableName: name, values, filters: { anyOf: [{ type: 'null' }, filters] }, ...txnFields } };
const deleteBody = { type: 'object', required: ['databaseName', 'tableName'], properties: { databaseName: name, tableName: name, filters: { anyOf: [{ type: 'null' }, filters] }, ...txnFields } };

// ---------------------------------------------------------------------------

interface TxnCarrier {
  txnIdPT?: unknown;
  txnIdCounter?: unknown;
}

/** The transaction a request names, or null. Both fields or neither; (0, 0) means none. */
export function txnIdOf(b: TxnCarrier, required = false): TxnId | null {
  const hasPt = b.txnIdPT !== undefined && b.txnIdPT !== null;
  const hasCounter = b.txnIdCounter !== undefined && b.txnIdCounter !== null;
  if (!hasPt && !hasCounter && !required) return null;
  if (!hasPt || !hasCounter) throw camusError('InvalidInput', 'txnIdPT and txnIdCounter must be given together');
  const id = { pt: toBigInt(b.txnIdPT, 'txnIdPT'), counter: toBigInt(b.txnIdCounter, 'txnIdCounter') };
  if (id.pt === 0n && id.counter === 0n) {
    if (required) throw camusError('InvalidInput', 'txnIdPT and txnIdCounter must name a transaction (from /start-transaction)');
    return null;
  }
  return id;
}

function send(reply: FastifyReply, body: object): FastifyReply {
  return sendText(reply, toJson(body));
}

function sendText(reply: FastifyReply, json: string): FastifyReply {
  return reply.code(200).type(JSON_TYPE).send(json);
}

function affected(r: SqlResult): number {
  return r.kind === 'affected' ? r.affected : r.rows.length;
}

export function registerRoutes(app: FastifyInstance, sn: ServerNode, txns: TransactionRegistry): void {
  /** Runs SQL in the request's transaction or its own; resolves with the result or throws the CamusError. */
  const run = async (body: TxnCarrier & { databaseName: string }, sql: string, params: ReadonlyMap<string, SqlValue>): Promise<SqlResult> => {
    const database = checkName(body.databaseName, 'database name');
    const id = txnIdOf(body);
    const o = id ? await txns.run(id, database, sql, params) : await runSession(new SqlSession(sn.node, database), sql, params);
    if (o.status !== 'ok') throw outcomeError(o);
    return o.result;
  };

  app.get('/ping', async (_req, reply) => send(reply, { status: 'ok', dateTime: new Date().toISOString() }));

  app.get('/cluster/status', async (_req, reply) => send(reply, { status: 'ok', ...sn.status() }));

  app.post<{ Body: { databaseName: string; ifNotExists?: boolean } }>('/create-db', { schema: { body: dbBody } }, async (req, reply) => {
    const db = checkName(req.body.databaseName, 'database name');
    await run({ databaseName: db }, `CREATE DATABASE ${req.body.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(db)}`, new Map());
    return send(reply, { status: 'ok' });
  });

  app.post<{ Body: { databaseName: string; ifExists?: boolean } }>('/drop-db', { schema: { body: dbBody } }, async (req, reply) => {
    const db = checkName(req.body.databaseName, 'database name');
    await run({ databaseName: db }, `DROP DATABASE ${req.body.ifExists ? 'IF EXISTS ' : ''}${ident(db)}`, new Map());
    return send(reply, { status: 'ok' });
  });

  // Nothing is held open per database here, so closing one only checks that it exists.
  app.post<{ Body: { databaseName: string } }>('/close-db', { schema: { body: dbBody } }, async (req, reply) => {
    await run({ databaseName: req.body.databaseName }, 'SHOW DATABASE', new Map());
    return send(reply, { status: 'ok' });
  });

  app.post<{ Body: { databaseName: string; tableName: string; ifNotExists?: boolean; columns: ColumnSpec[] } }>(
    '/create-table',
    { schema: { body: createTableBody } },
    async (req, reply) => {
      const sql = createTableSql(req.body.tableName, req.body.columns, req.body.ifNotExists === true);
      await run(req.body, sql, new Map());
      return send(reply, { status: 'ok' });
    },
  );

  type SqlBody = TxnCarrier & { databaseName: string; sql: string; parameters?: Record<string, unknown> | null };
  app.post<{ Body: SqlBody }>('/execute-sql-ddl', { schema: { body: sqlBody } }, async (req, reply) => {
    await run(req.body, req.body.sql, fromParameters(req.body.parameters));
    return send(reply, { status: 'ok' });
  });

  app.post<{ Body: SqlBody }>('/execute-sql-query', { schema: { body: sqlBody } }, async (req, reply) => {
    return sendText(reply, rowsJson(await run(req.body, req.body.sql, fromParameters(req.body.parameters))));
  });

  app.post<{ Body: SqlBody }>('/execute-sql-non-query', { schema: { body: sqlBody } }, async (req, reply) => {
    return send(reply, { status: 'ok', rows: affected(await run(req.body, req.body.sql, fromParameters(req.body.parameters))) });
  });

  type TableBody = TxnCarrier & { databaseName: string; tableName: string };
  app.post<{ Body: TableBody & { values: Record<string, unknown> } }>('/insert', { schema: { body: insertBody } }, async (req, reply) => {
    const q = insertSql(req.body.tableName, req.body.values);
    return send(reply, { status: 'ok', rows: affected(await run(req.body, q.sql, q.params)) });
  });

  app.post<{ Body: TableBody & { filters?: FilterSpec[] | null; orderBy?: OrderSpec[] | null } }>('/query', { schema: { body: queryBody } }, async (req, reply) => {
    const q = querySql(req.body.tableName, req.body.filters ?? undefined, req.body.orderBy ?? undefined);
    return sendText(reply, rowsJson(await run(req.body, q.sql, q.params)));
  });

  app.post<{ Body: TableBody & { id: string } }>('/query-by-id', { schema: { body: queryByIdBody } }, async (req, reply) => {
    const q = queryByIdSql(req.body.tableName, req.body.id);
    return sendText(reply, rowsJson(await run(req.body, q.sql, q.params)));
  });

  app.post<{ Body: TableBody & { values: Record<string, unknown>; filters?: FilterSpec[] | null } }>('/update', { schema: { body: updateBody } }, async (req, reply) => {
    const q = updateSql(req.body.tableName, req.body.values, req.body.filters ?? undefined);
    return send(reply, { status: 'ok', rows: affected(await run(req.body, q.sql, q.params)) });
  });

  app.post<{ Body: TableBody & { filters?: FilterSpec[] | null } }>('/delete', { schema: { body: deleteBody } }, async (req, reply) => {
    const q = deleteSql(req.body.tableName, req.body.filters ?? undefined);
    return send(reply, { status: 'ok', rows: affected(await run(req.body, q.sql, q.params)) });
  });

  app.post<{ Body: { databaseName: string } }>('/start-transaction', { schema: { body: dbBody } }, async (req, reply) => {
    const id = await txns.start(checkName(req.body.databaseName, 'database name'));
    return send(reply, { status: 'ok', txnIdPT: id.pt, txnIdCounter: id.counter });
  });

  for (const [route, how] of [
    ['/commit-transaction', 'COMMIT'],
    ['/rollback-transaction', 'ROLLBACK'],
  ] as const) {
    app.post<{ Body: TxnCarrier & { databaseName: string } }>(route, { schema: { body: txnBody } }, async (req, reply) => {
      const o = await txns.finish(txnIdOf(req.body, true)!, checkName(req.body.databaseName, 'database name'), how);
      if (o.status !== 'ok') throw outcomeError(o);
      return send(reply, { status: 'ok' });
    });
  }
}
