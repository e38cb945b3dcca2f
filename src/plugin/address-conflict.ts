// "The object already exists" when an endpoint is created: either this attachment's endpoint is already there (a
// repeated ADD: the deterministic GUID exists), or the address is taken by another endpoint on the network. HNS
// answers both with the same HRESULTs (0x80071392 ERROR_OBJECT_ALREADY_EXISTS from v1, kubernetes#74766; the HCN
// equivalents 0x800700B7 and, for an address an endpoint holds, HCN_E_ADDR_INVALID_OR_RESERVED 0x803B002F), so the
// anchors report "endpoint not found" or a bare HRESULT. This module tells the two apart and names the holder.
import { CNI_CODE, CniError } from '../cni/errors.js';
import { HcnError, isAlreadyExists, isHcnError } from '../hns/errors.js';
import { HR, toUnsigned } from '../hns/hresult.js';
import type { HostComputeEndpoint } from '../hns/types.js';
import type { CreateEndpointStep } from '../plan/types.js';
import type { VerbContext } from './context.js';
import { ignoreNotFound } from './hns-errors.js';

const ADDRESS_ANSWERS = new Set([toUnsigned(HR.HCN_E_ADDR_INVALID_OR_RESERVED)]);

/** Whether a failed endpoint create may mean "this endpoint exists" or "this address is taken". */
export function mayBeExistingOrTaken(error: unknown): boolean {
  return isAlreadyExists(error) || (isHcnError(error) && ADDRESS_ANSWERS.has(error.hr));
}

/**
 * The endpoint this step would create, when it already exists. Otherwise the create failed because the address
 * is taken (or reserved): that is thrown as a CniError naming the address, the network and the endpoint holding it.
 */
export async function existingEndpointOrConflict(
  ctx: VerbContext,
  step: CreateEndpointStep,
  networkName: string,
  createError: unknown,
): Promise<HostComputeEndpoint> {
  const existing = await ignoreNotFound(() => ctx.hcn.getEndpoint(step.id));
  if (existing !== undefined) return existing;
  const address = step.document.IpConfigurations?.[0]?.IpAddress;
  if (address === undefined) throw createError;
  const holder = await holderOf(ctx, step.networkId, address).catch(() => undefined);
  const hr = createError instanceof HcnError ? createError : undefined;
  const code = hr === undefined ? '' : ` (HNS: ${hr.hrName})`;
  let msg: string;
  if (holder !== undefined) {
    msg = `address ${address} is already in use on network "${networkName}" by endpoint "${holder.Name ?? '(no name)'}" (${holder.ID})${code}`;
  } else if (hr !== undefined && ADDRESS_ANSWERS.has(hr.hr)) {
    msg = `address ${address} is reserved on network "${networkName}" (its network, broadcast or gateway address, or held by another endpoint)${code}`;
  } else {
    msg = `address ${address} is already in use on network "${networkName}"${code}`;
  }
  return Promise.reject(
    new CniError(
      CNI_CODE.HNS_ERROR,
      `ADD: ${msg}; the IPAM handed out an address HNS already has (see kubernetes#74766): it is released and a retry gets the next one`,
      JSON.stringify({
        address,
        network: networkName,
        ...(holder !== undefined && { endpoint: { id: holder.ID, name: holder.Name } }),
        ...(hr !== undefined && { hresult: hr.hrName, errorRecord: hr.errorRecordText }),
      }),
    ),
  );
}

/** The endpoint on the network that has the address (one enumerate and a query per endpoint: error path only). */
async function holderOf(ctx: VerbContext, networkId: string, address: string) {
  const endpoints = await ctx.hcn.listEndpoints({ HostComputeNetwork: networkId });
  return endpoints.find((e) => (e.IpConfigurations ?? []).some((c) => c.IpAddress === address));
}
