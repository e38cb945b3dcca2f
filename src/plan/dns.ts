// The pod's DNS: the config's `dns`, overridden field by field by the runtime's `dns` capability (kubelet's
// ClusterFirst servers, searches, ndots). Each container has its own registry on Windows, so these settings must
// reach the endpoint's Dns; a resolv.conf has no effect. Lists are passed through unchanged for native configs;
// kubelet already sends the complete, ordered list. A WCN config gets WCN's namespace rule (podDns), without its
// loss of the original first search domain (anchors.md §3.4).

import { CNI_CODE, CniError } from '../cni/errors.js';
import type { ConfigIssue } from '../cni/netconf.js';
import type { RuntimeDns } from '../cni/runtime-config.js';
import { dnsNameProblem, dnsOptionProblem, dnsServerProblem } from '../cni/text-rules.js';
import type { CniDns } from '../cni/types.js';
import type { DnsSettings, NetConf } from '../config/types.js';
import type { Dns } from '../hns/types.js';

/**
 * The DNS an ADD gives the pod. WCN writes `<namespace>.` in front of the config's first search domain (so
 * `svc.cluster.local` resolves short service names of the pod's namespace) but overwrites it, losing
 * `svc.cluster.local` itself; hns-cni inserts the namespaced domain before it instead (a deliberate difference,
 * noted in the plan). win-bridge does not read the runtime's DNS options.
 */
export function podDns(config: NetConf, runtime: RuntimeDns | undefined, podNamespace: string | undefined) {
  const notes: string[] = [];
  let base = config.dns;
  const first = base.search[0];
  if (config.dnsRules.namespaceSearch && podNamespace && first !== undefined) {
    const namespaced = `${podNamespace}.${first}`;
    base = { ...base, search: [...new Set([namespaced, ...base.search])] };
    notes.push(`dns: search domain ${namespaced} added before ${first} (WCN replaces ${first} with it)`);
  }
  const effective = config.dnsRules.runtimeOptions ? runtime : runtime && { ...runtime, options: undefined };
  return { dns: mergeDns(base, effective), notes };
}

function stringsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter((s): s is string => typeof s === 'string' && s !== '');
  return strings.length > 0 ? strings : undefined;
}

/**
 * A non-empty runtime list replaces the config's list; an absent or empty one keeps it. Every server, domain,
 * search suffix and option, from either side, must be what its name says before it goes to HNS: code 7 otherwise,
 * naming each bad value. (Checked here, when an ADD or CHECK uses them, rather than in the schema, so that DEL of a
 * pod made by an older, laxer version still works.)
 */
export function mergeDns(config: DnsSettings, runtime: RuntimeDns | undefined): DnsSettings {
  const issues = [
    ...listIssues('dns.nameservers', config.nameservers, dnsServerProblem),
    ...(config.domain === undefined || config.domain === ''
      ? []
      : listIssues('dns.domain', [config.domain], dnsNameProblem, false)),
    ...listIssues('dns.search', config.search, dnsNameProblem),
    ...listIssues('dns.options', config.options, dnsOptionProblem),
    ...listIssues('runtimeConfig.dns.servers', stringsOf(runtime?.servers) ?? [], dnsServerProblem),
    ...listIssues('runtimeConfig.dns.searches', stringsOf(runtime?.searches) ?? [], dnsNameProblem),
    ...listIssues('runtimeConfig.dns.options', stringsOf(runtime?.options) ?? [], dnsOptionProblem),
  ];
  if (issues.length > 0) {
    const listed = issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
    throw new CniError(CNI_CODE.INVALID_CONFIG, `invalid DNS settings: ${listed}`, JSON.stringify(issues));
  }
  return {
    nameservers: stringsOf(runtime?.servers) ?? config.nameservers,
    ...(config.domain !== undefined && { domain: config.domain }),
    search: stringsOf(runtime?.searches) ?? config.search,
    options: stringsOf(runtime?.options) ?? config.options,
  };
}

const LOOPBACK_RESOLVERS = new Set(['127.0.0.1', '::1']);

/**
 * kubelet gives a host-network pod the host's DNS; with `--resolv-conf=""` on Windows that is 127.0.0.1, which
 * means nothing inside the pod. Loopback servers are replaced by the configured host resolvers (once each), or
 * dropped when none are configured.
 */
export function replaceLoopbackResolvers(dns: DnsSettings, hostResolvers: readonly string[]): DnsSettings {
  if (!dns.nameservers.some((s) => LOOPBACK_RESOLVERS.has(s))) return dns;
  const out: string[] = [];
  for (const server of dns.nameservers) {
    const replacement = LOOPBACK_RESOLVERS.has(server) ? hostResolvers : [server];
    for (const s of replacement) if (!out.includes(s)) out.push(s);
  }
  return { ...dns, nameservers: out };
}

/** HNS's Dns object, with empty members left out (as HNS itself writes them). */
export function toHcnDns(dns: DnsSettings): Dns {
  return {
    ...(dns.domain !== undefined && dns.domain !== '' && { Domain: dns.domain }),
    ...(dns.search.length > 0 && { Search: [...dns.search] }),
    ...(dns.nameservers.length > 0 && { ServerList: [...dns.nameservers] }),
    ...(dns.options.length > 0 && { Options: [...dns.options] }),
  };
}

/** The result's `dns`; undefined when there is nothing to report. */
export function toCniDns(dns: DnsSettings): CniDns | undefined {
  const out: CniDns = {
    ...(dns.nameservers.length > 0 && { nameservers: [...dns.nameservers] }),
    ...(dns.domain !== undefined && dns.domain !== '' && { domain: dns.domain }),
    ...(dns.search.length > 0 && { search: [...dns.search] }),
    ...(dns.options.length > 0 && { options: [...dns.options] }),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

function listIssues(
  path: string,
  values: readonly string[],
  problem: (text: string) => string | undefined,
  indexed = true,
): ConfigIssue[] {
  return values.flatMap((value, i) => {
    const reason = problem(value);
    return reason === undefined ? [] : [{ path: indexed ? `${path}[${i}]` : path, reason }];
  });
}
