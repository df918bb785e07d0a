import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RequestLogEntry, type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login, loginBody, send } from '../support/https-client.js';

const logOut = (sim: Simulator, session: string) => send(sim, 'POST', '/nitro/v1/config/logout', { session, body: { logout: {} } });

/** What a leak check does: the sessions logins opened that no successful logout closed. */
function notLoggedOut(requests: readonly RequestLogEntry[]): string[] {
  const opened = requests.filter((entry) => entry.path === '/nitro/v1/config/login' && entry.sessionTag !== undefined);
  const loggedOut = requests.filter((entry) => entry.path === '/nitro/v1/config/logout' && entry.status === 200);
  const closed = new Set(loggedOut.map((entry) => entry.sessionTag));
  return opened.map((entry) => String(entry.sessionTag)).filter((tag) => !closed.has(tag));
}

describe('session tags', () => {
  let now: number;
  let sim: Simulator;
  beforeEach(async () => {
    now = 1_700_000_000_000;
    sim = await startSimulator({ sessionLimit: 3, clock: () => now });
  });
  afterEach(() => sim.close());

  it('tags each new session s1, s2, ... in the login entry, never with anything of its id', async () => {
    const first = await login(sim);
    const second = await login(sim);
    expect(sim.requests().map((entry) => entry.sessionTag)).toEqual(['s1', 's2']);
    expect(sim.openSessionTags()).toEqual(['s1', 's2']);
    const serialized = JSON.stringify(sim.requests());
    for (const id of [first, second]) {
      expect(serialized).not.toContain(id);
      expect(serialized).not.toContain(id.slice(2, 10));
    }
  });

  it('tags every later request by the session cookie it presents, also once that session has ended', async () => {
    const session = await login(sim);
    await getStat(sim, session);
    await send(sim, 'GET', '/nitro/v1/stat/hanode', { session, cookieName: 'sessionid' });
    await logOut(sim, session);
    const afterLogout = await getStat(sim, session);
    expect(afterLogout.status).toBe(401);
    expect(sim.requests().map((entry) => [entry.path, entry.status, entry.sessionTag])).toEqual([
      ['/nitro/v1/config/login', 201, 's1'],
      ['/nitro/v1/stat/protocolmptcp', 200, 's1'],
      ['/nitro/v1/stat/hanode', 200, 's1'],
      ['/nitro/v1/config/logout', 200, 's1'],
      ['/nitro/v1/stat/protocolmptcp', 401, 's1'],
    ]);
  });

  it('keeps the tag of an expired, killed or rebooted-away session', async () => {
    const expiring = await login(sim, 60);
    now += 61_000;
    expect(sim.openSessionTags()).toEqual([]);
    await getStat(sim, expiring);
    const killed = await login(sim);
    sim.killSessions();
    await logOut(sim, killed);
    const rebooted = await login(sim);
    sim.reboot();
    await getStat(sim, rebooted);
    expect(sim.requests().map((entry) => [entry.status, entry.sessionTag])).toEqual([
      [201, 's1'],
      [401, 's1'],
      [201, 's2'],
      [401, 's2'],
      [201, 's3'],
      [401, 's3'],
    ]);
  });

  it('tags nothing that is no session of this simulator, and no login that created none', async () => {
    await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp');
    await getStat(sim, '##0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF');
    await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { headers: { 'X-NITRO-USER': sim.username, 'X-NITRO-PASS': sim.password } });
    await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, 'wrong') });
    await send(sim, 'POST', '/nitro/v1/config/login', { body: '{}' });
    sim.injectFault({ kind: 'no-resource-key' }, { on: 'login' });
    await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    for (let i = 0; i < 3; i += 1) await login(sim);
    const refused = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(json(refused)['errorcode']).toBe(445);
    const none = undefined;
    expect(sim.requests().map((entry) => entry.sessionTag)).toEqual([none, none, none, none, none, none, 's1', 's2', 's3', none]);
    expect(
      sim
        .requests()
        .slice(0, 6)
        .every((entry) => !('sessionTag' in entry)),
    ).toBe(true);
  });

  it('never reuses a tag, and counts per simulator', async () => {
    await login(sim);
    sim.reboot();
    await login(sim);
    expect(sim.openSessionTags()).toEqual(['s2']);
    const other = await startSimulator();
    try {
      await login(other);
      expect(other.openSessionTags()).toEqual(['s1']);
    } finally {
      await other.close();
    }
  });

  it('lets a test prove which sessions a client left open, and see a logout that was tried and failed', async () => {
    const kept = await login(sim);
    const leaked = await login(sim);
    const failing = await login(sim);
    await logOut(sim, kept);
    sim.injectFault({ kind: 'nitro-error', status: 503, errorcode: 446, message: 'busy' }, { on: 'logout' });
    await logOut(sim, failing);
    expect(leaked).not.toBe(kept);

    expect(notLoggedOut(sim.requests())).toEqual(['s2', 's3']);
    expect(sim.openSessionTags()).toEqual(['s2', 's3']);
    const attempted = sim.requests().filter((entry) => entry.path === '/nitro/v1/config/logout' && entry.sessionTag === 's3');
    expect(attempted.map((entry) => entry.status)).toEqual([503]);
  });

  it('are served by GET /_control/sessions', async () => {
    await login(sim);
    const second = await login(sim);
    await logOut(sim, second);
    expect(json(await send(sim, 'GET', '/_control/sessions'))).toEqual({ open: 1, maxConcurrent: 2, logins: 2, tags: ['s1'] });
  });
});
