import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, login, loginBody, send } from '../support/https-client.js';

const PASSWORD = 'Un1que-Passw0rd!';

describe('request log', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ username: 'collector', password: PASSWORD });
  });
  afterEach(() => sim.close());

  it('records method, path, raw query, status and how each request authenticated', async () => {
    const session = await login(sim);
    await getStat(sim, session, '?args=detail:true&view=summary');
    await send(sim, 'GET', '/nitro/v1/stat/hanode', { session, cookieName: 'sessionid' });
    await send(sim, 'POST', '/nitro/v1/config/logout', { session, body: { logout: {} } });
    await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp');

    const entries = sim.requests();
    expect(entries.map(({ at: _at, ...rest }) => rest)).toEqual([
      {
        method: 'POST',
        path: '/nitro/v1/config/login',
        query: '',
        status: 201,
        sessionAuth: 'none',
        credentialHeaders: false,
        username: 'collector',
        sessionTag: 's1',
        passwordTag: 'p1',
        loginTimeout: 1800,
      },
      {
        method: 'GET',
        path: '/nitro/v1/stat/protocolmptcp',
        query: 'args=detail:true&view=summary',
        status: 200,
        sessionAuth: 'cookie',
        cookieName: 'NITRO_AUTH_TOKEN',
        credentialHeaders: false,
        sessionTag: 's1',
      },
      {
        method: 'GET',
        path: '/nitro/v1/stat/hanode',
        query: '',
        status: 200,
        sessionAuth: 'cookie',
        cookieName: 'sessionid',
        credentialHeaders: false,
        sessionTag: 's1',
      },
      {
        method: 'POST',
        path: '/nitro/v1/config/logout',
        query: '',
        status: 200,
        sessionAuth: 'cookie',
        cookieName: 'NITRO_AUTH_TOKEN',
        credentialHeaders: false,
        sessionTag: 's1',
      },
      { method: 'GET', path: '/nitro/v1/stat/protocolmptcp', query: '', status: 401, sessionAuth: 'none', credentialHeaders: false },
    ]);
    for (const entry of entries) expect(typeof entry.at).toBe('number');
  });

  it('flags credential headers sent together with a session cookie', async () => {
    const session = await login(sim);
    await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', {
      session,
      headers: { 'X-NITRO-USER': 'collector', 'X-NITRO-PASS': PASSWORD },
    });
    expect(sim.requests().at(-1)).toMatchObject({ sessionAuth: 'cookie', credentialHeaders: true, username: 'collector' });
  });

  it('never contains the password, wherever a client sent it', async () => {
    const session = await login(sim);
    await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('collector', `${PASSWORD}-wrong`) });
    await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { headers: { 'X-NITRO-USER': 'collector', 'X-NITRO-PASS': PASSWORD } });
    await getStat(sim, session, `?password=${encodeURIComponent(PASSWORD)}`);
    await send(sim, 'GET', `/nitro/v1/stat/${PASSWORD}`, { session });

    const serialized = JSON.stringify(sim.requests());
    expect(serialized).not.toContain(PASSWORD);
    expect(serialized).not.toContain(encodeURIComponent(PASSWORD));
    expect(serialized).toContain('collector');
    expect(
      sim
        .requests()
        .filter((entry) => entry.credentialsInUrl)
        .map((entry) => [entry.path, entry.query]),
    ).toEqual([
      ['/nitro/v1/stat/protocolmptcp', 'password=[REDACTED]'],
      ['/nitro/v1/stat/[REDACTED]', ''],
    ]);
  });

  it('clearRequests() empties it', async () => {
    await login(sim);
    expect(sim.requests()).toHaveLength(1);
    sim.clearRequests();
    expect(sim.requests()).toEqual([]);
  });

  it('does not record control API calls', async () => {
    await send(sim, 'GET', '/_control/sessions');
    expect(sim.requests()).toEqual([]);
  });
});
