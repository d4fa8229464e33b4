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

const OK = toJson({ status: 'ok' });

/** The answer of a statement run for its effect: how many rows it touched (or returned). */
function rowsAffected(r: SqlResult): string {
  return toJson({ status: 'ok', rows: r.kind === 'affected' ? r.affected : r.rows.length });
}

/** A POST route the fast lane (serve.ts) may run without Fastify: its body schema, and what it answers with a valid body (JSON text) or throws. */
export interface FastRoute {
  schema: object;
  handler(body: unknown): Promise<string>;
}

/** The fast lane's routes by path. */
export type FastRoutes = ReadonlyMap<string, FastRoute>;

/** Registers every route on `app`; returns the POST routes, which also run on the fast lane. */
export function registerRoutes(app: FastifyInstance, sn: ServerNode, txns: TransactionRegistry): FastRoutes {
  const fast = new Map<string, FastRoute>();
  /** A POST route with a body schema, answered with `handler`'s JSON text: on Fastify, and on the fast lane. */
  const post = <B>(path: string, schema: object, handler: (body: B) => Promise<string>): void => {
    app.post<{ Body: B }>(path, { schema: { body: schema } }, async (req, reply) => sendText(reply, await handler(req.body as B)));
    fast.set(path, { schema, handler: handler as (body: unknown) => Promise<string> });
  };

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

  post<{ databaseName: string; ifNotExists?: boolean }>('/create-db', dbBody, async (b) => {
    const db = checkName(b.databaseName, 'database name');
    await run({ databaseName: db }, `CREATE DATABASE ${b.ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(db)}`, new Map());
    return OK;
  });

  post<{ databaseName: string; ifExists?: boolean }>('/drop-db', dbBody, async (b) => {
    const db = checkName(b.databaseName, 'database name');
    await run({ databaseName: db }, `DROP DATABASE ${b.ifExists ? 'IF EXISTS ' : ''}${ident(db)}`, new Map());
    return OK;
  });

  // Nothing is held open per database here, so closing one only checks that it exists.
  post<{ databaseName: string }>('/close-db', dbBody, async (b) => {
    await run({ databaseName: b.databaseName }, 'SHOW DATABASE', new Map());
    return OK;
  });

  post<{ databaseName: string; tableName: string; ifNotExists?: boolean; columns: ColumnSpec[] }>('/create-table', createTableBody, async (b) => {
    await run(b, createTableSql(b.tableName, b.columns, b.ifNotExists === true), new Map());
    return OK;
  });

  type SqlBody = TxnCarrier & { databaseName: string; sql: string; parameters?: Record<string, unknown> | null };
  post<SqlBody>('/execute-sql-ddl', sqlBody, async (b) => {
    await run(b, b.sql, fromParameters(b.parameters));
    return OK;
  });

  post<SqlBody>('/execute-sql-query', sqlBody, async (b) => rowsJson(await run(b, b.sql, fromParameters(b.parameters))));

  post<SqlBody>('/execute-sql-non-query', sqlBody, async (b) => rowsAffected(await run(b, b.sql, fromParameters(b.parameters))));

  type TableBody = TxnCarrier & { databaseName: string; tableName: string };
  post<TableBody & { values: Record<string, unknown> }>('/insert', insertBody, async (b) => {
    const q = insertSql(b.tableName, b.values);
    return rowsAffected(await run(b, q.sql, q.params));
  });

  post<TableBody & { filters?: FilterSpec[] | null; orderBy?: OrderSpec[] | null }>('/query', queryBody, async (b) => {
    const q = querySql(b.tableName, b.filters ?? undefined, b.orderBy ?? undefined);
    return rowsJson(await run(b, q.sql, q.params));
  });

  post<TableBody & { id: string }>('/query-by-id', queryByIdBody, async (b) => {
    const q = queryByIdSql(b.tableName, b.id);
    return rowsJson(await run(b, q.sql, q.params));
  });

  post<TableBody & { values: Record<string, unknown>; filters?: FilterSpec[] | null }>('/update', updateBody, async (b) => {
    const q = updateSql(b.tableName, b.values, b.filters ?? undefined);
    return rowsAffected(await run(b, q.sql, q.params));
  });

  post<TableBody & { filters?: FilterSpec[] | null }>('/delete', deleteBody, async (b) => {
    const q = deleteSql(b.tableName, b.filters ?? undefined);
    return rowsAffected(await run(b, q.sql, q.params));
  });

  post<{ databaseName: string }>('/start-transaction', dbBody, async (b) => {
    const id = await txns.start(checkName(b.databaseName, 'database name'));
    return toJson({ status: 'ok', txnIdPT: id.pt, txnIdCounter: id.counter });
  });

  for (const [route, how] of [
    ['/commit-transaction', 'COMMIT'],
    ['/rollback-transaction', 'ROLLBACK'],
  ] as const) {
    post<TxnCarrier & { databaseName: string }>(route, txnBody, async (b) => {
      const o = await txns.finish(txnIdOf(b, true)!, checkName(b.databaseName, 'database name'), how);
      if (o.status !== 'ok') throw outcomeError(o);
      return OK;
    });
  }
  return fast;
}
