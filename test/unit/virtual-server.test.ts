import { describe, expect, it } from 'vitest';
import {
  MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
  parseVirtualServer,
  virtualServerListProblems,
  virtualServerStatPath,
} from '../../lambda/catalog/virtual-server.js';
import { parseAppliances } from '../../lambda/config/appliance.js';
import { buildVirtualServerDatums, readVirtualServerAnswer } from '../../lambda/core/virtual-server-datums.js';

const appliance = (virtualServers: unknown) => ({ name: 'adc-1', url: 'https://adc.example.com', secretId: 's', virtualServers });

describe('listed virtual servers (one rule for config, client and simulator)', () => {
  it('accepts lb/NAME and cs/NAME with every character NetScaler allows in a name', () => {
    expect(parseVirtualServer('lb/vs_web-1')).toEqual({ type: 'lb', name: 'vs_web-1', id: 'lb/vs_web-1' });
    expect(parseVirtualServer('cs/Front end#2.a:b@c=d')).toEqual({ type: 'cs', name: 'Front end#2.a:b@c=d', id: 'cs/Front end#2.a:b@c=d' });
  });

  it.each([
    ['vs_web', 'without "lb/" or "cs/"'],
    ['gslb/vs', 'without "lb/" or "cs/"'],
    ['lb/', 'empty NAME'],
    ['lb/-starts-with-dash', 'characters NetScaler does not allow'],
    ['lb/a/b', 'characters NetScaler does not allow'],
    ['lb/web?args=clearstats:full', 'characters NetScaler does not allow'],
    ['lb/web%3Fx', 'characters NetScaler does not allow'],
    ['lb/trailing ', 'characters NetScaler does not allow'],
    [`lb/${'a'.repeat(128)}`, 'at most 127'],
  ])('refuses %j (%s)', (text, problem) => {
    const parsed = parseVirtualServer(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });

  it('puts the name into a fixed path, percent-encoded, so no query or other path can be formed', () => {
    expect(virtualServerStatPath({ type: 'lb', name: 'vs web#1' })).toBe('/nitro/v1/stat/lbvserver/vs%20web%231');
    expect(virtualServerStatPath({ type: 'cs', name: 'a:b@c=d' })).toBe('/nitro/v1/stat/csvserver/a%3Ab%40c%3Dd');
    expect(() => virtualServerStatPath({ type: 'lb', name: 'x?clearstats=full' })).toThrow(/not a virtual server/);
    expect(() => virtualServerStatPath({ type: 'lb', name: '../config/login' })).toThrow(/not a virtual server/);
  });

  it('names duplicates and the count limit', () => {
    const list = Array.from({ length: MAX_VIRTUAL_SERVERS_PER_APPLIANCE + 1 }, (_, i) => `lb/vs${i}`);
    expect(virtualServerListProblems(list)[0]?.[1]).toContain(`at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE}`);
    expect(virtualServerListProblems(['lb/a', 'cs/a', 'lb/a'])).toEqual([[2, '"lb/a" is already listed at virtualServers[0]']]);
  });

  it('is validated by the ApplianceConfig schema with the field path', () => {
    expect(parseAppliances([appliance(['lb/web', 'cs/front'])], 'event.appliances')[0]?.virtualServers).toEqual(['lb/web', 'cs/front']);
    expect(() => parseAppliances([appliance(['lb/web', 'web'])], 'event.appliances')).toThrow(
      /appliances\[0\] \(adc-1\)\.virtualServers\[1\] must be "lb\/NAME"/,
    );
    expect(() => parseAppliances([appliance('lb/web')], 'event.appliances')).toThrow(/virtualServers must be a list/);
    expect(() => parseAppliances([appliance([`lb/${'x'.repeat(200_000)}`])], 'event.appliances')).toThrow(/virtualServers\[0\] must be/);
  });
});

describe('reading a virtual server answer', () => {
  const web = { type: 'lb', name: 'web', id: 'lb/web' } as const;

  it('takes the two gauges, sent as strings or numbers, from the array NITRO answers', () => {
    const reading = readVirtualServerAnswer(
      { lbvserver: [{ name: 'web', curmptcpsessions: '12', cursubflowconn: 30, tothits: '5' }] },
      web,
    );
    expect(reading).toEqual({
      server: web,
      ok: true,
      values: new Map([
        ['curmptcpsessions', 12n],
        ['cursubflowconn', 30n],
      ]),
    });
  });

  it('fails the server, not the run, for an answer without the gauges or for another server', () => {
    expect(readVirtualServerAnswer({ lbvserver: [{ name: 'web', tothits: '5' }] }, web)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no curmptcpsessions'),
    });
    expect(readVirtualServerAnswer({ lbvserver: [{ name: 'other', curmptcpsessions: '1' }] }, web)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('another'),
    });
    expect(readVirtualServerAnswer({ csvserver: [] }, web)).toMatchObject({ ok: false, reason: expect.stringContaining('no "lbvserver"') });
    expect(readVirtualServerAnswer({ lbvserver: [{ name: 'web', curmptcpsessions: '-1', cursubflowconn: 'x' }] }, web)).toMatchObject({
      ok: false,
    });
  });

  it('builds gauges with the VirtualServer dimension and counts the servers not read', () => {
    const datums = buildVirtualServerDatums('adc-1', 1000, [
      {
        server: web,
        ok: true,
        values: new Map([
          ['curmptcpsessions', 12n],
          ['cursubflowconn', 30n],
        ]),
      },
      { server: { type: 'cs', name: 'gone', id: 'cs/gone' }, ok: false, reason: '258' },
    ]);
    expect(datums.map((d) => [d.metricName, d.virtualServer, d.value])).toEqual([
      ['VirtualServerMptcpSessions', 'lb/web', 12],
      ['VirtualServerMptcpSubflows', 'lb/web', 30],
      ['VirtualServerErrors', undefined, 1],
    ]);
  });
});
