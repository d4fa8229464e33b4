import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeMessage } from '../../core/cluster/host.js';
import { encodeNodeMessage } from '../../core/cluster/wire.js';
import { PARTITION_RESULT_CODEC } from '../../core/txn/result-codec.js';
import * as F from '../../server/net/frames.js';
import { TcpTransport, type TcpTransportOptions } from '../../server/net/tcp-transport.js';

const HOST = '127.0.0.1';
const SECRET = 'test-cluster-secret';

interface Node {
  t: TcpTransport;
  got: NodeMessage[];
  warnings: string[];
}

let open: TcpTransport[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets = [];
  await Promise.all(open.map((t) => t.stop()));
  open = [];
});

async function node(id: number, peers: Map<number, { host: string; port: number }>, extra: Partial<TcpTransportOptions> = {}): Promise<Node> {
  const got: NodeMessage[] = [];
  const warnings: string[] = [];
  const t = new TcpTransport({
    id,
    listenHost: HOST,
    listenPort: 0,
    peers,
    secret: SECRET,
    results: PARTITION_RESULT_CODEC,
    onMessage: (m) => got.push(m),
    log: { info: () => {}, warn: (_o, msg) => warnings.push(msg) },
    reconnectMsMin: 10,
    reconnectMsMax: 100,
    ...extra,
  });
  await t.start();
  open.push(t);
  if (!peers.has(id)) peers.set(id, { host: HOST, port: t.port });
  return { t, got, warnings };
}

async function cluster(n: number, extra: Partial<TcpTransportOptions> = {}): Promise<{ nodes: Node[]; peers: Map<number, { host: string; port: number }> }> {
  const peers = new Map<number, { host: string; port: number }>();
  const nodes: Node[] = [];
  for (let id = 1; id <= n; id++) nodes.push(await node(id, peers, extra));
  return { nodes, peers };
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type CallMsg = Extract<NodeMessage, { type: 'call' }>;

const call = (from: number, callId: number, size = 8): CallMsg => ({
  type: 'call',
  from,
  hlc: { wall: 1_700_000_000_000 + callId, logical: callId % 7 },
  callId,
  group: callId % 4,
  requestId: `r${from}-${callId}`,
  command: new Uint8Array(size).fill(callId & 0xff),
});

/** A free port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, HOST, () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('TcpTransport', () => {
  it('delivers messages in order between three nodes, in both directions', async () => {
    const { nodes } = await cluster(3);
    const N = 300;
    for (let i = 1; i <= N; i++) for (let a = 1; a <= 3; a++) for (let b = 1; b <= 3; b++) if (a !== b) nodes[a - 1]!.t.send(b, call(a, i));
    await until(() => nodes.every((n) => n.got.length === 2 * N), 'all messages');
    for (const [k, n] of nodes.entries()) {
      for (const from of [1, 2, 3]) {
        if (from === k + 1) continue;
        const ids = n.got.filter((m) => m.from === from).map((m) => (m as Extract<NodeMessage, { type: 'call' }>).callId);
        expect(ids).toEqual([...Array(N).keys()].map((i) => i + 1));
      }
    }
    expect(nodes[0]!.got.find((m) => m.from === 2)).toEqual(call(2, 1));
    const st = nodes[0]!.t.stats();
    expect(st.map((s) => s.id)).toEqual([2, 3]);
    expect(st.every((s) => s.connected && s.inbound === 1 && s.sent === N && s.received === N && s.dropped === 0)).toBe(true);
    // Everything sent in one turn goes out in a few socket writes, not one per message.
    expect(st.every((s) => s.socketWrites <= 3)).toBe(true);
    // Later sends in one turn share a write too.
    for (let i = N + 1; i <= N + 50; i++) nodes[0]!.t.send(2, call(1, i));
    await until(() => nodes[1]!.got.length === 2 * N + 50, 'second burst');
    expect(nodes[0]!.t.stats()[0]!.socketWrites).toBe(st[0]!.socketWrites + 1);
    expect(nodes.every((n) => n.warnings.length === 0)).toBe(true);
  });

  it('carries raft batches and answers with results, and loops back sends to itself', async () => {
    const { nodes } = await cluster(2);
    const raft: NodeMessage = {
      type: 'raft',
      from: 1,
      groups: [
        { group: 0, msgs: [{ type: 'app', from: 1, to: 2, term: 3, prevIndex: 4, prevTerm: 3, commit: 4, entries: [{ term: 3, index: 5, data: Uint8Array.of(1, 2) }] }] },
        { group: 7, msgs: [{ type: 'heartbeat', from: 1, to: 2, term: 3, commit: 9, ctx: 0 }] },
      ],
    };
    const answer: NodeMessage = { type: 'answer', from: 1, callId: 5, answer: { status: 'ok', result: { ok: false, reason: 'write-write', key: 'k', txnId: 't' } } };
    nodes[0]!.t.send(2, raft);
    nodes[0]!.t.send(2, answer);
    nodes[0]!.t.send(1, call(1, 1));
    expect(nodes[0]!.got).toEqual([]);
    await until(() => nodes[1]!.got.length === 2 && nodes[0]!.got.length === 1, 'delivery');
    expect(nodes[1]!.got).toEqual([raft, answer]);
    expect(nodes[0]!.got).toEqual([call(1, 1)]);
  });

  it('reconnects after a peer stops and starts again', async () => {
    const { nodes, peers } = await cluster(2);
    const [a, b] = nodes as [Node, Node];
    a.t.send(2, call(1, 1));
    await until(() => b.got.length === 1, 'first message');
    const port = b.t.port;
    await b.t.stop();
    // Sent while the peer is down: queued (or lost in the dying socket), never an exception.
    for (let i = 2; i <= 5; i++) a.t.send(2, call(1, i));
    await sleep(60);
    expect(a.t.stats()[0]!.connected).toBe(false);
    const b2 = await node(2, peers, { listenPort: port });
    expect(b2.t.port).toBe(port);
    for (let i = 6; i <= 8; i++) a.t.send(2, call(1, i));
    await until(() => b2.got.some((m) => m.type === 'call' && m.callId === 8), 'messages after restart');
    const ids = b2.got.map((m) => (m as Extract<NodeMessage, { type: 'call' }>).callId);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids.slice(-3)).toEqual([6, 7, 8]);
    expect(a.t.stats()[0]!.connects).toBe(2);
  });

  it('rejects a wrong secret and an unknown node id: nothing is delivered', async () => {
    const { nodes, peers } = await cluster(1);
    const a = nodes[0]!;
    const strangerPeers = new Map(peers);
    const stranger = await node(2, strangerPeers, { secret: 'wrong-secret' });
    const unknown = await node(9, new Map(peers));
    peers.set(2, strangerPeers.get(2)!);
    stranger.t.send(1, call(2, 1));
    unknown.t.send(1, call(9, 1));
    await until(() => a.t.rejectedConnections >= 2, 'rejections');
    await sleep(50);
    expect(a.got).toEqual([]);
    expect(a.warnings.some((w) => w.includes('wrong cluster secret'))).toBe(true);
    expect(a.warnings.some((w) => w.includes('unknown node id'))).toBe(true);
    expect(stranger.t.stats().find((s) => s.id === 1)!.connected).toBe(false);
  });

  it('survives garbage on its port and closes those connections', async () => {
    const { nodes } = await cluster(2, { handshakeTimeoutMs: 300 });
    const [a, b] = nodes as [Node, Node];
    const raw = (bytes: Uint8Array | null) =>
      new Promise<void>((resolve) => {
        const s = connect(a.t.port, HOST, () => bytes && s.write(bytes));
        sockets.push(s);
        s.on('error', () => {});
        s.on('data', () => {}); // read, or the peer's close is never seen
        s.on('close', () => resolve());
      });
    await Promise.all([
      raw(new Uint8Array(64).fill(0xff)), // an absurd frame length
      raw(Uint8Array.of(0, 0, 0, 0)), // an empty frame
      raw(Uint8Array.of(0, 0, 0, 5, 1, 2, 3, 4, 5)), // a frame that is no hello
      raw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      raw(null), // says nothing: closed at the handshake timeout
    ]);
    expect(a.t.rejectedConnections).toBe(5);
    b.t.send(1, call(2, 1));
    await until(() => a.got.length === 1, 'delivery after garbage');
  });

  it('closes an authenticated connection that sends an undecodable frame, and drops spoofed senders', async () => {
    const { nodes } = await cluster(2);
    const a = nodes[0]!;
    const s = connect(a.t.port, HOST);
    sockets.push(s);
    s.on('error', () => {});
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    const reader = new F.FrameReader(F.HANDSHAKE_FRAME_BYTES_MAX);
    s.on('data', (chunk: Buffer) => {
      reader.append(chunk);
      for (let f = reader.next(); f; f = reader.next()) {
        if (f[6] !== 1) continue; // only the challenge needs an answer
        const { nonce } = F.decodeChallenge(f);
        s.write(F.frame(F.encodeHello({ from: 2, to: 1, proof: F.proof(SECRET, 'hello', nonce, 2, 1) })));
        s.write(F.frame(encodeNodeMessage(call(3, 1), PARTITION_RESULT_CODEC))); // claims to be node 3
        s.write(F.frame(encodeNodeMessage(call(2, 2), PARTITION_RESULT_CODEC)));
        s.write(F.frame(Uint8Array.of(1, 0, 2, 0, 9, 9, 9)));
      }
    });
    await closed;
    expect(a.got).toEqual([call(2, 2)]);
    expect(a.warnings.some((w) => w.includes('foreign sender'))).toBe(true);
    expect(a.warnings.some((w) => w.includes('undecodable'))).toBe(true);
  });

  it('bounds the queue to a down peer: drops instead of growing', async () => {
    const peers = new Map([[2, { host: HOST, port: await deadPort() }]]);
    const a = await node(1, peers, { queueBytesMax: 64 * 1024 });
    for (let i = 0; i < 1000; i++) a.t.send(2, call(1, i, 1024));
    const st = a.t.stats()[0]!;
    expect(st.queuedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(st.queued).toBeGreaterThan(40);
    expect(st.queued + st.dropped).toBe(1000);
    await sleep(50);
    expect(a.t.stats()[0]!.connected).toBe(false);
    expect(a.t.stats()[0]!.lastError).toBeTruthy();
  });

  it('send never throws: unknown node, malformed address, unencodable message, after stop', async () => {
    const peers = new Map([[2, { host: HOST, port: 70_000 }]]);
    const a = await node(1, peers);
    expect(() => a.t.send(7, call(1, 1))).not.toThrow();
    expect(() => a.t.send(2, call(1, 1))).not.toThrow();
    expect(() => a.t.send(2, { ...call(1, 1), callId: -1 })).not.toThrow();
    await sleep(20);
    expect(a.t.stats()[0]!.dropped).toBe(1);
    expect(a.t.stats()[0]!.lastError).toMatch(/port/i);
    await a.t.stop();
    expect(() => a.t.send(2, call(1, 2))).not.toThrow();
  });

  it('round-trips large frames (1 MiB snapshots)', async () => {
    const { nodes } = await cluster(2);
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >>> 9)) & 0xff;
    const snap = (k: number): NodeMessage => ({
      type: 'raft',
      from: 1,
      groups: [{ group: k, msgs: [{ type: 'snap', from: 1, to: 2, term: 5, snapshot: { meta: { index: 100 + k, term: 5, voters: [1, 2, 3] }, data } }] }],
    });
    for (let k = 0; k < 4; k++) nodes[0]!.t.send(2, snap(k));
    nodes[0]!.t.send(2, call(1, 99));
    await until(() => nodes[1]!.got.length === 5, 'snapshots');
    for (let k = 0; k < 4; k++) {
      const m = nodes[1]!.got[k]!;
      if (m.type !== 'raft' || m.groups[0]!.msgs[0]!.type !== 'snap') throw new Error('not a snapshot');
      const { snapshot } = m.groups[0]!.msgs[0]!;
      // Compared as buffers: a deep equality over a million elements is slow.
      expect(Buffer.compare(Buffer.from(snapshot.data), Buffer.from(data))).toBe(0);
      expect(snapshot.data.constructor).toBe(Uint8Array);
      expect(snapshot.meta).toEqual({ index: 100 + k, term: 5, voters: [1, 2, 3] });
      expect(m.groups[0]!.group).toBe(k);
    }
    expect(nodes[1]!.got[4]).toEqual(call(1, 99));
  });
});
