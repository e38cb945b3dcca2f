// What the network cache remembers about a network's endpoint routes (issue 10 F2): 'kept' for good, 'dropped' for
// ten minutes (then the next ADD reads an endpoint back again), per network ID, in the cache file itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DROPPED_ROUTES_TTL_MS, HNS_VERSION_TTL_MS, NetworkCache } from '../../../src/plugin/network-cache.js';

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

it('remembers the HNS version for the boot it was read in, and at most HNS_VERSION_TTL_MS', () => {
  const versionDir = fs.mkdtempSync(path.join(dir, 'version-'));
  const booted = 5_000_000;
  const t0 = booted + 3_600_000;
  expect(new NetworkCache(versionDir).hnsVersion(t0, booted)).toBeUndefined();
  new NetworkCache(versionDir).setHnsVersion({ Major: 9, Minor: 5 }, t0, booted);
  const cache = new NetworkCache(versionDir);
  // Same boot (the boot time read again a few seconds off): the version holds.
  expect(cache.hnsVersion(t0 + 1000, booted + 3000)).toEqual({ Major: 9, Minor: 5 });
  expect(cache.hnsVersion(t0 + HNS_VERSION_TTL_MS - 1, booted)).toEqual({ Major: 9, Minor: 5 });
  // Older than the TTL, from the future, or after a restart (an OS update needs one): read again.
  expect(cache.hnsVersion(t0 + HNS_VERSION_TTL_MS, booted)).toBeUndefined();
  expect(cache.hnsVersion(t0 - 1, booted)).toBeUndefined();
  expect(cache.hnsVersion(t0 + 1000, t0)).toBeUndefined();
  // The routes and networks of the same file are untouched by it, and a damaged entry is no version.
  cache.set('k8s-pods', { ID: 'dddddddd-0000-4000-8000-000000000004', Name: 'k8s-pods' });
  expect(cache.hnsVersion(t0 + 1000, booted)).toEqual({ Major: 9, Minor: 5 });
  fs.writeFileSync(
    path.join(versionDir, 'networks.json'),
    JSON.stringify({ version: 1, networks: {}, hnsVersion: { version: { Major: '15' }, at: t0, bootedAt: booted } }),
  );
  expect(new NetworkCache(versionDir).hnsVersion(t0 + 1000, booted)).toBeUndefined();
});

it('a cache that cannot be read or replaced (Windows: another process renaming over it) is no hint and no failure', () => {
  const blockedDir = fs.mkdtempSync(path.join(dir, 'blocked-'));
  // A directory where the file should be: reading it and renaming over it both fail, as a sharing violation does.
  fs.mkdirSync(path.join(blockedDir, 'networks.json'));
  const cache = new NetworkCache(blockedDir);
  expect(() => cache.set('k8s-pods', { ID: 'eeeeeeee-0000-4000-8000-000000000005', Name: 'k8s-pods' })).not.toThrow();
  expect(() => cache.setHnsVersion({ Major: 15, Minor: 4 })).not.toThrow();
  expect(cache.get('k8s-pods')).toBeUndefined();
  expect(cache.hnsVersion()).toBeUndefined();
  // No temp file is left behind either.
  expect(fs.readdirSync(blockedDir)).toEqual(['networks.json']);
});

it('reads the file once per verb for its questions, and starts every change from the file as it is now', () => {
  const own = fs.mkdtempSync(path.join(dir, 'once-'));
  const a = { ID: 'dddddddd-0000-4000-8000-000000000006', Name: 'net-a' };
  const b = { ID: 'eeeeeeee-0000-4000-8000-000000000007', Name: 'net-b' };
  new NetworkCache(own).set('net-a', a);
  const verb = new NetworkCache(own);
  expect(verb.get('net-a')?.ID).toBe(a.ID);
  // Another process caches a second network meanwhile: this verb's questions are answered from its one read...
  new NetworkCache(own).set('net-b', b);
  expect(verb.get('net-b')).toBeUndefined();
  // ...but its own change keeps what the other process added.
  verb.setRouteSupport(a.ID, 'kept');
  expect(verb.get('net-b')?.ID).toBe(b.ID);
  const later = new NetworkCache(own);
  expect([later.get('net-a')?.ID, later.get('net-b')?.ID, later.routeSupport(a.ID)]).toEqual([a.ID, b.ID, 'kept']);
});
