// `sim serve` over the wire protocol: framing, strings, GUID bytes, concurrency, free reports, faults, and the CLI.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GUID_NULL } from '../../../src/hns/guid.js';
import { HR } from '../../../src/hns/hresult.js';
import { faultFromSpec, statsOf } from '../../../src/hns/sim/instrumentation.js';
import { type SimServer, startSimServer } from '../../../src/hns/sim/server.js';
import { readState, transact } from '../../../src/hns/sim/state-file.js';
import { encodeFreeReport } from '../../../src/hns/sim/wire.js';
import { natNetwork, tempStateFile, V2_QUERY } from './sim-harness.js';
import { WireClient } from './wire-client.js';

let servers: SimServer[] = [];
let clients: WireClient[] = [];

async function serve() {
  const stateFile = tempStateFile();
  const server = await startSimServer({ stateFile });
  servers.push(server);
  const connect = async (pid: number) => {
    const c = await WireClient.connect(server.address, pid);
    clients.push(c);
    return c;
  };
  return { stateFile, server, connect };
}

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

describe('sim serve (wire protocol)', () => {
  it('listens on loopback with an OS-chosen port and answers HNSCall', async () => {
    const { server, connect } = await serve();
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const c = await connect(100);
    const r = await c.call({ fn: 'HNSCall', s1: 'GET', s2: '/globals/version', s3: '' });
    expect(r).toEqual({ hr: 0, action: 0, handle: 0n, output: '{"Success":true,"Output":{"Major":15,"Minor":4}}' });
  });

  it('reassembles a frame that arrives byte by byte, and answers coalesced frames in order', async () => {
    const { connect } = await serve();
    const c = await connect(101);
    const frame = c.frame({ fn: 'HcnEnumerateNetworks', s1: V2_QUERY });
    const reply = c.sendRaw(Buffer.alloc(0));
    for (const byte of frame) {
      c.socket.write(Buffer.from([byte]));
      await sleep(1);
    }
    expect((await reply)[0]).toMatchObject({ hr: 0, output: '[]' });
    const two = Buffer.concat([
      c.frame({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork('first') }),
      c.frame({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork('first') }),
    ]);
    const [a, b] = await c.sendRaw(two, 2);
    expect(a!.hr).toBe(0);
    expect(a!.handle).not.toBe(0n);
    expect(b!.hr).toBe(HR.HCN_E_NETWORK_ALREADY_EXISTS);
  });

  it('carries UTF-16 strings byte for byte, non-BMP characters included', async () => {
    const { connect } = await serve();
    const c = await connect(102);
    const name = 'réseau-网络-😀𝄞';
    const created = await c.call({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork(name) });
    const q = await c.call({ fn: 'HcnQueryNetworkProperties', handle: created.handle, s1: V2_QUERY });
    expect(JSON.parse(q.output!).Name).toBe(name);
    // The raw reply bytes hold the surrogate pair of 😀 (D83D DE00, little-endian).
    const raw = await new Promise<Buffer>((resolve) => {
      c.socket.once('data', (d: Buffer) => resolve(d));
      c.socket.write(c.frame({ fn: 'HcnQueryNetworkProperties', handle: created.handle, s1: V2_QUERY }));
    });
    expect(raw.includes(Buffer.from([0x3d, 0xd8, 0x00, 0xde]))).toBe(true);
  });

  it('reads the GUID struct in Windows layout (Data1..3 little-endian, Data4 verbatim)', async () => {
    const { connect } = await serve();
    const c = await connect(103);
    const frame = c.frame({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork() });
    // Patch the 16 GUID bytes by hand: 8a5f2b1e-6a21-4d47-9c39-2d5f0b3f6c11.
    const at = frame.indexOf(Buffer.from('HcnCreateNetwork', 'latin1')) + 'HcnCreateNetwork'.length + 8 + 1;
    Buffer.from([0x1e, 0x2b, 0x5f, 0x8a, 0x21, 0x6a, 0x47, 0x4d, 0x9c, 0x39, 0x2d, 0x5f, 0x0b, 0x3f, 0x6c, 0x11]).copy(
      frame,
      at,
    );
    const created = await c.sendRaw(frame);
    expect(created[0]!.hr).toBe(0);
    const q = await c.call({ fn: 'HcnQueryNetworkProperties', handle: created[0]!.handle, s1: V2_QUERY });
    expect(JSON.parse(q.output!).ID).toBe('8A5F2B1E-6A21-4D47-9C39-2D5F0B3F6C11');
  });

  it('sends NULL for absent strings and omits the ErrorRecord when the caller passed NULL for it', async () => {
    const { connect } = await serve();
    const c = await connect(104);
    const closeReply = await c.call({ fn: 'HcnCloseNetwork', handle: 12345n });
    expect(closeReply).toEqual({
      hr: HR.E_HANDLE,
      action: 0,
      handle: 0n,
      errorRecord: expect.stringContaining('"ErrorCode":2147942406'),
    });
    const open = { fn: 'HcnOpenNetwork', guid: '5f0b1190-63be-4e0c-b974-bd0f55675a42' };
    expect(await c.call({ ...open, wantsErrorRecord: false })).toEqual({
      hr: HR.HCN_E_NETWORK_NOT_FOUND,
      action: 0,
      handle: 0n,
    });
    const created = await c.call({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork() });
    const v1 = await c.call({ fn: 'HcnQueryNetworkProperties', handle: created.handle });
    expect(JSON.parse(v1.output!)).toMatchObject({ Type: 'NAT', Subnets: [{ AddressPrefix: '192.168.100.0/24' }] });
  });

  it('serves many connections concurrently on one state (unique addresses)', async () => {
    const { connect, stateFile } = await serve();
    const first = await connect(200);
    const net = await first.call({ fn: 'HcnCreateNetwork', guid: GUID_NULL, s1: natNetwork() });
    const clientsList = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(300 + i)));
    const ips = await Promise.all(
      clientsList.flatMap((c) =>
        [0, 1, 2].map(async () => {
          const ep = await c.call({
            fn: 'HcnCreateEndpoint',
            handle: net.handle,
            guid: GUID_NULL,
            s1: '{"SchemaVersion":{"Major":2,"Minor":0}}',
          });
          const q = await c.call({ fn: 'HcnQueryEndpointProperties', handle: ep.handle, s1: V2_QUERY });
          await c.call({ fn: 'HcnCloseEndpoint', handle: ep.handle });
          return JSON.parse(q.output!).IpConfigurations[0].IpAddress as string;
        }),
      ),
    );
    expect(new Set(ips).size).toBe(18);
    expect(statsOf(readState(stateFile)).calls.HcnCreateEndpoint).toBe(18);
  });

  it('counts out-strings per process and sums the free reports (stub.outstanding)', async () => {
    const { connect, stateFile } = await serve();
    const c = await connect(4242);
    await c.call({ fn: 'HcnEnumerateNetworks', s1: V2_QUERY }); // output
    await c.call({ fn: 'HcnOpenNetwork', guid: '5f0b1190-63be-4e0c-b974-bd0f55675a42' }); // error record
    await c.call({ fn: 'HcnOpenNetwork', guid: '5f0b1190-63be-4e0c-b974-bd0f55675a42', wantsErrorRecord: false }); // none
    await c.call({ fn: 'HcnCloseNetwork', handle: 1n, wantsErrorRecord: false }); // none
    let stub = statsOf(readState(stateFile)).stub;
    expect(stub).toMatchObject({ allocated: 2, freed: 0, outstanding: 2, processes: 1, processesReported: 0 });
    c.socket.write(encodeFreeReport({ pid: 4242, allocations: 2n, frees: 2n }));
    for (let i = 0; i < 100 && statsOf(readState(stateFile)).stub.processesReported === 0; i++) await sleep(10);
    stub = statsOf(readState(stateFile)).stub;
    expect(stub).toMatchObject({ allocated: 2, freed: 2, outstanding: 0, allocatedReported: 2, processesReported: 1 });
  });

  it('asks the stub to terminate its caller on a kill fault (action 1, no strings)', async () => {
    const { connect, stateFile } = await serve();
    await transact(stateFile, (s) => {
      s.faults.push(faultFromSpec({ fn: 'HcnEnumerateNetworks', kill: true }));
    });
    const c = await connect(105);
    expect(await c.call({ fn: 'HcnEnumerateNetworks', s1: V2_QUERY })).toEqual({ hr: 0, action: 1, handle: 0n });
    expect(await c.call({ fn: 'HcnEnumerateNetworks', s1: V2_QUERY })).toMatchObject({ action: 0, output: '[]' });
  });

  it('drops a connection that speaks another protocol version; E_NOTIMPL for unknown functions', async () => {
    const { connect } = await serve();
    const c = await connect(106);
    // A documented export the simulator does not model (guest network services, hns-api.md §1.3).
    expect((await c.call({ fn: 'HcnCreateGuestNetworkService', guid: GUID_NULL, s1: '{}' })).hr).toBe(HR.E_NOTIMPL);
    const bad = c.frame({ fn: 'HcnEnumerateNetworks', s1: '{}' });
    bad[4] = 9;
    c.socket.write(bad);
    await c.closed;
    expect(c.socket.destroyed).toBe(true);
  });

  it('hns-cni sim serve prints its address first and stops cleanly on SIGTERM', async () => {
    const stateFile = tempStateFile();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'sim', 'serve', '--state', stateFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const firstLine = await new Promise<string>((resolve) => {
      readline.createInterface({ input: child.stdout }).once('line', resolve);
    });
    expect(firstLine).toMatch(/^127\.0\.0\.1:\d+$/);
    const c = await WireClient.connect(firstLine, 107);
    expect((await c.call({ fn: 'HcnEnumerateNamespaces', s1: V2_QUERY })).output).toBe('[]');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await c.closed;
    expect(statsOf(readState(stateFile)).calls.HcnEnumerateNamespaces).toBe(1);
  });
});
