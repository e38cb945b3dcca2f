// Secrets never leave through an error or the log: values registered as secret, and the shapes secrets come in
// (a kubeconfig line in a YAML error, an Authorization header echoed by a server, a PEM key, a JWT, a password in a
// URL, a `password=` on a delegate's stderr).
import { afterEach, describe, expect, it } from 'vitest';
import { toErrorReply } from '../../../../src/cni/error-reply.js';
import { CniError } from '../../../../src/cni/errors.js';
import { type LogRecord, log, resetLogForTests, useWriter } from '../../../../src/log/logger.js';
import {
  forgetSecretsForTests,
  redactDeep,
  redactSecrets,
  registerSecret,
  registerSecretsIn,
} from '../../../../src/log/redact.js';

afterEach(() => forgetSecretsForTests());

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----';

describe('redactSecrets', () => {
  it.each([
    [
      'a kubeconfig line quoted by js-yaml',
      ' 6 |     token: SECRETTOKEN123456\n 7 |    bad: [indent',
      'SECRETTOKEN123456',
    ],
    ['a flow-style user', '  user: {token: abc.def-123456, username: me}', 'abc.def-123456'],
    ['JSON', '{"password":"hunter2 with spaces","user":"me"}', 'hunter2 with spaces'],
    ['an env line', 'CLIENT_SECRET=s3cr3t-value;next=1', 's3cr3t-value'],
    ['client-key-data', 'client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==', 'LS0tLS1CRUdJTi'],
    ['an Authorization header', 'Headers: {"authorization":"Bearer sha256~abcdefghijklmnop"}', 'abcdefghijklmnop'],
    ['a bearer token in prose', 'request with Bearer 0123456789abcdef failed', '0123456789abcdef'],
    ['a JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2RlIn0.c2lnbmF0dXJl rejected', 'eyJzdWIiOiJub2RlIn0'],
    ['a PEM private key', `key:\n${PEM}\nend`, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo'],
    ['a password in a URL', 'proxy https://admin:pa55word@proxy.example.com:3128 refused', 'pa55word'],
  ])('%s', (_what, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED');
  });

  it('leaves ordinary text alone', () => {
    const text = 'HcnCreateEndpoint failed: HCN_E_INVALID_IP (0x803B001E) IP address is invalid; subnet 10.244.3.0/24';
    expect(redactSecrets(text)).toBe(text);
    expect(redactSecrets('tokens: 3 handed out; token bucket empty')).toBe('tokens: 3 handed out; token bucket empty');
  });

  it('replaces registered secrets wherever they appear, and values under secret keys of a document', () => {
    registerSecret('plain-looking-value');
    registerSecretsIn({ ipam: { type: 'corp-ipam', apiKey: 'k-12345', nested: [{ password: 'pw-67890' }] } });
    const out = redactSecrets('server said: plain-looking-value k-12345 (pw-67890)');
    expect(out).toBe('server said: [REDACTED] [REDACTED] ([REDACTED])');
  });

  it('redactDeep walks objects and replaces values under secret keys', () => {
    expect(redactDeep({ a: ['Bearer abcdefghij'], token: 'short', nested: { Password: 42 } })).toEqual({
      a: ['Bearer [REDACTED]'],
      token: '[REDACTED]',
      nested: { Password: '[REDACTED]' },
    });
  });
});

describe('where text leaves', () => {
  it('the CNI error reply (stdout, pod events)', () => {
    registerSecret('SECRET-TOKEN-XYZ');
    const reply = toErrorReply(new CniError(7, 'kubeconfig: token: SECRET-TOKEN-XYZ', `body ${PEM}`), '1.0.0');
    expect(JSON.stringify(reply)).not.toMatch(/SECRET-TOKEN-XYZ|MIIEow/);
    expect(toErrorReply(new Error('Bearer abcdefghijkl'), '1.0.0').msg).toBe('internal error: Bearer [REDACTED]');
  });

  it('the log: message and fields, errors included', () => {
    const lines: LogRecord[] = [];
    resetLogForTests();
    useWriter({ write: (r) => lines.push(r), close: async () => {} });
    registerSecret('registered-secret-1');
    log.warn('failed with token: tok-abcdef', {
      error: new Error('registered-secret-1 in a message'),
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    resetLogForTests();
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/tok-abcdef|registered-secret-1|dXNlcjpwYXNz/);
    expect(lines[0]?.msg).toBe('failed with token: [REDACTED]');
  });
});
