import type { MetricDefinition } from '../catalog/catalog.js';
import type { ApplianceConfig } from '../config/appliance.js';
import { mapConcurrently } from '../concurrency.js';
import { CollectorError, toCollectorError, type ErrorClass } from '../errors.js';
import { collectAppliance, type ApplianceResult, type CollectorDependencies } from './collect-appliance.js';
import type { Datum, MetricSink, PublishResult } from './ports.js';

export interface CollectionRequest {
  readonly appliances: readonly ApplianceConfig[];
  readonly selection: readonly MetricDefinition[];
  /** Appliances collected at once. */
  readonly concurrency: number;
  /** Wall-clock epoch ms (Date.now) by which every appliance must be done, leaving time to publish before the function's timeout. */
  readonly collectDeadline: number;
  /** Wall-clock epoch ms by which publishing must be done (default: no limit beyond the SDK's own timeouts). */
  readonly publishDeadline?: number;
}

export interface ApplianceSummary {
  readonly name: string;
  readonly outcome: ApplianceResult['outcome'];
  readonly errorClass?: ErrorClass;
  readonly message?: string;
  readonly nitroErrorCode?: number;
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
}

export interface RunResult {
  readonly summary: RunSummary;
  readonly results: readonly ApplianceResult[];
  readonly datums: readonly Datum[];
}

/**
 * Collects every appliance concurrently (bounded), each within the run's deadline, then publishes all datums
 * together in as few PutMetricData calls as possible. One appliance failing never affects another: its
 * health datums carry the failure. Rejects only when nothing at all could be published.
 */
export async function runCollection(request: CollectionRequest, deps: CollectorDependencies & { sink: MetricSink }): Promise<RunResult> {
  const results = await mapConcurrently(request.appliances, Math.max(1, request.concurrency), async (appliance) => {
    const budgetMs = Math.min(MAX_TIMER_MS, Math.max(0, request.collectDeadline - Date.now()));
    const result = await collectAppliance(appliance, request.selection, AbortSignal.timeout(Math.max(1, budgetMs)), deps);
    logOutcome(deps, result);
    return result;
  });

  const datums = results.flatMap((r) => r.datums);
  let published: PublishResult = { datapoints: 0, calls: 0 };
  let publishError: string | undefined;
  try {
    const signal = request.publishDeadline === undefined ? undefined : AbortSignal.timeout(Math.min(MAX_TIMER_MS, Math.max(1, request.publishDeadline - Date.now())));
    published = await deps.sink.publish(datums, { signal });
    logRejected(deps, published.rejected);
  } catch (caught) {
    logRejected(deps, (caught as { rejected?: PublishResult['rejected'] }).rejected);
    const error = toCollectorError(caught);
    publishError = error.message;
    published = partiallyPublished(caught);
    deps.logger.error('publishing to CloudWatch failed', { errorClass: error.errorClass, reason: error.message, ...published });
    if (published.datapoints === 0) throw new CollectorError('publish-error', `nothing could be published: ${error.message}`, { cause: caught });
  }

  const summary: RunSummary = {
    appliances: results.map((r) => ({
      name: r.appliance,
      outcome: r.outcome,
      ...(r.error && { errorClass: r.error.errorClass, message: r.error.message, nitroErrorCode: r.error.nitroErrorCode }),
      datapoints: r.datums.length,
      durationMs: r.durationMs,
    })),
    datapointsPublished: published.datapoints,
    putMetricDataCalls: published.calls,
    ...(publishError && { publishError }),
  };
  return { summary, results, datums };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The sink refused datums the core should never have built: a bug, logged so it is found. */
function logRejected(deps: CollectorDependencies, rejected: PublishResult['rejected']): void {
  if (rejected && rejected.length > 0) deps.logger.error('datums refused before publishing (a collector bug: please report it)', { rejected });
}

/** What a failed publish still got through (see MetricSink.publish). */
function partiallyPublished(error: unknown): PublishResult {
  const { published, calls } = (error ?? {}) as { published?: unknown; calls?: unknown };
  return { datapoints: typeof published === 'number' ? published : 0, calls: typeof calls === 'number' ? calls : 0 };
}

const reportedMissing = new Map<string, string>();

/** One line per appliance per run; missing fields are reported once per container, not every minute. */
function logOutcome(deps: CollectorDependencies, result: ApplianceResult): void {
  const fields = {
    appliance: result.appliance,
    outcome: result.outcome,
    durationMs: result.durationMs,
    datapoints: result.datums.length,
    ...(result.error && { errorClass: result.error.errorClass, nitroErrorCode: result.error.nitroErrorCode, reason: result.error.message }),
    ...(result.baseline && { baseline: result.baseline }),
    ...(result.counterResets.length > 0 && { counterResets: result.counterResets }),
    ...(result.fieldErrors.length > 0 && { fieldErrors: result.fieldErrors }),
  };
  if (result.outcome === 'failed') deps.logger.error('appliance collection failed', fields);
  else if (result.fieldErrors.length > 0 || result.counterResets.length > 0) deps.logger.warn('appliance collected with problems', fields);
  else deps.logger.info('appliance collected', fields);

  const missing = result.missingFields.join(',');
  if (missing && reportedMissing.get(result.appliance) !== missing) {
    reportedMissing.set(result.appliance, missing);
    deps.logger.warn('the appliance does not send some fields (older firmware?); their metrics are not published', {
      appliance: result.appliance,
      missingFields: result.missingFields,
    });
  }
}
