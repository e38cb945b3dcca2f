// Start-up under Wine for scripts/bench/startup.ts: `node.exe -e 0` of the very node.exe the Windows executable
// embeds against `hns-cni.exe` VERSION, interleaved, inside the Wine stage's root (docs/wine.md) with one
// wineserver kept running (as on a node, where the Windows kernel does not start afresh for each pod).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WineCase {
  label: string;
  exe: string;
  args: string[];
  env?: Record<string, string>;
  /** A file copied into the root and given as stdin. */
  stdinFile?: string;
  /** Files the program needs beside it (the native front's engine), copied into its directory under these names. */
  beside?: Record<string, string>;
}

const repo = path.resolve(import.meta.dirname, '../../..');

export function wineRoot(): string {
  return process.env.HNS_CNI_WINE_ROOT ?? '/var/cache/hns-cni/wine-trixie';
}

/** Why Wine cannot be measured here, or undefined. */
export function wineProblem(root = wineRoot()): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (Wine runs in a chroot)';
  if (!fs.existsSync(path.join(root, '.hns-cni-wine-stamp')))
    return `no Wine root at ${root} (bash scripts/wine/root.sh)`;
  return undefined;
}

/** Wall-clock ms of `runs` executions of each case, interleaved (case 1, 2, ..., 1, 2, ...) after 2 warm-up rounds. */
export function measureUnderWine(
  cases: WineCase[],
  runs: number,
  root = wineRoot(),
): { times: number[][]; replies: string[] } {
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, 'tmp', 'hns-cni-bench-'));
  const inRoot = (name: string) => `/${path.relative(root, path.join(dir, name))}`;
  const onZ = (name: string) => `Z:${inRoot(name).replaceAll('/', '\\')}`;
  try {
    const lines = cases.map((c, i) => {
      // Each case in a directory of its own, under its own file name: the native front finds its engine beside it.
      fs.mkdirSync(path.join(dir, `case${i}`));
      const program = `case${i}/${path.basename(c.exe)}`;
      fs.copyFileSync(c.exe, path.join(dir, program));
      // A native front starts the engine beside it (dist/hns-cni.exe + dist/hns-cni-engine.exe).
      const engine = path.join(path.dirname(c.exe), 'hns-cni-engine.exe');
      const beside = c.beside ?? (fs.existsSync(engine) && c.exe !== engine ? { 'hns-cni-engine.exe': engine } : {});
      for (const [name, file] of Object.entries(beside)) fs.copyFileSync(file, path.join(dir, `case${i}`, name));
      const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}='${v}'`);
      const command = [...env, '/usr/lib/wine/wine64', `'${onZ(program)}'`, ...c.args].join(' ');
      if (c.stdinFile) fs.copyFileSync(c.stdinFile, path.join(dir, `case${i}.stdin`));
      // Through a pipe: Wine gives node.exe a stdin redirected from a Unix file that fstat refuses (EINVAL).
      const feed = c.stdinFile ? `cat ${inRoot(`case${i}.stdin`)} |` : '';
      const redirect = c.stdinFile ? '' : '</dev/null';
      return `  s=$(date +%s%N); ${feed} ${command} >${inRoot(`case${i}.out`)} 2>&1 ${redirect}; e=$(date +%s%N); echo "${i} $(( (e - s) / 1000 ))"`;
    });
    const script = [
      '/usr/lib/wine/wineserver -p',
      `for round in 1 2; do\n${lines.join('\n')}\ndone >/dev/null`,
      `for round in $(seq ${runs}); do\n${lines.join('\n')}\ndone`,
      '/usr/lib/wine/wineserver -k',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'bench.sh'), `${script}\n`);
    const bash = `. '${path.join(repo, 'scripts/wine/lib.sh')}'; wine_in_root "$1" 1800 -- /bin/sh "$2"`;
    const r = spawnSync('flock', ['-s', `${root}.lock`, 'bash', '-c', bash, 'bench', root, inRoot('bench.sh')], {
      encoding: 'utf8',
      env: { ...process.env, HNS_CNI_WINE_ROOT: root },
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`the Wine start-up bench failed (exit ${r.status}): ${r.stderr}`);
    const times = cases.map((): number[] => []);
    for (const line of r.stdout.split('\n')) {
      const m = /^(\d+) (\d+)$/.exec(line.trim());
      if (m) times[Number(m[1])]!.push(Number(m[2]) / 1000);
    }
    // What each case answered (its last run): the caller shows it, so that a case failing early is noticed.
    const replies = cases.map((_, i) => fs.readFileSync(path.join(dir, `case${i}.out`), 'utf8').trim());
    return { times, replies };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
