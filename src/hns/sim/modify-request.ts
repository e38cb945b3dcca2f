// ModifySettingRequest documents (§5): {ResourceType, RequestType, Settings}; enums by name or number.
import { HR } from '../hresult.js';
import type { ModifyRequestType } from '../types.js';
import { fail } from './failure.js';
import { enumValue, type JsonObject, optObject, parseDocument } from './schema-check.js';

const REQUEST_TYPES: readonly ModifyRequestType[] = ['Add', 'Remove', 'Update', 'Refresh', 'Reset'];

export interface ModifyRequest<R extends string> {
  resourceType: R;
  requestType: ModifyRequestType;
  settings: JsonObject;
}

export function parseModifyRequest<R extends string>(
  text: string | undefined,
  resourceTypes: readonly R[],
): ModifyRequest<R> {
  // Modify documents carry no SchemaVersion; unknown members are still rejected.
  const { doc } = parseDocument(text, 'modify', true);
  const resourceType = enumValue(doc.ResourceType, resourceTypes, HR.HCN_E_REQUEST_UNSUPPORTED, 'ResourceType');
  const requestType = enumValue(doc.RequestType, REQUEST_TYPES, HR.HCN_E_REQUEST_UNSUPPORTED, 'RequestType');
  if (resourceType === undefined || requestType === undefined) fail(HR.E_INVALIDARG);
  return { resourceType, requestType, settings: optObject(doc, 'Settings') ?? {} };
}
