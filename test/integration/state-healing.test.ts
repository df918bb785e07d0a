/**
 * A broken state table, over real parts: the simulator over HTTPS, DynamoDB in moto_server behind the fault
 * proxy (which refuses commits run after run), and a sink that keeps what CloudWatch would hold. The simulator's
 * counters are the ground truth: nothing is lost, no increase is counted more than twice, and a stuck item heals
 * within two runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum, DatumOutcome, MetricSink, PublishReport } from '../../lambda/core/ports.js';
import { CLOCK_SKEW_TOLERANCE_MS, MAX_LEASE_MS } from '../../lambda/core/state-rules.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { NothingPublishedError, type RunResult, runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type FaultProxy, type InjectedFault, startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

/** Keeps what CloudWatch stores; `failCounters` makes it refuse (or leave unanswered but store) counter datums. */
class KeepingSink implements MetricSink {
  readonly stored: Datum[] = [];
  failCounters: 'refuse' | 'unanswered-stored' | undefined;

  async publish(datums: readonly Datum[]): Promise<PublishReport> {
    const outcomes = datums.map(
      (d): DatumOutcome =>
        d.counter === undefined || !this.failCounters ? 'published' : this.failCounters === 'refuse' ? 'failed' : 'uncertain',
    );
    datums.forEach((d, i) => {
      if (outcomes[i] === 'published' || this.failCounters === 'unanswered-stored') this.stored.push(d);
    });
    return { outcomes, calls: 1, failedCalls: this.failCounters ? 1 : 0, errors: this.failCounters ? ['refused'] : [], rejected: [] };
  }

  sum(metricName: string): number {
    return this.stored.filter((d) => d.metricName === metricName).reduce((total, d) => total + d.value, 0);
  }

  /** How often each (timestamp) of a counter metric was stored. */
  storedTimes(metricName: string): number[] {
    return this.stored.filter((d) => d.metricName === metricName).map((d) => d.timestamp);
  }
}

const isCommit = (body: Buffer) => body.toString().includes('REMOVE #leaseOwner');
const isClaim = (body: Buffer) => body.toString().includes('#pendingTakenAt = :takenAt');
/** A commit that keeps the lease: a run that took over an unfinished one stores what that run may have published. */
const isResume = (body: Buffer) => body.toString().includes('#committedBy') && !isCommit(body);

describeWithMoto('a broken state table heals and never compounds', () => {
  let sim: Simulator;
  let proxy: FaultProxy;
  let refuseCommits = false;
  /** State writes that take effect and whose answer is lost, in the next run. */
  let loseAnswerOf: ((body: Buffer) => boolean) | undefined;
  let clock: number;
  let tableName: string;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, initialCounters: 'zero' });
    tableName = uniqueName('state');
    await createStateTable(tableName);
    proxy = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, (operation, _call, body): InjectedFault | undefined => {
      if (operation !== 'UpdateItem') return undefined;
      if (loseAnswerOf?.(body)) return { kind: 'answer-lost' };
      return refuseCommits && isCommit(body)
        ? { status: 400, code: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' }
        : undefined;
    });
  });
  afterAll(async () => {
    await sim.close();
    await proxy.stop();
  });
  beforeEach(() => {
    clock = 1_800_000_000_000;
    refuseCommits = false;
    loseAnswerOf = undefined;
  });

  function setup() {
    const appliance: ApplianceConfig = {
      name: uniqueName('adc'),
      url: sim.url,
      secretId: 's',
      caCertificate: sim.caCertificate,
      haMode: 'any',
    };
    const redactor = new Redactor();
    const logger = createMemoryLogger('DEBUG', redactor);
    const sink = new KeepingSink();
    const store = new DynamoDbSampleStore({
      tableName,
      client: new DynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 1 }),
      now: () => clock,
    });
    const deps = {
      credentials: new StaticCredentialSource(new Map([['s', { username: sim.username, password: sim.password }]])),
      store,
      sink,
      logger,
      memory: createContainerMemory({ redactor }),
      now: () => clock,
    };
    const selection = resolveSelection('SessionsCreated,CurrentSessions');
    let grown = 0n;
    const run = async (growBy = 100n): Promise<RunResult> => {
      // Each run finds a lease of an unfinished run expired: runs are a minute apart, leases last the run plus 5 s.
      clock += 60_000;
      sim.setCounter('mptcptotmpcapsession', (sim.getCounters()['mptcptotmpcapsession'] ?? 0n) + growBy);
      grown += growBy;
      try {
        return await runCollection({ appliances: [appliance], selection, concurrency: 1, remainingMs: 20_011 }, deps);
      } catch (error) {
        if (error instanceof NothingPublishedError) return error.run;
        throw error;
      }
    };
    const health = (result: RunResult, metricName: string) => result.datums.find((d) => d.metricName === metricName)?.value;
    return { appliance, run, sink, logger, health, grown: () => grown };
  }

  beforeEach(() => {
    sim.setCounter('mptcptotmpcapsession', 0n);
  });

  it('counts no increase more than twice, and loses none, however many commits in a row fail', async () => {
    const { run, sink, health, logger } = setup();
    await run(0n); // baseline
    refuseCommits = true;
    const failing: RunResult[] = [];
    for (let i = 0; i < 5; i++) failing.push(await run());
    refuseCommits = false;
    await run();
    await run();

    // 700 true: each failing run's 100 is stored twice (by itself and by the run after it), never a third time,
    // never lost (before: 100 + 200 + ... + 600 + 100 = 2,200).
    expect(sink.sum('SessionsCreated')).toBe(700 + 500);
    const perTime = new Map<number, number>();
    for (const t of sink.storedTimes('SessionsCreated')) perTime.set(t, (perTime.get(t) ?? 0) + 1);
    expect(Math.max(...perTime.values())).toBe(2);
    // Visible from the first failed commit: StateCommitFailed right after it, CollectionSuccess 0 from the next run.
    expect(health(failing[0]!, STATE_HEALTH_METRICS.stateCommitFailed)).toBe(1);
    expect(failing.slice(1).map((r) => health(r, HEALTH_METRICS.success))).toEqual([0, 0, 0, 0]);
    expect(logger.lines.some((l) => l.includes('"level":"ERROR"') && l.includes('state not stored'))).toBe(true);
  });

  it('drops (counts, logs) an increase published twice without an answer instead of a third time', async () => {
    const { run, sink, health, logger } = setup();
    await run(0n);
    sink.failCounters = 'unanswered-stored';
    await run();
    const second = await run();
    sink.failCounters = undefined;
    const third = await run();
    // The first 100 went out unanswered twice (stored twice), then was dropped; the second went out once more.
    const firstTime = sink.storedTimes('SessionsCreated').filter((t) => t === clock - 120_000).length;
    expect(firstTime).toBe(2);
    expect(health(second, STATE_HEALTH_METRICS.increasesDropped) ?? health(third, STATE_HEALTH_METRICS.increasesDropped)).toBeGreaterThan(
      0,
    );
    expect(logger.lines.some((l) => l.includes('counter increases dropped'))).toBe(true);
  });

  it('counts the increases a resume write drops even when that write is stored without an answer', async () => {
    // The soak of 2026-12-02: a claim stored without an answer (the run publishes nothing), then two takeovers in a
    // row whose resume writes were stored without an answer. The second one's write dropped the first interval
    // (two takeovers: "published twice") and nobody counted it: an increase neither in CloudWatch nor counted.
    const { run, sink, health } = setup();
    await run(0n);
    loseAnswerOf = isClaim;
    const unanswered = [await run()];
    loseAnswerOf = isResume;
    unanswered.push(await run(), await run());
    loseAnswerOf = undefined;
    const after = [await run(), await run()];
    expect(unanswered.map((r) => r.results[0]?.outcome)).toEqual(['failed', 'failed', 'failed']);

    const droppedSessions = [...unanswered, ...after]
      .flatMap((r) => [...(r.results[0]?.droppedIncreases ?? []), ...r.commits.flatMap((c) => c.dropped ?? [])])
      .map((interval) => [interval.takenAt, Number(interval.deltas.get('mptcptotmpcapsession') ?? 0n)] as const);
    // Counted by the run whose write may have dropped it (IncreasesDropped), and by the next run if it had not.
    expect(health(unanswered[2]!, STATE_HEALTH_METRICS.increasesDropped)).toBeGreaterThan(0);
    const droppedOnce = new Map(droppedSessions);
    const publishedTimes = new Set(sink.storedTimes('SessionsCreated'));
    for (const time of droppedOnce.keys()) expect(publishedTimes.has(time)).toBe(false);
    // Nothing uncounted: what CloudWatch holds plus what was counted as dropped is the true increase (500).
    expect(sink.sum('SessionsCreated') + [...droppedOnce.values()].reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('heals an item whose sample time lies in the future: a new baseline at once, counters again in the next run', async () => {
    const { appliance, run, sink, health, logger } = setup();
    await run(0n);
    await run();
    const item = (await getStateItem(tableName, appliance.name))!;
    await putStateItem(tableName, { ...item, takenAt: { N: String(clock + 365 * 24 * 3600_000) } });
    const repairing = await run();
    expect(health(repairing, STATE_HEALTH_METRICS.stateRepaired)).toBe(1);
    expect(repairing.results[0]!.baseline).toBe('first-sample');
    expect(logger.lines.some((l) => l.includes('"level":"WARN"') && l.includes('state item repaired'))).toBe(true);
    const before = sink.sum('SessionsCreated');
    await run();
    expect(sink.sum('SessionsCreated') - before).toBe(100);
    // A sample time within the clock-skew tolerance is respected (superseded), never treated as corrupt.
    expect(CLOCK_SKEW_TOLERANCE_MS).toBeLessThanOrEqual(60_000);
  });

  it('never publishes a carried increase a third time while a repaired item cannot be committed', async () => {
    const { appliance, run, sink } = setup();
    await run(0n);
    sink.failCounters = 'refuse';
    await run(); // its 100 is carried in the committed item
    const carriedAt = clock;
    sink.failCounters = undefined;
    const item = (await getStateItem(tableName, appliance.name))!;
    await putStateItem(tableName, { ...item, takenAt: { N: String(clock + 365 * 24 * 3600_000) } });
    refuseCommits = true;
    for (let i = 0; i < 5; i++) await run(); // each a repair that cannot be stored: a new baseline, nothing carried published
    refuseCommits = false;
    await run(); // the repair is stored
    const last = await run();
    const perTime = new Map<number, number>();
    for (const t of sink.storedTimes('SessionsCreated')) perTime.set(t, (perTime.get(t) ?? 0) + 1);
    // Before: the carried increase was published by every run that could not commit (6 times).
    expect(Math.max(...perTime.values())).toBeLessThanOrEqual(2);
    // Nothing lost: the carried increase, then the first interval after the stored repair.
    expect(perTime.get(carriedAt)).toBe(1);
    expect(perTime.get(last.results[0]!.held!.takenAt)).toBe(1);
    expect(sink.sum('SessionsCreated')).toBe(200);
  });

  it('heals an item whose lease no run can hold: taken over at once, counters flow in that run or the next', async () => {
    const { appliance, run, sink, health } = setup();
    await run(0n);
    await run();
    const item = (await getStateItem(tableName, appliance.name))!;
    await putStateItem(tableName, { ...item, leaseOwner: { S: 'restored-backup' }, leaseUntil: { N: String(clock + 30 * 24 * 3600_000) } });
    const before = sink.sum('SessionsCreated');
    const repairing = await run();
    expect(health(repairing, STATE_HEALTH_METRICS.stateRepaired)).toBe(1);
    await run();
    expect(sink.sum('SessionsCreated') - before).toBe(200);
    expect(MAX_LEASE_MS).toBeLessThan(30 * 24 * 3600_000);
  });

  it('says so at WARN, with StateBlocked and CollectionSuccess 0, when the item is busy run after run', async () => {
    const { appliance, run, health, logger } = setup();
    await run(0n);
    const blocked: RunResult[] = [];
    for (let i = 0; i < 3; i++) {
      const item = (await getStateItem(tableName, appliance.name))!;
      await putStateItem(tableName, { ...item, leaseOwner: { S: 'other-deployment' }, leaseUntil: { N: String(clock + 120_000) } });
      blocked.push(await run());
    }
    expect(blocked.map((r) => health(r, STATE_HEALTH_METRICS.stateBlocked))).toEqual([1, 1, 1]);
    expect(blocked.map((r) => health(r, HEALTH_METRICS.success))).toEqual([0, 0, 0]);
    expect(logger.lines.some((l) => l.includes('"level":"WARN"') && l.includes('runs in a row'))).toBe(true);
  });
});
