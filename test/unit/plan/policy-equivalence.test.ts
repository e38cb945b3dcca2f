// CHECK's policy comparison (issue 10 F5) against every way the simulator can echo a policy back: whatever HNS does
// to empty members, scalars and key spelling, a planned policy is recognised, and a really different one is not.
import { describe, expect, it } from 'vitest';
import { matrixValues, type SimOptions } from '../../../src/hns/sim/options.js';
import { echoPolicies } from '../../../src/hns/sim/policy-echo.js';
import type { EndpointPolicy } from '../../../src/hns/types.js';
import { planAdd } from '../../../src/plan/add.js';
import { samePolicy } from '../../../src/plan/policy-equivalence.js';
import { GOLDEN_CASES } from './golden-cases.js';

type Echo = Pick<SimOptions, 'policyEchoEmpty' | 'policyEchoScalars' | 'policyEchoKeyCase'>;

function everyEcho(): Echo[] {
  const out: Echo[] = [];
  for (const policyEchoEmpty of matrixValues('policyEchoEmpty')!)
    for (const policyEchoScalars of matrixValues('policyEchoScalars')!)
      for (const policyEchoKeyCase of matrixValues('policyEchoKeyCase')!)
        out.push({ policyEchoEmpty, policyEchoScalars, policyEchoKeyCase } as Echo);
  return out;
}

const planned: EndpointPolicy[] = Object.values(GOLDEN_CASES).flatMap((input) =>
  planAdd(input()).steps.flatMap((s) => (s.kind === 'createEndpoint' ? (s.document.Policies ?? []) : [])),
);
const extra: EndpointPolicy[] = [
  { Type: 'PortMapping', Settings: { InternalPort: 80, ExternalPort: 8080, Protocol: 6, VIP: '', Flags: 1 } },
  { Type: 'PortMapping', Settings: { InternalPort: 53, ExternalPort: 5353, Protocol: 17, VIP: '10.0.0.4' } },
  { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
  { Type: 'ACL', Settings: { Protocols: '6', Action: 'Allow', Direction: 'In', localPorts: '80', Priority: 300 } },
] as EndpointPolicy[];

describe('samePolicy holds for every simulator echo of every planned policy', () => {
  it('covers the golden plans and every echo combination', () => {
    expect(planned.some((p) => p.Type === 'PortMapping')).toBe(true);
    expect(planned.some((p) => p.Type === 'OutBoundNAT')).toBe(true);
  });
  it.each(everyEcho())('echo %j', (echo) => {
    for (const p of [...planned, ...extra]) {
      const [back] = echoPolicies(echo, [p])!;
      expect(samePolicy(back as EndpointPolicy, p), `${JSON.stringify(p)} echoed as ${JSON.stringify(back)}`).toBe(
        true,
      );
    }
  });
});

describe('samePolicy tells different policies apart', () => {
  const base = { Type: 'PortMapping', Settings: { InternalPort: 80, ExternalPort: 8080, Protocol: 6, VIP: '' } };
  it.each([
    ['another external port', { ...base, Settings: { ...base.Settings, ExternalPort: 8081 } }],
    ['another protocol', { ...base, Settings: { ...base.Settings, Protocol: 'UDP' } }],
    ['a VIP', { ...base, Settings: { ...base.Settings, VIP: '10.0.0.4' } }],
    ['LocalRoutedVip', { ...base, Settings: { ...base.Settings, Flags: 1 } }],
    ['another type', { ...base, Type: 'OutBoundNAT' }],
  ])('%s', (_, other) => {
    expect(samePolicy(base as EndpointPolicy, other as EndpointPolicy)).toBe(false);
  });
  it('exception lists keep their order and content', () => {
    const a = { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } } as EndpointPolicy;
    const fewer = { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16'] } } as EndpointPolicy;
    expect(samePolicy(a, fewer)).toBe(false);
    expect(
      samePolicy(a, {
        Type: 'outboundnat',
        Settings: { exceptions: ['10.244.0.0/16', '10.96.0.0/12'] },
      } as EndpointPolicy),
    ).toBe(true);
  });
});
