// The CNI result of an ADD (1.x shape; cni/ converts it to the requested version). containerd files IPs under
// `interfaces[ips[i].interface].name` and takes the pod IP from CNI_IFNAME's entry, so the pod interface is always
// interfaces[0], named CNI_IFNAME, and every IP names it. In transparent mode the NAT endpoint is listed second as
// `<ifname>-nat` with no IP (HNS assigns it after the plan; reading it back would cost an HCN call on the hot path).

import type { CniInterface, CniResult, CniRoute } from '../cni/types.js';
import { addressOf } from '../config/address.js';
import type { DnsSettings, NetConf } from '../config/types.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { toCniDns } from './dns.js';
import { DEFAULT_ROUTE } from './endpoint.js';
import { macToCni } from './mac.js';
import type { AddPlan, PlannedEndpoint } from './types.js';

export function natIfNameFor(ifName: string): string {
  return `${ifName}-nat`;
}

export interface ResultInput {
  config: NetConf;
  netns: string;
  endpoints: PlannedEndpoint[];
  dns: DnsSettings;
}

export function buildResult({ config, netns, endpoints, dns }: ResultInput): CniResult {
  const interfaces: CniInterface[] = endpoints.map((e) => ({ name: e.ifName, mac: macToCni(e.mac), sandbox: netns }));
  const pod = endpoints.find((e) => e.role === 'pod')!;
  const nat = endpoints.find((e) => e.role === 'nat');
  const result: CniResult = { cniVersion: config.cniVersion, interfaces, ips: [] };
  if (pod.address !== undefined) {
    result.ips = [{ address: pod.address, ...(pod.gateway !== undefined && { gateway: pod.gateway }), interface: 0 }];
  }
  result.routes = resultRoutes(config, pod, nat);
  const cniDns = toCniDns(dns);
  if (cniDns) result.dns = cniDns;
  return result;
}

function resultRoutes(config: NetConf, pod: PlannedEndpoint, nat: PlannedEndpoint | undefined): CniRoute[] {
  const routes: CniRoute[] = [];
  const gw = pod.gateway;
  const via = (dst: string, hop: string | undefined): CniRoute => ({ dst, ...(hop !== undefined && { gw: hop }) });
  if (config.mode === 'transparent') {
    for (const dst of [config.clusterCIDR, config.serviceCIDR]) if (dst !== undefined) routes.push(via(dst, gw));
  } else {
    routes.push(via(DEFAULT_ROUTE, gw));
  }
  for (const r of config.routes) {
    if (!routes.some((x) => x.dst === r.dst)) routes.push(via(r.dst, r.gw ?? gw));
  }
  if (nat) routes.push(via(DEFAULT_ROUTE, nat.gateway));
  return routes;
}

/**
 * Fills the pod IP of a plan whose address HNS assigned, from the created endpoint as HNS returned it. A no-op for
 * plans whose address came from the IPAM.
 */
export function completeResult(plan: AddPlan, created: HostComputeEndpoint): CniResult {
  if (!plan.podAddressFromHns) return plan.result;
  const ipConfig = created.IpConfigurations?.find((c) => !c.IpAddress.includes(':'));
  if (ipConfig === undefined) return plan.result;
  const prefix = ipConfig.PrefixLength ?? 32;
  const gateway = created.Routes?.find((r) => r.DestinationPrefix === DEFAULT_ROUTE)?.NextHop;
  const address = `${addressOf(ipConfig.IpAddress)}/${prefix}`;
  const routes = (plan.result.routes ?? []).map((r) =>
    r.gw === undefined && gateway !== undefined ? { ...r, gw: gateway } : r,
  );
  return {
    ...plan.result,
    ips: [{ address, ...(gateway !== undefined && { gateway }), interface: 0 }],
    routes,
  };
}
