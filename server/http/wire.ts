// HTTP/1.1 on node:net, for the API's listening socket.
//
// Why not node:http: on this project's 2-CPU machines node:http's server
// spends about 0.07-0.09 ms of CPU per small keep-alive request (Fastify adds
// little to that), against about 0.03 ms for framing the same requests by
// hand over node:net (a side-by-side probe; docs/performance.md, session 15).
// A standalone node's INSERTs are bound by its one thread, so that is a fifth
// of its budget. This module frames requests and answers; what an answer
// says is the handler's business (app.ts).
//
// What it accepts (RFC 9112): a request line `METHOD target HTTP/1.x`, header
// lines `name: value` (no obsolete line folding), a head of at most
// HEAD_BYTES_MAX bytes, and a body framed by Content-Length or by chunked
// transfer coding (chunk extensions and trailers are read and dropped), of at
// most `bodyLimit` bytes. HTTP/1.1 requests must carry Host. `Expect:
// 100-continue` gets its interim answer when the body is still to come.
// Requests on one connection are answered in order (pipelining): the next
// one is not parsed before the previous answer is written, and not before the
// client has read enough of the answers for the socket to drain. A connection
// persists by HTTP/1.1's default (HTTP/1.0: only with `Connection:
// keep-alive`) and closes after an answer to `Connection: close`, after
// `idleMs` with nothing to do, and when a request it began is not complete
// within `requestMs` (slow senders hold no connection for long). Answers
// carry Date and Content-Length; the handler gives the rest.
//
// What it refuses, with an answer and then the connection closed (framing
// is lost after them): a malformed request line or header (400), a head
// over the limit (431), an HTTP version other than 1.0 or 1.1 (505), a
// transfer coding other than chunked (501), Content-Length together with
// Transfer-Encoding or two different Content-Lengths (400, the request
// smuggling guard), a body over the limit (413). The refusal itself comes
// from the options' `refuse` (so it carries the API's error shape and
// status); the close is graceful (FIN, then unread input is discarded
// for a moment), so the client can read the answer before the socket goes.

import { createServer, type Server, type Socket } from 'node:net';

/** A complete request. `headers` has lower-case names; repeated fields are joined with ", ". */
export interface WireRequest {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  /** "1.0" or "1.1". */
  version: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** An answer. `headers` must not include Content-Length, Connection or Transfer-Encoding: the framing is this module's. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** The Content-Length to announce for a HEAD request, whose body is not sent: that of the GET it mirrors. Default: the body's length. */
  headLength?: number;
}

export interface WireOptions {
  /** Answers one well-framed request. It should not reject: a rejection is a bug, reported to `onError`, and the connection is dropped. */
  handle(req: WireRequest): Promise<WireResponse>;
  /** The answer to a request refused at the framing level; `status` is HTTP's for the failure (400, 413, 431, 501 or 505), which the answer may keep or not. */
  refuse(status: number, message: string): WireResponse;
  /** Largest body accepted, in bytes (after chunked decoding). */
  bodyLimit: number;
  /** A connection idle this long with no request in flight is closed. Default 72 s (Fastify's keep-alive default). */
  idleMs?: number;
  /** How long a client may take to send one whole request once it began, or its connection is closed. Default 60 s (node:http's limit for a head). */
  requestMs?: number;
  onError?(err: unknown): void;
}

/** Largest request head (request line and headers), as node:http's default. */
export const HEAD_BYTES_MAX = 16 * 1024;

const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^\s\x00-\x1f\x7f]+) HTTP\/(\d)\.(\d)$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** How long a refused connection keeps reading (and dropping) input after its answer, so that the answer is not lost to a reset. */
const LINGER_MS = 2_000;

const REASONS: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** A framing failure: answered with `status` and the connection closed. */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

interface Head {
  method: string;
  url: string;
  version: string;
  headers: Record<string, string>;
  /** Bytes of the head including its blank line. */
  size: number;
  /** Content-Length, or -1 for a chunked body. */
  length: number;
  keepAlive: boolean;
  expectContinue: boolean;
}

/** Parses the head at the start of `buf`: null when it is not complete yet. */
export function parseHead(buf: Buffer, bodyLimit: number): Head | Refusal | null {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return buf.length > HEAD_BYTES_MAX ? new Refusal(431, `request head over ${HEAD_BYTES_MAX} bytes`) : null;
  if (end + 4 > HEAD_BYTES_MAX) return new Refusal(431, `request head over ${HEAD_BYTES_MAX} bytes`);
  const text = buf.toString('latin1', 0, end);
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const m = REQUEST_LINE.exec(eol === text.length ? text : text.slice(0, eol));
  if (!m) return new Refusal(400, 'malformed request line');
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) return new Refusal(505, `HTTP/${m[3]}.${m[4]} is not supported`);
  const version = m[4] === '1' ? '1.1' : '1.0';
  const headers: Record<string, string> = {};
  // The fields framing depends on, gathered in the same pass.
  let length = -1;
  let chunked = false;
  let conn = '';
  let expect = '';
  for (let at = eol + 2; at < text.length; ) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > next) return new Refusal(400, 'malformed header line');
    const name = text.slice(at, colon).toLowerCase();
    const value = text.slice(colon + 1, next).trim();
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) return new Refusal(400, 'malformed header line');
    switch (name) {
      case 'content-length': {
        // A list ("5, 5") is allowed when every member is the same number (RFC 9110, 8.6).
        for (const v of value.includes(',') ? value.split(',') : [value]) {
          const t = v.trim();
          if (!/^\d{1,15}$/.test(t) || (length >= 0 && Number(t) !== length)) return new Refusal(400, 'malformed Content-Length');
          length = Number(t);
        }
        break;
      }
      case 'transfer-encoding':
        if (chunked || value.toLowerCase() !== 'chunked') return new Refusal(501, `transfer coding ${JSON.stringify(value)} is not supported`);
        chunked = true;
        break;
      case 'connection':
        conn += `,${value.toLowerCase()}`;
        break;
      case 'expect':
        expect = value.toLowerCase();
        break;
    }
    const prev = headers[name];
    headers[name] = prev === undefined ? value : `${prev}, ${value}`;
    at = next + 2;
  }
  if (version === '1.1' && headers.host === undefined) return new Refusal(400, 'HTTP/1.1 request without Host');
  if (chunked && length >= 0) return new Refusal(400, 'both Content-Length and Transfer-Encoding');
  if (length > bodyLimit) return new Refusal(413, `request body is larger than ${bodyLimit} bytes`);
  const keepAlive = version === '1.1' ? conn === '' || !/,\s*close\s*(,|$)/.test(conn) : /,\s*keep-alive\s*(,|$)/.test(conn);
  return { method: m[1]!, url: m[2]!, version, headers, size: end + 4, length: chunked ? -1 : Math.max(length, 0), keepAlive, expectContinue: version === '1.1' && expect === '100-continue' };
}

/**
 * Decodes a chunked body starting at `from`: the body and the offset just past
 * the trailers, null when more bytes are needed.
 */
export function parseChunked(buf: Buffer, from: number, bodyLimit: number): { body: Buffer; end: number } | Refusal | null {
  const parts: Buffer[] = [];
  let total = 0;
  let i = from;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, i);
    if (lineEnd < 0) return buf.length - i > 1024 ? new Refusal(400, 'malformed chunk size') : null;
    const sizeText = buf.toString('latin1', i, lineEnd).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return new Refusal(400, 'malformed chunk size');
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      // Trailer fields, dropped, up to the empty line.
      let t = lineEnd + 2;
      for (;;) {
        const e = buf.indexOf(CRLF, t);
        if (e < 0) return buf.length - t > HEAD_BYTES_MAX ? new Refusal(431, 'trailers too large') : null;
        if (e === t) return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), end: e + 2 };
        t = e + 2;
      }
    }
    total += size;
    if (total > bodyLimit) return new Refusal(413, `request body is larger than ${bodyLimit} bytes`);
    const dataEnd = lineEnd + 2 + size;
    if (buf.length < dataEnd + 2) return null;
    if (buf[dataEnd] !== 13 || buf[dataEnd + 1] !== 10) return new Refusal(400, 'malformed chunk');
    parts.push(buf.subarray(lineEnd + 2, dataEnd));
    i = dataEnd + 2;
  }
}

/**
 * Connections whose answers wait for the end of this turn of the event loop.
 * On loopback a socket write does the receiving side's work as well
 * (delivering the segment, waking the client's thread), and waking a client
 * that went to sleep costs more than the write itself. A standalone node's
 * point SELECTs each finish in about 0.1 ms of their own, so answers written
 * as each one finished reached a client that had gone back to sleep, and the
 * write system call took about four times what one does in a burst. Held
 * until setImmediate (the check phase, which follows this turn's I/O
 * callbacks), the turn's answers leave back to back. An answer waits at most
 * until the check phase of the loop iteration it was made in: the loop does
 * not block for input while an immediate is pending, so no answer waits for
 * a client or a timer, only for the statements already readable. Answers
 * made in the check phase itself (by the disk's completion callbacks) are
 * sent by the disk calling sendHeldAnswers when its callbacks are done; an
 * immediate queued then would run only after the next turn's input.
 */
let held: Connection[] = [];

/** Sends every answer held so far. Runs at setImmediate after an answer is held; callers that end a burst of answers outside the poll phase call it too. */
export function sendHeldAnswers(): void {
  const conns = held;
  held = [];
  for (const c of conns) c.release();
}

/** One client connection: bytes in, requests out one at a time, answers back in order. */
class Connection {
  /**
   * Input not yet framed, in arrival order, joined only when a step needs it
   * whole: a body framed by Content-Length is copied once when it is all
   * there; a chunked one is joined and rescanned as pieces arrive (rare, and
   * bounded by bodyLimit).
   */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private head: Head | null = null;
  private continued = false;
  /** A request is with the handler; input waits in `parts` until its answer is written. */
  private busy = false;
  private closing = false;
  /** Armed while a request is partly received: the client has `requestMs` to send the rest. */
  private partial: ReturnType<typeof setTimeout> | null = null;
  /** Corked by hold() and listed in `held` until the turn ends. */
  private held = false;

  constructor(
    private readonly sock: Socket,
    private readonly o: WireOptions,
    server: WireServer,
  ) {
    sock.setNoDelay(true);
    sock.setTimeout(o.idleMs ?? 72_000);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('timeout', () => {
      if (!this.busy) this.destroyNow();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.disarm();
      server.forget(this);
    });
  }

  /** Closes now unless a request is with the handler; then after its answer. A partly received request is dropped. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy) this.destroyNow();
  }

  /** Destroys the socket, first sending an answer hold() still keeps: one already made is never dropped. */
  private destroyNow(): void {
    if (this.held) this.release();
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    if (this.closing && this.sock.writableEnded) return; // lingering after a refusal: input is dropped
    this.parts.push(d);
    this.partsBytes += d.length;
    if (this.busy) {
      // Pipelined input waits; stop reading if a client sends far ahead.
      if (this.partsBytes > this.o.bodyLimit + HEAD_BYTES_MAX) this.sock.pause();
      return;
    }
    this.pump();
  }

  /** The unframed input as one buffer. */
  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.partsBytes)];
    return this.parts[0]!;
  }

  /** Parses and dispatches the next request in the input, if it is complete and none is with the handler. */
  private pump(): void {
    if (this.busy || this.partsBytes === 0 || this.closing) return;
    if (this.head === null) {
      const h = parseHead(this.joined(), this.o.bodyLimit);
      if (h === null) return this.incomplete();
      if (h instanceof Refusal) return this.refuse(h);
      this.head = h;
      this.continued = false;
    }
    const h = this.head;
    let body: Buffer;
    let end: number;
    let buf: Buffer;
    if (h.length >= 0) {
      end = h.size + h.length;
      if (this.partsBytes < end) return this.incomplete();
      buf = this.joined();
      body = buf.subarray(h.size, end);
    } else {
      buf = this.joined();
      const c = parseChunked(buf, h.size, this.o.bodyLimit);
      if (c === null) return this.incomplete();
      if (c instanceof Refusal) return this.refuse(c);
      body = c.body;
      end = c.end;
    }
    this.disarm();
    if (end < buf.length) {
      this.parts[0] = buf.subarray(end);
      this.partsBytes = buf.length - end;
    } else {
      this.parts = [];
      this.partsBytes = 0;
    }
    this.head = null;
    this.busy = true;
    const req: WireRequest = { method: h.method, url: h.url, version: h.version, headers: h.headers, body };
    let answered: Promise<WireResponse>;
    try {
      answered = this.o.handle(req);
    } catch (e) {
      answered = Promise.reject(e);
    }
    answered.then(
      (res) => this.answer(h, res),
      (err) => {
        this.busy = false;
        this.o.onError?.(err);
        this.sock.destroy();
      },
    );
  }

  /** More input is needed: say 100 Continue if the client waits for it, and bound how long the rest may take. */
  private incomplete(): void {
    if (this.head?.expectContinue && !this.continued) {
      this.continued = true;
      this.sock.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    if (this.partial === null) this.partial = setTimeout(() => this.sock.destroy(), this.o.requestMs ?? 60_000).unref();
  }

  private disarm(): void {
    if (this.partial !== null) clearTimeout(this.partial);
    this.partial = null;
  }

  private answer(h: Head, res: WireResponse): void {
    this.busy = false;
    if (this.sock.destroyed) return;
    const keepAlive = h.keepAlive && !this.closing;
    this.write(res, h.method === 'HEAD', keepAlive ? (h.version === '1.0' ? 'connection: keep-alive\r\n' : '') : 'connection: close\r\n');
    if (!keepAlive) {
      this.closing = true;
      this.sock.end();
      return;
    }
    if (this.sock.writableNeedDrain) {
      // The client is not reading its answers: read no further requests until it does.
      this.sock.pause();
      this.sock.once('drain', () => {
        this.sock.resume();
        this.pump();
      });
      return;
    }
    if (this.sock.isPaused()) this.sock.resume();
    this.pump();
  }

  /**
   * Keeps this connection's output in its buffer until the current turn of
   * the event loop ends (see sendHeldAnswers). write() calls it before every
   * answer: the answer is complete in the socket's buffer at once and goes
   * to the kernel when the turn ends, or earlier when the socket is ended or
   * destroyed (destroyNow).
   */
  private hold(): void {
    if (this.held) return;
    this.held = true;
    this.sock.cork();
    held.push(this);
    if (held.length === 1) setImmediate(sendHeldAnswers);
  }

  /** Sends what hold() kept. A destroyed or ended socket ignores it (end() already flushed). */
  release(): void {
    this.held = false;
    this.sock.uncork();
  }

  /** Writes an answer: status line, the handler's headers, Date unless given, Content-Length, `extra` (whole lines), the body unless `headOnly`. */
  private write(res: WireResponse, headOnly: boolean, extra: string): void {
    this.hold();
    let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? ''}\r\n`;
    for (const k in res.headers) head += `${k}: ${res.headers[k]}\r\n`;
    if (res.headers.date === undefined) head += `date: ${httpDate()}\r\n`;
    const length = headOnly && res.headLength !== undefined ? res.headLength : typeof res.body === 'string' ? Buffer.byteLength(res.body) : res.body.length;
    head += `content-length: ${length}\r\n${extra}\r\n`;
    if (headOnly) this.sock.write(head);
    else if (typeof res.body === 'string') this.sock.write(head + res.body);
    else {
      this.sock.cork();
      this.sock.write(head);
      this.sock.write(res.body);
      this.sock.uncork();
    }
  }

  /** Answers a framing failure and closes: the rest of the input cannot be framed. */
  private refuse(r: Refusal): void {
    this.closing = true;
    this.disarm();
    this.parts = [];
    this.partsBytes = 0;
    this.head = null;
    this.write(this.o.refuse(r.status, r.message), false, 'connection: close\r\n');
    this.sock.end();
    if (this.sock.isPaused()) this.sock.resume();
    setTimeout(() => this.sock.destroy(), LINGER_MS).unref();
  }
}

let dateSecond = -1;
let dateText = '';

/** The current time as an HTTP date (RFC 9110, 5.6.7), made once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** The listening socket and its connections. */
export class WireServer {
  private readonly conns = new Set<Connection>();
  private readonly server: Server;

  constructor(o: WireOptions) {
    this.server = createServer((sock) => this.conns.add(new Connection(sock, o, this)));
  }

  /** Listens; rejects when the address cannot be bound. */
  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound address (for a server listening on port 0). */
  address(): { address: string; port: number } {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return { address: a.address, port: a.port };
  }

  forget(c: Connection): void {
    this.conns.delete(c);
  }

  /** Stops accepting, closes idle connections at once and busy ones after their answer; resolves when all are gone. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.conns) c.shutdown();
    });
  }
}
