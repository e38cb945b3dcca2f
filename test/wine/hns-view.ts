// What the Linux side sees of the HNS state the Windows exe produced (through `hns-cni hns ... --json` on the
// simulator's state file), what the plugin left in its Windows-default IPAM store, and the pod-level helpers the
// lifecycle tests share.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type CnictlOutcome, cnictlExe, onDriveC, runExe, simCli, win } from './stage.js';

export interface HnsNetwork {
  ID: string;
  Name: string;
  Type?: string;
}

export interface HnsEndpoint {
  ID: string;
  Name: string;
  HostComputeNetwork?: string;
  HostComputeNamespace?: string;
  MacAddress?: string;
  IpConfigurations?: { IpAddress: string; PrefixLength?: number }[];
}

export interface HnsNamespace {
  ID: string;
  Resources?: { Type: string; Data: { ID?: string; Id?: string } }[];
}

const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

export function networks(): HnsNetwork[] {
  return simCli<HnsNetwork[]>(['hns', 'networks', '--json']);
}

export function networkNamed(name: string): HnsNetwork | undefined {
  return networks().find((n) => n.Name === name);
}

export function endpoints(): HnsEndpoint[] {
  return simCli<HnsEndpoint[]>(['hns', 'endpoints', '--json']);
}

export function endpointsIn(namespaceId: string): HnsEndpoint[] {
  return endpoints().filter((e) => same(e.HostComputeNamespace, namespaceId));
}

export function namespace(id: string): HnsNamespace | undefined {
  return simCli<HnsNamespace[]>(['hns', 'namespaces', '--json']).find((n) => same(n.ID, id));
}

/** Endpoint IDs the namespace lists as its resources (kept in sync with the endpoints' HostComputeNamespace). */
export function namespaceEndpointIds(id: string): string[] {
  return (namespace(id)?.Resources ?? [])
    .filter((r) => r.Type === 'Endpoint')
    .map((r) => (r.Data.ID ?? r.Data.Id ?? '').toLowerCase())
    .sort();
}

/** An HCN namespace created the way containerd does before ADD: through the Windows exe and the stub DLL. */
export function createNamespace(): string {
  const r = runExe(['hns', 'namespace-create', '--json']);
  if (r.status !== 0) throw new Error(`hns namespace-create failed (${r.status}): ${r.stdout}${r.stderr}`);
  return (JSON.parse(r.stdout) as { ID: string }).ID;
}

export function deleteNamespace(id: string): void {
  const r = runExe(['hns', 'namespace-delete', id]);
  if (r.status !== 0) throw new Error(`hns namespace-delete failed (${r.status}): ${r.stdout}${r.stderr}`);
}

/** One allocation as the operator command `hns-cni ipam --json` lists it. */
export interface IpamAllocation {
  address: string;
  containerId: string;
  ifName: string;
}

/**
 * The allocations of a network in the plugin's IPAM store at its Windows default (C:\ProgramData\hns-cni\ipam),
 * read from the Linux side with the operator command (`hns-cni ipam --data-dir ... --json`), so the assertions do
 * not depend on the store's file format. None when the network has no store there.
 */
export function ipamAllocations(network: string): IpamAllocation[] {
  const dataDir = onDriveC(win.ipamDir);
  if (!existsSync(join(dataDir, network))) return [];
  const view = simCli<{ networks: { network: string; allocations: IpamAllocation[] }[] }>([
    'ipam',
    '--network',
    network,
    '--data-dir',
    dataDir,
    '--json',
  ]);
  return view.networks.find((n) => n.network === network)?.allocations ?? [];
}

/** The allocations of one container, as `address ifName` strings. */
export function allocationsOf(network: string, containerId: string): string[] {
  return ipamAllocations(network)
    .filter((a) => a.containerId === containerId)
    .map((a) => `${a.address} ${a.ifName}`);
}

export interface PodRef {
  net: string;
  containerId: string;
  netns: string;
}

/** cnictl.exe with the conf dir (libcni LoadConfList by network name) and the pod's runtime arguments. */
export function podVerb(verb: 'add' | 'check' | 'del', pod: PodRef): CnictlOutcome {
  return cnictlExe([
    verb,
    ...['--conf-dir', win.confDir, '--net', pod.net],
    ...['--netns', pod.netns, '--container-id', pod.containerId, '--ifname', 'eth0'],
    ...['--cni-args', `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.containerId}`],
  ]);
}

/** Asserts success with a readable failure: the whole error document (CNI code, msg, plugin stderr) on mismatch. */
export function expectOk(r: CnictlOutcome): void {
  expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: {} });
}

/** The 1.0.0 result as libcni parsed it. */
export interface CniResult100 {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
  routes?: { dst: string; gw?: string }[];
  dns?: { nameservers?: string[] };
}

/** Dotted-quad → number, for subnet membership checks. */
export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToNumber(base);
  return ipv4ToNumber(ip) >= start && ipv4ToNumber(ip) < start + size;
}
