// No secret reaches stdout (the CNI error becomes a pod event) or the log, through the built executable:
//   - a kubeconfig whose YAML error would quote the line holding the bearer token,
//   - an API server that fails and echoes the request's Authorization header and the token in its body,
//   - a delegated IPAM plugin that fails with a password and a private key on stdout and stderr.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../fixtures/ipam/fake-apiserver.js';
import { minimalConfig } from '../fixtures/minimal-config.js';
import { cniEnv, runPlugin } from '../helpers/plugin-process.js';

let dir: string;
let api: FakeApiServer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-secrets-'));
  api = await startFakeApiServer(dir, {
    name: 'win-node-1',
    uid: 'u',
    resourceVersion: '1',
    podCIDRs: ['10.244.9.0/24'],
  });
});
afterAll(async () => {
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

let n = 0;
/** One ADD; returns stdout and the whole log, which must not contain any of `secrets`. */
async function addLeaksNothing(config: Record<string, unknown>, secrets: string[], env: Record<string, string> = {}) {
  const logFile = path.join(dir, `hns-cni-${++n}.log`);
  const run = await runPlugin({
    env: {
      HNS_CNI_HCN: 'sim',
      HNS_CNI_SIM_STATE: path.join(dir, 'sim-state.json'),
      HNS_CNI_DATA_DIR: path.join(dir, `data-${n}`),
      HNS_CNI_LOG: logFile,
      HNS_CNI_LOG_LEVEL: 'debug',
      ...cniEnv('ADD', { CNI_CONTAINERID: `secret-pod-${n}` }),
      ...env,
    },
    stdin: config,
  });
  const log = fs.readFileSync(logFile, 'utf8');
  for (const s of secrets) {
    expect(run.stdout).not.toContain(s);
    expect(run.stderr).not.toContain(s);
    expect(log).not.toContain(s);
  }
  expect(run.code).toBe(1);
  return { reply: run.json!, log };
}

const nodeIpam = (kubeconfig: string) =>
  minimalConfig('nat', { ipam: { subnetFrom: 'node', kubeconfig, nodeName: 'win-node-1' } });

describe('secrets stay secret', () => {
  it('a kubeconfig YAML error: position and reason, not the lines (which hold the token)', async () => {
    const token = secret('tok');
    const kubeconfig = path.join(dir, 'broken-kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: node',
        '  user:',
        `    token: ${token}`,
        '   bad: [indent',
        '',
      ].join('\n'),
    );
    const { reply } = await addLeaksNothing(nodeIpam(kubeconfig), [token]);
    expect(reply.code).toBe(7);
    expect(String(reply.msg)).toMatch(/not valid YAML: bad indentation of a mapping entry at line 7, column 4/);
  });

  it('an API server error that echoes the Authorization header and the token', async () => {
    const token = secret('tok');
    const kubeconfig = path.join(dir, 'echo-kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      fs.readFileSync(api.kubeconfig, 'utf8').replace('token: test-token', `token: ${token}`),
    );
    api.respond = (req, res) => {
      const echo = JSON.stringify({
        kind: 'Status',
        message: `bad request from ${req.headers.authorization} (${token})`,
      });
      res.writeHead(500, {
        'content-type': 'application/json',
        'x-echo-authorization': String(req.headers.authorization),
      });
      res.end(echo);
    };
    try {
      const { reply } = await addLeaksNothing(nodeIpam(kubeconfig), [token]);
      expect(reply.code).toBe(11); // unreachable for now, nothing cached
    } finally {
      api.respond = undefined;
    }
  });

  it("a delegated IPAM plugin's error with the config's password and a private key", async () => {
    const password = secret('pw');
    const keyBody = randomBytes(48).toString('base64');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'leaky-ipam'),
      [
        '#!/bin/sh',
        'cat >/dev/null',
        `echo "login failed for password=${password}" >&2`,
        `printf '%s\\n' '-----BEGIN PRIVATE KEY-----' '${keyBody}' '-----END PRIVATE KEY-----' >&2`,
        'exit 1',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const config = { ...minimalConfig('nat'), ipam: { type: 'leaky-ipam', password } };
    const { reply } = await addLeaksNothing(config, [password, keyBody], { CNI_PATH: bin });
    expect(reply.code).toBe(105);
    const { reply: echoed } = await addLeaksNothing(config, [password], { CNI_PATH: bin });
    expect(String(echoed.details)).toContain('[REDACTED');
  });
});
