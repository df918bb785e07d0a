import { randomUUID } from 'node:crypto';
import { type MetricDefinition, missingBeyondFirmware } from '../catalog/catalog.js';
import { mapConcurrently } from '../concurrency.js';
import type { ApplianceConfig } from '../config/appliance.js';
import { applianceBudgetMs, applianceTurnMs, MIN_START_MS, planRunBudget, type RunBudget } from '../core/budget.js';
import { stateHealthDatums } from '../core/datums.js';
import { countIncreases, remainingUnpublished } from '../core/ledger.js';
import type { CounterInterval, Datum, DatumOutcome, MetricSink, PublishReport } from '../core/ports.js';
import { buildSampleRecord, SAMPLE_RECORD_MESSAGE, type SampleBaseline } from '../core/sample-record.js';
import { LEASE_MARGIN_MS, MAX_RUN_MS } from '../core/state-rules.js';
import { clearableSignalAt, signalAt } from '../deadline.js';
import { CollectorError, type ErrorClass, StateUnavailableError, toCollectorError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  type ApplianceResult,
  type CollectorDependencies,
  collectAppliance,
  DEFAULT_MAX_SAMPLE_AGE_MS,
  failedResult,
  type HeldState,
  type RunContext,
} from './collect-appliance.js';
import type { ContainerMemory } from './container-memory.js';

export interface CollectionRequest {
  readonly appliances: readonly ApplianceConfig[];
  readonly selection: readonly MetricDefinition[];
  /** Appliances collected at once. */
  readonly concurrency: number;
  /** The time the run may take in all (context.getRemainingTimeInMillis()); see core/budget.ts for its phases. */
  readonly remainingMs: number;
  /** This run's unique id (default: a random UUID). */
  readonly runId?: string;
}

export { LEASE_MARGIN_MS };

/** State commits in flight at once (each is one small UpdateItem). */
const COMMIT_CONCURRENCY = 10;

export type CommitOutcome = 'committed' | 'lease-lost' | 'failed';

export interface ApplianceSummary {
  readonly name: string;
  readonly outcome: ApplianceResult['outcome'];
  readonly errorClass?: ErrorClass;
  readonly message?: string;
  readonly nitroErrorCode?: number;
  /** Datapoints CloudWatch confirmed for this appliance. */
  readonly datapoints: number;
  readonly durationMs: number;
}

/** What one run did: the handler's return value, and the CLI's report. */
export interface RunSummary {
  readonly appliances: readonly ApplianceSummary[];
  readonly datapointsPublished: number;
  readonly putMetricDataCalls: number;
  /** Set when CloudWatch did not take (all of) the datums. */
  readonly publishError?: string;
  /**
   * Counter datapoints sent without an answer (CloudWatch may have stored them): kept for the next run, so they
   * are published once more, and counted twice if CloudWatch had in fact stored them.
   */
  readonly uncertainDatapoints?: number;
  /** Appliances whose new state could not be stored: the next run publishes their increases again. */
  readonly uncommitted?: readonly string[];
  /** Set when the result had to be bounded (see handler.ts): how many appliances were left out of `appliances`. */
  readonly appliancesLeftOut?: number;
  readonly uncommittedCount?: number;
}

export interface CommitReport {
  readonly appliance: string;
  readonly outcome: CommitOutcome;
  /** Counter increases (by datum) CloudWatch confirmed that the next run may publish again, when not committed. */
  readonly atRisk: number;
  readonly reason?: string;
  /** Increases given up at this commit: published MAX_UNANSWERED_PUBLISHES times without an answer, or too old. */
  readonly dropped?: readonly CounterInterval[];
}

/** One datum and what became of it. */
export interface Delivery {
  readonly datum: Datum;
  readonly outcome: DatumOutcome;
}

export interface RunResult {
  readonly summary: RunSummary;
  readonly results: readonly ApplianceResult[];
  /** Every datum of the run, in the order they were published. */
  readonly datums: readonly Datum[];
  /** Each datum with what became of it. */
  readonly deliveries: readonly Delivery[];
  readonly commits: readonly CommitReport[];
  readonly budget: RunBudget;
}

/**
 * Collects every appliance concurrently (bounded), each within its share of the run's time, then publishes all
 * datums together in as few PutMetricData calls as possible, then commits each appliance's state: the new
 * sample, and every counter increase CloudWatch did not confirm (published again by the next run). One appliance
 * failing never affects another: its health datums carry the failure. Rejects only when nothing at all could be
 * published, after committing, so that not even then is an increase lost.
 */
export async function runCollection(request: CollectionRequest, deps: CollectorDependencies & { sink: MetricSink }): Promise<RunResult> {
  const now = deps.now ?? Date.now;
  const budget = planRunBudget(Date.now(), request.remainingMs);
  const context: RunContext = {
    owner: request.runId ?? randomUUID(),
    leaseUntil: now() + Math.min(budget.deadline - budget.startedAt, MAX_RUN_MS) + LEASE_MARGIN_MS,
    now,
    maxSampleAgeMs: deps.maxSampleAgeMs ?? DEFAULT_MAX_SAMPLE_AGE_MS,
    selection: request.selection,
  };
  const concurrency = Math.max(1, request.concurrency);
  const perApplianceMs = applianceBudgetMs(budget.collectBy - budget.startedAt, request.appliances.length, concurrency);
  const turnMs = applianceTurnMs(budget.collectBy - budget.startedAt, request.appliances.length, concurrency);

  const results = await mapConcurrently(request.appliances, concurrency, async (appliance, releaseSlot) => {
    const startedAt = Date.now();
    if (budget.collectBy - startedAt < MIN_START_MS) {
      const error = new CollectorError(
        'not-started',
        `${appliance.name}: not started: the run's collection time ran out before its turn (too many slow appliances ahead of it; lower schedule.shardSize or raise schedule.concurrency)`,
        { appliance: appliance.name },
      );
      const result = failedResult({ appliance: appliance.name, error, durationMs: 0, timestamp: now(), redactor: deps.memory.redactor });
      logOutcome(deps.logger, deps.memory, result);
      return result;
    }
    const deadline = clearableSignalAt(Math.min(budget.collectBy, startedAt + perApplianceMs), startedAt);
    // Past its turn, a slow or hung appliance lets the next one start and goes on waiting within its own deadline.
    const turn = setTimeout(releaseSlot, turnMs);
    const result = await collectAppliance(appliance, { ...context, signal: deadline.signal }, deps).finally(() => {
      clearTimeout(turn);
      deadline.clear();
    });
    logOutcome(deps.logger, deps.memory, result);
    return result;
  });

  logStateUnavailable(deps.logger, results);
  const datums = results.flatMap((r) => r.datums);
  const report = await publishWithin(datums, budget, deps);
  if (report.rejected.length > 0)
    deps.logger.error('datums refused before publishing (a collector bug: please report it)', { rejected: report.rejected });
  const deliveries = datums.map((datum, index): Delivery => ({ datum, outcome: report.outcomes[index] ?? 'failed' }));

  const commits = await commitAll({ results, deliveries, commitBy: budget.commitBy, now, deps });
  const followUp = await publishStateHealth(commits, budget, now, deps);
  logSampleRecords(deps.logger, results, commits, followUp.deliveries);
  const run = summarize({ results, deliveries: [...deliveries, ...followUp.deliveries], report, commits, budget });
  const { summary } = run;
  if (summary.publishError) {
    deps.logger.error('publishing to CloudWatch failed; unconfirmed counter increases are kept for the next run', {
      errorClass: 'publish-error',
      reason: summary.publishError,
      datapoints: summary.datapointsPublished,
      calls: summary.putMetricDataCalls,
      ...(summary.uncertainDatapoints && { uncertainDatapoints: summary.uncertainDatapoints }),
    });
  }
  if (datums.length > 0 && summary.datapointsPublished === 0) {
    throw new NothingPublishedError(`nothing could be published: ${summary.publishError ?? 'no datum was accepted'}`, run);
  }
  return run;
}

async function publishWithin(
  datums: readonly Datum[],
  budget: RunBudget,
  deps: { sink: MetricSink } & CollectorDependencies,
): Promise<PublishReport> {
  if (datums.length === 0) return { outcomes: [], calls: 0, failedCalls: 0, errors: [], rejected: [] };
  try {
    return await deps.sink.publish(datums, { signal: signalAt(budget.publishBy) });
  } catch (error) {
    // A sink never rejects by contract; should one do, nothing it was given counts as published.
    const reason = toCollectorError(error).message;
    return { outcomes: datums.map(() => 'failed' as const), calls: 0, failedCalls: 1, errors: [reason], rejected: [] };
  }
}

/** Commits every claimed appliance, concurrently, by the commit deadline; never throws. */
async function commitAll(input: {
  readonly results: readonly ApplianceResult[];
  readonly deliveries: readonly Delivery[];
  readonly commitBy: number;
  readonly now: () => number;
  readonly deps: CollectorDependencies;
}): Promise<CommitReport[]> {
  const { deps } = input;
  const outcomes = new Map<string, DatumOutcome>();
  for (const { datum, outcome } of input.deliveries) {
    if (datum.counter !== undefined) outcomes.set(counterKey(datum.appliance, datum.counter, datum.timestamp), outcome);
  }
  const held = input.results.filter((r): r is ApplianceResult & { held: HeldState } => r.held !== undefined);
  const signal = signalAt(input.commitBy);
  return mapConcurrently(held, COMMIT_CONCURRENCY, async ({ appliance, held: state }) => {
    const outcomeOf = (counter: string, takenAt: number) => outcomes.get(counterKey(appliance, counter, takenAt));
    const atRisk = state.intervals.reduce(
      (total, interval) => total + [...interval.deltas.keys()].filter((c) => outcomeOf(c, interval.takenAt) === 'published').length,
      0,
    );
    const { unpublished, dropped } = remainingUnpublished(state.intervals, outcomeOf, input.now());
    const droppedHere = dropped.length > 0 ? { dropped } : {};
    if (dropped.length > 0) logDropped(deps.logger, appliance, dropped);
    try {
      const result = await deps.store.commit(
        appliance,
        state.owner,
        {
          takenAt: state.takenAt,
          counters: state.counters,
          heldSince: state.heldSince,
          unpublished,
          ...(state.node && { node: state.node }),
        },
        { signal },
      );
      if (result.outcome === 'committed') return { appliance, outcome: 'committed', atRisk: 0, ...droppedHere };
      const reason = 'the lease expired and another run took the state over';
      deps.logger.error('state not stored: the published increases may be published again by the next run', { appliance, reason, atRisk });
      return { appliance, outcome: 'lease-lost', atRisk, reason, ...droppedHere };
    } catch (error) {
      const reason = deps.memory.redactor.scrub(toCollectorError(error, appliance).message);
      deps.logger.error("state not stored: the next run publishes this run's increases once more (at most twice in all)", {
        appliance,
        reason,
        atRisk,
      });
      return { appliance, outcome: 'failed', atRisk, reason, ...droppedHere };
    }
  });
}

/**
 * StateCommitFailed (and IncreasesDropped found at the commit) for the appliances whose commit failed, in one
 * more PutMetricData right after the commits: visible from the first failed commit, not only from the next run.
 */
async function publishStateHealth(
  commits: readonly CommitReport[],
  budget: RunBudget,
  now: () => number,
  deps: CollectorDependencies & { sink: MetricSink },
): Promise<{ deliveries: Delivery[] }> {
  const datums = commits.flatMap((commit) =>
    stateHealthDatums({
      appliance: commit.appliance,
      timestamp: now(),
      state: {
        // The table did not take the write (lease-lost is the table answering: not an outage).
        unavailable: commit.outcome === 'failed' ? 1 : 0,
        commitFailed: commit.outcome === 'committed' ? 0 : 1,
        increasesDropped: countIncreases(commit.dropped ?? []),
      },
    }),
  );
  if (datums.length === 0 || Date.now() >= budget.deadline - 500) return { deliveries: [] };
  const report = await publishWithin(datums, { ...budget, publishBy: budget.deadline - 500 }, deps);
  return { deliveries: datums.map((datum, index) => ({ datum, outcome: report.outcomes[index] ?? 'failed' })) };
}

function logDropped(logger: Logger, appliance: string, dropped: readonly CounterInterval[]): void {
  logger.warn('counter increases dropped: published twice without an answer, or older than CloudWatch takes; counted in IncreasesDropped', {
    appliance,
    increasesDropped: countIncreases(dropped),
    intervals: dropped.map((interval) => ({
      takenAt: new Date(interval.takenAt).toISOString(),
      counters: interval.deltas.size,
      unanswered: interval.unanswered ?? 0,
    })),
  });
}

function counterKey(appliance: string, counter: string, takenAt: number): string {
  return `${appliance}\u0000${counter}\u0000${takenAt}`;
}

/** What the run did, per appliance and in all. */
function summarize(input: {
  readonly results: readonly ApplianceResult[];
  readonly deliveries: readonly Delivery[];
  readonly report: PublishReport;
  readonly commits: readonly CommitReport[];
  readonly budget: RunBudget;
}): RunResult {
  const { results, deliveries, report, commits, budget } = input;
  const publishedBy = new Map<string, number>();
  let published = 0;
  let uncertainCounters = 0;
  for (const { datum, outcome } of deliveries) {
    if (outcome === 'published') {
      published++;
      publishedBy.set(datum.appliance, (publishedBy.get(datum.appliance) ?? 0) + 1);
    } else if (outcome === 'uncertain' && datum.counter !== undefined) uncertainCounters++;
  }
  const unsent = deliveries.length - report.rejected.length - published;
  const publishError =
    report.failedCalls > 0 || unsent > 0
      ? `published ${published} of ${deliveries.length - report.rejected.length} datapoints: ${report.failedCalls} of ${report.calls} PutMetricData calls failed: ${report.errors.join('; ')}`
      : undefined;
  const uncommitted = commits.filter((c) => c.outcome !== 'committed').map((c) => c.appliance);

  const summary: RunSummary = {
    appliances: results.map((r) => ({
      name: r.appliance,
      outcome: r.outcome,
      ...(r.error && { errorClass: r.error.errorClass, message: r.error.message, nitroErrorCode: r.error.nitroErrorCode }),
      datapoints: publishedBy.get(r.appliance) ?? 0,
      durationMs: r.durationMs,
    })),
    datapointsPublished: published,
    putMetricDataCalls: report.calls,
    ...(publishError && { publishError }),
    ...(uncertainCounters > 0 && { uncertainDatapoints: uncertainCounters }),
    ...(uncommitted.length > 0 && { uncommitted }),
  };
  return { summary, results, datums: deliveries.map((d) => d.datum), deliveries, commits, budget };
}

/** CloudWatch took none of the run's datums (the state was committed all the same: nothing is lost). */
export class NothingPublishedError extends CollectorError {
  override readonly name = 'NothingPublishedError';
  constructor(
    message: string,
    readonly run: RunResult,
  ) {
    super('publish-error', message);
  }
}

/**
 * One WARN line per run for every appliance whose state table could not be read or written (StateUnavailable):
 * their gauges and health metrics are published, their counter increases wait for the table.
 */
function logStateUnavailable(logger: Logger, results: readonly ApplianceResult[]): void {
  const unavailable = results.filter((r): r is ApplianceResult & { stateUnavailable: CollectorError } => r.stateUnavailable !== undefined);
  if (unavailable.length === 0) return;
  const causes = [...new Set(unavailable.map((r) => causeName(r.stateUnavailable)))];
  logger.warn(
    'the state table could not be read or written: gauges and health metrics published, counter increases wait for the table (nothing is lost while its baseline holds; StateUnavailable)',
    {
      appliances: unavailable.map((r) => r.appliance),
      errorClass: 'state-error',
      causes,
      reason: unavailable[0]!.stateUnavailable.message,
    },
  );
}

/** The AWS error's name (ThrottlingException, AccessDeniedException, ...) behind a state error. */
function causeName(error: Error): string {
  const cause = error.cause;
  if (cause instanceof CollectorError) return causeName(cause);
  return cause instanceof Error ? cause.name : error.name;
}

/**
 * One sample record per appliance (core/sample-record.ts), after the commits: an interval whose state was not
 * stored is counted again by the next run, so its record carries no deltas.
 */
function logSampleRecords(
  logger: Logger,
  results: readonly ApplianceResult[],
  commits: readonly CommitReport[],
  followUp: readonly Delivery[],
): void {
  const uncommitted = new Set(commits.filter((c) => c.outcome !== 'committed').map((c) => c.appliance));
  const followUpOf = new Map<string, Delivery['datum'][]>();
  for (const { datum } of followUp) followUpOf.set(datum.appliance, [...(followUpOf.get(datum.appliance) ?? []), datum]);
  for (const result of results) {
    const { reading } = result;
    const baseline = recordBaseline(result, uncommitted.has(result.appliance));
    const record = buildSampleRecord({
      appliance: result.appliance,
      outcome: result.outcome,
      ...(reading && { takenAt: reading.takenAt, integers: reading.integers, ...(reading.node && { node: reading.node }) }),
      ...(result.previousTakenAt !== undefined && { previousTakenAt: result.previousTakenAt }),
      ...(reading?.deltas && { deltas: reading.deltas }),
      ...(baseline && { baseline }),
      durationMs: result.durationMs,
      datums: [...result.datums, ...(followUpOf.get(result.appliance) ?? [])],
      staleCounters: result.staleCounters,
    });
    logger.info(SAMPLE_RECORD_MESSAGE, { ...record });
  }
}

/** Why an appliance's record carries no deltas this run, or undefined when it does. */
function recordBaseline(result: ApplianceResult, uncommitted: boolean): SampleBaseline | undefined {
  if (result.baseline) return result.baseline;
  if (result.stateUnavailable) return 'state-unavailable';
  if (result.outcome !== 'ok') return result.outcome;
  if (uncommitted) return 'uncommitted';
  return result.reading?.deltas === undefined ? 'failed' : undefined;
}

/** From this many blocked runs in a row the line is a WARN (the CollectionFailing alarm looks at three). */
const BLOCKED_RUNS_WARNED = 3;

/** One line per appliance per run; missing fields only when they are news (see MissingFieldsReported). */
function logOutcome(logger: Logger, memory: ContainerMemory, result: ApplianceResult): void {
  const fields = {
    appliance: result.appliance,
    outcome: result.outcome,
    durationMs: result.durationMs,
    datapoints: result.datums.length,
    ...(result.error && { errorClass: result.error.errorClass, nitroErrorCode: result.error.nitroErrorCode, reason: result.error.message }),
    ...(result.baseline && { baseline: result.baseline }),
    ...(result.counterResets.length > 0 && { counterResets: result.counterResets }),
    ...(result.staleCounters.length > 0 && { staleCounters: result.staleCounters }),
    ...(result.replayedIntervals > 0 && { replayedIntervals: result.replayedIntervals }),
    ...(result.tookOverUnfinishedRun && { tookOverUnfinishedRun: true }),
    ...(result.stateRepairs && { stateRepairs: result.stateRepairs }),
    ...(result.fieldErrors.length > 0 && { fieldErrors: result.fieldErrors }),
    ...((result.virtualServerErrors ?? 0) > 0 && { virtualServerErrors: result.virtualServerErrors }),
  };
  const blocked = result.baseline === 'busy' || result.baseline === 'superseded';
  const blockedRuns = blocked ? (memory.blockedRuns.get(result.appliance) ?? 0) + 1 : 0;
  memory.blockedRuns.set(result.appliance, blockedRuns);
  // The gate's refusal (a cold container that cannot read the table) is the one StateUnavailableError thrown.
  if (result.stateUnavailable instanceof StateUnavailableError)
    logger.info(
      "appliance not collected: this container cannot read the state table and has no record of the secret version working (see the run's StateUnavailable warning)",
      fields,
    );
  else if (result.stateUnavailable) logger.info("appliance collected without its state (see the run's StateUnavailable warning)", fields);
  else if (result.outcome === 'failed') logger.error('appliance collection failed', fields);
  else if (blockedRuns >= BLOCKED_RUNS_WARNED)
    logger.warn(`the state item was ${result.baseline} ${blockedRuns} runs in a row: no counters published (StateBlocked)`, {
      ...fields,
      blockedRuns,
    });
  else if (result.stateRepairs) logger.warn('state item repaired (StateRepaired)', fields);
  else if (result.nodeChange)
    logger.warn(
      `another HA node answered (transtime ${result.nodeChange.previousTranstime} before, ${result.nodeChange.transtime} now: a failover or failback): no counter increase taken for this interval (NodeChanges)`,
      { ...fields, previousTranstime: result.nodeChange.previousTranstime, transtime: result.nodeChange.transtime },
    );
  else if (
    result.fieldErrors.length > 0 ||
    result.counterResets.length > 0 ||
    result.tookOverUnfinishedRun ||
    (result.virtualServerErrors ?? 0) > 0
  )
    logger.warn('appliance collected with problems', fields);
  else logger.info('appliance collected', fields);
  if (result.droppedIncreases) logDropped(logger, result.appliance, result.droppedIncreases);

  if (memory.missingFieldsReported.isNews(result.appliance, result.missingFields)) {
    const { unexpected, olderThan } = missingBeyondFirmware(result.missingFields);
    if (olderThan)
      logger.info(`the appliance runs firmware older than ${olderThan}: the metrics of ${olderThan} fields are not published`, {
        appliance: result.appliance,
      });
    if (unexpected.length > 0) {
      logger.warn('the appliance does not send some fields (older firmware?); their metrics are not published', {
        appliance: result.appliance,
        missingFields: unexpected,
      });
    }
  }
}
