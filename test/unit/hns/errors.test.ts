// HcnError naming and the three classification helpers (hns-api.md §6.3 and the choices documented in errors.ts).
import { describe, expect, it } from 'vitest';
import { clientError, HcnError, isAlreadyExists, isNotFound, isRetryable } from '../../../src/hns/errors.js';
import { errorRecordFor, formatHresult, toSigned } from '../../../src/hns/hresult.js';

const cases = (codes: number[]) => codes.map((hr) => [formatHresult(hr), hr] as const);
const err = (hr: number, errorRecord?: string) => new HcnError({ hr, call: { fn: 'HcnOpenNetwork' }, errorRecord });

describe('HcnError', () => {
  it('accepts signed HRESULTs and exposes them unsigned', () => {
    const e = err(toSigned(0x803b0010));
    expect(e.hr).toBe(0x803b0010);
    expect(e.hrName).toBe('HCN_E_NETWORK_ALREADY_EXISTS');
    expect(e.name).toBe('HcnError');
    expect(e).toBeInstanceOf(Error);
  });

  it('names an unknown code by its hex value', () => {
    const e = err(0x803b00ff);
    expect(e.hrName).toBe('HRESULT 0x803B00FF');
    expect(e.message).toBe(
      'HcnOpenNetwork failed: HRESULT 0x803B00FF (0x803B00FF) Unrecognised HRESULT 0x803B00FF (facility 59, code 255).',
    );
  });

  it('uses the ErrorRecord text, detail included, in the message', () => {
    const e = err(0x803b001b, errorRecordFor(0x803b001b, '{{Bogus,UnknownField}}'));
    expect(e.message).toBe(
      'HcnOpenNetwork failed: HCN_E_INVALID_JSON (0x803B001B) Invalid JSON document string. {{Bogus,UnknownField}}',
    );
    expect(e.errorRecord?.ErrorCode).toBe(0x803b001b);
  });
});

describe('isNotFound', () => {
  it.each(cases([0x80070490, 0x803b0001, 0x803b0002, 0x800710d8]))('%s is not-found', (_, hr) => {
    expect(isNotFound(err(hr))).toBe(true);
  });

  it('an empty filtered lookup is not-found', () => {
    expect(isNotFound(clientError('HCN_NOT_FOUND_BY_FILTER', { fn: 'getNetworkByName' }, 'no network "x"'))).toBe(true);
  });

  it('v1 Success:false is not-found only when its text says so', () => {
    const v1 = (text: string) => clientError('HNS_CALL_FAILED', { fn: 'HNSCall' }, text);
    expect(isNotFound(v1('The endpoint was not found. '))).toBe(true);
    expect(isNotFound(v1('Element not found. '))).toBe(true);
    expect(isNotFound(v1('The object identifier does not represent a valid object. '))).toBe(true);
    expect(isNotFound(v1('The parameter is incorrect. '))).toBe(false);
  });

  it('other failures and non-HcnErrors are not not-found', () => {
    expect(isNotFound(err(0x803b001e))).toBe(false);
    expect(isNotFound(err(0x803b0005))).toBe(false); // HCN_E_SUBNET_NOT_FOUND: a config error, not a missing object
    expect(isNotFound(new Error('Element not found.'))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});

describe('isAlreadyExists', () => {
  it.each(cases([0x803b0010, 0x803b0011, 0x800700b7, 0x80071392]))('%s already exists', (_, hr) => {
    expect(isAlreadyExists(err(hr))).toBe(true);
  });
  it('conflicts are not "already exists"', () => {
    expect(isAlreadyExists(err(0x803b002b))).toBe(false);
    expect(isAlreadyExists(err(0x803b0013))).toBe(false);
  });
});

describe('isRetryable', () => {
  it.each(
    cases([0x800706ba, 0x800706be, 0x800706d9, 0x80070424, 0x800704db, 0x80370114, 0x803b0020, 0x800705b4]),
  )('%s is retryable', (_, hr) => {
    expect(isRetryable(err(hr))).toBe(true);
  });
  it('a client timeout is retryable; a bad request is not', () => {
    expect(isRetryable(clientError('HCN_TIMEOUT', { fn: 'HcnOpenNetwork' }, 'slow'))).toBe(true);
    expect(isRetryable(err(0x803b001b))).toBe(false);
    expect(isRetryable(err(0x80070490))).toBe(false);
  });
});
