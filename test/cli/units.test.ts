import { describe, expect, it } from 'vitest';
import { parseArgs, parseConnectionString } from '../../cli/args.js';
import { requestBody } from '../../cli/client.js';
import { formatColumnValue, formatTable } from '../../cli/format.js';
import { parseJson, type JsonValue } from '../../cli/json.js';
import { classifyStatement, parseCommand } from '../../cli/shell.js';

describe('arguments', () => {
  it('defaults to localhost:5095 and database test', () => {
    expect(parseArgs([])).toEqual({ kind: 'run', endpoint: 'http://localhost:5095', database: 'test', execute: null });
  });

  it('reads the connection string with case-insensitive keys; a positional database overrides it', () => {
    expect(parseArgs(['-c', 'endpoint=http://h:1;DATABASE=shop;'])).toMatchObject({ endpoint: 'http://h:1', database: 'shop' });
    expect(parseArgs(['other', '-c', 'Endpoint=http://h:1;Database=shop'])).toMatchObject({ database: 'other' });
    expect(parseArgs(['--connection=Endpoint=h:2', '-e', 'SELECT 1'])).toMatchObject({ endpoint: 'http://h:2', execute: 'SELECT 1' });
    expect(parseConnectionString('Endpoint = http://x:1 ; Timeout=5')).toEqual({ endpoint: 'http://x:1' });
  });

  it('reports bad usage', () => {
    expect(parseArgs(['--nope']).kind).toBe('usage-error');
    expect(parseArgs(['-c']).kind).toBe('usage-error');
    expect(parseArgs(['-c', 'Endpoint']).kind).toBe('usage-error');
    expect(parseArgs(['-c', 'Database=']).kind).toBe('usage-error');
    expect(parseArgs(['-c', 'Endpoint=ftp://x']).kind).toBe('usage-error');
    expect(parseArgs(['a', 'b']).kind).toBe('usage-error');
    expect(parseArgs(['-h']).kind).toBe('help');
    expect(parseArgs(['--version']).kind).toBe('version');
  });
});

describe('commands and routing', () => {
  it('recognizes shell commands case-insensitively, with or without ;', () => {
    expect(parseCommand('EXIT;')).toEqual({ kind: 'exit' });
    expect(parseCommand(' quit ')).toEqual({ kind: 'exit' });
    expect(parseCommand('Clear')).toEqual({ kind: 'clear' });
    expect(parseCommand('USE shop;')).toEqual({ kind: 'use', database: 'shop' });
    expect(parseCommand('use `my db`')).toEqual({ kind: 'use', database: 'my db' });
    expect(parseCommand('use')).toEqual({ kind: 'use', database: null });
    expect(parseCommand("source '/tmp/a b.sql';")).toEqual({ kind: 'source', path: '/tmp/a b.sql' });
    expect(parseCommand('use shop; SELECT 1')).toEqual({ kind: 'use', database: null });
    expect(parseCommand('SELECT 1')).toBeNull();
    expect(parseCommand('exiting')).toBeNull();
    expect(parseCommand('users')).toBeNull();
  });

  it('routes statements by their first words', () => {
    expect(classifyStatement('select 1')).toBe('query');
    expect(classifyStatement('SHOW TABLES')).toBe('query');
    expect(classifyStatement('describe t')).toBe('query');
    expect(classifyStatement('DESC t')).toBe('query');
    expect(classifyStatement('EXPLAIN SELECT 1')).toBe('query');
    expect(classifyStatement('create table t (a int64)')).toBe('ddl');
    expect(classifyStatement('DROP TABLE t')).toBe('ddl');
    expect(classifyStatement('ALTER TABLE t DROP COLUMN a')).toBe('ddl');
    expect(classifyStatement('INSERT INTO t VALUES (1)')).toBe('non-query');
    expect(classifyStatement('update t set a = 1 where a = 2')).toBe('non-query');
    expect(classifyStatement('DELETE FROM t WHERE a = 1')).toBe('non-query');
    expect(classifyStatement('begin')).toBe('begin');
    expect(classifyStatement('START TRANSACTION')).toBe('begin');
    expect(classifyStatement('commit')).toBe('commit');
    expect(classifyStatement('ROLLBACK')).toBe('rollback');
  });
});

describe('exact JSON and formatting', () => {
  it('keeps big integers exact and key order as written', () => {
    const v = parseJson('{"2":1,"b":9007199254740993,"a":-9223372036854775808,"f":1.5e3,"s":"x\\"y","n":null,"t":[true,false]}');
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, JsonValue>;
    expect([...m.keys()]).toEqual(['2', 'b', 'a', 'f', 's', 'n', 't']);
    expect(m.get('b')).toBe(9007199254740993n);
    expect(m.get('a')).toBe(-9223372036854775808n);
    expect(m.get('f')).toBe(1500);
    expect(m.get('s')).toBe('x"y');
    expect(() => parseJson('{"a":}')).toThrow();
    expect(() => parseJson('{} x')).toThrow();
  });

  it('formats ColumnValues', () => {
    const cv = (json: string) => formatColumnValue(parseJson(json)).text;
    expect(cv('{"type":0}')).toBe('NULL');
    expect(cv('{"type":1,"strValue":"65a1b2c3d4e5f6a7b8c9d0e1"}')).toBe('65a1b2c3d4e5f6a7b8c9d0e1');
    expect(cv('{"type":2,"longValue":9223372036854775807}')).toBe('9223372036854775807');
    expect(cv('{"type":3,"strValue":"hi"}')).toBe('hi');
    expect(cv('{"type":4,"boolValue":true}')).toBe('true');
    expect(cv('{"type":5,"floatValue":0.30000000000000004}')).toBe('0.30000000000000004');
    expect(cv('{"type":5,"floatValue":2}')).toBe('2');
  });

  it('aligns a table, numbers to the right', () => {
    const rows = parseJson(
      '[{"id":{"type":2,"longValue":1},"name":{"type":3,"strValue":"alice"}},{"id":{"type":2,"longValue":100},"name":{"type":0}}]',
    ) as JsonValue[];
    expect(formatTable(rows)).toBe(['  id | name', '-----+-------', '   1 | alice', ' 100 | NULL', ''].join('\n'));
    expect(formatTable([])).toBe('');
  });

  it('sends transaction ids as raw JSON numbers', () => {
    expect(requestBody({ databaseName: 'test' }, { txnIdPT: '1723456789012345678', txnIdCounter: '3' })).toBe(
      '{"databaseName":"test","txnIdPT":1723456789012345678,"txnIdCounter":3}',
    );
    expect(requestBody({}, { txnIdPT: '1', txnIdCounter: '2' })).toBe('{"txnIdPT":1,"txnIdCounter":2}');
  });
});
