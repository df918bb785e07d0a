import { EXAMPLE_COUNTER, savedSampleQueries } from '../infra/model/sample-queries.js';
import { METRIC_GROUPS } from '../lambda/catalog/catalog.js';
import {
  DELTA_GROUP_KEYS,
  SAMPLE_RECORD_FIELDS as F,
  SAMPLE_RECORD_MESSAGE,
  SAMPLE_RECORD_VERSION,
  sampleRecordField,
} from '../lambda/core/sample-record.js';
import { ASSUMPTIONS, LOG_EVENT_OVERHEAD_BYTES, PRICES } from './cost-estimate.js';

/** The "Exact values for every counter" section of docs/metrics.md, from the record's own definition. */
export function renderExactValuesSection(): string[] {
  const recordBytes = ASSUMPTIONS.sampleRecordBytes + LOG_EVENT_OVERHEAD_BYTES;
  const monthlyUsd = (recordBytes * ASSUMPTIONS.runsPerMonth * PRICES.logIngestionGb) / 1024 ** 3;
  const field = sampleRecordField(EXAMPLE_COUNTER);
  return [
    '',
    '## Exact values for every counter',
    '',
    `Whatever the selection, every run logs one INFO line per appliance, message \`${SAMPLE_RECORD_MESSAGE}\`, \`${F.record}\` \`${SAMPLE_RECORD_VERSION}\`,`,
    "with every counter's exact increase over the run's interval and every gauge, keyed by the metric names above: a",
    'counter that is not published to CloudWatch is still counted exactly in the log group (after the commits, through the',
    "same logger and its password scrubber as every line). An interval's increase is in exactly one record: summing a",
    'field over the records of a window gives the true count, nothing counted twice.',
    '',
    '| Field | Meaning |',
    '| --- | --- |',
    `| \`${F.appliance}\`, \`${F.outcome}\` | the appliance, and \`ok\`, \`secondary-skipped\` or \`failed\` |`,
    `| \`${F.intervalStartMs}\`, \`${F.intervalEndMs}\` | the interval, epoch ms: the previous sample's time and this sample's (no start when \`${F.deltas}\` is null) |`,
    `| \`${F.node}\` | the HA node that answered (its stat/hanode transtime), when in an HA pair |`,
    `| \`${F.deltas}.<group>.<Metric>\` | the increase of each counter that moved (a counter left out did not move: 0); a value beyond 2^53 is a decimal string |`,
    `| \`${F.deltas}\` null, \`${F.baseline}\` | no increase is taken this run, and why: \`first-sample\`, \`reset\`, \`node-change\`, \`stale-previous\`, \`superseded\`, \`busy\`, \`state-unavailable\` (the first run that reaches the table again counts the whole interval since, in its record), \`uncommitted\` (the state was not stored: the next run counts the interval again), \`secondary-skipped\`, \`failed\` |`,
    `| \`${F.gauges}.<Metric>\` | every gauge's value at the sample |`,
    `| \`${F.health}.<Metric>\` | the run's health metrics for the appliance (CollectionSuccess, CollectionDuration, CounterResets, StateUnavailable, ...) |`,
    `| \`${F.staleCounters}\` | counters whose previous value was too old to give an increase |`,
    '',
    `Groups: ${METRIC_GROUPS.map((g) => `${g} \`${DELTA_GROUP_KEYS[g]}\``).join(', ')}; so \`${EXAMPLE_COUNTER}\` is \`${field}\`.`,
    '',
    `Saved Logs Insights queries (created with the stack, in a folder named after the deployment, on the collector's log group): ${savedSampleQueries()
      .map((q) => `"${q.name}"`)
      .join(', ')}. The dashboard graphs ${EXAMPLE_COUNTER} per appliance from the records.`,
    '',
    `Worked example: how many MP_JOIN SYNs did appliance \`adc-1\` receive between the samples at t1 and t2 (epoch ms)?`,
    "Run in Logs Insights on the collector's log group, with a time range that covers t1 to t2 (and the minute after):",
    '',
    '```',
    `filter ${F.record} = "${SAMPLE_RECORD_VERSION}" and ${F.appliance} = "adc-1" and ${F.intervalStartMs} >= t1 and ${F.intervalEndMs} <= t2`,
    `| stats sum(${field}) as ${EXAMPLE_COUNTER}, count(*) as intervals, count(${F.baseline}) as baselines`,
    '```',
    '',
    `\`${EXAMPLE_COUNTER}\` is the exact count (test/integration/sample-record.test.ts holds it against the simulator's own counter`,
    'difference). `baselines` above 0 means some interval in the window gave no increase (a reset or failover: see `baseline`).',
    '',
    `Cost: the record is about ${ASSUMPTIONS.sampleRecordBytes.toLocaleString('en-US')} bytes for the simulator's default appliance (every counter that moved; at most about 3.5 KB when all 76 move`,
    `with large values), ${recordBytes.toLocaleString('en-US')} bytes billed with the event overhead: x ${ASSUMPTIONS.runsPerMonth.toLocaleString('en-US')} runs a month x USD ${PRICES.logIngestionGb.toFixed(2)} per GB ingested =`,
    `USD ${monthlyUsd.toFixed(3)} per appliance-month (docs/cost.md counts it in the CloudWatch Logs line).`,
  ];
}
