// The HTTP API: Fastify with CamusDB's routes and JSON shapes (see routes.ts).
// The server does not listen through Fastify: its socket speaks HTTP/1.1
// through wire.ts, and serve.ts runs valid POSTs on the routes' handlers
// directly and hands everything else to this app in-process, so the rules
// below hold on both lanes.
//
// - Bodies are parsed by our own application/json parser (json.ts: exact
//   INT64), limited to bodyLimit bytes, and validated by per-route JSON
//   schemas (no type coercion: "5" is not 5).
// - Every failure is HTTP 500 {status:"failed", code:"CADB…", message}:
//   CamusErrors with their code; schema failures, malformed JSON, oversized
//   bodies and unsupported content types as CADB0400; anything unexpected as
//   CADB0099 (logged at error). Unknown routes are 404 in the same shape.
// - Requests are logged at debug (benchmarks run at info); client errors at
//   warn, except retryable conflicts (CADB0502/0503/0504), which are routine
//   under contention and go to debug.

import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { CamusError, ErrorCode, RETRYABLE_CODES } from '../../core/errors.js';
import type { Logger } from '../log.js';
import type { ServerNode } from '../node.js';
import { JSON_TYPE, parseJson, toJson } from './json.js';
import { registerRoutes, type FastRoutes } from './routes.js';
import { TransactionRegistry } from './transactions.js';

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export interface HttpOptions {
  /** Fastify's logger option (pino): true/false or pino options. Default false. */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** Idle time after which an open transaction is rolled back. Default 60 s. */
  txnIdleMs?: number;
}


/** How request bodies are validated against the routes' JSON schemas (Fastify's and the fast lane's validators alike): no coercion ("5" is not 5). */
export const AJV_OPTIONS = { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } as const;

/** A Fastify instance with the parser, error handling and request logging set up, but no routes yet. */
export function createApp(opts: HttpOptions = {}): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    // Fastify's own request/response lines (info) are replaced by one debug line per request (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: AJV_OPTIONS },
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(new CamusError(ErrorCode.InvalidInput, 'empty request body: expected a JSON object'), undefined);
    try {
      done(null, parseJson(text));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  app.setErrorHandler((err, req, reply) => {
    const f = failureOf(err, bodyLimit, req.log as Logger, req.method, req.url);
    void reply.code(500).type(JSON_TYPE).send(toJson({ status: 'failed', ...f }));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type(JSON_TYPE)
      .send(toJson({ status: 'failed', code: ErrorCode.InvalidInput, message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  });
  return app;
}

/**
 * The code and message of a failed request, logged as the API logs failures:
 * CamusErrors keep their code; schema failures, malformed or oversized bodies
 * and other client errors are CADB0400; anything else is CADB0099, logged at
 * error. Shared by Fastify's error handler and the fast lane (serve.ts).
 */
export function failureOf(err: unknown, bodyLimit: number, log: Logger, method: string, url: string): { code: string; message: string } {
  const e = err as Error & { code?: string; statusCode?: number; validation?: unknown };
  let code: string;
  let message: string;
  if (e instanceof CamusError) {
    code = e.code;
    message = e.message;
  } else if (e.validation) {
    code = ErrorCode.InvalidInput;
    message = `invalid request: ${e.message}`;
  } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    code = ErrorCode.InvalidInput;
    message = `request body is larger than ${bodyLimit} bytes`;
  } else if (typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP')) {
    code = ErrorCode.InvalidInput;
    message = `bad request body: ${e.message}`;
  } else if (e instanceof SyntaxError || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)) {
    code = ErrorCode.InvalidInput;
    message = e.message;
  } else {
    code = ErrorCode.InvalidInternalOperation;
    message = `internal error: ${e.message}`;
    log.error({ err: e, method, url }, 'request failed unexpectedly');
  }
  if (code !== ErrorCode.InvalidInternalOperation) {
    const level = RETRYABLE_CODES.has(code as never) ? 'debug' : 'warn';
    log[level]({ method, url, code }, message);
  }
  return { code, message };
}

/** The API: the Fastify app, and the routes the fast lane may run without it (serve.ts). */
export interface HttpApi {
  app: FastifyInstance;
  fast: FastRoutes;
}

/** The complete API over `node`; close() of the app also rolls back open transactions. */
export function buildHttp(node: ServerNode, opts: HttpOptions = {}): HttpApi {
  const app = createApp(opts);
  return { app, fast: attachApi(app, node, opts, app.log as Logger) };
}

/** Adds the routes (and the transaction registry) to an app made by createApp; returns the fast lane's routes. */
export function attachApi(app: FastifyInstance, node: ServerNode, opts: HttpOptions, log: Logger): FastRoutes {
  const txns = new TransactionRegistry(node.node, log, opts.txnIdleMs ?? 60_000);
  app.addHook('onClose', (_app, done) => {
    txns.close();
    done();
  });
  return registerRoutes(app, node, txns);
}
