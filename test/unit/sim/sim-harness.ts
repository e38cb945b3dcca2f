// Shared helpers for the simulator tests: a fresh state file per test and terse raw ABI calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import type { AbiCall, AbiReply, HcnAbi, HcnHandle } from '../../../src/hns/abi.js';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import type { SimOptions } from '../../../src/hns/sim/options.js';
import { transact } from '../../../src/hns/sim/state-file.js';

export const V2_QUERY = JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 } });

const tempDirs: string[] = [];
// Registered on the root suite of every test file that imports this harness.
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempStateFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-sim-test-'));
  tempDirs.push(dir);
  return path.join(dir, 'state.json');
}

export function natNetwork(name = 'testnat', prefix = '192.168.100.0/24', gateway = '192.168.100.1'): string {
  return JSON.stringify({
    Name: name,
    Type: 'NAT',
    Dns: {},
    Ipams: [
      {
        Type: 'Static',
        Subnets: [{ IpAddressPrefix: prefix, Routes: [{ NextHop: gateway, DestinationPrefix: '0.0.0.0/0' }] }],
      },
    ],
    Health: { Extra: {} },
    SchemaVersion: { Major: 2, Minor: 0 },
  });
}

/**
 * An Overlay network as hcsshim's CreateTestOverlayNetwork and flannel's VXLAN backend make it: a subnet with a VSID
 * policy (its VXLAN network id) and a default route through the subnet's gateway.
 */
export function overlayNetwork(name = 'vxlan0', prefix = '10.244.1.0/24', gateway = '10.244.1.1', vsid = 4096): string {
  return JSON.stringify({
    Name: name,
    Type: 'Overlay',
    Ipams: [
      {
        Type: 'Static',
        Subnets: [
          {
            IpAddressPrefix: prefix,
            Routes: [{ NextHop: gateway, DestinationPrefix: '0.0.0.0/0' }],
            Policies: [{ Type: 'VSID', Settings: { IsolationId: vsid } }],
          },
        ],
      },
    ],
    Flags: 8,
    SchemaVersion: { Major: 2, Minor: 0 },
  });
}

/** The object families with Hcn{Open,Query*Properties,Close}X functions. */
export type SimKind = 'Network' | 'Endpoint' | 'Namespace' | 'LoadBalancer' | 'SdnRoute';

/** The v1 API's answer: {Success, Output | Error} (or a failing HRESULT). */
export interface V1Answer {
  hr: number;
  Success?: boolean;
  Output?: unknown;
  Error?: string;
}

export interface Sim {
  abi: HcnAbi;
  file: string;
  call(c: AbiCall): Promise<AbiReply>;
  setOptions(o: Partial<SimOptions>): Promise<void>;
  /** Create + Close; returns the ID HNS reports. */
  createNetwork(settings: string, id?: string): Promise<string>;
  createEndpoint(
    networkId: string,
    settings: Record<string, unknown>,
    id?: string,
  ): Promise<AbiReply & { id?: string }>;
  createNamespace(settings?: Record<string, unknown>, id?: string): Promise<string>;
  query(kind: SimKind, id: string, query?: string): Promise<Record<string, unknown>>;
  queryRaw(kind: SimKind, id: string, query?: string): Promise<string>;
  open(kind: SimKind, id: string): Promise<HcnHandle>;
  /** HNSCall (the v1 API): the HRESULT and the parsed response envelope. */
  v1(method: string, path: string, body?: unknown): Promise<V1Answer>;
}

export function makeSim(file = tempStateFile()): Sim {
  const abi = createSimAbi({ stateFile: file });
  const call = (c: AbiCall) => abi.invoke(c);
  const expectOk = (r: AbiReply, what: string) => {
    if (r.hr !== 0) throw new Error(`${what} failed: ${r.hr} ${r.errorRecord}`);
    return r;
  };
  const open = async (kind: SimKind, id: string) =>
    expectOk(await call({ fn: `HcnOpen${kind}`, id }), `open ${kind}`).handle!;
  const queryRaw = async (kind: SimKind, id: string, query = V2_QUERY) => {
    const h = await open(kind, id);
    const r = expectOk(await call({ fn: `HcnQuery${kind}Properties`, handle: h, query }), `query ${kind}`);
    expectOk(await call({ fn: `HcnClose${kind}`, handle: h }), `close ${kind}`);
    return r.output!;
  };
  return {
    abi,
    file,
    call,
    open,
    queryRaw,
    async setOptions(o) {
      await transact(file, (s) => {
        Object.assign(s.options, o);
      });
    },
    async createNetwork(settings, id = GUID_NULL) {
      const r = expectOk(await call({ fn: 'HcnCreateNetwork', id, settings }), 'create network');
      const q = expectOk(await call({ fn: 'HcnQueryNetworkProperties', handle: r.handle, query: V2_QUERY }), 'query');
      await call({ fn: 'HcnCloseNetwork', handle: r.handle });
      return (JSON.parse(q.output!) as { ID: string }).ID;
    },
    async createEndpoint(networkId, settings, id = GUID_NULL) {
      const net = await open('Network', networkId);
      const r = await call({
        fn: 'HcnCreateEndpoint',
        handle: net,
        id,
        settings: JSON.stringify({ SchemaVersion: { Major: 2, Minor: 0 }, HostComputeNetwork: networkId, ...settings }),
      });
      await call({ fn: 'HcnCloseNetwork', handle: net });
      if (r.hr !== 0) return r;
      const q = expectOk(await call({ fn: 'HcnQueryEndpointProperties', handle: r.handle, query: V2_QUERY }), 'q');
      await call({ fn: 'HcnCloseEndpoint', handle: r.handle });
      return { ...r, id: (JSON.parse(q.output!) as { ID: string }).ID };
    },
    async createNamespace(settings = { SchemaVersion: { Major: 2, Minor: 0 } }, id = GUID_NULL) {
      const r = expectOk(await call({ fn: 'HcnCreateNamespace', id, settings: JSON.stringify(settings) }), 'create ns');
      const q = expectOk(await call({ fn: 'HcnQueryNamespaceProperties', handle: r.handle, query: V2_QUERY }), 'q');
      await call({ fn: 'HcnCloseNamespace', handle: r.handle });
      return (JSON.parse(q.output!) as { ID: string }).ID;
    },
    async query(kind, id, query) {
      return JSON.parse(await queryRaw(kind, id, query)) as Record<string, unknown>;
    },
    async v1(method, path, body) {
      const request = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const r = await call({ fn: 'HNSCall', method, path, request });
      return { hr: r.hr, ...(r.output === undefined ? {} : (JSON.parse(r.output) as object)) };
    },
  };
}
