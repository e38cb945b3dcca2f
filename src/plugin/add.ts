// ADD: address → plan → endpoints → attach → result, as one transaction. On failure everything THIS call created
// is removed in reverse, and the address is released last — only if this call took it and no endpoint of this
// call is left holding it. The happy path on a node whose network exists costs, in HCN calls: OpenNetwork +
// CreateEndpoint per endpoint, then OpenNamespace + one Modify per endpoint (single-endpoint modes 4, transparent 7).
import { CNI_CODE, CniError } from '../cni/errors.js';
import type { CniResult } from '../cni/types.js';
import type { NetConf, StaticRoute } from '../config/types.js';
import { isAlreadyExists, isHcnError, isNotFound } from '../hns/errors.js';
import { isGuid, normalizeGuid, sameGuid } from '../hns/guid.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import { log } from '../log/logger.js';
import { attachRequest, planAdd } from '../plan/add.js';
import { completeResult } from '../plan/result.js';
import type {
  AddPlan,
  AttachEndpointsStep,
  CreateEndpointStep,
  CreateNetworkStep,
  HostNetworkFacts,
  PodAddress,
} from '../plan/types.js';
import type { VerbContext } from './context.js';
import { deleteEndpoint } from './del.js';
import { ignoreNotFound, toCniError } from './hns-errors.js';
import { createNetworks, forgetNetworks, readHnsView } from './networks.js';

export function requireNamespaceGuid(netns: string, verb: string): string {
  if (!isGuid(netns)) {
    throw new CniError(
      CNI_CODE.INVALID_ENVIRONMENT,
      `${verb}: CNI_NETNS must be an HCN namespace GUID (containerd passes the pod's namespace ID), got ${JSON.stringify(netns)}`,
    );
  }
  return normalizeGuid(netns);
}

export async function add(ctx: VerbContext): Promise<CniResult> {
  const netns = requireNamespaceGuid(ctx.req.netns, 'ADD');
  // Host-network facts (API lookup, the node's sockets), before any address is taken; loaded only for pods that
  // may need them.
  const hostNetwork = await (await import('./host-network.js')).hostNetworkFacts(ctx);
  const grant = await ctx.addressing.grant().catch((e: unknown) => {
    throw toCniError(e, 'ADD: allocating the pod address');
  });
  const conf = withExtraRoutes(ctx.conf, grant.routes);
  const tx = new AddTransaction(ctx, conf, netns, hostNetwork);
  try {
    return await tx.run(grant.address);
  } catch (error) {
    const clean = await tx.rollback();
    if (grant.fresh && clean) {
      await ctx.addressing
        .release()
        .catch((e: unknown) => log.error('ADD rollback: releasing the address failed', { error: e }));
    } else if (grant.fresh) {
      log.warn('ADD rollback: an endpoint of this call could not be removed; its address stays held until DEL');
    }
    throw toCniError(error, 'ADD');
  }
}

function withExtraRoutes(conf: NetConf, extra: StaticRoute[]): NetConf {
  const routes = [...conf.routes];
  for (const r of extra) if (!routes.some((x) => x.dst === r.dst)) routes.push(r);
  return routes.length === conf.routes.length ? conf : { ...conf, routes };
}

class AddTransaction {
  /** Endpoints this call created, in creation order (rollback deletes them). */
  private readonly created: string[] = [];
  /** Endpoints that already existed and match the plan (a repeated ADD, or a crashed one): HNS's view of them. */
  private readonly adopted = new Map<string, HostComputeEndpoint>();

  constructor(
    private readonly ctx: VerbContext,
    private readonly conf: NetConf,
    private readonly netns: string,
    private readonly hostNetwork: HostNetworkFacts | undefined,
  ) {}

  async run(address: PodAddress | undefined): Promise<CniResult> {
    const request = { containerId: this.ctx.req.containerId, netns: this.netns, ifName: this.ctx.req.ifName };
    for (let attempt = 0; ; attempt++) {
      const hostNetwork = this.hostNetwork;
      let plan = planAdd({
        config: this.conf,
        request,
        allocation: address,
        hns: await readHnsView(this.ctx, attempt > 0),
        ...(hostNetwork && { hostNetwork }),
      });
      const creations = plan.steps.filter((s): s is CreateNetworkStep => s.kind === 'createNetwork');
      if (creations.length > 0) {
        await createNetworks(this.ctx, creations);
        plan = planAdd({
          config: this.conf,
          request,
          allocation: address,
          hns: await readHnsView(this.ctx),
          ...(hostNetwork && { hostNetwork }),
        });
      }
      try {
        return await this.execute(plan);
      } catch (error) {
        // A cached network ID that no longer opens: the network was deleted (and maybe recreated) behind our back.
        const staleNetwork = isHcnError(error) && error.call.fn === 'HcnOpenNetwork' && isNotFound(error);
        if (!staleNetwork || attempt > 0) throw error;
        log.warn('cached network ID is gone; looking the network up by name again', {
          error: (error as Error).message,
        });
        forgetNetworks(this.ctx);
      }
    }
  }

  private async execute(plan: AddPlan): Promise<CniResult> {
    let podEndpoint: HostComputeEndpoint | undefined;
    for (const step of plan.steps) {
      if (step.kind === 'createEndpoint') {
        const endpoint = await this.createEndpoint(step, plan.podAddressFromHns && step.role === 'pod');
        if (step.role === 'pod') podEndpoint = endpoint;
      } else if (step.kind === 'attachEndpoints') {
        await this.attach(step);
      }
    }
    const result = podEndpoint ? completeResult(plan, podEndpoint) : plan.result;
    log.info('ADD: pod attached', {
      endpoints: plan.endpoints.map((e) => e.id),
      created: this.created.length,
      reused: this.adopted.size,
      ip: result.ips?.[0]?.address,
    });
    return result;
  }

  private async createEndpoint(step: CreateEndpointStep, needHnsView: boolean): Promise<HostComputeEndpoint> {
    const { hcn } = this.ctx;
    try {
      const endpoint = await hcn.createEndpoint(step.networkId, step.document, { id: step.id, query: needHnsView });
      this.created.push(step.id);
      return endpoint;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    // The deterministic GUID exists: a repeated ADD (or one that crashed midway). Keep it only if it is the
    // endpoint this plan describes; an endpoint from an earlier life with other settings is replaced.
    const existing = await hcn.getEndpoint(step.id);
    const drift = endpointDrift(existing, step);
    if (drift.length === 0) {
      this.adopted.set(step.id, existing);
      return existing;
    }
    log.warn('replacing an endpoint that does not match the plan', { endpoint: step.name, drift });
    if (existing.HostComputeNamespace) await this.detach(existing.HostComputeNamespace, [step.id]);
    await deleteEndpoint(this.ctx, step.id);
    const endpoint = await hcn.createEndpoint(step.networkId, step.document, { id: step.id, query: needHnsView });
    this.created.push(step.id);
    return endpoint;
  }

  private async attach(step: AttachEndpointsStep): Promise<void> {
    const pending = [];
    for (const request of step.requests) {
      const id = (request.Settings as { EndpointId: string }).EndpointId;
      const attachedTo = this.adopted.get(id)?.HostComputeNamespace;
      if (attachedTo !== undefined && sameGuid(attachedTo, step.namespaceId)) continue; // repeated ADD
      if (attachedTo !== undefined) {
        log.warn('endpoint is attached to another namespace; moving it to this pod', {
          endpoint: id,
          from: attachedTo,
        });
        await this.detach(attachedTo, [id]);
      }
      pending.push(request);
    }
    if (pending.length === 0) return;
    try {
      await this.ctx.hcn.modifyNamespace(step.namespaceId, pending);
    } catch (error) {
      if (isHcnError(error) && error.call.fn === 'HcnOpenNamespace' && isNotFound(error)) {
        throw new CniError(
          CNI_CODE.UNKNOWN_CONTAINER,
          `ADD: the pod's HCN namespace ${step.namespaceId} does not exist`,
          error.errorRecordText ?? '',
        );
      }
      throw error;
    }
  }

  private async detach(namespaceId: string, endpointIds: string[]): Promise<void> {
    await ignoreNotFound(() =>
      this.ctx.hcn.modifyNamespace(
        namespaceId,
        endpointIds.map((id) => attachRequest(id, 'Remove')),
      ),
    );
  }

  /** Removes what this call created, newest first. Returns false when something could not be removed. */
  async rollback(): Promise<boolean> {
    let clean = true;
    for (const id of [...this.created].reverse()) {
      try {
        await this.detach(this.netns, [id]);
        await deleteEndpoint(this.ctx, id);
        log.info('ADD rollback: removed endpoint', { endpoint: id });
      } catch (error) {
        clean = false;
        log.error('ADD rollback: could not remove endpoint', { endpoint: id, error });
      }
    }
    return clean;
  }
}

/** What makes an existing endpoint not the one the plan wants: another network, or another address. */
function endpointDrift(existing: HostComputeEndpoint, step: CreateEndpointStep): string[] {
  const drift: string[] = [];
  if (!sameGuid(existing.HostComputeNetwork, step.networkId)) {
    drift.push(`network ${existing.HostComputeNetwork ?? '(none)'} instead of ${step.networkId}`);
  }
  const wanted = step.document.IpConfigurations?.[0]?.IpAddress;
  const actual = existing.IpConfigurations?.map((c) => c.IpAddress) ?? [];
  if (wanted !== undefined && !actual.includes(wanted)) {
    drift.push(`address ${actual.join(',') || '(none)'} instead of ${wanted}`);
  }
  return drift;
}
