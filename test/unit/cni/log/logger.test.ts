import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileSink } from '../../../../src/log/file-sink.js';
import {
  closeLog,
  configureLog,
  defaultLogFile,
  invocationId,
  type LogRecord,
  log,
  resetLogForTests,
  resolveLogOptions,
  setLogContext,
  useWriter,
} from '../../../../src/log/logger.js';

let dir: string;
beforeEach(() => {
  resetLogForTests();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-log-test-'));
});
afterEach(async () => {
  await closeLog();
  resetLogForTests();
  fs.rmSync(dir, { recursive: true, force: true });
});

const readLines = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogRecord);

describe('log options', () => {
  it('env overrides the config, the config overrides the defaults', () => {
    expect(resolveLogOptions({ file: '/cfg.log', level: 'warn' }, {})).toEqual({
      file: '/cfg.log',
      fileSource: 'log.file',
      level: 'warn',
    });
    expect(
      resolveLogOptions({ file: '/cfg.log', level: 'warn' }, { HNS_CNI_LOG: '/env.log', HNS_CNI_LOG_LEVEL: 'DEBUG' }),
    ).toEqual({ file: '/env.log', fileSource: 'HNS_CNI_LOG', level: 'debug' });
    expect(resolveLogOptions({}, {})).toEqual({ file: defaultLogFile(), fileSource: 'default', level: 'info' });
    expect(resolveLogOptions({}, { HNS_CNI_LOG_LEVEL: 'chatty' }).level).toBe('info');
  });

  it('defaults to ProgramData on Windows and the temp dir elsewhere', () => {
    expect(defaultLogFile('win32')).toMatch(/\\hns-cni\\hns-cni\.log$/);
    expect(defaultLogFile('win32')).toMatch(/^([A-Z]:\\ProgramData|.*ProgramData)/i);
    expect(defaultLogFile('linux')).toBe(path.join(os.tmpdir(), 'hns-cni', 'hns-cni.log'));
  });
});

describe('logger', () => {
  it('buffers lines until configured, then writes them stamped with the invocation context', () => {
    const written: LogRecord[] = [];
    log.info('before context');
    setLogContext({ verb: 'ADD', containerId: 'c1' });
    log.debug('debug line', { n: 1 });
    log.warn('with meta', { endpoint: 'e1', error: new Error('boom') });
    expect(written).toEqual([]);
    useWriter({ write: (r) => written.push(r), close: async () => {} });
    // No level was configured (useWriter alone): everything buffered comes out, context stamped on each line.
    expect(written.map((r) => r.msg)).toEqual(['before context', 'debug line', 'with meta']);
    for (const r of written) {
      expect(r).toMatchObject({ inv: invocationId(), verb: 'ADD', cid: 'c1' });
      expect(typeof r.ms).toBe('number');
      expect(Date.parse(r.time)).not.toBeNaN();
    }
    expect(written[2]).toMatchObject({ endpoint: 'e1', error: { name: 'Error', message: 'boom' } });
    expect((written[2]!.error as { stack: string }).stack).toContain('boom');
  });

  it('writes JSON lines to the configured file, filtered by level, and closeLog waits until they are on disk', async () => {
    const file = path.join(dir, 'nested', 'hns-cni.log');
    setLogContext({ verb: 'DEL', containerId: 'c2' });
    log.debug('buffered debug');
    log.info('buffered info');
    await configureLog({ file, level: 'info' }, {});
    log.info('after configure', { ip: '10.0.0.5' });
    log.debug('filtered');
    await closeLog();
    const lines = readLines(file);
    expect(lines.map((l) => l.msg)).toEqual(['buffered info', 'after configure']);
    expect(lines[1]).toMatchObject({ level: 'info', verb: 'DEL', cid: 'c2', ip: '10.0.0.5' });
  });

  it('carries on without a log when the directory cannot be created', async () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    await expect(configureLog({ file: path.join(blocker, 'sub', 'x.log') }, {})).resolves.toBeUndefined();
    expect(() => log.error('still fine')).not.toThrow();
    await expect(closeLog()).resolves.toBeUndefined();
  });

  it('never throws into the caller, even for values JSON cannot encode', async () => {
    const file = path.join(dir, 'x.log');
    await configureLog({ file }, {});
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => log.info('circular', { circular })).not.toThrow();
    log.info('big', { n: 10n });
    await closeLog();
    expect(readLines(file).map((l) => [l.msg, l.n])).toEqual([['big', '10']]);
  });
});

describe('file sink rotation', () => {
  // winston decides to rotate as writes complete, so a file can overshoot maxBytes by the writes in flight (here at
  // most one burst of 5 lines); the total stays bounded by maxFiles files.
  it('keeps the log bounded: at most maxFiles files, each at most maxBytes plus the writes in flight', async () => {
    const file = path.join(dir, 'rot.log');
    const sink = await openFileSink(file, { maxBytes: 4096, maxFiles: 3 });
    expect(sink).toBeDefined();
    const filler = 'x'.repeat(500);
    for (let i = 0; i < 60; i++) {
      sink!.write({ time: '', level: 'info', inv: 'i', verb: 'ADD', cid: 'c', ms: i, msg: filler });
      // rotation is decided as writes complete: give the stream a turn now and then
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await sink!.close();
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('rot'));
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(3);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(4096 + 5 * 600);
    expect(readLines(file).at(-1)?.ms).toBe(59); // tailable: the newest lines stay in the configured name
  });
});
