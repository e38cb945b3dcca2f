// CHECK: the attachment is still what ADD made. Each endpoint exists, sits in CNI_NETNS, and has the address, MAC,
// routes and policies the plan gives (HNS may add policies of its own, e.g. L2Driver: only missing or different
// planned ones count; policies compare by meaning, not bytes: plan/policy-equivalence.ts); the IPAM still holds
// that address; prevResult agrees. Every difference is listed.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { parsePrevResult } from '../cni/netconf.js';
import { sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint, Route } from '../hns/types.js';
import { planAdd } from '../plan/add.js';
import { sameMac } from '../plan/mac.js';
import { samePolicy } from '../plan/policy-equivalence.js';
import type { CreateEndpointStep, PodAddress } from '../plan/types.js';
import { requireNamespaceGuid } from './add.js';
import type { VerbContext } from './context.js';
import { ignoreNotFound, withHnsErrors } from './hns-errors.js';
import { ownLegacyEndpoint } from './legacy-endpoints.js';
import { readHnsView } from './networks.js';
import { podAddressOf } from './pod-address.js';

export async function check(ctx: VerbContext): Promise<void> {
  const netns = requireNamespaceGuid(ctx.req.netns, 'CHECK');
  const problems = await withHnsErrors('CHECK', () => findProblems(ctx, netns));
  await ctx.addressing.forward?.('CHECK');
  if (problems.length > 0) {
    throw new CniError(CNI_CODE.CHECK_FAILED, `CHECK: ${problems.join('; ')}`, JSON.stringify(problems));
  }
}

async function findProblems(ctx: VerbContext, netns: string): Promise<string[]> {
  const { conf, req, hcn } = ctx;
  const problems: string[] = [];
  const prev = conf.prevResult === undefined ? undefined : parsePrevResult(conf.prevResult);
  // The pod interface's addresses ADD reported (a dual-stack pod: one of each family).
  const prevIps = (prev?.ips ?? []).filter((i) => i.interface === undefined || i.interface === 0);
  const prevAddress = podAddressOf(prevIps);

  let allocation: PodAddress | undefined;
  if (ctx.addressing.kind === 'builtin') {
    const held = await ctx.addressing.held();
    if (held === undefined) problems.push(`the IPAM holds no address for ${req.containerId}/${req.ifName}`);
    else
      allocation = { address: held.address, ...(held.ipv6 !== undefined && { ipv6: { address: held.ipv6.address } }) };
    const heldList = held === undefined ? [] : [held.address, ...(held.ipv6 ? [held.ipv6.address] : [])];
    const prevList = prevIps.map((i) => i.address);
    if (held !== undefined && prevList.length > 0 && heldList.join(',') !== prevList.join(',')) {
      problems.push(`the IPAM holds ${heldList.join(', ')} but prevResult says ${prevList.join(', ')}`);
    }
  } else if (ctx.addressing.kind === 'delegated' && prevAddress !== undefined) {
    // The gateways ADD reported are the delegate's (or the rule's): the plan needs them to rebuild the same routes.
    allocation = prevAddress;
  }
  if (conf.mode === 'transparent' && allocation === undefined) return problems;

  const plan = planAdd({
    config: conf,
    request: { containerId: req.containerId, netns, ifName: req.ifName },
    allocation,
    hns: await readHnsView(ctx, false, allocation),
  });
  for (const step of plan.steps) {
    if (step.kind === 'createNetwork') problems.push(`HNS network "${step.name}" does not exist`);
    if (step.kind !== 'createEndpoint') continue;
    const endpoint =
      (await ignoreNotFound(() => hcn.getEndpoint(step.id))) ??
      (await ownLegacyEndpoint(ctx, step.role, netns, allocation?.address));
    if (endpoint === undefined) {
      problems.push(`endpoint ${step.name} (${step.id}) does not exist`);
      continue;
    }
    problems.push(...endpointProblems(step, endpoint, netns));
  }
  const podMac = prev?.interfaces?.[0]?.mac;
  const planned = plan.endpoints.find((e) => e.role === 'pod');
  if (podMac !== undefined && planned !== undefined && !sameMac(podMac, planned.mac)) {
    problems.push(`prevResult's MAC ${podMac} is not the pod endpoint's ${planned.mac}`);
  }
  return problems;
}

function endpointProblems(step: CreateEndpointStep, actual: HostComputeEndpoint, netns: string): string[] {
  const out: string[] = [];
  const name = `endpoint ${step.name}`;
  if (!sameGuid(actual.HostComputeNamespace, netns)) {
    out.push(`${name} is attached to ${actual.HostComputeNamespace ?? 'no namespace'}, not ${netns}`);
  }
  if (!sameGuid(actual.HostComputeNetwork, step.networkId)) {
    out.push(`${name} is on network ${actual.HostComputeNetwork}, not ${step.networkId}`);
  }
  const wanted = step.document;
  const ips = actual.IpConfigurations?.map((c) => c.IpAddress) ?? [];
  for (const { IpAddress: wantedIp } of wanted.IpConfigurations ?? []) {
    if (!ips.includes(wantedIp)) out.push(`${name} has address ${ips.join(',') || 'none'}, not ${wantedIp}`);
  }
  if (wanted.MacAddress !== undefined && !sameMac(actual.MacAddress, wanted.MacAddress)) {
    out.push(`${name} has MAC ${actual.MacAddress ?? 'none'}, not ${wanted.MacAddress}`);
  }
  for (const route of wanted.Routes ?? []) {
    if (!(actual.Routes ?? []).some((r) => sameRoute(r, route))) {
      out.push(`${name} lacks route ${route.DestinationPrefix} via ${route.NextHop}`);
    }
  }
  for (const policy of wanted.Policies ?? []) {
    if (!(actual.Policies ?? []).some((p) => samePolicy(p, policy)))
      out.push(`${name} lacks policy ${JSON.stringify(policy)}`);
  }
  return out;
}

function sameRoute(a: Route, b: Route): boolean {
  return a.DestinationPrefix === b.DestinationPrefix && (a.NextHop ?? '') === (b.NextHop ?? '');
}
