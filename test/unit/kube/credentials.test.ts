// Which kubeconfig the agent, host-network detection and `hns-cni pod` load: the first candidate that exists and
// that only root (SYSTEM) and administrators can change. A kubeconfig can name a command the client library runs
// (users[].user.exec); one that others could have written is skipped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCredentials } from '../../../src/kube/credentials.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creds-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
  'users: [{name: u, user: {token: t}}]',
  'contexts: [{name: x, context: {cluster: c, user: u}}]',
  'current-context: x',
  '',
].join('\n');

function kubeconfig(name: string, mode: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, KUBECONFIG);
  fs.chmodSync(file, mode);
  return file;
}

describe('loadCredentials', () => {
  it('skips a kubeconfig group or others may write, and takes the next safe one', async () => {
    const open = kubeconfig('open', 0o666);
    const closed = kubeconfig('closed', 0o600);
    expect((await loadCredentials([path.join(dir, 'missing'), open, closed]))?.source).toBe(closed);
  });

  it('has no credentials when the only kubeconfig is open to others, or its directory is', async () => {
    expect(await loadCredentials([kubeconfig('open', 0o666)])).toBeUndefined();
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777); // anyone may replace `config` in it
    const inShared = path.join(shared, 'config');
    fs.writeFileSync(inShared, KUBECONFIG, { mode: 0o600 });
    expect(await loadCredentials([inShared])).toBeUndefined();
    fs.chmodSync(shared, 0o755);
    expect((await loadCredentials([inShared]))?.source).toBe(inShared);
  });
});
