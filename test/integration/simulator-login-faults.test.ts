import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, loginBody, send } from '../support/https-client.js';

const SESSION_EXPIRED = { errorcode: 444, message: 'Session expired or killed. Please login again', severity: 'ERROR' };

describe('faults on login', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  const logIn = () => send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
  const logOut = (session: string, cookieName = 'NITRO_AUTH_TOKEN') =>
    send(sim, 'POST', '/nitro/v1/config/logout', { session, cookieName, body: { logout: {} } });

  describe('truncated', () => {
    it('sends the cookie of the session it created, which the client can use and must log out', async () => {
      sim.injectFault({ kind: 'truncated' }, { on: 'login' });
      const result = await logIn();
      expect(result.status).toBe(201);
      expect(() => JSON.parse(result.text) as unknown).toThrow(SyntaxError);
      const cookies = result.headers['set-cookie'] ?? [];
      expect(cookies).toHaveLength(1);
      const session = /^sessionid=(##[0-9A-F]{48}); path=\/nitro\/v1; Secure; HttpOnly$/.exec(cookies[0] ?? '')?.[1];
      expect(session).toBeDefined();
      expect(sim.openSessions()).toBe(1);
      expect(sim.requests()[0]).toMatchObject({ status: 201, fault: 'truncated', sessionTag: 's1' });
      expect(sim.openSessionTags()).toEqual(['s1']);

      expect((await getStat(sim, String(session))).status).toBe(200);
      expect((await logOut(String(session), 'sessionid')).status).toBe(200);
      expect(sim.openSessions()).toBe(0);
      expect(sim.openSessionTags()).toEqual([]);
    });
  });

  describe('decoy-cookie', () => {
    const decoyLogin = async () => {
      const result = await logIn();
      const [first = '', second = ''] = result.headers['set-cookie'] ?? [];
      const decoy = /^sessionid=(##[0-9A-F]{48}); path=\/nitro\/v1$/.exec(first)?.[1];
      const real = /^NITRO_AUTH_TOKEN=(##[0-9A-F]{48}); path=\/nitro\/v1; Secure; HttpOnly$/.exec(second)?.[1];
      return { result, decoy, real };
    };

    it('logs in for real, but without sessionid in the body and behind a decoy first cookie', async () => {
      sim.injectFault({ kind: 'decoy-cookie' }, { on: 'login' });
      const { result, decoy, real } = await decoyLogin();
      expect(result.status).toBe(201);
      expect(json(result)).toEqual({ errorcode: 0, message: 'Done', severity: 'NONE' });
      expect(result.headers['set-cookie']).toHaveLength(2);
      expect(decoy).toBeDefined();
      expect(real).toBeDefined();
      expect(decoy).not.toBe(real);
      expect(sim.openSessions()).toBe(1);
      expect(sim.requests()[0]).toMatchObject({ status: 201, fault: 'decoy-cookie', sessionTag: 's1' });
      expect(JSON.stringify(sim.requests())).not.toContain(String(real));
    });

    it('the decoy is no session: 401 + 444 under either cookie name, and it leaves the real session alone', async () => {
      sim.injectFault({ kind: 'decoy-cookie' }, { on: 'login' });
      const { decoy, real } = await decoyLogin();
      for (const cookieName of ['sessionid', 'NITRO_AUTH_TOKEN']) {
        const result = await send(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session: String(decoy), cookieName });
        expect(result.status).toBe(401);
        expect(json(result)).toEqual(SESSION_EXPIRED);
      }
      expect((await logOut(String(decoy), 'sessionid')).status).toBe(401);
      expect(sim.openSessions()).toBe(1);

      const both = { Cookie: `sessionid=${String(decoy)}; NITRO_AUTH_TOKEN=${String(real)}` };
      expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { headers: both })).status).toBe(200);
      expect((await getStat(sim, String(real))).status).toBe(200);
      expect((await logOut(String(real))).status).toBe(200);
      expect(sim.openSessions()).toBe(0);
      const requests = sim.requests();
      expect(requests.slice(1, 4).map((entry) => entry.sessionTag)).toEqual([undefined, undefined, undefined]);
      expect(requests.slice(4).map((entry) => [entry.path, entry.status, entry.sessionTag])).toEqual([
        ['/nitro/v1/stat/hanode', 200, 's1'],
        ['/nitro/v1/stat/protocolmptcp', 200, 's1'],
        ['/nitro/v1/config/logout', 200, 's1'],
      ]);
    });

    it("applies to logins only: injected for 'any', it waits for the next login", async () => {
      sim.injectFault({ kind: 'decoy-cookie' });
      const anonymous = await send(sim, 'GET', '/nitro/v1/stat/hanode');
      expect(anonymous.status).toBe(401);
      expect(sim.requests()[0]).not.toHaveProperty('fault');
      const { result, real } = await decoyLogin();
      expect(json(result)).not.toHaveProperty('sessionid');
      expect(real).toBeDefined();
      const normal = await logIn();
      expect(json(normal)).toHaveProperty('sessionid');
      expect(normal.headers['set-cookie']).toHaveLength(1);
    });

    it('answers a wrong password like a normal login, creating nothing', async () => {
      sim.injectFault({ kind: 'decoy-cookie' }, { on: 'login' });
      const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, 'wrong') });
      expect(result.status).toBe(401);
      expect(json(result)['errorcode']).toBe(354);
      expect(result.headers['set-cookie']).toBeUndefined();
      expect(sim.openSessions()).toBe(0);
      expect(sim.requests()[0]).not.toHaveProperty('sessionTag');
    });

    it('cannot be aimed at another call', () => {
      for (const on of ['stat', 'hanode', 'logout'] as const) {
        expect(() => sim.injectFault({ kind: 'decoy-cookie' }, { on })).toThrow(TypeError);
      }
    });
  });
});
