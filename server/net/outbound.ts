// The sending side of the TCP transport for one peer: a bounded queue of
// encoded messages and the one connection this node dialed to that peer.
//
// States: idle (no connection, nothing to send) -> connecting (dialing and
// handshaking) -> ready (authenticated; queued frames are written) -> on any
// failure backoff (a timer, then dial again if anything is queued, else idle).
// Invariant: at most one socket per peer, and `socket` is the only one whose
// events change the state; events of a replaced socket are ignored.

import { connect, type Socket } from 'node:net';
import * as F from './frames.js';

export interface PeerStats {
  id: number;
  address: string;
  /** An authenticated outbound connection is up. */
  connected: boolean;
  /** Authenticated connections this peer dialed to us. */
  inbound: number;
  /** Messages and bytes waiting for the outbound connection. */
  queued: number;
  queuedBytes: number;
  /** Messages dropped: queue full, too large, or not encodable. */
  dropped: number;
  /** Messages handed to the socket. */
  sent: number;
  /** Socket writes that carried them: batching makes this far smaller than `sent` under load. */
  socketWrites: number;
  /** Messages received from this peer. */
  received: number;
  /** Successful outbound handshakes so far. */
  connects: number;
  lastError: string | null;
}

export interface OutboundOptions {
  /** Read at each dial, so an address can change (or be filled in) after construction. */
  address(): { host: string; port: number } | undefined;
  self: number;
  secret: string;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  queueBytesMax: number;
  reconnectMsMin: number;
  reconnectMsMax: number;
  handshakeTimeoutMs: number;
}

type State = 'idle' | 'connecting' | 'ready' | 'backoff';

export class Outbound {
  private state: State = 'idle';
  private socket: Socket | null = null;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushArmed = false;
  private waitingDrain = false;
  private timer: NodeJS.Timeout | null = null;
  /** Consecutive failed attempts; sets the backoff and is reset by a successful handshake. */
  private failures = 0;
  private stopped = false;
  dropped = 0;
  private sent = 0;
  private socketWrites = 0;
  private connects = 0;
  private lastError: string | null = null;

  constructor(
    readonly id: number,
    private readonly opts: OutboundOptions,
  ) {}

  enqueue(payload: Uint8Array): void {
    if (this.stopped) return;
    if (payload.length > F.FRAME_BYTES_MAX || this.queuedBytes + payload.length > this.opts.queueBytesMax) {
      this.dropped++;
      return;
    }
    this.queue.push(payload);
    this.queuedBytes += payload.length;
    if (this.state === 'idle') this.dial();
    else if (this.state === 'ready') this.armFlush();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue = [];
    this.queuedBytes = 0;
  }

  stats(): Omit<PeerStats, 'inbound' | 'received'> {
    const a = this.opts.address();
    return {
      id: this.id,
      address: a ? `${a.host}:${a.port}` : '',
      connected: this.state === 'ready',
      queued: this.queue.length,
      queuedBytes: this.queuedBytes,
      dropped: this.dropped,
      sent: this.sent,
      socketWrites: this.socketWrites,
      connects: this.connects,
      lastError: this.lastError,
    };
  }

  private dial(): void {
    const addr = this.opts.address();
    if (!addr) return this.fail(null, 'no address for peer');
    let s: Socket;
    try {
      s = connect({ host: addr.host, port: addr.port });
    } catch (e) {
      // A malformed address (a bad port) throws at once; it is a failure like any other, retried with backoff.
      return this.fail(null, (e as Error).message);
    }
    this.state = 'connecting';
    this.socket = s;
    s.setNoDelay(true);
    s.setKeepAlive(true, 10_000);
    const reader = new F.FrameReader(F.HANDSHAKE_FRAME_BYTES_MAX);
    let nonce: Uint8Array | null = null;
    const handshakeTimer = setTimeout(() => this.fail(s, 'handshake timed out'), this.opts.handshakeTimeoutMs);
    s.on('error', (e) => this.fail(s, e.message));
    s.on('close', () => {
      clearTimeout(handshakeTimer);
      this.fail(s, 'connection closed');
    });
    s.on('drain', () => {
      if (s !== this.socket) return;
      this.waitingDrain = false;
      this.flush();
    });
    s.on('data', (chunk: Buffer) => {
      if (s !== this.socket) return;
      reader.append(chunk);
      try {
        for (let f = reader.next(); f; f = reader.next()) {
          if (this.state !== 'connecting') throw new F.FrameError('unexpected frame after the handshake');
          if (!nonce) {
            const c = F.decodeChallenge(f);
            if (c.acceptor !== this.id) throw new F.FrameError(`the address of node ${this.id} answers as node ${c.acceptor}`);
            nonce = c.nonce;
            s.write(F.frame(F.encodeHello({ from: this.opts.self, to: this.id, proof: F.proof(this.opts.secret, 'hello', nonce, this.opts.self, this.id) })));
            continue;
          }
          if (!F.proofMatches(F.decodeWelcome(f), F.proof(this.opts.secret, 'welcome', nonce, this.opts.self, this.id))) {
            throw new F.FrameError('peer does not hold the cluster secret');
          }
          clearTimeout(handshakeTimer);
          this.onReady(addr);
        }
      } catch (e) {
        // A refused or malformed handshake: DecodeError, FrameError, or a failed check above.
        this.fail(s, (e as Error).message, true);
      }
    });
  }

  private onReady(addr: { host: string; port: number }): void {
    this.state = 'ready';
    this.failures = 0;
    this.connects++;
    this.lastError = null;
    this.opts.log.info({ peer: this.id, address: `${addr.host}:${addr.port}` }, 'transport: connected to peer');
    this.flush();
  }

  /**
   * Ends the connection `s` (null: no socket was made) and schedules the next
   * attempt. Ignored for a socket that is no longer current, so the several
   * events one failure raises (error, then close) count once.
   */
  private fail(s: Socket | null, why: string, protocol = false): void {
    if (s !== this.socket || this.stopped) return;
    this.socket = null;
    s?.destroy();
    this.waitingDrain = false;
    // Warn once per outage (or for any protocol error); a down peer would otherwise log every retry.
    if (this.failures === 0 || protocol) this.opts.log.warn({ peer: this.id, err: why }, 'transport: connection to peer failed; retrying with backoff');
    this.lastError = why;
    const base = Math.min(this.opts.reconnectMsMax, this.opts.reconnectMsMin * 2 ** Math.min(this.failures, 30));
    this.failures++;
    // Equal jitter: half the delay fixed, half random, so peers that failed together do not redial together.
    const delay = Math.max(this.opts.reconnectMsMin, base / 2 + (Math.random() * base) / 2);
    this.state = 'backoff';
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (this.queue.length) this.dial();
      else this.state = 'idle';
    }, delay);
  }

  /** Flushes at the end of the current turn, so that every message sent in it shares one socket write. */
  private armFlush(): void {
    if (this.flushArmed) return;
    this.flushArmed = true;
    setImmediate(() => {
      this.flushArmed = false;
      this.flush();
    });
  }

  private flush(): void {
    const s = this.socket;
    if (this.state !== 'ready' || !s || this.waitingDrain || !this.queue.length) return;
    const parts: Uint8Array[] = [];
    for (const p of this.queue) parts.push(F.frameHeader(p.length), p);
    this.sent += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    this.socketWrites++;
    if (!s.write(Buffer.concat(parts))) this.waitingDrain = true;
  }
}
