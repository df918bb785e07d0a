/**
 * A failing state table degrades, it does not blind: the simulator over HTTPS, DynamoDB in moto_server behind the
 * fault proxy refusing every call (throttled, then denied) for whole runs, a sink that keeps what CloudWatch would
 * hold. Through the outage the gauges and the health metrics flow and StateUnavailable says why counters wait; once
 * the table answers, the increases resume from the table's baseline: their sum is the simulator's true activity.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { DynamoDbCredentialRejections } from '../../lambda/aws/credential-rejections.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum, MetricSink, PublishReport } from '../../lambda/core/ports.js';
import { SAMPLE_RECORD_MESSAGE, type SampleRecord, sampleRecordField } from '../../lambda/core/sample-record.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type FaultProxy, type InjectedFault, startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, uniqueName } from '../support/moto-aws.js';
import { fieldValue } from '../support/record-field.js';

class KeepingSink implements MetricSink {
  readonly stored: Datum[] = [];
  async publish(datums: readonly Datum[]): Promise<PublishReport> {
    this.stored.push(...datums);
    return { outcomes: datums.map(() => 'published' as const), calls: 1, failedCalls: 0, errors: [], rejected: [] };
  }
  sum(metricName: string): number {
    return this.stored.filter((d) => d.metricName === metricName).reduce((total, d) => total + d.value, 0);
  }
}

const FAULTS: Record<string, InjectedFault> = {
  throttled: {
    status: 400,
    code: 'ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded',
  },
  denied: { status: 400, code: 'AccessDeniedException', message: 'User is not authorized to perform: dynamodb:UpdateItem' },
};

describeWithMoto('a failing state table degrades, it does not blind', () => {
  let sim: Simulator;
  let proxy: FaultProxy;
  let tableName: string;
  let fault: InjectedFault | undefined;
  let clock = 1_800_000_000_000;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 23, initialCounters: 'zero' });
    tableName = uniqueName('state');
    await createStateTable(tableName);
    proxy = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, () => fault);
  });
  afterAll(async () => {
    await sim.close();
    await proxy.stop();
  });

  function setup() {
    const appliances: ApplianceConfig[] = ['a', 'b'].map((suffix) => ({
      name: uniqueName(`adc-${suffix}`),
      url: sim.url,
      secretId: 's',
      caCertificate: sim.caCertificate,
      haMode: 'any',
    }));
    const sink = new KeepingSink();
    const client = new DynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const credentials = new StaticCredentialSource(new Map([['s', { username: sim.username, password: sim.password }]]));
    const run = async (memory: ContainerMemory, growBy: bigint) => {
      clock += 60_000;
      sim.setCounter('mptcptotmpcapsession', (sim.getCounters()['mptcptotmpcapsession'] ?? 0n) + growBy);
      const logger = createMemoryLogger('DEBUG', memory.redactor);
      const logins = sim.requests().filter((r) => r.path.endsWith('/login')).length;
      const result = await runCollection(
        { appliances, selection: resolveSelection('SessionsCreated,CurrentSessions'), concurrency: 2, remainingMs: 20_000 },
        {
          credentials,
          store: new DynamoDbSampleStore({ tableName, client, now: () => clock }),
          rejections: new DynamoDbCredentialRejections({ tableName, client }),
          sink,
          logger,
          memory,
          now: () => clock,
        },
      );
      const values = (metricName: string) => result.datums.filter((d) => d.metricName === metricName).map((d) => d.value);
      const warnings = logger.lines.filter((l) => l.includes('"level":"WARN"'));
      const loggedIn = sim.requests().filter((r) => r.path.endsWith('/login')).length - logins;
      return { result, values, warnings, lines: logger.lines, loggedIn };
    };
    return { appliances, sink, run };
  }

  it('publishes gauges and StateUnavailable through two whole runs of outage, then resumes the increases exactly once', async () => {
    const { appliances, sink, run } = setup();
    const warm = createContainerMemory();
    const baseline = await run(warm, 0n);
    expect(baseline.values(HEALTH_METRICS.success)).toEqual([1, 1]);

    const outage = [];
    for (const kind of ['throttled', 'denied']) {
      fault = FAULTS[kind];
      // The kept sessions are gone (a failover, an admin's kill): whether this warm container may log in without
      // the table is the credential gate's to decide.
      await endNitroSessions(warm);
      outage.push({ kind, ...(await run(warm, 100n)) });
    }
    fault = undefined;
    const after = [await run(warm, 100n), await run(warm, 100n)];

    for (const { kind, values, warnings, result, loggedIn } of outage) {
      expect(loggedIn, kind).toBe(2); // warm: the version worked in this container
      expect(values('CurrentSessions'), kind).toHaveLength(2);
      expect(values(STATE_HEALTH_METRICS.stateUnavailable), kind).toEqual([1, 1]);
      expect(values('SessionsCreated'), kind).toEqual([]);
      // One WARN line for the run, naming both appliances and the error class; nothing else at WARN or above.
      expect(warnings, kind).toHaveLength(1);
      const line = JSON.parse(warnings[0]!) as { appliances: string[]; errorClass: string; causes: string[] };
      expect(line.appliances.sort(), kind).toEqual(appliances.map((a) => a.name).sort());
      expect(line.errorClass, kind).toBe('state-error');
      expect(line.causes, kind).toEqual([kind === 'throttled' ? 'ProvisionedThroughputExceededException' : 'AccessDeniedException']);
      expect(result.commits, kind).toEqual([]);
    }
    for (const { values, warnings } of after) {
      expect(values(STATE_HEALTH_METRICS.stateUnavailable)).toEqual([]);
      expect(values(HEALTH_METRICS.success)).toEqual([1, 1]);
      expect(warnings).toEqual([]);
    }
    // The first run that reaches the table counts the outage's 200 and its own 100, from the table's baseline.
    expect(after[0]!.values('SessionsCreated')).toEqual([300, 300]);
    // The sum over all runs is the true activity: 400 per appliance, nothing counted twice.
    expect(sink.sum('SessionsCreated')).toBe(2 * 400);
    expect(sink.stored.filter((d) => d.metricName === 'CurrentSessions')).toHaveLength(2 * 5);

    // The sample records say the same: no increase in the outage's (and why), the held-back 200 in the record of
    // the run that publishes it, over the whole interval since the table's baseline; their sum is the truth.
    const records = (lines: readonly string[]) =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['message'] === SAMPLE_RECORD_MESSAGE) as unknown as SampleRecord[];
    for (const { kind, lines } of outage)
      expect(
        records(lines).map((r) => [r.deltas, r.baseline]),
        kind,
      ).toEqual([
        [null, 'state-unavailable'],
        [null, 'state-unavailable'],
      ]);
    const sessionsCreated = (r: SampleRecord) => Number(fieldValue(r, sampleRecordField('SessionsCreated')) ?? 0);
    const resumed = records(after[0]!.lines);
    expect(resumed.map(sessionsCreated)).toEqual([300, 300]);
    expect(resumed.map((r) => r.intervalStartMs)).toEqual(records(baseline.lines).map((r) => r.intervalEndMs));
    const all = [baseline, ...outage, ...after].flatMap((r) => records(r.lines));
    for (const appliance of appliances)
      expect(all.filter((r) => r.appliance === appliance.name).reduce((t, r) => t + sessionsCreated(r), 0)).toBe(400);
  });

  it('a cold container that cannot read the table does not log in (lockout-safe), and says why', async () => {
    const { run } = setup();
    fault = FAULTS['throttled'];
    try {
      const cold = await run(createContainerMemory(), 100n);
      expect(cold.loggedIn).toBe(0);
      expect(cold.values(STATE_HEALTH_METRICS.stateUnavailable)).toEqual([1, 1]);
      expect(cold.values(HEALTH_METRICS.success)).toEqual([0, 0]);
      expect(cold.values('CurrentSessions')).toEqual([]);
      expect(cold.warnings).toHaveLength(1);
      expect(cold.result.summary.appliances[0]!.message).toMatch(/no record of secret version .* working yet: not logging in/);
    } finally {
      fault = undefined;
    }
  });
});
