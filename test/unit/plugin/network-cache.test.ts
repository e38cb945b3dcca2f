// What the network cache remembers about a network's endpoint routes (issue 10 F2): 'kept' for good, 'dropped' for
// ten minutes (then the next ADD reads an endpoint back again), per network ID, in the cache file itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DROPPED_ROUTES_TTL_MS, NetworkCache } from '../../../src/plugin/network-cache.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-network-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('remembers route support per network ID, case-insensitively, across instances', () => {
  const t0 = 1_000_000;
  new NetworkCache(dir).setRouteSupport('7198D0AB-9758-4C83-8CED-311F4DD0CF9C', 'kept', t0);
  new NetworkCache(dir).setRouteSupport('aaaaaaaa-0000-4000-8000-000000000001', 'dropped', t0);
  const cache = new NetworkCache(dir);
  expect(cache.routeSupport('7198d0ab-9758-4c83-8ced-311f4dd0cf9c', t0 + 365 * 86_400_000)).toBe('kept');
  expect(cache.routeSupport('AAAAAAAA-0000-4000-8000-000000000001', t0 + DROPPED_ROUTES_TTL_MS - 1)).toBe('dropped');
  expect(cache.routeSupport('aaaaaaaa-0000-4000-8000-000000000001', t0 + DROPPED_ROUTES_TTL_MS)).toBeUndefined();
  expect(cache.routeSupport('bbbbbbbb-0000-4000-8000-000000000002', t0)).toBeUndefined();
});

it('keeps the cached networks next to it, and a damaged file is no verdict', () => {
  const cache = new NetworkCache(dir);
  cache.set('k8s-pods', { ID: 'cccccccc-0000-4000-8000-000000000003', Name: 'k8s-pods' });
  expect(cache.get('k8s-pods')?.ID).toBe('cccccccc-0000-4000-8000-000000000003');
  expect(cache.routeSupport('7198d0ab-9758-4c83-8ced-311f4dd0cf9c', 0)).toBe('kept');
  fs.writeFileSync(path.join(dir, 'networks.json'), '{"version":1,"networks":{},"routes":{"x":"kept"}}');
  expect(new NetworkCache(dir).routeSupport('x')).toBeUndefined();
});
