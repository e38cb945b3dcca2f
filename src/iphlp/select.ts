// Which IP Helper the process talks to: the one that goes with its HNS (src/hns/select.ts), because the simulator
// keeps both in one state. Windows: iphlpapi.dll through FFI. Elsewhere: the simulator in process; with
// HNS_CNI_HCN=ffi, the C stub named by HNS_CNI_IPHLP_LIBRARY, which forwards to the same `hns-cni sim serve`.
import { selectedBackend } from '../hns/select.js';
import { createIphlpClient, type IphlpClient, type IphlpClientOptions } from './client.js';

export async function selectIphlpClient(opts: IphlpClientOptions = {}): Promise<IphlpClient> {
  if (selectedBackend() === 'ffi') {
    const { createFfiIphlpAbi } = await import('./ffi/abi.js');
    return createIphlpClient(createFfiIphlpAbi(), opts);
  }
  const { createSimIphlpAbi } = await import('../hns/sim/iphlp-abi.js');
  return createIphlpClient(createSimIphlpAbi(), opts);
}
