/**
 * An HA pair behind one floating address, over real parts: the simulator's two nodes (each with its own
 * counters; the secondary's keep their values), DynamoDB in moto_server. A failback shows the node that was
 * primary before, with counters HIGHER in every field than the other's: without knowing which node answered, the
 * whole difference was published as activity. The simulator's per-node counters are the ground truth.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DryRunSink, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum } from '../../lambda/core/ports.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { ContainerMemories } from '../support/container-memories.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

const SESSIONS_CREATED = 'mptcptotmpcapsession';

for (const haMode of ['primary-only', 'any'] as const)
  describeWithMoto(`HA failover and failback through a floating address (haMode ${haMode})`, () => {
    let sim: Simulator;
    let clock: number;
    let tableName: string;
    beforeEach(async () => {
      clock = 1_800_000_000_000;
      sim = await startSimulator({ seed: 23, clock: () => clock });
      tableName = uniqueName('ha-state');
      await createStateTable(tableName);
    });
    // The containers keep their NITRO sessions: ended before a test counts the sessions left open.
    const memories = new ContainerMemories();
    afterEach(async () => {
      await memories.endSessions();
      await sim.close();
    });

    function setup() {
      const appliance: ApplianceConfig = { name: uniqueName('adc'), url: sim.url, secretId: 's', caCertificate: sim.caCertificate, haMode };
      const redactor = new Redactor();
      const memory = memories.create({ redactor });
      const published: Datum[] = [];
      const run = async () => {
        const logger = createMemoryLogger('DEBUG', redactor);
        const { datums } = await runCollection(
          { appliances: [appliance], selection: resolveSelection('default'), concurrency: 1, remainingMs: 20_000 },
          {
            credentials: new StaticCredentialSource(new Map([['s', { username: sim.username, password: sim.password }]])),
            store: new DynamoDbSampleStore({ tableName, now: () => clock }),
            sink: new DryRunSink(),
            logger,
            memory,
            now: () => clock,
          },
        );
        published.push(...datums);
        return { datums, lines: logger.lines };
      };
      const value = (datums: readonly Datum[], name: string) => datums.find((d) => d.metricName === name)?.value;
      return { appliance, run, value, published };
    }

    /** A minute of traffic on the primary node, then a run a minute later; returns the node's true increase. */
    async function minute(run: () => Promise<unknown>): Promise<bigint> {
      const before = sim.getCounters()[SESSIONS_CREATED] ?? 0n;
      sim.advance(60);
      const after = sim.getCounters()[SESSIONS_CREATED] ?? 0n;
      clock += 60_000;
      await run();
      return after - before;
    }

    it('publishes no increase across a failover or a failback, counts each in NodeChanges and says so once at WARN', async () => {
      // A was primary for days: every counter far above what B gathers in a few minutes.
      for (const [name, count] of Object.entries(sim.getCounters())) sim.setCounter(name, count + 1_000_000n);
      sim.haPair();
      const { appliance, run, value, published } = setup();
      let trueActivity = 0n;
      clock += 60_000;
      await run(); // the first sample: a baseline
      trueActivity += await minute(run);
      const nodeA = sim.getCounters();

      // Failover to B (its counters are lower: it looks like a reset as well).
      sim.haSwitch();
      sim.advance(60);
      clock += 60_000;
      const failover = await run();
      expect(value(failover.datums, HEALTH_METRICS.nodeChanges)).toBe(1);
      expect(value(failover.datums, 'SessionsCreated')).toBeUndefined();
      trueActivity += await minute(run);
      trueActivity += await minute(run);
      const nodeB = sim.getCounters();
      // What made the failback look like activity: A kept counters higher than B's in every field.
      const higherOnA = Object.keys(nodeB).filter((name) => (nodeA[name] ?? 0n) > (nodeB[name] ?? 0n));
      expect(higherOnA).toContain(SESSIONS_CREATED);
      expect(Object.keys(nodeB).filter((name) => (nodeA[name] ?? 0n) < (nodeB[name] ?? 0n))).toEqual([]);

      // Failback to A.
      const transtimeBefore = (await getStateItem(tableName, appliance.name))?.['nodeTranstime']?.S;
      clock += 60_000;
      sim.haSwitch();
      const failback = await run();
      expect(sim.haPrimaryNode()).toBe(0);
      expect(value(failback.datums, 'SessionsCreated')).toBeUndefined();
      expect(value(failback.datums, HEALTH_METRICS.nodeChanges)).toBe(1);
      expect(value(failback.datums, HEALTH_METRICS.counterResets)).toBeUndefined();
      const transtimeAfter = (await getStateItem(tableName, appliance.name))?.['nodeTranstime']?.S;
      expect(transtimeBefore).toBeDefined();
      expect(transtimeAfter).toBeDefined();
      expect(transtimeAfter).not.toBe(transtimeBefore);
      const warned = failback.lines.filter((l) => l.includes('"level":"WARN"'));
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain('another HA node answered');
      expect(warned[0]).toContain(appliance.name);
      expect(warned[0]).toContain(`"previousTranstime":"${transtimeBefore}"`);
      expect(warned[0]).toContain(`"transtime":"${transtimeAfter}"`);

      trueActivity += await minute(run);
      const sessionsCreated = published.filter((d) => d.metricName === 'SessionsCreated').reduce((total, d) => total + d.value, 0);
      expect(BigInt(sessionsCreated)).toBe(trueActivity);
      expect(published.filter((d) => d.metricName === HEALTH_METRICS.nodeChanges).map((d) => d.value)).toEqual([1, 1]);
      await memories.endSessions();
      expect(sim.openSessions()).toBe(0);
    });

    it('reads a state item written before node identities were kept, then keeps the node', async () => {
      sim.haPair();
      const { appliance, run, value } = setup();
      const counters = sim.getCounters();
      clock += 60_000;
      await putStateItem(tableName, {
        appliance: { S: appliance.name },
        takenAt: { N: String(clock - 60_000) },
        counters: { M: { [SESSIONS_CREATED]: { S: counters[SESSIONS_CREATED]!.toString() } } },
        heldSince: { M: {} },
        unpublished: { L: [] },
        schemaVersion: { N: '2' },
      });
      sim.advance(60);
      const grown = (sim.getCounters()[SESSIONS_CREATED] ?? 0n) - counters[SESSIONS_CREATED]!;
      const first = await run();
      expect(BigInt(value(first.datums, 'SessionsCreated') ?? -1)).toBe(grown);
      expect(value(first.datums, HEALTH_METRICS.nodeChanges)).toBeUndefined();
      expect((await getStateItem(tableName, appliance.name))?.['nodeTranstime']?.S).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    });

    it('keeps a standalone appliance as before: no node kept, no NodeChanges, its increases published', async () => {
      const { appliance, run, published } = setup();
      clock += 60_000;
      await run();
      const grown = await minute(run);
      expect((await getStateItem(tableName, appliance.name))?.['nodeTranstime']).toBeUndefined();
      expect(published.filter((d) => d.metricName === HEALTH_METRICS.nodeChanges)).toEqual([]);
      expect(BigInt(published.filter((d) => d.metricName === 'SessionsCreated').reduce((total, d) => total + d.value, 0))).toBe(grown);
    });
  });
