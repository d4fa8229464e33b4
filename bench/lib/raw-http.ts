// A lean HTTP/1.1 client for the load generator: keep-alive connections over
// node:net, one request in flight per connection (a closed loop of N workers
// holds N connections per origin), each request written as one string and
// each answer parsed by hand.
//
// Why it exists: the load generator shares the machine's 2 CPUs with the
// systems it measures, and node:http's client spends ~0.2 ms of CPU per request
// at 64 clients (bench/results: `cpuMsPerOp.loadgen`), about as much as the
// standalone server spends answering it, while PostgreSQL's pgbench (C) spends
// a small fraction of that. CPU the client burns is CPU the measured system
// does not get, so the bench's HTTP client should be as cheap as it can be.
// etcd's JSON gateway and CamusDB are measured with the same client.
//
// What it understands of a response: a status line, headers, and a body framed
// by Content-Length or chunked transfer coding (etcd's Go gateway may chunk);
// 1xx, 204 and 304 answers have no body; `Connection: close` retires the
// socket after the answer. Anything else (no framing, a malformed status
// line) fails the request and closes the socket. An interim 1xx answer is
// not waited past: the bench never sends `Expect`, so none comes.

import { Socket } from 'node:net';

interface Pending {
  resolve(text: string): void;
  reject(err: Error): void;
  url: string;
  deadline: number;
}

/** One keep-alive connection; idle when `pending` is null. */
class Conn {
  readonly sock: Socket;
  pending: Pending | null = null;
  /** Bytes of the answer received so far (usually the whole answer arrives in one chunk). */
  private buf: Buffer | null = null;
  dead = false;

  constructor(
    private readonly pool: Pool,
    host: string,
    port: number,
  ) {
    this.sock = new Socket();
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', (e) => this.fail(e));
    this.sock.on('close', () => this.fail(new Error('connection closed')));
    this.sock.connect(port, host);
  }

  send(head: string, body: string, p: Pending): void {
    this.pending = p;
    this.sock.write(head + body);
  }

  /** Takes the connection out of the pool for good: closed gracefully after a whole answer, destroyed otherwise. */
  private retire(graceful: boolean): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    if (graceful) this.sock.end();
    else this.sock.destroy();
  }

  fail(err: Error): void {
    this.retire(false);
    const p = this.pending;
    this.pending = null;
    if (p) p.reject(err);
  }

  private onData(d: Buffer): void {
    const p = this.pending;
    if (!p) return this.fail(new Error('data from the server with no request in flight'));
    const buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    const parsed = parseResponse(buf);
    if (parsed === null) {
      this.buf = buf;
      return;
    }
    this.buf = null;
    if (parsed instanceof Error) return this.fail(parsed);
    this.pending = null;
    if (parsed.close) this.retire(true);
    else this.pool.release(this);
    if (parsed.status < 200 || parsed.status > 299) p.reject(new Error(`HTTP ${parsed.status} from ${p.url}: ${parsed.body.slice(0, 200)}`));
    else p.resolve(parsed.body);
  }
}

interface Response {
  status: number;
  body: string;
  close: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** A whole response in `buf`, null when more bytes are needed, or an Error when it cannot be parsed. */
export function parseResponse(buf: Buffer): Response | Error | null {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return buf.length > 64 * 1024 ? new Error('response head over 64 KiB') : null;
  const head = buf.toString('latin1', 0, headEnd);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m) return new Error(`malformed status line: ${JSON.stringify(head.slice(0, 60))}`);
  const status = Number(m[1]);
  const lower = head.toLowerCase();
  const close = /\r\nconnection: *close/.test(lower);
  const bodyStart = headEnd + 4;
  // These answers never carry a body, whatever their headers say (RFC 9112, 6.3).
  if (status < 200 || status === 204 || status === 304) return { status, body: '', close };
  const len = /\r\ncontent-length: *(\d+)/.exec(lower);
  if (len) {
    const end = bodyStart + Number(len[1]);
    if (buf.length < end) return null;
    return { status, body: buf.toString('utf8', bodyStart, end), close };
  }
  if (/\r\ntransfer-encoding: *chunked/.test(lower)) {
    const parts: Buffer[] = [];
    let i = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', i);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', i, lineEnd), 16);
      if (!Number.isFinite(size)) return new Error('malformed chunk size');
      const dataStart = lineEnd + 2;
      if (size === 0) {
        // Trailers are not expected; the terminating chunk ends with an empty line.
        if (buf.length < dataStart + 2) return null;
        return { status, body: Buffer.concat(parts).toString('utf8'), close };
      }
      if (buf.length < dataStart + size + 2) return null;
      parts.push(buf.subarray(dataStart, dataStart + size));
      i = dataStart + size + 2;
    }
  }
  return new Error('response with neither Content-Length nor chunked framing');
}

/** The connections to one origin: idle ones are reused most recently released first. */
class Pool {
  private readonly idle: Conn[] = [];
  readonly all = new Set<Conn>();

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  take(): Conn {
    const c = this.idle.pop() ?? new Conn(this, this.host, this.port);
    this.all.add(c);
    return c;
  }

  release(c: Conn): void {
    this.idle.push(c);
  }

  forget(c: Conn): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  destroy(): void {
    for (const c of [...this.all]) c.fail(new Error('client closed'));
  }
}

const pools = new Map<string, Pool>();
const heads = new Map<string, { pool: Pool; prefix: string }>();

/**
 * Timeouts are checked by one sweep a second over the requests in flight
 * rather than by a timer per request, which would cost more than the rest of
 * the request's client work.
 */
let sweeper: NodeJS.Timeout | null = null;
function sweep(): void {
  const now = performance.now();
  let inFlight = 0;
  for (const pool of pools.values()) {
    for (const c of [...pool.all]) {
      if (!c.pending) continue;
      inFlight++;
      if (now > c.pending.deadline) c.fail(new Error(`timeout: no answer by the deadline from ${c.pending.url}`));
    }
  }
  if (inFlight === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** POSTs `body` (JSON) to `url` and returns the answer's text; rejects on a non-2xx answer, a broken connection or a timeout. */
export function rawPost(url: string, body: string, timeoutMs: number): Promise<string> {
  let h = heads.get(url);
  if (!h) {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`only http: URLs: ${url}`);
    const key = `${u.hostname}:${u.port || 80}`;
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = new Pool(u.hostname, Number(u.port || 80))));
    h = { pool, prefix: `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${key}\r\nContent-Type: application/json\r\nContent-Length: ` };
    heads.set(url, h);
  }
  const head = h.prefix + Buffer.byteLength(body) + '\r\n\r\n';
  const conn = h.pool.take();
  if (!sweeper) sweeper = setInterval(sweep, 1000).unref();
  return new Promise((resolve, reject) => conn.send(head, body, { resolve, reject, url, deadline: performance.now() + timeoutMs }));
}

/** Closes every connection (so the process can exit promptly); requests in flight fail. */
export function rawClose(): void {
  for (const p of pools.values()) p.destroy();
  pools.clear();
  heads.clear();
  if (sweeper) clearInterval(sweeper);
  sweeper = null;
}
