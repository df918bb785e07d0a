/**
 * Every counter increase reaches CloudWatch exactly once, whatever fails on the way (the simulator's counters are
 * the ground truth), except in the windows docs/architecture.md "How counters become CloudWatch metrics" names and counts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum, DatumOutcome, MetricSink, PublishReport, SampleStore } from '../../lambda/core/ports.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { NothingPublishedError, type RunResult, runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';

/** A sink whose next publish can be told what to do with counter datums; it keeps what CloudWatch would hold. */
type Failure = 'failed' | 'uncertain-but-stored' | 'everything-failed';

class ScriptedSink implements MetricSink {
  readonly stored: Datum[] = [];
  private mode: Failure | undefined;

  /** The next publish fails the counter datums (or every datum), or sends them without an answer but stores them. */
  failNextCounters(mode: Failure): void {
    this.mode = mode;
  }

  async publish(datums: readonly Datum[]): Promise<PublishReport> {
    const mode = this.mode;
    this.mode = undefined;
    const outcomes = datums.map((datum): DatumOutcome => {
      if (mode === 'everything-failed') return 'failed';
      if (datum.counter === undefined || mode === undefined) return 'published';
      return mode === 'failed' ? 'failed' : 'uncertain';
    });
    datums.forEach((datum, index) => {
      if (outcomes[index] === 'published' || mode === 'uncertain-but-stored') this.stored.push(datum);
    });
    return { outcomes, calls: 1, failedCalls: mode === undefined ? 0 : 1, errors: mode ? [`simulated: ${mode}`] : [], rejected: [] };
  }

  sum(metricName: string, appliance: string): number {
    return this.stored.filter((d) => d.metricName === metricName && d.appliance === appliance).reduce((total, d) => total + d.value, 0);
  }

  timestamps(metricName: string, appliance: string): number[] {
    return this.stored.filter((d) => d.metricName === metricName && d.appliance === appliance).map((d) => d.timestamp);
  }
}

describe('no counter increase is lost when an edge fails', () => {
  let sim: Simulator;
  let clock: number;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, initialCounters: 'zero' });
  });
  afterAll(async () => sim.close());
  beforeEach(() => {
    clock = 1_800_000_000_000;
    sim.clearFaults();
    sim.resetFields();
    sim.setCounter('mptcptotmpcapsession', 0n);
    sim.setCounter('mptcptotsfconn', 0n);
  });

  const appliance: () => ApplianceConfig = () => ({
    name: 'adc-1',
    url: sim.url,
    secretId: 's',
    caCertificate: sim.caCertificate,
    haMode: 'any',
  });

  function setup(store: SampleStore = new InMemorySampleStore()) {
    const redactor = new Redactor();
    const logger = createMemoryLogger('DEBUG', redactor);
    const sink = new ScriptedSink();
    const deps = {
      credentials: new StaticCredentialSource(new Map([['s', { username: sim.username, password: sim.password }]])),
      store,
      sink,
      logger,
      memory: createContainerMemory({ redactor }),
      now: () => clock,
    };
    const selection = resolveSelection('SessionsCreated,SubflowsCreated,CurrentSessions');
    const run = async (): Promise<RunResult> => {
      clock += 60_000;
      try {
        return await runCollection({ appliances: [appliance()], selection, concurrency: 1, remainingMs: 20_011 }, deps);
      } catch (error) {
        if (error instanceof NothingPublishedError) return error.run;
        throw error;
      }
    };
    return { run, sink, logger };
  }

  const grow = (by: bigint) => {
    const counters = sim.getCounters();
    sim.setCounter('mptcptotmpcapsession', counters['mptcptotmpcapsession']! + by);
  };

  it('publishes increases CloudWatch refused in the next run, with the time they happened', async () => {
    const { run, sink } = setup();
    await run(); // baseline
    grow(100n);
    await run();
    const refusedAt = clock + 60_000;
    grow(40n);
    sink.failNextCounters('failed');
    const refused = await run();
    expect(refused.summary.publishError).toContain('simulated: failed');
    grow(7n);
    const next = await run();
    expect(next.results[0]?.replayedIntervals).toBe(1);
    expect(sink.sum('SessionsCreated', 'adc-1')).toBe(147);
    expect(sink.timestamps('SessionsCreated', 'adc-1')).toContain(refusedAt);
  });

  it('loses nothing when CloudWatch takes nothing at all for several runs (the run rejects, the state still moves on)', async () => {
    const { run, sink } = setup();
    await run();
    for (let i = 0; i < 3; i++) {
      grow(10n);
      sink.failNextCounters('everything-failed');
      const result = await run();
      expect(result.summary.datapointsPublished).toBe(0);
      expect(result.commits).toEqual([{ appliance: 'adc-1', outcome: 'committed', atRisk: 0 }]);
    }
    grow(1n);
    await run();
    expect(sink.sum('SessionsCreated', 'adc-1')).toBe(31);
    expect(sink.timestamps('SessionsCreated', 'adc-1')).toHaveLength(4);
  });

  it('counts increases sent without an answer as uncertain: published again, so counted twice when CloudWatch had stored them', async () => {
    const { run, sink } = setup();
    await run();
    grow(25n);
    sink.failNextCounters('uncertain-but-stored');
    const unanswered = await run();
    // SessionsCreated only: SubflowsCreated did not move, so nothing of it was sent (the zero policy).
    expect(unanswered.summary.uncertainDatapoints).toBe(1);
    await run();
    // The one window that remains: CloudWatch stored the call whose answer was lost, and the replay stores it again.
    expect(sink.sum('SessionsCreated', 'adc-1')).toBe(50);
  });

  it('counts the whole increase of a field that vanished for a while when it comes back', async () => {
    const { run, sink } = setup();
    await run();
    grow(5n);
    await run();
    sim.removeFields(['mptcptotmpcapsession']);
    grow(30n);
    await run();
    grow(30n);
    await run();
    sim.resetFields();
    grow(1n);
    await run();
    expect(sink.sum('SessionsCreated', 'adc-1')).toBe(66);
  });

  it('publishes again what an unfinished run may have published when its state could not be stored, and says so', async () => {
    const memory = new InMemorySampleStore();
    let failCommit = false;
    const store: SampleStore = {
      claim: (appliance, request) => memory.claim(appliance, request),
      commit: async (appliance, owner, state) => {
        if (failCommit) throw new Error('DynamoDB unreachable');
        return memory.commit(appliance, owner, state);
      },
    };
    const { run, sink, logger } = setup(store);
    await run();
    grow(12n);
    failCommit = true;
    const uncommitted = await run();
    expect(uncommitted.summary.uncommitted).toEqual(['adc-1']);
    // At risk: the SessionsCreated increase; the still SubflowsCreated published nothing (the zero policy).
    expect(uncommitted.commits[0]).toMatchObject({ outcome: 'failed', atRisk: 1 });
    expect(logger.lines.some((l) => l.includes('state not stored'))).toBe(true);
    failCommit = false;
    grow(3n);
    const next = await run();
    expect(next.results[0]?.tookOverUnfinishedRun).toBe(true);
    // The second window: the increase of the unfinished run is published again with the next one.
    expect(sink.sum('SessionsCreated', 'adc-1')).toBe(12 + 12 + 3);
  });
});
