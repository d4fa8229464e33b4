// The server's entry (bin/camusdb.js calls main): configuration, the node, the
// HTTP API, a one-line banner, and a clean shutdown on SIGTERM/SIGINT.
//
// HTTP listens on http_host (default 0.0.0.0, every interface, as a container
// needs); Raft listens on raft_host:raft_port only.

import { CamusError } from '../core/errors.js';
import { loadSettings, parseFlags, resolveCluster, USAGE, type ServerConfig } from './config.js';
import { attachApi, createApp } from './http/app.js';
import { serveHttp } from './http/serve.js';
import type { WireServer } from './http/wire.js';
import type { Logger } from './log.js';
import { ServerNode } from './node.js';
import { LoopWarmer, PEER_HOLD_MS } from './warm.js';

/** Exit codes: 0 clean stop, 1 runtime failure (port in use, disk failed), 2 invalid configuration. */
export async function main(argv: readonly string[]): Promise<void> {
  let cfg: ServerConfig;
  try {
    const flags = parseFlags(argv);
    if (flags.has('--help')) {
      process.stdout.write(USAGE);
      return;
    }
    cfg = resolveCluster(loadSettings(flags));
  } catch (e) {
    if (e instanceof CamusError) {
      process.stderr.write(`camusdb: invalid configuration (${e.code}): ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }

  const app = createApp({ logger: { level: cfg.logLevel } });
  const warmer = new LoopWarmer();
  const log = app.log as Logger;
  if (cfg.mode === 'cluster' && !cfg.clusterSecret) log.warn({}, 'no cluster_secret set: nodes authenticate with the built-in default secret; set --cluster-secret (or CAMUS_CLUSTER_SECRET) outside development');

  let stopping = false;
  let node: ServerNode;
  let http: WireServer | null = null;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason: why }, 'shutting down');
    // Connections first (answers in progress are written), then the app (open transactions roll back).
    const closed = (http?.close() ?? Promise.resolve()).then(() => app.close()).catch((e) => log.warn({ err: String(e) }, 'HTTP close failed'));
    await Promise.race([closed, sleep(3_000)]);
    await node?.shutdown();
    log.info({}, 'stopped');
    process.exit(code);
  };

  try {
    node = await ServerNode.start(cfg, log, { onFatal: () => void stop('disk failure', 1), onRequestTraffic: () => warmer.touch(PEER_HOLD_MS) });
  } catch (e) {
    log.error({ err: String(e) }, 'the node could not start');
    process.stderr.write(`camusdb: the node could not start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const fast = attachApi(app, node, {}, log);
  await app.ready();
  // A standalone node elects itself within about a second; serving only then
  // spares the first clients a retry. A cluster node serves at once (its
  // /ping must answer while it waits for peers).
  if (cfg.mode === 'standalone') await Promise.race([node.databaseReady, sleep(10_000)]);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting at once');
        process.exit(1);
      }
      void stop(sig, 0);
    });
  }
  try {
    http = await serveHttp(app, fast, { host: cfg.httpHost, port: cfg.httpPort, log, onRequest: () => warmer.touch() });
  } catch (e) {
    log.error({ err: String(e) }, 'HTTP listen failed');
    process.stderr.write(`camusdb: cannot listen on ${cfg.httpHost}:${cfg.httpPort}: ${(e as Error).message}\n`);
    await node.shutdown({ handOff: false });
    process.exit(1);
  }
  const shownHost = cfg.httpHost === '0.0.0.0' || cfg.httpHost === '::' ? (cfg.mode === 'cluster' ? cfg.raftHost : 'localhost') : cfg.httpHost;
  const cluster = cfg.mode === 'cluster' ? ` raft ${cfg.raftHost}:${cfg.raftPort} of ${cfg.members.length} nodes,` : '';
  log.info({ mode: cfg.mode, id: cfg.id, name: cfg.nodeName, partitions: cfg.initialPartitions, dataDir: cfg.nodeDataDir, members: cfg.members.map((m) => `${m.id}=${m.raft.host}:${m.raft.port}`) }, 'node started');
  process.stdout.write(
    `CamusDB ${cfg.mode} node ${cfg.id} (${cfg.nodeName}):${cluster} ${cfg.initialPartitions} partition${cfg.initialPartitions === 1 ? '' : 's'}, data ${cfg.nodeDataDir}, HTTP http://${shownHost}:${cfg.httpPort}\n`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
