// Bad input gets a precise CNI code and message, never 999 ("a bug"), and never reaches HNS or the file system:
// malformed prevResult, an unusable data directory, a bogus backend, names HNS should never see (5,000 characters,
// a NUL), DNS settings that are not DNS settings, malformed port mappings, a delegate's garbage result, config paths
// that are relative, and E_ACCESSDENIED by name. A 200-character container id with a 15-byte ifname (the documented
// limits) works. Through the built executable and the in-process simulator.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfig } from '../fixtures/minimal-config.js';
import { cniEnv, type PluginRun, runPlugin } from '../helpers/plugin-process.js';

let dir: string;
let base: Record<string, string>;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-cni-input-'));
  base = {
    HNS_CNI_HCN: 'sim',
    HNS_CNI_SIM_STATE: path.join(dir, 'sim-state.json'),
    HNS_CNI_DATA_DIR: path.join(dir, 'data'),
    HNS_CNI_LOG: path.join(dir, 'hns-cni.log'),
  };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function namespace(): Promise<string> {
  const run = await runPlugin({ env: base, args: ['hns', 'namespace-create', '--json'] });
  return String(run.json!.ID);
}

let n = 0;
async function cni(
  verb: string,
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  attachment: Record<string, string> = {},
): Promise<PluginRun> {
  const netns = attachment.CNI_NETNS ?? (await namespace());
  return runPlugin({
    env: { ...base, ...cniEnv(verb, { CNI_CONTAINERID: `input-pod-${++n}`, CNI_NETNS: netns, ...attachment }), ...env },
    stdin: config,
  });
}

/** The error document: code and msg, and that stdout held nothing else. */
function errorOf(run: PluginRun): { code: unknown; msg: string } {
  expect(run.code).toBe(1);
  return { code: run.json?.code, msg: String(run.json?.msg) };
}

async function networkNames(): Promise<string[]> {
  const run = await runPlugin({ env: base, args: ['hns', 'networks', '--json'] });
  return (run.json as unknown as Array<{ Name: string }>).map((x) => x.Name);
}

describe('input errors get a precise code', () => {
  it('CHECK with a malformed prevResult: 7 naming prevResult.ips', async () => {
    const conf = { ...minimalConfig('nat'), prevResult: { cniVersion: '1.0.0', ips: 'x', interfaces: 5 } };
    const e = errorOf(await cni('CHECK', conf));
    expect(e.code).toBe(7);
    expect(e.msg).toContain('prevResult.ips');
    expect(e.msg).toContain('prevResult.interfaces');
  });

  it('HNS_CNI_DATA_DIR pointing at a file: 104 naming it', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const e = errorOf(await cni('ADD', minimalConfig('nat'), { HNS_CNI_DATA_DIR: file }));
    expect(e.code).toBe(104);
    expect(e.msg).toContain(`data directory ${file} (HNS_CNI_DATA_DIR) cannot be used`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('ipam.dataDir pointing at a file: 104; relative config paths: 7', async () => {
    const file = path.join(dir, 'another-file');
    fs.writeFileSync(file, 'x');
    const atFile = errorOf(await cni('ADD', minimalConfig('nat', { ipam: { subnet: '10.60.0.0/24', dataDir: file } })));
    expect(atFile.code).toBe(104);
    expect(atFile.msg).toContain(`(ipam.dataDir)`);
    const relative = errorOf(
      await cni(
        'ADD',
        minimalConfig('nat', { ipam: { subnetFrom: 'node', kubeconfig: 'kube/config', nodeName: 'n' } }),
      ),
    );
    expect(relative.code).toBe(7);
    expect(relative.msg).toContain('ipam.kubeconfig: must be an absolute path');
  });

  it('HNS_CNI_HCN=bogus: 4 naming the variable', async () => {
    const e = errorOf(await cni('ADD', minimalConfig('nat'), { HNS_CNI_HCN: 'bogus' }));
    expect(e).toEqual({ code: 4, msg: 'HNS_CNI_HCN must be "ffi" or "sim", not "bogus"' });
  });

  it('a 5,000-character name or network: 7, and no network reaches HNS', async () => {
    const long = 'a'.repeat(5000);
    const byName = errorOf(await cni('ADD', { ...minimalConfig('nat'), name: long }));
    expect(byName.code).toBe(7);
    expect(byName.msg).toContain('name: network name must be at most 200 characters');
    const byNetwork = errorOf(await cni('ADD', minimalConfig('nat', { network: long })));
    expect(byNetwork.code).toBe(7);
    expect(byNetwork.msg).toContain('network: must be at most 200 characters (got 5000)');
    expect((await networkNames()).filter((x) => x.length > 200)).toEqual([]);
  });

  it('a NUL or a newline in a network, NAT network or adapter name: 7, nothing reaches HNS', async () => {
    for (const [field, extra] of [
      ['network', { network: 'pods\u0000x' }],
      ['natNetwork.name', { natNetwork: { name: 'nat\nx' } }],
      ['adapter', { adapter: 'Ether\u0000net' }],
    ] as const) {
      const mode = field === 'adapter' ? 'l2bridge' : field === 'natNetwork.name' ? 'transparent' : 'nat';
      const e = errorOf(await cni('ADD', minimalConfig(mode, extra)));
      expect(e.code).toBe(7);
      expect(e.msg).toMatch(new RegExp(`${field.replace('.', '\\.')}: must not contain control characters`));
    }
    expect((await networkNames()).filter((x) => [...x].some((c) => c.charCodeAt(0) < 0x20))).toEqual([]);
  });

  it('DNS servers that are not IPs, and search domains that are not domains: 7 naming each', async () => {
    const conf = minimalConfig('nat', {
      dns: { nameservers: ['10.96.0.10', 'kube-dns', 'x;y'], search: ['svc.cluster.local', 'bad domain'] },
    });
    const fromConfig = errorOf(await cni('ADD', conf));
    expect(fromConfig.code).toBe(7);
    expect(fromConfig.msg).toContain('dns.nameservers[1]: must be an IPv4 or IPv6 address, not "kube-dns"');
    expect(fromConfig.msg).toContain('dns.nameservers[2]');
    expect(fromConfig.msg).toContain('dns.search[1]: must be a DNS domain name, not "bad domain"');
    const runtime = minimalConfig('nat', { runtimeConfig: { dns: { Servers: ['10.96.0.10', '999.1.1.1'] } } });
    const fromRuntime = errorOf(await cni('ADD', runtime));
    expect(fromRuntime.code).toBe(7);
    expect(fromRuntime.msg).toContain('runtimeConfig.dns.servers[1]: must be an IPv4 or IPv6 address, not "999.1.1.1"');
  });

  it('port mappings of the wrong JSON types: 7 naming the field', async () => {
    const conf = minimalConfig('nat', {
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 6 }] },
    });
    const e = errorOf(await cni('ADD', conf));
    expect(e.code).toBe(7);
    expect(e.msg).toContain('runtimeConfig.portMappings[0].protocol: 6 cannot be mapped by HNS');
    const notAnObject = errorOf(await cni('ADD', minimalConfig('nat', { runtimeConfig: { portMappings: [null] } })));
    expect(notAnObject.code).toBe(7);
  });

  it("a delegated IPAM plugin's garbage result: 105 naming what is wrong", async () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const plugin = (name: string, output: string) => {
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${output}'\n`, { mode: 0o755 });
    };
    plugin('null-ipam', 'null');
    plugin(
      'banana-ipam',
      '{"cniVersion":"1.0.0","ips":[{"address":"banana"}],"routes":[{"dst":"0.0.0.0/0","gw":"x"}]}',
    );
    const run = (type: string) =>
      cni('ADD', { ...minimalConfig('nat'), ipam: { type } }, {}, { CNI_PATH: bin }).then(errorOf);
    expect(await run('null-ipam')).toMatchObject({ code: 105 });
    const banana = await run('banana-ipam');
    expect(banana.code).toBe(105);
    expect(banana.msg).toContain('ips[0].address "banana" is not an address/prefix');
    expect(banana.msg).toContain('routes[0].gw "x" is not an IP address');
  });

  it('a 200-character container id with a 15-byte ifname (the documented limits) gets an address and gives it back', async () => {
    const containerId = `c${'0123456789'.repeat(20)}`.slice(0, 200);
    const ifName = 'abcdefghijklmno';
    const conf = minimalConfig('nat', { network: 'long-ids', ipam: { subnet: '10.61.0.0/24' } });
    const netns = await namespace();
    const add = await cni('ADD', conf, {}, { CNI_CONTAINERID: containerId, CNI_IFNAME: ifName, CNI_NETNS: netns });
    expect({ code: add.code, msg: add.json?.msg }).toEqual({ code: 0, msg: undefined });
    const del = await cni('DEL', conf, {}, { CNI_CONTAINERID: containerId, CNI_IFNAME: ifName, CNI_NETNS: netns });
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
  });

  it('E_ACCESSDENIED from HNS is named, with what to do about it (100)', async () => {
    const fault = await runPlugin({
      env: base,
      args: ['sim', 'fault', '--fn', 'HcnCreateEndpoint', '--nth', '1', '--hr', '0x80070005'],
      expectJson: false,
    });
    expect(fault.code).toBe(0);
    try {
      const conf = minimalConfig('nat', { network: 'access-denied', ipam: { subnet: '10.62.0.0/24' } });
      const e = errorOf(await cni('ADD', conf));
      expect(e.code).toBe(100);
      expect(e.msg).toContain('E_ACCESSDENIED (0x80070005) Access is denied.');
      expect(e.msg).toContain('run hns-cni as LocalSystem');
    } finally {
      await runPlugin({ env: base, args: ['sim', 'fault', '--clear'], expectJson: false });
    }
  });
});
