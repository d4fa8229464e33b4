import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import { loadConfig, parseFlags, parseHostPort, parseYamlConfig, type ServerConfig } from '../../server/config.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'camus-config-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Loads with an empty working directory (no Config/config.yml) unless one is given. */
function load(argv: string[], cwd = tmp(), env: Record<string, string> = {}): ServerConfig {
  return loadConfig(argv, { cwd, env, hostName: 'testhost' });
}

function configError(f: () => unknown): CamusError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CamusError);
    expect((e as CamusError).code).toBe('CADB0600');
    return e as CamusError;
  }
  throw new Error('expected CADB0600');
}

describe('defaults', () => {
  it('standalone on 5095 with data in ./data, node 1 named after the host', () => {
    const c = load([]);
    expect(c.mode).toBe('standalone');
    expect(c.httpPort).toBe(5095);
    expect(c.raftPort).toBe(7070);
    expect(c.raftHost).toBe('localhost');
    expect(c.httpHost).toBe('0.0.0.0');
    expect(c.initialPartitions).toBe(1);
    expect(c.dataDir).toBe('./data');
    expect(c.nodeDataDir).toBe('./data');
    expect(c.id).toBe(1);
    expect(c.nodeName).toBe('testhost');
    expect(c.members.map((m) => m.id)).toEqual([1]);
    expect(c.configFile).toBeNull();
  });
});

describe('flags', () => {
  it('accepts --flag=value and --flag value', () => {
    const c = load(['--http-port=6000', '--raft-port', '7100', '--raft-nodename', 'n1', '--data-dir=/tmp/x', '--initial-cluster-partitions', '3']);
    expect(c.httpPort).toBe(6000);
    expect(c.raftPort).toBe(7100);
    expect(c.nodeName).toBe('n1');
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.initialPartitions).toBe(3);
  });

  it('list flags take the following words, or one space/comma separated value', () => {
    expect(parseFlags(['--initial-cluster', 'a:1', 'b:2', 'c:3', '--mode', 'cluster']).get('--initial-cluster')).toEqual(['a:1', 'b:2', 'c:3']);
    expect(parseFlags(['--initial-cluster=a:1 b:2,c:3']).get('--initial-cluster')).toEqual(['a:1', 'b:2', 'c:3']);
  });

  it('refuses unknown flags, stray words, repeated flags and missing values, naming them', () => {
    expect(configError(() => load(['--bogus', '1'])).message).toContain('--bogus');
    expect(configError(() => load(['stray'])).message).toContain('stray');
    expect(configError(() => load(['--http-port', '1', '--http-port', '2'])).message).toContain('--http-port');
    expect(configError(() => load(['--http-port'])).message).toContain('--http-port');
  });

  it('--help is recognised', () => {
    expect(parseFlags(['--help']).get('--help')).toBe(true);
    expect(parseFlags(['-h']).get('--help')).toBe(true);
  });
});

describe('validation (CADB0600 naming the key or flag)', () => {
  it.each([
    [['--mode', 'raft'], '--mode'],
    [['--http-port', '0'], '--http-port'],
    [['--http-port', '65536'], '--http-port'],
    [['--raft-port', '-1'], '--raft-port'],
    [['--raft-port', 'abc'], '--raft-port'],
    [['--http-port', '80.5'], '--http-port'],
    [['--initial-cluster-partitions', '0'], '--initial-cluster-partitions'],
    [['--initial-cluster-partitions', 'x'], '--initial-cluster-partitions'],
    [['--initial-cluster', 'nohost'], '--initial-cluster'],
    [['--initial-cluster', 'h:99999'], '--initial-cluster'],
    [['--initial-cluster', 'h:'], '--initial-cluster'],
    [['--initial-cluster', 'a:1', 'b:2', '--http-peers', 'a:3'], '--http-peers'],
    [['--raft-nodeid', '0'], '--raft-nodeid'],
    [['--raft-nodeid', 'one'], '--raft-nodeid'],
    [['--log-level', 'loud'], '--log-level'],
  ])('%j', (argv, named) => {
    expect(configError(() => load(argv)).message).toContain(named);
  });

  it('a missing --config file is an error', () => {
    expect(configError(() => load(['--config', 'nope.yml'])).message).toContain('nope.yml');
  });
});

describe('YAML', () => {
  const yaml = `data_dir: /data/
mode: cluster
node_name: camus-1
raft_host: 192.168.1.10
raft_port: 7070
initial_partitions: 3
http_port: 5095
peers:
  - 192.168.1.10:7070
  - 192.168.1.11:7072
  - 192.168.1.12:7074
http_peers:
  - 192.168.1.10:5095
  - 192.168.1.11:5096
  - 192.168.1.12:5097
`;

  it('reads CamusDB\'s example from Config/config.yml by default', () => {
    const cwd = tmp();
    mkdirSync(join(cwd, 'Config'));
    writeFileSync(join(cwd, 'Config', 'config.yml'), yaml);
    const c = load([], cwd);
    expect(c.configFile).toBe(join(cwd, 'Config', 'config.yml'));
    expect(c.mode).toBe('cluster');
    expect(c.nodeName).toBe('camus-1');
    expect(c.initialPartitions).toBe(3);
    expect(c.id).toBe(1);
    expect(c.members.map((m) => `${m.id}=${m.raft.host}:${m.raft.port}/${m.http?.port}`)).toEqual(['1=192.168.1.10:7070/5095', '2=192.168.1.11:7072/5096', '3=192.168.1.12:7074/5097']);
    expect(c.nodeDataDir).toBe(join('/data', 'node-1'));
  });

  it('flags override keys only when given', () => {
    const cwd = tmp();
    const file = join(cwd, 'c.yml');
    writeFileSync(file, yaml);
    const c = load(['--config', file, '--raft-host', '192.168.1.11', '--raft-port', '7072', '--http-port', '6000'], cwd);
    expect(c.id).toBe(2);
    expect(c.httpPort).toBe(6000);
    expect(c.initialPartitions).toBe(3); // from the file
    expect(c.nodeName).toBe('camus-1'); // from the file
  });

  it('refuses unknown keys and bad values, naming the key', () => {
    expect(configError(() => parseYamlConfig('data_dir: x\nrafthost: y\n')).message).toContain('rafthost');
    const cwd = tmp();
    const file = join(cwd, 'c.yml');
    writeFileSync(file, 'raft_port: 70000\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('raft_port');
    writeFileSync(file, 'initial_partitions: 0\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('initial_partitions');
    writeFileSync(file, 'mode: both\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('mode');
    writeFileSync(file, 'peers: [a:1, b:2]\nhttp_peers: [a:3]\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('http_peers');
    writeFileSync(file, 'http_port: five\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('http_port');
    writeFileSync(file, '- a\n- b\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('mapping');
    writeFileSync(file, 'a: [\n');
    expect(configError(() => load(['--config', file], cwd)).message).toContain('YAML');
  });

  it('an empty file is an empty configuration; the flag overrides a YAML peer list', () => {
    const cwd = tmp();
    const file = join(cwd, 'c.yml');
    writeFileSync(file, '');
    expect(load(['--config', file], cwd).mode).toBe('standalone');
    writeFileSync(file, 'peers: [x:1, y:2]\n');
    expect(load(['--config', file, '--initial-cluster', 'localhost:7070', 'z:3'], cwd).members.map((m) => m.raft.host)).toEqual(['localhost', 'z']);
  });
});

describe('mode and node ids', () => {
  const peers = ['127.0.0.3:7074', '127.0.0.1:7070', '127.0.0.2:7072'];

  it('a peer list means cluster mode, even without --mode', () => {
    expect(load(['--raft-host', '127.0.0.1', '--initial-cluster', ...peers]).mode).toBe('cluster');
    expect(load(['--mode', 'cluster']).mode).toBe('cluster');
  });

  it('ids are positions in the sorted list, the same on every node, with or without the node itself', () => {
    const withSelf = ['127.0.0.1:7070', '127.0.0.2:7072', '127.0.0.3:7074'].map((self) => {
      const [host, port] = self.split(':');
      return load(['--raft-host', host!, '--raft-port', port!, '--initial-cluster', ...peers]);
    });
    expect(withSelf.map((c) => c.id)).toEqual([1, 2, 3]);
    for (const c of withSelf) expect(c.members.map((m) => `${m.raft.host}:${m.raft.port}`)).toEqual(['127.0.0.1:7070', '127.0.0.2:7072', '127.0.0.3:7074']);
    // Without itself: node 2 lists only the others.
    const c2 = load(['--raft-host', '127.0.0.2', '--raft-port', '7072', '--initial-cluster', '127.0.0.3:7074', '127.0.0.1:7070']);
    expect(c2.id).toBe(2);
    expect(c2.members).toHaveLength(3);
    expect(c2.nodeDataDir).toBe(join('./data', 'node-2'));
  });

  it('http peers stay parallel to the peers they were given with', () => {
    const c = load(['--raft-host', '127.0.0.2', '--raft-port', '7072', '--initial-cluster', ...peers, '--http-peers', '127.0.0.3:5097', '127.0.0.1:5095', '127.0.0.2:5096']);
    expect(c.members.map((m) => m.http?.port)).toEqual([5095, 5096, 5097]);
  });

  it('--raft-nodeid must agree with the position; in standalone mode it is the id', () => {
    expect(load(['--raft-host', '127.0.0.2', '--raft-port', '7072', '--raft-nodeid', '2', '--initial-cluster', ...peers]).id).toBe(2);
    expect(configError(() => load(['--raft-host', '127.0.0.2', '--raft-port', '7072', '--raft-nodeid', '1', '--initial-cluster', ...peers])).message).toContain('--raft-nodeid');
    expect(load(['--raft-nodeid', '4']).id).toBe(4);
  });

  it('a peer listed twice is refused', () => {
    expect(configError(() => load(['--initial-cluster', 'a:1', 'A:1'])).message).toContain('twice');
  });

  it('host:port parsing handles names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('Camus1:7070', 'x')).toEqual({ host: 'camus1', port: 7070 });
    expect(parseHostPort('[::1]:7070', 'x')).toEqual({ host: '::1', port: 7070 });
    expect(() => parseHostPort('::1:7070', 'x')).toThrow(CamusError);
  });

  it('cluster_secret comes from the flag, the key or CAMUS_CLUSTER_SECRET', () => {
    expect(load(['--cluster-secret', 's1']).clusterSecret).toBe('s1');
    expect(load([], tmp(), { CAMUS_CLUSTER_SECRET: 'env' }).clusterSecret).toBe('env');
    expect(load([]).clusterSecret).toBe('');
  });
});

describe('server/io.ts (wall-clock world)', async () => {
  const { CryptoRandom, wallClock, wallTimer } = await import('../../server/io.js');

  it('Random: int is inclusive and uniform-ish, next is in [0, 1)', () => {
    const r = new CryptoRandom();
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[r.int(0, 5)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = r.int(-3, -1);
      expect(n >= -3 && n <= -1).toBe(true);
    }
    expect(r.int(7, 7)).toBe(7);
    const big = r.int(0, 2 ** 40);
    expect(Number.isSafeInteger(big) && big >= 0 && big <= 2 ** 40).toBe(true);
    expect(() => r.int(2, 1)).toThrow();
  });

  it('Timer: callbacks run later as their own events; cancel works', async () => {
    const seen: string[] = [];
    wallTimer.after(0, () => seen.push('a'));
    const cancel = wallTimer.after(5, () => seen.push('cancelled'));
    wallTimer.after(10, () => seen.push('b'));
    seen.push('sync');
    cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual(['sync', 'a', 'b']);
    expect(Math.abs(wallClock.nowMs() - Date.now())).toBeLessThan(5);
  });
});
