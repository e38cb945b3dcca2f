// The CNI result of an ADD (1.x shape; cni/ converts it to the requested version). containerd files IPs under
// `interfaces[ips[i].interface].name` and takes the pod IP from CNI_IFNAME's entry, so the pod interface is always
// interfaces[0], named CNI_IFNAME, and every IP names it: a dual-stack pod's IPv4 and IPv6 addresses both (IPv4
// first, as kubelet lists podIPs), each with its family's gateway and default route. In transparent mode the NAT
// endpoint is listed second as `<ifname>-nat` with no IP (HNS assigns it after the plan; reading it back would cost
// an HCN call on the hot path).

import type { CniInterface, CniIpConfig, CniResult, CniRoute } from '../cni/types.js';
import { addressOf, defaultDestination, familyOf } from '../config/address.js';
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
  if (pod.address6 !== undefined) {
    result.ips!.push({
      address: pod.address6,
      ...(pod.gateway6 !== undefined && { gateway: pod.gateway6 }),
      interface: 0,
    });
  }
  result.routes = resultRoutes(config, pod, nat);
  const cniDns = toCniDns(dns);
  if (cniDns) result.dns = cniDns;
  return result;
}

function resultRoutes(config: NetConf, pod: PlannedEndpoint, nat: PlannedEndpoint | undefined): CniRoute[] {
  const routes: CniRoute[] = [];
  const primary6 = pod.address !== undefined && familyOf(pod.address) === 6;
  // The gateway of each family: an IPv6-only pod's one gateway is its IPv6 one.
  const gw = primary6 ? undefined : pod.gateway;
  const gw6 = primary6 ? pod.gateway : pod.gateway6;
  const has6 = primary6 || pod.address6 !== undefined || pod.gateway6 !== undefined;
  const has4 = !primary6;
  const via = (dst: string, hop: string | undefined): CniRoute => ({ dst, ...(hop !== undefined && { gw: hop }) });
  if (config.mode === 'transparent') {
    for (const dst of [config.clusterCIDR, config.serviceCIDR]) if (dst !== undefined) routes.push(via(dst, gw));
  } else {
    if (has4) routes.push(via(DEFAULT_ROUTE, gw));
    if (has6) routes.push(via(defaultDestination(6), gw6));
  }
  for (const r of config.routes) {
    const v6 = familyOf(r.dst) === 6;
    if ((v6 && !has6) || (!v6 && !has4)) continue;
    if (!routes.some((x) => x.dst === r.dst)) routes.push(via(r.dst, r.gw ?? (v6 ? gw6 : gw)));
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
  const ips: CniIpConfig[] = [];
  const gateways: Partial<Record<4 | 6, string>> = {};
  // IPv6 only where the plan expects it (a dual-stack network in a dual-stack mode: the ::/0 route is planned).
  const families: (4 | 6)[] = plan.result.routes?.some((r) => familyOf(r.dst) === 6) ? [4, 6] : [4];
  for (const family of families) {
    const ipConfig = created.IpConfigurations?.find((c) => familyOf(c.IpAddress) === family);
    if (ipConfig === undefined) continue;
    const prefix = ipConfig.PrefixLength ?? (family === 4 ? 32 : 128);
    const gateway = created.Routes?.find((r) => r.DestinationPrefix === defaultDestination(family))?.NextHop;
    if (gateway !== undefined) gateways[family] = gateway;
    ips.push({
      address: `${addressOf(ipConfig.IpAddress)}/${prefix}`,
      ...(gateway !== undefined && { gateway }),
      interface: 0,
    });
  }
  if (ips.length === 0) return plan.result;
  const routes = (plan.result.routes ?? []).map((r) => {
    const gateway = gateways[familyOf(r.dst) === 6 ? 6 : 4];
    return r.gw === undefined && gateway !== undefined ? { ...r, gw: gateway } : r;
  });
  return { ...plan.result, ips, routes };
}
