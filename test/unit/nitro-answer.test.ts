import { describe, expect, it } from 'vitest';
import { CollectorError } from '../../lambda/errors.js';
import { readBody } from '../../lambda/nitro/body.js';
import { checkAnswer } from '../../lambda/nitro/classify.js';
import { readHaRole } from '../../lambda/nitro/ha.js';

const context = { appliance: 'adc-1', operation: 'GET stat/protocolmptcp', command: 'stat protocol mptcp' };

function classify(status: number, text: string, contentType = 'application/json'): CollectorError {
  try {
    checkAnswer(status, readBody(text, contentType), context);
  } catch (error) {
    if (error instanceof CollectorError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('reading a NITRO answer', () => {
  it('returns the body of a success', () => {
    expect(checkAnswer(200, readBody('{"errorcode":0,"message":"Done","protocolmptcp":{}}', 'application/json'), context)).toHaveProperty(
      'protocolmptcp',
    );
  });

  it('treats errorcode != 0 as an error even under HTTP 200', () => {
    const error = classify(200, '{"errorcode":278,"message":"Invalid argument","severity":"ERROR"}');
    expect(error.errorClass).toBe('appliance-error');
    expect(error.nitroErrorCode).toBe(278);
    expect(error.message).toBe('adc-1: GET stat/protocolmptcp failed (HTTP 200, NITRO errorcode 278 "Invalid argument")');
  });

  it.each([
    [401, 354, 'protocol-error'],
    [401, 355, 'protocol-error'],
    [200, 444, 'session-expired'],
    [401, 444, 'session-expired'],
    [403, 444, 'session-expired'],
    [400, 1027, 'session-expired'],
    [403, 2138, 'not-authorized'],
    [409, 445, 'session-limit'],
    [599, 1234, 'appliance-error'],
    [503, 0, 'appliance-error'],
  ])('HTTP %i with errorcode %i is %s', (status, errorcode, errorClass) => {
    const error = classify(status, JSON.stringify({ errorcode, message: 'm', severity: 'ERROR' }));
    expect(error.errorClass).toBe(errorClass);
    expect(error.message).toContain('adc-1');
  });

  it('tells a locked user on login apart from a wrong password, whatever the code, and only on login', () => {
    const login = { appliance: 'adc-1', operation: 'login' };
    const refused = (code: number, message: string) => {
      try {
        checkAnswer(401, readBody(JSON.stringify({ errorcode: code, message, severity: 'ERROR' }), 'application/json'), login);
      } catch (error) {
        return error as CollectorError;
      }
      throw new Error('expected an error');
    };
    expect(refused(354, 'Invalid username or password').message).toContain('rejected the username or password');
    for (const [code, message] of [
      [354, 'User is locked. Too many failed login attempts: try again later'],
      [1, 'User account locked out'],
    ] as const) {
      const error = refused(code, message);
      expect(error.errorClass).toBe('bad-credentials');
      expect(error.message).toContain('refused the login: the user is locked');
    }
    expect(classify(401, '{"errorcode":1,"message":"locked"}').errorClass).toBe('appliance-error');
  });

  it('takes a credential code on a stat request (the login was accepted) as a protocol error, not a rejected password', () => {
    for (const status of [200, 401]) {
      const error = classify(status, '{"errorcode":354,"message":"Invalid username or password","severity":"ERROR"}');
      expect(error.errorClass).toBe('protocol-error');
      expect(error.nitroErrorCode).toBe(354);
    }
  });

  it('explains which command policy a 403 needs', () => {
    expect(classify(403, '{"errorcode":2138,"message":"Not authorized to execute this command"}').message).toContain(
      'bind the user to a command policy that allows "stat protocol mptcp" (e.g. ALLOW "^stat\\s+protocol\\s+mptcp")',
    );
    expect(classify(403, '{}').errorClass).toBe('not-authorized');
  });

  it('gives distinct protocol errors for HTML, truncated, non-JSON, empty and envelope-less bodies', () => {
    expect(classify(502, '<html><body>Bad gateway</body></html>', 'text/html').message).toContain('an HTML page instead of NITRO JSON');
    expect(classify(200, '{"errorcode":0,"protocolmptcp":{"mptcptotsfconn":"12').message).toContain('a truncated JSON body (52 bytes');
    expect(classify(200, 'Service Unavailable').message).toContain('a body that is not JSON: "Service Unavailable"');
    expect(classify(200, '').message).toContain('an empty body');
    expect(classify(200, '{"protocolmptcp":{}}').message).toContain('JSON that is not a NITRO answer');
    for (const text of ['<html>', '{"a":', 'nope', '', '{}']) expect(classify(200, text).errorClass).toBe('protocol-error');
  });
});

describe('reading the HA role (stat/hanode)', () => {
  const role = (hanode: Record<string, unknown>) => readHaRole({ hanode: [hanode] }, 'adc-1');
  const deep = (inner: string) => JSON.parse(`${'['.repeat(100_000)}${inner}${']'.repeat(100_000)}`) as unknown;

  function roleError(hanode: Record<string, unknown>): CollectorError {
    try {
      role(hanode);
    } catch (error) {
      if (error instanceof CollectorError) return error;
      throw error;
    }
    throw new Error('expected an error');
  }

  it('tells standalone, primary and not-primary apart', () => {
    expect(role({ hacurstatus: 'NO', hacurmasterstate: 'Primary' })).toEqual({ role: 'standalone' });
    expect(role({ hacurstatus: ' yes ', hacurmasterstate: 'Primary' })).toEqual({ role: 'primary' });
    expect(role({ hacurstatus: 'YES', hacurmasterstate: 'Secondary' })).toEqual({ role: 'not-primary', state: 'Secondary' });
    expect(role({ hacurstatus: 'YES' })).toEqual({ role: 'not-primary', state: 'unknown' });
  });

  it('reports a hacurstatus nested 100,000 levels deep, or one without a usable toString, as a protocol error', () => {
    const error = roleError({ hacurstatus: deep('"YES"'), hacurmasterstate: 'Primary' });
    expect(error.errorClass).toBe('protocol-error');
    expect(error.message).toBe(`adc-1: GET stat/hanode has hacurstatus ${'['.repeat(39)}…, expected YES or NO`);
    expect(roleError({ hacurstatus: { toString: 1 } }).message).toBe(
      'adc-1: GET stat/hanode has hacurstatus {"toString":1}, expected YES or NO',
    );
    expect(roleError({}).message).toBe('adc-1: GET stat/hanode has hacurstatus null, expected YES or NO');
  });

  it('keeps a deeply nested hacurmasterstate short', () => {
    expect(role({ hacurstatus: 'YES', hacurmasterstate: deep('"Primary"') })).toEqual({ role: 'not-primary', state: `${'['.repeat(39)}…` });
  });
});
