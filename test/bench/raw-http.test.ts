// The bench's lean HTTP client (bench/lib/raw-http.ts): it measures every
// HTTP system the bench compares, so a framing mistake would make a figure
// wrong rather than fail loudly. Checked against hand-written answers and
// against node:http's server (Content-Length, chunked, errors, reuse).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, rawClose, rawPost } from '../../bench/lib/raw-http.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('parseResponse', () => {
  it('reads a Content-Length body and waits for all of it', () => {
    const whole = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}';
    expect(parseResponse(b(whole))).toEqual({ status: 200, body: '{"a":1}', close: false });
    expect(parseResponse(b(whole.slice(0, -1)))).toBeNull();
    expect(parseResponse(b(whole.slice(0, 20)))).toBeNull();
  });

  it('reads a chunked body, split anywhere', () => {
    const whole = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n';
    expect(parseResponse(b(whole))).toEqual({ status: 201, body: 'abcdefg', close: true });
    for (let cut = 1; cut < whole.length; cut++) expect(parseResponse(b(whole.slice(0, cut)))).toBeNull();
  });

  it('decodes the body as UTF-8 by its byte length', () => {
    const body = Buffer.from('{"v":"é€"}', 'utf8');
    const r = parseResponse(Buffer.concat([b(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    expect(r).toEqual({ status: 200, body: '{"v":"é€"}', close: false });
  });

  it('reads no body for 204 and 304', () => {
    expect(parseResponse(b('HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n'))).toEqual({ status: 204, body: '', close: false });
    expect(parseResponse(b('HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n'))).toEqual({ status: 304, body: '', close: false });
  });

  it('refuses what it cannot frame', () => {
    expect(parseResponse(b('HTTP/1.1 200 OK\r\n\r\nbody'))).toBeInstanceOf(Error);
    expect(parseResponse(b('HTTP/2 200\r\ncontent-length: 0\r\n\r\n'))).toBeInstanceOf(Error);
    expect(parseResponse(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toBeInstanceOf(Error);
  });
});

describe('rawPost against node:http', () => {
  let server: Server;
  let base = '';
  let connections = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        if (req.url === '/chunked') {
          res.write('{"part":1,');
          res.end(`"echo":${body}}`);
        } else if (req.url === '/fail') {
          res.statusCode = 400;
          res.end('{"code":"CADB0000"}');
        } else {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ echo: JSON.parse(body), length: req.headers['content-length'] }));
        }
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rawClose();
    await new Promise((r) => server.close(r));
  });

  it('posts JSON and reuses one connection for sequential requests', async () => {
    const before = connections;
    for (let i = 0; i < 20; i++) {
      const text = await rawPost(`${base}/x`, JSON.stringify({ i, s: 'ü' }), 5000);
      expect(JSON.parse(text)).toEqual({ echo: { i, s: 'ü' }, length: String(Buffer.byteLength(JSON.stringify({ i, s: 'ü' }))) });
    }
    expect(connections - before).toBe(1);
  });

  it('opens one connection per request in flight', async () => {
    rawClose();
    const before = connections;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => rawPost(`${base}/x`, String(i), 5000)));
    expect(answers.map((a) => JSON.parse(a).echo)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(connections - before).toBe(8);
  });

  it('reads chunked answers and rejects non-2xx ones with their body', async () => {
    expect(JSON.parse(await rawPost(`${base}/chunked`, '[1]', 5000))).toEqual({ part: 1, echo: [1] });
    await expect(rawPost(`${base}/fail`, '{}', 5000)).rejects.toThrow(/HTTP 400 .*CADB0000/);
    // The connection stays usable after an error answer.
    expect(JSON.parse(await rawPost(`${base}/x`, '2', 5000)).echo).toBe(2);
  });
});
