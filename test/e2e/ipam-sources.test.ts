// Where the node subnet comes from: flannel's subnet.env, and the Node object read by the real
// @kubernetes/client-node from a stand-in HTTPS API server (cached on disk, re-read after the TTL).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CNI_CODE, CniError } from '../../src/cni/errors.js';
import { openIpam } from '../../src/ipam/ipam.js';
import { type FakeApiServer, startFakeApiServer } from '../fixtures/ipam/fake-apiserver.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-src-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const key = (id: string) => ({ containerId: id, ifName: 'eth0' });
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CniError,
  );

describe('subnetFrom flannel', () => {
  it('takes the node subnet from FLANNEL_SUBNET, keeps .1 and .2 out and exposes FLANNEL_NETWORK', async () => {
    const file = path.join(dir, 'subnet.env');
    fs.writeFileSync(
      file,
      'FLANNEL_NETWORK=10.244.0.0/16\r\nFLANNEL_SUBNET=10.244.3.1/24\r\nFLANNEL_MTU=1450\r\nFLANNEL_IPMASQ=true\r\n',
    );
    const ipam = await openIpam({ subnetFrom: 'flannel', subnetFile: file, dataDir: dir }, { network: 'cbr0' });
    expect(ipam.subnets.clusterCidr).toBe('10.244.0.0/16');
    expect(ipam.pools[0]).toMatchObject({ subnet: '10.244.3.0/24', gateway: '10.244.3.1', hostEndpoint: '10.244.3.2' });
    expect((await ipam.allocate(key('p1'))).ips).toEqual([{ address: '10.244.3.3/24', gateway: '10.244.3.1' }]);
  });

  it('says what is wrong with a missing or malformed subnet.env', async () => {
    const open = (file: string) =>
      openIpam({ subnetFrom: 'flannel', subnetFile: file, dataDir: dir }, { network: 'n' });
    const missing = await errorOf(open(path.join(dir, 'nope.env')));
    expect(missing?.code).toBe(CNI_CODE.TRY_AGAIN_LATER);
    expect(missing?.message).toContain('nope.env');
    const file = path.join(dir, 'bad.env');
    fs.writeFileSync(file, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=banana\n');
    const bad = await errorOf(open(file));
    expect(bad?.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(bad?.message).toContain('FLANNEL_SUBNET "banana"');
  });
});

describe('subnetFrom flannel: a subnet.env others could write is refused', () => {
  it('whoever could change it would choose the pod subnet: 7, with the fix; once closed it is used', async () => {
    const above = path.join(dir, 'run');
    const file = path.join(above, 'flannel', 'subnet.env');
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\n');
    const open = () => openIpam({ subnetFrom: 'flannel', subnetFile: file, dataDir: dir }, { network: 'n' });
    fs.chmodSync(file, 0o666);
    const writable = await errorOf(open());
    expect(writable?.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(writable?.message).toContain(`flannel subnet file ${file} is not safe: group or others may write to it`);
    fs.chmodSync(file, 0o644);
    fs.chmodSync(above, 0o777); // C:\\run made by a user before flanneld's first start
    const replaceable = await errorOf(open());
    expect(replaceable?.message).toContain(`${above}, above it: group or others may rename or delete what is in it`);
    fs.chmodSync(above, 0o755);
    expect((await open()).pools[0]!.subnet).toBe('10.244.3.0/24');
  });
});

describe('subnetFrom node (stand-in API server, real @kubernetes/client-node)', () => {
  let api: FakeApiServer;
  beforeEach(async () => {
    api = await startFakeApiServer(dir, {
      name: 'win-node-1',
      uid: 'uid-1',
      resourceVersion: '100',
      podCIDRs: ['10.244.7.0/24', 'fd00:10:244:7::/64'],
    });
  });
  afterEach(() => api.close());

  const config = (ttl = 60) => ({
    subnetFrom: 'node' as const,
    kubeconfig: api.kubeconfig,
    nodeName: 'win-node-1',
    nodeCacheTtlSeconds: ttl,
    dataDir: path.join(dir, 'data'),
  });

  it('reads spec.podCIDRs once, then serves ADD from the on-disk cache (dual-stack)', async () => {
    const first = await openIpam(config(), { network: 'n' });
    expect(api.requests).toEqual(['GET /api/v1/nodes/win-node-1']);
    expect(first.pools.map((p) => p.subnet)).toEqual(['10.244.7.0/24', 'fd00:10:244:7::/64']);
    const a = await first.allocate(key('p1'));
    // .1/.2 and ::1/::2 are the gateway and the host endpoint of each family (docs/ipam.md hostEndpoint)
    expect(a.ips.map((ip) => ip.address)).toEqual(['10.244.7.3/24', 'fd00:10:244:7::3/64']);
    const second = await openIpam(config(), { network: 'n' });
    expect(api.requests).toHaveLength(1); // cached
    expect(second.subnets.origin).toContain('resourceVersion 100');
  });

  it('picks up a changed podCIDR (node re-registered) after the TTL or on refresh, and never allocates from the old one', async () => {
    await (await openIpam(config(), { network: 'n' })).allocate(key('old-pod'));
    api.node = { name: 'win-node-1', uid: 'uid-2', resourceVersion: '200', podCIDRs: ['10.244.9.0/24'] };
    const cached = await openIpam(config(), { network: 'n' });
    expect(cached.pools[0]!.subnet).toBe('10.244.7.0/24'); // within the TTL
    const refreshed = await openIpam(config(), { network: 'n', refreshSource: true });
    expect(refreshed.pools.map((p) => p.subnet)).toEqual(['10.244.9.0/24']);
    expect((await refreshed.allocate(key('new-pod'))).ips).toEqual([
      { address: '10.244.9.3/24', gateway: '10.244.9.1' },
    ]);
    api.node = { ...api.node, uid: 'uid-3', resourceVersion: '300', podCIDRs: ['10.244.11.0/24'] };
    const expired = await openIpam(config(0), { network: 'n' });
    expect(expired.pools[0]!.subnet).toBe('10.244.11.0/24');
    expect(api.requests).toHaveLength(3);
  });

  it('uses the cache when the API server is down, and fails with 11 when nothing is cached', async () => {
    await openIpam(config(), { network: 'n' });
    await api.close();
    const stale = await openIpam(config(0), { network: 'n' });
    expect(stale.pools[0]!.subnet).toBe('10.244.7.0/24');
    const nothingCached = await errorOf(openIpam({ ...config(0), dataDir: path.join(dir, 'other') }, { network: 'n' }));
    expect(nothingCached?.code).toBe(CNI_CODE.TRY_AGAIN_LATER);
    expect(nothingCached?.message).toContain('win-node-1');
  });

  it('a kubeconfig others may write is not used, and the command it names never runs (it would, as SYSTEM)', async () => {
    // The token comes from an exec plugin, as EKS's and AKS's kubeconfigs get theirs: the command leaves a mark.
    const marker = path.join(dir, 'exec-ran');
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token: 'test-token' },
    });
    const text = fs
      .readFileSync(api.kubeconfig, 'utf8')
      .replace(
        /user: \{token: [^}]*\}/,
        `user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/sh, args: ["-c", ${JSON.stringify(`touch '${marker}'; echo '${credential}'`)}]}}`,
      );
    expect(text).toContain('exec:');
    fs.writeFileSync(api.kubeconfig, text);
    fs.chmodSync(api.kubeconfig, 0o666);
    const refused = await errorOf(openIpam(config(), { network: 'n' }));
    expect(refused?.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(refused?.message).toContain(
      `kubeconfig ${api.kubeconfig}: not used: users other than SYSTEM and Administrators can change it (group or others may write to it (mode 666))`,
    );
    expect(fs.existsSync(marker)).toBe(false);

    fs.chmodSync(api.kubeconfig, 0o600); // the same file, closed: the client library runs the command
    const ipam = await openIpam(config(), { network: 'n' });
    expect(ipam.pools[0]!.subnet).toBe('10.244.7.0/24');
    expect(fs.existsSync(marker)).toBe(true);
  });

  it('reports an unknown node and a malformed kubeconfig as config errors (7)', async () => {
    const unknown = await errorOf(openIpam({ ...config(), nodeName: 'no-such-node' }, { network: 'n' }));
    expect(unknown?.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(unknown?.message).toContain('no-such-node does not exist');
    fs.writeFileSync(api.kubeconfig, 'this: [is: not a kubeconfig');
    const malformed = await errorOf(openIpam(config(), { network: 'n' }));
    expect(malformed).toBeInstanceOf(CniError);
    expect(malformed?.code).toBe(CNI_CODE.INVALID_CONFIG);
  });
});
