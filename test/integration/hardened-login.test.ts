import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../simulator/index.js';
import { getStat, json, send } from '../support/https-client.js';

describe('a hardened appliance: restrictedTimeout and an account lockout policy', () => {
  let sim: Simulator;
  let now = Date.UTC(2026, 0, 1);
  afterEach(() => sim.close());
  const start = async (options: SimulatorOptions) => {
    now = Date.UTC(2026, 0, 1);
    sim = await startSimulator({ clock: () => now, ...options });
  };
  const logIn = (login: Record<string, unknown>) => send(sim, 'POST', '/nitro/v1/config/login', { body: { login } });
  const credentials = () => ({ username: sim.username, password: sim.password });

  describe('restrictedTimeout', () => {
    it('refuses a login timeout outside [300, admin timeout] with an invalid argument naming the timeout', async () => {
      await start({ restrictedTimeout: true });
      for (const timeout of [120, 299, 901, 86_400]) {
        const answer = await logIn({ ...credentials(), timeout });
        expect(answer.status, String(timeout)).toBe(400);
        expect(json(answer)).toMatchObject({ errorcode: 278, severity: 'ERROR' });
        expect(String(json(answer)['message'])).toMatch(/timeout/);
      }
      expect(sim.openSessions()).toBe(0);
      for (const timeout of [300, 900]) expect((await logIn({ ...credentials(), timeout })).status, String(timeout)).toBe(201);
    });

    it('gives a login without a timeout the admin timeout, and follows a raised admin timeout', async () => {
      await start({ restrictedTimeout: true, adminTimeoutSeconds: 600 });
      const session = String(json(await logIn(credentials()))['sessionid']);
      now += 599_000;
      expect((await getStat(sim, session)).status).toBe(200);
      now += 600_000;
      expect((await getStat(sim, session)).status).toBe(401);
      expect((await logIn({ ...credentials(), timeout: 900 })).status).toBe(400);
      sim.setRestrictedTimeout(true, 3600);
      expect((await logIn({ ...credentials(), timeout: 900 })).status).toBe(201);
      sim.setRestrictedTimeout(false);
      expect((await logIn({ ...credentials(), timeout: 120 })).status).toBe(201);
    });
  });

  describe('lockout', () => {
    it('locks the user after N failures in a row; a login while locked, even with the right password, restarts the lock', async () => {
      await start({ lockout: { failures: 3, lockSeconds: 1800 } });
      const wrong = { username: sim.username, password: 'wrong' };
      for (let i = 0; i < 2; i++) expect(json(await logIn(wrong))['errorcode']).toBe(354);
      expect(sim.lockedUntil()).toBeUndefined();
      expect((await logIn(wrong)).status).toBe(401);
      expect(sim.lockedUntil()).toBe(now + 1_800_000);

      now += 1_000_000;
      const refused = await logIn(credentials());
      expect(refused.status).toBe(401);
      expect(json(refused)).toMatchObject({ errorcode: 354, severity: 'ERROR' });
      expect(String(json(refused)['message'])).toMatch(/locked/i);
      expect(sim.lockedUntil()).toBe(now + 1_800_000);

      now += 1_800_000;
      expect(sim.lockedUntil()).toBeUndefined();
      expect((await logIn(credentials())).status).toBe(201);
      expect(sim.loginRefusals()).toEqual({ failedLogins: 3, lockedRefusals: 1 });
    });

    it('resets the count of failures on a successful login, and never locks without a policy', async () => {
      await start({ lockout: { failures: 2, lockSeconds: 60 } });
      const wrong = { username: sim.username, password: 'wrong' };
      await logIn(wrong);
      expect((await logIn(credentials())).status).toBe(201);
      await logIn(wrong);
      expect(sim.lockedUntil()).toBeUndefined();
      sim.setLockout(undefined);
      for (let i = 0; i < 5; i++) await logIn(wrong);
      expect((await logIn(credentials())).status).toBe(201);
    });

    it('tags the password each login presented, never recording the password', async () => {
      await start({});
      await logIn({ username: sim.username, password: 'first-wrong' });
      await logIn(credentials());
      await logIn({ username: sim.username, password: 'first-wrong' });
      expect(sim.requests().map((r) => r.passwordTag)).toEqual(['p1', 'p2', 'p1']);
      expect(sim.passwordTagOf(sim.password)).toBe('p2');
      expect(sim.passwordTagOf('never-used')).toBeUndefined();
      expect(JSON.stringify(sim.requests())).not.toContain('first-wrong');
    });
  });
});
