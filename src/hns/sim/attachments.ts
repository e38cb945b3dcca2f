// What the v1 API attaches an endpoint to (§2: POST /endpoints/{id}/attach|detach; and HCS's Modify Network
// Add/Remove on a container, compute-systems.ts): the host's compartment, a container, or a VM's NIC. Kept on the
// stored endpoint so they vanish with it; v1 views show them as SharedContainers and State. A v2 namespace
// attachment is separate (namespace-membership.ts): hcsshim's tests use the two APIs independently.
import { HR } from '../hresult.js';
import type { HostComputeEndpoint } from '../types.js';
import { fail } from './failure.js';
import { enumValue, type JsonObject, optNumber, optString } from './schema-check.js';
import type { SimState } from './state.js';

export type SystemType = 'Container' | 'VirtualMachine' | 'Host';

export interface Attachment {
  SystemType: SystemType;
  ContainerId?: string;
  CompartmentId?: number;
  VirtualNicName?: string;
}

type AttachableEndpoint = HostComputeEndpoint & { v1Attachments?: Attachment[] };

const SYSTEM_TYPES: readonly SystemType[] = ['Container', 'VirtualMachine', 'Host'];
const REMOTE_ENDPOINT = 1;

export function attachmentsOf(endpoint: HostComputeEndpoint): Attachment[] {
  return (endpoint as AttachableEndpoint).v1Attachments ?? [];
}

/** hcsshim's EndpointAttachDetachRequest: {SystemType, ContainerId?, CompartmentId?, VirtualNicName?}. */
export function readAttachRequest(doc: JsonObject): Attachment {
  const type = enumValue(doc.SystemType, SYSTEM_TYPES, HR.E_INVALIDARG, 'SystemType');
  if (type === undefined) fail(HR.E_INVALIDARG, '{{SystemType}}');
  const a: Attachment = { SystemType: type };
  const container = optString(doc, 'ContainerId');
  if (container !== undefined && container !== '') a.ContainerId = container;
  const compartment = optNumber(doc, 'CompartmentId');
  if (compartment !== undefined) a.CompartmentId = compartment;
  const nic = optString(doc, 'VirtualNicName');
  if (nic !== undefined && nic !== '') a.VirtualNicName = nic;
  if (type === 'Container' && a.ContainerId === undefined) fail(HR.E_INVALIDARG, '{{ContainerId}}');
  return a;
}

function sameTarget(a: Attachment, b: Attachment): boolean {
  if (a.SystemType !== b.SystemType) return false;
  if (a.SystemType === 'Container') return a.ContainerId?.toLowerCase() === b.ContainerId?.toLowerCase();
  return true; // one host attachment, one VM NIC per endpoint
}

export function attach(endpoint: HostComputeEndpoint, a: Attachment): void {
  if (((endpoint.Flags ?? 0) & REMOTE_ENDPOINT) !== 0) fail(HR.HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION);
  const list = attachmentsOf(endpoint);
  if (list.some((x) => sameTarget(x, a))) fail(HR.HCN_E_ENDPOINT_ALREADY_ATTACHED);
  (endpoint as AttachableEndpoint).v1Attachments = [...list, a];
}

/** Detaching from something the endpoint is not attached to: the same answer as a namespace Remove (option). */
export function detach(state: SimState, endpoint: HostComputeEndpoint, a: Attachment): void {
  if (!removeAttachment(endpoint, a) && state.options.detachNotAttachedHresult !== 0) {
    fail(state.options.detachNotAttachedHresult);
  }
}

/** Removes the attachment if the endpoint has it; true when it had. */
export function removeAttachment(endpoint: HostComputeEndpoint, a: Attachment): boolean {
  const list = attachmentsOf(endpoint);
  if (!list.some((x) => sameTarget(x, a))) return false;
  setAttachments(
    endpoint,
    list.filter((x) => !sameTarget(x, a)),
  );
  return true;
}

export function detachAll(endpoint: HostComputeEndpoint): void {
  setAttachments(endpoint, []);
}

function setAttachments(endpoint: HostComputeEndpoint, list: Attachment[]): void {
  if (list.length > 0) (endpoint as AttachableEndpoint).v1Attachments = list;
  else delete (endpoint as AttachableEndpoint).v1Attachments;
}
