// DEL and rollback as data. DEL needs no lookup: endpoint GUIDs derive from the attachment (identity.ts), so it is
// detach (when CNI_NETNS is known) → delete each endpoint; every not-found is success. Rollback of a failed ADD is
// the inverse of each completed step, in reverse order; networks are never undone (other pods may be on them, and
// recreating an external-switch network blips the node).
import type { NetConf } from '../config/types.js';
import { attachRequest } from './add.js';
import { endpointIdFor, endpointNameFor, legacyEndpointIdFor } from './identity.js';
import type { AddStep, DelPlan, EndpointRole, PlanRequest, UndoStep } from './types.js';

/**
 * The endpoints an attachment has in this config's mode, pod endpoint first. `legacyId`: the GUID an hns-cni from
 * before the name escaping gave it, only where that differs (identity.ts legacyEndpointIdFor).
 */
export function endpointsOfAttachment(
  config: NetConf,
  containerId: string,
  ifName: string,
): { role: EndpointRole; name: string; id: string; legacyId?: string }[] {
  const networks: { role: EndpointRole; network: string }[] = [{ role: 'pod', network: config.network }];
  if (config.mode === 'transparent') networks.push({ role: 'nat', network: config.natNetwork.name });
  return networks.map(({ role, network }) => {
    const legacyId = legacyEndpointIdFor(containerId, network, ifName);
    return {
      role,
      name: endpointNameFor(containerId, network, ifName),
      id: endpointIdFor(containerId, network, ifName),
      ...(legacyId !== undefined && { legacyId }),
    };
  });
}

export function planDel(config: NetConf, request: PlanRequest): DelPlan {
  const endpoints = endpointsOfAttachment(config, request.containerId, request.ifName);
  const steps: UndoStep[] = [];
  if (request.netns !== '') {
    steps.push({
      kind: 'detachEndpoints',
      namespaceId: request.netns,
      requests: endpoints.map((e) => attachRequest(e.id, 'Remove')),
    });
  }
  for (const e of endpoints) steps.push({ kind: 'deleteEndpoint', role: e.role, name: e.name, id: e.id });
  return { steps };
}

/** The inverse of one ADD step; undefined for steps that are never undone (network creation). */
export function undoStep(step: AddStep): UndoStep | undefined {
  switch (step.kind) {
    case 'createNetwork':
      return undefined;
    case 'createEndpoint':
      return { kind: 'deleteEndpoint', role: step.role, name: step.name, id: step.id };
    case 'attachEndpoints':
      return {
        kind: 'detachEndpoints',
        namespaceId: step.namespaceId,
        requests: step.requests.map((r) => ({ ...r, RequestType: 'Remove' })),
      };
  }
}

/** The rollback of the first `completed` steps of an ADD (pass steps.length when the last step failed midway). */
export function rollbackSteps(steps: readonly AddStep[], completed: number): UndoStep[] {
  return steps
    .slice(0, completed)
    .map(undoStep)
    .filter((s): s is UndoStep => s !== undefined)
    .reverse();
}
