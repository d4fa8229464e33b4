// Framing and the connection handshake of the node-to-node TCP transport.
//
// A frame is a 4-byte big-endian payload length, then the payload. Lengths of
// 0 or above the reader's cap are protocol errors: the connection is closed
// rather than resynchronized, since after a bad length nothing that follows
// can be trusted.
//
// Handshake (the dialer D connects to the acceptor A):
//   A -> D  challenge  {magic, version, kind 1, A's id, 32-byte random nonce}
//   D -> A  hello      {magic, version, kind 2, from D, to A, proof}
//   A -> D  welcome    {magic, version, kind 3, proof'}
// proof = HMAC-SHA256(secret, "camusdb/hello" | nonce | from | to), proof' the
// same with "camusdb/welcome". Each side thereby shows it holds the cluster
// secret without sending it, and a fresh nonce per connection means a
// recorded hello cannot be replayed. Binding `to` in the proof makes a dialer
// that reached the wrong node (a misconfigured address) fail loudly.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DecodeError, Reader, Writer } from '../../core/util/codec.js';

/** The largest frame a connection accepts once authenticated (a snapshot travels in one frame). */
export const FRAME_BYTES_MAX = 64 << 20;
/** The largest frame before authentication: handshake frames are tiny, so strangers cannot make us buffer much. */
export const HANDSHAKE_FRAME_BYTES_MAX = 1024;

const MAGIC = Uint8Array.from([0x43, 0x4d, 0x44, 0x42]); // "CMDB"
export const HANDSHAKE_VERSION = 1;
const NONCE_BYTES = 32;

/** A protocol violation on a connection: it must be closed. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** The 4-byte length header of a frame whose payload has `len` bytes. */
export function frameHeader(len: number): Buffer {
  const h = Buffer.allocUnsafe(4);
  h.writeUInt32BE(len, 0);
  return h;
}

/** Reassembles frames from a byte stream; `max` may be raised between frames (after the handshake). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  /** The payload length of the frame being read, or -1 while its header is incomplete. */
  private need = -1;

  constructor(public max: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
  }

  /** The next complete payload, or null until more bytes arrive; throws FrameError on a bad length. */
  next(): Buffer | null {
    if (this.need < 0) {
      if (this.have < 4) return null;
      const len = this.take(4).readUInt32BE(0);
      if (len === 0 || len > this.max) throw new FrameError(`bad frame length ${len} (max ${this.max})`);
      this.need = len;
    }
    if (this.have < this.need) return null;
    const payload = this.take(this.need);
    this.need = -1;
    return payload;
  }

  /** Bytes buffered but not yet returned. */
  get buffered(): number {
    return this.have;
  }

  private take(n: number): Buffer {
    this.have -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** One frame (header and payload) as a single buffer. */
export function frame(payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(payload.length), payload]);
}

function start(kind: number): Writer {
  return new Writer(80).raw(MAGIC).u8(HANDSHAKE_VERSION).u8(kind);
}

function open(b: Uint8Array, kind: number): Reader {
  const r = new Reader(b);
  for (const m of MAGIC) if (r.u8() !== m) throw new DecodeError('not a CamusDB node (bad magic)');
  const version = r.u8();
  if (version !== HANDSHAKE_VERSION) throw new DecodeError(`unsupported handshake version ${version}`);
  const k = r.u8();
  if (k !== kind) throw new DecodeError(`expected handshake frame ${kind}, got ${k}`);
  return r;
}

export function proof(secret: string, label: 'hello' | 'welcome', nonce: Uint8Array, from: number, to: number): Buffer {
  return createHmac('sha256', secret).update(new Writer(64).str(`camusdb/${label}`).bytes(nonce).uvar(from).uvar(to).finish()).digest();
}

/** A constant-time comparison of a received proof with the expected one. */
export function proofMatches(got: Uint8Array, want: Buffer): boolean {
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface Challenge {
  readonly acceptor: number;
  readonly nonce: Uint8Array;
}

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function encodeChallenge(c: Challenge): Uint8Array {
  return start(1).uvar(c.acceptor).bytes(c.nonce).finish();
}

export function decodeChallenge(b: Uint8Array): Challenge {
  const r = open(b, 1);
  const c = { acceptor: r.uvar(), nonce: r.bytes() };
  r.end();
  if (c.nonce.length !== NONCE_BYTES) throw new DecodeError('bad nonce');
  return c;
}

export interface Hello {
  readonly from: number;
  readonly to: number;
  readonly proof: Uint8Array;
}

export function encodeHello(h: Hello): Uint8Array {
  return start(2).uvar(h.from).uvar(h.to).bytes(h.proof).finish();
}

export function decodeHello(b: Uint8Array): Hello {
  const r = open(b, 2);
  const h = { from: r.uvar(), to: r.uvar(), proof: r.bytes() };
  r.end();
  return h;
}

export function encodeWelcome(p: Uint8Array): Uint8Array {
  return start(3).bytes(p).finish();
}

export function decodeWelcome(b: Uint8Array): Uint8Array {
  const r = open(b, 3);
  const p = r.bytes();
  r.end();
  return p;
}
