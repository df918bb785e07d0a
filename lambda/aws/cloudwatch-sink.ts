/**
 * Publishes datums to CloudWatch with PutMetricData, in as few calls as the service's limits allow.
 *
 * Defence in depth: a datum CloudWatch would store as a wrong number, or that would make it reject a whole
 * request, is not sent but returned in `rejected` (the core never produces one, so each is a bug to report);
 * the others are still published. A failed call does not stop the others. The report tells, per datum, whether
 * CloudWatch confirmed it, refused it, or may have stored it without confirming (see isUncertain), so that the
 * pipeline keeps every increase that was not confirmed for the next run.
 */
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mapConcurrently } from '../concurrency.js';
import { namespaceProblem } from '../config/namespace.js';
import { batchDatums, estimateMetricDatumBytes, PUT_METRIC_DATA_MAX_ITEMS } from '../core/batch.js';
import { toMetricDatum } from '../core/datums.js';
import type { Datum, DatumOutcome, MetricSink, PublishReport } from '../core/ports.js';
import { CollectorError } from '../errors.js';
import { createCloudWatchClient } from './clients.js';
import { isUncertain } from './uncertain-delivery.js';

export type RejectedDatum = PublishReport['rejected'][number];

export interface CloudWatchMetricSinkOptions {
  readonly namespace: string;
  readonly client?: CloudWatchClient;
  /** Seconds: 60 (standard, default) or 1 (high resolution). */
  readonly storageResolution?: 1 | 60;
  /** PutMetricData calls in flight at once (default 4). */
  readonly concurrency?: number;
  /** Datums per PutMetricData call, at most CloudWatch's 1000 (default). Smaller only to exercise partial failures. */
  readonly maxDatumsPerCall?: number;
  /** Epoch milliseconds, to refuse timestamps CloudWatch does not accept; injected by tests. */
  readonly now?: () => number;
}

export const DEFAULT_PUBLISH_CONCURRENCY = 4;

/** CloudWatch's limits on one datum (PutMetricData rejects the whole request when one is broken). */
const MAX_METRIC_NAME_LENGTH = 255;
const MAX_DIMENSION_VALUE_LENGTH = 1024;
const MAX_ABSOLUTE_VALUE = 2 ** 360;
const MAX_AGE_MS = 14 * 24 * 3600_000;
const MAX_AHEAD_MS = 2 * 3600_000;
const NON_NEGATIVE_UNITS: ReadonlySet<Datum['unit']> = new Set(['Count', 'Count/Second', 'Milliseconds']);

export class CloudWatchMetricSink implements MetricSink {
  private readonly namespace: string;
  private readonly client: CloudWatchClient;
  private readonly storageResolution: 1 | 60;
  private readonly concurrency: number;
  private readonly maxDatumsPerCall: number;
  private readonly now: () => number;

  constructor(options: CloudWatchMetricSinkOptions) {
    const namespace = options.namespace;
    const problem = namespaceProblem(namespace);
    if (problem !== undefined) throw new CollectorError('configuration', `metric namespace "${namespace}" is not usable: it ${problem}`);
    const storageResolution = options.storageResolution ?? 60;
    if (storageResolution !== 1 && storageResolution !== 60) {
      throw new CollectorError('configuration', `storage resolution must be 1 or 60 seconds, got ${String(storageResolution)}`);
    }
    const concurrency = options.concurrency ?? DEFAULT_PUBLISH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.namespace = namespace;
    this.client = options.client ?? createCloudWatchClient();
    this.storageResolution = storageResolution;
    this.concurrency = concurrency;
    this.maxDatumsPerCall = Math.min(PUT_METRIC_DATA_MAX_ITEMS, options.maxDatumsPerCall ?? PUT_METRIC_DATA_MAX_ITEMS);
    this.now = options.now ?? Date.now;
  }

  async publish(datums: readonly Datum[], options: { signal?: AbortSignal } = {}): Promise<PublishReport> {
    const outcomes = new Array<DatumOutcome>(datums.length);
    const rejected: RejectedDatum[] = [];
    const entries: { readonly index: number; readonly metricDatum: MetricDatum }[] = [];
    const now = this.now();
    datums.forEach((datum, index) => {
      const reason = rejectionReason(datum, now);
      if (reason === undefined) {
        entries.push({ index, metricDatum: toMetricDatum(datum, this.storageResolution) });
      } else {
        outcomes[index] = 'rejected';
        rejected.push({ metricName: datum.metricName, appliance: datum.appliance, reason });
      }
    });

    const batches = batchDatums(entries, {
      maxItems: this.maxDatumsPerCall,
      sizeOf: (entry) => estimateMetricDatumBytes(entry.metricDatum),
    });
    const errors = new Set<string>();
    let failedCalls = 0;
    let calls = 0;
    await mapConcurrently(batches, this.concurrency, async (batch) => {
      let outcome: DatumOutcome;
      if (options.signal?.aborted) {
        outcome = 'failed'; // never sent: the publishing time was up before its turn
        errors.add('publishing time ran out before this call was sent');
      } else {
        calls++;
        try {
          await this.client.send(
            new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch.map((entry) => entry.metricDatum) }),
            {
              abortSignal: options.signal,
            },
          );
          outcome = 'published';
        } catch (error) {
          outcome = isUncertain(error) ? 'uncertain' : 'failed';
          errors.add(describeError(error));
        }
      }
      if (outcome !== 'published') failedCalls++;
      for (const entry of batch) outcomes[entry.index] = outcome;
    });
    return { outcomes, calls, failedCalls, errors: [...errors], rejected };
  }
}

/** Why `datum` must not be sent, or undefined when it is fine. */
function rejectionReason(datum: Datum, now: number): string | undefined {
  const { value, unit, timestamp } = datum;
  if (Number.isNaN(value)) return 'value is NaN';
  if (!Number.isFinite(value)) return `value is ${value}`;
  if (value < 0 && NON_NEGATIVE_UNITS.has(unit)) return `value ${value} is negative for unit ${unit}`;
  if (Math.abs(value) > MAX_ABSOLUTE_VALUE) return `value ${value} is beyond CloudWatch's range of +-2^360`;
  if (datum.metricName.length === 0) return 'metric name is empty';
  if (datum.metricName.length > MAX_METRIC_NAME_LENGTH) return `metric name is longer than ${MAX_METRIC_NAME_LENGTH} characters`;
  if (datum.appliance.length === 0) return 'appliance name is empty';
  if (datum.appliance.length > MAX_DIMENSION_VALUE_LENGTH) {
    return `appliance name is longer than ${MAX_DIMENSION_VALUE_LENGTH} characters`;
  }
  if (!Number.isFinite(timestamp) || Number.isNaN(new Date(timestamp).getTime())) return `timestamp ${timestamp} is not a time`;
  if (timestamp < now - MAX_AGE_MS) return `timestamp ${new Date(timestamp).toISOString()} is more than two weeks old`;
  if (timestamp > now + MAX_AHEAD_MS) return `timestamp ${new Date(timestamp).toISOString()} is more than two hours ahead`;
  return undefined;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
