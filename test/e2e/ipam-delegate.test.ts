// Delegated IPAM against Debian's real host-local (containernetworking-plugins), plus small stand-in plugins for
// what host-local cannot show (exact stdin bytes, a failure without a CNI error).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CNI_CODE, type CniError } from '../../src/cni/errors.js';
import type { CniRequest, CniVerb } from '../../src/cni/types.js';
import { execDelegatedIpam } from '../../src/ipam/delegate.js';

const HOST_LOCAL_DIR = '/usr/lib/cni';
let dir: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(HOST_LOCAL_DIR, 'host-local'))) {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'containernetworking-plugins'], {
      stdio: 'inherit',
    });
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-delegate-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function request(
  verb: CniVerb,
  raw: string,
  containerId = 'ctr-1',
  cniPath = [path.join(dir, 'empty'), HOST_LOCAL_DIR],
) {
  const req: CniRequest = {
    verb,
    containerId,
    netns: 'a0000000-0000-0000-0000-000000000001',
    ifName: 'eth0',
    args: { K8S_POD_NAME: 'p', IgnoreUnknown: '1' },
    path: cniPath,
    cniVersion: '1.0.0',
    config: JSON.parse(raw) as Record<string, unknown>,
    rawConfig: Buffer.from(raw),
  };
  return req;
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CniError,
  );

describe('delegated IPAM', () => {
  // Odd spacing and key order on purpose: the delegate must get these exact bytes.
  const raw = () =>
    `{"cniVersion":"1.0.0", "name":"dnet","type":"hns-cni",\n "ipam":{"type":"host-local","dataDir":"${dir}/hl",` +
    '"ranges":[[{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.50","rangeEnd":"10.77.0.51"}]],' +
    '"routes":[{"dst":"0.0.0.0/0"}]}}';

  it('runs host-local with ranges, rangeStart and dataDir intact (WCN #64) and returns its result', async () => {
    const result = await execDelegatedIpam('host-local', 'ADD', request('ADD', raw()));
    expect(result).toEqual({
      cniVersion: '1.0.0',
      ips: [{ address: '10.77.0.50/24', gateway: '10.77.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: {},
    });
    expect(fs.readFileSync(path.join(dir, 'hl', 'dnet', '10.77.0.50'), 'utf8')).toContain('ctr-1');
    expect(await execDelegatedIpam('host-local', 'CHECK', request('CHECK', raw()))).toBeUndefined();
  });

  it("propagates the delegate's own CNI error code and message", async () => {
    await execDelegatedIpam('host-local', 'ADD', request('ADD', raw(), 'ctr-2'));
    const err = await errorOf(execDelegatedIpam('host-local', 'ADD', request('ADD', raw(), 'ctr-3')));
    expect(err?.code).toBe(999);
    expect(err?.message).toContain('no IP addresses available in range set: 10.77.0.50-10.77.0.51');
  });

  it('forwards DEL, which frees the address and is idempotent', async () => {
    await execDelegatedIpam('host-local', 'DEL', request('DEL', raw(), 'ctr-1'));
    await execDelegatedIpam('host-local', 'DEL', request('DEL', raw(), 'ctr-1'));
    expect(fs.existsSync(path.join(dir, 'hl', 'dnet', '10.77.0.50'))).toBe(false);
    const again = await execDelegatedIpam('host-local', 'ADD', request('ADD', raw(), 'ctr-4'));
    expect(again?.ips?.[0]?.address).toBe('10.77.0.50/24');
  });

  it('hands the delegate the unchanged stdin bytes and the CNI environment with the forwarded verb', async () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'recorder'),
      `#!/bin/sh\ncat > "${dir}/stdin"\nenv | grep ^CNI_ | sort > "${dir}/env"\n` +
        'echo \'{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.2.3/24"}]}\'\n',
      { mode: 0o755 },
    );
    const req = request('ADD', raw(), 'ctr-9', [bin]);
    const result = await execDelegatedIpam('recorder', 'ADD', req);
    expect(fs.readFileSync(path.join(dir, 'stdin'))).toEqual(req.rawConfig);
    expect(result?.ips).toEqual([{ address: '10.1.2.3/24' }]); // 0.4.0's ips[].version dropped for the 1.x shape
    const env = fs.readFileSync(path.join(dir, 'env'), 'utf8');
    expect(env).toContain('CNI_COMMAND=ADD\n');
    expect(env).toContain('CNI_CONTAINERID=ctr-9\n');
    expect(env).toContain('CNI_IFNAME=eth0\n');
    expect(env).toContain(`CNI_PATH=${bin}\n`);
    await execDelegatedIpam('recorder', 'DEL', req); // e.g. undoing a failed ADD
    expect(fs.readFileSync(path.join(dir, 'env'), 'utf8')).toContain('CNI_COMMAND=DEL\n');
  });

  it('turns a failure without a CNI error into DELEGATE_FAILED with the output, and a missing plugin into 7', async () => {
    const bin = path.join(dir, 'bin2');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'crasher'), '#!/bin/sh\necho "panic: boom" >&2\nexit 2\n', { mode: 0o755 });
    const err = await errorOf(execDelegatedIpam('crasher', 'ADD', request('ADD', raw(), 'c', [bin])));
    expect(err?.code).toBe(CNI_CODE.DELEGATE_FAILED);
    expect(err?.message).toBe('IPAM plugin crasher failed on ADD (exit code 2)');
    expect(err?.details).toBe('panic: boom');
    const missing = await errorOf(execDelegatedIpam('no-such-ipam', 'ADD', request('ADD', raw())));
    expect(missing?.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(missing?.message).toBe('IPAM plugin no-such-ipam not found in CNI_PATH');
    const traversal = await errorOf(execDelegatedIpam('../../bin/sh', 'ADD', request('ADD', raw())));
    expect(traversal?.code).toBe(CNI_CODE.INVALID_CONFIG);
  });
});
