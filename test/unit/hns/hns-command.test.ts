// `hns-cni hns ...` as an operator runs it (the CLI from source, the simulator backend on a temp state file):
// tables and JSON, namespace-create/-delete, and a failure reported on stderr with exit status 1.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { natNetwork } from './contract.js';
import { cliArgs, REPO } from './ffi-harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-command-'));
const stateFile = path.join(dir, 'state.json');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function hns(...args: string[]) {
  const r = spawnSync(process.execPath, cliArgs('hns', ...args), {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, HNS_CNI_HCN: 'sim', HNS_CNI_SIM_STATE: stateFile },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hns-cni hns', () => {
  it('lists networks and endpoints as tables', async () => {
    const client = createHcnClient(createSimAbi({ stateFile }));
    const net = await client.createNetwork(natNetwork('cmd-net'));
    const ep = await client.createEndpoint(net.ID!, {
      Name: 'cmd-ep',
      IpConfigurations: [{ IpAddress: '10.10.0.7', PrefixLength: 24 }],
    });
    const networks = hns('networks');
    expect(networks.status).toBe(0);
    expect(networks.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+SUBNETS$/);
    expect(networks.stdout).toMatch(new RegExp(`${net.ID}\\s+cmd-net\\s+NAT\\s+10\\.10\\.0\\.0/24`));
    const endpoints = hns('endpoints');
    expect(endpoints.stdout).toMatch(new RegExp(`${ep.ID}\\s+cmd-ep\\s+10\\.10\\.0\\.7/24\\s+${ep.MacAddress}`));
  });

  it('namespace-create prints the new GUID; namespaces --json shows it; namespace-delete removes it', () => {
    const created = hns('namespace-create');
    expect(created.status).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const listed = JSON.parse(hns('namespaces', '--json').stdout) as { ID: string }[];
    expect(listed.map((n) => n.ID)).toContain(id);
    expect(hns('namespace-delete', id.toUpperCase()).status).toBe(0);
    const after = JSON.parse(hns('namespaces', '--json').stdout) as { ID: string }[];
    expect(after.map((n) => n.ID)).not.toContain(id);
  });

  it('a failure is one clear line on stderr and exit status 1', () => {
    const r = hns('namespace-delete', 'deadbeef-0000-4000-8000-000000000001');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^hns-cni hns namespace-delete: HcnDeleteNamespace failed .*ERROR_NOT_FOUND \(0x80070490\)/,
    );
  });
});
