import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateUntrustedCa, type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login, loginBody, send } from '../support/https-client.js';

const SESSION_EXPIRED = { errorcode: 444, message: 'Session expired or killed. Please login again', severity: 'ERROR' };

describe('TLS', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  it('serves on 127.0.0.1 with a certificate that verifies against the generated CA only', async () => {
    expect(sim.url).toBe(`https://127.0.0.1:${sim.port}`);
    expect(sim.caCertificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const trusted = await send(sim, 'GET', '/nitro/v1/stat/hanode');
    expect(trusted.status).toBe(401);

    await expect(send(sim, 'GET', '/nitro/v1/stat/hanode', { ca: null })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    const otherCa = await generateUntrustedCa();
    expect(otherCa).not.toBe(sim.caCertificate);
    await expect(send(sim, 'GET', '/nitro/v1/stat/hanode', { ca: otherCa })).rejects.toMatchObject({
      code: 'CERT_SIGNATURE_FAILURE',
    });
  });

  it('has the SANs localhost, adc.simulator.test and 127.0.0.1, and no other name', async () => {
    for (const servername of [sim.serverName, 'adc.simulator.test']) {
      expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { servername })).status).toBe(401);
    }
    await expect(send(sim, 'GET', '/nitro/v1/stat/hanode', { servername: 'adc.example.com' })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('shares key material between simulators but gives each its own port', async () => {
    const second = await startSimulator();
    try {
      expect(second.caCertificate).toBe(sim.caCertificate);
      expect(second.port).not.toBe(sim.port);
    } finally {
      await second.close();
    }
  });
});

describe('login, stat and logout', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ sessionLimit: 3 });
  });
  afterEach(() => sim.close());

  it('logs in with 201, a session id in the body and a sessionid cookie', async () => {
    const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('nsroot-reader', 'sim-Kx7-moon-4711') });
    expect(result.status).toBe(201);
    expect(result.headers['content-type']).toBe('application/json');
    const body = json(result);
    expect(body).toMatchObject({ errorcode: 0, message: 'Done', severity: 'NONE' });
    const sessionId = body['sessionid'];
    expect(typeof sessionId).toBe('string');
    expect(result.headers['set-cookie']).toEqual([`sessionid=${String(sessionId)}; path=/nitro/v1; Secure; HttpOnly`]);
    expect(sim.openSessions()).toBe(1);
  });

  it('accepts the session as NITRO_AUTH_TOKEN or sessionid cookie, and ends it on logout', async () => {
    const session = await login(sim);
    expect((await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session, cookieName: 'NITRO_AUTH_TOKEN' })).status).toBe(200);
    expect((await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session, cookieName: 'sessionid' })).status).toBe(200);

    const logout = await send(sim, 'POST', '/nitro/v1/config/logout', { session, body: { logout: {} } });
    expect(logout.status).toBe(200);
    expect(json(logout)).toEqual({ errorcode: 0, message: 'Done', severity: 'NONE' });
    expect(sim.openSessions()).toBe(0);

    const after = await getStat(sim, session);
    expect(after.status).toBe(401);
    expect(json(after)).toEqual(SESSION_EXPIRED);
  });

  it('sets the NITRO_AUTH_TOKEN cookie when configured like old firmware', async () => {
    const old = await startSimulator({ cookieName: 'NITRO_AUTH_TOKEN' });
    try {
      const result = await send(old, 'POST', '/nitro/v1/config/login', { body: loginBody(old.username, old.password) });
      expect(result.headers['set-cookie']?.[0]).toMatch(/^NITRO_AUTH_TOKEN=##[0-9A-F]+; path=\/nitro\/v1; Secure; HttpOnly$/);
    } finally {
      await old.close();
    }
  });

  it('rejects bad credentials with 401 and errorcode 354, creating no session', async () => {
    const wrongPassword = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('nsroot-reader', 'nope') });
    expect(wrongPassword.status).toBe(401);
    expect(json(wrongPassword)).toEqual({ errorcode: 354, message: 'Invalid username or password', severity: 'ERROR' });
    const wrongUser = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('nsroot', 'sim-Kx7-moon-4711') });
    expect(json(wrongUser)['errorcode']).toBe(354);
    expect(sim.openSessions()).toBe(0);
  });

  it('follows setCredentials', async () => {
    sim.setCredentials('collector', 'rotated-secret');
    expect(sim.username).toBe('collector');
    const old = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('nsroot-reader', 'sim-Kx7-moon-4711') });
    expect(old.status).toBe(401);
    const fresh = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('collector', 'rotated-secret') });
    expect(fresh.status).toBe(201);
  });

  it('answers 400 + 278 to a login body that is not a login', async () => {
    const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: '{"username":"nsroot-reader"}' });
    expect(result.status).toBe(400);
    expect(json(result)['errorcode']).toBe(278);
  });

  it('answers 401 + 444 without a session or with an unknown one', async () => {
    const none = await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp');
    expect(none.status).toBe(401);
    expect(json(none)).toEqual(SESSION_EXPIRED);
    const unknown = await getStat(sim, '##0123456789ABCDEF');
    expect(unknown.status).toBe(401);
    expect(json(unknown)).toEqual(SESSION_EXPIRED);
  });

  it('refuses logins beyond the session limit with 409 + 445, and counts sessions', async () => {
    const sessions = [await login(sim), await login(sim), await login(sim)];
    expect(sim.openSessions()).toBe(3);
    const refused = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(refused.status).toBe(409);
    expect(json(refused)).toEqual({ errorcode: 445, message: 'Session limit exceeded', severity: 'ERROR' });

    await send(sim, 'POST', '/nitro/v1/config/logout', { session: sessions[0], body: { logout: {} } });
    expect(sim.openSessions()).toBe(2);
    await login(sim);
    expect(sim.openSessions()).toBe(3);
    expect(sim.maxConcurrentSessions()).toBe(3);
  });

  it('defaults to a limit of 20 sessions', async () => {
    const roomy = await startSimulator();
    try {
      for (let i = 0; i < 20; i += 1) await login(roomy);
      const refused = await send(roomy, 'POST', '/nitro/v1/config/login', { body: loginBody(roomy.username, roomy.password) });
      expect(json(refused)['errorcode']).toBe(445);
      expect(roomy.maxConcurrentSessions()).toBe(20);
    } finally {
      await roomy.close();
    }
  });

  it('accepts X-NITRO-USER / X-NITRO-PASS per request without opening a session', async () => {
    const headers = { 'X-NITRO-USER': sim.username, 'X-NITRO-PASS': sim.password };
    const ok = await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { headers });
    expect(ok.status).toBe(200);
    expect(sim.openSessions()).toBe(0);
    const bad = await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { headers: { ...headers, 'X-NITRO-PASS': 'wrong' } });
    expect(bad.status).toBe(401);
    expect(json(bad)['errorcode']).toBe(354);
    expect(sim.requests().map((entry) => [entry.sessionAuth, entry.username, entry.status])).toEqual([
      ['headers', sim.username, 200],
      ['headers', sim.username, 401],
    ]);
  });

  it('drops every session on reboot and on killSessions', async () => {
    const first = await login(sim);
    sim.reboot();
    expect(sim.openSessions()).toBe(0);
    expect((await getStat(sim, first)).status).toBe(401);
    const second = await login(sim);
    sim.killSessions();
    expect(json(await getStat(sim, second))['errorcode']).toBe(444);
  });

  it('answers 404 + 258 for anything else', async () => {
    const session = await login(sim);
    for (const [method, path] of [
      ['GET', '/nitro/v1/stat/protocoltcp'],
      ['GET', '/nitro/v1/config/login'],
      ['POST', '/nitro/v1/stat/protocolmptcp'],
      ['GET', '/'],
    ] as const) {
      const result = await send(sim, method, path, { session });
      expect(result.status).toBe(404);
      expect(json(result)).toEqual({ errorcode: 258, message: 'No such resource', severity: 'ERROR' });
    }
  });
});

describe('session expiry', () => {
  it('expires a session after its timeout of inactivity, each request restarting the timer', async () => {
    let now = 1_700_000_000_000;
    const sim = await startSimulator({ clock: () => now });
    try {
      const session = await login(sim, 60);
      now += 59_000;
      expect((await getStat(sim, session)).status).toBe(200);
      now += 59_000;
      expect((await getStat(sim, session)).status).toBe(200);
      expect(sim.openSessions()).toBe(1);
      now += 60_000;
      expect(sim.openSessions()).toBe(0);
      expect(json(await getStat(sim, session))).toEqual(SESSION_EXPIRED);
    } finally {
      await sim.close();
    }
  });

  it('uses a 1800 s timeout when the login gives none', async () => {
    let now = 1_700_000_000_000;
    const sim = await startSimulator({ clock: () => now });
    try {
      const result = await send(sim, 'POST', '/nitro/v1/config/login', {
        body: { login: { username: sim.username, password: sim.password } },
      });
      const session = String(json(result)['sessionid']);
      now += 1_799_000;
      expect((await getStat(sim, session)).status).toBe(200);
      now += 1_800_000;
      expect((await getStat(sim, session)).status).toBe(401);
    } finally {
      await sim.close();
    }
  });
});
