// The CNI protocol as the runtime sees it, through the built executable (dist/hns-cni or $HNS_CNI_BIN).
// Only protocol behaviour is asserted here (env, versions, decoding, validation, logging), never a verb's outcome:
// the handlers behind ADD/DEL/... are the plugin's. Result conversion for each cniVersion is tested in process
// (test/unit/cni/dispatch.test.ts) because no handler returns a result yet; the integrator adds process-level
// conversion tests with ADD (test/e2e/plugin-*.test.ts). Code 999 is likewise unit-tested: no honest input makes
// the product throw an unexpected exception, and a test hook in the product is not acceptable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cniEnv, type LogDir, makeLogDir, pluginBinary, runPlugin } from '../helpers/plugin-process.js';

const SUPPORTED = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const config = (cniVersion: string | undefined, extra: Record<string, unknown> = {}) => ({
  ...(cniVersion === undefined ? {} : { cniVersion }),
  name: 'pods',
  type: 'hns-cni',
  ...extra,
});

let logs: LogDir;
beforeAll(() => {
  if (!fs.existsSync(pluginBinary())) throw new Error(`${pluginBinary()} is missing: run npm run build first`);
});
afterEach(() => logs?.cleanup());
const newLog = () => {
  logs = makeLogDir();
  return logs;
};

function expectOneErrorDocument(stdout: string, json: Record<string, unknown> | undefined) {
  expect(stdout.trim().split('\n')).toHaveLength(1);
  expect(Object.keys(json ?? {}).sort()).toEqual(['cniVersion', 'code', 'details', 'msg']);
  expect(stdout).not.toMatch(/\n\s+at /); // never a stack trace
}

describe('VERSION', () => {
  it('answers without reading stdin (stdin left open), whatever else is in the environment', async () => {
    const { env } = newLog();
    const r = await runPlugin({ env: { ...env, CNI_COMMAND: 'VERSION' }, stdin: 'leave-open', timeoutMs: 15_000 });
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: SUPPORTED });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('ignores libcni\'s "dummy" NETNS/IFNAME/PATH', async () => {
    const env = { CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' };
    const r = await runPlugin({ env: { ...env, ...newLog().env }, stdin: '{"cniVersion":"1.1.0"}' });
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: SUPPORTED });
  });
});

describe('no CNI_COMMAND', () => {
  it('prints the about text on stderr, nothing on stdout, and exits 0 (skel)', async () => {
    const r = await runPlugin({ env: newLog().env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0');
  });
});

describe('code 4: environment', () => {
  it('lists every missing variable in one error', async () => {
    const r = await runPlugin({ env: { ...newLog().env, CNI_COMMAND: 'ADD' }, stdin: config('1.1.0') });
    expect(r.code).toBe(1);
    expectOneErrorDocument(r.stdout, r.json);
    expect(r.json).toMatchObject({
      cniVersion: '1.1.0',
      code: 4,
      msg: 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing',
    });
  });

  it('reports invalid container id, interface name and CNI_ARGS together', async () => {
    const env = cniEnv('ADD', { CNI_CONTAINERID: '../etc', CNI_IFNAME: 'a-very-long-ifname0', CNI_ARGS: 'FOO=1' });
    const r = await runPlugin({ env: { ...env, ...newLog().env }, stdin: config('1.1.0') });
    expect(r.json?.code).toBe(4);
    const msg = String(r.json?.msg);
    expect(msg).toContain('CNI_CONTAINERID: invalid characters');
    expect(msg).toContain('CNI_IFNAME: interface name "a-very-long-ifname0" is longer than 15 bytes');
    expect(msg).toContain('CNI_ARGS: unknown keys ["FOO"]');
  });

  it('names an unknown command', async () => {
    const r = await runPlugin({ env: { ...cniEnv('FROB'), ...newLog().env }, stdin: config('1.1.0') });
    expect(r.json).toMatchObject({ code: 4, msg: 'unknown CNI_COMMAND: FROB' });
  });
});

describe('code 6: decoding', () => {
  it.each(['{"cniVersion":', 'not json', '[]', ''])('rejects stdin %j', async (stdin) => {
    const r = await runPlugin({ env: { ...cniEnv('ADD'), ...newLog().env }, stdin });
    expect(r.code).toBe(1);
    expectOneErrorDocument(r.stdout, r.json);
    expect(r.json?.code).toBe(6);
  });
});

describe('code 1: versions', () => {
  it.each([
    ['ADD', '0.5.0', 'incompatible CNI versions'],
    ['DEL', '1.2.0', 'incompatible CNI versions'],
    ['CHECK', '0.2.0', 'config version does not allow CHECK'],
    ['CHECK', undefined, 'config version does not allow CHECK'], // no cniVersion means 0.1.0
    ['CHECK', '0.3.1', 'config version does not allow CHECK'],
    ['GC', '1.0.0', 'config version does not allow GC'],
    ['STATUS', '1.0.0', 'config version does not allow STATUS'],
  ])('%s with cniVersion %s', async (verb, version, msg) => {
    const r = await runPlugin({ env: { ...cniEnv(verb), ...newLog().env }, stdin: config(version) });
    expect(r.code).toBe(1);
    expectOneErrorDocument(r.stdout, r.json);
    expect(r.json).toMatchObject({ code: 1, msg });
  });
});

describe('code 7: configuration', () => {
  it('names each invalid or unknown field by its JSON path, in the request version', async () => {
    const stdin = config('0.4.0', { dns: { nameservers: ['10.96.0.10', 53] }, bogusField: true });
    const r = await runPlugin({ env: { ...cniEnv('ADD'), ...newLog().env }, stdin });
    expect(r.code).toBe(1);
    expectOneErrorDocument(r.stdout, r.json);
    expect(r.json).toMatchObject({ cniVersion: '0.4.0', code: 7 });
    expect(r.json?.msg).toContain('dns.nameservers[1]: ');
    expect(r.json?.msg).toContain('bogusField: unknown field');
  });

  it('rejects a network name libcni would reject', async () => {
    const r = await runPlugin({
      env: { ...cniEnv('DEL'), ...newLog().env },
      stdin: config('1.0.0', { name: 'my net' }),
    });
    expect(r.json).toMatchObject({ code: 7, msg: expect.stringContaining('name: ') });
  });
});

describe('what reaches the plugin', () => {
  // The config is deliberately invalid (unknown key → code 7) so the run stops before any handler; the log shows
  // what the protocol layer read: CNI_ARGS values and runtimeConfig (at debug).
  const stopsAtValidation = (runtimeConfig: Record<string, unknown>) =>
    config('1.1.0', { runtimeConfig, stopHere: true });

  it('decodes non-ASCII CNI_ARGS values intact', async () => {
    const log = newLog();
    const CNI_ARGS = 'K8S_POD_NAME=pöd-名前-🚀;IgnoreUnknown=1;K8S_POD_NAMESPACE=ñs;EXTRA=ø';
    const r = await runPlugin({ env: { ...cniEnv('ADD', { CNI_ARGS }), ...log.env }, stdin: stopsAtValidation({}) });
    expect(r.json?.code).toBe(7);
    const start = log.readLog().find((l) => l.msg === 'ADD start');
    expect(start?.args).toEqual({
      K8S_POD_NAME: 'pöd-名前-🚀',
      IgnoreUnknown: '1',
      K8S_POD_NAMESPACE: 'ñs',
      EXTRA: 'ø',
    });
  });

  it("reads containerd's PascalCase runtimeConfig keys as the conventions' names", async () => {
    const log = newLog();
    const runtimeConfig = {
      portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }],
      dns: { Servers: ['10.96.0.10'], Searches: ['default.svc.cluster.local'], Options: ['ndots:5'] },
    };
    const env = { ...cniEnv('ADD'), ...log.env, HNS_CNI_LOG_LEVEL: 'debug' };
    const r = await runPlugin({ env, stdin: stopsAtValidation(runtimeConfig) });
    expect(r.json?.code).toBe(7);
    expect(log.readLog().find((l) => l.msg === 'runtimeConfig')?.runtimeConfig).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }],
      dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    });
  });
});

describe('logging', () => {
  it('writes JSON lines with invocation id, verb, container id and time to the log file, never to stdout', async () => {
    const log = newLog();
    const r = await runPlugin({ env: { ...cniEnv('CHECK'), ...log.env }, stdin: config('1.0.0', { junk: 1 }) });
    expect(r.json?.code).toBe(7);
    expect(r.stderr).toBe('');
    const lines = log.readLog();
    expect(lines[0]?.msg).toBe('CHECK start');
    expect(lines.at(-1)?.msg).toBe('CHECK failed');
    const inv = lines[0]?.inv;
    expect(inv).toMatch(/^[0-9a-f]{8}$/);
    for (const line of lines) {
      expect(line).toMatchObject({ inv, verb: 'CHECK', cid: 'e2e0123456789abcdef' });
      expect(typeof line.ms).toBe('number');
    }
    expect(lines.at(-1)).toMatchObject({ level: 'warn', code: 7 });
  });

  it('takes the file and level from the config when the environment does not set them', async () => {
    const log = newLog();
    const file = path.join(log.dir, 'from-config', 'plugin.log');
    const r = await runPlugin({
      env: cniEnv('DEL'),
      stdin: config('1.1.0', { log: { file, level: 'warn' }, junk: 1 }),
    });
    expect(r.json?.code).toBe(7);
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toContain('DEL failed');
    expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]); // below warn
  });

  it('still answers when the log directory cannot be created', async () => {
    const log = newLog();
    fs.writeFileSync(path.join(log.dir, 'file'), '');
    const env = { ...cniEnv('ADD'), HNS_CNI_LOG: path.join(log.dir, 'file', 'sub', 'x.log') };
    const r = await runPlugin({ env, stdin: config('0.3.1', { junk: 1 }) });
    expect(r.code).toBe(1);
    expectOneErrorDocument(r.stdout, r.json);
    expect(r.json).toMatchObject({ cniVersion: '0.3.1', code: 7 });
  });
});
