// microsoft/hcsshim's own HCN integration tests (`go test -c -tags integration ./hcn`, shared/peers/PEERS.md), run
// under Wine against the simulator through the stub DLLs: one process per test, the simulator reset before each
// (the tests share network names and clean up only on success). Expectations written by Microsoft for the real
// HNS, not by us: every test must pass. A test that panics (hcsshim does when the DLL lacks a function it binds,
// hcn/hcnerrors.go) or fails is reported with the lines that say why.
import { afterAll, describe, expect, it } from 'vitest';
import { report, resetSimulator, runPeer } from './peers.js';

type Outcome = 'PASS' | 'FAIL' | 'SKIP';

interface Result {
  name: string;
  outcome: Outcome;
  /** The test's own log lines (t.Log/t.Fatal/t.Skip) or the panic, for anything but a pass. */
  reason: string;
  ms: number;
}

/** `go test -test.v` output → outcome and the reason lines (indented `file.go:N: ...` lines, or a panic). */
function parseGoTest(name: string, status: number, output: string): { outcome: Outcome; reason: string } {
  const lines = output.split(/\r?\n/);
  const verdict = lines.find(
    (l) =>
      l.startsWith(`--- PASS: ${name} `) || l.startsWith(`--- FAIL: ${name} `) || l.startsWith(`--- SKIP: ${name} `),
  );
  const outcome: Outcome =
    verdict?.startsWith('--- PASS') && status === 0 ? 'PASS' : verdict?.startsWith('--- SKIP') ? 'SKIP' : 'FAIL';
  if (outcome === 'PASS') return { outcome, reason: '' };
  const logged = lines.filter((l) => /^\s+\S+\.go:\d+: /.test(l)).map((l) => l.trim());
  const panic = lines.find((l) => l.startsWith('panic: '));
  const reason = [...logged, ...(panic ? [panic] : [])].join(' | ') || (verdict ? '' : `exit ${status}, no verdict`);
  return { outcome, reason };
}

const listed = runPeer('hcn.test.exe', ['-test.list', '.*'], { what: 'hcn.test.exe list' });
const tests = listed.stdout
  .split(/\r?\n/)
  .map((l) => l.trim())
  .filter((l) => /^Test\w+$/.test(l));
const results: Result[] = [];

describe('hcsshim HCN integration tests (hcn.test.exe) against the simulator', () => {
  it('lists its tests', () => {
    expect(listed.status, listed.stderr).toBe(0);
    expect(tests.length).toBeGreaterThan(0);
  });

  it.each(tests)('%s', async (name) => {
    await resetSimulator();
    const started = performance.now();
    const ran = runPeer('hcn.test.exe', ['-test.v', '-test.timeout', '60s', '-test.run', `^${name}$`], {
      what: 'hcn.test.exe run',
    });
    const { outcome, reason } = parseGoTest(name, ran.status, `${ran.stdout}\n${ran.stderr}`);
    results.push({ name, outcome, reason, ms: performance.now() - started });
    expect({ outcome, reason }).toEqual({ outcome: 'PASS', reason: '' });
  });

  afterAll(() => {
    const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
    for (const r of results) {
      report(`hcsshim ${r.outcome.padEnd(4)} ${r.name} (${Math.round(r.ms)} ms)${r.reason ? `: ${r.reason}` : ''}`);
    }
    const seconds = results.reduce((s, r) => s + r.ms, 0) / 1000;
    report(
      `hcsshim: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped of ${tests.length} ` +
        `(${seconds.toFixed(1)} s, one process per test)`,
    );
  });
});
