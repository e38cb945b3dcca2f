// The IphlpClient contract: one suite, registered per backend (contract-sim.test.ts: the simulator in process;
// contract-ffi.test.ts: koffi → the C stub libiphlpapi.so → `hns-cni sim serve`). Every expectation is a documented
// behaviour of iphlpapi (MSDN's return values of CreateIpForwardEntry2, DeleteIpForwardEntry2, GetIpForwardTable2,
// GetExtendedTcpTable) or of the simulated host (docs/simulator.md "The host's IP stack").
import { beforeEach, describe, expect, it } from 'vitest';
import type { HcnClient } from '../../../src/hns/client.js';
import { resetState, transact } from '../../../src/hns/sim/state-file.js';
import type { IphlpClient } from '../../../src/iphlp/client.js';
import { IphlpError, isRouteAlreadyExists, isRouteNotFound } from '../../../src/iphlp/errors.js';
import type { IpForwardRow } from '../../../src/iphlp/types.js';

export interface IphlpHarness {
  client: IphlpClient;
  clientWithTimeout(ms: number): IphlpClient;
  /** HCN on the same simulator (for the host endpoint and vSwitch cases). */
  hcn: HcnClient;
  stateFile: string;
}

export async function rejection(p: Promise<unknown>): Promise<IphlpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IphlpError);
  return err as IphlpError;
}

const find = (rows: IpForwardRow[], prefix: string, hop?: string) =>
  rows.filter((r) => r.destinationPrefix === prefix && (hop === undefined || r.nextHop === hop));

export function registerIphlpContract(backend: string, getHarness: () => IphlpHarness): void {
  describe(`IphlpClient contract (${backend})`, () => {
    let h: IphlpHarness;
    beforeEach(async () => {
      h = getHarness();
      await resetState(h.stateFile);
    });

    /** The simulated host's default adapter: what carries the default route. */
    async function ethernetIndex(): Promise<number> {
      const [def] = find(await h.client.listRoutes(4), '0.0.0.0/0');
      return def!.interfaceIndex;
    }

    it('reads the fresh host: loopback, the node subnet on link, the default route through the gateway', async () => {
      const rows = await h.client.listRoutes();
      const [def] = find(rows, '0.0.0.0/0', '10.0.0.1');
      expect(def).toMatchObject({ metric: 0, protocol: 3 });
      expect(find(rows, '10.0.0.0/24', '0.0.0.0')[0]?.interfaceIndex).toBe(def!.interfaceIndex);
      expect(find(rows, '127.0.0.0/8', '0.0.0.0')[0]).toMatchObject({ interfaceIndex: 1, protocol: 2 });
      expect(find(rows, '::1/128', '::')).toHaveLength(1);
      expect(def!.interfaceLuid).toBe((6n << 48n) | (1n << 24n)); // IF_TYPE_ETHERNET_CSMACD, NetLuidIndex 1
      expect((await h.client.listRoutes(4)).every((r) => !r.destinationPrefix.includes(':'))).toBe(true);
      expect((await h.client.listRoutes(6)).map((r) => r.destinationPrefix)).toEqual(['::1/128']);
    });

    it('an interface: forwarding off on a fresh host, enabled and read back (by index and LUID), per family, restored', async () => {
      const index = await ethernetIndex();
      const row = await h.client.getInterface({ family: 4, interfaceIndex: index });
      expect(row).toMatchObject({ family: 4, interfaceIndex: index, forwardingEnabled: false, nlMtu: 1500 });
      expect(row.interfaceLuid).toBe((6n << 48n) | (1n << 24n));
      await h.client.setInterface({ ...row, forwardingEnabled: true });
      expect(await h.client.getInterface({ family: 4, interfaceIndex: index })).toEqual({
        ...row,
        forwardingEnabled: true,
      });
      const byLuid = await h.client.getInterface({ family: 4, interfaceIndex: 0, interfaceLuid: row.interfaceLuid });
      expect(byLuid.forwardingEnabled).toBe(true);
      // IPv6 is a setting of its own (netsh interface ipv6 / Set-NetIPInterface -AddressFamily IPv6).
      expect((await h.client.getInterface({ family: 6, interfaceIndex: index })).forwardingEnabled).toBe(false);
      await h.client.setInterface({ ...row, forwardingEnabled: false });
      expect((await h.client.getInterface({ family: 4, interfaceIndex: index })).forwardingEnabled).toBe(false);
      expect((await rejection(h.client.getInterface({ family: 4, interfaceIndex: 9999 }))).status).toBe(1168);
      expect((await rejection(h.client.setInterface({ ...row, interfaceLuid: 0n, interfaceIndex: 9999 }))).status).toBe(
        1168,
      );
    });

    it('creates a route with every field as sent, lists it, refuses a duplicate, deletes it, then ERROR_NOT_FOUND', async () => {
      const index = await ethernetIndex();
      const sent = await h.client.createRoute({
        destinationPrefix: '10.244.2.0/24',
        nextHop: '10.0.0.5',
        interfaceIndex: index,
        metric: 310,
      });
      const [row] = find(await h.client.listRoutes(), '10.244.2.0/24');
      expect(row).toEqual({ ...sent, interfaceLuid: row!.interfaceLuid, age: row!.age });
      expect(row).toMatchObject({ validLifetime: 0xffffffff, preferredLifetime: 0xffffffff, metric: 310, protocol: 3 });
      expect(row!.age).toBeLessThan(60);
      const duplicate = await rejection(h.client.createRoute({ ...sent }));
      expect(isRouteAlreadyExists(duplicate)).toBe(true);
      expect(duplicate.message).toContain('ERROR_OBJECT_ALREADY_EXISTS (5010)');
      expect(duplicate.message).toContain('10.244.2.0/24 via 10.0.0.5');
      // Another next hop for the same prefix is another route (ECMP), not a duplicate.
      await h.client.createRoute({ destinationPrefix: '10.244.2.0/24', nextHop: '10.0.0.6', interfaceIndex: index });
      expect(find(await h.client.listRoutes(), '10.244.2.0/24')).toHaveLength(2);
      await h.client.deleteRoute(row!);
      expect(find(await h.client.listRoutes(), '10.244.2.0/24', '10.0.0.5')).toEqual([]);
      const again = await rejection(h.client.deleteRoute(row!));
      expect(isRouteNotFound(again)).toBe(true);
      expect(again.statusName).toBe('ERROR_NOT_FOUND');
    });

    it('names the interface by LUID alone, and refuses an unknown one, none at all, or a mixed family', async () => {
      const [def] = find(await h.client.listRoutes(4), '0.0.0.0/0');
      await h.client.createRoute({
        destinationPrefix: '10.50.0.0/16',
        nextHop: '10.0.0.9',
        interfaceIndex: 0,
        interfaceLuid: def!.interfaceLuid,
      });
      expect(find(await h.client.listRoutes(), '10.50.0.0/16')[0]?.interfaceIndex).toBe(def!.interfaceIndex);
      const unknown = await rejection(
        h.client.createRoute({ destinationPrefix: '10.51.0.0/16', nextHop: '10.0.0.9', interfaceIndex: 77 }),
      );
      expect(unknown.status).toBe(1168);
      const none = await rejection(
        h.client.createRoute({ destinationPrefix: '10.51.0.0/16', nextHop: '10.0.0.9', interfaceIndex: 0 }),
      );
      expect(none.status).toBe(87);
      const mixed = await rejection(
        h.client.createRoute({
          destinationPrefix: '10.51.0.0/16',
          nextHop: 'fd00::9',
          interfaceIndex: def!.interfaceIndex,
        }),
      );
      expect(mixed.statusName).toBe('ERROR_INVALID_PARAMETER');
      const hostBits = await rejection(
        h.client.createRoute({
          destinationPrefix: '10.51.0.7/16',
          nextHop: '10.0.0.9',
          interfaceIndex: def!.interfaceIndex,
        }),
      );
      expect(hostBits.status).toBe(87);
    });

    it('carries IPv6 rows both ways, and an emptied family reads as no routes', async () => {
      const index = await ethernetIndex();
      await h.client.createRoute({
        destinationPrefix: 'fd00:10:244:2::/64',
        nextHop: 'fd00::a:5',
        interfaceIndex: index,
      });
      const [row] = find(await h.client.listRoutes(6), 'fd00:10:244:2::/64', 'fd00::a:5');
      expect(row?.interfaceIndex).toBe(index);
      await h.client.deleteRoute(row!);
      const [loop] = await h.client.listRoutes(6);
      await h.client.deleteRoute(loop!);
      expect(await h.client.listRoutes(6)).toEqual([]);
      expect((await h.client.listRoutes()).length).toBeGreaterThan(0);
    });

    it('lists TCP listeners and UDP sockets of both families with their owners, however many there are', async () => {
      await transact(h.stateFile, (s) => {
        s.hostStack.sockets.push(
          { protocol: 'tcp', address: '0.0.0.0', port: 10250, pid: 2001 },
          { protocol: 'tcp', address: '::', port: 8080, pid: 0xfffffff0 },
          { protocol: 'udp', address: '10.0.0.4', port: 53, pid: 3001 },
          { protocol: 'udp', address: 'fd00::4', port: 65535, pid: 3002 },
        );
        for (let p = 20000; p < 20300; p++)
          s.hostStack.sockets.push({ protocol: 'tcp', address: '127.0.0.1', port: p, pid: p });
      });
      const owners = await h.client.listPortOwners();
      expect(owners).toContainEqual({ protocol: 'tcp', family: 4, address: '0.0.0.0', port: 10250, pid: 2001 });
      expect(owners).toContainEqual({ protocol: 'tcp', family: 6, address: '::', port: 8080, pid: 0xfffffff0 });
      expect(owners).toContainEqual({ protocol: 'udp', family: 4, address: '10.0.0.4', port: 53, pid: 3001 });
      expect(owners).toContainEqual({ protocol: 'udp', family: 6, address: 'fd00::4', port: 65535, pid: 3002 });
      expect(owners).toContainEqual({ protocol: 'tcp', family: 4, address: '0.0.0.0', port: 445, pid: 4 });
      expect(owners.filter((o) => o.address === '127.0.0.1')).toHaveLength(300);
      expect(owners.find((o) => o.address === '127.0.0.1' && o.port === 20299)?.pid).toBe(20299);
    });

    it('follows HNS: an external vSwitch moves the host onto a new vNIC index; a host endpoint brings its subnet', async () => {
      const before = await ethernetIndex();
      const net = await h.hcn.createNetwork({
        Name: 'cbr0',
        Type: 'L2Bridge',
        Ipams: [
          {
            Type: 'Static',
            Subnets: [
              { IpAddressPrefix: '10.244.1.0/24', Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }] },
            ],
          },
        ],
      });
      const after = await ethernetIndex();
      expect(after).not.toBe(before);
      expect(find(await h.client.listRoutes(), '10.0.0.0/24')[0]?.interfaceIndex).toBe(after);
      const ep = await h.hcn.createEndpoint(net.ID!, {
        Name: 'cbr0_ep',
        IpConfigurations: [{ IpAddress: '10.244.1.2', PrefixLength: 24 }],
      });
      expect(find(await h.client.listRoutes(), '10.244.1.0/24')).toEqual([]);
      await h.hcn.attachEndpointToHost(ep.ID!);
      const [onLink] = find(await h.client.listRoutes(), '10.244.1.0/24', '0.0.0.0');
      expect(onLink?.interfaceIndex).not.toBe(after);
      await h.hcn.deleteEndpoint(ep.ID!);
      expect(find(await h.client.listRoutes(), '10.244.1.0/24')).toEqual([]);
    });

    it('reports a failing call with its Win32 status, and a hung one as a timeout', async () => {
      await transact(h.stateFile, (s) => {
        s.faults.push({
          fn: 'CreateIpForwardEntry2',
          nth: 1,
          times: 1,
          action: { kind: 'hr', hr: 5 },
          seen: 0,
          fired: 0,
        });
        s.faults.push({
          fn: 'GetIpForwardTable2',
          nth: 1,
          times: 1,
          action: { kind: 'hang', ms: 1500 },
          seen: 0,
          fired: 0,
        });
      });
      const denied = await rejection(
        h.client.createRoute({ destinationPrefix: '10.60.0.0/16', nextHop: '10.0.0.9', interfaceIndex: 4 }),
      );
      expect(denied.statusName).toBe('ERROR_ACCESS_DENIED');
      const slow = await rejection(h.clientWithTimeout(200).listRoutes());
      expect(slow.statusName).toBe('ERROR_TIMEOUT');
      // The abandoned call still completes (and its table is freed) once the hang ends: let it, before the next test.
      await new Promise((r) => setTimeout(r, 1_600));
    });
  });
}
