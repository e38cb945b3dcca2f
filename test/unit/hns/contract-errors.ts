// The error half of the HcnClient contract: every HRESULT the issue lists, each with its ErrorRecord in HNS's wire
// form; S_OK with an ErrorRecord; a call that hangs past the client's timeout. Registered by contract.ts.
import { expect, it } from 'vitest';
import { isAlreadyExists, isNotFound, isRetryable } from '../../../src/hns/errors.js';
import { hresultMessage, hresultName, toUnsigned } from '../../../src/hns/hresult.js';
import { type FaultSpec, faultFromSpec } from '../../../src/hns/sim/instrumentation.js';
import { transact } from '../../../src/hns/sim/state-file.js';
import { type ContractContext, natNetwork, rejection } from './contract.js';

const UNKNOWN = 'deadbeef-0000-4000-8000-000000000001';

/** Asserts the error's HRESULT, name and an ErrorRecord exactly as HNS writes it (§1.4). */
function expectHnsError(err: Awaited<ReturnType<typeof rejection>>, hr: number, name: string, detail = ''): void {
  expect(err.hr).toBe(hr);
  expect(err.hrName).toBe(name);
  expect(err.returnedHr).toBe(hr);
  expect(err.errorRecord).toEqual({ Success: false, Error: `${hresultMessage(hr)} ${detail}`, ErrorCode: hr });
  expect(err.errorRecordText).toBe(
    `{"Success":false,"Error":${JSON.stringify(`${hresultMessage(hr)} ${detail}`)},"ErrorCode":${hr}}`,
  );
}

export function registerErrorContract(ctx: ContractContext): void {
  const client = () => ctx.harness().client;
  const setFault = (spec: FaultSpec) =>
    transact(ctx.harness().stateFile, (s) => void s.faults.push(faultFromSpec(spec)));

  it('duplicate network name → HCN_E_NETWORK_ALREADY_EXISTS (0x803B0010), isAlreadyExists', async () => {
    await client().createNetwork(natNetwork('dup'));
    const err = await rejection(client().createNetwork(natNetwork('dup', '10.20.0')));
    expectHnsError(err, 0x803b0010, 'HCN_E_NETWORK_ALREADY_EXISTS');
    expect(err.call.fn).toBe('HcnCreateNetwork');
    expect(isAlreadyExists(err)).toBe(true);
  });

  it('endpoint IP outside every subnet → HCN_E_INVALID_IP (0x803B001E)', async () => {
    const net = await client().createNetwork(natNetwork('ip-net'));
    const err = await rejection(
      client().createEndpoint(net.ID!, { IpConfigurations: [{ IpAddress: '192.168.77.5', PrefixLength: 24 }] }),
    );
    expectHnsError(err, 0x803b001e, 'HCN_E_INVALID_IP');
    expect(err.message).toMatch(
      /^HcnCreateEndpoint failed .*: HCN_E_INVALID_IP \(0x803B001E\) IP address is either invalid or not part of any configured subnet\(s\)\.$/,
    );
  });

  it('attaching an endpoint that is already in a namespace → 0x803B002B', async () => {
    const net = await client().createNetwork(natNetwork('attach-net'));
    const ep = await client().createEndpoint(net.ID!, { Name: 'attach-ep' });
    const [a, b] = [await client().createNamespace({}), await client().createNamespace({})];
    const add = { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: ep.ID! } } as const;
    await client().modifyNamespace(a.ID!, [add]);
    const err = await rejection(client().modifyNamespace(b.ID!, [add]));
    expectHnsError(err, 0x803b002b, 'HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS');
    expect(err.call).toEqual({ fn: 'HcnModifyNamespace', id: b.ID });
    expect(isAlreadyExists(err)).toBe(false);
  });

  // Not-found codes are simulator options (real HNS is UNCONFIRMED for some): the defaults are the observed ones,
  // and under every variant the client must recognise them as not found.
  it('open of an unknown namespace → ERROR_NOT_FOUND (0x80070490) by default, isNotFound', async () => {
    const expected = toUnsigned(ctx.options().namespaceNotFoundHresult);
    const err = await rejection(client().getNamespace(UNKNOWN));
    expectHnsError(err, expected, hresultName(expected));
    expect(err.call).toEqual({ fn: 'HcnOpenNamespace', id: UNKNOWN });
    expect(isNotFound(err)).toBe(true);
  });

  it('unknown network / endpoint → 0x803B0001 / 0x803B0002 by default, isNotFound', async () => {
    const netHr = toUnsigned(ctx.options().networkNotFoundHresult);
    const epHr = toUnsigned(ctx.options().endpointNotFoundHresult);
    const net = await rejection(client().getNetwork(UNKNOWN));
    expectHnsError(net, netHr, hresultName(netHr));
    expect(isNotFound(net)).toBe(true);
    const ep = await rejection(client().deleteEndpoint(UNKNOWN));
    expectHnsError(ep, epHr, hresultName(epHr));
    expect(isNotFound(ep)).toBe(true);
    const onUnknownNetwork = await rejection(client().createEndpoint(UNKNOWN, { Name: 'x' }));
    expect(onUnknownNetwork.hrName).toBe(hresultName(netHr));
    expect(onUnknownNetwork.call.fn).toBe('HcnOpenNetwork');
  });

  it('unknown top-level field → HCN_E_INVALID_JSON (0x803B001B) naming the field (a build that knows it: created)', async () => {
    const settings = { ...natNetwork('json-net'), CreateWithCompartment: true };
    if (!ctx.options().rejectUnknownFields) {
      expect((await client().createNetwork(settings)).Name).toBe('json-net');
      return;
    }
    const err = await rejection(client().createNetwork(settings));
    expectHnsError(err, 0x803b001b, 'HCN_E_INVALID_JSON', '{{CreateWithCompartment,UnknownField}}');
    expect(await client().enumerateNetworks()).toEqual(ctx.hostNetworks());
  });

  it('duplicate PortMapping external port on a network → HCN_E_PORT_ALREADY_EXISTS (0x803B0013)', async () => {
    const net = await client().createNetwork(natNetwork('port-net'));
    const mapping = (internal: number) => ({
      Type: 'PortMapping',
      Settings: { Protocol: 6, InternalPort: internal, ExternalPort: 8080 },
    });
    await client().createEndpoint(net.ID!, { Name: 'p1', Policies: [mapping(80)] });
    const err = await rejection(client().createEndpoint(net.ID!, { Name: 'p2', Policies: [mapping(81)] }));
    expectHnsError(err, 0x803b0013, 'HCN_E_PORT_ALREADY_EXISTS');
    expect(await client().enumerateEndpoints({ Name: 'p2' })).toEqual([]);
  });

  it('S_OK with a non-empty ErrorRecord is an error', async () => {
    const net = await client().createNetwork(natNetwork('sok-net'));
    // A fault with HRESULT 0 makes the simulator answer S_OK plus an ErrorRecord (and skip the call's effect).
    await setFault({ fn: 'HcnDeleteNetwork', hr: 0 });
    const err = await rejection(client().deleteNetwork(net.ID!));
    expect(err.returnedHr).toBe(0);
    expect(err.errorRecordText).toBe(
      '{"Success":false,"Error":"The operation completed successfully. ","ErrorCode":0}',
    );
    expect(err.hrName).toBe('E_FAIL');
    expect(await client().enumerateNetworks()).toEqual([...ctx.hostNetworks(), net.ID]);
  });

  it('a failing Query still closes the handle Open returned', async () => {
    const net = await client().createNetwork(natNetwork('q-net'));
    await setFault({ fn: 'HcnQueryNetworkProperties', hr: '0x803B0020' });
    const before = ctx.counters();
    const err = await rejection(client().getNetwork(net.ID!));
    expectHnsError(err, 0x803b0020, 'HCN_E_MANAGER_STOPPED');
    expect(isRetryable(err)).toBe(true);
    expect(ctx.callsSince(before)).toEqual({ HcnOpenNetwork: 1, HcnQueryNetworkProperties: 1, HcnCloseNetwork: 1 });
    // (the suite's afterEach asserts zero open handles in the simulator)
  });

  it('a call that hangs past the timeout fails with HCN_TIMEOUT without blocking the event loop', async () => {
    const hangMs = 500;
    await setFault({ fn: 'HcnEnumerateNamespaces', hangMs });
    const started = Date.now();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const err = await rejection(ctx.harness().clientWithTimeout(100).enumerateNamespaces());
    clearInterval(ticker);
    expect(err.hrName).toBe('HCN_TIMEOUT');
    expect(err.hr).toBe(0x800705b4);
    expect(isRetryable(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(hangMs);
    expect(ticks).toBeGreaterThan(3);
    // Let the abandoned call finish (and its out-string be freed) inside this test.
    await new Promise((r) => setTimeout(r, hangMs));
    expect(await client().enumerateNamespaces()).toEqual([]);
  });
}
