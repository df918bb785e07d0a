/**
 * Monthly cost per appliance, computed from the catalog, the counter selection and the alarm plan, so that
 * the cost page (docs/cost.md) stays true when any of them changes.
 *
 *   npx tsx scripts/cost-estimate.ts           prints the estimate (Markdown)
 *   npx tsx scripts/cost-estimate.ts --write   replaces the generated part of docs/cost.md
 *
 * Prices: public list prices, us-east-1, free tiers ignored. Change PRICES when they change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AlarmSettingsOverrides, type ApplianceAlarmKind, isAnomalyAlarm, planApplianceAlarms } from '../infra/model/alarm-plan.js';
import { DEFAULT_NOTIFY_MODE, type NotifyMode } from '../infra/model/incident-plan.js';
import { DEFAULT_MEMORY_MIB, DEFAULT_SHARD_SIZE } from '../infra/model/sizing.js';
import { itemBytes, readUnits, writeUnits } from '../lambda/aws/item-size.js';
import { stateItem } from '../lambda/aws/state-store.js';
import { CATALOG, isProblemCounter } from '../lambda/catalog/catalog.js';
import { resolveSelection } from '../lambda/catalog/selection.js';
import { MAX_VIRTUAL_SERVERS_PER_APPLIANCE } from '../lambda/catalog/virtual-server.js';
import { METRICS_PER_VIRTUAL_SERVER } from '../lambda/catalog/virtual-server-metrics.js';
import { HEALTH_METRICS } from '../lambda/metrics/health.js';

export const PRICES = {
  /** Per custom metric-month, first 10,000 metrics. */
  metric: 0.3,
  /** Per PutMetricData request (USD 0.01 per 1,000). */
  putMetricDataRequest: 0.01 / 1_000,
  /** Per metric in a standard-resolution alarm, per month (a metric-math alarm pays for each metric in it). */
  alarmMetric: 0.1,
  /**
   * An anomaly-detection alarm pays for its metric and the band's two bounds (USD 0.30 for one metric); on a sum,
   * for each summed metric and the two bounds.
   */
  anomalyBandMetrics: 2,
  /**
   * A Metrics Insights alarm, per metric (series) its query analyzes, per month: a series with no data in the 3
   * hours the query reads is not analyzed.
   */
  fleetAlarmSeries: 0.1,
  /** Per composite alarm, per month. */
  compositeAlarm: 0.5,
  /** Lambda on ARM64, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda, per request (USD 0.20 per million). */
  lambdaRequest: 0.2 / 1_000_000,
  /** EventBridge Scheduler, per invocation (USD 1.00 per million). */
  schedulerInvocation: 1 / 1_000_000,
  /** DynamoDB on demand, per write request unit (USD 0.625 per million). */
  dynamoDbWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on demand, per read request unit (USD 0.125 per million). */
  dynamoDbReadUnit: 0.125 / 1_000_000,
  /** CloudWatch Logs ingestion per GB (storage, USD 0.03 per GB-month compressed, is negligible here). */
  logIngestionGb: 0.5,
  /** Per dashboard-month (beyond the 3 free ones). */
  dashboard: 3,
  /** High-resolution custom metrics (storageResolution 1) cost the same per metric-month; only their alarms cost more. */
  highResolutionAlarmMetric: 0.3,
  /** Secrets Manager, per secret-month. */
  secret: 0.4,
  /** Interface VPC endpoint, per endpoint, per Availability Zone, per hour. */
  interfaceEndpointHour: 0.01,
} as const;

const SAMPLE_RECORD_BYTES = 1_800;
/** The appliance's "appliance collected" line. */
const OUTCOME_LINE_BYTES = 250;
/** CloudWatch Logs bills each event's bytes plus 26. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

export const ASSUMPTIONS = {
  /** 730 hours a month, one run a minute. */
  runsPerMonth: 730 * 60,
  /** Appliances per invocation (a full shard). */
  appliancesPerInvocation: DEFAULT_SHARD_SIZE,
  memoryGb: DEFAULT_MEMORY_MIB / 1024,
  /** Billed duration of one invocation of a full shard (20 at a time, ~0.5 s each, plus AWS calls; see docs/performance.md). */
  invocationSeconds: 2,
  /** Billed duration of an invocation for a single appliance. */
  singleApplianceInvocationSeconds: 1,
  /**
   * The sample record of one appliance's run, every counter that moved (docs/metrics.md "Exact values for every
   * counter"): the simulator's default appliance logs 1,600 to 1,800 bytes (test/integration/sample-record.test.ts).
   */
  sampleRecordBytes: SAMPLE_RECORD_BYTES,
  /** Per appliance per run: the sample record and the outcome line, each with CloudWatch's 26 bytes per event. */
  logBytesPerAppliancePerRun: SAMPLE_RECORD_BYTES + OUTCOME_LINE_BYTES + 2 * LOG_EVENT_OVERHEAD_BYTES,
  /** Lambda's START/END/REPORT lines per invocation (JSON format). */
  logBytesPerInvocation: 1_200,
  /** Decimal digits of every stored counter value (10 digits take 5 bytes in the state item, 2^64 - 1 takes 10). */
  counterDigits: 10,
  /**
   * Logins per appliance a month, each read first by the credential backoff (one GetItem): a warm container keeps
   * its NITRO session between runs, so an appliance logs in when a container starts or its session was dropped
   * (failover, kill). Lambda does not say how long a container lives; one login an hour is a generous bound.
   */
  loginsPerMonth: 730,
  /** The deployment's one dashboard is shared by this many appliances in the per-appliance total (the fleet of 10). */
  appliancesPerDashboard: 10,
} as const;

export interface CostLine {
  readonly item: string;
  readonly detail: string;
  readonly monthlyUsd: number;
}

export interface SelectionEstimate {
  readonly spec: string;
  readonly metrics: number;
  readonly alarms: number;
  readonly alarmMetrics: number;
  readonly anomalyAlarms: number;
  readonly anomalyAlarmMetrics: number;
  /** Fleet alarms (one per deployment): each analyzes one series of this appliance while its rollup has data. */
  readonly fleetAlarms: number;
  /** What this appliance costs in the fleet alarms a month when every one of their rollups has data all month. */
  readonly fleetAlarmsBusyUsd: number;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

/**
 * The series a quiet, healthy appliance publishes on every run (traffic moves, no error, fallback or exhaustion
 * counter does: the simulator's `quiet` appliance on the newest firmware). CollectionSuccess, the selected gauges
 * and rates, and the selected counters that are not problem counters; the other health metrics, the rollups and
 * the problem counters publish nothing while they are 0 (the zero policy). test/integration/cost-measured.test.ts
 * holds this against what a real run publishes to moto.
 */
export function quietApplianceSeries(spec: string): string[] {
  const published = resolveSelection(spec).filter((m) => m.kind !== 'counter' || !isProblemCounter(m));
  return [HEALTH_METRICS.success, ...published.map((m) => m.metricName)];
}

/** A representative state item, as the store writes it: names and ids of typical lengths, an HA pair. */
const STATE_ITEM_EXAMPLE = {
  appliance: 'ns-prod-lon-01',
  owner: '3f2b8c1e-7d4a-4e9b-a6c2-0d5e8f1b9a47',
  takenAt: Date.parse('2026-03-01T12:00:00.000Z'),
  node: { transtime: 'Mon Dec  7 03:30:14 2026' },
} as const;

/**
 * The state item's bytes (lambda/aws/item-size.ts: DynamoDB's own rules, applied to the layout the store writes)
 * when committed and while a run holds it (the committed sample, the claim's pending sample and the lease), with
 * nothing unpublished (CloudWatch confirmed everything).
 */
export function stateItemBytes(counterNames: readonly string[]): { readonly committed: number; readonly held: number } {
  const { appliance, owner, takenAt, node } = STATE_ITEM_EXAMPLE;
  const value = BigInt('9'.repeat(ASSUMPTIONS.counterDigits));
  const counters = new Map(counterNames.map((name) => [name, value]));
  const commit = { state: { takenAt, counters, heldSince: new Map(), unpublished: [], node }, owner, now: takenAt + 1_000 };
  const claimNow = takenAt + 61_000;
  const claim = { owner, takenAt: takenAt + 60_000, leaseUntil: claimNow + 65_000, now: claimNow, counters, node };
  return { committed: itemBytes(stateItem(appliance, commit)), held: itemBytes(stateItem(appliance, commit, claim)) };
}

export interface EstimateOptions {
  /** Alarm settings as in the config file's `alarms.<name>` (e.g. a band turned on). */
  readonly alarms?: Partial<Record<ApplianceAlarmKind, AlarmSettingsOverrides>>;
  /** How alarms page (default DEFAULT_NOTIFY_MODE): `per-alarm` has no Incident composite. */
  readonly notify?: NotifyMode;
}

/**
 * Cost of one appliance for a counter selection, in a shard of `appliancesPerInvocation` appliances (which
 * share invocations, PutMetricData requests and the Lambda's own log lines).
 */
export function estimate(
  spec: string,
  appliancesPerInvocation: number = ASSUMPTIONS.appliancesPerInvocation,
  options: EstimateOptions = {},
): SelectionEstimate {
  const selection = resolveSelection(spec);
  const series = quietApplianceSeries(spec);
  const metrics = series.length;
  const stillCounters = selection.filter(isProblemCounter).length;
  const runs = ASSUMPTIONS.runsPerMonth;
  const shardShare = 1 / appliancesPerInvocation;
  const invocationSeconds = appliancesPerInvocation === 1 ? ASSUMPTIONS.singleApplianceInvocationSeconds : ASSUMPTIONS.invocationSeconds;
  const plan = planApplianceAlarms(selection, { intervalMinutes: 1, ...(options.alarms && { overrides: options.alarms }) });
  // The per-appliance alarms are billed every month; the fleet alarms only for the appliance series they analyze.
  const thresholdAlarms = plan.perAppliance.filter((alarm) => !isAnomalyAlarm(alarm.kind));
  const anomalyAlarms = plan.perAppliance.filter((alarm) => isAnomalyAlarm(alarm.kind));
  const fleetAlarmsBusyUsd = plan.fleet.length * PRICES.fleetAlarmSeries;
  const optInBands = plan.skipped.filter((s) => s.cause === 'disabled' && isAnomalyAlarm(s.kind)).map((s) => s.kind);
  const optInNote = optInBands
    .map(
      (kind) =>
        `; \`${kind}\` adds ${1 + PRICES.anomalyBandMetrics} metrics, ${usd((1 + PRICES.anomalyBandMetrics) * PRICES.alarmMetric)}, when enabled`,
    )
    .join('');
  const alarmMetrics = thresholdAlarms.reduce((sum, alarm) => sum + alarm.metricNames.length, 0);
  const anomalyAlarmMetrics = anomalyAlarms.reduce((sum, alarm) => sum + alarm.metricNames.length + PRICES.anomalyBandMetrics, 0);
  const pages = (options.notify ?? DEFAULT_NOTIFY_MODE) === 'per-appliance' ? 1 : 0;
  // The state item keeps every counter the appliance reports, whatever the selection (so that selecting
  // another counter later has a baseline at once).
  const counters = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);
  const item = stateItemBytes(counters);
  // Two writes per run: the claim (lease) before publishing and the commit after it, each billed on the larger of
  // the item before and after: the held item, both times.
  const writesPerRun = 2;
  const stateWriteUnits = writeUnits(item.committed, item.held);
  // The credential backoff is read before each login, from the committed item (a projection costs the whole item).
  const stateReadUnits = readUnits(item.committed, { consistent: true });
  const requestsPerRun = Math.ceil((appliancesPerInvocation * metrics) / 1000) * shardShare;
  const gbSeconds = ASSUMPTIONS.memoryGb * invocationSeconds * shardShare * runs;
  const logGb = ((ASSUMPTIONS.logBytesPerAppliancePerRun + ASSUMPTIONS.logBytesPerInvocation * shardShare) * runs) / 1024 ** 3;

  const lines: CostLine[] = [
    {
      item: 'Custom metrics',
      detail: `${metrics} series a quiet appliance publishes (${seriesSummary(series)}); ${stillCounters} selected problem counters, the rollups and the other health metrics: $0 while still`,
      monthlyUsd: metrics * PRICES.metric,
    },
    {
      item: 'Alarms',
      detail: `${thresholdAlarms.length} alarms of its own on ${alarmMetrics} metrics (metric-math alarms pay per metric)`,
      monthlyUsd: alarmMetrics * PRICES.alarmMetric,
    },
    {
      item: 'Anomaly alarms',
      detail:
        anomalyAlarms.length === 0
          ? `none${optInNote}`
          : `${anomalyAlarms.length} anomaly band${anomalyAlarms.length === 1 ? '' : 's'} on ${anomalyAlarmMetrics} metrics (each metric and its band's ${PRICES.anomalyBandMetrics} bounds${optInNote})`,
      monthlyUsd: anomalyAlarmMetrics * PRICES.alarmMetric,
    },
    {
      item: 'Fleet alarms',
      detail: `${plan.fleet.length} Metrics Insights alarms shared by every appliance, ${usd(PRICES.fleetAlarmSeries)} per appliance series analyzed: none on a quiet appliance (no rollup and no StateUnavailable published in the last 3 hours); at most ${usd(fleetAlarmsBusyUsd)}, for an appliance whose ${plan.fleet.length} watched series all have data all month`,
      monthlyUsd: 0,
    },
    {
      item: 'Incident page',
      detail: pages === 1 ? '1 composite alarm (`notify: per-appliance`; none with `per-alarm`)' : 'none (`notify: per-alarm`)',
      monthlyUsd: pages * PRICES.compositeAlarm,
    },
    {
      item: 'PutMetricData',
      detail: `${formatCount(requestsPerRun * runs)} requests (${metrics} datums a run, 1,000 per request, shared by the shard)`,
      monthlyUsd: requestsPerRun * runs * PRICES.putMetricDataRequest,
    },
    {
      item: 'Lambda duration',
      detail: `${formatCount(gbSeconds)} GB-s (ARM64, ${DEFAULT_MEMORY_MIB} MB, ${invocationSeconds} s per invocation of ${appliancesPerInvocation})`,
      monthlyUsd: gbSeconds * PRICES.lambdaArmGbSecond,
    },
    {
      item: 'Lambda requests',
      detail: `${formatCount(runs * shardShare)} invocations (1/${appliancesPerInvocation} of ${formatCount(runs)})`,
      monthlyUsd: runs * shardShare * PRICES.lambdaRequest,
    },
    {
      item: 'EventBridge Scheduler',
      detail: `${formatCount(runs * shardShare)} invocations`,
      monthlyUsd: runs * shardShare * PRICES.schedulerInvocation,
    },
    {
      item: 'DynamoDB writes',
      detail: `${formatCount(runs * writesPerRun)} UpdateItem (claim and commit) x ${stateWriteUnits} WRU (item ${kilobytes(item.held)} KB while a run holds it)`,
      monthlyUsd: runs * writesPerRun * stateWriteUnits * PRICES.dynamoDbWriteUnit,
    },
    {
      item: 'DynamoDB reads',
      detail: `${formatCount(ASSUMPTIONS.loginsPerMonth)} GetItem (the credential backoff, read before each login, strongly consistent; a kept session reads nothing) x ${stateReadUnits} RRU (item ${kilobytes(item.committed)} KB)`,
      monthlyUsd: ASSUMPTIONS.loginsPerMonth * stateReadUnits * PRICES.dynamoDbReadUnit,
    },
    { item: 'CloudWatch Logs', detail: `${Math.round(logGb * 1024)} MB ingested`, monthlyUsd: logGb * PRICES.logIngestionGb },
    {
      item: 'Dashboard share',
      detail: `1 dashboard per deployment, shared by ${ASSUMPTIONS.appliancesPerDashboard} appliances (${usd(PRICES.dashboard)} a month for the deployment)`,
      monthlyUsd: PRICES.dashboard / ASSUMPTIONS.appliancesPerDashboard,
    },
  ];
  return {
    spec,
    metrics,
    alarms: thresholdAlarms.length,
    alarmMetrics,
    anomalyAlarms: anomalyAlarms.length,
    anomalyAlarmMetrics,
    fleetAlarms: plan.fleet.length,
    fleetAlarmsBusyUsd,
    lines,
    totalUsd: lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
  };
}

/** "CollectionSuccess, CurrentSessions, ..." for a short list; the first ones and a count for a long one. */
function seriesSummary(names: readonly string[]): string {
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

function kilobytes(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function usd(n: number): string {
  return n >= 0.1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`;
}

export interface MarginalCost {
  readonly option: string;
  /** Per appliance a month: positive adds, negative saves. */
  readonly monthlyUsd: number;
  readonly note: string;
}

/** What each option adds to (or saves from) the `default` appliance-month, each computed by the same estimate. */
export function marginalCosts(): MarginalCost[] {
  const base = estimate('default').totalUsd;
  const delta = (spec: string, options?: EstimateOptions) => estimate(spec, ASSUMPTIONS.appliancesPerInvocation, options).totalUsd - base;
  const perServer = METRICS_PER_VIRTUAL_SERVER * PRICES.metric;
  return [
    { option: '`counters: "all"`', monthlyUsd: delta('all'), note: 'every gauge, every problem counter, the handshake and subflow totals' },
    {
      option: '`counters: "everything"`',
      monthlyUsd: delta('everything'),
      note: 'every gauge and counter, data transfer and steering included',
    },
    {
      option: 'one more counter that moves every run (e.g. `default,DssPackets`)',
      monthlyUsd: delta('default,DssPackets'),
      note: 'one series',
    },
    {
      option: 'one more problem counter (e.g. `default,ResetsSentOnPlainAck`)',
      monthlyUsd: delta('default,ResetsSentOnPlainAck'),
      note: `while still; $${(PRICES.metric / 730).toFixed(4)} for each hour it moves`,
    },
    {
      option: '`alarms.fallbacksAnomaly.enabled: true`',
      monthlyUsd: delta('default', { alarms: { fallbacksAnomaly: { enabled: true } } }),
      note: 'an anomaly band on the Fallbacks rollup: 3 alarm metrics, billed even while the rollup has no data',
    },
    {
      option: '`alarms.notify: "per-alarm"`',
      monthlyUsd: delta('default', { notify: 'per-alarm' }),
      note: 'no Incident composite: each alarm pages on its own',
    },
    {
      option: 'each listed virtual server (`virtualServers`)',
      monthlyUsd: perServer,
      note: `${METRICS_PER_VIRTUAL_SERVER} gauges; plus ${usd(PRICES.metric)} once per appliance that lists any`,
    },
    {
      option: '`storageResolution: 1` (high resolution)',
      monthlyUsd: 0,
      note: 'the same price per metric, and the alarms keep periods of a minute or more (standard-resolution alarm prices); nothing gained with a 1-minute schedule',
    },
  ];
}

function signedUsd(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  return rounded === 0 ? '$0.00' : `${rounded > 0 ? '+' : '-'}${usd(Math.abs(rounded))}`;
}

/** The generated part of README.md's "What it costs". */
export function renderReadmeCost(): string {
  const [def, all, everything] = [estimate('default'), estimate('all'), estimate('everything')];
  return [
    `Per appliance a month, measured on a quiet, healthy appliance (us-east-1 list prices, no free tier, the dashboard`,
    `shared by ${ASSUMPTIONS.appliancesPerDashboard} appliances): **${usd(def.totalUsd)}** with the \`default\` selection (${def.metrics} billed series), ${usd(all.totalUsd)} with \`all\``,
    `(${all.metrics}), ${usd(everything.totalUsd)} with \`everything\` (${everything.metrics}). Every counter's exact count stays in the logs whatever the`,
    'selection. What each option adds:',
    '',
    '| Option | Per appliance-month | |',
    '| --- | ---: | --- |',
    ...marginalCosts().map((m) => `| ${m.option} | ${signedUsd(m.monthlyUsd)} | ${m.note} |`),
  ].join('\n');
}

/** The generated part of docs/cost.md. */
export function renderCostMarkdown(): string {
  const estimates = [estimate('default'), estimate('all')];
  const [def, all] = estimates as [SelectionEstimate, SelectionEstimate];
  const rows = def.lines.map((line, index) => {
    const other = all.lines[index]!;
    return `| ${line.item} | ${line.detail} | ${usd(line.monthlyUsd)} | ${other.detail} | ${usd(other.monthlyUsd)} |`;
  });
  const endpointsPerAz = 2 * 730 * PRICES.interfaceEndpointHour;
  const [singleDefault, singleAll] = [estimate('default', 1), estimate('all', 1)];
  return [
    '| Item | `default`: quantity | `default` | `all`: quantity | `all` |',
    '| --- | --- | ---: | --- | ---: |',
    ...rows,
    `| **Total per appliance** | | **${usd(def.totalUsd)}** | | **${usd(all.totalUsd)}** |`,
    '',
    `An appliance alone in its invocation (a single-appliance deployment) pays a whole invocation and a whole PutMetricData request each run: ${usd(singleDefault.totalUsd)} (\`default\`) or ${usd(singleAll.totalUsd)} (\`all\`) a month.`,
    '',
    'Per deployment, whatever the number of appliances:',
    '',
    `- Dashboard: ${usd(PRICES.dashboard)} a month (in the table as its share of ${ASSUMPTIONS.appliancesPerDashboard} appliances; the first 3 dashboards of an account are free).`,
    `- Collector alarms (errors, throttles, duration): 3 x ${usd(PRICES.alarmMetric)} = ${usd(3 * PRICES.alarmMetric)} a month; with \`notify: per-appliance\` also CollectorDown (3 metrics, ${usd(3 * PRICES.alarmMetric)}) and the CollectorFailing composite (${usd(PRICES.compositeAlarm)}).`,
    `- Fleet alarms (${def.fleetAlarms} Metrics Insights alarms, every appliance a contributor): no fixed price; ${usd(PRICES.fleetAlarmSeries)} a month per appliance series they analyze (the table's Fleet alarms row). They count towards CloudWatch's 200 Metrics Insights alarms per account and region.`,
    `- Only with \`vpc.createEndpoints\`: 2 interface endpoints (Secrets Manager, CloudWatch) x ${usd(endpointsPerAz)} per Availability Zone a month (the DynamoDB gateway endpoint is free).`,
    '',
    `Per listed virtual server (\`virtualServers\`): ${METRICS_PER_VIRTUAL_SERVER} custom metrics (sessions, subflows) = ${usd(METRICS_PER_VIRTUAL_SERVER * PRICES.metric)} a month, plus ${usd(PRICES.metric)} once per appliance that lists any (\`VirtualServerErrors\`). Their datums share the appliance's PutMetricData requests (${usd((METRICS_PER_VIRTUAL_SERVER / 1000) * ASSUMPTIONS.runsPerMonth * PRICES.putMetricDataRequest)} a month per server) and add one GET of about 1.4 KB and a few milliseconds to the run: ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} servers, the most an appliance may list, add ${usd(MAX_VIRTUAL_SERVERS_PER_APPLIANCE * METRICS_PER_VIRTUAL_SERVER * PRICES.metric + PRICES.metric)} a month.`,
    '',
    '### What each option adds',
    '',
    '| Option | Per appliance-month | |',
    '| --- | ---: | --- |',
    ...marginalCosts().map((m) => `| ${m.option} | ${signedUsd(m.monthlyUsd)} | ${m.note} |`),
    '',
    `Not in the table: Secrets Manager at ${usd(PRICES.secret)} per secret a month (one per appliance, or one shared), plus about $0.05 per 10,000 reads (the function caches a secret for a few minutes); traffic to the appliances (about 20 KB per run with TLS, under 1 GB a month; through a NAT gateway about $0.04 a month per appliance).`,
  ].join('\n');
}

export const COST_DOC = fileURLToPath(new URL('../docs/cost.md', import.meta.url));
export const BEGIN_MARKER = '<!-- cost-estimate:begin (generated by scripts/cost-estimate.ts --write; do not edit) -->';
export const END_MARKER = '<!-- cost-estimate:end -->';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

function replaceGenerated(file: string, current: string, generated: string): string {
  const begin = current.indexOf(BEGIN_MARKER);
  const end = current.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`${file} lacks the markers ${BEGIN_MARKER} ... ${END_MARKER}`);
  return `${current.slice(0, begin + BEGIN_MARKER.length)}\n${generated}\n${current.slice(end)}`;
}

/** docs/cost.md with the generated part replaced by the current estimate. */
export function updatedCostDoc(current: string): string {
  return replaceGenerated(COST_DOC, current, renderCostMarkdown());
}

/** README.md with its generated cost summary replaced by the current estimate. */
export function updatedReadme(current: string): string {
  return replaceGenerated(README, current, renderReadmeCost());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--write')) {
    writeFileSync(COST_DOC, updatedCostDoc(readFileSync(COST_DOC, 'utf8')));
    writeFileSync(README, updatedReadme(readFileSync(README, 'utf8')));
    process.stdout.write(`updated ${COST_DOC} and ${README}\n`);
  } else {
    process.stdout.write(`${renderCostMarkdown()}\n`);
  }
}
