// The HCN reference stays complete: every simulator option that models an unknown of HNS (those the variant matrix
// varies) is recorded on real Windows by windows/ci/Record-HnsFacts.ps1, or listed there as not recordable on a CI
// runner with the reason, and is described in docs/simulator.md's table of unknowns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULT_OPTIONS, matrixValues, type SimOptions } from '../../../src/hns/sim/options.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const recorder = fs.readFileSync(path.join(repo, 'windows/ci/Record-HnsFacts.ps1'), 'utf8');
const simulatorDoc = fs.readFileSync(path.join(repo, 'docs/simulator.md'), 'utf8');
const unknowns = (Object.keys(DEFAULT_OPTIONS) as (keyof SimOptions)[]).filter((k) => matrixValues(k) !== undefined);

const recorded = new Set([...recorder.matchAll(/Add-Fact '(\w+)'/g)].map((m) => m[1]));
const notRecordedBlock = /notRecorded = \[ordered\]@\{([\s\S]*?)\n {4}\}/.exec(recorder)?.[1] ?? '';
const notRecorded = new Set([...notRecordedBlock.matchAll(/^\s+(\w+) = '/gm)].map((m) => m[1]));

it.each(unknowns)('%s is recorded on real Windows or listed as not recordable', (key) => {
  expect(recorded.has(key) || notRecorded.has(key), `${key}: neither Add-Fact '${key}' nor notRecorded.${key}`).toBe(
    true,
  );
});

it.each(unknowns)('%s is in docs/simulator.md with each of its values', (key) => {
  const row = simulatorDoc.split('\n').find((l) => l.startsWith(`| \`${key}\``));
  expect(row, `no table row for ${key}`).toBeDefined();
  for (const value of matrixValues(key)!) expect(row, `${key}: value ${value} not described`).toContain(`\`${value}\``);
});

it('the recorder records nothing twice and lists nothing both ways', () => {
  const calls = [...recorder.matchAll(/Add-Fact '(\w+)'/g)].map((m) => m[1]);
  expect(calls.length).toBe(recorded.size);
  for (const k of notRecorded) expect(recorded.has(k), k).toBe(false);
  expect(notRecorded.size).toBeGreaterThan(0);
});
