import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CollectorError } from '../../lambda/errors.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { NitroClient, type NitroTarget } from '../../lambda/nitro/client.js';
import { generateUntrustedCa, type Simulator, startSimulator } from '../../simulator/index.js';

let sim: Simulator;
let untrustedCa: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 7 });
  untrustedCa = await generateUntrustedCa();
});
afterAll(async () => sim.close());
afterEach(() => {
  // No test may ever leave a session open on the appliance, nor send a query string (clearstats).
  expect(sim.openSessions()).toBe(0);
  expect(sim.requests().filter((r) => r.query !== '')).toEqual([]);
  expect(sim.requests().some((r) => r.credentialHeaders)).toBe(false);
  sim.clearFaults();
  sim.clearRequests();
});

const credentials = () => ({ username: sim.username, password: sim.password });
const target = (overrides: Partial<NitroTarget> = {}): NitroTarget => ({
  name: 'adc-test',
  url: sim.url,
  caCertificate: sim.caCertificate,
  ...overrides,
});

async function readStat(t: NitroTarget = target(), options: { signal?: AbortSignal; password?: string } = {}) {
  const logger = createMemoryLogger();
  const client = new NitroClient(t, { logger, signal: options.signal, requestTimeoutMs: 5_000 });
  try {
    const answer = await client.withSession({ ...credentials(), ...(options.password && { password: options.password }) }, (session) =>
      session.getStat('protocolmptcp'),
    );
    return { answer, logger };
  } finally {
    await client.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<CollectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CollectorError);
  expect((error as CollectorError).message).toContain('adc-test');
  return error as CollectorError;
}

const paths = () => sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`);

describe('NITRO client over real TLS', () => {
  it('logs in, reads stat/protocolmptcp with the session cookie, and logs out', async () => {
    const { answer } = await readStat();
    expect(answer.errorcode).toBe(0);
    expect(answer).toHaveProperty('protocolmptcp.mptcptotmpcapsession');
    expect(paths()).toEqual([
      'POST /nitro/v1/config/login 201',
      'GET /nitro/v1/stat/protocolmptcp 200',
      'POST /nitro/v1/config/logout 200',
    ]);
    expect(sim.requests()[1]).toMatchObject({ sessionAuth: 'cookie', cookieName: 'NITRO_AUTH_TOKEN' });
  });

  it('verifies the certificate against the configured CA and the TLS server name', async () => {
    await readStat(target({ url: `https://localhost:${sim.port}` }));
    await readStat(target({ tlsServerName: 'adc.simulator.test' }));
    const wrongName = await failure(readStat(target({ tlsServerName: 'adc.other.test' })));
    expect(wrongName.errorClass).toBe('transport-error');
    expect(wrongName.message).toContain('Set "tlsServerName" to a name the certificate carries');
  });

  it('refuses an appliance whose certificate is not signed by the configured CA, with a hint about the CA', async () => {
    for (const caCertificate of [untrustedCa, undefined]) {
      const error = await failure(readStat(target({ caCertificate })));
      expect(error.errorClass).toBe('transport-error');
      expect(error.message).toMatch(
        /TLS verification failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_SIGNATURE_FAILURE)\)/,
      );
      expect(error.message).toContain('"caCertificate"');
    }
    expect(sim.requests()).toEqual([]);
  });

  it('skips verification only on explicit opt-in, and warns about it', async () => {
    const { logger } = await readStat(target({ caCertificate: undefined, insecureSkipVerify: true }));
    expect(logger.lines.join('\n')).toContain('TLS certificate verification is OFF for this appliance (insecureSkipVerify)');
  });

  it('refuses plain http:// without the explicit opt-in', async () => {
    const error = await failure(readStat(target({ url: `http://127.0.0.1:${sim.port}` })));
    expect(error.errorClass).toBe('configuration');
  });

  it('stops at bad credentials (354) without retrying', async () => {
    const error = await failure(readStat(target(), { password: 'wrong-password' }));
    expect(error.errorClass).toBe('bad-credentials');
    expect(error.nitroErrorCode).toBe(354);
    expect(error.message).not.toContain('wrong-password');
    expect(paths()).toEqual(['POST /nitro/v1/config/login 401']);
  });

  it('treats a refused login (HTTP 401) whose answer was cut off as a rejected password: one login, never a retry (regression: the soak saw it tried every minute)', async () => {
    sim.injectFault({ kind: 'truncated' }, { on: 'login' });
    const error = await failure(readStat(target(), { password: 'wrong-password' }));
    expect(error.errorClass).toBe('bad-credentials');
    expect(error.message).toMatch(/refused with HTTP 401 and a truncated JSON body .*most likely a rejected username or password/);
    expect(paths()).toEqual(['POST /nitro/v1/config/login 401']);
    expect(sim.loginRefusals().failedLogins).toBeGreaterThan(0);
  });

  it('treats a refused login (HTTP 401) whose answer never came whole (dripping past its time limit) as a rejected password', async () => {
    sim.injectFault({ kind: 'drip', intervalMs: 50, bytes: 1 }, { on: 'login' });
    const client = new NitroClient(target(), { logger: createMemoryLogger(), requestTimeoutMs: 400 });
    try {
      const error = await failure(
        client.withSession({ ...credentials(), password: 'wrong-password' }, (session) => session.getStat('protocolmptcp')),
      );
      expect(error.errorClass).toBe('bad-credentials');
      expect(error.message).toMatch(/refused with HTTP 401 and no whole answer/);
    } finally {
      await client.close();
    }
    expect(paths()).toEqual(['POST /nitro/v1/config/login 401']);
  });

  it.each([200, 401, 403])(
    'logs in again once when the session expired (444 under HTTP %i), logging the old session out first',
    async (status) => {
      sim.injectFault({ kind: 'session-expired', status }, { on: 'stat' });
      const { answer } = await readStat();
      expect(answer.errorcode).toBe(0);
      expect(paths()).toEqual([
        'POST /nitro/v1/config/login 201',
        `GET /nitro/v1/stat/protocolmptcp ${status}`,
        'POST /nitro/v1/config/logout 401',
        'POST /nitro/v1/config/login 201',
        'GET /nitro/v1/stat/protocolmptcp 200',
        'POST /nitro/v1/config/logout 200',
      ]);
    },
  );

  it('logs out the old session after a 444 that did not end it (regression: it stayed open)', async () => {
    sim.injectFault({ kind: 'session-expired', status: 401, keepSession: true }, { on: 'stat' });
    const { answer } = await readStat();
    expect(answer.errorcode).toBe(0);
    const [first, , oldLogout, , , lastLogout] = sim.requests();
    expect(oldLogout).toMatchObject({ path: '/nitro/v1/config/logout', status: 200, sessionTag: first!.sessionTag });
    expect(lastLogout).toMatchObject({ path: '/nitro/v1/config/logout', status: 200 });
    expect(sim.openSessionTags()).toEqual([]);
  });

  it.each(['truncated', 'not-json'] as const)(
    'logs out a session whose login answer was unusable (%s) but carried its cookie (regression)',
    async (kind) => {
      sim.injectFault(kind === 'truncated' ? { kind } : { kind: 'text', status: 201, contentType: 'application/json', body: 'Done?' }, {
        on: 'login',
      });
      const error = await failure(readStat());
      expect(error.errorClass).toBe('protocol-error');
      const login = sim.requests()[0]!;
      if (kind === 'truncated') {
        expect(login.sessionTag).toBeDefined();
        expect(sim.requests()[1]).toMatchObject({ path: '/nitro/v1/config/logout', status: 200, sessionTag: login.sessionTag });
      }
      expect(sim.openSessionTags()).toEqual([]);
    },
  );

  it('uses NITRO_AUTH_TOKEN when a decoy sessionid cookie comes first, and logs that session out (regression)', async () => {
    sim.injectFault({ kind: 'decoy-cookie' }, { on: 'login' });
    const { answer } = await readStat();
    expect(answer.errorcode).toBe(0);
    expect(paths()).toEqual([
      'POST /nitro/v1/config/login 201',
      'GET /nitro/v1/stat/protocolmptcp 200',
      'POST /nitro/v1/config/logout 200',
    ]);
    expect(sim.openSessionTags()).toEqual([]);
  });

  it.each([
    ['long', `${'Aa1-'.repeat(12)}x`],
    ['unicode', 'pässwörd-ÄÖÜ-密码-🔑-long-enough'],
    ['newline', 'first line\nsecond "quoted" \\ line'],
  ])('never lets an appliance echo a %s password back into an error message, however it is excerpted', async (_kind, password) => {
    const redactor = new Redactor();
    redactor.add(password);
    sim.injectFault(
      {
        kind: 'text',
        status: 500,
        body: `ERROR: login for nsroot-reader with password ${password} refused; details follow ${'.'.repeat(60)}`,
      },
      { on: 'stat' },
    );
    const client = new NitroClient(target(), { logger: createMemoryLogger('DEBUG', redactor), scrub: (text) => redactor.scrub(text) });
    try {
      const error = await failure(client.withSession(credentials(), (session) => session.getStat('protocolmptcp')));
      expect(error.message).toContain('[REDACTED]');
      for (let i = 0; i + 8 <= password.length; i++) expect(error.message).not.toContain(password.slice(i, i + 8));
    } finally {
      await client.close();
    }
  });

  it('logs out the session of a login whose answer drips in past its time limit (the cookie came with the headers)', async () => {
    sim.injectFault({ kind: 'drip', intervalMs: 50, bytes: 1 }, { on: 'login' });
    const client = new NitroClient(target(), { logger: createMemoryLogger(), requestTimeoutMs: 400 });
    try {
      expect((await failure(client.withSession(credentials(), (session) => session.getStat('protocolmptcp')))).errorClass).toBe('timeout');
    } finally {
      await client.close();
    }
    const [login, logout] = sim.requests();
    expect(login?.sessionTag).toBeDefined();
    expect(logout).toMatchObject({ path: '/nitro/v1/config/logout', status: 200, sessionTag: login?.sessionTag });
  });

  it('ends a request whose body drips in within its total time limit, though the body never goes idle, and still logs out', async () => {
    sim.injectFault({ kind: 'drip', intervalMs: 50, bytes: 1 }, { on: 'stat' });
    const client = new NitroClient(target(), { logger: createMemoryLogger(), requestTimeoutMs: 700 });
    const started = Date.now();
    try {
      const error = await failure(client.withSession(credentials(), (session) => session.getStat('protocolmptcp')));
      expect(error.errorClass).toBe('timeout');
      expect(error.message).toContain('did not finish within 700 ms (headers and whole body)');
    } finally {
      await client.close();
    }
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(paths().at(-1)).toBe('POST /nitro/v1/config/logout 200');
  });

  it('gives up after one fresh login when the session keeps expiring', async () => {
    sim.injectFault({ kind: 'session-expired', status: 401 }, { on: 'stat', times: 2 });
    const error = await failure(readStat());
    expect(error.errorClass).toBe('session-expired');
    expect(sim.requests().filter((r) => r.path.endsWith('/login'))).toHaveLength(2);
  });

  it('reports a missing permission with the command policy it needs, and still logs out', async () => {
    sim.injectFault({ kind: 'not-authorized' }, { on: 'stat' });
    const error = await failure(readStat());
    expect(error.errorClass).toBe('not-authorized');
    expect(error.nitroErrorCode).toBe(2138);
    expect(error.message).toContain('"stat protocol mptcp"');
    expect(paths().at(-1)).toBe('POST /nitro/v1/config/logout 200');
  });

  it.each([
    [
      { kind: 'nitro-error', status: 599, errorcode: 1234, message: 'Internal error' },
      'appliance-error',
      'HTTP 599, NITRO errorcode 1234 "Internal error"',
    ],
    [{ kind: 'nitro-error', status: 200, errorcode: 278, message: 'Invalid argument' }, 'appliance-error', 'HTTP 200, NITRO errorcode 278'],
    [{ kind: 'html', status: 502 }, 'protocol-error', 'an HTML page instead of NITRO JSON'],
    [{ kind: 'not-json' }, 'protocol-error', 'a body that is not JSON'],
    [{ kind: 'truncated' }, 'protocol-error', 'a truncated JSON body'],
    [{ kind: 'reset' }, 'transport-error', 'GET stat/protocolmptcp to https://127.0.0.1'],
  ] as const)('classifies %j on the stat call as %s, and still logs out', async (fault, errorClass, text) => {
    sim.injectFault(fault, { on: 'stat' });
    const error = await failure(readStat());
    expect(error.errorClass).toBe(errorClass);
    expect(error.message).toContain(text);
    expect(paths().at(-1)).toBe('POST /nitro/v1/config/logout 200');
  });

  it('reports the session limit (445) on login', async () => {
    sim.injectFault({ kind: 'nitro-error', status: 409, errorcode: 445, message: 'Session limit exceeded' }, { on: 'login' });
    const error = await failure(readStat());
    expect(error.errorClass).toBe('session-limit');
  });

  it('gives a protocol error for a login answer without a session id', async () => {
    sim.injectFault({ kind: 'no-resource-key' }, { on: 'login' });
    expect((await failure(readStat())).message).toContain('login succeeded but the answer has no sessionid');
  });

  it('stops at the time budget, and still logs out', async () => {
    sim.injectFault({ kind: 'hang' }, { on: 'stat' });
    const error = await failure(readStat(target(), { signal: AbortSignal.timeout(300) }));
    expect(error.errorClass).toBe('timeout');
    expect(paths().at(-1)).toBe('POST /nitro/v1/config/logout 200');
  });

  it('a logout that fails is a warning, not a failed collection', async () => {
    sim.injectFault({ kind: 'nitro-error', status: 500, errorcode: 1, message: 'boom' }, { on: 'logout' });
    const { logger } = await readStat();
    expect(logger.lines.join('\n')).toContain('logout failed; the session ends by itself after 300 s idle');
    sim.killSessions();
  });

  it('cannot be made to send a query string (such as args=clearstats:full) or read another resource', async () => {
    const client = new NitroClient(target(), { logger: createMemoryLogger() });
    try {
      const attempt = client.withSession(credentials(), (session) =>
        session.getStat('protocolmptcp?args=clearstats:full' as 'protocolmptcp'),
      );
      await expect(attempt).rejects.toThrow('"protocolmptcp?args=clearstats:full" is not a stat resource this client reads');
    } finally {
      await client.close();
    }
    expect(paths()).toEqual(['POST /nitro/v1/config/login 201', 'POST /nitro/v1/config/logout 200']);
  });

  it('reports a refused connection and a failed DNS lookup as transport errors', async () => {
    const closed = await startSimulator();
    const port = closed.port;
    await closed.close();
    const refused = await failure(readStat(target({ url: `https://127.0.0.1:${port}` })));
    expect(refused.message).toContain('connection refused');
    const dns = await failure(readStat(target({ url: 'https://adc.does-not-exist.invalid' })));
    expect(dns.errorClass).toBe('transport-error');
    expect(dns.message).toMatch(/DNS lookup failed|failed:/);
  });
});
