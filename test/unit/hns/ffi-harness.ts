// What the FFI tests need around them: the C stub built (scripts/build-native.sh, a no-op when up to date) and a
// `hns-cni sim serve` child process on a free port, serving a temp state file.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const STUB_LIBRARY = path.join(REPO, 'dist/native/libcomputenetwork.so');
export const PARTIAL_STUB_LIBRARY = path.join(REPO, 'dist/native/libcomputenetwork-partial.so');
export const IPHLP_STUB_LIBRARY = path.join(REPO, 'dist/native/libiphlpapi.so');

export function buildStub(): void {
  execFileSync('bash', [path.join(REPO, 'scripts/build-native.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** `node --import tsx src/main.ts ...`: the CLI from source, as the tests of other commands run it. */
export function cliArgs(...args: string[]): string[] {
  return ['--import', 'tsx', path.join(REPO, 'src/main.ts'), ...args];
}

export interface SimServe {
  address: string;
  stateFile: string;
  stop(): Promise<void>;
}

export async function startSimServe(): Promise<SimServe> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hns-contract-ffi-'));
  const stateFile = path.join(dir, 'state.json');
  const child = spawn(process.execPath, cliArgs('sim', 'serve', '--state', stateFile), {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await firstLine(child);
  return {
    address,
    stateFile,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        resolve(out.slice(0, nl).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sim serve exited with ${code} before printing its address`)));
  });
}
