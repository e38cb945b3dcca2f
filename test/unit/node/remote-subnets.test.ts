// The RemoteSubnetRoute mechanism (plan/node-routes.ts + node/routes.ts syncRemoteSubnets) on an Overlay network as
// hcsshim's types describe it, against the simulator in process and through koffi → the C stub → `sim serve`:
// converge on the peers, follow a change, remove only its own, never touch flanneld's policy, idempotent when run
// again. Issue 12 wires overlay mode to this; the node agent already picks it for an Overlay network it owns.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HcnClient } from '../../../src/hns/client.js';
import { createFfiAbi } from '../../../src/hns/ffi/abi.js';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { resetState } from '../../../src/hns/sim/state-file.js';
import { emptyRecord, type NodeRecord } from '../../../src/node/record.js';
import { syncRemoteSubnets } from '../../../src/node/routes.js';
import type { Peer } from '../../../src/plan/node-routes.js';
import { buildStub, type SimServe, STUB_LIBRARY, startSimServe } from '../hns/ffi-harness.js';
import { overlayNetwork } from '../sim/sim-harness.js';

interface Backend {
  hcn: HcnClient;
  stateFile: string;
}

const backends: Record<string, () => Promise<Backend>> = {
  'in-process simulator': async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsr-sim-'));
    const stateFile = path.join(dir, 'state.json');
    return { hcn: createHcnClient(createSimAbi({ stateFile })), stateFile };
  },
  'FFI → C stub → sim serve': async () => {
    buildStub();
    serve = await startSimServe();
    process.env.HNS_CNI_STUB_ADDR = serve.address;
    return { hcn: createHcnClient(createFfiAbi({ library: STUB_LIBRARY })), stateFile: serve.stateFile };
  },
};
let serve: SimServe | undefined;
afterAll(async () => {
  await serve?.stop();
});

const peer = (node: string, podCIDR: string, address: string, drMac?: string): Peer => ({
  node,
  podCIDR,
  family: 4,
  address,
  ...(drMac && { drMac }),
});
const flannels = {
  Type: 'RemoteSubnetRoute',
  Settings: {
    DestinationPrefix: '10.244.9.0/24',
    IsolationId: 4096,
    ProviderAddress: '10.0.0.9',
    DistributedRouterMacAddress: '0E-2A-0A-00-00-09',
  },
};

describe.each(Object.keys(backends))('RemoteSubnetRoute sync (%s)', (name) => {
  let b: Backend;
  let record: NodeRecord;
  let networkId: string;
  const save = () => {};
  const remoteSubnets = async () =>
    ((await b.hcn.getNetwork(networkId)).Policies ?? [])
      .filter((p) => p.Type === 'RemoteSubnetRoute')
      .map((p) => {
        const s = p.Settings as typeof flannels.Settings;
        return `${s.DestinationPrefix} ${s.ProviderAddress} ${s.DistributedRouterMacAddress} ${s.IsolationId}`;
      })
      .sort();

  beforeAll(async () => {
    b = await backends[name]!();
  }, 120_000);
  beforeEach(async () => {
    await resetState(b.stateFile);
    record = emptyRecord();
    const created = await b.hcn.createNetwork(
      JSON.parse(overlayNetwork('vxlan0', '10.244.1.0/24', '10.244.1.1', 4096)),
    );
    networkId = created.ID!;
    await b.hcn.modifyNetwork(networkId, {
      ResourceType: 'Policy',
      RequestType: 'Add',
      Settings: { Policies: [flannels] },
    });
  });

  it('adds a policy per peer with the VNI, follows a change and a departure, never touches a foreign one', async () => {
    const first = await syncRemoteSubnets(
      b.hcn,
      networkId,
      record,
      save,
      [
        peer('b', '10.244.2.0/24', '10.0.0.5', '0e:2a:0a:00:00:05'),
        peer('c', '10.244.3.0/24', '10.0.0.6', '0E-2A-0A-00-00-06'),
        peer('x', '10.244.9.0/24', '10.0.0.19', '0E-2A-0A-00-00-13'),
        peer('d', '10.244.4.0/24', '10.0.0.7'),
      ],
      [],
    );
    expect(first.errors).toEqual([]);
    expect(first.plan.foreign).toEqual([{ node: 'x', destinationPrefix: '10.244.9.0/24' }]);
    expect(first.plan.unroutable.map((u) => u.node)).toEqual(['d']);
    expect(await remoteSubnets()).toEqual([
      '10.244.2.0/24 10.0.0.5 0E-2A-0A-00-00-05 4096',
      '10.244.3.0/24 10.0.0.6 0E-2A-0A-00-00-06 4096',
      '10.244.9.0/24 10.0.0.9 0E-2A-0A-00-00-09 4096',
    ]);
    expect(record.remoteSubnets.map((r) => r.node).sort()).toEqual(['b', 'c']);

    const again = await syncRemoteSubnets(
      b.hcn,
      networkId,
      record,
      save,
      [
        peer('b', '10.244.2.0/24', '10.0.0.5', '0e:2a:0a:00:00:05'),
        peer('c', '10.244.3.0/24', '10.0.0.6', '0E-2A-0A-00-00-06'),
      ],
      [],
    );
    expect(again.plan.add).toEqual([]);
    expect(again.plan.keep).toHaveLength(2);

    await syncRemoteSubnets(
      b.hcn,
      networkId,
      record,
      save,
      [peer('b', '10.244.2.0/24', '10.0.0.15', '0e:2a:0a:00:00:0f')],
      [],
    );
    expect(await remoteSubnets()).toEqual([
      '10.244.2.0/24 10.0.0.15 0E-2A-0A-00-00-0F 4096',
      '10.244.9.0/24 10.0.0.9 0E-2A-0A-00-00-09 4096',
    ]);
    expect(record.remoteSubnets.map((r) => `${r.node} ${r.settings.ProviderAddress}`)).toEqual(['b 10.0.0.15']);
  });

  it('a policy of its own that vanished is put back; one removed by hand and no longer wanted is just forgotten', async () => {
    await syncRemoteSubnets(
      b.hcn,
      networkId,
      record,
      save,
      [
        peer('b', '10.244.2.0/24', '10.0.0.5', '0E-2A-0A-00-00-05'),
        peer('c', '10.244.3.0/24', '10.0.0.6', '0E-2A-0A-00-00-06'),
      ],
      [],
    );
    const remove = (prefix: string, pa: string, mac: string) =>
      b.hcn.modifyNetwork(networkId, {
        ResourceType: 'Policy',
        RequestType: 'Remove',
        Settings: {
          Policies: [
            {
              Type: 'RemoteSubnetRoute',
              Settings: {
                DestinationPrefix: prefix,
                IsolationId: 4096,
                ProviderAddress: pa,
                DistributedRouterMacAddress: mac,
              },
            },
          ],
        },
      });
    await remove('10.244.2.0/24', '10.0.0.5', '0E-2A-0A-00-00-05');
    await remove('10.244.3.0/24', '10.0.0.6', '0E-2A-0A-00-00-06');
    const outcome = await syncRemoteSubnets(
      b.hcn,
      networkId,
      record,
      save,
      [peer('b', '10.244.2.0/24', '10.0.0.5', '0E-2A-0A-00-00-05')],
      [],
    );
    expect(outcome.errors).toEqual([]);
    expect(await remoteSubnets()).toEqual([
      '10.244.2.0/24 10.0.0.5 0E-2A-0A-00-00-05 4096',
      '10.244.9.0/24 10.0.0.9 0E-2A-0A-00-00-09 4096',
    ]);
    expect(record.remoteSubnets.map((r) => r.node)).toEqual(['b']);
  });
});
