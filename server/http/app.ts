// The HTTP API: Fastify with CamusDB's routes and JSON shapes (see routes.ts).
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
import { registerRoutes } from './routes.js';
import { TransactionRegistry } from './transactions.js';

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export interface HttpOptions {
  /** Fastify's logger option (pino): true/false or pino options. Default false. */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** Idle time after which an open transaction is rolled back. Default 60 s. */
  txnIdleMs?: number;
}


/** A Fastify instance with the parser, error handling and request logging set up, but no routes yet. */
export function createApp(opts: HttpOptions = {}): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    // Fastify's own request/response lines (info) are replaced by one debug line per request (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
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
      req.log.error({ err: e, method: req.method, url: req.url }, 'request failed unexpectedly');
    }
    if (code !== ErrorCode.InvalidInternalOperation) {
      const level = RETRYABLE_CODES.has(code as never) ? 'debug' : 'warn';
      req.log[level]({ method: req.method, url: req.url, code }, message);
    }
    void reply.code(500).type(JSON_TYPE).send(toJson({ status: 'failed', code, message }));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type(JSON_TYPE)
      .send(toJson({ status: 'failed', code: ErrorCode.InvalidInput, message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  });
  return app;
}

/** The complete API over `node`; close() of the app also rolls back open transactions. */
export function buildHttp(node: ServerNode, opts: HttpOptions = {}): FastifyInstance {
  const app = createApp(opts);
  attachApi(app, node, opts, app.log as Logger);
  return app;
}

/** Adds the routes (and the transaction registry) to an app made by createApp. */
export function attachApi(app: FastifyInstance, node: ServerNode, opts: HttpOptions, log: Logger): TransactionRegistry {
  const txns = new TransactionRegistry(node.node, log, opts.txnIdleMs ?? 60_000);
  app.addHook('onClose', (_app, done) => {
    txns.close();
    done();
  });
  registerRoutes(app, node, txns);
  return txns;
}
