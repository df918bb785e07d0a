import { CATALOG, isProblemCounter, METRIC_GROUPS, type MetricDefinition } from '../lambda/catalog/catalog.js';
import { ROLLUPS } from '../lambda/catalog/rollups.js';
import { resolveSelection } from '../lambda/catalog/selection.js';
import { VIRTUAL_SERVER_TYPES } from '../lambda/catalog/virtual-server.js';
import { VIRTUAL_SERVER_DIMENSION, VIRTUAL_SERVER_ERRORS_METRIC, VIRTUAL_SERVER_GAUGES } from '../lambda/catalog/virtual-server-metrics.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../lambda/metrics/health.js';
import { renderExactValuesSection } from './sample-record-doc.js';

const HEALTH_ROWS: readonly [string, string, string][] = [
  [
    HEALTH_METRICS.success,
    'None',
    '1 when the appliance was collected (or is an HA secondary skipped on purpose), 0 when collection failed.',
  ],
  [
    HEALTH_METRICS.duration,
    'Milliseconds',
    'Time to collect the appliance, login to logout. In the sample record only (`health.CollectionDuration`), not a billed metric.',
  ],
  [
    HEALTH_METRICS.counterResets,
    'Count',
    'Counters that went down since the previous sample (reboot, failover, cleared statistics); they get no datapoint that interval.',
  ],
  [
    HEALTH_METRICS.nodeChanges,
    'Count',
    'Another HA node answered than for the previous sample (a failover or failback through a floating address, told by stat/hanode transtime): no counter datapoint that interval, as after a reset; published only then, with a WARN line naming both transtimes.',
  ],
  [HEALTH_METRICS.fieldErrors, 'Count', 'Fields the appliance sent that were not usable (not a non-negative integer) and were left out.'],
  [
    HEALTH_METRICS.secondarySkipped,
    'None',
    '1 when the appliance is the secondary of an HA pair and its counters were not published (haMode primary-only).',
  ],
  [
    HEALTH_METRICS.credentialsRejected,
    'None',
    '1 when the appliance rejected the credentials, and on every run that backs off from the rejected secret version (no login); published only then. See the runbook: CredentialsRejected.',
  ],
  [
    STATE_HEALTH_METRICS.stateUnavailable,
    'Count',
    '1 when the state table could not be read or written for the appliance this run (throttled, denied, unreachable): gauges and health metrics are still published, counter increases wait for the table and resume from its baseline; published only then. See the runbook: StateUnavailable.',
  ],
];

/** docs/metrics.md, generated from the catalog: `npm run docs:metrics` rewrites it and a test fails when it is stale. */
export function renderMetricsDoc(): string {
  const lines: string[] = [
    '# Metric reference',
    '',
    '<!-- Generated from lambda/catalog/catalog.ts by `npm run docs:metrics`. Do not edit by hand. -->',
    '',
    'Every field of NITRO `GET /nitro/v1/stat/protocolmptcp`, the CloudWatch metric it becomes, and the smallest selection',
    'keyword that bills it. All metrics carry one dimension, `Appliance` (the appliance name from the configuration). Every',
    'counter\'s exact increase and every gauge is in the sample record of every run whatever the selection (see "Exact values',
    'for every counter" below): the selection decides only what is billed as a CloudWatch metric.',
    '',
    '- **gauge**: a current count, published as its value (graph with Average or Maximum).',
    '- **counter**: cumulative on the appliance, published as the increase since the previous sample, so `Sum` over any',
    '  period is the count in that period. Nothing is published for a counter on the first sample, or when it went down.',
    '  Zero policy: an interval in which a counter did not move publishes nothing for it (CloudWatch bills a series only',
    '  for the hours it receives data, so a still error counter costs nothing). A counter with no datapoint means 0: graph',
    '  it with `FILL(m, 0)`; its alarms treat missing data as not breaching. Gauges and `CollectionSuccess` are published',
    '  on every run, so no data on them means the collector is broken; the other health metrics only when they are not 0.',
    "- **rate**: the appliance's own per-second figure; published only when named explicitly in `COUNTERS` (no keyword selects rates).",
    '',
    'Fields marked "firmware 14.1 and later" (MPTCP v1) are absent on older firmware: nothing is published for them there',
    '(the collector logs the missing fields once per container). After an upgrade, their counters start from their first',
    'sample, like any new counter. The string `_nextgenapiresource` that 14.1 also sends is not a statistic and is ignored.',
    '',
    '`COUNTERS` (or `counters` in the config file) takes a keyword, or a comma-separated list of metric names or NITRO',
    'names and keywords, case-insensitive: `default,DssPackets,SessionsCreatedRate`. Each keyword includes the one before:',
    '',
    `- \`default\` (${resolveSelection('default').length} metrics): the two session gauges, \`SessionsCreated\` (its anomaly band), and the error, fallback and`,
    '  exhaustion counters, which cost nothing while they are still: a quiet healthy appliance bills 3 of them plus',
    '  `CollectionSuccess` ([What it costs](cost.md)).',
    `- \`all\` (${resolveSelection('all').length}): every gauge, every problem counter (${CATALOG.filter(isProblemCounter).length}), and the handshake and subflow totals.`,
    `- \`everything\` (${resolveSelection('everything').length}): every gauge and counter, including the data-transfer and steering counters that move`,
    '  on every run (each one a billed series).',
    '',
    '## Collector health',
    '',
    'Published for every appliance whatever the selection: `CollectionSuccess` on every run, the others only when they are not 0 (so a healthy appliance bills one health series).',
    '',
    '| Metric | Unit | Meaning |',
    '| --- | --- | --- |',
    ...HEALTH_ROWS.map(([name, unit, meaning]) => `| \`${name}\` | ${unit} | ${meaning} |`),
    '',
    '## Rollups',
    '',
    "One counter-like metric per alarm: the exact sum of its counters' increases over the interval, published whatever the",
    'selection (the counters it sums need not be selected), dimension `Appliance`, unit Count. Zero policy: an interval in',
    'which the sum is 0 publishes nothing, so a healthy appliance pays nothing for them; graph them with `FILL(m, 0)`.',
    '',
    '| Metric | Sums |',
    '| --- | --- |',
    ...ROLLUPS.map((r) => `| \`${r.metricName}\` | ${r.metrics.map((name) => `\`${name}\``).join(', ')} |`),
  ];
  const resources = Object.values(VIRTUAL_SERVER_TYPES);
  lines.push(
    '',
    '## Per virtual server',
    '',
    `Only for the load-balancing and content-switching virtual servers an appliance lists in \`virtualServers\` (\`lb/NAME\`, \`cs/NAME\`),`,
    `read with \`GET /nitro/v1/stat/${resources.map((r) => r.resource).join('/NAME` or `.../')}/NAME\` in the appliance's session. Dimensions \`Appliance\``,
    `and \`${VIRTUAL_SERVER_DIMENSION}\` (the listed \`lb/NAME\` or \`cs/NAME\`). Not affected by \`COUNTERS\`.`,
    '',
    '| Metric | NITRO field | Kind | Unit | Dimensions | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...VIRTUAL_SERVER_GAUGES.map(
      (g) => `| \`${g.metricName}\` | \`${g.nitroName}\` | gauge | ${g.unit} | Appliance, ${VIRTUAL_SERVER_DIMENSION} | ${g.description} |`,
    ),
    `| \`${VIRTUAL_SERVER_ERRORS_METRIC}\` | | health | Count | Appliance | Listed virtual servers that could not be read this run (unknown or removed: NITRO 258; not authorized; a bad answer), each logged at WARN. Published on every run of an appliance that lists servers; 0 when all were read. |`,
  );
  for (const group of METRIC_GROUPS) {
    lines.push(
      '',
      `## ${group[0]!.toUpperCase()}${group.slice(1)}`,
      '',
      '| Metric | NITRO field | Kind | Unit | Selected by | Rate metric (NITRO field) | Description |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const metric of CATALOG.filter((m) => m.group === group && m.kind !== 'rate')) lines.push(row(metric));
  }
  lines.push(...renderExactValuesSection(), '');
  return lines.join('\n');
}

function row(metric: MetricDefinition): string {
  const rate = metric.pairedWith ? CATALOG.find((m) => m.nitroName === metric.pairedWith) : undefined;
  const rateCell = rate ? `\`${rate.metricName}\` (\`${rate.nitroName}\`)` : '';
  const description = `${metric.since ? `(firmware ${metric.since} and later) ` : ''}${metric.description.replace(/\|/g, '\\|')}`;
  return `| \`${metric.metricName}\` | \`${metric.nitroName}\` | ${metric.kind} | ${metric.unit} | \`${metric.tier}\` | ${rateCell} | ${description} |`;
}
