import { CATALOG } from '../../lambda/catalog/catalog.js';
import { SAMPLE_RECORD_FIELDS as F, SAMPLE_RECORD_VERSION, sampleRecordField } from '../../lambda/core/sample-record.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';

/**
 * Logs Insights queries on the collector's sample records (lambda/core/sample-record.ts), in the parts
 * aws-logs QueryString takes: every field name comes from the record's own definition, so a query cannot drift
 * from what the collector logs.
 */
export interface SampleQuery {
  readonly fields: readonly string[];
  readonly filter: string;
  readonly stats?: string;
  readonly sort?: string;
  readonly limit?: number;
}

/** The counter of the saved count query and of the dashboard's exact-count widget. */
export const EXAMPLE_COUNTER = 'MpJoinSynReceived';

/** The appliance the per-interval query names: replace it in the console. */
export const EXAMPLE_APPLIANCE = 'adc-1';

const IS_RECORD = `${F.record} = "${SAMPLE_RECORD_VERSION}"`;

/** The exact count of one counter per appliance over the query's time range: the sum of the per-interval increases. */
export function exactCountQuery(metricName: string = EXAMPLE_COUNTER): SampleQuery {
  const field = sampleRecordField(metricName);
  return {
    fields: [F.appliance, F.intervalStartMs, F.intervalEndMs, field],
    filter: IS_RECORD,
    stats: `sum(${field}) as ${metricName}, count(*) as records, count(${F.baseline}) as baselines, min(${F.intervalStartMs}) as fromMs, max(${F.intervalEndMs}) as toMs by ${F.appliance}`,
  };
}

/** Every counter's increase and every gauge of one appliance, one row per interval (an empty counter did not move). */
export function applianceIntervalsQuery(appliance: string = EXAMPLE_APPLIANCE): SampleQuery {
  const metrics = CATALOG.filter((m) => m.kind !== 'rate').map((m) => sampleRecordField(m.metricName));
  return {
    fields: ['@timestamp', F.appliance, F.intervalStartMs, F.intervalEndMs, F.baseline, F.node, ...metrics],
    filter: `${IS_RECORD} and ${F.appliance} = ${JSON.stringify(appliance)}`,
    sort: `${F.intervalEndMs} asc`,
  };
}

/** The intervals that gave no increase (`baseline` says why), and every warning and error of the collector. */
export function errorsAndBaselinesQuery(): SampleQuery {
  return {
    fields: [
      '@timestamp',
      'level',
      F.appliance,
      F.outcome,
      F.baseline,
      'message',
      'errorClass',
      'reason',
      sampleRecordField(HEALTH_METRICS.counterResets),
      sampleRecordField(STATE_HEALTH_METRICS.stateUnavailable),
    ],
    filter: `(${IS_RECORD} and ispresent(${F.baseline})) or level = "WARN" or level = "ERROR"`,
    sort: '@timestamp desc',
    limit: 500,
  };
}

/** A counter's exact count per bin, one line per appliance: for a dashboard graph. */
export function counterPerApplianceQuery(metricName: string, binMinutes: number): SampleQuery {
  const field = sampleRecordField(metricName);
  return {
    fields: [F.appliance, field],
    filter: IS_RECORD,
    stats: `sum(${field}) as ${metricName} by bin(${binMinutes}m), ${F.appliance}`,
  };
}

/** The longest collection per bin, one line per appliance: CollectionDuration lives in the records only. */
export function durationPerApplianceQuery(binMinutes: number): SampleQuery {
  const field = sampleRecordField(HEALTH_METRICS.duration);
  return {
    fields: [F.appliance, field],
    filter: IS_RECORD,
    stats: `max(${field}) as ${HEALTH_METRICS.duration} by bin(${binMinutes}m), ${F.appliance}`,
  };
}

/** The saved queries, by name (after the deployment's folder). */
export function savedSampleQueries(): readonly { readonly name: string; readonly query: SampleQuery }[] {
  return [
    { name: `Exact count of ${EXAMPLE_COUNTER} per appliance`, query: exactCountQuery() },
    { name: 'All counters of one appliance per interval', query: applianceIntervalsQuery() },
    { name: 'Errors and baselines', query: errorsAndBaselinesQuery() },
  ];
}
