// The API over its listening socket (server/http/wire.ts and serve.ts): the
// whole suite of http-api.ts through real connections, then HTTP/1.1 framing
// byte by byte: pipelining, split and chunked bodies, 100-continue, keep-alive
// rules, refusals that close the connection, which lane answers what, and
// closing with answers in flight.

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HttpApi } from '../../server/http/app.js';
import { serveHttp } from '../../server/http/serve.js';
import { HEAD_BYTES_MAX, parseChunked, parseHead, WireServer, type WireRequest } from '../../server/http/wire.js';
import { SILENT_LOG } from '../../server/log.js';
import { httpApiSuite } from './http-api.js';

let api: HttpApi;
let server: WireServer;
let port: number;
let injects = 0;

describe('the API through the socket', () => {
  httpApiSuite({
    start: async (a) => {
      api = a;
      // Counts the requests that took the Fastify lane (see "which lane").
      const inject = a.app.inject.bind(a.app);
      (a.app as { inject: unknown }).inject = (o: never) => {
        injects++;
        return inject(o);
      };
      server = await serveHttp(a.app, a.fast, { host: '127.0.0.1', port: 0, log: SILENT_LOG });
      port = server.address().port;
    },
    request: async (method, url, headers = {}, payload) => {
      const r = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers, body: payload });
      return { status: r.status, text: await r.text() };
    },
    stop: async () => {
      await server?.close();
    },
  });

  describe('framing', () => {
    const post = (path: string, body: string, extra = '') =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
    const select = JSON.stringify({ databaseName: 'test', sql: 'SELECT 1 + 1 AS two' });

    it('answers pipelined requests in order, and requests split into single bytes', async () => {
      const q = (n: number) => JSON.stringify({ databaseName: 'test', sql: `SELECT ${n} AS n` });
      const s = await open();
      s.sock.write(post('/execute-sql-query', q(1)) + post('/execute-sql-query', q(2)) + 'GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
      const rs = await s.answers(3);
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(JSON.parse(rs[0]!.body).rows[0].n.longValue).toBe(1);
      expect(JSON.parse(rs[1]!.body).rows[0].n.longValue).toBe(2);
      expect(JSON.parse(rs[2]!.body).status).toBe('ok');
      const bytes = Buffer.from(post('/execute-sql-query', q(3)));
      for (const b of bytes) {
        s.sock.write(Buffer.of(b));
        await new Promise((r) => setImmediate(r));
      }
      const [r] = await s.answers(1);
      expect(JSON.parse(r!.body).rows[0].n.longValue).toBe(3);
      expect(s.closed).toBe(false);
      s.sock.destroy();
    });

    it('decodes a chunked body (extensions and trailers dropped)', async () => {
      const s = await open();
      const half = select.length >> 1;
      const chunked = `${half.toString(16)};ext=1\r\n${select.slice(0, half)}\r\n${(select.length - half).toString(16)}\r\n${select.slice(half)}\r\n0\r\nX-Trailer: y\r\n\r\n`;
      s.sock.write(`POST /execute-sql-query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`);
      const [r] = await s.answers(1);
      expect(r!.status).toBe(200);
      expect(JSON.parse(r!.body).rows[0].two.longValue).toBe(2);
      s.sock.destroy();
    });

    it('sends 100 Continue when the body is still to come, and only then', async () => {
      const s = await open();
      const head = post('/execute-sql-query', select, 'Expect: 100-continue\r\n');
      s.sock.write(head.slice(0, head.length - select.length));
      await s.until((t) => t.includes('\r\n\r\n'));
      expect(s.text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
      s.text = '';
      s.sock.write(select);
      const [r] = await s.answers(1);
      expect(r!.status).toBe(200);
      s.sock.write(post('/execute-sql-query', select, 'Expect: 100-continue\r\n'));
      const [r2] = await s.answers(1);
      expect(r2!.status).toBe(200);
      expect(s.text).not.toContain('100 Continue');
      s.sock.destroy();
    });

    it('keeps HTTP/1.0 connections only when asked, and closes after Connection: close', async () => {
      for (const [req, keeps] of [
        ['GET /ping HTTP/1.0\r\n\r\n', false],
        ['GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', true],
        ['GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false],
        ['GET /ping HTTP/1.1\r\nHost: x\r\n\r\n', true],
      ] as const) {
        const s = await open();
        s.sock.write(req);
        const [r] = await s.answers(1);
        expect(r!.status, req).toBe(200);
        expect(r!.head.includes('connection: close'), req).toBe(!keeps);
        await new Promise((res) => setTimeout(res, 50));
        expect(s.closed, req).toBe(!keeps);
        s.sock.destroy();
      }
    });

    it('answers HEAD with the headers of the GET it mirrors and no body', async () => {
      const s = await open();
      // /ping's answer has the same length every time (an ISO date of fixed width).
      s.sock.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
      const [get] = await s.answers(1);
      s.sock.write('HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /cluster/status HTTP/1.1\r\nHost: x\r\n\r\n');
      await s.until((t) => t.includes('"partitions"'));
      const head = s.text.slice(0, s.text.indexOf('\r\n\r\n')).toLowerCase();
      expect(head).toMatch(/^http\/1.1 200 /);
      expect(head).toContain(`content-length: ${Buffer.byteLength(get!.body)}`);
      // The next answer starts right after HEAD's blank line: no body was sent.
      expect(s.text.slice(head.length + 4)).toMatch(/^HTTP\/1.1 200 OK\r\n/);
      s.sock.destroy();
    });

    it('refuses what it cannot frame with CADB0400 and closes the connection', async () => {
      const big = 'x'.repeat(64 * 1024 + 1);
      for (const [req, why] of [
        ['BREW /ping HTTP/1.1 extra\r\nHost: x\r\n\r\n', /request line/],
        ['GET /ping HTTP/2.0\r\nHost: x\r\n\r\n', /not supported/],
        ['GET /ping HTTP/1.1\r\n\r\n', /Host/],
        ['GET /ping HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n', /header line/],
        ['POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', /both/],
        ['POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', /Content-Length/],
        ['POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', /transfer coding/],
        [post('/execute-sql-query', big), /larger than 65536 bytes/],
        [`POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(64 * 1024 + 1).toString(16)}\r\n${big}\r\n0\r\n\r\n`, /larger than/],
        ['POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk/],
        [`GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(HEAD_BYTES_MAX)}\r\n\r\n`, /head over/],
      ] as const) {
        const s = await open();
        s.sock.write(req);
        const [r] = await s.answers(1);
        expect(r!.status, req.slice(0, 40)).toBe(500);
        const b = JSON.parse(r!.body);
        expect(b.code).toBe('CADB0400');
        expect(b.message).toMatch(why);
        expect(r!.head).toContain('connection: close');
        await s.until(() => s.closed);
        s.sock.destroy();
      }
    });

    it('which lane: valid POSTs run without Fastify; the rest, and every invalid body, through it', async () => {
      const before = injects;
      const s = await open();
      s.sock.write(post('/execute-sql-query', select) + post('/execute-sql-non-query', JSON.stringify({ databaseName: 'test', sql: 'SHOW TABLES' })));
      const fastOnes = await s.answers(2);
      expect(fastOnes.map((r) => r.status)).toEqual([200, 200]);
      expect(injects).toBe(before);
      // A failure on the fast lane has the app's shape, without Fastify.
      s.sock.write(post('/execute-sql-query', JSON.stringify({ databaseName: 'test', sql: 'SELEC 1' })));
      const [bad] = await s.answers(1);
      expect(JSON.parse(bad!.body)).toMatchObject({ status: 'failed', code: 'CADB0406' });
      expect(injects).toBe(before);
      for (const req of [
        'GET /ping HTTP/1.1\r\nHost: x\r\n\r\n',
        post('/execute-sql-query', JSON.stringify({ sql: 'SELECT 1' })),
        post('/execute-sql-query', '{"databaseName": '),
        post('/execute-sql-query', ''),
        post('/execute-sql-query?x=1', select),
        post('/nope', select),
      ]) {
        s.sock.write(req);
        await s.answers(1);
      }
      expect(injects).toBe(before + 6);
      s.sock.destroy();
    });

    it('the fast lane answers as the app does', async () => {
      for (const body of [select, JSON.stringify({ databaseName: 'test', sql: 'SELECT @a AS a', parameters: { '@a': { type: 2, longValue: 5 } } }), JSON.stringify({ databaseName: 'nodb', sql: 'SELECT 1' })]) {
        const s = await open();
        s.sock.write(post('/execute-sql-query', body));
        const [r] = await s.answers(1);
        s.sock.destroy();
        const viaApp = await api.app.inject({ method: 'POST', url: '/execute-sql-query', headers: { 'content-type': 'application/json' }, payload: body });
        expect(r!.status).toBe(viaApp.statusCode);
        expect(r!.body).toBe(viaApp.body);
        expect(r!.head).toContain('content-type: application/json; charset=utf-8');
      }
    });
  });
});

describe('closing', () => {
  it('closes idle connections at once and busy ones after their answer', async () => {
    let release: () => void = () => {};
    const w = await echoServer(async (req) => {
      if (req.url === '/slow') await new Promise<void>((r) => (release = r));
    });
    const p = w.address().port;
    const idle = await open(p);
    const busy = await open(p);
    busy.sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = w.close().then(() => (closed = true));
    await idle.until(() => idle.closed);
    expect(busy.closed).toBe(false);
    expect(closed).toBe(false);
    release();
    const [r] = await busy.answers(1);
    expect(r!.body).toBe('/slow');
    expect(r!.head).toContain('connection: close');
    await closing;
    expect(closed).toBe(true);
  });
});

describe('order', () => {
  it('answers a pipelined request only after the slower one before it', async () => {
    const seen: string[] = [];
    const w = await echoServer(async (req) => {
      seen.push(req.url);
      if (req.url === '/slow') await new Promise((r) => setTimeout(r, 100));
    });
    const s = await open(w.address().port);
    s.sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 20));
    s.sock.write('GET /last HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 30));
    // The second request waits unparsed while the first is with the handler.
    expect(seen).toEqual(['/slow']);
    const rs = await s.answers(3);
    expect(rs.map((r) => r.body)).toEqual(['/slow', '/fast', '/last']);
    s.sock.destroy();
    await w.close();
  });
});

describe('answers held to the end of a turn', () => {
  it('go out when made in a timer, from a microtask or at once, on one connection or several', async () => {
    const w = await echoServer(async (req) => {
      if (req.url === '/timer') await new Promise((r) => setTimeout(r, 5));
      if (req.url === '/micro') await Promise.resolve();
    });
    const conns = await Promise.all([0, 1, 2].map(() => open(w.address().port)));
    // Each answer is corked until the check phase; none may wait for input that never comes.
    for (const [i, c] of conns.entries()) c.sock.write(`GET ${['/timer', '/micro', '/now'][i]} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const got = await Promise.all(conns.map((c) => c.answers(1)));
    expect(got.map((rs) => rs[0]!.body)).toEqual(['/timer', '/micro', '/now']);
    const one = conns[0]!;
    one.sock.write('GET /now HTTP/1.1\r\nHost: x\r\n\r\nGET /timer HTTP/1.1\r\nHost: x\r\n\r\nGET /micro HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await one.answers(3)).map((r) => r.body)).toEqual(['/now', '/timer', '/micro']);
    for (const c of conns) c.sock.destroy();
    await w.close();
  });

  it('are sent, not dropped, when the server closes before the turn ends', async () => {
    let closing: Promise<void> | null = null;
    const w = await echoServer((req, self) => {
      // This immediate is queued before the one that releases the answer, so the close finds it held.
      if (req.url === '/bye') setImmediate(() => (closing = self.close()));
    });
    const s = await open(w.address().port);
    s.sock.write('GET /bye HTTP/1.1\r\nHost: x\r\n\r\n');
    const [r] = await s.answers(1);
    expect(r!.body).toBe('/bye');
    await s.until(() => s.closed);
    await closing;
  });
});

describe('time limits', () => {
  it('closes a connection whose request is not complete within requestMs, and keeps one that finished in time', async () => {
    const w = new WireServer({ handle: async () => ({ status: 200, headers: {}, body: 'ok' }), refuse: (status, message) => ({ status, headers: {}, body: message }), bodyLimit: 1024, requestMs: 300 });
    await w.listen(0, '127.0.0.1');
    const p = w.address().port;
    const slow = await open(p);
    const prompt = await open(p);
    slow.sock.write('GET / HTTP/1.1\r\nHost');
    prompt.sock.write('GET / HTTP/1.1\r\nHost');
    await new Promise((r) => setTimeout(r, 150));
    prompt.sock.write(': x\r\n\r\n');
    const [r] = await prompt.answers(1);
    expect(r!.status).toBe(200);
    expect(r!.head).toMatch(/\r\ndate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/i);
    await slow.until(() => slow.closed);
    await new Promise((r) => setTimeout(r, 400));
    expect(prompt.closed).toBe(false);
    prompt.sock.destroy();
    await w.close();
  });
});

describe('the parsers', () => {
  it('parseHead: needs the blank line; lower-cases names; joins repeats', () => {
    expect(parseHead(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'), 10)).toBeNull();
    const h = parseHead(Buffer.from('GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:  2 \r\n\r\nrest'), 10) as Exclude<ReturnType<typeof parseHead>, null>;
    expect(h).toMatchObject({ method: 'GET', url: '/a?b', version: '1.1', headers: { host: 'x', 'x-a': '1, 2' }, length: 0, keepAlive: true });
    expect((h as { size: number }).size).toBe('GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:  2 \r\n\r\n'.length);
    expect(parseHead(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n'), 10)).toMatchObject({ length: 5 });
    expect(parseHead(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n'), 10)).toMatchObject({ status: 413 });
    expect(parseHead(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'), 10)).toMatchObject({ status: 400 });
    expect(parseHead(Buffer.from('x'.repeat(HEAD_BYTES_MAX + 1)), 10)).toMatchObject({ status: 431 });
  });

  it('parseChunked: waits for every part, then returns the body and where it ends', () => {
    const text = '3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nNEXT';
    for (let n = 0; n < text.length - 4; n++) expect(parseChunked(Buffer.from(text.slice(0, n)), 0, 100), String(n)).toBeNull();
    const c = parseChunked(Buffer.from(text), 0, 100) as { body: Buffer; end: number };
    expect(c.body.toString()).toBe('abcde');
    expect(text.slice(c.end)).toBe('NEXT');
    expect(parseChunked(Buffer.from('3\r\nabcX\r\n'), 0, 100)).toMatchObject({ status: 400 });
    expect(parseChunked(Buffer.from('3\r\nabc\r\n2\r\nde\r\n'), 0, 4)).toMatchObject({ status: 413 });
  });
});

interface Raw {
  status: number;
  head: string;
  body: string;
}

/** A listening WireServer that answers each request with its URL once `before` is done with it. */
async function echoServer(before: (req: WireRequest, self: WireServer) => Promise<void> | void): Promise<WireServer> {
  const w: WireServer = new WireServer({
    handle: async (req) => {
      await before(req, w);
      return { status: 200, headers: {}, body: req.url };
    },
    refuse: (status, message) => ({ status, headers: {}, body: message }),
    bodyLimit: 1024,
  });
  await w.listen(0, '127.0.0.1');
  return w;
}

/** A raw connection: what it received as text, whether it closed, and helpers to wait for answers. */
async function open(p = port) {
  const sock: Socket = connect(p, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const s = {
    sock,
    text: '',
    closed: false,
    waiters: [] as (() => void)[],
    async until(done: (text: string) => boolean): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (!done(s.text)) {
        if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(s.text.slice(0, 300))}`);
        await new Promise<void>((r) => {
          s.waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    /** Waits for n complete answers and takes them off the received text. */
    async answers(n: number): Promise<Raw[]> {
      const out: Raw[] = [];
      await s.until(() => {
        for (;;) {
          if (out.length === n) return true;
          const he = s.text.indexOf('\r\n\r\n');
          if (he < 0) return false;
          const head = s.text.slice(0, he).toLowerCase();
          const len = Number(/\r\ncontent-length: (\d+)/.exec(head)?.[1] ?? 0);
          if (Buffer.byteLength(s.text) < he + 4 + len) return false;
          const status = Number(head.slice(9, 12));
          if (status === 100) {
            s.text = s.text.slice(he + 4);
            continue;
          }
          out.push({ status, head, body: s.text.slice(he + 4, he + 4 + len) });
          s.text = s.text.slice(he + 4 + len);
        }
      });
      return out;
    },
  };
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    s.text += d;
    for (const w of s.waiters.splice(0)) w();
  });
  sock.on('close', () => {
    s.closed = true;
    for (const w of s.waiters.splice(0)) w();
  });
  sock.on('error', () => {});
  return s;
}
