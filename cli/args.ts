/** Command-line parsing for camus-cli. */

export const DEFAULT_ENDPOINT = 'http://localhost:5095';
export const DEFAULT_DATABASE = 'test';

export type ParsedArgs =
  | { kind: 'run'; endpoint: string; database: string; execute: string | null }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

export const USAGE = `Usage: camus-cli [database] [options]

Interactive SQL shell for CamusDB.

Options:
  -c, --connection <string>  connection string, e.g. "Endpoint=http://localhost:5095;Database=test"
  -e, --execute <sql>        run the SQL and exit
  -h, --help                 show this help and exit
  -v, --version              print the version and exit

A database given as an argument overrides the connection string's.
When standard input is not a terminal, the SQL is read from it and run.
Exit status: 0 success, 1 a statement failed, 2 bad usage.

Shell commands: clear, source <path>, use <database>, exit, quit.
`;

/**
 * Parses `Endpoint=...;Database=...` (keys case-insensitive, `;`-separated,
 * empty parts ignored). Unknown keys are ignored, as connection strings often
 * carry settings for other tools. Throws on a part without `=` or an empty value.
 */
export function parseConnectionString(s: string): { endpoint?: string; database?: string } {
  const out: { endpoint?: string; database?: string } = {};
  for (const part of s.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`malformed connection string part '${part.trim()}' (expected key=value)`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === '') throw new Error(`malformed connection string part '${part.trim()}' (empty key)`);
    if (key === 'endpoint' || key === 'database') {
      if (value === '') throw new Error(`empty ${key} in connection string`);
      out[key] = value;
    }
  }
  return out;
}

/** Validates an endpoint, adding `http://` when no scheme is given; throws when it is not an http(s) URL. */
export function normalizeEndpoint(endpoint: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`invalid endpoint '${endpoint}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid endpoint '${endpoint}' (http or https only)`);
  return withScheme.replace(/\/+$/, '');
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let connection: string | null = null;
  let execute: string | null = null;
  const positional: string[] = [];
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let name = arg;
    let inline: string | null = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    const value = (): string | null => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) return null;
      return argv[++i] as string;
    };
    switch (name) {
      case '-h':
      case '--help':
        help = true;
        break;
      case '-v':
      case '--version':
        version = true;
        break;
      case '-c':
      case '--connection': {
        const v = value();
        if (v === null) return { kind: 'usage-error', message: `option ${name} needs a value` };
        connection = v;
        break;
      }
      case '-e':
      case '--execute': {
        const v = value();
        if (v === null) return { kind: 'usage-error', message: `option ${name} needs a value` };
        execute = v;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') return { kind: 'usage-error', message: `unknown option '${arg}'` };
        positional.push(arg);
    }
  }
  if (help) return { kind: 'help' };
  if (version) return { kind: 'version' };
  if (positional.length > 1) return { kind: 'usage-error', message: `unexpected argument '${positional[1]}'` };

  let endpoint = DEFAULT_ENDPOINT;
  let database = DEFAULT_DATABASE;
  if (connection !== null) {
    try {
      const cs = parseConnectionString(connection);
      if (cs.endpoint !== undefined) endpoint = cs.endpoint;
      if (cs.database !== undefined) database = cs.database;
    } catch (err) {
      return { kind: 'usage-error', message: (err as Error).message };
    }
  }
  try {
    endpoint = normalizeEndpoint(endpoint);
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
  if (positional.length === 1) {
    const db = positional[0] as string;
    if (db.trim() === '') return { kind: 'usage-error', message: 'empty database name' };
    database = db;
  }
  return { kind: 'run', endpoint, database, execute };
}
