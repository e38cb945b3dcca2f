// The IphlpClient contract against the simulator in process, on a temp state file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { createSimIphlpAbi } from '../../../src/hns/sim/iphlp-abi.js';
import { createIphlpClient } from '../../../src/iphlp/client.js';
import { type IphlpHarness, registerIphlpContract } from './contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iphlp-contract-sim-'));
const stateFile = path.join(dir, 'state.json');
const abi = createSimIphlpAbi({ stateFile });
const harness: IphlpHarness = {
  client: createIphlpClient(abi),
  clientWithTimeout: (ms) => createIphlpClient(abi, { timeoutMs: ms }),
  hcn: createHcnClient(createSimAbi({ stateFile })),
  stateFile,
};

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

registerIphlpContract('in-process simulator', () => harness);
