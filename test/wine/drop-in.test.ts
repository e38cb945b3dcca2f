// The shipped hns-cni.exe as a drop-in under Wine: copied as nat.exe and sdnbridge.exe into containerd's CNI bin
// directory, it serves real configs unchanged (containerd's install-cni-windows nat config, GCE's sdnbridge config)
// through the Windows libcni (cnictl.exe): the executable's own file name selects WCN's rules, the existing
// networks are adopted, HNS assigns the addresses, and the 0.2.0 results are what libcni and go-cni accept.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHcnClient } from '../../src/hns/hcn-client.js';
import { createSimAbi } from '../../src/hns/sim/abi.js';
import { setUpNode } from '../e2e/real-configs-harness.js';
import { CAPABILITY_ARGS, CORPUS, CORPUS_DIR, type Works } from '../fixtures/real-configs/corpus.js';
import { createNamespace, endpoints, expectOk } from './hns-view.js';
import { cnictlExe, dist, expectEveryOutStringFreed, onDriveC, stage, win, writeConflist } from './stage.js';

const cases = [
  { id: 'containerd/script/setup/install-cni-windows', exe: 'nat.exe' },
  { id: 'gce/k8s-node-setup.psm1 Configure_Containerd_CniNetworking', exe: 'sdnbridge.exe' },
];

describe.each(cases)('$exe serves $id unchanged', ({ id, exe }) => {
  it('ADD, DEL through cnictl.exe', async () => {
    const entry = CORPUS.find((e) => e.id === id)!;
    const want = entry.asOriginal as Works;
    copyFileSync(dist.exe, onDriveC(`${win.binDir}\\${exe}`));
    const other = createHcnClient(createSimAbi({ stateFile: stage().simState }));
    await setUpNode(other, entry.node);
    const config = JSON.parse(readFileSync(join(CORPUS_DIR, entry.file), 'utf8')) as Record<string, unknown>;
    const { cniVersion, name, ...plugin } = config;
    const file = writeConflist(`50-${exe}.conflist`, { cniVersion, name, plugins: [plugin] });
    const netns = createNamespace();
    const containerId = `drop-in-${exe.replace('.exe', '')}`;
    const runtime = ['--conflist', file, '--netns', netns, '--container-id', containerId, '--ifname', 'eth0'];
    const capArgs = [
      '--cap-args',
      JSON.stringify(CAPABILITY_ARGS),
      '--cni-args',
      'IgnoreUnknown=1;K8S_POD_NAMESPACE=default',
    ];

    const add = cnictlExe(['add', ...runtime, ...capArgs]);
    expectOk(add);
    expect(add.out.result).toMatchObject({
      cniVersion: '0.2.0',
      ip4: { ip: want.address.first, gateway: want.gateway },
    });
    expect((add.out.podNetwork as { podIP: string }).podIP).toBe(want.address.first.split('/')[0]);
    const endpoint = endpoints().find((e) => String(e.Name).startsWith(`${containerId}_eth0_`)) as unknown as Record<
      string,
      unknown
    >;
    expect(endpoint.Routes).toEqual([{ NextHop: want.gateway, DestinationPrefix: '0.0.0.0/0' }]);
    const policies = (endpoint.Policies as { Type: string; Settings: Record<string, unknown> }[]).map((p) =>
      p.Type === 'PortMapping' ? { ...p, Settings: { ...p.Settings, Flags: undefined } } : p,
    );
    expect(policies).toEqual(
      want.policies.map((p) =>
        p.Type === 'PortMapping' ? { ...p, Settings: { ...p.Settings, Flags: undefined } } : p,
      ),
    );

    expectOk(cnictlExe(['del', ...runtime, ...capArgs]));
    expect(endpoints().filter((e) => String(e.Name).startsWith(`${containerId}_`))).toEqual([]);
    for (const n of entry.node) await other.deleteNetwork((await other.listNetworks({ Name: n.name }))[0]!.ID!);
  });
});

describe('after the drop-in runs', () => {
  it('every out-string the stub DLL handed out was freed', () => {
    expectEveryOutStringFreed();
  });
});
