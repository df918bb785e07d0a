/**
 * Firmware 14.1 through the whole pipeline, over HTTPS against the simulator: what a 14.1 appliance publishes, and
 * an appliance upgraded from 13.1 to 14.1 between two runs (with and without the reboot a real upgrade brings).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { Datum } from '../../lambda/core/ports.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { ContainerMemories } from '../support/container-memories.js';

const V1_COUNTERS = CATALOG.filter((m) => m.since === '14.1' && m.kind === 'counter');

describe('firmware 14.1 (MPTCP v1 fields)', () => {
  let sim: Simulator;
  let clock = Date.UTC(2026, 5, 1);
  beforeEach(async () => {
    sim = await startSimulator({ seed: 21, firmware: '13.1' });
  });
  const memories = new ContainerMemories();
  afterEach(async () => {
    await memories.endSessions();
    expect(sim.openSessions()).toBe(0);
    await sim.close();
  });

  // Missing fields are logged once per container and appliance: each test has its own appliance name.
  function setup(counters: string, name: string) {
    const redactor = new Redactor();
    const logger = createMemoryLogger('DEBUG', redactor);
    const deps = {
      credentials: new StaticCredentialSource(new Map([['secret/adc', { username: sim.username, password: sim.password }]])),
      store: new InMemorySampleStore(),
      sink: new DryRunSink(),
      logger,
      memory: memories.create({ redactor }),
      now: () => clock,
    };
    const appliance = { name, url: sim.url, secretId: 'secret/adc', caCertificate: sim.caCertificate, tlsServerName: sim.serverName };
    const run = () => {
      clock += 60_000;
      return runCollection({ appliances: [appliance], selection: resolveSelection(counters), concurrency: 1, remainingMs: 20_000 }, deps);
    };
    return { run, logger };
  }
  const byName = (datums: readonly Datum[]) => new Map(datums.map((d) => [d.metricName, d.value]));
  /** The exact increase of each counter the simulator made between two snapshots. */
  /** A counter's published increase under the zero policy: no datum means it did not move (0 is never sent). */
  const publishedIncrease = (published: Map<string, number>, metricName: string) => {
    expect(published.get(metricName), `${metricName} published as 0`).not.toBe(0);
    return published.get(metricName) ?? 0;
  };
  const increase = (before: Record<string, bigint>, after: Record<string, bigint>, nitroName: string) =>
    Number(after[nitroName]! - before[nitroName]!);

  it('publishes the v1 gauge and the v1 counter increases on 14.1, and _nextgenapiresource makes no field error and no log line', async () => {
    sim.setFirmware('14.1');
    const { run, logger } = setup('everything', 'adc-14-1');
    await run();
    const before = sim.getCounters();
    sim.advance(60);
    const after = sim.getCounters();
    const second = await run();
    const published = byName(second.datums);
    expect(second.summary.appliances[0]).toMatchObject({ outcome: 'ok' });
    expect(second.results[0]!.fieldErrors).toEqual([]);
    expect(published.has('FieldErrors')).toBe(false);
    expect(published.get('CurrentV1Sessions')).toBe(Number(after['mptcpcurv1mpcapablesessions']));
    for (const metric of V1_COUNTERS)
      expect(publishedIncrease(published, metric.metricName), metric.metricName).toBe(increase(before, after, metric.nitroName));
    expect(published.get('V1SessionsCreated')).toBeGreaterThan(0);
    expect(published.get('V1SessionsCreated')).toBeLessThan(published.get('SessionsCreated')!);
    expect(logger.lines.filter((line) => /_nextgenapiresource|older firmware|missing/i.test(line))).toEqual([]);
    expect(logger.lines.filter((line) => /"level":"(WARN|ERROR)"/.test(line))).toEqual([]);
  });

  for (const reboot of [false, true]) {
    it(`publishes nothing wrong across an upgrade from 13.1 to 14.1 between two runs${reboot ? ' with the reboot it brings' : ' (no reboot)'}`, async () => {
      const { run, logger } = setup('everything', `adc-upgraded-${reboot}`);
      const first = await run();
      expect([...byName(first.datums).keys()].filter((name) => name.includes('V1'))).toEqual([]);
      expect(logger.lines.some((line) => line.includes('firmware older than 14.1') && line.includes('"level":"INFO"'))).toBe(true);

      sim.advance(60);
      if (reboot) sim.reboot();
      sim.setFirmware('14.1');
      sim.advance(60);
      const upgraded = await run();
      const atUpgrade = byName(upgraded.datums);
      expect(upgraded.summary.appliances[0]).toMatchObject({ outcome: 'ok' });
      expect(upgraded.results[0]!.fieldErrors).toEqual([]);
      // The new counters start from their first sample: no increase for them yet, whatever their value.
      for (const metric of V1_COUNTERS) expect(atUpgrade.has(metric.metricName), metric.metricName).toBe(false);
      expect(atUpgrade.get('CurrentV1Sessions')).toBe(Number(sim.getCounters()['mptcpcurv1mpcapablesessions']));
      expect(upgraded.results[0]!.baseline).toBe(reboot ? 'reset' : undefined);
      expect(atUpgrade.has('SessionsCreated')).toBe(!reboot);

      const before = sim.getCounters();
      sim.advance(60);
      const after = sim.getCounters();
      const next = byName((await run()).datums);
      for (const metric of CATALOG.filter((m) => m.kind === 'counter')) {
        expect(publishedIncrease(next, metric.metricName), metric.metricName).toBe(increase(before, after, metric.nitroName));
      }
      // The reboot's counter reset is reported (WARN, with counterResets); nothing else is.
      const warnings = logger.lines.filter((line) => /"level":"(WARN|ERROR)"/.test(line));
      expect(warnings.filter((line) => !line.includes('"counterResets"'))).toEqual([]);
      expect(warnings).toHaveLength(reboot ? 1 : 0);
    });
  }
});
