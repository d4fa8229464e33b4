/** A tiny stand-in for a CamusDB node: records requests, answers canned JSON per route. */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  route: string;
  /** The body exactly as sent (to check big integers went out raw). */
  raw: string;
  /** JSON.parse of the body (big integers rounded: use `raw` for those). */
  body: Record<string, unknown>;
}

export interface Answer {
  status: number;
  /** Raw JSON text, so numbers beyond 2^53 can be written exactly. */
  body: string;
}

export const TXN_PT = '1723456789012345678';
export const TXN_COUNTER = '9007199254740995';
export const BIG = '9007199254740993';

const ok = (body = '{"status":"ok"}'): Answer => ({ status: 200, body });
const failed = (code: string, message: string): Answer => ({
  status: 500,
  body: JSON.stringify({ status: 'failed', code, message }),
});

/** Canned answers: SQL containing FAIL fails with CADB0406; `robots` has rows; everything else is empty/ok. */
export function defaultAnswer(route: string, body: Record<string, unknown>): Answer {
  const sql = typeof body['sql'] === 'string' ? body['sql'] : '';
  if (sql.includes('FAIL')) return failed('CADB0406', `syntax error near 'FAIL'`);
  switch (route) {
    case '/start-transaction':
      return ok(`{"status":"ok","txnIdPT":${TXN_PT},"txnIdCounter":${TXN_COUNTER}}`);
    case '/commit-transaction':
    case '/rollback-transaction':
    case '/execute-sql-ddl':
      return ok();
    case '/execute-sql-non-query':
      return ok('{"status":"ok","rows":3}');
    case '/execute-sql-query':
      if (/robots/i.test(sql)) {
        return ok(
          '{"status":"ok","total":2,"rows":[' +
            `{"id":{"type":2,"strValue":null,"longValue":${BIG},"floatValue":0,"boolValue":false},` +
            '"name":{"type":3,"strValue":"R2-D2","longValue":0,"floatValue":0,"boolValue":false},' +
            '"score":{"type":5,"strValue":null,"longValue":0,"floatValue":0.1,"boolValue":false},' +
            '"active":{"type":4,"strValue":null,"longValue":0,"floatValue":0,"boolValue":true}},' +
            '{"id":{"type":2,"longValue":-7},"name":{"type":0},' +
            '"score":{"type":5,"floatValue":12.5},"active":{"type":4,"boolValue":false}}]}',
        );
      }
      return ok('{"status":"ok","total":0,"rows":[]}');
    default:
      return { status: 404, body: '{"status":"failed","code":"CADB0400","message":"no such route"}' };
  }
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(
  answer: (route: string, body: Record<string, unknown>) => Answer = defaultAnswer,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      } catch {
        // recorded as-is
      }
      const route = (req.url ?? '/').split('?')[0] as string;
      requests.push({ route, raw, body });
      const a = answer(route, body);
      res.writeHead(a.status, { 'content-type': 'application/json', connection: 'close' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
