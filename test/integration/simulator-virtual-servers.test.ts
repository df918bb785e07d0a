import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { json, login, send } from '../support/https-client.js';

describe('stat/lbvserver and stat/csvserver', () => {
  let sim: Simulator;
  let session: string;
  beforeEach(async () => {
    sim = await startSimulator();
    session = await login(sim);
  });
  afterEach(() => sim.close());

  it('answers one server as an array of one, gauges as strings, with the fields of a real appliance', async () => {
    sim.setVirtualServer('lb', 'vs web#1', { curmptcpsessions: 12, cursubflowconn: 30n });
    const body = json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver/vs%20web%231', { session }));
    const servers = body.lbvserver as Record<string, unknown>[];
    expect(body).toMatchObject({ errorcode: 0, severity: 'NONE' });
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({ name: 'vs web#1', curmptcpsessions: '12', cursubflowconn: '30', state: 'UP' });
    expect(Object.keys(servers[0]!).length).toBeGreaterThan(40);
  });

  it('answers 258 for an unknown or removed server, and keeps lb and cs apart', async () => {
    sim.setVirtualServer('cs', 'front');
    const unknown = await send(sim, 'GET', '/nitro/v1/stat/lbvserver/front', { session });
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toMatchObject({ errorcode: 258, severity: 'ERROR' });
    expect(json(await send(sim, 'GET', '/nitro/v1/stat/csvserver/front', { session })).errorcode).toBe(0);
    sim.removeVirtualServer('cs', 'front');
    expect(json(await send(sim, 'GET', '/nitro/v1/stat/csvserver/front', { session })).errorcode).toBe(258);
  });

  it('answers the whole collection of a type', async () => {
    for (const name of ['a', 'b', 'c']) sim.setVirtualServer('lb', name, { curmptcpsessions: 1 });
    sim.setVirtualServer('cs', 'd');
    const servers = json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver', { session })).lbvserver as { name: string }[];
    expect(servers.map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('needs a session, takes faults aimed at "vserver", and is steered over the control API', async () => {
    expect(json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver/a')).errorcode).toBe(444);
    const control = (path: string, body: unknown) => send(sim, 'POST', `/_control/virtual-servers${path}`, { body });
    expect((await control('', { type: 'lb', name: 'a', curmptcpsessions: '5', cursubflowconn: 6 })).status).toBe(200);
    sim.injectFault({ kind: 'not-authorized' }, { on: 'vserver' });
    expect(json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver/a', { session })).errorcode).toBe(2138);
    expect((json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver/a', { session })).lbvserver as unknown[])[0]).toMatchObject({
      curmptcpsessions: '5',
    });
    expect((await control('/remove', { type: 'lb', name: 'a' })).status).toBe(200);
    expect(json(await send(sim, 'GET', '/nitro/v1/stat/lbvserver/a', { session })).errorcode).toBe(258);
    expect((await control('', { type: 'gslb', name: 'a' })).status).toBe(400);
  });
});
