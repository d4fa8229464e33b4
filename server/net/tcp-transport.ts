// Node-to-node messages over TCP (node:net): the real world's Network.
//
// Connections are one-way. A node dials each peer it sends to (lazily, on the
// first send) and writes only on that connection; it reads only on the
// connections peers dialed to it. So two nodes hold two connections, and there
// is never a race over which of two simultaneous dials survives.
//
// Delivery is best effort, as core/io.ts promises: send() never throws and
// never blocks. It encodes the message and queues it for its peer; queued
// frames go out together, one socket write per turn (batched). A queue holds
// at most queueBytesMax bytes; beyond that new messages are dropped and
// counted, since Raft and the router retry, and a queue that grew without
// bound behind a dead peer would only take the node down with it. While the
// socket's own buffer is full (no 'drain' yet) frames wait in the queue, so
// memory per peer stays below about twice queueBytesMax. A broken connection
// is redialed with exponential backoff and jitter; frames already handed to
// the old socket are lost, queued ones go out on the next connection.
//
// Threat model. The handshake (see frames.ts) proves that both ends hold the
// cluster secret and are the node ids they claim, so a stranger, a node of
// another cluster, or a node with a wrong id or address cannot inject
// messages, and a message whose `from` differs from its connection's proven
// id is dropped. It is not encryption or per-frame integrity: anyone on the
// path can read traffic and can hijack an established TCP connection. Run the
// cluster on a trusted network (or inside a VPN/WireGuard) for that.

import { createServer, type Server, type Socket } from 'node:net';
import type { NodeMessage } from '../../core/cluster/host.js';
import { decodeNodeMessage, encodeNodeMessage, type ResultCodec } from '../../core/cluster/wire.js';
import type { Network } from '../../core/io.js';
import { DecodeError } from '../../core/util/codec.js';
import * as F from './frames.js';
import { Outbound, type PeerStats } from './outbound.js';

export type { PeerStats } from './outbound.js';

export interface TransportLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface TcpTransportOptions {
  id: number;
  listenHost: string;
  /** 0 picks a free port; `port` tells which after start(). */
  listenPort: number;
  /** Every other node's address. An entry for this node itself is ignored (sends to self loop back). */
  peers: ReadonlyMap<number, { host: string; port: number }>;
  /** The shared cluster secret; must not be empty. */
  secret: string;
  results: ResultCodec;
  onMessage: (m: NodeMessage) => void;
  log?: TransportLog;
  /** Bytes queued per peer before new messages are dropped (default 8 MiB). */
  queueBytesMax?: number;
  reconnectMsMin?: number;
  reconnectMsMax?: number;
  /** How long a connection may take to authenticate before it is closed (default 5 s). */
  handshakeTimeoutMs?: number;
}

const QUIET: TransportLog = { info: () => {}, warn: () => {} };

export class TcpTransport implements Network<NodeMessage> {
  private readonly log: TransportLog;
  private readonly outbound = new Map<number, Outbound>();
  /** Accepted connections; the value is the proven peer id, or 0 before the handshake completes. */
  private readonly inbound = new Map<Socket, number>();
  private readonly received = new Map<number, number>();
  private server: Server | null = null;
  private stopped = false;
  /** Connections refused at the handshake or closed for a protocol error. */
  rejectedConnections = 0;

  constructor(private readonly opts: TcpTransportOptions) {
    if (!opts.secret) throw new Error('TcpTransport: the cluster secret must not be empty');
    this.log = opts.log ?? QUIET;
  }

  /** The port listened on (the chosen one when listenPort was 0). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.opts.listenPort;
  }

  async start(): Promise<void> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listenPort, this.opts.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.warn({ err: e.message }, 'transport: listener error'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const o of this.outbound.values()) o.stop();
    for (const s of this.inbound.keys()) s.destroy();
    this.inbound.clear();
    const server = this.server;
    this.server = null;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  send(to: number, msg: NodeMessage): void {
    if (this.stopped) return;
    const self = to === this.opts.id;
    const peer = self ? undefined : this.peer(to);
    if (!self && !peer) {
      this.log.warn({ to }, 'transport: send to an unknown node dropped');
      return;
    }
    let payload: Uint8Array;
    try {
      payload = encodeNodeMessage(msg, this.opts.results);
    } catch (e) {
      // A message the codec cannot carry is a bug upstream, but send() must not fail the sender's event.
      this.log.warn({ to, type: msg.type, err: String(e) }, 'transport: message could not be encoded; dropped');
      if (peer) peer.dropped++;
      return;
    }
    if (peer) return peer.enqueue(payload);
    // To ourselves: a later event, through the codec, so the copy shares no memory with the sender's message.
    const copy = decodeNodeMessage(payload, this.opts.results);
    setImmediate(() => !this.stopped && this.opts.onMessage(copy));
  }

  stats(): PeerStats[] {
    const inboundBy = new Map<number, number>();
    for (const id of this.inbound.values()) if (id) inboundBy.set(id, (inboundBy.get(id) ?? 0) + 1);
    const out: PeerStats[] = [];
    for (const id of [...this.opts.peers.keys()].sort((a, b) => a - b)) {
      if (id === this.opts.id) continue;
      const o = this.peer(id)!.stats();
      out.push({ ...o, inbound: inboundBy.get(id) ?? 0, received: this.received.get(id) ?? 0 });
    }
    return out;
  }

  private peer(id: number): Outbound | undefined {
    let o = this.outbound.get(id);
    if (!o && this.opts.peers.has(id)) {
      o = new Outbound(id, {
        address: () => this.opts.peers.get(id),
        self: this.opts.id,
        secret: this.opts.secret,
        log: this.log,
        queueBytesMax: this.opts.queueBytesMax ?? 8 << 20,
        reconnectMsMin: this.opts.reconnectMsMin ?? 50,
        reconnectMsMax: this.opts.reconnectMsMax ?? 2000,
        handshakeTimeoutMs: this.opts.handshakeTimeoutMs ?? 5000,
      });
      this.outbound.set(id, o);
    }
    return o;
  }

  private accept(s: Socket): void {
    if (this.stopped) return void s.destroy();
    this.inbound.set(s, 0);
    s.setNoDelay(true);
    s.setKeepAlive(true, 10_000);
    const remote = `${s.remoteAddress}:${s.remotePort}`;
    const nonce = F.newNonce();
    const reader = new F.FrameReader(F.HANDSHAKE_FRAME_BYTES_MAX);
    let peer = 0;
    let spoofWarned = false;
    const reject = (why: string, extra: object = {}) => {
      if (s.destroyed) return;
      this.rejectedConnections++;
      this.log.warn({ remote, peer, ...extra }, `transport: connection refused: ${why}`);
      s.destroy();
    };
    const timer = setTimeout(() => reject('no valid hello in time'), this.opts.handshakeTimeoutMs ?? 5000);
    s.on('close', () => {
      clearTimeout(timer);
      this.inbound.delete(s);
    });
    s.on('error', () => {}); // 'close' follows; resets from departing peers are routine.
    s.write(F.frame(F.encodeChallenge({ acceptor: this.opts.id, nonce })));
    s.on('data', (chunk: Buffer) => {
      reader.append(chunk);
      for (;;) {
        if (s.destroyed) return;
        let f: Buffer | null;
        try {
          f = reader.next();
        } catch (e) {
          return reject((e as Error).message);
        }
        if (!f) return;
        if (peer === 0) {
          peer = this.verifyHello(f, nonce, reject);
          if (peer === 0) return;
          clearTimeout(timer);
          reader.max = F.FRAME_BYTES_MAX;
          this.inbound.set(s, peer);
          // A peer that reconnected leaves its old connection behind; close it so half-open ones do not pile up.
          for (const [other, id] of this.inbound) if (id === peer && other !== s) other.destroy();
          s.write(F.frame(F.encodeWelcome(F.proof(this.opts.secret, 'welcome', nonce, peer, this.opts.id))));
          this.log.info({ remote, peer }, 'transport: peer connected');
          continue;
        }
        let m: NodeMessage;
        try {
          m = decodeNodeMessage(f, this.opts.results);
        } catch (e) {
          if (e instanceof DecodeError) return reject(`undecodable message: ${e.message}`);
          throw e;
        }
        if (m.from !== peer) {
          if (!spoofWarned) this.log.warn({ remote, peer, from: m.from }, 'transport: message with a foreign sender id dropped');
          spoofWarned = true;
          continue;
        }
        this.received.set(peer, (this.received.get(peer) ?? 0) + 1);
        if (!this.stopped) this.opts.onMessage(m);
      }
    });
  }

  /** Checks a hello frame; returns the proven peer id, or 0 after refusing the connection. */
  private verifyHello(f: Buffer, nonce: Uint8Array, reject: (why: string, extra?: object) => void): number {
    let h: F.Hello;
    try {
      h = F.decodeHello(f);
    } catch (e) {
      if (e instanceof DecodeError) reject(`bad hello: ${e.message}`);
      else throw e;
      return 0;
    }
    if (h.to !== this.opts.id) reject('hello addressed to another node id', { to: h.to });
    else if (h.from === this.opts.id || h.from === 0 || !this.opts.peers.has(h.from)) reject('unknown node id', { from: h.from });
    else if (!F.proofMatches(h.proof, F.proof(this.opts.secret, 'hello', nonce, h.from, h.to))) reject('wrong cluster secret', { from: h.from });
    else return h.from;
    return 0;
  }
}
