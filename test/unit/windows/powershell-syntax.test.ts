// The PowerShell that ships (windows/: debug scripts, the windows-latest smoke test) cannot run here; it must at
// least parse. tree-sitter's PowerShell grammar checks it offline (scripts/check-powershell.mjs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const checker = path.join(repo, 'scripts/check-powershell.mjs');

function check(files: string[]) {
  return spawnSync(process.execPath, ['--no-deprecation', checker, ...files], { encoding: 'utf8' });
}

function powershellFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ps1'))
    .map((e) => path.join(e.parentPath, e.name));
}

it('every .ps1 under windows/ parses', () => {
  const files = powershellFiles(path.join(repo, 'windows'));
  expect(files.length).toBeGreaterThanOrEqual(5);
  const run = check(files);
  expect(run.stdout).toBe('');
  expect(run.status).toBe(0);
});

it('the check reports a broken script with its position', () => {
  const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ps-check-')), 'broken.ps1');
  fs.writeFileSync(broken, 'function Test-It {\n  if ($a -eq 1 {\n    Write-Host "x"\n  }\n');
  const run = check([broken]);
  expect(run.status).toBe(1);
  expect(run.stdout).toContain(`${broken}:`);
});

it('no shipped script uses a temp directory (C:\\Windows\\Temp for LocalSystem: docs/security.md, paths 1 and 7)', () => {
  // Comments may name it; code may not. Temp paths reach PowerShell through these spellings.
  const temp = /\$env:(TEMP|TMP)\b|GetTemp(Path|FileName)|\\Windows\\Temp|New-TemporaryFile/i;
  const offending = powershellFiles(path.join(repo, 'windows')).flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line, i) => ({ code: line.replace(/#.*$/, ''), where: `${path.relative(repo, file)}:${i + 1}` }))
      .filter(({ code }) => temp.test(code))
      .map(({ where }) => where),
  );
  expect(offending).toEqual([]);
});
