// `hns-cni hns ...`: what HNS holds, through whichever backend the plugin itself would use (FFI on Windows, the
// simulator or the C stub elsewhere), so what an operator sees is what the plugin sees.
//   networks|endpoints|namespaces [--json]   v2 JSON with --json, a table otherwise
//   namespace-create [--json]                 what containerd does before ADD; prints the new GUID
//   namespace-delete ID                       what containerd does after DEL
//   network-delete ID                         removes a network (hns-cni itself never deletes one; pods on it lose
//                                             their endpoints, and an external-switch network blips the node)
import type { HcnClient } from '../hns/client.js';
import { selectHcnClient } from '../hns/select.js';
import {
  type HostComputeEndpoint,
  type HostComputeNamespace,
  type HostComputeNetwork,
  networkType,
  SCHEMA_V2,
} from '../hns/types.js';
import { printError, printJson, printTable, printText } from './output.js';

const USAGE = `usage: hns-cni hns <networks|endpoints|namespaces> [--json]
       hns-cni hns namespace-create [--json]
       hns-cni hns namespace-delete ID
       hns-cni hns network-delete ID`;

type Sub = (hcn: HcnClient, args: string[], json: boolean) => Promise<number>;

const SUBCOMMANDS: Record<string, Sub> = {
  networks: async (hcn, _args, json) => {
    const networks = await hcn.listNetworks();
    if (json) printJson(networks);
    else printTable(['ID', 'NAME', 'TYPE', 'SUBNETS'], networks.map(networkRow));
    return 0;
  },
  endpoints: async (hcn, _args, json) => {
    const endpoints = await hcn.listEndpoints();
    if (json) printJson(endpoints);
    else printTable(['ID', 'NAME', 'IP', 'MAC', 'NETWORK', 'NAMESPACE'], endpoints.map(endpointRow));
    return 0;
  },
  namespaces: async (hcn, _args, json) => {
    const namespaces = await hcn.listNamespaces();
    if (json) printJson(namespaces);
    else printTable(['ID', 'TYPE', 'ENDPOINTS'], namespaces.map(namespaceRow));
    return 0;
  },
  'namespace-create': async (hcn, _args, json) => {
    // containerd's default: hcsshim's empty HostComputeNamespace{} (hns-api.md §9 E12).
    const ns = await hcn.createNamespace({ SchemaVersion: { Major: SCHEMA_V2.Major, Minor: SCHEMA_V2.Minor } });
    if (json) printJson(ns);
    else printText(ns.ID ?? '');
    return 0;
  },
  'namespace-delete': (hcn, args) => deleteById(args, (id) => hcn.deleteNamespace(id)),
  'network-delete': (hcn, args) => deleteById(args, (id) => hcn.deleteNetwork(id)),
};

async function deleteById(args: string[], remove: (id: string) => Promise<void>): Promise<number> {
  const [id] = args;
  if (id === undefined) {
    printError(USAGE);
    return 2;
  }
  await remove(id);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [sub, ...args] = argv.filter((a) => a !== '--json');
  const run = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    printText(USAGE);
    return 0;
  }
  if (run === undefined) {
    printError(sub === undefined ? USAGE : `hns-cni hns: unknown subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  try {
    return await run(await selectHcnClient(), args, json);
  } catch (error) {
    printError(`hns-cni hns ${sub}: ${(error as Error).message}`);
    return 1;
  }
}

function subnetsOf(n: HostComputeNetwork): string {
  return (n.Ipams ?? [])
    .flatMap((i) => i.Subnets ?? [])
    .map((s) => s.IpAddressPrefix ?? '')
    .join(',');
}

function networkRow(n: HostComputeNetwork): string[] {
  return [n.ID ?? '', n.Name ?? '', networkType(n), subnetsOf(n)];
}

function endpointRow(e: HostComputeEndpoint): string[] {
  const ips = (e.IpConfigurations ?? [])
    .map((c) => (c.PrefixLength === undefined ? c.IpAddress : `${c.IpAddress}/${c.PrefixLength}`))
    .join(',');
  return [e.ID ?? '', e.Name ?? '', ips, e.MacAddress ?? '', e.HostComputeNetwork ?? '', e.HostComputeNamespace ?? ''];
}

function namespaceRow(n: HostComputeNamespace): string[] {
  return [n.ID ?? '', n.Type ?? '', String((n.Resources ?? []).filter((r) => r.Type === 'Endpoint').length)];
}
