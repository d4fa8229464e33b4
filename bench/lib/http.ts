// The bench's HTTP client, keep-alive in every kind, one connection per
// request in flight (so a closed loop of N workers holds N connections per
// endpoint):
//
//   raw    a minimal HTTP/1.1 client over node:net (bench/lib/raw-http.ts, default)
//   http   node:http with a keep-alive Agent
//   fetch  Node's global fetch (undici)
//
// The client shares the machine's 2 CPUs with the servers, so the cheapest one
// is the default: against a trivial local server, fetch used ~0.9 ms of CPU
// per request (0.8 ms without an AbortSignal) and node:http ~0.3 ms; at 64
// clients node:http spent ~0.2 ms per request (session 7's bench), which left
// visibly less CPU to whichever system was measured. `--client http` and
// `--client fetch` select the others.

import { Agent, request } from 'node:http';
import { rawClose, rawPost } from './raw-http.js';

const TIMEOUT_MS = 15_000;

export const CLIENT_KINDS = ['raw', 'http', 'fetch'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
let kind: ClientKind = 'raw';
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

export function setClient(k: ClientKind): void {
  kind = k;
}

export function clientName(): string {
  if (kind === 'raw') return 'raw HTTP/1.1 over node:net, keep-alive';
  return kind === 'http' ? 'node:http keep-alive Agent' : 'global fetch (undici) keep-alive';
}

/** POSTs JSON and returns the body text; throws on a non-2xx answer or a timeout. */
export function postText(url: string, body: string, timeoutMs = TIMEOUT_MS): Promise<string> {
  if (kind === 'raw') return rawPost(url, body, timeoutMs);
  return kind === 'http' ? postHttp(url, body, timeoutMs) : postFetch(url, body, timeoutMs);
}

async function postFetch(url: string, body: string, timeoutMs: number): Promise<string> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status} from ${url}: ${text.slice(0, 200)}`);
  return text;
}

const parsed = new Map<string, URL>();

function postHttp(url: string, body: string, timeoutMs: number): Promise<string> {
  let u = parsed.get(url);
  if (!u) parsed.set(url, (u = new URL(url)));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new Error(`HTTP ${status} from ${url}: ${text.slice(0, 200)}`));
          else resolve(text);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function postJson(url: string, body: unknown, timeoutMs = TIMEOUT_MS): Promise<any> {
  return JSON.parse(await postText(url, JSON.stringify(body), timeoutMs));
}

export async function getJson(url: string, timeoutMs = 2_000): Promise<any> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status} from ${url}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Closes idle keep-alive sockets (so the process can exit promptly). */
export function closeClients(): void {
  agent.destroy();
  rawClose();
}
