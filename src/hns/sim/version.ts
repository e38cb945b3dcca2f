// vmcompute.dll!HNSCall (§2): only GET /globals/version is modelled — hcsshim reads it for feature detection even
// when it uses v2 only. Any other request answers S_OK with {"Success":false,...} (the v1 failure envelope).
import { HR, hresultMessage } from '../hresult.js';
import { parseVersion } from './options.js';
import type { SimState } from './state.js';

export function hnsCall(state: SimState, method: string | undefined, path: string | undefined): string {
  const p = (path ?? '').toLowerCase().replace(/\/+$/, '');
  if ((method ?? '').toUpperCase() === 'GET' && p === '/globals/version') {
    return JSON.stringify({ Success: true, Output: parseVersion(state.options.hnsVersion) });
  }
  return JSON.stringify({ Success: false, Error: `${hresultMessage(HR.HCN_E_REQUEST_UNSUPPORTED)} ` });
}
