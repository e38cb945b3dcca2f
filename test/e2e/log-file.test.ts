// `log.file` and HNS_CNI_LOG through the built executable: a file that is not hns-cni's own log (a copy of
// /etc/passwd, someone's 11 MB data file) or a relative path is refused; the pod still gets its network, the file is
// left exactly as it was, and the default log (here under TMPDIR) says what was refused and why.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig } from '../fixtures/minimal-config.js';
import { cniEnv, runPlugin } from '../helpers/plugin-process.js';

let dir: string;
let tmp: string;
let cwd: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-logfile-'));
  tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp, { mode: 0o700 });
  cwd = path.join(dir, 'cwd', 'inner'); // the plugin's working directory: "../escaped.log" would land in cwd/
  fs.mkdirSync(cwd, { recursive: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const defaultLog = () => path.join(tmp, 'hns-cni', 'hns-cni.log');
let pod = 0;

async function add(config: Record<string, unknown>, env: Record<string, string> = {}) {
  pod++;
  const base = {
    HNS_CNI_HCN: 'sim',
    HNS_CNI_SIM_STATE: path.join(dir, 'sim-state.json'),
    HNS_CNI_DATA_DIR: path.join(dir, 'data'),
    TMPDIR: tmp,
  };
  const ns = await runPlugin({ env: base, args: ['hns', 'namespace-create', '--json'], expectJson: true });
  const run = await runPlugin({
    env: {
      ...base,
      ...cniEnv('ADD', { CNI_CONTAINERID: `logfile-pod-${pod}`, CNI_NETNS: String(ns.json!.ID) }),
      ...env,
    },
    stdin: config,
    cwd,
  });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.json!.ips).toBeDefined();
}

function refusals(): Array<Record<string, unknown>> {
  return fs
    .readFileSync(defaultLog(), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.msg === 'the configured log file was refused; logging to the default file');
}

describe('a log file that is not hns-cni own', () => {
  it('log.file naming a copy of /etc/passwd: left untouched, the refusal logged in the default log', async () => {
    const victim = path.join(dir, 'passwd-copy');
    fs.copyFileSync('/etc/passwd', victim);
    const before = fs.readFileSync(victim);
    await add(minimalConfig('nat', { log: { file: victim } }));
    expect(fs.readFileSync(victim).equals(before)).toBe(true);
    expect(refusals().at(-1)).toMatchObject({ level: 'warn', file: victim, source: 'log.file' });
    expect(String(refusals().at(-1)?.reason)).toContain('not an hns-cni log');
  });

  it('HNS_CNI_LOG naming an 11 MB data file: not rotated away, not written', async () => {
    const data = path.join(dir, 'big.log');
    fs.writeFileSync(data, Buffer.alloc(11 * 1024 * 1024, 'd'));
    await add(minimalConfig('nat'), { HNS_CNI_LOG: data });
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('big'))).toEqual(['big.log']);
    expect(fs.statSync(data).size).toBe(11 * 1024 * 1024);
    expect(refusals().at(-1)).toMatchObject({ file: data, source: 'HNS_CNI_LOG' });
  });

  it('a relative log.file with ".." is refused, nothing is created next to the working directory', async () => {
    await add(minimalConfig('nat', { log: { file: '../escaped.log' } }));
    expect(fs.existsSync(path.join(dir, 'cwd', 'escaped.log'))).toBe(false);
    expect(String(refusals().at(-1)?.reason)).toContain('must be an absolute path');
  });

  it('its own log at log.file is used', async () => {
    const own = path.join(dir, 'own', 'hns-cni.log');
    await add(minimalConfig('nat', { log: { file: own } }));
    await add(minimalConfig('nat', { log: { file: own } }));
    const lines = fs.readFileSync(own, 'utf8').trimEnd().split('\n');
    expect(lines.filter((l) => JSON.parse(l).msg === 'ADD done')).toHaveLength(2);
  });
});
