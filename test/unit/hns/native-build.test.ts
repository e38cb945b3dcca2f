// The stub builds (scripts/build-native.sh): the Linux .so and the mingw DLLs export exactly the ABI the FFI layer
// binds — read from the PE export tables and by looking every symbol up through koffi.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HCN_FUNCTIONS } from '../../../src/hns/abi.js';
import { loadKoffi } from '../../../src/hns/ffi/koffi-loader.js';
import { HCS_FUNCTIONS } from '../../../src/hns/sim/functions.js';
import { IMAGE_FILE_MACHINE_AMD64, parsePeHeaders, rvaToOffset } from '../../helpers/pe.js';
import { buildStub, IPHLP_STUB_LIBRARY, PARTIAL_STUB_LIBRARY, REPO, STUB_LIBRARY } from './ffi-harness.js';

/** The iphlpapi.dll calls hns-cni binds (src/iphlp/ffi/bindings.ts), FreeMibTable included. */
const IPHLP_EXPORTS = [
  'CreateIpForwardEntry2',
  'DeleteIpForwardEntry2',
  'GetIpForwardTable2',
  'FreeMibTable',
  'GetExtendedTcpTable',
  'GetExtendedUdpTable',
  'GetIpInterfaceEntry',
  'SetIpInterfaceEntry',
];

const IMAGE_FILE_DLL = 0x2000;

/** name → RVA, or → "dll.symbol" for a forwarder (an RVA inside the export directory points at that text). */
function peExports(file: string): { machine: number; isDll: boolean; exports: Map<string, number | string> } {
  const buf = fs.readFileSync(file);
  const h = parsePeHeaders(buf);
  const dir = h.dataDirectories[0]!;
  const at = (rva: number) => rvaToOffset(h, rva);
  const cstring = (rva: number) => {
    const start = at(rva);
    return buf.toString('latin1', start, buf.indexOf(0, start));
  };
  const base = at(dir.rva);
  const count = buf.readUInt32LE(base + 24);
  const [functions, names, ordinals] = [28, 32, 36].map((o) => at(buf.readUInt32LE(base + o)));
  const exports = new Map<string, number | string>();
  for (let i = 0; i < count; i++) {
    const name = cstring(buf.readUInt32LE(names! + 4 * i));
    const rva = buf.readUInt32LE(functions! + 4 * buf.readUInt16LE(ordinals! + 2 * i));
    exports.set(name, rva >= dir.rva && rva < dir.rva + dir.size ? cstring(rva) : rva);
  }
  return { machine: h.machine, isDll: (h.characteristics & IMAGE_FILE_DLL) !== 0, exports };
}

function hasSymbol(library: string, name: string): boolean {
  try {
    loadKoffi().load(library).func(`void ${name}(void)`);
    return true;
  } catch {
    return false;
  }
}

const NAMESPACE_FUNCTIONS = HCN_FUNCTIONS.filter((f) => f.includes('Namespace'));

/**
 * Every computenetwork.dll function hcsshim binds (`modcomputenetwork.NewProc` in hcn/zsyscall_windows.go at
 * microsoft/hcsshim 7c9ff7f48138, the build in shared/peers): 35, an unexported one makes hcsshim panic.
 */
const HCSSHIM_HCN_PROCS = ['Network', 'Endpoint', 'Namespace', 'LoadBalancer', 'SdnRoute'].flatMap((o) => [
  `HcnEnumerate${o === 'LoadBalancer' ? 'LoadBalancers' : o === 'SdnRoute' ? 'SdnRoutes' : `${o}s`}`,
  `HcnCreate${o}`,
  `HcnOpen${o}`,
  `HcnModify${o}`,
  `HcnQuery${o}Properties`,
  `HcnDelete${o}`,
  `HcnClose${o}`,
]);

/** The stub's Windows-side names of the Hcs* calls, which vmcompute.def forwards the real names to. */
const HCS_STUB_NAMES = HCS_FUNCTIONS.map((f) => `HnsCniStub${f}`);

beforeAll(() => buildStub(), 120_000);

describe('native stub builds', () => {
  it('the ABI is the 35 Hcn* functions hcsshim binds, plus HNSCall', () => {
    expect(HCSSHIM_HCN_PROCS).toHaveLength(35);
    expect([...HCN_FUNCTIONS].sort()).toEqual([...HCSSHIM_HCN_PROCS, 'HNSCall'].sort());
  });

  it('computenetwork.dll (mingw) is an x64 DLL exporting every HCN function, HNSCall and the counters', () => {
    const dll = peExports(path.join(REPO, 'dist/native/computenetwork.dll'));
    expect(dll.machine).toBe(IMAGE_FILE_MACHINE_AMD64);
    expect(dll.isDll).toBe(true);
    expect([...dll.exports.keys()].sort()).toEqual([...HCN_FUNCTIONS, 'HnsCniStubCounters', ...HCS_STUB_NAMES].sort());
    for (const target of dll.exports.values()) expect(typeof target).toBe('number');
  });

  it('vmcompute.dll forwards HNSCall and the Hcs* compute-system calls to computenetwork.dll', () => {
    const dll = peExports(path.join(REPO, 'dist/native/vmcompute.dll'));
    expect(dll.isDll).toBe(true);
    expect(Object.fromEntries(dll.exports)).toEqual({
      HNSCall: 'computenetwork.HNSCall',
      ...Object.fromEntries(HCS_FUNCTIONS.map((f) => [f, `computenetwork.HnsCniStub${f}`])),
    });
  });

  it('libcomputenetwork.so exports the ABI plus CoTaskMemAlloc/CoTaskMemFree, and nothing internal', () => {
    for (const name of [...HCN_FUNCTIONS, ...HCS_FUNCTIONS, 'HnsCniStubCounters', 'CoTaskMemAlloc', 'CoTaskMemFree']) {
      expect(hasSymbol(STUB_LIBRARY, name), name).toBe(true);
    }
    expect(hasSymbol(STUB_LIBRARY, 'stub_call')).toBe(false);
  });

  it('hns-cni-iphlpapi.dll (mingw) and libiphlpapi.so export the IP Helper calls and their counters, nothing internal', () => {
    const dll = peExports(path.join(REPO, 'dist/native/hns-cni-iphlpapi.dll'));
    expect(dll.machine).toBe(IMAGE_FILE_MACHINE_AMD64);
    expect([...dll.exports.keys()].sort()).toEqual([...IPHLP_EXPORTS, 'HnsCniIphlpStubCounters'].sort());
    for (const name of [...IPHLP_EXPORTS, 'HnsCniIphlpStubCounters']) {
      expect(hasSymbol(IPHLP_STUB_LIBRARY, name), name).toBe(true);
    }
    for (const name of ['stub_call', 'CoTaskMemAlloc', 'HcnEnumerateNetworks']) {
      expect(hasSymbol(IPHLP_STUB_LIBRARY, name), name).toBe(false);
    }
  });

  it('the partial build lacks exactly the namespace functions', () => {
    for (const name of HCN_FUNCTIONS) {
      expect(hasSymbol(PARTIAL_STUB_LIBRARY, name), name).toBe(!NAMESPACE_FUNCTIONS.includes(name));
    }
  });
});
