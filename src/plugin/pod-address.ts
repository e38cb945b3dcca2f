// The pod's address, from the built-in IPAM or a delegated IPAM plugin, behind one interface so the verbs do not
// care which. The rule the anchors break lives in the verbs: an address is released only once no endpoint uses it.

import { CNI_CODE, CniError } from '../cni/errors.js';
import type { CniIpConfig, CniRequest } from '../cni/types.js';
import type { NetConf } from '../config/types.js';
import type { HcnClient } from '../hns/client.js';
import { isNotFound } from '../hns/errors.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { type BuiltinIpamConfig, isDelegatedIpam } from '../ipam/config.js';
import { delegateSupports, execDelegatedIpam } from '../ipam/delegate.js';
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
  /** The addresses held for this attachment, or undefined. Built-in IPAM only (a delegate answers CHECK itself). */
  held(): Promise<PodAddress | undefined>;
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
      const key = attachmentOfEndpointName(name, conf.network);
      if (!isHnsCniEndpoint(ep) || key === undefined) continue;
      // Every address of the endpoint: a dual-stack pod holds one of each family under the same key.
      for (const c of ep.IpConfigurations ?? []) found.push({ ...key, address: c.IpAddress });
    }
    log.warn('ipam: rebuilding the allocation store from HNS endpoints', { endpoints: found.length });
    return found;
  };
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
        const held = existing === undefined ? undefined : addressesOfEndpoint(existing);
        if (held !== undefined) return { address: held, routes: [], fresh: false };
        const result = await execDelegatedIpam(ipam.type, 'ADD', req);
        const address = podAddressOf(result?.ips ?? []);
        if (address === undefined) {
          await execDelegatedIpam(ipam.type, 'DEL', req).catch(() => {});
          throw new CniError(CNI_CODE.DELEGATE_FAILED, `IPAM plugin ${ipam.type} returned no IP address`);
        }
        return {
          address,
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
        if (verb !== 'CHECK' && !(await delegateSupports(ipam.type, req, '1.1.0'))) {
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
      return openIpam(withSourceVip(conf, builtin), {
        network: conf.network,
        // l2bridge: the host endpoint's .2 and ::2; overlay: kube-proxy's source VIP (IPv4 only).
        hostEndpoint: conf.mode === 'l2bridge' || (conf.mode === 'overlay' && conf.sourceVip !== false),
        hostEndpoint6: conf.mode === 'l2bridge',
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
      return {
        address: podAddressOf(a.ips)!,
        routes: a.routes.map((r) => ({ dst: r.dst, ...(r.gw !== undefined && { gw: r.gw }) })),
        fresh: !a.reused,
      };
    },
    // DEL, ADD's rollback and CHECK touch only the store: they work whatever state the subnet source is in.
    release: async () => {
      await storeOnly().release(key);
    },
    held: async () => podAddressOf((await storeOnly().lookup(key))?.ips ?? []),
  };
}

/**
 * The IPAM's answer as the planner takes it: the first IPv4 address (with its gateway) and the first IPv6 one, or
 * for an IPv6-only answer the IPv6 address alone; undefined when there is none.
 */
export function podAddressOf(ips: readonly CniIpConfig[]): PodAddress | undefined {
  const one = (ip: CniIpConfig) => ({ address: ip.address, ...(ip.gateway !== undefined && { gateway: ip.gateway }) });
  const v4 = ips.find((i) => !i.address.includes(':'));
  const v6 = ips.find((i) => i.address.includes(':'));
  if (v4 === undefined) return v6 === undefined ? undefined : one(v6);
  return { ...one(v4), ...(v6 !== undefined && { ipv6: one(v6) }) };
}

/** The addresses an existing endpoint holds, with the gateway of each family's default route (a repeated ADD). */
function addressesOfEndpoint(endpoint: HostComputeEndpoint): PodAddress | undefined {
  const ips = (endpoint.IpConfigurations ?? []).map((c) => {
    const v6 = c.IpAddress.includes(':');
    const gateway = endpoint.Routes?.find((r) => r.DestinationPrefix === (v6 ? '::/0' : '0.0.0.0/0'))?.NextHop;
    return {
      address: `${c.IpAddress}/${c.PrefixLength ?? (v6 ? 128 : 32)}`,
      ...(gateway !== undefined && { gateway }),
    };
  });
  return podAddressOf(ips);
}

/** Overlay: kube-proxy's source VIP takes the IPAM's host-endpoint slot (default .2; `sourceVip` moves it). */
function withSourceVip(conf: NetConf, ipam: BuiltinIpamConfig): BuiltinIpamConfig {
  if (conf.mode !== 'overlay' || typeof conf.sourceVip !== 'string') return ipam;
  return { ...ipam, hostEndpoint: conf.sourceVip };
}
