// The HcnClient contract against the in-process simulator backend, on a temp state file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { createHcnClient } from '../../../src/hns/hcn-client.js';
import { createSimAbi } from '../../../src/hns/sim/abi.js';
import { type ContractHarness, registerContractSuite } from './contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-contract-sim-'));
const stateFile = path.join(dir, 'state.json');
const abi = createSimAbi({ stateFile });
const harness: ContractHarness = {
  client: createHcnClient(abi),
  clientWithTimeout: (ms) => createHcnClient(abi, { timeoutMs: ms }),
  stateFile,
};

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

registerContractSuite('in-process simulator', () => harness);
