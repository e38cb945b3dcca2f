// The HCS side of a v1 CNI plugin's ADD/DEL (vmcompute.dll's Hcs*): win-bridge and win-overlay with ApiVersion 1
// attach their endpoint with hcsshim's HotAttachEndpoint, which opens the container as an HCS compute system,
// reads its properties, registers a notification callback and sends {"ResourceType":"Network","RequestType":
// "Add"|"Remove","Settings":"<endpoint id>"} (hcsshim internal/hcs/system.go, schema1). HCS then has HNS attach the
// endpoint to the container: the endpoint's v1 view lists the container in SharedContainers (what hcsshim's
// IsAttached reads). Containers are created by the container runtime, here `hns-cni sim container --create ID`.
// The simulator raises no notifications: a registered callback is never called.
import type { AbiReply } from '../abi.js';
import { HR } from '../hresult.js';
import { attach, detach, removeAttachment } from './attachments.js';
import { fail } from './failure.js';
import type { HcsFunction, SimCall } from './functions.js';
import { closeHandle, handleTarget, openHandle } from './handles.js';
import { requireEndpoint } from './lookup.js';
import { enumValue, optString, parseJsonObject } from './schema-check.js';
import type { ComputeSystem, SimState } from './state.js';

export function createComputeSystem(state: SimState, id: string, owner = 'hns-cni-sim'): ComputeSystem {
  if (id === '' || computeSystemOf(state, id) !== undefined) fail(HR.ERROR_ALREADY_EXISTS);
  const system: ComputeSystem = {
    Id: id,
    SystemType: 'Container',
    Owner: owner,
    RuntimeOsType: 'Windows',
    CompartmentId: ++state.cursors.compartment,
  };
  state.computeSystems[id] = system;
  return system;
}

/** The container is gone: HCS detaches its endpoints (a stopped container holds none). */
export function deleteComputeSystem(state: SimState, id: string): void {
  const system = computeSystemOf(state, id);
  if (system === undefined) fail(HR.HCS_E_SYSTEM_NOT_FOUND);
  for (const e of Object.values(state.endpoints))
    removeAttachment(e, { SystemType: 'Container', ContainerId: system.Id });
  delete state.computeSystems[system.Id];
}

/** HCS ids are compared case-insensitively (GUIDs and Docker's hex ids alike). */
function computeSystemOf(state: SimState, id: string): ComputeSystem | undefined {
  return Object.values(state.computeSystems).find((s) => s.Id.toLowerCase() === id.toLowerCase());
}

function systemOfHandle(state: SimState, handle: bigint | undefined): ComputeSystem {
  const system = state.computeSystems[handleTarget(state, 'computeSystem', handle)];
  if (system === undefined) fail(HR.HCS_E_SYSTEM_NOT_FOUND);
  return system;
}

/** schema1.ContainerProperties, as much of it as hcsshim's getCachedProperties reads. */
function properties(system: ComputeSystem): string {
  return JSON.stringify({
    Id: system.Id,
    Name: system.Id,
    SystemType: system.SystemType,
    Owner: system.Owner,
    RuntimeOsType: system.RuntimeOsType,
    State: 'Running',
    Stopped: false,
  });
}

/** Modify: only Network Add/Remove of an endpoint (schema1.ResourceModificationRequestResponse). */
function modify(state: SimState, system: ComputeSystem, settings: string | undefined): void {
  const doc = parseJsonObject(settings);
  if (optString(doc, 'ResourceType') !== 'Network') fail(HR.ERROR_NOT_SUPPORTED);
  const request = enumValue(doc.RequestType, ['Add', 'Remove'] as const, HR.ERROR_NOT_SUPPORTED, 'RequestType');
  const endpointId = doc.Settings;
  if (typeof endpointId !== 'string') fail(HR.E_INVALIDARG, '{{Settings}}');
  const endpoint = requireEndpoint(state, endpointId);
  const target = { SystemType: 'Container' as const, ContainerId: system.Id, CompartmentId: system.CompartmentId };
  if (request === 'Remove') detach(state, endpoint, target);
  else attach(endpoint, target);
}

export function hcsCall(state: SimState, fn: HcsFunction, c: SimCall): AbiReply {
  switch (fn) {
    case 'HcsOpenComputeSystem': {
      const system = computeSystemOf(state, c.systemId ?? '');
      if (system === undefined) fail(HR.HCS_E_SYSTEM_NOT_FOUND);
      return { hr: 0, handle: openHandle(state, 'computeSystem', system.Id) };
    }
    case 'HcsCloseComputeSystem':
      closeHandle(state, 'computeSystem', c.handle);
      return { hr: 0 };
    case 'HcsGetComputeSystemProperties':
      return { hr: 0, output: properties(systemOfHandle(state, c.handle)) };
    case 'HcsModifyComputeSystem':
      modify(state, systemOfHandle(state, c.handle), c.settings);
      return { hr: 0 };
    case 'HcsRegisterComputeSystemCallback':
      return { hr: 0, handle: openHandle(state, 'hcsCallback', systemOfHandle(state, c.handle).Id) };
    case 'HcsUnregisterComputeSystemCallback':
      closeHandle(state, 'hcsCallback', c.handle);
      return { hr: 0 };
  }
}

/** An HCS failure's result document (hcsshim's hcsResult: Error, ErrorMessage), in the ErrorRecord slot. */
export function hcsFailureReply(hr: number, message: string): AbiReply {
  return { hr: hr | 0, errorRecord: JSON.stringify({ Error: hr | 0, ErrorMessage: message }) };
}
