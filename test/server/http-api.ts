// The HTTP API's behaviour, written once and run over two transports: through
// Fastify's inject (http.test.ts) and through the listening socket's framing
// and fast lane (http-wire.test.ts), against a real standalone node (LevelDB
// in a temp dir): every route's happy path and error shapes, exact INT64 in
// both directions, malformed and oversized bodies, and transactions.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { buildHttp, type HttpApi } from '../../server/http/app.js';
import { parseJson, toJson } from '../../server/http/json.js';
import { ServerNode } from '../../server/node.js';

export interface Answer {
  status: number;
  text: string;
}

/** How the suite reaches the API: started over a built API, asked one request at a time, stopped. */
export interface Transport {
  start(api: HttpApi): Promise<void>;
  request(method: string, url: string, headers?: Record<string, string>, payload?: string): Promise<Answer>;
  stop(): Promise<void>;
}

interface Res {
  status: number;
  text: string;
  body: any;
}

export function httpApiSuite(t: Transport): void {
  let dir: string;
  let node: ServerNode;
  let api: HttpApi;
  const bodyLimit = 64 * 1024;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camus-http-'));
    const cfg = loadConfig(['--data-dir', dir], { cwd: dir, env: {} });
    node = await ServerNode.start(cfg);
    await node.databaseReady;
    api = buildHttp(node, { bodyLimit, txnIdleMs: 400 });
    await api.app.ready();
    await t.start(api);
  }, 30_000);

  afterAll(async () => {
    await t.stop();
    await api?.app.close();
    await node?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(url: string, payload: unknown, raw = false): Promise<Res> {
    const r = await t.request('POST', url, { 'content-type': 'application/json' }, raw ? (payload as string) : toJson(payload));
    return { status: r.status, text: r.text, body: r.text ? parseJson(r.text) : null };
  }

  async function ok(url: string, payload: unknown): Promise<any> {
    const r = await post(url, payload);
    if (r.status !== 200) throw new Error(`${url} failed: ${r.text}`);
    expect(r.body.status).toBe('ok');
    return r.body;
  }

  async function fails(url: string, payload: unknown, code: string, raw = false): Promise<string> {
    const r = await post(url, payload, raw);
    expect(r.status, r.text).toBe(500);
    expect(r.body.status).toBe('failed');
    expect(r.body.code, r.text).toBe(code);
    expect(typeof r.body.message).toBe('string');
    return r.body.message as string;
  }

  const db = 'shop';
  const str = (s: string) => ({ type: 3, strValue: s });
  const long = (n: bigint | number) => ({ type: 2, longValue: n });
  const oid = (s: string) => ({ type: 1, strValue: s });

  describe('routes', () => {
    it('GET /ping', async () => {
      const r = await t.request('GET', '/ping');
      expect(r.status).toBe(200);
      const b = JSON.parse(r.text);
      expect(b.status).toBe('ok');
      expect(b.dateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('the test database exists from the start', async () => {
      await ok('/close-db', { databaseName: 'test' });
    });

    it('create-db, close-db, drop-db', async () => {
      await ok('/create-db', { databaseName: db });
      expect(await fails('/create-db', { databaseName: db }, 'CADB0012')).toContain(db);
      await ok('/create-db', { databaseName: db, ifNotExists: true });
      await ok('/close-db', { databaseName: db });
      await ok('/create-db', { databaseName: 'gone' });
      await ok('/drop-db', { databaseName: 'gone' });
      await fails('/close-db', { databaseName: 'gone' }, 'CADB0010');
      await fails('/drop-db', { databaseName: 'gone' }, 'CADB0010');
      await fails('/create-db', { databaseName: 'bad-name' }, 'CADB0400');
    });

    it('create-table', async () => {
      await ok('/create-table', {
        databaseName: db,
        tableName: 'items',
        columns: [
          { name: 'id', type: 'id', primary: true },
          { name: 'name', type: 'string', notNull: true },
          { name: 'qty', type: 'int64', defaultValue: long(7) },
          { name: 'price', type: 'float64' },
          { name: 'active', type: 'bool', defaultValue: { type: 4, boolValue: true } },
          { name: 'note', type: 'string', defaultValue: str("it's \\ fine") },
        ],
      });
      await fails('/create-table', { databaseName: db, tableName: 'items', columns: [{ name: 'x', type: 'string' }] }, 'CADB0013');
      await ok('/create-table', { databaseName: db, tableName: 'items', ifNotExists: true, columns: [{ name: 'x', type: 'string' }] });
      await fails('/create-table', { databaseName: db, tableName: 'x; DROP', columns: [{ name: 'x', type: 'string' }] }, 'CADB0400');
      await fails('/create-table', { databaseName: db, tableName: 't2', columns: [{ name: 'x', type: 'blob' }] }, 'CADB0400');
      await fails('/create-table', { databaseName: db, tableName: 't2', columns: [{ name: 'x', type: 'string' }, { name: 'x', type: 'int64' }] }, 'CADB0403');
      await fails('/create-table', { databaseName: 'nodb', tableName: 't2', columns: [{ name: 'x', type: 'string' }] }, 'CADB0010');
      const cols = await ok('/execute-sql-query', { databaseName: db, sql: 'SHOW COLUMNS FROM items' });
      expect(cols.total).toBe(6);
    });

    const ids = ['aaaaaaaaaaaaaaaaaaaaaaa1', 'aaaaaaaaaaaaaaaaaaaaaaa2', 'aaaaaaaaaaaaaaaaaaaaaaa3'];

    it('insert (defaults fill in), query-by-id, query with filters and order', async () => {
      const ins = await ok('/insert', { databaseName: db, tableName: 'items', values: { id: oid(ids[0]!), name: str('apple'), price: { type: 5, floatValue: 1.25 } } });
      expect(ins.rows).toBe(1);
      await ok('/insert', { databaseName: db, tableName: 'items', values: { id: oid(ids[1]!), name: str('pear'), qty: long(3) } });
      await ok('/insert', { databaseName: db, tableName: 'items', values: { id: oid(ids[2]!), name: str('plum'), qty: long(9007199254740993n), active: { type: 4, boolValue: false } } });
      await fails('/insert', { databaseName: db, tableName: 'items', values: { id: oid(ids[0]!), name: str('dup') } }, 'CADB0300');
      await fails('/insert', { databaseName: db, tableName: 'items', values: { id: oid('bbbbbbbbbbbbbbbbbbbbbbbb') } }, 'CADB0301');
      await fails('/insert', { databaseName: db, tableName: 'items', values: { nope: str('x') } }, 'CADB0404');
      await fails('/insert', { databaseName: db, tableName: 'missing', values: { x: str('x') } }, 'CADB0011');

      const one = await ok('/query-by-id', { databaseName: db, tableName: 'items', id: ids[0] });
      expect(one.total).toBe(1);
      expect(one.rows[0]).toEqual({
        id: { type: 1, strValue: ids[0], longValue: 0, floatValue: 0, boolValue: false },
        name: { type: 3, strValue: 'apple', longValue: 0, floatValue: 0, boolValue: false },
        qty: { type: 2, strValue: null, longValue: 7, floatValue: 0, boolValue: false },
        price: { type: 5, strValue: null, longValue: 0, floatValue: 1.25, boolValue: false },
        active: { type: 4, strValue: null, longValue: 0, floatValue: 0, boolValue: true },
        note: { type: 3, strValue: "it's \\ fine", longValue: 0, floatValue: 0, boolValue: false },
      });
      expect((await ok('/query-by-id', { databaseName: db, tableName: 'items', id: 'cccccccccccccccccccccccc' })).total).toBe(0);
      await fails('/query-by-id', { databaseName: db, tableName: 'items', id: 'short' }, 'CADB0400');

      const q = await ok('/query', { databaseName: db, tableName: 'items', filters: [{ columnName: 'qty', op: '>=', value: long(3) }], orderBy: [{ columnName: 'qty', type: 1 }] });
      expect(q.rows.map((r: any) => r.name.strValue)).toEqual(['plum', 'apple', 'pear']);
      expect(q.rows[0].qty.longValue).toBe(9007199254740993n);
      const all = await ok('/query', { databaseName: db, tableName: 'items', orderBy: [{ columnName: 'name' }] });
      expect(all.rows.map((r: any) => r.name.strValue)).toEqual(['apple', 'pear', 'plum']);
      const nulls = await ok('/query', { databaseName: db, tableName: 'items', filters: [{ columnName: 'price', op: '=', value: { type: 0 } }] });
      expect(nulls.total).toBe(2);
      await fails('/query', { databaseName: db, tableName: 'items', filters: [{ columnName: 'qty', op: 'LIKE', value: long(1) }] }, 'CADB0400');
      await fails('/query', { databaseName: db, tableName: 'items', orderBy: [{ columnName: 'qty', type: 2 }] }, 'CADB0400');
    });

    it('update and delete', async () => {
      const u = await ok('/update', { databaseName: db, tableName: 'items', values: { qty: long(-9223372036854775808n) }, filters: [{ columnName: 'name', op: '=', value: str('pear') }] });
      expect(u.rows).toBe(1);
      const r = await post('/query-by-id', { databaseName: db, tableName: 'items', id: ids[1] });
      expect(r.text).toContain('"longValue":-9223372036854775808');
      expect(r.body.rows[0].qty.longValue).toBe(-9223372036854775808n);
      const d = await ok('/delete', { databaseName: db, tableName: 'items', filters: [{ columnName: 'name', op: '!=', value: str('apple') }] });
      expect(d.rows).toBe(2);
      expect((await ok('/query', { databaseName: db, tableName: 'items' })).total).toBe(1);
    });

    it('execute-sql-ddl, -non-query and -query with parameters (with or without @)', async () => {
      await ok('/execute-sql-ddl', { databaseName: db, sql: 'CREATE TABLE nums (id OID PRIMARY KEY DEFAULT (GEN_ID()), n INT64, label STRING)' });
      const ins = await ok('/execute-sql-non-query', {
        databaseName: db,
        sql: 'INSERT INTO nums (n, label) VALUES (@a, @b), (@c, "min")',
        parameters: { '@a': long(9007199254740993n), b: str('big'), '@c': long(-9223372036854775808n) },
      });
      expect(ins.rows).toBe(2);
      const r = await post('/execute-sql-query', { databaseName: db, sql: 'SELECT label, n FROM nums WHERE n = @n', parameters: { '@n': long(9007199254740993n) } });
      expect(r.status).toBe(200);
      expect(r.text).toContain('"longValue":9007199254740993');
      expect(r.body).toMatchObject({ status: 'ok', total: 1 });
      expect(Object.keys(r.body.rows[0])).toEqual(['label', 'n']);
      // The request text itself, with the literal digits (no client-side bigint support needed).
      const raw = await post('/execute-sql-query', '{"databaseName":"shop","sql":"SELECT n FROM nums WHERE n < @x ORDER BY n","parameters":{"@x":{"type":2,"longValue":-9223372036854775807}}}', true);
      expect(raw.text).toBe('{"status":"ok","total":1,"rows":[{"n":{"type":2,"strValue":null,"longValue":-9223372036854775808,"floatValue":0,"boolValue":false}}]}');
      const agg = await ok('/execute-sql-query', { databaseName: db, sql: 'SELECT COUNT(*) AS c FROM nums' });
      expect(agg.rows[0].c.longValue).toBe(2);
      await fails('/execute-sql-query', { databaseName: db, sql: 'SELEC 1' }, 'CADB0406');
      await fails('/execute-sql-query', { databaseName: db, sql: 'SELECT * FROM nums WHERE n = @missing' }, 'CADB0400');
      await fails('/execute-sql-non-query', { databaseName: db, sql: 'INSERT INTO nums (n) VALUES (@a)', parameters: { '@a': { type: 2, longValue: 'x' } } }, 'CADB0400');
    });
  });

  describe('request errors', () => {
    it('malformed JSON is CADB0400', async () => {
      expect(await fails('/execute-sql-query', '{"databaseName": ', 'CADB0400', true)).toMatch(/JSON/);
      await fails('/execute-sql-query', '{"databaseName": "x", "n": 90071992547409931,}', 'CADB0400', true);
      await fails('/execute-sql-query', '', 'CADB0400', true);
    });

    it('schema violations are CADB0400', async () => {
      await fails('/execute-sql-query', { sql: 'SELECT 1' }, 'CADB0400');
      await fails('/execute-sql-query', { databaseName: 5, sql: 'SELECT 1' }, 'CADB0400');
      await fails('/insert', { databaseName: db, tableName: 'items', values: { a: { strValue: 'no type' } } }, 'CADB0400');
      await fails('/create-table', { databaseName: db, tableName: 't', columns: [] }, 'CADB0400');
      await fails('/execute-sql-query', [1, 2], 'CADB0400');
    });

    it('an oversized body is CADB0400', async () => {
      const msg = await fails('/execute-sql-query', { databaseName: db, sql: `SELECT '${'x'.repeat(70 * 1024)}'` }, 'CADB0400');
      expect(msg).toMatch(/larger than/);
    });

    it('a non-JSON content type is CADB0400; an unknown route is 404', async () => {
      const r = await t.request('POST', '/execute-sql-query', { 'content-type': 'text/plain' }, 'x');
      expect(r.status).toBe(500);
      expect(JSON.parse(r.text).code).toBe('CADB0400');
      const nf = await t.request('GET', '/nope');
      expect(nf.status).toBe(404);
      expect(JSON.parse(nf.text).status).toBe('failed');
    });
  });

  describe('transactions over HTTP', () => {
    beforeAll(async () => {
      await ok('/execute-sql-ddl', { databaseName: db, sql: 'CREATE TABLE acct (id STRING PRIMARY KEY, bal INT64)' });
    });

    const count = async (extra: object = {}) => (await ok('/execute-sql-query', { databaseName: db, sql: 'SELECT COUNT(*) AS c FROM acct', ...extra })).rows[0].c.longValue as number;

    it('start, two statements, commit: visible to others only after commit', async () => {
      const t = await ok('/start-transaction', { databaseName: db });
      expect(typeof t.txnIdPT === 'number' || typeof t.txnIdPT === 'bigint').toBe(true);
      expect(t.txnIdPT).toBeGreaterThan(1_600_000_000_000);
      const txn = { txnIdPT: t.txnIdPT, txnIdCounter: t.txnIdCounter };
      await ok('/execute-sql-non-query', { databaseName: db, sql: 'INSERT INTO acct (id, bal) VALUES ("a", 10)', ...txn });
      await ok('/insert', { databaseName: db, tableName: 'acct', values: { id: str('b'), bal: long(9007199254740993n) }, ...txn });
      expect(await count(txn)).toBe(2);
      expect(await count()).toBe(0);
      await ok('/commit-transaction', { databaseName: db, ...txn });
      expect(await count()).toBe(2);
      expect(await fails('/commit-transaction', { databaseName: db, ...txn }, 'CADB0501')).toMatch(/not open/);
      await fails('/execute-sql-query', { databaseName: db, sql: 'SELECT 1', ...txn }, 'CADB0501');
    });

    it('rollback discards', async () => {
      const t = await ok('/start-transaction', { databaseName: db });
      const txn = { txnIdPT: t.txnIdPT, txnIdCounter: t.txnIdCounter };
      await ok('/delete', { databaseName: db, tableName: 'acct', filters: [], ...txn });
      await ok('/update', { databaseName: db, tableName: 'acct', values: { bal: long(0) }, ...txn });
      expect(await count(txn)).toBe(0);
      await ok('/rollback-transaction', { databaseName: db, ...txn });
      expect(await count()).toBe(2);
      await fails('/rollback-transaction', { databaseName: db, ...txn }, 'CADB0501');
    });

    it('a lost update conflicts at commit (CADB0502)', async () => {
      const a = await ok('/start-transaction', { databaseName: db });
      const b = await ok('/start-transaction', { databaseName: db });
      const ta = { txnIdPT: a.txnIdPT, txnIdCounter: a.txnIdCounter };
      const tb = { txnIdPT: b.txnIdPT, txnIdCounter: b.txnIdCounter };
      expect(ta).not.toEqual(tb);
      await ok('/execute-sql-non-query', { databaseName: db, sql: 'UPDATE acct SET bal = bal + 1 WHERE id = "a"', ...ta });
      await ok('/execute-sql-non-query', { databaseName: db, sql: 'UPDATE acct SET bal = bal + 2 WHERE id = "a"', ...tb });
      await ok('/commit-transaction', { databaseName: db, ...ta });
      await fails('/commit-transaction', { databaseName: db, ...tb }, 'CADB0502');
    });

    it('unknown, half-given or foreign transaction ids are refused', async () => {
      await fails('/execute-sql-query', { databaseName: db, sql: 'SELECT 1', txnIdPT: 1, txnIdCounter: 2 }, 'CADB0501');
      await fails('/execute-sql-query', { databaseName: db, sql: 'SELECT 1', txnIdPT: 1 }, 'CADB0400');
      await fails('/commit-transaction', { databaseName: db, txnIdPT: 0, txnIdCounter: 0 }, 'CADB0400');
      await fails('/start-transaction', { databaseName: 'nodb' }, 'CADB0010');
      const t = await ok('/start-transaction', { databaseName: db });
      await fails('/execute-sql-query', { databaseName: 'test', sql: 'SELECT 1', txnIdPT: t.txnIdPT, txnIdCounter: t.txnIdCounter }, 'CADB0400');
      // (0, 0) means no transaction.
      expect(await count({ txnIdPT: 0, txnIdCounter: 0 })).toBe(2);
      await ok('/rollback-transaction', { databaseName: db, txnIdPT: t.txnIdPT, txnIdCounter: t.txnIdCounter });
    });

    it('an idle transaction expires and is rolled back', async () => {
      const t = await ok('/start-transaction', { databaseName: db });
      const txn = { txnIdPT: t.txnIdPT, txnIdCounter: t.txnIdCounter };
      await ok('/insert', { databaseName: db, tableName: 'acct', values: { id: str('z'), bal: long(1) }, ...txn });
      await new Promise((r) => setTimeout(r, 900));
      expect(await fails('/commit-transaction', { databaseName: db, ...txn }, 'CADB0501')).toMatch(/idle/);
      expect(await count()).toBe(2);
    });
  });

  describe('GET /cluster/status', () => {
    it('reports the node and its partitions', async () => {
      const r = await t.request('GET', '/cluster/status');
      const b = JSON.parse(r.text);
      expect(b.status).toBe('ok');
      expect(b.node).toMatchObject({ id: 1, mode: 'standalone' });
      expect(b.partitions).toHaveLength(1);
      expect(b.partitions[0]).toMatchObject({ partition: 0, role: 'leader', leader: 1 });
      expect(b.partitions[0].appliedIndex).toBeGreaterThan(0);
      expect(b.peers).toEqual([]);
    });
  });
}
