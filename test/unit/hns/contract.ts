// The HcnClient contract: one suite, registered once per backend (contract-sim.test.ts: the in-process simulator;
// contract-ffi.test.ts: koffi → C stub → `sim serve`). Both run every assertion against the same simulator model,
// so a difference can only come from the marshalling in between. The suite reads the simulator's state file for what
// the client cannot see itself: open handles (after every test: none) and per-function call counters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HcnFunction } from '../../../src/hns/abi.js';
import type { HcnClient } from '../../../src/hns/client.js';
import { HcnError, isNotFound } from '../../../src/hns/errors.js';
import { statsOf } from '../../../src/hns/sim/instrumentation.js';
import { parseVersion, type SimOptions } from '../../../src/hns/sim/options.js';
import { readState, resetState, transact } from '../../../src/hns/sim/state-file.js';
import type { EndpointPolicy, HostComputeEndpoint, HostComputeNetwork } from '../../../src/hns/types.js';
import { samePolicy } from '../../../src/plan/policy-equivalence.js';
import { registerErrorContract } from './contract-errors.js';

export interface ContractHarness {
  client: HcnClient;
  /** The same backend with a per-call timeout. */
  clientWithTimeout(ms: number): HcnClient;
  /** The simulator state file behind the backend. */
  stateFile: string;
}

/** What each contract module needs from the running suite. */
export interface ContractContext {
  harness(): ContractHarness;
  /** Calls made per function since the test began (from the simulator's own counters). */
  callsSince(before: Partial<Record<HcnFunction, number>>): Partial<Record<HcnFunction, number>>;
  counters(): Partial<Record<HcnFunction, number>>;
  /** The simulator's options: the variant matrix (scripts/sim-matrix.ts) runs this suite under each variant. */
  options(): SimOptions;
  /** Network IDs the simulated host has before a test creates any (the `nat` fixture when natFixture is on). */
  hostNetworks(): string[];
}

export function natNetwork(name: string, prefix = '10.10.0'): HostComputeNetwork {
  return {
    Name: name,
    Type: 'NAT',
    Ipams: [
      {
        Type: 'Static',
        Subnets: [
          {
            IpAddressPrefix: `${prefix}.0/24`,
            Routes: [{ NextHop: `${prefix}.1`, DestinationPrefix: '0.0.0.0/0' }],
          },
        ],
      },
    ],
  };
}

export async function rejection(p: Promise<unknown>): Promise<HcnError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HcnError);
  return err as HcnError;
}

/**
 * Deletes the endpoint `id` under endpointDeleteLinger=still-listed with a linger long enough that no load can end it
 * early: HcnEnumerateEndpoints still lists it, while Open (get, and so list) sees it gone. Then ends the linger.
 */
async function expectStillListedAfterDelete(file: string, c: HcnClient, id: string): Promise<void> {
  const lingerMs = readState(file).options.endpointDeleteLingerMs;
  await transact(file, (s) => {
    s.options.endpointDeleteLingerMs = 3_600_000;
  });
  try {
    await c.deleteEndpoint(id);
  } finally {
    await transact(file, (s) => {
      s.options.endpointDeleteLingerMs = lingerMs;
    });
  }
  expect(await c.enumerateEndpoints()).toEqual([id]);
  expect(await c.listEndpoints()).toEqual([]);
  expect(isNotFound(await rejection(c.getEndpoint(id)))).toBe(true);
  await transact(file, (s) => {
    const lingering = Object.entries(s.lingering ?? {}).find(([key]) => key.toLowerCase() === id.toLowerCase());
    expect(lingering, 'the deleted endpoint lingers').toBeDefined();
    lingering![1].until = 0;
  });
}

const LOWER_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerContractSuite(backend: string, getHarness: () => ContractHarness): void {
  const ctx: ContractContext = {
    harness: getHarness,
    counters: () => ({ ...readState(getHarness().stateFile).counters }),
    options: () => readState(getHarness().stateFile).options,
    hostNetworks: () =>
      Object.values(readState(getHarness().stateFile).networks)
        .filter((n) => n.Name === 'nat')
        .map((n) => n.ID!.toLowerCase()),
    callsSince(before) {
      const now = readState(getHarness().stateFile).counters;
      const out: Partial<Record<HcnFunction, number>> = {};
      for (const [fn, n] of Object.entries(now) as [HcnFunction, number][]) {
        const d = n - (before[fn] ?? 0);
        if (d > 0) out[fn] = d;
      }
      return out;
    },
  };
  const client = () => getHarness().client;

  describe(`HcnClient contract (${backend})`, () => {
    beforeEach(async () => {
      await resetState(getHarness().stateFile);
    });
    afterEach(() => {
      expect(statsOf(readState(getHarness().stateFile)).openHandles).toBe(0);
    });

    it('reports the HNS version from HNSCall GET /globals/version', async () => {
      expect(await client().hnsVersion()).toEqual(parseVersion(ctx.options().hnsVersion));
    });

    it('an enumerate that succeeds with a NULL list is an empty list (F14, option enumerateEmptyOutput)', async () => {
      const file = getHarness().stateFile;
      const variant = ctx.options().enumerateEmptyOutput;
      await transact(file, (s) => {
        s.options.enumerateEmptyOutput = 'null';
      });
      try {
        expect(await client().enumerateNetworks()).toEqual(ctx.hostNetworks());
        expect(await client().listEndpoints()).toEqual([]);
        expect(await client().enumerateNamespaces({ ID: '4d1b2c39-9e8f-4bc2-a0a7-35b2e0d5f1aa' })).toEqual([]);
        // Not a blanket pass: a list that is there is still read.
        const net = await client().createNetwork(natNetwork('f14'));
        expect(await client().enumerateNetworks()).toEqual([...ctx.hostNetworks(), net.ID]);
      } finally {
        await transact(file, (s) => {
          s.options.enumerateEmptyOutput = variant;
        });
      }
    });

    it('network: create, get, enumerate, filter by Name and ID, list, modify, delete', async () => {
      const c = client();
      const before = ctx.counters();
      const net = await c.createNetwork(natNetwork('contract-net'));
      expect(ctx.callsSince(before)).toEqual({
        HcnCreateNetwork: 1,
        HcnQueryNetworkProperties: 1,
        HcnCloseNetwork: 1,
      });
      expect(net.ID).toMatch(LOWER_GUID);
      expect(net.Name).toBe('contract-net');
      const id = net.ID!;

      expect(await c.getNetwork(id)).toEqual(net);
      expect(await c.enumerateNetworks()).toEqual([...ctx.hostNetworks(), id]);
      expect(await c.enumerateNetworks({ Name: 'contract-net' })).toEqual([id]);
      expect(await c.enumerateNetworks({ ID: id })).toEqual([id]);
      expect(await c.enumerateNetworks({ Name: 'no-such-network' })).toEqual([]);
      expect((await c.listNetworks({ Name: 'contract-net' })).map((n) => n.ID)).toEqual([id]);

      const policy = { Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet' } };
      await c.modifyNetwork(id, { ResourceType: 'Policy', RequestType: 'Add', Settings: { Policies: [policy] } });
      expect((await c.getNetwork(id)).Policies).toContainEqual(policy);

      const beforeDelete = ctx.counters();
      await c.deleteNetwork(id);
      expect(ctx.callsSince(beforeDelete)).toEqual({ HcnDeleteNetwork: 1 });
      expect(await c.enumerateNetworks()).toEqual(ctx.hostNetworks());
      expect(isNotFound(await rejection(c.getNetwork(id)))).toBe(true);
    });

    it('endpoint: create on a network, get, enumerate, filter, list, modify, delete', async () => {
      const c = client();
      const net = await c.createNetwork(natNetwork('ep-net'));
      const settings: HostComputeEndpoint = {
        Name: 'contract-ep',
        IpConfigurations: [{ IpAddress: '10.10.0.10', PrefixLength: 24 }],
      };
      const before = ctx.counters();
      const ep = await c.createEndpoint(net.ID!, settings);
      expect(ctx.callsSince(before)).toEqual({
        HcnOpenNetwork: 1,
        HcnCreateEndpoint: 1,
        HcnQueryEndpointProperties: 1,
        HcnCloseEndpoint: 1,
        HcnCloseNetwork: 1,
      });
      expect(ep.ID).toMatch(LOWER_GUID);
      expect(ep.HostComputeNetwork).toBe(net.ID);
      expect(ep.IpConfigurations?.[0]?.IpAddress).toBe('10.10.0.10');
      expect(ep.MacAddress).toMatch(/^([0-9A-F]{2}-){5}[0-9A-F]{2}$/i);
      const id = ep.ID!;

      expect(await c.getEndpoint(id)).toEqual(ep);
      expect(await c.enumerateEndpoints({ Name: 'contract-ep' })).toEqual([id]);
      expect(await c.enumerateEndpoints({ ID: id })).toEqual([id]);
      expect(await c.enumerateEndpoints({ VirtualNetwork: net.ID! })).toEqual([id]);
      expect(await c.enumerateEndpoints({ Name: 'other' })).toEqual([]);
      expect(await c.listEndpoints()).toEqual([ep]);

      const policy = { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.0.0.0/8'] } };
      await c.modifyEndpoint(id, { ResourceType: 'Policy', RequestType: 'Update', Settings: { Policies: [policy] } });
      // HNS may echo Settings in its own form (policyEcho* options): the same policy by meaning.
      const echoed = (await c.getEndpoint(id)).Policies ?? [];
      expect(echoed).toHaveLength(1);
      expect(samePolicy(echoed[0]!, policy as EndpointPolicy), JSON.stringify(echoed)).toBe(true);

      if (ctx.options().endpointDeleteLinger === 'still-listed') {
        // Variant-dependent (§7.14, endpointDeleteLinger=still-listed): HNS may go on enumerating a deleted endpoint
        // for a while, though Open already finds it gone. The window is held open (its length is timing, not
        // contract), then let pass as time would.
        await expectStillListedAfterDelete(getHarness().stateFile, c, id);
      } else {
        await c.deleteEndpoint(id);
      }
      expect(await c.enumerateEndpoints()).toEqual([]);
      expect(isNotFound(await rejection(c.getEndpoint(id)))).toBe(true);
    });

    it('namespace: create, attach and detach an endpoint (both sides in sync), enumerate, filter, delete', async () => {
      const c = client();
      const net = await c.createNetwork(natNetwork('ns-net'));
      const ep = await c.createEndpoint(net.ID!, { Name: 'ns-ep' });
      const ns = await c.createNamespace({});
      expect(ns.ID).toMatch(LOWER_GUID);
      const id = ns.ID!;
      expect(await c.enumerateNamespaces()).toEqual([id]);
      expect(await c.enumerateNamespaces({ ID: id })).toEqual([id]);

      const before = ctx.counters();
      await c.modifyNamespace(id, [{ ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: ep.ID! } }]);
      expect(ctx.callsSince(before)).toEqual({ HcnOpenNamespace: 1, HcnModifyNamespace: 1, HcnCloseNamespace: 1 });
      expect((await c.getEndpoint(ep.ID!)).HostComputeNamespace).toBe(id);
      const resources = (await c.getNamespace(id)).Resources ?? [];
      expect(resources.map((r) => (r.Data.ID ?? r.Data.Id)?.toLowerCase())).toEqual([ep.ID]);

      await c.modifyNamespace(id, [
        { ResourceType: 'Endpoint', RequestType: 'Remove', Settings: { EndpointId: ep.ID! } },
      ]);
      expect((await c.getEndpoint(ep.ID!)).HostComputeNamespace).toBeUndefined();
      expect((await c.getNamespace(id)).Resources ?? []).toEqual([]);

      await c.deleteNamespace(id);
      expect(await c.enumerateNamespaces()).toEqual([]);
      expect(isNotFound(await rejection(c.getNamespace(id)))).toBe(true);
    });

    it('create with {id, query:false} costs only the Create call and returns the sent settings with ID', async () => {
      const c = client();
      const id = '0badc0de-1234-4abc-8def-0123456789ab';
      const before = ctx.counters();
      const ns = await c.createNamespace({}, { id, query: false });
      expect(ctx.callsSince(before)).toEqual({ HcnCreateNamespace: 1, HcnCloseNamespace: 1 });
      expect(ns).toEqual({ SchemaVersion: { Major: 2, Minor: 0 }, ID: id });
      expect((await c.getNamespace(id)).ID).toBe(id);
    });

    it('GUIDs round-trip: braces and mixed case accepted on input, lower case without braces on output', async () => {
      const c = client();
      const id = 'A1b2C3d4-E5f6-4789-AbCd-Ef0123456789';
      const net = await c.createNetwork(natNetwork('guid-net'), { id: `{${id}}` });
      expect(net.ID).toBe(id.toLowerCase());
      expect((await c.getNetwork(id.toUpperCase())).ID).toBe(id.toLowerCase());
      expect((await c.getNetwork(`{${id.toLowerCase()}}`)).Name).toBe('guid-net');
      expect(await c.enumerateNetworks({ ID: id.toLowerCase() })).toEqual([id.toLowerCase()]);
      await c.deleteNetwork(`{${id.toUpperCase()}}`);
      expect(await c.enumerateNetworks()).toEqual(ctx.hostNetworks());
    });

    it('UTF-16 names with non-BMP characters round-trip byte for byte, in settings, output and filters', async () => {
      const c = client();
      const name = 'pod-网络-😀-𝄞-ñ-\u{10FFFF}';
      const net = await c.createNetwork(natNetwork(name));
      const back = await c.getNetwork(net.ID!);
      expect(Buffer.from(back.Name!, 'utf16le').equals(Buffer.from(name, 'utf16le'))).toBe(true);
      expect(await c.enumerateNetworks({ Name: name })).toEqual([net.ID]);
      const ep = await c.createEndpoint(net.ID!, { Name: `${name}-ep` });
      expect((await c.getEndpoint(ep.ID!)).Name).toBe(`${name}-ep`);
    });

    registerErrorContract(ctx);
  });
}
