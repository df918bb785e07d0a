/**
 * The first runs after an update from a release that wrote schemaVersion 2, over real parts: the simulator over
 * HTTPS, DynamoDB in moto_server, the whole collection pipeline. The item the deployed function left (counters as
 * decimal strings, an increase CloudWatch had not confirmed) is read, published from and rewritten compactly; the
 * simulator's counters are the ground truth: every increase is published exactly once, none is lost.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DryRunSink, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { fieldsOfFirmware } from '../../lambda/catalog/catalog.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { decodeCounters } from '../../lambda/core/counter-codec.js';
import { expiresAt } from '../../lambda/core/state-rules.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

const COUNTERS = fieldsOfFirmware('13.1')
  .filter((m) => m.kind === 'counter')
  .map((m) => m.nitroName);
const SESSIONS_CREATED = 'mptcptotmpcapsession';
/** Beyond 2^53: a number would lose it. */
const HUGE = 2n ** 60n + 12_345n;

describeWithMoto('the first runs after an update from schemaVersion 2', () => {
  let sim: Simulator;
  let clock: number;
  let tableName: string;
  beforeAll(async () => {
    clock = 1_800_000_000_000;
    sim = await startSimulator({ seed: 29, clock: () => clock });
    tableName = uniqueName('state');
    await createStateTable(tableName);
  });
  afterAll(async () => {
    await sim.close();
  });

  const counters = () => new Map(COUNTERS.map((name) => [name, sim.getCounters()[name]!]));

  it('reads the old item, rewrites it compactly, and publishes every increase once: none lost, none twice', async () => {
    const appliance: ApplianceConfig = {
      name: uniqueName('adc'),
      url: sim.url,
      secretId: 's',
      caCertificate: sim.caCertificate,
      haMode: 'any',
    };
    const redactor = new Redactor();
    const sink = new DryRunSink();
    const deps = {
      credentials: new StaticCredentialSource(new Map([['s', { username: sim.username, password: sim.password }]])),
      store: new DynamoDbSampleStore({ tableName, now: () => clock }),
      sink,
      logger: createMemoryLogger('DEBUG', redactor),
      memory: createContainerMemory({ redactor }),
      now: () => clock,
    };
    const run = () =>
      runCollection({ appliances: [appliance], selection: resolveSelection('everything'), concurrency: 1, remainingMs: 20_000 }, deps);

    // What the deployed release committed a minute ago, in its layout: its sample, and 7 sessions created in the
    // interval before it that CloudWatch had not confirmed.
    sim.setCounter('mptcptotdss', HUGE);
    const old = counters();
    const oldTakenAt = clock;
    await putStateItem(tableName, {
      appliance: { S: appliance.name },
      takenAt: { N: String(oldTakenAt) },
      counters: { M: Object.fromEntries([...old].map(([name, value]): [string, AttributeValue] => [name, { S: value.toString() }])) },
      heldSince: { M: {} },
      unpublished: { L: [{ M: { takenAt: { N: String(oldTakenAt - 60_000) }, deltas: { M: { [SESSIONS_CREATED]: { S: '7' } } } } }] },
      updatedAt: { S: new Date(oldTakenAt + 900).toISOString() },
      committedBy: { S: 'a-run-of-the-deployed-release' },
      schemaVersion: { N: '2' },
      expiresAt: { N: String(expiresAt(oldTakenAt + 900)) },
    });

    const truth = new Map<string, bigint>([[`${SESSIONS_CREATED}@${oldTakenAt - 60_000}`, 7n]]);
    for (let minute = 1; minute <= 2; minute++) {
      const before = counters();
      sim.advance(60);
      clock += 60_000;
      const result = await run();
      expect(result.results[0]!.baseline).toBeUndefined();
      for (const [name, value] of counters()) if (value !== before.get(name)) truth.set(`${name}@${clock}`, value - before.get(name)!);

      const item = (await getStateItem(tableName, appliance.name))!;
      expect(item['schemaVersion']).toEqual({ N: '3' });
      expect(item['counters']?.M).toBeUndefined();
      expect(decodeCounters(item['counters']!.B!)).toEqual(counters());
      expect(item['unpublished']).toEqual({ L: [] });
      for (const gone of ['leaseOwner', 'pendingCounters']) expect(item[gone]).toBeUndefined();
    }
    expect(counters().get('mptcptotdss')! > HUGE).toBe(true);

    const published = new Map<string, bigint>();
    // The rollups (sums of counters, carried under their own name) are left out: each counter on its own.
    for (const datum of sink.published.filter((d) => d.counter !== undefined && COUNTERS.includes(d.counter))) {
      const key = `${datum.counter}@${datum.timestamp}`;
      expect(published.has(key), `${key} published twice`).toBe(false);
      published.set(key, BigInt(datum.value));
    }
    expect(published).toEqual(truth);
  });
});
