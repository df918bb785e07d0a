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
import { ContainerMemories } from '../support/container-memories.js';

describe('the time budget of a run', () => {
  let slow: Simulator;
  let healthy: Simulator;
  beforeAll(async () => {
    slow = await startSimulator({ seed: 3, sessionLimit: 40 });
    healthy = await startSimulator({ seed: 4 });
  });
  afterAll(async () => Promise.all([slow.close(), healthy.close()]));
  // The containers' kept sessions end before a test counts the sessions left open.
  const memories = new ContainerMemories();

  function run(appliances: ApplianceConfig[], concurrency: number, remainingMs: number) {
    const redactor = new Redactor();
    const credentials = new StaticCredentialSource(
      new Map([
        ['slow', { username: slow.username, password: slow.password }],
        ['healthy', { username: healthy.username, password: healthy.password }],
      ]),
    );
    const deps = {
      credentials,
      store: new InMemorySampleStore(),
      sink: new DryRunSink(),
      logger: createMemoryLogger('DEBUG', redactor),
      memory: memories.create({ redactor }),
    };
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
      for (const appliance of summary.appliances.slice(0, 10))
        expect(appliance).toMatchObject({ outcome: 'failed', errorClass: 'timeout' });
    } finally {
      slow.clearFaults();
    }
    await memories.endSessions();
    expect(slow.openSessionTags()).toEqual([]);
  });

  it('reports appliances whose turn never came as not started, not as failed logins (regression)', async () => {
    slow.injectFault({ kind: 'hang' }, { on: 'login', times: Number.POSITIVE_INFINITY });
    healthy.clearRequests();
    try {
      // 10,003 ms: a 3,503 ms window in five turns of 700 ms, one at a time: the fifth comes with less than the
      // 1,000 ms an appliance needs to be started at all.
      const hung = [1, 2, 3, 4].map((i) => at(slow, `hung-${i}`, 'slow'));
      const { summary, results } = await run([...hung, at(healthy, 'adc-1', 'healthy')], 1, 10_003);
      expect(summary.appliances.map((a) => [a.name, a.errorClass])).toEqual([
        ['hung-1', 'timeout'],
        ['hung-2', 'timeout'],
        ['hung-3', 'timeout'],
        ['hung-4', 'timeout'],
        ['adc-1', 'not-started'],
      ]);
      expect(summary.appliances[4]?.message).toMatch(/^adc-1: not started: the run's collection time ran out before its turn/);
      expect(results[4]?.datums.map((d) => [d.metricName, d.value])).toEqual([['CollectionSuccess', 0]]);
      expect(healthy.requests()).toEqual([]);
    } finally {
      slow.clearFaults();
    }
  });

  it('collects every healthy appliance behind hung ones that would have held every slot until their deadline (regression)', async () => {
    slow.injectFault({ kind: 'hang' }, { on: 'login', times: Number.POSITIVE_INFINITY });
    healthy.injectFault({ kind: 'latency', ms: 100 }, { times: Number.POSITIVE_INFINITY });
    try {
      // 13,000 ms: a 6,500 ms window. Two hung appliances first, then ten healthy ones of ~0.4 s each, two at a
      // time: had the hung ones kept both slots for their 5 s, the healthy ones would have needed 7 s in all.
      const hung = [1, 2].map((i) => at(slow, `hung-${i}`, 'slow'));
      const healthyOnes = Array.from({ length: 10 }, (_, i) => at(healthy, `adc-${i + 1}`, 'healthy'));
      const { summary, budget } = await run([...hung, ...healthyOnes], 2, 13_000);
      expect(Date.now()).toBeLessThanOrEqual(budget.deadline);
      expect(summary.appliances.map((a) => [a.name, a.outcome, a.errorClass])).toEqual([
        ['hung-1', 'failed', 'timeout'],
        ['hung-2', 'failed', 'timeout'],
        ...healthyOnes.map((a) => [a.name, 'ok', undefined]),
      ]);
    } finally {
      slow.clearFaults();
      healthy.clearFaults();
    }
    await memories.endSessions();
    expect(healthy.openSessionTags()).toEqual([]);
  });
});
