// The pod's address, from the built-in IPAM or a delegated IPAM plugin, behind one interface so the verbs do not
// care which. The rule the anchors break lives in the verbs: an address is released only once no endpoint uses it.

import { spawnSync } from 'node:child_process';
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { CniRequest } from '../cni/types.js';
import type { NetConf } from '../config/types.js';
import type { HcnClient } from '../hns/client.js';
import { isNotFound } from '../hns/errors.js';
import { type BuiltinIpamConfig, isDelegatedIpam } from '../ipam/config.js';
import { execDelegatedIpam, findPlugin } from '../ipam/delegate.js';
import { type Ipam, openIpam, openIpamStore, type RecoveredAttachment } from '../ipam/ipam.js';
import { log } from '../log/logger.js';
import { attachmentOfEndpointName, endpointIdFor, isHnsCniEndpoint } from '../plan/identity.js';
import type { PodAddress } from '../plan/types.js';
import { openDataDir } from '../store/data-dir.js';

export interface AddressGrant {
  address?: PodAddress;
  /** Extra routes the IPAM hands out (ipam.routes), plumbed like configured routes. */
  routes: { dst: string; gw?: string }[];
  /** True when this call took the address (so a failed ADD must give it back); false for a repeated ADD. */
  fresh: boolean;
}

export interface PodAddressing {
  readonly kind: 'builtin' | 'delegated' | 'hns';
  grant(): Promise<AddressGrant>;
  release(): Promise<void>;
  /** The address held for this attachment, or undefined. Built-in IPAM only (a delegate answers CHECK itself). */
  held(): Promise<string | undefined>;
  /** The built-in IPAM itself (GC, STATUS). */
  builtin?: () => Promise<Ipam>;
  /** A delegate answers CHECK, GC and STATUS for its own state (spec: "forward to IPAM"). */
  forward?: (verb: 'CHECK' | 'GC' | 'STATUS') => Promise<void>;
}

/** Lists the attachments whose pod endpoints HNS still has: the built-in store's rebuild source after damage. */
export function recoveryFromHns(hcn: HcnClient, conf: NetConf): () => Promise<RecoveredAttachment[]> {
  return async () => {
    const endpoints = await hcn.listEndpoints({ VirtualNetworkName: conf.network });
    const found: RecoveredAttachment[] = [];
    for (const ep of endpoints) {
      const name = ep.Name ?? '';
      const ip = ep.IpConfigurations?.find((c) => !c.IpAddress.includes(':'))?.IpAddress;
      const key = attachmentOfEndpointName(name, conf.network);
      if (!isHnsCniEndpoint(ep) || key === undefined || ip === undefined) continue;
      found.push({ ...key, address: ip });
    }
    log.warn('ipam: rebuilding the allocation store from HNS endpoints', { endpoints: found.length });
    return found;
  };
}

/** Whether the delegated plugin lists `version` in its VERSION answer. */
function delegateSupports(type: string, req: CniRequest, version: string): boolean {
  const run = spawnSync(findPlugin(type, req.path), [], {
    env: { ...process.env, CNI_COMMAND: 'VERSION' },
    input: JSON.stringify({ cniVersion: version }),
    encoding: 'utf8',
    timeout: 10_000,
  });
  try {
    const answer = JSON.parse(run.stdout) as { supportedVersions?: unknown };
    return Array.isArray(answer.supportedVersions) && answer.supportedVersions.includes(version);
  } catch {
    return false;
  }
}

export function podAddressing(conf: NetConf, req: CniRequest, hcn: HcnClient): PodAddressing {
  const key = { containerId: req.containerId, ifName: req.ifName };
  const ipam = conf.ipam;
  if (ipam === undefined) {
    return {
      kind: 'hns',
      grant: async () => ({ routes: [], fresh: false }),
      release: async () => {},
      held: async () => undefined,
    };
  }
  if (isDelegatedIpam(ipam)) {
    return {
      kind: 'delegated',
      async grant() {
        // host-local refuses a second ADD for the same key: when our endpoint already exists this is a repeated
        // ADD, and its address is the one the endpoint holds.
        const existing = await hcn.getEndpoint(endpointIdFor(req.containerId, conf.network, req.ifName)).catch((e) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
        const existingIp = existing?.IpConfigurations?.find((c) => !c.IpAddress.includes(':'));
        if (existingIp) {
          return {
            address: { address: `${existingIp.IpAddress}/${existingIp.PrefixLength ?? 32}` },
            routes: [],
            fresh: false,
          };
        }
        const result = await execDelegatedIpam(ipam.type, 'ADD', req);
        const ip = result?.ips?.find((i) => !i.address.includes(':'));
        if (ip === undefined) {
          await execDelegatedIpam(ipam.type, 'DEL', req).catch(() => {});
          throw new CniError(CNI_CODE.DELEGATE_FAILED, `IPAM plugin ${ipam.type} returned no IPv4 address`);
        }
        return {
          address: { address: ip.address, ...(ip.gateway !== undefined && { gateway: ip.gateway }) },
          routes: (result?.routes ?? []).map((r) => ({ dst: r.dst, ...(r.gw !== undefined && { gw: r.gw }) })),
          fresh: true,
        };
      },
      release: async () => {
        await execDelegatedIpam(ipam.type, 'DEL', req);
      },
      held: async () => undefined,
      forward: async (verb) => {
        // GC and STATUS exist from CNI 1.1.0; an older delegate (Debian's host-local 1.1.1) must not be sent them,
        // as a runtime would not: it answers with a bogus error that would mark the node's network not ready.
        if (verb !== 'CHECK' && !delegateSupports(ipam.type, req, '1.1.0')) {
          log.debug(`ipam: ${ipam.type} predates CNI 1.1.0; ${verb} not forwarded`);
          return;
        }
        await execDelegatedIpam(ipam.type, verb, req);
      },
    };
  }
  let opened: Promise<Ipam> | undefined;
  const builtin = ipam as BuiltinIpamConfig;
  const open = () => {
    opened ??= (async () => {
      // The default store lives in the data directory, opened (and checked) with the context; one configured
      // elsewhere is held to the same rules.
      if (builtin.dataDir !== undefined) await openDataDir(builtin.dataDir, 'ipam.dataDir');
      return openIpam(builtin, {
        network: conf.network,
        hostEndpoint: conf.mode === 'l2bridge',
        recover: recoveryFromHns(hcn, conf),
        ...(req.verb === 'STATUS' || req.verb === 'GC' ? { refreshSource: true } : {}),
      });
    })();
    return opened;
  };
  const storeOnly = () => openIpamStore(ipam as BuiltinIpamConfig, { network: conf.network });
  return {
    kind: 'builtin',
    builtin: open,
    async grant() {
      const a = await (await open()).allocate(key);
      const v4 = a.ips.find((i) => !i.address.includes(':'))!;
      return {
        address: { address: v4.address, ...(v4.gateway !== undefined && { gateway: v4.gateway }) },
        routes: a.routes.map((r) => ({ dst: r.dst, ...(r.gw !== undefined && { gw: r.gw }) })),
        fresh: !a.reused,
      };
    },
    // DEL, ADD's rollback and CHECK touch only the store: they work whatever state the subnet source is in.
    release: async () => {
      await storeOnly().release(key);
    },
    held: async () => (await storeOnly().lookup(key))?.ips.find((i) => !i.address.includes(':'))?.address,
  };
}
