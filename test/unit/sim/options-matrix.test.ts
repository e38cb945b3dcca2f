// Every simulator option is either an unknown of HNS, with the values the variant matrix runs, or a property of the
// simulated host, with the reason it is not varied. A new option that is neither fails here, naming itself.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OPTIONS,
  HOST_SHAPE_OPTIONS,
  initialOptions,
  matrixValues,
  parseOptionValue,
  type SimOptions,
} from '../../../src/hns/sim/options.js';

const keys = Object.keys(DEFAULT_OPTIONS) as (keyof SimOptions)[];

describe('the variant matrix covers every option', () => {
  it.each(keys)('%s: varied with at least two values, default first, or host shape', (key) => {
    const values = matrixValues(key);
    if (values === undefined) {
      expect(HOST_SHAPE_OPTIONS[key], `${key} declares no values and is not host shape`).toBeDefined();
      return;
    }
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(parseOptionValue(key, values[0]!)).toEqual(DEFAULT_OPTIONS[key]);
    const parsed = values.map((v) => JSON.stringify(parseOptionValue(key, v)));
    expect(new Set(parsed).size).toBe(values.length);
  });
});

describe('HNS_CNI_SIM_OPTIONS', () => {
  it('sets the options a new simulated host starts with; others keep their defaults', () => {
    const o = initialOptions({
      HNS_CNI_SIM_OPTIONS: '{"endpointRoutes":"default-only","detachNotAttachedHresult":"ok"}',
    });
    expect(o.endpointRoutes).toBe('default-only');
    expect(o.detachNotAttachedHresult).toBe(0);
    expect(o.nameMatch).toBe(DEFAULT_OPTIONS.nameMatch);
    expect(initialOptions({})).toEqual(DEFAULT_OPTIONS);
  });
  it.each([
    ['not JSON', 'endpointRoutes=default-only', /JSON object/],
    ['an array', '["x"]', /JSON object/],
    ['an unknown option', '{"nope":"1"}', /unknown simulator option nope/],
    ['a bad value', '{"endpointRoutes":"sometimes"}', /must be one of/],
  ])('refuses %s', (_, text, message) => {
    expect(() => initialOptions({ HNS_CNI_SIM_OPTIONS: text })).toThrow(message);
  });
});
