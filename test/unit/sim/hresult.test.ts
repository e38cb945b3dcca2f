import { describe, expect, it } from 'vitest';
import {
  errorRecordFor,
  formatHresult,
  HR,
  hresultName,
  isFailure,
  lookupHresult,
  parseErrorRecord,
  parseHresult,
  toSigned,
  toUnsigned,
} from '../../../src/hns/hresult.js';

describe('HRESULT table', () => {
  it('converts between signed, unsigned and text forms', () => {
    expect(toUnsigned(HR.HCN_E_INVALID_IP)).toBe(2151350302);
    expect(toSigned(0x803b001e)).toBe(HR.HCN_E_INVALID_IP);
    expect(HR.HCN_E_INVALID_IP).toBeLessThan(0);
    expect(formatHresult(HR.HCN_E_INVALID_IP)).toBe('0x803B001E');
    expect(formatHresult(2147943568)).toBe('0x80070490');
    expect(parseHresult('0x803b001e')).toBe(HR.HCN_E_INVALID_IP);
    expect(parseHresult('2151350302')).toBe(HR.HCN_E_INVALID_IP);
    expect(parseHresult('-2143616994')).toBe(HR.HCN_E_INVALID_IP);
    expect(parseHresult('ERROR_NOT_FOUND')).toBe(toSigned(0x80070490));
    expect(() => parseHresult('nope')).toThrow(RangeError);
    expect(isFailure(0)).toBe(false);
    expect(isFailure(0x80070057)).toBe(true);
  });

  it('names codes and their messages, and falls back to hex for unknown ones', () => {
    expect(hresultName(0x803b0010)).toBe('HCN_E_NETWORK_ALREADY_EXISTS');
    expect(hresultName(HR.ERROR_TIMEOUT)).toBe('ERROR_TIMEOUT');
    expect(toUnsigned(HR.ERROR_TIMEOUT)).toBe(0x800705b4);
    expect(lookupHresult(0x800706d9)?.name).toBe('EPT_S_NOT_REGISTERED');
    expect(hresultName(0x80ab0001)).toBe('0x80AB0001');
  });

  it('writes ErrorRecords byte for byte as observed (hns-api.md §1.4)', () => {
    expect(errorRecordFor(0x803b0010)).toBe(
      '{"Success":false,"Error":"A network with this name already exists. ","ErrorCode":2151350288}',
    );
    expect(errorRecordFor(HR.E_INVALIDARG)).toBe(
      '{"Success":false,"Error":"The parameter is incorrect. ","ErrorCode":2147942487}',
    );
    expect(errorRecordFor(HR.ERROR_NOT_FOUND)).toBe(
      '{"Success":false,"Error":"Element not found. ","ErrorCode":2147943568}',
    );
    expect(errorRecordFor(HR.HCN_E_INVALID_JSON, '{{CreateWithCompartment,UnknownField}}')).toBe(
      '{"Success":false,"Error":"Invalid JSON document string. {{CreateWithCompartment,UnknownField}}","ErrorCode":2151350299}',
    );
    expect(errorRecordFor(HR.HCN_E_INVALID_IP)).toBe(
      '{"Success":false,"Error":"IP address is either invalid or not part of any configured subnet(s). ","ErrorCode":2151350302}',
    );
    expect(errorRecordFor(HR.HCN_E_ADDR_INVALID_OR_RESERVED)).toBe(
      '{"Success":false,"Error":"An address provided is invalid or reserved. ","ErrorCode":2151350319}',
    );
    expect(errorRecordFor(HR.HCN_E_REQUEST_UNSUPPORTED)).toBe(
      '{"Success":false,"Error":"The specified request is unsupported. ","ErrorCode":2151350293}',
    );
  });

  it('parses ErrorRecords and rejects other text', () => {
    expect(parseErrorRecord(errorRecordFor(HR.HCN_E_INVALID_IP))).toEqual({
      Success: false,
      Error: 'IP address is either invalid or not part of any configured subnet(s). ',
      ErrorCode: 2151350302,
    });
    expect(parseErrorRecord('not json')).toBeUndefined();
    expect(parseErrorRecord('[]')).toBeUndefined();
  });
});
