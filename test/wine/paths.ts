// Where the Wine stage's inputs, scripts and Windows-side files live. No vitest import: global-setup.ts (main
// process) uses it too.
import { dirname, join, resolve } from 'node:path';

export interface WineStageInfo {
  /** Linux path of the Debian trixie root. */
  root: string;
  /** Linux path of the prefix's C:\ drive. */
  driveC: string;
  /** host:port of `hns-cni sim serve` on the Linux side (the chroot shares the network namespace). */
  stubAddr: string;
  /** The simulator's state file, shared by the server and the Linux-side debug commands. */
  simState: string;
  /** Linux scratch dir of this run (invocation log, Linux-side data dir and log). */
  runDir: string;
}

export const repo = resolve(import.meta.dirname, '../..');
export const dist = {
  exe: process.env.HNS_CNI_EXE ?? join(repo, 'dist/hns-cni.exe'),
  /** The engine the front starts, installed beside it (scripts/wine/install.sh). */
  engineExe:
    process.env.HNS_CNI_ENGINE_EXE ??
    join(dirname(process.env.HNS_CNI_EXE ?? join(repo, 'dist/hns-cni.exe')), 'hns-cni-engine.exe'),
  linuxExe: process.env.HNS_CNI_BIN ?? join(repo, 'dist/hns-cni'),
  computenetworkDll: join(repo, 'dist/native/computenetwork.dll'),
  vmcomputeDll: join(repo, 'dist/native/vmcompute.dll'),
  iphlpDll: join(repo, 'dist/native/hns-cni-iphlpapi.dll'),
  linuxStub: join(repo, 'dist/native/libcomputenetwork.so'),
  cnictlExe: join(repo, 'dist/test-tools/cnictl.exe'),
  cnictl: join(repo, 'dist/test-tools/cnictl'),
};
export const scripts = {
  root: join(repo, 'scripts/wine/root.sh'),
  install: join(repo, 'scripts/wine/install.sh'),
  run: join(repo, 'scripts/wine/run.sh'),
  teardown: join(repo, 'scripts/wine/teardown.sh'),
  lib: join(repo, 'scripts/wine/lib.sh'),
};

/** Windows paths, laid out as containerd has them on a node (see scripts/wine/install.sh). */
export const win = {
  binDir: 'C:\\Program Files\\containerd\\cni\\bin',
  confDir: 'C:\\Program Files\\containerd\\cni\\conf',
  exe: 'C:\\Program Files\\containerd\\cni\\bin\\hns-cni.exe',
  engineExe: 'C:\\Program Files\\containerd\\cni\\bin\\hns-cni-engine.exe',
  cnictl: 'C:\\hns-cni-test\\cnictl.exe',
  /** The IP Helper stub, by path (HNS_CNI_IPHLP_LIBRARY; see scripts/wine/install.sh). */
  iphlpDll: 'C:\\hns-cni-test\\hns-cni-iphlpapi.dll',
  /** The node's kubeconfig at the Windows default (ipam/config.ts defaultKubeconfig). */
  kubeconfig: 'C:\\k\\config',
  /** libcni's result cache (containerd leaves it at C:\var\lib\cni; ours is per stage). */
  cniCache: 'C:\\hns-cni-test\\cni-cache',
  /** The plugin's Windows defaults. */
  dataDir: 'C:\\ProgramData\\hns-cni',
  log: 'C:\\ProgramData\\hns-cni\\hns-cni.log',
  ipamDir: 'C:\\ProgramData\\hns-cni\\ipam',
  /** Where koffi's native module is extracted: next to hns-cni.exe (never a temp directory; docs/security.md). */
  koffiDir: 'C:\\Program Files\\containerd\\cni\\bin',
  /** os.tmpdir() of the plugin under Wine (user root): where earlier versions extracted koffi. */
  tempDir: 'C:\\users\\root\\AppData\\Local\\Temp',
} as const;
