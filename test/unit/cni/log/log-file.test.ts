// `log.file` / HNS_CNI_LOG name any path, and hns-cni runs as root or LocalSystem: only a regular file it created
// (or an empty one, or one that already holds its records) in a private directory is written and rotated; anything
// else is refused before a byte is written or a file renamed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileSink } from '../../../../src/log/file-sink.js';
import { isOwnLogLine, LogFileRefused, rotatedName } from '../../../../src/log/log-file.js';
import type { LogRecord } from '../../../../src/log/logger.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-file-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const record = (msg: string): LogRecord => ({
  time: '2026-01-01T00:00:00.000Z',
  level: 'info',
  inv: 'abcd1234',
  verb: 'ADD',
  cid: 'c',
  ms: 1,
  msg,
});
const ownLine = `${JSON.stringify(record('earlier'))}\n`;

async function refusal(file: string): Promise<string> {
  try {
    const sink = await openFileSink(file);
    await sink.close();
  } catch (e) {
    expect(e).toBeInstanceOf(LogFileRefused);
    return (e as LogFileRefused).reason;
  }
  throw new Error(`${file} was accepted`);
}

async function writeOne(file: string, limits?: { maxBytes: number; maxFiles: number }): Promise<void> {
  const sink = await openFileSink(file, limits);
  sink.write(record('new line'));
  await sink.close();
}

describe('log files hns-cni refuses', () => {
  it('a copy of /etc/passwd: not written, not renamed', async () => {
    const file = path.join(dir, 'passwd');
    fs.copyFileSync('/etc/passwd', file);
    const before = fs.readFileSync(file);
    expect(await refusal(file)).toMatch(/not an hns-cni log/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['passwd']);
  });

  it('an existing 11 MB file that is not a log: not rotated away', async () => {
    const file = path.join(dir, 'data.log');
    fs.writeFileSync(file, Buffer.alloc(11 * 1024 * 1024, 'a'));
    expect(await refusal(file)).toMatch(/not an hns-cni log/);
    expect(fs.readdirSync(dir)).toEqual(['data.log']);
    expect(fs.statSync(file).size).toBe(11 * 1024 * 1024);
  });

  it('relative paths and ".." segments', async () => {
    expect(await refusal('hns-cni.log')).toMatch(/must be an absolute path/);
    expect(await refusal('../../etc/hns-cni.log')).toMatch(/must be an absolute path/);
    expect(await refusal(`${dir}/../${path.basename(dir)}/x.log`)).toMatch(/must not contain "\.\." segments/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a symbolic link to a file, even to an hns-cni log', async () => {
    const target = path.join(dir, 'real.log');
    fs.writeFileSync(target, ownLine);
    fs.symlinkSync(target, path.join(dir, 'link.log'));
    expect(await refusal(path.join(dir, 'link.log'))).toMatch(/symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe(ownLine);
  });

  it('a file with a second name (a hard link can reach any file on the volume)', async () => {
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, ownLine);
    fs.linkSync(target, path.join(dir, 'hard.log'));
    expect(await refusal(path.join(dir, 'hard.log'))).toMatch(/2 names/);
    expect(fs.readFileSync(target, 'utf8')).toBe(ownLine);
  });

  it('a directory, a FIFO', async () => {
    fs.mkdirSync(path.join(dir, 'd.log'));
    expect(await refusal(path.join(dir, 'd.log'))).toMatch(/not a regular file/);
    execFileSync('mkfifo', [path.join(dir, 'fifo.log')]);
    expect(await refusal(path.join(dir, 'fifo.log'))).toMatch(/not a regular file/);
  });

  it('a directory other users may write to', async () => {
    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    expect(await refusal(path.join(open, 'hns-cni.log'))).toMatch(/directory is not safe: group or others may write/);
    expect(fs.readdirSync(open)).toEqual([]);
  });

  it('rotation over a file that is not an hns-cni log: nothing is renamed', async () => {
    const file = path.join(dir, 'hns-cni.log');
    fs.writeFileSync(file, ownLine.repeat(200));
    fs.writeFileSync(rotatedName(file, 2), 'someone else\n');
    expect(await refusal2(file, { maxBytes: 1024, maxFiles: 3 })).toMatch(
      /hns-cni2\.log.*not an hns-cni log|not an hns-cni log/,
    );
    expect(fs.readdirSync(dir).sort()).toEqual(['hns-cni.log', 'hns-cni2.log']);
    expect(fs.readFileSync(rotatedName(file, 2), 'utf8')).toBe('someone else\n');
  });
});

async function refusal2(file: string, limits: { maxBytes: number; maxFiles: number }): Promise<string> {
  try {
    await writeOne(file, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(LogFileRefused);
    return (e as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe('log files hns-cni uses', () => {
  it('a new file: created with mode 0600', async () => {
    const file = path.join(dir, 'sub', 'hns-cni.log');
    await writeOne(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o077).toBe(0);
    expect(isOwnLogLine(fs.readFileSync(file, 'utf8').trimEnd())).toBe(true);
  });

  it('an empty file', async () => {
    const file = path.join(dir, 'empty.log');
    fs.writeFileSync(file, '');
    await writeOne(file);
    expect(fs.readFileSync(file, 'utf8')).toContain('"msg":"new line"');
  });

  it('its own log, appended to', async () => {
    const file = path.join(dir, 'hns-cni.log');
    fs.writeFileSync(file, ownLine);
    await writeOne(file);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['earlier', 'new line']);
  });

  it('its own full log, rotated: the newest lines stay in the configured name', async () => {
    const file = path.join(dir, 'hns-cni.log');
    fs.writeFileSync(file, ownLine.repeat(100));
    fs.writeFileSync(rotatedName(file, 1), ownLine);
    await writeOne(file, { maxBytes: 1024, maxFiles: 3 });
    expect(fs.readdirSync(dir).sort()).toEqual(['hns-cni.log', 'hns-cni1.log', 'hns-cni2.log']);
    expect(fs.readFileSync(rotatedName(file, 1), 'utf8')).toBe(ownLine.repeat(100));
    expect(fs.readFileSync(file, 'utf8')).toContain('"msg":"new line"');
  });
});

describe('isOwnLogLine', () => {
  it('recognises a record by its leading fields', () => {
    expect(isOwnLogLine(ownLine.trimEnd())).toBe(true);
    expect(isOwnLogLine('root:x:0:0:root:/root:/bin/bash')).toBe(false);
    expect(isOwnLogLine('{"level":"info","time":"x"}')).toBe(false);
    expect(isOwnLogLine('[]')).toBe(false);
  });
});
