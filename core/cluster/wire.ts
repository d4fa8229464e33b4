// The binary form of a NodeMessage between processes (the real transport; the
// simulator hands objects over as they are). A message is
//   [format u8 = 1][kind u8][from][hlc flag u8, then wall, logical][body...]
// with integers as unsigned varints, bytes and strings length-prefixed (see
// core/util/codec.ts) and booleans as one byte, 0 or 1. Decoding is strict: any
// byte sequence a correct encoder could not have produced (an unknown tag, a
// boolean of 2, trailing bytes, a truncation) throws DecodeError, so a
// corrupted frame is refused whole and never half-understood.
//
// Call results are opaque here: the ResultCodec of the state machine the node
// runs encodes them, so this module needs no knowledge of partitions or SQL.

import { assertNever } from '../assert.js';
import { readTimestamp, writeTimestamp, type Timestamp } from '../hlc.js';
import type { Entry, Message, Snapshot } from '../raft/types.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';
import type { CallAnswer, GroupBatch, NodeMessage } from './host.js';

/**
 * Encodes the results of a state machine's commands. decode must throw
 * DecodeError (and nothing else) on bytes encode could not have produced.
 */
export interface ResultCodec {
  encode(r: unknown): Uint8Array;
  decode(b: Uint8Array): unknown;
}

/** Bumped on any incompatible change; a node refuses frames of another format. */
export const WIRE_FORMAT = 1;

const KINDS = ['raft', 'call', 'answer'] as const satisfies readonly NodeMessage['type'][];

// Raft message tags are part of the format: append new ones, never renumber.
const RAFT_TAGS = [
  'app',
  'app-resp',
  'heartbeat',
  'heartbeat-resp',
  'vote',
  'vote-resp',
  'snap',
  'timeout-now',
  'prop',
  'read-index',
  'read-index-resp',
  'commit',
] as const satisfies readonly Message['type'][];

const ANSWER_TAGS = ['ok', 'failed', 'timeout', 'not-leader'] as const satisfies readonly CallAnswer['status'][];

export function encodeNodeMessage(m: NodeMessage, results: ResultCodec): Uint8Array {
  const w = new Writer(sizeHint(m));
  w.u8(WIRE_FORMAT).u8(KINDS.indexOf(m.type)).uvar(m.from);
  if (m.hlc) writeTimestamp(w.u8(1), m.hlc);
  else w.u8(0);
  switch (m.type) {
    case 'raft':
      w.uvar(m.groups.length);
      for (const g of m.groups) {
        w.uvar(g.group).uvar(g.msgs.length);
        for (const msg of g.msgs) writeRaft(w, msg);
      }
      break;
    case 'call':
      w.uvar(m.callId).uvar(m.group).str(m.requestId).bytes(m.command);
      break;
    case 'answer':
      w.uvar(m.callId);
      writeAnswer(w, m.answer, results);
      break;
    default:
      assertNever(m, 'node message');
  }
  return w.finish();
}

/** Decodes what encodeNodeMessage wrote; throws DecodeError on anything else. The result shares no memory with `b`. */
export function decodeNodeMessage(b: Uint8Array, results: ResultCodec): NodeMessage {
  // A plain view, so that the Reader's slices copy: a subclass's slice (Node's Buffer) would alias the frame.
  if (b.constructor !== Uint8Array) b = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const r = new Reader(b);
  const format = r.u8();
  if (format !== WIRE_FORMAT) throw new DecodeError(`unknown wire format ${format}`);
  const kind = KINDS[r.u8()];
  const from = r.uvar();
  const hlc: Timestamp | undefined = readBool(r) ? readTimestamp(r) : undefined;
  const stamp = hlc ? { hlc } : {};
  let m: NodeMessage;
  switch (kind) {
    case 'raft': {
      const groups: GroupBatch[] = [];
      for (let n = count(r, b); n > 0; n--) {
        const group = r.uvar();
        const msgs: Message[] = [];
        for (let k = count(r, b); k > 0; k--) msgs.push(readRaft(r, b));
        groups.push({ group, msgs });
      }
      m = { type: 'raft', from, ...stamp, groups };
      break;
    }
    case 'call':
      m = { type: 'call', from, ...stamp, callId: r.uvar(), group: r.uvar(), requestId: r.str(), command: r.bytes() };
      break;
    case 'answer':
      m = { type: 'answer', from, ...stamp, callId: r.uvar(), answer: readAnswer(r, results) };
      break;
    case undefined:
      throw new DecodeError('unknown node message kind');
    default:
      return assertNever(kind, 'node message kind');
  }
  r.end();
  return m;
}

/** A rough encoded size, so that the writer rarely regrows for big appends and snapshots. */
function sizeHint(m: NodeMessage): number {
  if (m.type === 'call') return m.command.length + m.requestId.length + 32;
  if (m.type === 'answer') return 64;
  let n = 32;
  for (const g of m.groups) {
    for (const msg of g.msgs) {
      n += 24;
      if (msg.type === 'app') for (const e of msg.entries) n += e.data.length + 12;
      else if (msg.type === 'prop') for (const d of msg.entries) n += d.length + 4;
      else if (msg.type === 'snap') n += msg.snapshot.data.length + 8 * msg.snapshot.meta.voters.length + 24;
    }
  }
  return n;
}

function readBool(r: Reader): boolean {
  const v = r.u8();
  if (v > 1) throw new DecodeError(`bad boolean ${v}`);
  return v === 1;
}

/**
 * Reads an element count. Every element takes at least one byte, so a count
 * beyond the bytes left is malformed: refusing it early keeps a hostile count
 * from driving a long loop.
 */
function count(r: Reader, b: Uint8Array): number {
  const n = r.uvar();
  if (n > b.length - r.pos) throw new DecodeError(`count ${n} exceeds the remaining input`);
  return n;
}

function writeRaft(w: Writer, m: Message): void {
  w.u8(RAFT_TAGS.indexOf(m.type)).uvar(m.from).uvar(m.to).uvar(m.term);
  switch (m.type) {
    case 'app':
      w.uvar(m.prevIndex).uvar(m.prevTerm).uvar(m.commit).uvar(m.entries.length);
      for (const e of m.entries) w.uvar(e.term).uvar(e.index).bytes(e.data);
      break;
    case 'app-resp':
      w.uvar(m.index).u8(m.reject ? 1 : 0).uvar(m.hintIndex).uvar(m.hintTerm);
      break;
    case 'heartbeat':
      w.uvar(m.commit).uvar(m.ctx);
      break;
    case 'heartbeat-resp':
      w.uvar(m.ctx);
      break;
    case 'vote':
      w.u8(m.pre ? 1 : 0).uvar(m.lastIndex).uvar(m.lastTerm).u8(m.force ? 1 : 0);
      break;
    case 'vote-resp':
      w.u8(m.pre ? 1 : 0).u8(m.reject ? 1 : 0);
      break;
    case 'snap':
      writeSnapshot(w, m.snapshot);
      break;
    case 'timeout-now':
      break;
    case 'prop':
      w.uvar(m.entries.length);
      for (const d of m.entries) w.bytes(d);
      break;
    case 'read-index':
      w.uvar(m.ctx);
      break;
    case 'read-index-resp':
      w.uvar(m.ctx).uvar(m.index).u8(m.reject ? 1 : 0);
      break;
    case 'commit':
      w.uvar(m.commit);
      break;
    default:
      assertNever(m, 'raft message');
  }
}

function readRaft(r: Reader, b: Uint8Array): Message {
  const type = RAFT_TAGS[r.u8()];
  if (type === undefined) throw new DecodeError('unknown raft message type');
  const from = r.uvar();
  const to = r.uvar();
  const term = r.uvar();
  switch (type) {
    case 'app': {
      const prevIndex = r.uvar();
      const prevTerm = r.uvar();
      const commit = r.uvar();
      const entries: Entry[] = [];
      for (let n = count(r, b); n > 0; n--) entries.push({ term: r.uvar(), index: r.uvar(), data: r.bytes() });
      return { type, from, to, term, prevIndex, prevTerm, entries, commit };
    }
    case 'app-resp':
      return { type, from, to, term, index: r.uvar(), reject: readBool(r), hintIndex: r.uvar(), hintTerm: r.uvar() };
    case 'heartbeat':
      return { type, from, to, term, commit: r.uvar(), ctx: r.uvar() };
    case 'heartbeat-resp':
      return { type, from, to, term, ctx: r.uvar() };
    case 'vote':
      return { type, from, to, term, pre: readBool(r), lastIndex: r.uvar(), lastTerm: r.uvar(), force: readBool(r) };
    case 'vote-resp':
      return { type, from, to, term, pre: readBool(r), reject: readBool(r) };
    case 'snap':
      return { type, from, to, term, snapshot: readSnapshot(r, b) };
    case 'timeout-now':
      return { type, from, to, term };
    case 'prop': {
      const entries: Uint8Array[] = [];
      for (let n = count(r, b); n > 0; n--) entries.push(r.bytes());
      return { type, from, to, term, entries };
    }
    case 'read-index':
      return { type, from, to, term, ctx: r.uvar() };
    case 'read-index-resp':
      return { type, from, to, term, ctx: r.uvar(), index: r.uvar(), reject: readBool(r) };
    case 'commit':
      return { type, from, to, term, commit: r.uvar() };
    default:
      return assertNever(type, 'raft message type');
  }
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  w.uvar(s.meta.index).uvar(s.meta.term).uvar(s.meta.voters.length);
  for (const v of s.meta.voters) w.uvar(v);
  w.bytes(s.data);
}

function readSnapshot(r: Reader, b: Uint8Array): Snapshot {
  const index = r.uvar();
  const term = r.uvar();
  const voters: number[] = [];
  for (let n = count(r, b); n > 0; n--) voters.push(r.uvar());
  return { meta: { index, term, voters }, data: r.bytes() };
}

function writeAnswer(w: Writer, a: CallAnswer, results: ResultCodec): void {
  w.u8(ANSWER_TAGS.indexOf(a.status));
  switch (a.status) {
    case 'ok':
      w.bytes(results.encode(a.result));
      break;
    case 'failed':
      w.str(a.code).str(a.message);
      break;
    case 'timeout':
      break;
    case 'not-leader':
      w.uvar(a.leaderHint);
      break;
    default:
      assertNever(a, 'call answer');
  }
}

function readAnswer(r: Reader, results: ResultCodec): CallAnswer {
  const status = ANSWER_TAGS[r.u8()];
  switch (status) {
    case 'ok':
      return { status, result: results.decode(r.bytes()) };
    case 'failed':
      return { status, code: r.str(), message: r.str() };
    case 'timeout':
      return { status };
    case 'not-leader':
      return { status, leaderHint: r.uvar() };
    case undefined:
      throw new DecodeError('unknown call answer status');
    default:
      return assertNever(status, 'call answer status');
  }
}
