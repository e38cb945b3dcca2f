// Names and keys that happen to be Object.prototype's own ("constructor", "__proto__", "valueOf", ...) are data like
// any other wherever input becomes a key: the network cache, the config schema and its win-bridge translation,
// runtimeConfig, CNI_ARGS, the log's fields and the simulator's per-adapter vSwitches. A plain-object lookup would
// find the prototype's function (a false "network exists": code 102) or, on assignment, replace the prototype.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCniArgs } from '../../../src/cni/args.js';
import { CNI_CODE, CniError } from '../../../src/cni/errors.js';
import { normalizeRuntimeConfig } from '../../../src/cni/runtime-config.js';
import { loadNetConf } from '../../../src/config/load.js';
import { statsOf } from '../../../src/hns/sim/instrumentation.js';
import { readState } from '../../../src/hns/sim/state-file.js';
import { type LogRecord, log, resetLogForTests, useWriter } from '../../../src/log/logger.js';
import { isHostNetworkPod } from '../../../src/plan/host-network.js';
import { NetworkCache } from '../../../src/plugin/network-cache.js';
import { makeSim } from '../sim/sim-harness.js';

/** Every own property name of Object.prototype: constructor, __proto__, valueOf, toString, hasOwnProperty, ... */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prototype-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function loadError(raw: Record<string, unknown>): CniError {
  try {
    loadNetConf(raw);
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('expected a CniError');
}

const base = { cniVersion: '1.0.0', name: 'k8s-pods', type: 'hns-cni', mode: 'nat' };

describe('names that are Object.prototype properties', () => {
  it('lists the names the tests below use', () => {
    expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['constructor', '__proto__', 'valueOf', 'toString']));
  });

  it.each(PROTOTYPE_NAMES)('the network cache knows nothing about a network named %s until it is set', (name) => {
    const cache = new NetworkCache(path.join(dir, `cache-${name}`));
    expect(cache.get(name)).toBeUndefined();
    cache.set('other', { ID: 'id-other', Name: 'other' });
    expect(cache.get(name)).toBeUndefined();
    cache.set(name, { ID: `id-${name}`, Name: name });
    // A fresh instance reads the file back.
    const reread = new NetworkCache(path.join(dir, `cache-${name}`));
    expect(reread.get(name)).toEqual({ ID: `id-${name}`, Name: name });
    expect(reread.get('other')).toEqual({ ID: 'id-other', Name: 'other' });
    reread.forget(name);
    expect(new NetworkCache(path.join(dir, `cache-${name}`)).get(name)).toBeUndefined();
  });

  it.each(PROTOTYPE_NAMES)('`network` %s is accepted and kept as the HNS network name', (name) => {
    expect(loadNetConf({ ...base, network: name }).network).toBe(name);
  });

  it.each(['constructor', 'valueOf', '__proto__'])('mode %s is refused with the list of modes (7)', (mode) => {
    const e = loadError({ ...base, mode });
    expect(e.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(e.message).toContain(`mode: must be one of transparent, nat, l2bridge, overlay (got "${mode}")`);
  });

  it.each([
    'constructor',
    'toString',
    '__proto__',
  ])('a win-bridge v1 policy of type %s is a config error naming it, not a crash', (type) => {
    const e = loadError({ ...base, policies: [{ name: 'EndpointPolicy', value: { Type: type } }] });
    expect(e.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(e.message).toContain(`HNS v1 policy "${type}" cannot be translated`);
  });

  it('a top-level "__proto__" key is an unknown field, not a prototype for the config', () => {
    const raw = JSON.parse('{"cniVersion":"1.0.0","name":"k8s-pods","type":"hns-cni","__proto__":{"mode":"nat"}}');
    const e = loadError(raw as Record<string, unknown>);
    expect(e.code).toBe(CNI_CODE.INVALID_CONFIG);
    expect(e.message).toContain('__proto__');
    expect(e.message).toContain('unknown field');
  });

  it('runtimeConfig keeps a "__proto__" key as a key, and its prototype stays Object.prototype', () => {
    const raw = JSON.parse('{"__proto__":{"portMappings":[{"hostPort":1}]},"PortMappings":[{"HostPort":80}]}');
    const normalized = normalizeRuntimeConfig(raw);
    expect(Object.getPrototypeOf(normalized)).toBe(Object.prototype);
    expect(Object.keys(normalized).sort()).toEqual(['__proto__', 'portMappings']);
    expect(normalized.portMappings).toEqual([{ hostPort: 80 }]);
  });

  it('CNI_ARGS keys named after prototype properties are ordinary keys', () => {
    const parsed = parseCniArgs('IgnoreUnknown=1;__proto__=a;constructor=b;hasOwnProperty=c');
    expect(parsed.problems).toEqual([]);
    expect(Object.getPrototypeOf(parsed.args)).toBe(Object.prototype);
    expect(Object.entries(parsed.args)).toEqual([
      ['IgnoreUnknown', '1'],
      ['__proto__', 'a'],
      ['constructor', 'b'],
      ['hasOwnProperty', 'c'],
    ]);
    expect(parseCniArgs('constructor=b').problems).toEqual([
      'CNI_ARGS: unknown keys ["constructor"] (set IgnoreUnknown=1 to accept them)',
    ]);
  });

  it('pod annotations named after prototype properties do not make a host-network pod', () => {
    const annotations = JSON.parse('{"__proto__":{"hns-cni.dev/host-network":"true"},"constructor":"x"}');
    expect(isHostNetworkPod({ 'io.kubernetes.cri.pod-annotations': annotations })).toBe(false);
  });

  it('log fields named after prototype properties are written as fields', () => {
    const lines: LogRecord[] = [];
    resetLogForTests();
    useWriter({ write: (r) => lines.push(r), close: async () => {} });
    log.info('fields', JSON.parse('{"__proto__":{"x":1},"constructor":"c"}'));
    resetLogForTests();
    const written = JSON.parse(JSON.stringify(lines[0])) as Record<string, unknown>;
    expect(written.msg).toBe('fields');
    expect(Object.getOwnPropertyDescriptor(written, '__proto__')?.value).toEqual({ x: 1 });
    expect(Object.getOwnPropertyDescriptor(written, 'constructor')?.value).toBe('c');
  });

  it('the simulator gives an adapter named constructor its own vSwitch', async () => {
    const sim = makeSim();
    await sim.setOptions({ adapters: ['constructor', '__proto__'] });
    const network = (name: string, adapter: string) =>
      JSON.stringify({
        Name: name,
        Type: 'L2Bridge',
        Policies: [{ Type: 'NetAdapterName', Settings: { NetworkAdapterName: adapter } }],
        Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.244.1.0/24' }] }],
        SchemaVersion: { Major: 2, Minor: 0 },
      });
    const first = await sim.createNetwork(network('a', 'constructor'));
    await sim.createNetwork(network('b', '__proto__'));
    const stats = statsOf(readState(sim.file));
    expect(stats.blips.count).toBe(2);
    expect(Object.keys(stats.vswitches).sort()).toEqual(['__proto__', 'constructor']);
    const onConstructor = Object.entries(stats.vswitches).find(([adapter]) => adapter === 'constructor')?.[1];
    expect(onConstructor?.map((id) => id.toLowerCase())).toEqual([first.toLowerCase()]);
  });
});
