/**
 * The sample record answers exact questions no billed metric has to: the real handler against the default
 * simulated appliance and moto_server, and "how many MP_JOIN SYNs did the appliance receive between t1 and t2"
 * answered by summing the records' field, compared with the simulator's own counter difference.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SAMPLE_RECORD_MESSAGE, SAMPLE_RECORD_VERSION, sampleRecordField } from '../../lambda/core/sample-record.js';
import { createHandler } from '../../lambda/handler.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { ASSUMPTIONS, LOG_EVENT_OVERHEAD_BYTES } from '../../scripts/cost-estimate.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { countdownContext } from '../support/lambda-context.js';
import { describeWithMoto } from '../support/moto.js';
import { applianceSecret, createSecret, createStateTable, uniqueName } from '../support/moto-aws.js';
import { fieldValue } from '../support/record-field.js';

type Line = Record<string, unknown>;

describeWithMoto('the sample record: exact counts for every counter from the logs', () => {
  let sim: Simulator;
  let memory: ContainerMemory;
  let secretId: string;
  beforeAll(async () => {
    sim = await startSimulator();
    sim.setAutoAdvance(false);
    secretId = await createSecret(uniqueName('netscaler/adc-record'), applianceSecret(sim));
  });
  afterAll(async () => sim.close());
  afterEach(async () => endNitroSessions(memory));

  it("sums to the simulator's true MP_JOIN SYN count between two sample times, records compact and secret-free", async () => {
    const table = uniqueName('mptcp-state');
    await createStateTable(table);
    memory = createContainerMemory();
    const logger = createMemoryLogger('INFO', memory.redactor);
    const handler = createHandler({ env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: uniqueName('Test/MPTCP') }, logger, memory });
    const appliance = uniqueName('adc-record');
    const event = { appliances: [{ name: appliance, url: sim.url, secretId, tlsServerName: sim.serverName }] };

    const joinSyns: bigint[] = [];
    const linesPerRun: string[][] = [];
    for (let run = 0; run < 6; run++) {
      if (run > 0) sim.advance(60);
      const before = logger.lines.length;
      const summary = await handler(event, countdownContext(49_000));
      expect(summary.appliances[0]!.outcome).toBe('ok');
      joinSyns.push(sim.getCounters()['mptcptotmpjoinsyn']!);
      linesPerRun.push(logger.lines.slice(before));
    }
    const records = logger.lines.map((l) => JSON.parse(l) as Line).filter((l) => l['message'] === SAMPLE_RECORD_MESSAGE);
    expect(records).toHaveLength(6);
    expect(records.every((r) => r['record'] === SAMPLE_RECORD_VERSION && r['appliance'] === appliance && r['level'] === 'INFO')).toBe(true);
    expect(records[0]).toMatchObject({ deltas: null, baseline: 'first-sample' });

    // t1 = the second run's sample, t2 = the last run's: the records whose interval lies within [t1, t2].
    const t1 = records[1]!['intervalEndMs'] as number;
    const t2 = records[5]!['intervalEndMs'] as number;
    const field = sampleRecordField('MpJoinSynReceived');
    const inWindow = records.filter((r) => (r['intervalStartMs'] as number) >= t1 && (r['intervalEndMs'] as number) <= t2);
    expect(inWindow).toHaveLength(4);
    const answer = inWindow.reduce((total, r) => total + BigInt((fieldValue(r, field) as number | undefined) ?? 0), 0n);
    expect(joinSyns[5]! - joinSyns[1]!).toBeGreaterThan(0n);
    expect(answer).toBe(joinSyns[5]! - joinSyns[1]!);

    // Every counter of the catalog, billed or not: the one interval's record holds each counter's true increase.
    expect(fieldValue(records[5]!, sampleRecordField('CurrentSessions'))).toBe(Number(sim.getCounters()['mptcpcurmpcapablesessions']));
    expect(fieldValue(records[5]!, sampleRecordField('CollectionSuccess'))).toBe(1);

    const bytes = logger.lines.filter((l) => l.includes(`"message":"${SAMPLE_RECORD_MESSAGE}"`)).map((l) => Buffer.byteLength(l));
    expect(Math.max(...bytes)).toBeLessThanOrEqual(ASSUMPTIONS.sampleRecordBytes);
    expect(Math.min(...bytes.slice(1))).toBeGreaterThanOrEqual(ASSUMPTIONS.sampleRecordBytes * 0.85);
    expect(logger.lines.join('\n')).not.toContain(sim.password);

    // The cost estimate's per-appliance log bytes hold what a steady run logs for the appliance.
    const steady = linesPerRun[5]!.filter((l) => (JSON.parse(l) as Line)['appliance'] === appliance);
    const steadyBytes = steady.reduce((total, l) => total + Buffer.byteLength(l) + LOG_EVENT_OVERHEAD_BYTES, 0);
    expect(ASSUMPTIONS.logBytesPerAppliancePerRun).toBeGreaterThanOrEqual(steadyBytes);
    expect(ASSUMPTIONS.logBytesPerAppliancePerRun).toBeLessThanOrEqual(steadyBytes * 1.25);
  });
});
