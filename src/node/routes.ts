// Performs the route plans of plan/node-routes.ts through the doors: host routes with IP Helper, RemoteSubnetRoute
// policies with HcnModifyNetwork. Ownership is recorded before anything is created (intent first), so a crash
// between the call and the record never leaves a route of ours that looks foreign; a removal is recorded after the
// call. Both are idempotent: removing what is gone and adding what a racing agent added are not errors.
import type { HcnClient } from '../hns/client.js';
import { type HcnError, isHcnError } from '../hns/errors.js';
import { HR, toUnsigned } from '../hns/hresult.js';
import type { IphlpClient } from '../iphlp/client.js';
import { isRouteAlreadyExists, isRouteNotFound } from '../iphlp/errors.js';
import { log } from '../log/logger.js';
import { vsidOf } from '../plan/network.js';
import {
  type HostRoutePlan,
  type OwnedRemoteSubnet,
  type Peer,
  planHostRoutes,
  planRemoteSubnetRoutes,
  type RemoteSubnetPlan,
  remoteSubnetRequest,
  type Unroutable,
} from '../plan/node-routes.js';
import type { NodeRecord } from './record.js';

export interface SyncOutcome<P> {
  plan: P;
  errors: string[];
}

const sameOwned = (
  a: { destinationPrefix: string; nextHop: string },
  b: { destinationPrefix: string; nextHop: string },
) => a.destinationPrefix === b.destinationPrefix && a.nextHop === b.nextHop;

export async function syncHostRoutes(
  iphlp: IphlpClient,
  record: NodeRecord,
  save: () => void,
  peers: readonly Peer[],
  unroutable: readonly Unroutable[],
): Promise<SyncOutcome<HostRoutePlan>> {
  const table = await iphlp.listRoutes('all');
  const plan = planHostRoutes({ peers, unroutable, table, owned: record.routes });
  const errors: string[] = [];
  for (const r of plan.remove) {
    try {
      if (r.row !== undefined) await iphlp.deleteRoute(r.row);
      log.info('route removed', { node: r.node, destination: r.destinationPrefix, nextHop: r.nextHop });
    } catch (error) {
      if (!isRouteNotFound(error)) {
        errors.push(`removing route ${r.destinationPrefix} via ${r.nextHop}: ${(error as Error).message}`);
        continue;
      }
    }
    record.routes = record.routes.filter((o) => !sameOwned(o, r));
    save();
  }
  for (const r of plan.create) {
    record.routes.push({ node: r.node, destinationPrefix: r.destinationPrefix, nextHop: r.nextHop });
    save();
    try {
      await iphlp.createRoute({
        destinationPrefix: r.destinationPrefix,
        nextHop: r.nextHop,
        interfaceIndex: r.interfaceIndex,
        interfaceLuid: r.interfaceLuid,
      });
      log.info('route added', {
        node: r.node,
        destination: r.destinationPrefix,
        nextHop: r.nextHop,
        if: r.interfaceIndex,
      });
    } catch (error) {
      record.routes = record.routes.filter((o) => !sameOwned(o, r));
      save();
      if (isRouteAlreadyExists(error)) {
        plan.foreign.push({ node: r.node, destinationPrefix: r.destinationPrefix, nextHop: r.nextHop });
        log.warn('route appeared meanwhile (another agent?): left to it', { destination: r.destinationPrefix });
      } else {
        errors.push(`adding route ${r.destinationPrefix} via ${r.nextHop}: ${(error as Error).message}`);
      }
    }
  }
  return { plan, errors };
}

const isHr = (error: unknown, hr: number) => isHcnError(error) && (error as HcnError).hr === toUnsigned(hr);

export async function syncRemoteSubnets(
  hcn: HcnClient,
  networkId: string,
  record: NodeRecord,
  save: () => void,
  peers: readonly Peer[],
  unroutable: readonly Unroutable[],
): Promise<SyncOutcome<RemoteSubnetPlan>> {
  const network = await hcn.getNetwork(networkId);
  const vni = vsidOf(network);
  const owned = record.remoteSubnets.filter((o) => o.networkId === networkId);
  if (vni === undefined) {
    return {
      plan: { add: [], remove: [], keep: owned, foreign: [], unroutable: [...unroutable] },
      errors: [`network ${network.Name} has no VSID: cannot route remote subnets`],
    };
  }
  const plan = planRemoteSubnetRoutes({ peers, unroutable, networkPolicies: network.Policies ?? [], owned, vni });
  const errors: string[] = [];
  const same = (a: OwnedRemoteSubnet, b: OwnedRemoteSubnet) =>
    a.settings.DestinationPrefix === b.settings.DestinationPrefix &&
    a.settings.ProviderAddress === b.settings.ProviderAddress &&
    a.settings.DistributedRouterMacAddress === b.settings.DistributedRouterMacAddress &&
    a.settings.IsolationId === b.settings.IsolationId;
  const forget = (o: OwnedRemoteSubnet) => {
    record.remoteSubnets = record.remoteSubnets.filter((x) => !(x.networkId === networkId && same(x, o)));
    save();
  };
  for (const o of plan.remove) {
    try {
      await hcn.modifyNetwork(networkId, remoteSubnetRequest('Remove', [o]));
    } catch (error) {
      if (!isHr(error, HR.HCN_E_POLICY_NOT_FOUND)) {
        errors.push(`removing RemoteSubnetRoute ${o.settings.DestinationPrefix}: ${(error as Error).message}`);
        continue;
      }
    }
    forget(o);
    log.info('remote subnet route removed', { node: o.node, destination: o.settings.DestinationPrefix });
  }
  // Owned entries HNS no longer has and nobody wants any more are forgotten.
  for (const o of owned) {
    if (!plan.keep.some((k) => same(k, o)) && !plan.add.some((a) => same(a, o)) && !plan.remove.some((r) => same(r, o)))
      forget(o);
  }
  for (const a of plan.add) {
    if (!record.remoteSubnets.some((x) => x.networkId === networkId && same(x, a))) {
      record.remoteSubnets.push({ ...a, networkId });
      save();
    }
    try {
      await hcn.modifyNetwork(networkId, remoteSubnetRequest('Add', [a]));
      log.info('remote subnet route added', { node: a.node, destination: a.settings.DestinationPrefix });
    } catch (error) {
      forget(a);
      if (isHr(error, HR.HCN_E_POLICY_ALREADY_EXISTS)) {
        plan.foreign.push({ node: a.node, destinationPrefix: a.settings.DestinationPrefix });
        continue;
      }
      errors.push(`adding RemoteSubnetRoute ${a.settings.DestinationPrefix}: ${(error as Error).message}`);
    }
  }
  return { plan, errors };
}
