// Where hns-cni keeps its node-local state (IPAM stores, the network cache): C:\ProgramData\hns-cni on Windows,
// a directory under the OS temp dir elsewhere (tests, the simulator demo); HNS_CNI_DATA_DIR overrides both.
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultDataDir(): string {
  const override = process.env.HNS_CNI_DATA_DIR;
  if (override) return override;
  if (process.platform === 'win32') return path.win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'hns-cni');
  return path.join(os.tmpdir(), 'hns-cni');
}
