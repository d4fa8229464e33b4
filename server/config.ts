// Start-up configuration: YAML (Config/config.yml by default) overridden by
// command-line flags, validated once, then resolved into what the node needs
// (its id, the voters and where each peer listens).
//
// Precedence for every setting: flag (when given) > YAML key (when present) >
// default. Invalid configuration is a CamusError CADB0600 whose message names
// the offending key or flag; main prints it and exits non-zero.
//
// Node ids: the full Raft peer list is the configured peers plus this node
// (host:port of raft_host/raft_port) when the list does not already hold it,
// sorted; a node's id is its 1-based position in that list. Every node of a
// cluster configured with the same peers (with or without itself) computes the
// same ids. An explicit --raft-nodeid must agree with that position.

import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { camusError } from '../core/errors.js';

export type Mode = 'standalone' | 'cluster';

export interface HostPort {
  host: string;
  port: number;
}

/** The settings as configured (after merging YAML and flags), before the cluster is resolved. */
export interface Settings {
  dataDir: string;
  /** As configured; `mode` below is the effective one. */
  configuredMode: Mode;
  nodeName: string;
  nodeId: number | null;
  raftHost: string;
  raftPort: number;
  httpHost: string;
  httpPort: number;
  initialPartitions: number;
  peers: HostPort[];
  httpPeers: HostPort[];
  clusterSecret: string;
  logLevel: string;
  /** The YAML file read, if any. */
  configFile: string | null;
}

export interface ClusterMember {
  id: number;
  raft: HostPort;
  /** The member's HTTP endpoint when http_peers was given. */
  http: HostPort | null;
}

/** The resolved configuration a node starts from. */
export interface ServerConfig extends Settings {
  mode: Mode;
  /** This node's Raft id. */
  id: number;
  /** Every voter, this node included, sorted by id. */
  members: ClusterMember[];
  /** Where this node keeps its data: data_dir (standalone) or data_dir/node-<id> (cluster). */
  nodeDataDir: string;
}

export const DEFAULTS = {
  dataDir: './data',
  mode: 'standalone' as Mode,
  nodeName: '',
  raftHost: 'localhost',
  raftPort: 7070,
  httpHost: '0.0.0.0',
  httpPort: 5095,
  initialPartitions: 1,
  logLevel: 'info',
  configFile: 'Config/config.yml',
};

/** YAML keys and the flag that overrides each. */
const YAML_KEYS = {
  data_dir: '--data-dir',
  mode: '--mode',
  node_name: '--raft-nodename',
  raft_host: '--raft-host',
  raft_port: '--raft-port',
  initial_partitions: '--initial-cluster-partitions',
  http_host: '--http-host',
  http_port: '--http-port',
  peers: '--initial-cluster',
  http_peers: '--http-peers',
  cluster_secret: '--cluster-secret',
  log_level: '--log-level',
} as const;

type YamlKey = keyof typeof YAML_KEYS;

/** Flags; `list` flags take every following word up to the next flag (or one space/comma separated value). */
const FLAGS: Record<string, { list?: boolean; bool?: boolean }> = {
  '--mode': {},
  '--raft-nodename': {},
  '--raft-nodeid': {},
  '--raft-host': {},
  '--raft-port': {},
  '--http-host': {},
  '--http-port': {},
  '--initial-cluster': { list: true },
  '--initial-cluster-partitions': {},
  '--http-peers': { list: true },
  '--config': {},
  '--data-dir': {},
  '--cluster-secret': {},
  '--log-level': {},
  '--help': { bool: true },
};

export const USAGE = `usage: camusdb [flags]

  --mode standalone|cluster          default standalone (cluster when a peer list is given)
  --raft-nodename NAME               unique node name (default: host name)
  --raft-nodeid N                    Raft node id; must match the position in the sorted peer list
  --raft-host HOST                   address for Raft traffic (default localhost)
  --raft-port PORT                   Raft port (default 7070)
  --http-host HOST                   HTTP listen address (default 0.0.0.0)
  --http-port PORT                   HTTP API port (default 5095)
  --initial-cluster H:P [H:P ...]    Raft peers, with or without this node
  --initial-cluster-partitions N     Raft partitions (default 1)
  --http-peers H:P [H:P ...]         HTTP endpoints, parallel to --initial-cluster
  --config FILE                      YAML configuration (default Config/config.yml when present)
  --data-dir DIR                     data directory (default ./data)
  --cluster-secret SECRET            shared secret between nodes (or CAMUS_CLUSTER_SECRET)
  --log-level LEVEL                  trace|debug|info|warn|error (default info)
  --help                             this text
`;

export type FlagValues = Map<string, string | string[] | true>;

function invalid(message: string): never {
  throw camusError('InvalidConfig', message);
}

/** Splits argv into flag values: `--flag=value`, `--flag value`, and lists `--flag a b c`. */
export function parseFlags(argv: readonly string[]): FlagValues {
  const out: FlagValues = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      out.set('--help', true);
      continue;
    }
    if (!arg.startsWith('--')) invalid(`unexpected argument ${JSON.stringify(arg)} (flags start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[name];
    if (!spec) invalid(`unknown flag ${name} (see --help)`);
    if (out.has(name)) invalid(`flag ${name} given more than once`);
    if (spec.bool) {
      if (eq >= 0) invalid(`flag ${name} takes no value`);
      out.set(name, true);
      continue;
    }
    if (spec.list) {
      const words: string[] = [];
      if (eq >= 0) words.push(arg.slice(eq + 1));
      else while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) words.push(argv[++i]!);
      out.set(name, words.flatMap(splitList));
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) invalid(`flag ${name} needs a value`);
      value = argv[++i]!;
    }
    out.set(name, value);
  }
  return out;
}

function splitList(s: string): string[] {
  return s.split(/[\s,]+/).filter((w) => w.length > 0);
}

/** Reads and checks the YAML document: a mapping of known keys (an empty file is an empty mapping). */
export function parseYamlConfig(text: string, file = 'config'): Partial<Record<YamlKey, unknown>> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    invalid(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) invalid(`${file}: expected a mapping of keys to values`);
  const out: Partial<Record<YamlKey, unknown>> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!Object.hasOwn(YAML_KEYS, k)) invalid(`${file}: unknown key ${JSON.stringify(k)} (known: ${Object.keys(YAML_KEYS).join(', ')})`);
    out[k as YamlKey] = v;
  }
  return out;
}

export function parsePort(v: unknown, what: string): number {
  const n = parseInteger(v, what);
  if (n < 1 || n > 65535) invalid(`${what} must be a port in 1..65535, not ${n}`);
  return n;
}

function parseInteger(v: unknown, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) invalid(`${what} must be an integer, not ${v}`);
    return v;
  }
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  return invalid(`${what} must be an integer, not ${JSON.stringify(v)}`);
}

function parseString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return invalid(`${what} must be a string, not ${JSON.stringify(v)}`);
}

/** `host:port`, `[v6]:port`; the host is lower-cased so that spellings compare equal. */
export function parseHostPort(s: string, what: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d+)$/.exec(s.trim());
  if (!m) invalid(`${what}: ${JSON.stringify(s)} is not host:port`);
  const host = (m[1] ?? m[2]!).toLowerCase();
  const port = Number(m[3]);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) invalid(`${what}: ${JSON.stringify(s)} has a port outside 1..65535`);
  return { host, port };
}

function parseHostList(v: unknown, what: string): HostPort[] {
  let words: string[];
  if (v === null || v === undefined) words = [];
  else if (typeof v === 'string') words = splitList(v);
  else if (Array.isArray(v)) words = v.map((w) => parseString(w, what)).flatMap(splitList);
  else return invalid(`${what} must be a list of host:port, not ${JSON.stringify(v)}`);
  return words.map((w) => parseHostPort(w, what));
}

export function formatHostPort(h: HostPort): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

export interface LoadOptions {
  /** Working directory for the default config file (default process.cwd()). */
  cwd?: string;
  /** Environment (default process.env), for CAMUS_CLUSTER_SECRET. */
  env?: Record<string, string | undefined>;
  /** Host name used when node_name is empty (default os.hostname()). */
  hostName?: string;
}

/**
 * Merges YAML and flags into Settings. The YAML file is --config when given
 * (it must exist), else Config/config.yml under cwd when present.
 */
export function loadSettings(flags: FlagValues, opts: LoadOptions = {}): Settings {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let yaml: Partial<Record<YamlKey, unknown>> = {};
  let configFile: string | null = null;
  const explicit = flags.get('--config');
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || explicit === '') invalid('--config needs a file name');
    const path = resolvePath(cwd, explicit);
    if (!existsSync(path)) invalid(`--config: file ${JSON.stringify(explicit)} does not exist`);
    configFile = path;
  } else {
    const path = resolvePath(cwd, DEFAULTS.configFile);
    if (existsSync(path)) configFile = path;
  }
  if (configFile !== null) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (e) {
      return invalid(`--config: cannot read ${JSON.stringify(configFile)}: ${(e as Error).message}`);
    }
    yaml = parseYamlConfig(text, configFile);
  }

  /** The flag's value when given, else the YAML key's, else undefined; `what` names whichever was used. */
  const pick = (key: YamlKey): { value: unknown; what: string } | undefined => {
    const flag = YAML_KEYS[key];
    const f = flags.get(flag);
    if (f !== undefined) return { value: f, what: flag };
    if (Object.hasOwn(yaml, key)) return { value: yaml[key], what: `${key} (in ${configFile})` };
    return undefined;
  };

  const modeP = pick('mode');
  let configuredMode: Mode = DEFAULTS.mode;
  if (modeP) {
    const m = parseString(modeP.value, modeP.what).trim().toLowerCase();
    if (m !== 'standalone' && m !== 'cluster') invalid(`${modeP.what} must be standalone or cluster, not ${JSON.stringify(modeP.value)}`);
    configuredMode = m;
  }
  const str = (key: YamlKey, dflt: string) => {
    const p = pick(key);
    return p ? parseString(p.value, p.what) : dflt;
  };
  const port = (key: YamlKey, dflt: number) => {
    const p = pick(key);
    return p ? parsePort(p.value, p.what) : dflt;
  };
  const partP = pick('initial_partitions');
  let initialPartitions = DEFAULTS.initialPartitions;
  if (partP) {
    initialPartitions = parseInteger(partP.value, partP.what);
    if (initialPartitions < 1) invalid(`${partP.what} must be at least 1, not ${initialPartitions}`);
    if (initialPartitions > 1024) invalid(`${partP.what} must be at most 1024, not ${initialPartitions}`);
  }
  const peersP = pick('peers');
  const peers = peersP ? parseHostList(peersP.value, peersP.what) : [];
  const httpPeersP = pick('http_peers');
  const httpPeers = httpPeersP ? parseHostList(httpPeersP.value, httpPeersP.what) : [];
  if (httpPeers.length > 0 && httpPeers.length !== peers.length) {
    invalid(`${httpPeersP!.what} lists ${httpPeers.length} endpoints but the peer list has ${peers.length}; they must be parallel`);
  }
  const idFlag = flags.get('--raft-nodeid');
  let nodeId: number | null = null;
  if (idFlag !== undefined) {
    nodeId = parseInteger(idFlag, '--raft-nodeid');
    if (nodeId < 1) invalid(`--raft-nodeid must be at least 1, not ${nodeId}`);
  }
  const raftHost = str('raft_host', DEFAULTS.raftHost).trim();
  if (!/^(?:[A-Za-z0-9._-]+|[0-9a-fA-F:.]+)$/.test(raftHost)) invalid(`${pick('raft_host')!.what}: ${JSON.stringify(raftHost)} is not a host name or address`);
  const dataDir = str('data_dir', DEFAULTS.dataDir);
  if (dataDir.trim() === '') invalid(`${pick('data_dir')!.what} must not be empty`);
  const logLevel = str('log_level', DEFAULTS.logLevel).trim().toLowerCase();
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) invalid(`${pick('log_level')!.what} must be one of trace, debug, info, warn, error, fatal, silent`);
  const nodeName = str('node_name', DEFAULTS.nodeName).trim() || (opts.hostName ?? hostname());
  return {
    dataDir,
    configuredMode,
    nodeName,
    nodeId,
    raftHost: raftHost.toLowerCase(),
    raftPort: port('raft_port', DEFAULTS.raftPort),
    httpHost: str('http_host', DEFAULTS.httpHost).trim(),
    httpPort: port('http_port', DEFAULTS.httpPort),
    initialPartitions,
    peers,
    httpPeers,
    clusterSecret: str('cluster_secret', env.CAMUS_CLUSTER_SECRET ?? ''),
    logLevel,
    configFile,
  };
}

function resolvePath(cwd: string, p: string): string {
  return isAbsolute(p) ? p : join(cwd, p);
}

/** Decides the mode, this node's id and the voters (see the file comment). */
export function resolveCluster(s: Settings): ServerConfig {
  const mode: Mode = s.configuredMode === 'cluster' || s.peers.length > 0 ? 'cluster' : 'standalone';
  if (mode === 'standalone') {
    const id = s.nodeId ?? 1;
    return {
      ...s,
      mode,
      id,
      members: [{ id, raft: { host: s.raftHost, port: s.raftPort }, http: { host: s.raftHost, port: s.httpPort } }],
      nodeDataDir: s.dataDir,
    };
  }
  const self: HostPort = { host: s.raftHost, port: s.raftPort };
  const key = (h: HostPort) => formatHostPort(h);
  const seen = new Set<string>();
  const list: { raft: HostPort; http: HostPort | null }[] = [];
  s.peers.forEach((p, i) => {
    if (seen.has(key(p))) invalid(`the peer list names ${key(p)} twice`);
    seen.add(key(p));
    list.push({ raft: p, http: s.httpPeers[i] ?? null });
  });
  if (!seen.has(key(self))) list.push({ raft: self, http: { host: s.raftHost, port: s.httpPort } });
  list.sort((a, b) => (key(a.raft) < key(b.raft) ? -1 : key(a.raft) > key(b.raft) ? 1 : 0));
  const members = list.map((m, i) => ({ id: i + 1, ...m }));
  const id = members.find((m) => key(m.raft) === key(self))!.id;
  if (s.nodeId !== null && s.nodeId !== id) {
    invalid(`--raft-nodeid ${s.nodeId} disagrees with this node's position ${id} in the sorted peer list (${members.map((m) => key(m.raft)).join(' ')}); omit it or fix the peer list`);
  }
  return { ...s, mode, id, members, nodeDataDir: join(s.dataDir, `node-${id}`) };
}

/** Flags + YAML → the resolved configuration; throws CADB0600 on anything invalid. */
export function loadConfig(argv: readonly string[], opts: LoadOptions = {}): ServerConfig {
  return resolveCluster(loadSettings(parseFlags(argv), opts));
}
