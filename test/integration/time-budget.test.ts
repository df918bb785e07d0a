/**
 * One slow appliance never starves the others, and every run ends inside its budget: requests and appliances
 * have total deadlines (a body that drips in never goes idle), and appliances whose turn never came are reported
 * as not started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';

describe('the time budget of a run', () => {
  let slow: Simulator;
  let healthy: Simulator;
  beforeAll(async () => {
    slow = await startSimulator({ seed: 3, sessionLimit: 40 });
    healthy = await startSimulator({ seed: 4 });
  });
  afterAll(async () => Promise.all([slow.close(), healthy.close()]));

  function run(appliances: ApplianceConfig[], concurrency: number, remainingMs: number) {
    const redactor = new Redactor();
    const credentials = new StaticCredentialSource(
      new Map([
        ['slow', { username: slow.username, password: slow.password }],
        ['healthy', { username: healthy.username, password: healthy.password }],
      ]),
    );
    const deps = { credentials, store: new InMemorySampleStore(), sink: new DryRunSink(), logger: createMemoryLogger('DEBUG', redactor), redactor };
    return runCollection({ appliances, selection: resolveSelection('default'), concurrency, remainingMs }, deps);
  }
  const at = (sim: Simulator, name: string, secretId: string): ApplianceConfig => ({
    name,
    url: sim.url,
    secretId,
    caCertificate: sim.caCertificate,
    haMode: 'any',
  });

  it('collects the healthy appliances although 10 appliances drip their answers and fill every slot (regression)', async () => {
    slow.injectFault({ kind: 'drip', intervalMs: 200, bytes: 1 }, { on: 'stat', times: Number.POSITIVE_INFINITY });
    try {
      const dripping = Array.from({ length: 10 }, (_, i) => at(slow, `drip-${i + 1}`, 'slow'));
      const started = Date.now();
      // 16,497 ms: a 9,697 ms collection window, two waves of 10, so 5 s per appliance.
      const { summary, budget } = await run([...dripping, at(healthy, 'adc-1', 'healthy'), at(healthy, 'adc-2', 'healthy')], 10, 16_497);
      expect(Date.now()).toBeLessThanOrEqual(budget.deadline);
      expect(Date.now() - started).toBeLessThan(9_697 + 3_500);
      expect(summary.appliances.slice(10).map((a) => [a.name, a.outcome])).toEqual([
        ['adc-1', 'ok'],
        ['adc-2', 'ok'],
      ]);
      for (const appliance of summary.appliances.slice(0, 10)) expect(appliance).toMatchObject({ outcome: 'failed', errorClass: 'timeout' });
    } finally {
      slow.clearFaults();
    }
    expect(slow.openSessionTags()).toEqual([]);
  });

  it('reports appliances whose turn never came as not started, not as failed logins (regression)', async () => {
    slow.injectFault({ kind: 'hang' }, { on: 'login', times: Number.POSITIVE_INFINITY });
    healthy.clearRequests();
    try {
      // 10,003 ms: a 3,503 ms window that the first slow appliance uses up.
      const { summary, results } = await run([at(slow, 'hung-1', 'slow'), at(slow, 'hung-2', 'slow'), at(healthy, 'adc-1', 'healthy')], 1, 10_003);
      expect(summary.appliances.map((a) => [a.name, a.errorClass])).toEqual([
        ['hung-1', 'timeout'],
        ['hung-2', 'not-started'],
        ['adc-1', 'not-started'],
      ]);
      expect(summary.appliances[2]?.message).toMatch(/^adc-1: not started: the run's collection time ran out before its turn/);
      expect(results[2]?.datums.map((d) => [d.metricName, d.value])).toEqual([
        ['CollectionSuccess', 0],
        ['CollectionDuration', 0],
      ]);
      expect(healthy.requests()).toEqual([]);
    } finally {
      slow.clearFaults();
    }
  });
});
