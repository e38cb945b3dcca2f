// The Wine root's lock for a whole run (the Wine stage, the side-by-side bench): taken exclusively, so two runs never
// share the prefix, its wineserver or its C:\ProgramData; the root is built or reused and the Windows side installed
// under it. The lock lives in a `flock` child that holds it until its stdin closes — when the caller ends it, or when
// the caller dies whatever the cause.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname;

export function acquireWineStage(root: string): Promise<ChildProcess> {
  mkdirSync(dirname(root), { recursive: true });
  const [ensure, install] = [join(here, 'root.sh'), join(here, 'install.sh')];
  const holder = spawn(
    'flock',
    [
      '--exclusive',
      '--timeout',
      '1200',
      `${root}.lock`,
      'bash',
      '-c',
      `bash "${ensure}" ensure >/dev/null && bash "${install}" && echo READY && exec cat >/dev/null`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HNS_CNI_WINE_LOCKED: '1' } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    holder.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY')) resolve(holder);
    });
    holder.on('exit', (code) =>
      reject(new Error(`preparing the Wine root failed (exit ${code}); see the lines above`)),
    );
  });
}
