import { createHook } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, login, loginBody, openResponse, send } from '../support/https-client.js';

interface Chunk {
  readonly at: number;
  readonly bytes: Buffer;
}

/** Every body chunk with its arrival time, until the body ends. */
function readChunks(response: IncomingMessage): Promise<Chunk[]> {
  return new Promise((resolve, reject) => {
    const chunks: Chunk[] = [];
    response.on('data', (bytes: Buffer) => chunks.push({ at: performance.now(), bytes }));
    response.on('end', () => resolve(chunks));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('aborted')));
  });
}

/**
 * Watches the timers created from now on, so a test can see a drip's timer (told apart by its unusual duration)
 * and whether it was cleared. `_idleTimeout` is the duration Node keeps on every timer object.
 */
function watchTimers(): { alive(durationMs: number): number; stop(): void } {
  const alive = new Map<number, number>();
  const hook = createHook({
    init(asyncId, type, _triggerAsyncId, resource) {
      if (type === 'Timeout') alive.set(asyncId, (resource as { _idleTimeout?: number })._idleTimeout ?? -1);
    },
    destroy(asyncId) {
      alive.delete(asyncId);
    },
  }).enable();
  return {
    alive: (durationMs) => [...alive.values()].filter((duration) => duration === durationMs).length,
    stop: () => hook.disable(),
  };
}

/** Polls on the event loop (not with timers, which would count) until `condition` holds or `ms` pass. */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

describe('drip fault', () => {
  let sim: Simulator;
  let session: string;
  beforeEach(async () => {
    sim = await startSimulator();
    session = await login(sim);
  });
  afterEach(() => sim.close());

  it('sends the status and full Content-Length at once, then the normal body a few bytes per tick', async () => {
    const normal = await getStat(sim, session);
    sim.injectFault({ kind: 'drip', intervalMs: 15, bytes: 700 }, { on: 'stat' });
    const { response } = await openResponse(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session });
    const headersAt = performance.now();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(normal.text)));

    const chunks = await readChunks(response);
    expect(Buffer.concat(chunks.map((chunk) => chunk.bytes)).toString('utf8')).toBe(normal.text);
    const ticks = Math.ceil(Buffer.byteLength(normal.text) / 700);
    expect(ticks).toBeGreaterThan(3);
    expect(chunks).toHaveLength(ticks);
    for (const chunk of chunks) expect(chunk.bytes.length).toBeLessThanOrEqual(700);
    // The body starts one tick after the headers and takes one tick per chunk.
    expect((chunks[0]?.at ?? 0) - headersAt).toBeGreaterThanOrEqual(10);
    expect((chunks.at(-1)?.at ?? 0) - headersAt).toBeGreaterThanOrEqual(ticks * 15 * 0.8);
    expect(sim.requests().at(-1)).toMatchObject({ path: '/nitro/v1/stat/protocolmptcp', status: 200, fault: 'drip' });
  });

  it("never lets a client's idle timeout fire while the whole answer takes many times longer", async () => {
    const normal = await send(sim, 'GET', '/nitro/v1/stat/hanode', { session });
    sim.injectFault({ kind: 'drip', intervalMs: 25, bytes: 4 }, { on: 'hanode' });
    const started = performance.now();
    const { request, response } = await openResponse(sim, 'GET', '/nitro/v1/stat/hanode', { session });
    let timedOut = false;
    request.setTimeout(150, () => {
      timedOut = true;
      request.destroy(new Error('idle timeout'));
    });
    const chunks = await readChunks(response);
    expect(timedOut).toBe(false);
    expect(performance.now() - started).toBeGreaterThan(600);
    expect(Buffer.concat(chunks.map((chunk) => chunk.bytes)).toString('utf8')).toBe(normal.text);
  });

  it('drips a login, which creates the session and sends its cookie with the headers', async () => {
    sim.injectFault({ kind: 'drip', intervalMs: 5, bytes: 16 }, { on: 'login' });
    const { response } = await openResponse(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password) });
    expect(response.statusCode).toBe(201);
    expect(sim.openSessions()).toBe(2);
    const cookie = /^sessionid=(##[0-9A-F]{48}); path=\/nitro\/v1; Secure; HttpOnly$/.exec(response.headers['set-cookie']?.[0] ?? '');
    expect(cookie).not.toBeNull();

    const chunks = await readChunks(response);
    expect(chunks.length).toBeGreaterThan(3);
    const body = JSON.parse(Buffer.concat(chunks.map((chunk) => chunk.bytes)).toString('utf8')) as Record<string, unknown>;
    expect(body['sessionid']).toBe(cookie?.[1]);
    expect((await getStat(sim, String(body['sessionid']))).status).toBe(200);
    expect(sim.requests().find((entry) => entry.fault === 'drip')).toMatchObject({ status: 201, sessionTag: 's2' });
  });

  it('stops at once when the client goes away, leaving no timer behind', async () => {
    const timers = watchTimers();
    try {
      sim.injectFault({ kind: 'drip', intervalMs: 3_600_000, bytes: 1 }, { on: 'stat' });
      const { request } = await openResponse(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session });
      expect(timers.alive(3_600_000)).toBe(1); // the drip's: an hour per byte
      request.destroy();
      expect(await eventually(() => timers.alive(3_600_000) === 0, 2_000)).toBe(true);
      expect((await getStat(sim, session)).status).toBe(200);
    } finally {
      timers.stop();
    }
  });

  it('is released by close() at once, failing the client, with no timer behind', async () => {
    const timers = watchTimers();
    try {
      sim.injectFault({ kind: 'drip', intervalMs: 3_500_000, bytes: 1 }, { on: 'stat' });
      const { response } = await openResponse(sim, 'GET', '/nitro/v1/stat/protocolmptcp', { session });
      const outcome = readChunks(response).then(
        () => 'completed',
        () => 'failed',
      );
      expect(timers.alive(3_500_000)).toBe(1);
      const closing = performance.now();
      await sim.close();
      expect(performance.now() - closing).toBeLessThan(1_000);
      expect(await outcome).toBe('failed');
      expect(await eventually(() => timers.alive(3_500_000) === 0, 2_000)).toBe(true);
    } finally {
      timers.stop();
    }
  });

  it('defaults to one byte a second', async () => {
    sim.injectFault({ kind: 'drip' }, { on: 'hanode' });
    const { response } = await openResponse(sim, 'GET', '/nitro/v1/stat/hanode', { session });
    const chunks: Buffer[] = [];
    response.on('data', (bytes: Buffer) => chunks.push(bytes));
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(Buffer.concat(chunks).toString('utf8')).toBe('{');
    response.destroy();
  });

  it('rejects a pace that is not a positive integer', () => {
    expect(() => sim.injectFault({ kind: 'drip', intervalMs: 0 })).toThrow(TypeError);
    expect(() => sim.injectFault({ kind: 'drip', bytes: 0 })).toThrow(TypeError);
    expect(() => sim.injectFault({ kind: 'drip', bytes: 1.5 })).toThrow(TypeError);
  });
});
