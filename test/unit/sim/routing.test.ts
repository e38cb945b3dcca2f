// The simulator's endpoint routes per `endpointRoutes` and the namespace routing table (issue 10 F2).
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../../src/hns/sim/options.js';
import { effectiveRoutes, routeFor } from '../../../src/hns/sim/routing.js';
import { freshState } from '../../../src/hns/sim/state.js';

const subnetDefault = [{ NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0' }];
const cluster = { NextHop: '10.244.3.1', DestinationPrefix: '10.244.0.0/16' };

describe('effectiveRoutes', () => {
  it('no routes given: the subnet default, whatever the build', () => {
    for (const mode of ['as-given', 'implicit-default', 'default-only'] as const) {
      expect(effectiveRoutes(mode, [], subnetDefault)).toEqual(subnetDefault);
    }
  });
  it('as-given keeps exactly the routes given', () => {
    expect(effectiveRoutes('as-given', [cluster], subnetDefault)).toEqual([cluster]);
  });
  it('implicit-default adds the subnet default when none is given, and only then', () => {
    expect(effectiveRoutes('implicit-default', [cluster], subnetDefault)).toEqual([cluster, ...subnetDefault]);
    const own = { NextHop: '10.244.3.1', DestinationPrefix: '0.0.0.0/0', Metric: 9999 };
    expect(effectiveRoutes('implicit-default', [cluster, own], subnetDefault)).toEqual([cluster, own]);
  });
  it('default-only drops every other route', () => {
    expect(effectiveRoutes('default-only', [cluster], subnetDefault)).toEqual(subnetDefault);
  });
});

describe('routeFor', () => {
  function stateWith(endpoints: Array<{ id: string; ip: string; routes: Array<Record<string, unknown>> }>) {
    const state = freshState({ ...DEFAULT_OPTIONS });
    for (const e of endpoints) {
      state.endpoints[e.id] = {
        ID: e.id,
        HostComputeNamespace: 'ns',
        IpConfigurations: [{ IpAddress: e.ip, PrefixLength: 24 }],
        Routes: e.routes,
      };
    }
    return state;
  }
  it('longest prefix, then lowest metric; the on-link subnet has no next hop', () => {
    const state = stateWith([
      { id: 'pod', ip: '10.244.3.5', routes: [cluster, { ...subnetDefault[0], Metric: 9999 }] },
      { id: 'nat', ip: '172.24.0.7', routes: [{ NextHop: '172.24.0.1', DestinationPrefix: '0.0.0.0/0' }] },
    ]);
    expect(routeFor(state, 'ns', '8.8.8.8')).toMatchObject({ kind: 'route', route: { endpointId: 'nat' } });
    expect(routeFor(state, 'ns', '10.244.9.9')).toMatchObject({ kind: 'route', route: { endpointId: 'pod' } });
    expect(routeFor(state, 'ns', '10.244.3.9')).toMatchObject({ kind: 'route', route: { nextHop: '' } });
  });
  it('two equal default routes through different endpoints are ambiguous', () => {
    const state = stateWith([
      { id: 'pod', ip: '10.244.3.5', routes: [cluster, ...subnetDefault] },
      { id: 'nat', ip: '172.24.0.7', routes: [{ NextHop: '172.24.0.1', DestinationPrefix: '0.0.0.0/0' }] },
    ]);
    expect(routeFor(state, 'ns', '8.8.8.8').kind).toBe('ambiguous');
  });
  it('a namespace without endpoints routes nowhere', () => {
    expect(routeFor(freshState({ ...DEFAULT_OPTIONS }), 'ns', '8.8.8.8')).toEqual({ kind: 'none' });
  });
});
