import { describe, expect, it } from 'vitest';
import { loadNetConf } from '../../../src/config/load.js';
import { planAdd, planNeedsHnsVersion } from '../../../src/plan/add.js';
import { hnsSupports } from '../../../src/plan/features.js';

const v = (Major: number, Minor: number) => ({ Major, Minor });

describe('HNS feature gates (hcsshim SupportedFeatures)', () => {
  it('DSR: 9.3-9.x and 10.2 onwards', () => {
    expect(hnsSupports(v(9, 2), 'DSR')).toBe(false);
    expect(hnsSupports(v(9, 3), 'DSR')).toBe(true);
    expect(hnsSupports(v(9, 99), 'DSR')).toBe(true);
    expect(hnsSupports(v(10, 0), 'DSR')).toBe(false);
    expect(hnsSupports(v(10, 1), 'DSR')).toBe(false);
    expect(hnsSupports(v(10, 2), 'DSR')).toBe(true);
    expect(hnsSupports(v(15, 0), 'DSR')).toBe(true);
  });

  it('multi-range and single-bound features', () => {
    expect(hnsSupports(v(11, 11), 'L4Proxy')).toBe(true);
    expect(hnsSupports(v(12, 0), 'L4Proxy')).toBe(false);
    expect(hnsSupports(v(13, 1), 'L4Proxy')).toBe(true);
    expect(hnsSupports(v(10, 2), 'VxlanPort')).toBe(false);
    expect(hnsSupports(v(10, 3), 'VxlanPort')).toBe(true);
    expect(hnsSupports(v(15, 3), 'ModifyLoadbalancer')).toBe(false);
  });
});

describe('loopback DSR is added only when HNS supports it', () => {
  const config = loadNetConf({
    cniVersion: '1.0.0',
    name: 'cbr0',
    type: 'hns-cni',
    mode: 'l2bridge',
    loopbackDSR: true,
    ipam: { subnet: '10.244.3.0/24' },
  });
  const plan = (hnsVersion?: { Major: number; Minor: number }) =>
    planAdd({
      config,
      request: { containerId: 'c1', netns: '2a5a8d11-7d97-4c2e-9a55-0c8d7e6b9a10', ifName: 'eth0' },
      allocation: { address: '10.244.3.9/24' },
      hns: { podNetwork: null, ...(hnsVersion && { hnsVersion }) },
    });
  const dsrOf = (p: ReturnType<typeof plan>) =>
    p.steps
      .flatMap((s) => (s.kind === 'createEndpoint' ? (s.document.Policies ?? []) : []))
      .filter((x) => JSON.stringify(x).includes('Destinations'));

  it('needs the version only then', () => {
    expect(planNeedsHnsVersion(config)).toBe(true);
    expect(planNeedsHnsVersion({ ...config, loopbackDSR: false })).toBe(false);
  });

  it('10.2+ gets the OutBoundNAT Destinations policy (E11)', () => {
    expect(dsrOf(plan(v(10, 2)))).toEqual([{ Type: 'OutBoundNAT', Settings: { Destinations: ['10.244.3.9'] } }]);
  });

  it('10.1 and unknown versions skip it with a note', () => {
    const old = plan(v(10, 1));
    expect(dsrOf(old)).toEqual([]);
    expect(old.notes.join('\n')).toMatch(/HNS 10\.1 does not support DSR/);
    const unknown = plan();
    expect(dsrOf(unknown)).toEqual([]);
    expect(unknown.notes.join('\n')).toMatch(/HNS version unknown/);
  });
});
