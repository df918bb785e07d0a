import { Agent } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login, loginBody, send } from '../support/https-client.js';

describe('fault injection', () => {
  let sim: Simulator;
  let session: string;
  beforeEach(async () => {
    sim = await startSimulator();
    session = await login(sim);
  });
  afterEach(() => sim.close());

  it('nitro-error: any errorcode under any status, 200 included, once by default', async () => {
    for (const status of [200, 401, 403, 500, 503, 599]) {
      sim.injectFault({ kind: 'nitro-error', status, errorcode: 1028, message: 'Connected to a secondary node' }, { on: 'stat' });
      const result = await getStat(sim, session);
      expect(result.status).toBe(status);
      expect(json(result)).toEqual({ errorcode: 1028, message: 'Connected to a secondary node', severity: 'ERROR' });
    }
    expect((await getStat(sim, session)).status).toBe(200);
  });

  it('applies to the targeted call only', async () => {
    sim.injectFault({ kind: 'nitro-error', status: 503, errorcode: 446, message: 'Connection limit to CFE exceeded' }, { on: 'hanode' });
    expect((await getStat(sim, session)).status).toBe(200);
    expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { session })).status).toBe(503);
    expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { session })).status).toBe(200);
  });

  it("'any' matches every call, and times counts requests", async () => {
    sim.injectFault({ kind: 'not-authorized' }, { on: 'any', times: 2 });
    expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { session })).status).toBe(403);
    expect((await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) })).status).toBe(403);
    expect((await getStat(sim, session)).status).toBe(200);
  });

  it('times: Infinity lasts until clearFaults()', async () => {
    sim.injectFault(
      { kind: 'nitro-error', status: 599, errorcode: 2, message: 'Netscaler specific error' },
      { on: 'stat', times: Infinity },
    );
    for (let i = 0; i < 5; i += 1) expect((await getStat(sim, session)).status).toBe(599);
    sim.clearFaults();
    expect((await getStat(sim, session)).status).toBe(200);
  });

  it('rejects an invalid fault', () => {
    expect(() => sim.injectFault({ kind: 'nitro-error', status: 42, errorcode: 1 })).toThrow(TypeError);
    expect(() => sim.injectFault({ kind: 'hang' }, { times: 0 })).toThrow(TypeError);
  });

  it('session-expired: 444 under the given status, and the session is really killed', async () => {
    sim.injectFault({ kind: 'session-expired', status: 403 }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(403);
    expect(json(result)['errorcode']).toBe(444);
    expect(sim.openSessions()).toBe(0);
    const next = await getStat(sim, session);
    expect(next.status).toBe(401);
    expect(json(next)['errorcode']).toBe(444);
  });

  it('session-expired with keepSession: 444, yet the session lives on until the client logs it out', async () => {
    const [tag] = sim.openSessionTags();
    sim.injectFault({ kind: 'session-expired', keepSession: true }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(401);
    expect(json(result)).toEqual({ errorcode: 444, message: 'Session expired or killed. Please login again', severity: 'ERROR' });
    expect(sim.openSessions()).toBe(1);
    expect(sim.openSessionTags()).toEqual([tag]);
    expect((await getStat(sim, session)).status).toBe(200);
    expect((await send(sim, 'POST', '/nitro/v1/config/logout', { session, body: { logout: {} } })).status).toBe(200);
    expect(sim.openSessions()).toBe(0);
  });

  it('session-expired with keepSession: false kills the session like the default', async () => {
    sim.injectFault({ kind: 'session-expired', status: 403, keepSession: false }, { on: 'stat' });
    expect((await getStat(sim, session)).status).toBe(403);
    expect(sim.openSessions()).toBe(0);
    expect(() => sim.injectFault({ kind: 'session-expired', keepSession: 'yes' as unknown as boolean })).toThrow(TypeError);
  });

  it('text: exactly the given body, under 500 text/plain by default', async () => {
    const page = `login failed for ${sim.username} with password ${sim.password}\n`;
    sim.injectFault({ kind: 'text', body: page }, { on: 'login' });
    const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(result.status).toBe(500);
    expect(result.headers['content-type']).toBe('text/plain');
    expect(result.headers['content-length']).toBe(String(Buffer.byteLength(page)));
    expect(result.text).toBe(page);
    expect(sim.openSessions()).toBe(1); // no login happened
    expect(sim.requests().at(-1)).toMatchObject({ status: 500, fault: 'text' });
    expect(JSON.stringify(sim.requests())).not.toContain(sim.password);
  });

  it('text: any status and content type, an empty body included', async () => {
    sim.injectFault({ kind: 'text', status: 200, contentType: 'application/json; charset=utf-8', body: '{"errorcode":0,' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect([result.status, result.headers['content-type'], result.text]).toEqual([
      200,
      'application/json; charset=utf-8',
      '{"errorcode":0,',
    ]);
    sim.injectFault({ kind: 'text', status: 503, body: '' }, { on: 'stat' });
    const empty = await getStat(sim, session);
    expect([empty.status, empty.text]).toEqual([503, '']);
  });

  it('text: rejects a content type that could split the answer, and a missing body', () => {
    expect(() => sim.injectFault({ kind: 'text', contentType: 'text/plain\r\nSet-Cookie: x=1', body: 'x' })).toThrow(TypeError);
    expect(() => sim.injectFault({ kind: 'text', contentType: '', body: 'x' })).toThrow(TypeError);
    expect(() => sim.injectFault({ kind: 'text' } as never)).toThrow(TypeError);
  });

  it('session-expired under HTTP 200 (some firmware)', async () => {
    sim.injectFault({ kind: 'session-expired', status: 200 }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(200);
    expect(json(result)).toEqual({ errorcode: 444, message: 'Session expired or killed. Please login again', severity: 'ERROR' });
  });

  it('not-authorized: 403 + 2138', async () => {
    sim.injectFault({ kind: 'not-authorized' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(403);
    expect(json(result)).toEqual({ errorcode: 2138, message: 'Not authorized to execute this command', severity: 'ERROR' });
    expect(sim.openSessions()).toBe(1);
  });

  it('html: an HTML page as a proxy sends', async () => {
    sim.injectFault({ kind: 'html', status: 504 }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(504);
    expect(result.headers['content-type']).toBe('text/html');
    expect(result.text).toMatch(/^<!DOCTYPE html>/);
    sim.injectFault({ kind: 'html' }, { on: 'stat' });
    expect((await getStat(sim, session)).status).toBe(502);
  });

  it('not-json: 200 labelled JSON that does not parse', async () => {
    sim.injectFault({ kind: 'not-json' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(result.text) as unknown).toThrow(SyntaxError);
  });

  it('truncated: a valid start of the real body, cut, with a matching Content-Length', async () => {
    sim.injectFault({ kind: 'truncated' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(200);
    expect(result.headers['content-length']).toBe(String(Buffer.byteLength(result.text)));
    expect(result.text.startsWith('{"errorcode":0,"message":"Done","severity":"NONE","protocolmptcp":{')).toBe(true);
    expect(() => JSON.parse(result.text) as unknown).toThrow(SyntaxError);
    const full = await getStat(sim, session);
    expect(Buffer.byteLength(full.text)).toBeGreaterThan(Buffer.byteLength(result.text));
  });

  it('truncated login still creates the session the client never learns about', async () => {
    sim.injectFault({ kind: 'truncated' }, { on: 'login' });
    const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(result.status).toBe(201);
    expect(() => JSON.parse(result.text) as unknown).toThrow(SyntaxError);
    expect(sim.openSessions()).toBe(2);
  });

  it('no-resource-key: a success without the protocolmptcp key', async () => {
    sim.injectFault({ kind: 'no-resource-key' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(200);
    expect(json(result)).toEqual({ errorcode: 0, message: 'Done', severity: 'NONE' });
  });

  it('latency: answers normally after the delay, and is logged', async () => {
    sim.injectFault({ kind: 'latency', ms: 50 }, { on: 'stat' });
    expect((await getStat(sim, session)).status).toBe(200);
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'latency' });
  });

  it('latency combines with another fault on the same call', async () => {
    sim.injectFault({ kind: 'latency', ms: 20 }, { on: 'stat' });
    sim.injectFault({ kind: 'nitro-error', status: 503, errorcode: 446, message: 'Connection limit to CFE exceeded' }, { on: 'stat' });
    const result = await getStat(sim, session);
    expect(result.status).toBe(503);
    expect(sim.requests().at(-1)).toMatchObject({ status: 503, fault: 'nitro-error' });
  });

  it('reset: the socket is destroyed without an answer', async () => {
    sim.injectFault({ kind: 'reset' }, { on: 'stat' });
    await expect(getStat(sim, session)).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect(sim.requests().at(-1)).toMatchObject({ status: 0, fault: 'reset' });
    expect((await getStat(sim, session)).status).toBe(200);
  });
});

describe('close()', () => {
  it('returns promptly with a hanging request and idle keep-alive connections, failing the hanging client', async () => {
    const sim = await startSimulator();
    const agent = new Agent({ keepAlive: true });
    try {
      const session = await login(sim);
      expect((await send(sim, 'GET', '/nitro/v1/stat/hanode', { session, agent })).status).toBe(200); // leaves an idle keep-alive socket
      sim.injectFault({ kind: 'hang' }, { on: 'stat' });
      const hanging = getStat(sim, session);
      const outcome = hanging.then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await waitFor(() => sim.requests().some((entry) => entry.fault === 'hang'));
      await sim.close();
      expect(await outcome).toBe('ECONNRESET');
    } finally {
      agent.destroy();
      await sim.close();
    }
  });

  it('releases a long latency fault', async () => {
    const sim = await startSimulator();
    const session = await login(sim);
    sim.injectFault({ kind: 'latency', ms: 3_600_000 }, { on: 'stat' });
    const delayed = getStat(sim, session).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => sim.requests().some((entry) => entry.fault === 'latency'));
    await sim.close();
    expect(await delayed).toBe('ECONNRESET');
  });
});

/** Polls a condition on the event loop (the request must reach the server before close()). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
