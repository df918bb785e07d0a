import { ALLOCATION_FAILURE_METRICS, BY_METRIC_NAME, JOIN_REJECTION_METRICS } from './catalog.js';

/**
 * The protocol-error counters, in the order the protocol-errors alarm took them before the rollups (issue 25):
 * the five of the old default selection, then the errors that drop or reset a session.
 */
export const PROTOCOL_ERROR_PRIORITY: readonly string[] = [
  'ChecksumErrors',
  'InvalidMacErrors',
  'UnknownTokenErrors',
  'InvalidCookieErrors',
  'InvalidOptionErrors',
  'SessionsDroppedOnBadMapping',
  'ResetsSentOnInvalidOption',
  'PacketsWithoutMappingErrors',
  'MoreDataThanMappingErrors',
  'SubflowMappingMismatchErrors',
];

/** The fallback-group counters that count a session falling back to plain TCP (not RSTs, not late joins). */
export const FALLBACK_ALARM_METRICS: readonly string[] = [
  'FallbacksOnPlainAck',
  'FallbacksOnInfiniteMapReceived',
  'FallbacksOnInfiniteMapForwarded',
  'MpFailSent',
  'MpFailReceived',
];

/**
 * A rollup: one metric per appliance whose value is the exact sum of its counters' increases over the interval,
 * whatever the counter selection, so that one alarm watches one series instead of summing many with metric math.
 * Its key in an interval's deltas is its metric name (NITRO names are lower case), so an unconfirmed rollup is
 * carried to the next run like any counter increase.
 */
export interface RollupDefinition {
  readonly metricName: string;
  /** CloudWatch metric names of the counters it sums. */
  readonly metrics: readonly string[];
  readonly description: string;
}

/** The rollups' metric names: a public contract (alarms and dashboards use them), never rename one. */
export const ROLLUP_METRICS = {
  protocolErrors: 'ProtocolErrors',
  fallbacks: 'Fallbacks',
  allocationFailures: 'AllocationFailures',
  joinsRejected: 'JoinsRejected',
} as const;

/** A rollup of `metrics`, described by what it sums. */
function rollup(metricName: string, metrics: readonly string[]): RollupDefinition {
  return { metricName, metrics, description: `Sum of the increases of ${metrics.join(', ')}.` };
}

export const ROLLUPS: readonly RollupDefinition[] = [
  rollup(ROLLUP_METRICS.protocolErrors, PROTOCOL_ERROR_PRIORITY),
  rollup(ROLLUP_METRICS.fallbacks, FALLBACK_ALARM_METRICS),
  rollup(ROLLUP_METRICS.allocationFailures, ALLOCATION_FAILURE_METRICS),
  rollup(ROLLUP_METRICS.joinsRejected, JOIN_REJECTION_METRICS),
];

export const ROLLUP_NAMES: ReadonlySet<string> = new Set(ROLLUPS.map((r) => r.metricName));

const ROLLUP_COUNTERS: readonly { readonly metricName: string; readonly nitroNames: readonly string[] }[] = ROLLUPS.map((rollup) => ({
  metricName: rollup.metricName,
  nitroNames: rollup.metrics.map((name) => {
    const metric = BY_METRIC_NAME.get(name);
    if (metric?.kind !== 'counter') throw new Error(`rollup ${rollup.metricName}: ${name} is not a counter of the catalog`);
    return metric.nitroName;
  }),
}));

/**
 * The counter increases of one interval with the rollups added: each the exact sum of its counters' increases
 * present in the interval (absent when none is). A rollup of 0 is kept here; the zero policy leaves it unpublished.
 */
export function withRollups(deltas: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const result = new Map(deltas);
  for (const { metricName, nitroNames } of ROLLUP_COUNTERS) {
    const present = nitroNames.map((name) => deltas.get(name)).filter((delta): delta is bigint => delta !== undefined);
    const total = present.reduce((sum, delta) => sum + delta, 0n);
    if (present.length > 0) result.set(metricName, total);
  }
  return result;
}
