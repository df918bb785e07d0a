import type { MetricDefinition } from '../catalog/catalog.js';
import { ROLLUPS } from '../catalog/rollups.js';
import { VIRTUAL_SERVER_DIMENSION } from '../catalog/virtual-server-metrics.js';
import { APPLIANCE_DIMENSION, HEALTH_METRICS, STATE_HEALTH_METRICS } from '../metrics/health.js';
import type { CounterInterval, Datum } from './ports.js';
import type { FieldError, Sample } from './sample.js';

export interface MetricDatumsInput {
  readonly appliance: string;
  /** When the sample was taken (epoch ms): the timestamp of every datum. */
  readonly timestamp: number;
  readonly selection: readonly MetricDefinition[];
  readonly sample: Pick<Sample, 'integers' | 'rates'>;
  /** Counter increases since the previous sample; absent on a first sample (gauges and rates only then). */
  readonly deltas?: ReadonlyMap<string, bigint>;
}

/**
 * The zero policy (issue 25): a counter that did not move in an interval is not published. CloudWatch bills a
 * series for each hour it receives data, so a still error counter costs nothing; its missing datapoint means 0
 * (counter alarms treat missing data as not breaching). Gauges, rates and CollectionSuccess are published on
 * every run, so "no data" on them still means "collector broken"; the other health metrics only when not 0.
 */
export function isPublishedIncrease(value: number): boolean {
  return value > 0;
}

/**
 * Chooses and builds the datums of one sample: gauges as values, counters as the increase since the previous
 * sample (only increases above 0: isPublishedIncrease), rates as the appliance computed them. A value that cannot be published exactly is left out and returned
 * in `unpublishable`, never rounded.
 */
export function buildMetricDatums(input: MetricDatumsInput): { datums: Datum[]; unpublishable: FieldError[] } {
  const datums: Datum[] = [];
  const unpublishable: FieldError[] = [];
  const { appliance, timestamp } = input;
  const increase = increaseDatum(appliance, timestamp, unpublishable);
  for (const metric of input.selection) {
    if (metric.kind === 'counter') {
      const datum = increase(metric.metricName, metric.unit, metric.nitroName, input.deltas?.get(metric.nitroName));
      if (datum) datums.push(datum);
      continue;
    }
    const value =
      metric.kind === 'rate'
        ? input.sample.rates.get(metric.nitroName)
        : exactOrReport(input.sample.integers.get(metric.nitroName), metric.nitroName, unpublishable);
    if (value === undefined || !Number.isFinite(value) || value < 0) continue;
    datums.push({ metricName: metric.metricName, appliance, value, unit: metric.unit, timestamp });
  }
  if (input.deltas) datums.push(...rollupDatums(input.deltas, increase));
  return { datums, unpublishable };
}

/** The selected counters' increases above 0 over one interval, as datums stamped with the interval's time. */
export function buildCounterDatums(
  appliance: string,
  interval: CounterInterval,
  selection: readonly MetricDefinition[],
): { datums: Datum[]; unpublishable: FieldError[] } {
  const unpublishable: FieldError[] = [];
  const increase = increaseDatum(appliance, interval.takenAt, unpublishable);
  const datums = selection.flatMap((metric) => {
    const datum =
      metric.kind === 'counter'
        ? increase(metric.metricName, metric.unit, metric.nitroName, interval.deltas.get(metric.nitroName))
        : undefined;
    return datum ? [datum] : [];
  });
  datums.push(...rollupDatums(interval.deltas, increase));
  return { datums, unpublishable };
}

type IncreaseDatum = (metricName: string, unit: Datum['unit'], counter: string, exact: bigint | undefined) => Datum | undefined;

/**
 * An increase as a datum carrying its counter key (so an unconfirmed one is carried to the next run), or undefined
 * when it is absent, 0 (the zero policy) or beyond what CloudWatch stores exactly (reported in `unpublishable`).
 */
function increaseDatum(appliance: string, timestamp: number, unpublishable: FieldError[]): IncreaseDatum {
  return (metricName, unit, counter, exact) => {
    const value = exactOrReport(exact, counter, unpublishable);
    return value !== undefined && isPublishedIncrease(value) ? { metricName, appliance, value, unit, timestamp, counter } : undefined;
  };
}

/** The rollups of an interval above 0 (ProtocolErrors, Fallbacks, ...: catalog/rollups.ts), whatever the selection; each its own counter key. */
function rollupDatums(deltas: ReadonlyMap<string, bigint>, increase: IncreaseDatum): Datum[] {
  return ROLLUPS.flatMap((rollup) => {
    const datum = increase(rollup.metricName, 'Count', rollup.metricName, deltas.get(rollup.metricName));
    return datum ? [datum] : [];
  });
}

function exactOrReport(exact: bigint | undefined, field: string, unpublishable: FieldError[]): number | undefined {
  if (exact === undefined) return undefined;
  const value = toExactNumber(exact);
  if (value === undefined)
    unpublishable.push({ field, value: exact.toString(), reason: 'beyond 2^53: CloudWatch cannot store it exactly' });
  return value;
}

/** A datum as a CloudWatch MetricDatum (structurally what `@aws-sdk/client-cloudwatch` sends). */
export function toMetricDatum(datum: Datum, storageResolution: 1 | 60) {
  return {
    MetricName: datum.metricName,
    Dimensions: [
      { Name: APPLIANCE_DIMENSION, Value: datum.appliance },
      ...(datum.virtualServer === undefined ? [] : [{ Name: VIRTUAL_SERVER_DIMENSION, Value: datum.virtualServer }]),
    ],
    Timestamp: new Date(datum.timestamp),
    Value: datum.value,
    Unit: datum.unit,
    StorageResolution: storageResolution,
  };
}

export function toExactNumber(value: bigint): number | undefined {
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

export interface HealthInput {
  readonly appliance: string;
  readonly timestamp: number;
  readonly success: boolean;
  readonly durationMs: number;
  readonly counterResets?: number;
  readonly nodeChanges?: number;
  readonly fieldErrors?: number;
  readonly secondarySkipped?: boolean;
  /** The failure is rejected credentials: CredentialsRejected 1 tells why CollectionSuccess is 0. */
  readonly credentialsRejected?: boolean;
  /** The state item's health: each datum is published only when its value is not 0. */
  readonly state?: {
    /** 1 when the state table could not be read or written for the appliance this run. */
    readonly unavailable?: number;
    readonly repaired?: number;
    readonly blocked?: number;
    readonly increasesDropped?: number;
    readonly commitFailed?: number;
  };
}

/**
 * The health datums of one appliance's collection, on success and on failure alike. CollectionSuccess is
 * published every run (its absence means the collector is broken); the others only when they are not 0, so a
 * healthy appliance pays for one health series (issue 25). CollectionDuration is in the sample record only.
 */
export function buildHealthDatums(health: HealthInput): Datum[] {
  const { appliance, timestamp } = health;
  const datum = (metricName: string, value: number, unit: Datum['unit'] = 'Count'): Datum => ({
    metricName,
    appliance,
    value,
    unit,
    timestamp,
  });
  const datums = [datum(HEALTH_METRICS.success, health.success ? 1 : 0, 'None')];
  if (health.credentialsRejected) datums.push(datum(HEALTH_METRICS.credentialsRejected, 1, 'None'));
  if (health.success && health.secondarySkipped) datums.push(datum(HEALTH_METRICS.secondarySkipped, 1, 'None'));
  if (health.success && !health.secondarySkipped) {
    for (const [metricName, value] of [
      [HEALTH_METRICS.counterResets, health.counterResets],
      [HEALTH_METRICS.fieldErrors, health.fieldErrors],
      [HEALTH_METRICS.nodeChanges, health.nodeChanges],
    ] as const) {
      if ((value ?? 0) > 0) datums.push(datum(metricName, value ?? 0));
    }
  }
  return [...datums, ...stateHealthDatums(health)];
}

/** The state item's health datums that are not 0. */
export function stateHealthDatums(health: Pick<HealthInput, 'appliance' | 'timestamp' | 'state'>): Datum[] {
  const state = health.state ?? {};
  const values: [string, number | undefined][] = [
    [STATE_HEALTH_METRICS.stateUnavailable, state.unavailable],
    [STATE_HEALTH_METRICS.stateRepaired, state.repaired],
    [STATE_HEALTH_METRICS.stateBlocked, state.blocked],
    [STATE_HEALTH_METRICS.stateCommitFailed, state.commitFailed],
    [STATE_HEALTH_METRICS.increasesDropped, state.increasesDropped],
  ];
  return values
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .map(([metricName, value]) => ({
      metricName,
      appliance: health.appliance,
      value,
      unit: 'Count' as const,
      timestamp: health.timestamp,
    }));
}
