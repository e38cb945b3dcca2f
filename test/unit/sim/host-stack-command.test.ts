// `hns-cni sim listen | routes`: the simulated node's sockets and routing table, seeded for tests and demos, through
// the same model (and validation) as the IP Helper calls.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/commands/sim.js';
import { readState } from '../../../src/hns/sim/state-file.js';
import { tempStateFile } from './sim-harness.js';

const printed = vi.hoisted(() => ({ json: [] as unknown[], text: [] as string[] }));
vi.mock('../../../src/commands/output.js', () => ({
  printJson: (v: unknown) => printed.json.push(v),
  printText: (t: string) => printed.text.push(t),
  printError: (t: string) => printed.text.push(t),
  printTable: () => {},
}));

beforeEach(() => {
  printed.json = [];
  printed.text = [];
});

describe('hns-cni sim listen', () => {
  it('binds, refuses a second bind of the same socket, lists with the process, removes and clears', async () => {
    const file = tempStateFile();
    const run = (...args: string[]) => main(['listen', '--state', file, ...args]);
    expect(await run('--tcp', '10250', '--pid', '812', '--process', 'kubelet.exe')).toBe(0);
    expect(await run('--udp', '53', '--address', '10.0.0.4')).toBe(0);
    expect(await run('--tcp', '10250')).toBe(1);
    expect(await run('--tcp', '70000')).toBe(2);
    expect(await run('--list', '--json')).toBe(0);
    expect(printed.json[0]).toEqual(
      expect.arrayContaining([
        { protocol: 'tcp', address: '0.0.0.0', port: 10250, pid: 812, process: 'kubelet.exe' },
        { protocol: 'udp', address: '10.0.0.4', port: 53, pid: 4242 },
      ]),
    );
    expect(await run('--remove', '--tcp', '10250')).toBe(0);
    expect(readState(file).hostStack.sockets.some((s) => s.port === 10250)).toBe(false);
    expect(await run('--clear')).toBe(0);
    expect(readState(file).hostStack.sockets).toEqual([]);
  });
});

describe('hns-cni sim routes', () => {
  it('adds a route through the interface that reaches the next hop, refuses a duplicate, deletes it', async () => {
    const file = tempStateFile();
    const run = (...args: string[]) => main(['routes', '--state', file, ...args]);
    expect(await run('--add', '10.50.0.0/16', '--via', '10.0.0.9', '--metric', '5')).toBe(0);
    expect(await run('--add', '10.50.0.0/16', '--via', '10.0.0.9')).toBe(1);
    expect(printed.text.at(-1)).toContain('ERROR_OBJECT_ALREADY_EXISTS');
    expect(await run('--add', '10.51.0.0/16', '--via', '192.168.7.1')).toBe(1);
    expect(await run('--json')).toBe(0);
    const rows = printed.json[0] as {
      destinationPrefix: string;
      nextHop: string;
      interfaceIndex: number;
      metric: number;
    }[];
    const def = rows.find((r) => r.destinationPrefix === '0.0.0.0/0')!;
    expect(rows.find((r) => r.destinationPrefix === '10.50.0.0/16')).toMatchObject({
      nextHop: '10.0.0.9',
      interfaceIndex: def.interfaceIndex,
      metric: 5,
    });
    expect(await run('--delete', '10.50.0.0/16', '--via', '10.0.0.9')).toBe(0);
    expect(await run('--delete', '10.50.0.0/16', '--via', '10.0.0.9')).toBe(1);
    expect(printed.text.at(-1)).toContain('ERROR_NOT_FOUND');
  });
});
