// `hns-cni node status`: what hns-cni has on this node, read live from HNS and IP Helper (not only what the agent
// last wrote): its networks (GUID derived by hns-cni), host endpoints, the routes and RemoteSubnetRoute policies it
// owns and whether each is in place, the agent's last view (API connection, foreign routes, unroutable nodes), and
// its files. `clean` is true when nothing of hns-cni is left: what an uninstall must achieve.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HcnClient } from '../hns/client.js';
import { sameGuid } from '../hns/guid.js';
import type { IphlpClient } from '../iphlp/client.js';
import { isInterfaceNotFound } from '../iphlp/errors.js';
import { isHnsCniEndpoint } from '../plan/identity.js';
import { hostEndpointIdFor, isOwnNetwork } from '../plan/node-networks.js';
import { adminWritableProblems } from '../store/private-dir.js';
import { firstConfFile } from './conf.js';
import { type AgentStatus, nodeDir, readAgentStatus, readRecord } from './record.js';

export interface NodeStatusReport {
  agent?: AgentStatus & { ageSeconds: number };
  networks: { name: string; id: string; type: string; podEndpoints: number }[];
  hostEndpoints: { name: string; id: string; network: string; address?: string }[];
  routes: { node: string; destinationPrefix: string; nextHop: string; present: boolean; interfaceIndex?: number }[];
  remoteSubnets: { node: string; destinationPrefix: string; providerAddress: string; present: boolean }[];
  /** Interfaces whose IPv4 forwarding hns-cni turned on, as they are now (node/forwarding.ts). */
  forwarding: { address: string; interfaceIndex?: number; present: boolean; enabled: boolean }[];
  files: { confFile?: string; binary?: string; stateDir?: string };
  /** With hns-cni installed: what lets users other than SYSTEM and Administrators change the bin dir (install's rule). */
  binDirProblems?: string[];
  clean: boolean;
}

export async function nodeStatus(opts: {
  hcn: HcnClient;
  iphlp: IphlpClient;
  dataDir: string;
  confDir: string;
  binDir: string;
}): Promise<NodeStatusReport> {
  const record = readRecord(opts.dataDir);
  const allNetworks = await opts.hcn.listNetworks();
  const nameOf = new Map(allNetworks.map((n) => [n.ID!.toLowerCase(), n.Name ?? '']));
  const endpoints = await opts.hcn.listEndpoints();
  const networks = allNetworks.filter(isOwnNetwork).map((n) => ({
    name: n.Name!,
    id: n.ID!,
    type: n.Type ?? 'NAT',
    podEndpoints: endpoints.filter((e) => sameGuid(e.HostComputeNetwork ?? '', n.ID!) && isHnsCniEndpoint(e)).length,
  }));
  const hostEndpoints = endpoints.flatMap((e) => {
    const network = nameOf.get((e.HostComputeNetwork ?? '').toLowerCase());
    if (network === undefined || !sameGuid(e.ID ?? '', hostEndpointIdFor(network))) return [];
    const address = e.IpConfigurations?.[0]?.IpAddress;
    return [{ name: e.Name ?? '', id: e.ID!, network, ...(address !== undefined && { address }) }];
  });
  const table = record.routes.length > 0 ? await opts.iphlp.listRoutes('all') : [];
  const routes = record.routes.map((r) => {
    const row = table.find((t) => t.destinationPrefix === r.destinationPrefix && t.nextHop === r.nextHop);
    return { ...r, present: row !== undefined, ...(row !== undefined && { interfaceIndex: row.interfaceIndex }) };
  });
  const policiesOf = new Map(allNetworks.map((n) => [n.ID!.toLowerCase(), n.Policies ?? []]));
  const remoteSubnets = record.remoteSubnets.map((s) => ({
    node: s.node,
    destinationPrefix: s.settings.DestinationPrefix,
    providerAddress: s.settings.ProviderAddress,
    present: (policiesOf.get(s.networkId.toLowerCase()) ?? []).some(
      (p) =>
        p.Type === 'RemoteSubnetRoute' &&
        (p.Settings as { DestinationPrefix?: string }).DestinationPrefix === s.settings.DestinationPrefix,
    ),
  }));
  const forwarding: NodeStatusReport['forwarding'] = [];
  for (const f of record.forwarding) {
    try {
      const row = await opts.iphlp.getInterface({
        family: f.family,
        interfaceIndex: 0,
        interfaceLuid: BigInt(f.interfaceLuid),
      });
      forwarding.push({
        address: f.address,
        interfaceIndex: row.interfaceIndex,
        present: true,
        enabled: row.forwardingEnabled,
      });
    } catch (error) {
      if (!isInterfaceNotFound(error)) throw error;
      forwarding.push({ address: f.address, present: false, enabled: false });
    }
  }
  // The front, else a leftover engine (src/node/install-pair.ts): either means hns-cni's files are still there.
  const binary = ['hns-cni.exe', 'hns-cni', 'hns-cni-engine.exe', 'hns-cni-engine']
    .map((f) => path.join(opts.binDir, f))
    .find((f) => fs.existsSync(f));
  const confFile = firstConfFile(opts.confDir);
  const stateDir = fs.existsSync(nodeDir(opts.dataDir)) ? nodeDir(opts.dataDir) : undefined;
  const agent = readAgentStatus(opts.dataDir);
  const report: NodeStatusReport = {
    ...(agent !== undefined && {
      agent: { ...agent, ageSeconds: Math.round((Date.now() - Date.parse(agent.updatedAt)) / 1000) },
    }),
    networks,
    hostEndpoints,
    routes,
    remoteSubnets,
    forwarding,
    files: {
      ...(confFile !== undefined && { confFile }),
      ...(binary !== undefined && { binary }),
      ...(stateDir !== undefined && { stateDir }),
    },
    clean: false,
  };
  if (binary !== undefined) report.binDirProblems = (await adminWritableProblems(opts.binDir)).problems;
  report.clean =
    networks.length === 0 &&
    hostEndpoints.length === 0 &&
    routes.length === 0 &&
    remoteSubnets.length === 0 &&
    forwarding.length === 0 &&
    binary === undefined &&
    stateDir === undefined;
  return report;
}
