// The API on its listening socket: HTTP/1.1 framed by wire.ts, each request
// answered on one of two lanes.
//
// - The fast lane: a POST to one of the API's routes (routes.ts's FastRoutes)
//   with a JSON body that parses and passes the route's schema (compiled here
//   with the options Fastify's validator uses, AJV_OPTIONS) runs the route's
//   handler directly; its failures are answered as Fastify's error handler
//   answers them (failureOf). Nearly every request takes it.
// - Everything else (GET routes, unknown routes, other content types, bodies
//   that do not parse or do not pass the schema) goes to the Fastify app
//   through its in-process inject(), so that each error and each answer is
//   exactly the app's.
// An invalid body is never run: the fast lane only runs what the schema
// accepts, and what it refuses, Fastify refuses with its own message.

import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../../core/errors.js';
import type { Logger } from '../log.js';
import { AJV_OPTIONS, failureOf } from './app.js';
import { JSON_TYPE, parseJson, toJson, type Json } from './json.js';
import type { FastRoute, FastRoutes } from './routes.js';
import { WireServer, type WireRequest, type WireResponse } from './wire.js';

export interface ServeOptions {
  host: string;
  port: number;
  log: Logger;
  /** Called at every request (the server's loop warmer). */
  onRequest?(): void;
  idleMs?: number;
}

const JSON_HEADERS = { 'content-type': JSON_TYPE };
/** Hop-by-hop and framing headers: the wire sets its own. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'expect']);

/**
 * Listens on host:port and serves `app` (ready) with `fast` on the fast lane;
 * rejects when the address cannot be bound. The framing enforces the app's
 * own body limit (createApp's bodyLimit).
 */
export async function serveHttp(app: FastifyInstance, fast: FastRoutes, o: ServeOptions): Promise<WireServer> {
  const bodyLimit = app.initialConfig.bodyLimit!;
  const server = new WireServer({
    handle: fastLane(app, fast, bodyLimit, o),
    refuse: (_status, message) => failed(ErrorCode.InvalidInput, message),
    bodyLimit,
    idleMs: o.idleMs,
    onError: (err) => o.log.error({ err: String(err) }, 'HTTP handler failed'),
  });
  await server.listen(o.port, o.host);
  return server;
}

/** The request handler of both lanes: the fast lane when it may, else the app through inject. */
function fastLane(app: FastifyInstance, fast: FastRoutes, bodyLimit: number, o: Pick<ServeOptions, 'log' | 'onRequest'>): (req: WireRequest) => Promise<WireResponse> {
  // Each route with its body schema compiled once, found with one lookup per request.
  const ajv = new Ajv(AJV_OPTIONS);
  const lanes = new Map<string, { handler: FastRoute['handler']; valid: ValidateFunction }>();
  for (const [path, r] of fast) lanes.set(path, { handler: r.handler, valid: ajv.compile(r.schema) });

  return async (req) => {
    o.onRequest?.();
    const lane = req.method === 'POST' ? lanes.get(req.url) : undefined;
    if (lane && isJson(req.headers['content-type'])) {
      const body = parseOrUndefined(req.body);
      if (body !== undefined && lane.valid(body)) {
        const t0 = performance.now();
        let res: WireResponse;
        try {
          res = { status: 200, headers: JSON_HEADERS, body: await lane.handler(body) };
        } catch (e) {
          const f = failureOf(e, bodyLimit, o.log, req.method, req.url);
          res = failed(f.code, f.message);
        }
        o.log.debug({ method: req.method, url: req.url, statusCode: res.status, ms: Math.round(performance.now() - t0) }, 'request');
        return res;
      }
    }
    return viaApp(app, req);
  };
}

/** Whether a Content-Type is JSON as the app's parser takes it without question: application/json, at most with charset=utf-8. */
function isJson(ct: string | undefined): boolean {
  if (ct === 'application/json') return true;
  if (ct === undefined) return false;
  const t = ct.toLowerCase().replace(/\s+/g, '');
  return t === 'application/json' || t === 'application/json;charset=utf-8';
}

/** The body as JSON, or undefined when it is empty or malformed (the app then answers with its own message). */
function parseOrUndefined(body: Buffer): Json | undefined {
  if (body.length === 0) return undefined;
  try {
    return parseJson(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function failed(code: string, message: string): WireResponse {
  return { status: 500, headers: JSON_HEADERS, body: toJson({ status: 'failed', code, message }) };
}

/** Runs the request through the Fastify app in-process and returns its answer as the app wrote it. */
async function viaApp(app: FastifyInstance, req: WireRequest): Promise<WireResponse> {
  const headers: Record<string, string> = {};
  for (const k in req.headers) if (!FRAMING.has(k)) headers[k] = req.headers[k]!;
  const r = await app.inject({ method: req.method as 'GET', url: req.url, headers, payload: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (v === undefined || FRAMING.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  const length = Number(r.headers['content-length']);
  return { status: r.statusCode, headers: out, body: r.rawPayload, headLength: req.method === 'HEAD' && Number.isInteger(length) ? length : undefined };
}
