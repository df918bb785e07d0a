import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG, fieldsOfFirmware } from '../../lambda/catalog/catalog.js';
import { RawJson, type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login, send } from '../support/https-client.js';

/** The simulator's default firmware, 13.1, sends the reference page's fields. */
const FIELDS_13_1 = fieldsOfFirmware('13.1');
const INTEGER_FIELDS = FIELDS_13_1.filter((m) => m.kind !== 'rate').map((m) => m.nitroName);
const RATE_FIELDS = FIELDS_13_1.filter((m) => m.kind === 'rate').map((m) => m.nitroName);
const BEYOND_2_53 = '9007199254740993';

function resource(text: string): Record<string, unknown> {
  const value = JSON.parse(text)['protocolmptcp'] as unknown;
  if (Array.isArray(value)) return value[0] as Record<string, unknown>;
  return value as Record<string, unknown>;
}

describe('stat/protocolmptcp', () => {
  let sim: Simulator;
  let session: string;
  beforeEach(async () => {
    sim = await startSimulator();
    session = await login(sim);
  });
  afterEach(() => sim.close());

  it('answers an object with every field: gauges and counters as strings, rates as numbers', async () => {
    const result = await getStat(sim, session);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('application/json');
    const body = JSON.parse(result.text) as Record<string, unknown>;
    expect(body).toMatchObject({ errorcode: 0, message: 'Done', severity: 'NONE' });
    expect(Array.isArray(body['protocolmptcp'])).toBe(false);
    const stats = resource(result.text);
    expect(Object.keys(stats).sort()).toEqual(FIELDS_13_1.map((m) => m.nitroName).sort());
    for (const name of INTEGER_FIELDS) expect(stats[name], name).toMatch(/^\d+$/);
    for (const name of RATE_FIELDS) expect(typeof stats[name], name).toBe('number');
    const counters = sim.getCounters();
    for (const name of INTEGER_FIELDS) expect(stats[name], name).toBe(counters[name]?.toString());
  });

  it('serves the 14.1 field set after an upgrade: the MPTCP v1 fields, moving with traffic, and the _nextgenapiresource string', async () => {
    sim.setFirmware('14.1');
    sim.advance(60);
    const stats = resource((await getStat(sim, session)).text);
    expect(Object.keys(stats).sort()).toEqual([...CATALOG.map((m) => m.nitroName), '_nextgenapiresource'].sort());
    expect(stats['_nextgenapiresource']).toBe('protocolmptcp');
    const counters = sim.getCounters();
    for (const metric of CATALOG.filter((m) => m.since === '14.1' && m.kind !== 'rate')) {
      expect(stats[metric.nitroName], metric.nitroName).toBe(counters[metric.nitroName]?.toString());
    }
    const v1Sessions = Number(stats['mptcptotv1mpcapsession']);
    expect(v1Sessions).toBeGreaterThan(0);
    expect(v1Sessions).toBeLessThan(Number(stats['mptcptotmpcapsession']));
    expect(Number(stats['mptcptotv1mpcapsyn'])).toBeGreaterThanOrEqual(v1Sessions);
    expect(Number(stats['mptcpcurv1mpcapablesessions'])).toBeLessThanOrEqual(Number(stats['mptcpcurmpcapablesessions']));
    expect(typeof stats['mptcpv1mpcapsessionrate']).toBe('number');
    sim.setFirmware('13.1');
    expect(Object.keys(resource((await getStat(sim, session)).text))).toHaveLength(150);
  });

  it('starts realistic: a few thousand sessions created', async () => {
    const stats = resource((await getStat(sim, session)).text);
    const created = Number(stats['mptcptotmpcapsession']);
    expect(created).toBeGreaterThan(1000);
    expect(created).toBeLessThan(100_000);
    expect(Number(stats['mptcpcurmpcapablesessions'])).toBeGreaterThan(0);
  });

  it('answers a one-element array when the shape is array', async () => {
    sim.setShape('array');
    const body = json(await getStat(sim, session));
    expect(Array.isArray(body['protocolmptcp'])).toBe(true);
    expect(body['protocolmptcp']).toHaveLength(1);
    sim.setShape('object');
    expect(Array.isArray(json(await getStat(sim, session))['protocolmptcp'])).toBe(false);
  });

  it('keeps counters exact beyond 2^53, as strings or as bare numbers', async () => {
    sim.setCounter('mptcptotmpcapsession', BEYOND_2_53);
    sim.setCounter('mptcptotdss', 18446744073709551615n);
    expect(sim.getCounters()['mptcptotmpcapsession']).toBe(9007199254740993n);

    const asStrings = (await getStat(sim, session)).text;
    expect(asStrings).toContain(`"mptcptotmpcapsession":"${BEYOND_2_53}"`);
    expect(asStrings).toContain('"mptcptotdss":"18446744073709551615"');

    sim.setIntegerEncoding('number');
    const asNumbers = (await getStat(sim, session)).text;
    expect(asNumbers).toContain(`"mptcptotmpcapsession":${BEYOND_2_53},`);
    expect(asNumbers).toContain('"mptcptotdss":18446744073709551615,');
    const stats = resource(asNumbers);
    for (const name of INTEGER_FIELDS) expect(typeof stats[name], name).toBe('number');
  });

  it('rejects counter values that are not unsigned 64-bit integers', () => {
    expect(() => sim.setCounter('mptcptotmpcapsession', -1)).toThrow(RangeError);
    expect(() => sim.setCounter('mptcptotmpcapsession', 2n ** 64n)).toThrow(RangeError);
    expect(() => sim.setCounter('mptcptotmpcapsession', 2 ** 53)).toThrow(RangeError);
    expect(() => sim.setCounter('mptcptotmpcapsession', '12a')).toThrow(TypeError);
    expect(() => sim.setCounter('notafield', 1)).toThrow(/not a field/);
  });

  it('sets rate fields as numbers', async () => {
    sim.setCounter('mptcpmpcapsessionrate', 42);
    expect(resource((await getStat(sim, session)).text)['mptcpmpcapsessionrate']).toBe(42);
  });

  it('removes, adds and overrides fields, and resets them', async () => {
    sim.removeFields(['mptcpcurpendingjoin', 'mptcperrbadcksumrate']);
    sim.addFields({ mptcptotv1mpcapsession: '12', _nextgenapiresource: '_protocolmptcp' });
    sim.setRawField('mptcptotmpcapsyn', 'abc');
    sim.setRawField('mptcptotsfconn', null);
    sim.setRawField('mptcperrbadcksum', '-5');
    sim.setRawField('mptcptotdss', '1.5');
    sim.setRawField('mptcperrinvalmac', '4294967295');
    sim.setRawField('mptcptotrxdss', new RawJson('1e400'));
    const text = (await getStat(sim, session)).text;
    const stats = resource(text.replace('1e400', '0'));
    expect(stats).not.toHaveProperty('mptcpcurpendingjoin');
    expect(stats).not.toHaveProperty('mptcperrbadcksumrate');
    expect(stats).toMatchObject({
      mptcptotv1mpcapsession: '12',
      _nextgenapiresource: '_protocolmptcp',
      mptcptotmpcapsyn: 'abc',
      mptcptotsfconn: null,
      mptcperrbadcksum: '-5',
      mptcptotdss: '1.5',
      mptcperrinvalmac: '4294967295',
    });
    expect(text).toContain('"mptcptotrxdss":1e400');

    sim.resetFields();
    const restored = resource((await getStat(sim, session)).text);
    expect(Object.keys(restored)).toHaveLength(FIELDS_13_1.length);
    expect(restored['mptcptotmpcapsyn']).toMatch(/^\d+$/);
  });

  it('records any query string, and zeroes the counters on clearstats like the appliance', async () => {
    sim.advance(30);
    const before = sim.getCounters();
    expect(before['mptcptotmpcapsession']).toBeGreaterThan(0n);

    const plain = await getStat(sim, session, '?attrs=mptcptotmpcapsession');
    expect(plain.status).toBe(200);
    expect(sim.getCounters()['mptcptotmpcapsession']).toBe(before['mptcptotmpcapsession']);

    const clearing = await getStat(sim, session, '?args=clearstats:basic');
    expect(resource(clearing.text)['mptcptotmpcapsession']).toBe(before['mptcptotmpcapsession']?.toString());
    const after = sim.getCounters();
    expect(after['mptcptotmpcapsession']).toBe(0n);
    expect(after['mptcperrbadcksum']).toBe(0n);
    expect(after['mptcpcurmpcapablesessions']).toBe(before['mptcpcurmpcapablesessions']);
    expect(sim.getRates()['mptcpmpcapsessionrate']).toBe(0);

    sim.advance(30);
    await getStat(sim, session, '?args=clearstats:full');
    expect(sim.getCounters()['mptcptotmpcapsession']).toBe(0n);

    expect(sim.requests().map((entry) => entry.query)).toEqual([
      '',
      'attrs=mptcptotmpcapsession',
      'args=clearstats:basic',
      'args=clearstats:full',
    ]);
  });

  it('clearStats() zeroes counters and rates but not gauges', () => {
    sim.setCounter('mptcpcurmpcapablesessions', 10);
    sim.clearStats();
    const counters = sim.getCounters();
    expect(counters['mptcpcurmpcapablesessions']).toBe(10n);
    for (const metric of CATALOG.filter((m) => m.kind === 'counter')) expect(counters[metric.nitroName], metric.nitroName).toBe(0n);
    expect(Object.values(sim.getRates()).every((rate) => rate === 0)).toBe(true);
  });
});

describe('stat/hanode', () => {
  it('answers standalone by default, and the HA state that is set', async () => {
    const sim = await startSimulator();
    try {
      const session = await login(sim);
      const hanode = async () => {
        const result = await send(sim, 'GET', '/nitro/v1/stat/hanode', { session });
        expect(result.status).toBe(200);
        const body = json(result);
        expect(body).toMatchObject({ errorcode: 0, message: 'Done', severity: 'NONE' });
        return body['hanode'];
      };
      expect(await hanode()).toMatchObject({ hacurstatus: 'NO', hacurstate: 'UP', hacurmasterstate: 'Primary' });
      sim.setHaState({ hacurstatus: 'YES', hacurmasterstate: 'Primary' });
      expect(await hanode()).toMatchObject({ hacurstatus: 'YES', hacurstate: 'UP', hacurmasterstate: 'Primary' });
      sim.setHaState({ hacurmasterstate: 'Secondary' });
      expect(await hanode()).toMatchObject({ hacurstatus: 'YES', hacurstate: 'UP', hacurmasterstate: 'Secondary' });
    } finally {
      await sim.close();
    }
  });

  it('starts in the HA state given as an option', async () => {
    const sim = await startSimulator({ haState: { hacurstatus: 'YES', hacurmasterstate: 'Secondary' } });
    try {
      const result = await send(sim, 'GET', '/nitro/v1/stat/hanode', { session: await login(sim) });
      expect(json(result)['hanode']).toMatchObject({ hacurstatus: 'YES', hacurmasterstate: 'Secondary', hacurstate: 'UP' });
    } finally {
      await sim.close();
    }
  });

  it('requires a session', async () => {
    const sim = await startSimulator();
    try {
      const result = await send(sim, 'GET', '/nitro/v1/stat/hanode');
      expect(result.status).toBe(401);
      expect(json(result)['errorcode']).toBe(444);
    } finally {
      await sim.close();
    }
  });
});
