import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login, loginBody, send } from '../support/https-client.js';

describe('control API over HTTP', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ seed: 4 });
  });
  afterEach(() => sim.close());

  const control = (method: string, operation: string, body?: unknown) => send(sim, method, `/_control${operation}`, { body });

  it('is served under /_control on the same server', () => {
    expect(sim.controlUrl).toBe(`${sim.url}/_control`);
  });

  it('sets and reads exact counters', async () => {
    expect((await control('POST', '/counters', { name: 'mptcptotmpcapsession', value: '9007199254740993' })).status).toBe(200);
    expect((await control('POST', '/counters', { counters: { mptcperrbadcksum: 7, mptcpmpcapsessionrate: 3 } })).status).toBe(200);
    expect(sim.getCounters()['mptcptotmpcapsession']).toBe(9007199254740993n);
    const read = json(await control('GET', '/counters'));
    expect(read['counters']).toMatchObject({ mptcptotmpcapsession: '9007199254740993', mptcperrbadcksum: '7' });
    expect(read['rates']).toMatchObject({ mptcpmpcapsessionrate: 3 });
  });

  it('advances, clears and reboots', async () => {
    const before = sim.getCounters()['mptcptotmpcapsession'] ?? 0n;
    await control('POST', '/advance', { seconds: 60 });
    expect(sim.getCounters()['mptcptotmpcapsession']).toBeGreaterThan(before);
    await control('POST', '/clear-stats');
    expect(sim.getCounters()['mptcptotmpcapsession']).toBe(0n);
    await login(sim);
    await control('POST', '/reboot');
    expect(sim.openSessions()).toBe(0);
    expect(Object.values(sim.getCounters()).every((value) => value === 0n)).toBe(true);
  });

  it('changes credentials, shape, encoding, fields and HA state', async () => {
    await control('POST', '/credentials', { username: 'other', password: 'other-secret' });
    expect((await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody('other', 'other-secret') })).status).toBe(201);
    const session = await login(sim);

    await control('POST', '/shape', { shape: 'array' });
    await control('POST', '/integer-encoding', { encoding: 'number' });
    await control('POST', '/fields/remove', { names: ['mptcpcurpendingjoin'] });
    await control('POST', '/fields/add', { fields: { mptcptotv1mpcapsession: '5' } });
    await control('POST', '/fields/raw', { name: 'mptcptotmpcapsyn', value: 'abc' });
    await control('POST', '/fields/raw', { name: 'mptcptotdss', json: '18446744073709551616' });
    const text = (await getStat(sim, session)).text;
    expect(text).toContain('"mptcptotdss":18446744073709551616');
    const stats = (JSON.parse(text) as { protocolmptcp: Array<Record<string, unknown>> }).protocolmptcp[0];
    expect(stats).toMatchObject({ mptcptotv1mpcapsession: '5', mptcptotmpcapsyn: 'abc' });
    expect(stats).not.toHaveProperty('mptcpcurpendingjoin');
    expect(typeof stats?.['mptcpcursfconnections']).toBe('number');
    await control('POST', '/fields/reset');
    expect(Object.keys((json(await getStat(sim, session))['protocolmptcp'] as unknown[])[0] as object)).toHaveLength(150);

    await control('POST', '/ha-state', { hacurstatus: 'YES', hacurmasterstate: 'Secondary' });
    const hanode = json(await send(sim, 'GET', '/nitro/v1/stat/hanode', { session }))['hanode'];
    expect(hanode).toEqual([expect.objectContaining({ hacurstatus: 'YES', hacurmasterstate: 'Secondary' })]);
  });

  it('injects and clears faults, Infinity included', async () => {
    const session = await login(sim);
    await control('POST', '/faults', {
      fault: { kind: 'nitro-error', status: 503, errorcode: 446, message: 'busy' },
      on: 'stat',
      times: 'Infinity',
    });
    expect((await getStat(sim, session)).status).toBe(503);
    expect((await getStat(sim, session)).status).toBe(503);
    await control('DELETE', '/faults');
    expect((await getStat(sim, session)).status).toBe(200);
  });

  it('reports and clears requests, and sessions', async () => {
    const session = await login(sim);
    await getStat(sim, session, '?args=clearstats:basic');
    const requests = json(await control('GET', '/requests'))['requests'] as Array<Record<string, unknown>>;
    expect(requests.map((entry) => entry['query'])).toEqual(['', 'args=clearstats:basic']);
    expect(json(await control('GET', '/sessions'))).toEqual({ open: 1, maxConcurrent: 1, logins: 1, tags: ['s1'] });
    await control('DELETE', '/sessions');
    expect(sim.openSessions()).toBe(0);
    await control('DELETE', '/requests');
    expect(sim.requests()).toEqual([]);
  });

  it('never returns the password', async () => {
    await control('POST', '/credentials', { username: 'other', password: 'never-returned-secret' });
    for (const operation of ['/counters', '/requests', '/sessions']) {
      expect((await control('GET', operation)).text).not.toContain('never-returned-secret');
    }
  });

  it('accepts the drip, text, decoy-cookie and keepSession faults', async () => {
    const session = await login(sim);
    expect((await control('POST', '/faults', { fault: { kind: 'session-expired', keepSession: true }, on: 'stat' })).status).toBe(200);
    expect(json(await getStat(sim, session))['errorcode']).toBe(444);
    expect(sim.openSessions()).toBe(1);

    expect((await control('POST', '/faults', { fault: { kind: 'text', status: 502, body: 'upstream said no' }, on: 'stat' })).status).toBe(
      200,
    );
    const text = await getStat(sim, session);
    expect([text.status, text.headers['content-type'], text.text]).toEqual([502, 'text/plain', 'upstream said no']);

    expect((await control('POST', '/faults', { fault: { kind: 'drip', intervalMs: 1, bytes: 64 }, on: 'stat' })).status).toBe(200);
    const dripped = await getStat(sim, session);
    expect(dripped.status).toBe(200);
    expect(json(dripped)).toHaveProperty('protocolmptcp');
    expect(sim.requests().at(-1)).toMatchObject({ fault: 'drip' });

    expect((await control('POST', '/faults', { fault: { kind: 'decoy-cookie' }, on: 'login' })).status).toBe(200);
    const decoyed = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(decoyed.headers['set-cookie']).toHaveLength(2);
    expect(json(await control('GET', '/sessions'))['tags']).toEqual(['s1', 's2']);
  });

  it('refuses invalid new faults with 400', async () => {
    for (const [fault, on] of [
      [{ kind: 'drip', bytes: 0 }, 'stat'],
      [{ kind: 'drip', intervalMs: 'fast' }, 'stat'],
      [{ kind: 'text', status: 500 }, 'stat'],
      [{ kind: 'text', body: 'x', contentType: 'text/plain\nX-Evil: 1' }, 'stat'],
      [{ kind: 'session-expired', keepSession: 1 }, 'stat'],
      [{ kind: 'decoy-cookie' }, 'stat'],
    ] as const) {
      const result = await control('POST', '/faults', { fault, on });
      expect(result.status, JSON.stringify(fault)).toBe(400);
      expect(typeof json(result)['error']).toBe('string');
    }
  });

  it('answers 400 to an invalid body and 404 to an unknown operation', async () => {
    const invalid = await control('POST', '/faults', { fault: { kind: 'bogus' } });
    expect(invalid.status).toBe(400);
    expect(json(invalid)['error']).toMatch(/kind/);
    expect((await control('POST', '/counters', { name: 'nope', value: 1 })).status).toBe(400);
    expect((await send(sim, 'POST', '/_control/advance', { body: 'not json' })).status).toBe(400);
    expect((await control('POST', '/nothing')).status).toBe(404);
  });

  it('can be turned off, leaving /_control to the NITRO 404', async () => {
    const closed = await startSimulator({ controlApi: false });
    try {
      const result = await send(closed, 'GET', '/_control/sessions');
      expect(result.status).toBe(404);
      expect(json(result)['errorcode']).toBe(258);
    } finally {
      await closed.close();
    }
  });
});
