import { describe, expect, it } from 'vitest';
import { CATALOG, isProblemCounter } from '../../lambda/catalog/catalog.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { getStat, json, login } from '../support/https-client.js';

const COUNTERS = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);
const GAUGES = CATALOG.filter((m) => m.kind === 'gauge').map((m) => m.nitroName);

async function withSimulator<T>(options: Parameters<typeof startSimulator>[0], body: (sim: Simulator) => Promise<T> | T): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

function counter(values: Record<string, bigint>, name: string): bigint {
  const value = values[name];
  if (value === undefined) throw new Error(`no counter ${name}`);
  return value;
}

describe('traffic model', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const run = (seed: number) =>
      withSimulator({ seed }, (sim) => {
        const snapshots = [];
        for (const seconds of [1, 60, 0.5, 300]) {
          sim.advance(seconds);
          snapshots.push(sim.getCounters());
        }
        return snapshots;
      });
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it('never decreases a counter and keeps gauges >= 0', async () => {
    await withSimulator({ seed: 7 }, (sim) => {
      let previous = sim.getCounters();
      for (let step = 0; step < 200; step += 1) {
        sim.advance(step % 3 === 0 ? 0.25 : 45);
        const current = sim.getCounters();
        for (const name of COUNTERS) expect(counter(current, name) >= counter(previous, name), name).toBe(true);
        for (const name of GAUGES) expect(counter(current, name) >= 0n, name).toBe(true);
        previous = current;
      }
    });
  });

  it('moves gauges up and down', async () => {
    await withSimulator({ seed: 3 }, (sim) => {
      const seen = new Set<bigint>();
      for (let step = 0; step < 50; step += 1) {
        sim.advance(60);
        seen.add(counter(sim.getCounters(), 'mptcpcurmpcapablesessions'));
      }
      expect(seen.size).toBeGreaterThan(10);
    });
  });

  it('keeps the handshake order: SYN >= SYN/ACK >= final ACK, and sessions created = established', async () => {
    await withSimulator({ seed: 11, initialCounters: 'zero' }, (sim) => {
      for (let step = 0; step < 20; step += 1) {
        sim.advance(30);
        const c = sim.getCounters();
        expect(counter(c, 'mptcptotmpcapsyn')).toBeGreaterThanOrEqual(counter(c, 'mptcptotmpcapsynacksent'));
        expect(counter(c, 'mptcptotmpcapsynacksent')).toBeGreaterThanOrEqual(counter(c, 'mptcptotmpcapfackrecvd'));
        expect(counter(c, 'mptcptotmpjoinsyn')).toBeGreaterThanOrEqual(counter(c, 'mptcptotmpjoinsynacksent'));
        expect(counter(c, 'mptcptotmpjoinsynacksent')).toBeGreaterThanOrEqual(counter(c, 'mptcptotmpjoinfackrecvd'));
        expect(counter(c, 'mptcptotmpcapsession')).toBe(counter(c, 'mptcptotconnest'));
        expect(counter(c, 'mptcptotdss')).toBe(counter(c, 'mptcptotrxdss') + counter(c, 'mptcptottxdss'));
        expect(counter(c, 'mptcptotsfconn')).toBe(counter(c, 'mptcptotconnest') + counter(c, 'mptcptotmpjoin4thacksent'));
      }
      expect(counter(sim.getCounters(), 'mptcptotmpcapsyn')).toBeGreaterThan(counter(sim.getCounters(), 'mptcptotmpcapfackrecvd'));
    });
  });

  it('eventually moves every counter, errors and fallbacks included', async () => {
    await withSimulator({ seed: 5, initialCounters: 'zero' }, (sim) => {
      sim.advance(7 * 24 * 3600);
      const still = COUNTERS.filter((name) => counter(sim.getCounters(), name) === 0n);
      expect(still).toEqual([]);
    });
  });

  it('keeps every problem counter still on a quiet appliance, and moves every traffic counter of "all" each minute', async () => {
    await withSimulator({ seed: 5, initialCounters: 'zero', quiet: true }, (sim) => {
      sim.advance(24 * 3600);
      const problems = CATALOG.filter(isProblemCounter).map((m) => m.nitroName);
      expect(problems.filter((name) => counter(sim.getCounters(), name) !== 0n)).toEqual([]);
      const traffic = resolveSelection('all').filter((m) => m.kind === 'counter' && !isProblemCounter(m) && m.since === undefined);
      const before = sim.getCounters();
      sim.advance(60);
      const after = sim.getCounters();
      expect(traffic.filter((m) => counter(after, m.nitroName) === counter(before, m.nitroName)).map((m) => m.metricName)).toEqual([]);
    });
  });

  it('publishes per-second rates of the last advance', async () => {
    await withSimulator({ seed: 9, initialCounters: 'zero' }, (sim) => {
      sim.advance(100);
      const before = counter(sim.getCounters(), 'mptcptotmpcapsession');
      sim.advance(50);
      const delta = counter(sim.getCounters(), 'mptcptotmpcapsession') - before;
      expect(sim.getRates()['mptcpmpcapsessionrate']).toBe(Math.round(Number(delta) / 50));
      expect(sim.getRates()['mptcpmpcapsessionrate']).toBeGreaterThan(0);
    });
  });

  it('starts at zero when asked, and reboot() zeroes everything', async () => {
    await withSimulator({ initialCounters: 'zero' }, (sim) => {
      expect(Object.values(sim.getCounters()).every((value) => value === 0n)).toBe(true);
      sim.advance(120);
      expect(counter(sim.getCounters(), 'mptcptotmpcapsession')).toBeGreaterThan(0n);
      sim.reboot();
      expect(Object.values(sim.getCounters()).every((value) => value === 0n)).toBe(true);
      expect(Object.values(sim.getRates()).every((value) => value === 0)).toBe(true);
    });
  });

  it('wraps a counter at 2^64 like a 64-bit register', async () => {
    await withSimulator({ initialCounters: 'zero' }, (sim) => {
      sim.setCounter('mptcptotmpcapsyn', 2n ** 64n - 1n);
      sim.advance(60);
      const after = counter(sim.getCounters(), 'mptcptotmpcapsyn');
      expect(after).toBeLessThan(10_000n);
    });
  });

  it('rejects a negative or infinite advance', async () => {
    await withSimulator({}, (sim) => {
      expect(() => sim.advance(-1)).toThrow(RangeError);
      expect(() => sim.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    });
  });
});

describe('autoAdvance', () => {
  it('moves the counters by the clock time between stat GETs only when on', async () => {
    let now = 1_700_000_000_000;
    await withSimulator({ seed: 2, clock: () => now, autoAdvance: false }, async (sim) => {
      const session = await login(sim);
      const created = async () =>
        BigInt(String((json(await getStat(sim, session))['protocolmptcp'] as Record<string, unknown>)['mptcptotmpcapsession']));
      const start = await created();
      now += 60_000;
      expect(await created()).toBe(start);

      sim.setAutoAdvance(true);
      now += 60_000;
      const afterMinute = await created();
      expect(afterMinute).toBeGreaterThan(start);
      expect(await created()).toBe(afterMinute); // no time passed
    });
  });

  it('matches advance() for the same seed and time', async () => {
    let now = 1_700_000_000_000;
    const auto = await withSimulator({ seed: 8, clock: () => now, autoAdvance: true }, async (sim) => {
      const session = await login(sim);
      now += 90_000;
      await getStat(sim, session);
      return sim.getCounters();
    });
    const manual = await withSimulator({ seed: 8 }, (sim) => {
      sim.advance(90);
      return sim.getCounters();
    });
    expect(auto).toEqual(manual);
  });
});
