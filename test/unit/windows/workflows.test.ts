// The GitHub Actions workflows cannot run here; they must at least be well-formed and wire what they claim: the
// Linux job builds and uploads the executables, windows.yml runs the smoke test and the HNS fact recorder on both
// Windows Server images and uploads each image's record, whatever the outcome.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const workflowDir = path.join(repo, '.github', 'workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  uses?: string;
  needs?: string | string[];
  strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean };
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown> | string | string[];
  jobs: Record<string, Job>;
}

/** GitHub's expression for the matrix image (a constant, so the `${{` is not mistaken for a template). */
const MATRIX_OS = ['$', '{{ matrix.os }}'].join('');

const read = (file: string) => load(fs.readFileSync(path.join(workflowDir, file), 'utf8')) as Workflow;
const files = fs.readdirSync(workflowDir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));

describe.each(files)('%s is a well-formed workflow', (file) => {
  const text = fs.readFileSync(path.join(workflowDir, file), 'utf8');
  const wf = read(file);

  it('has a name, triggers and jobs; each job runs steps on a runner or calls a local workflow', () => {
    expect(typeof wf.name).toBe('string');
    expect(wf.on).toBeTruthy();
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    for (const [id, job] of Object.entries(wf.jobs)) {
      if (job.uses !== undefined) {
        expect(job.uses, id).toMatch(/^\.\/\.github\/workflows\/[\w-]+\.ya?ml$/);
        expect(fs.existsSync(path.join(repo, job.uses)), job.uses).toBe(true);
        continue;
      }
      expect(typeof job['runs-on'], id).toBe('string');
      expect(job.steps?.length, id).toBeGreaterThan(0);
      for (const step of job.steps!) {
        expect(Number(step.run !== undefined) + Number(step.uses !== undefined), JSON.stringify(step)).toBe(1);
        if (step.uses !== undefined) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
        if (step.shell !== undefined) expect(step.run, 'shell without run').toBeDefined();
      }
    }
  });

  it('every expression is closed and names a context the job has', () => {
    const expressions = [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
    expect(text.split(['$', '{{'].join('')).length - 1).toBe(expressions.length);
    for (const e of expressions) expect(e).toMatch(/^(matrix|runner|github|steps|needs|inputs|env)\.[\w.-]+$/);
  });

  it('every job that needs another names one that exists', () => {
    for (const job of Object.values(wf.jobs)) {
      for (const need of [job.needs ?? []].flat()) expect(Object.keys(wf.jobs)).toContain(need);
    }
  });
});

describe('the Windows jobs', () => {
  const ci = read('ci.yml');
  const windows = read('windows.yml');

  it('ci.yml: the Linux job runs npm test and uploads both executables; windows.yml runs after it', () => {
    const linux = ci.jobs.linux!;
    expect(linux.steps!.some((s) => s.run === 'npm test')).toBe(true);
    const upload = linux.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'hns-cni' });
    expect(String(upload.with!.path)).toContain('dist/hns-cni.exe');
    expect(String(upload.with!.path)).toContain('dist/hns-cni-engine.exe');
    expect(ci.jobs.windows).toMatchObject({ needs: 'linux', uses: './.github/workflows/windows.yml' });
  });

  it('windows.yml: smoke test and recorder on windows-2022 and windows-2025, each record uploaded always', () => {
    expect(windows.on).toHaveProperty('workflow_call');
    const job = windows.jobs['real-hns']!;
    expect(job.strategy?.matrix?.os).toEqual(['windows-2022', 'windows-2025']);
    expect(job.strategy?.['fail-fast']).toBe(false);
    expect(job['runs-on']).toBe(MATRIX_OS);
    const steps = job.steps!;
    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toEqual({ name: 'hns-cni', path: 'dist' });
    const smoke = steps.find((s) => s.run?.includes('windows/ci/smoke.ps1'))!;
    expect(smoke.shell).toBe('pwsh');
    const record = /-Record "([^"]+)"/.exec(smoke.run!)?.[1];
    expect(record).toContain(MATRIX_OS);
    expect(smoke.run).toContain('-Exe dist/hns-cni.exe');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe('always()');
    expect(upload.with).toMatchObject({ path: record, 'if-no-files-found': 'error' });
    expect(String(upload.with!.name)).toContain(MATRIX_OS);
  });

  it('the scripts the jobs run exist and take the parameters the jobs pass', () => {
    const smoke = fs.readFileSync(path.join(repo, 'windows/ci/smoke.ps1'), 'utf8');
    const params = /param\(([\s\S]*?)\n\)/.exec(smoke)![1]!;
    expect(params).toMatch(/\[string\]\$Exe\b/);
    expect(params).toMatch(/\[string\]\$Record\b/);
    expect(fs.existsSync(path.join(repo, 'windows/debug/Get-HnsCniState.ps1'))).toBe(true);
    expect(fs.existsSync(path.join(repo, 'windows/ci/Record-HnsFacts.ps1'))).toBe(true);
    expect(fs.existsSync(path.join(repo, 'windows/ci/HcnRecorder.cs'))).toBe(true);
  });
});
