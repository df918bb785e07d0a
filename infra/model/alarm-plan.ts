import type { MetricDefinition } from '../../lambda/catalog/catalog.js';
import { FALLBACK_ALARM_METRICS, PROTOCOL_ERROR_PRIORITY, ROLLUP_METRICS } from '../../lambda/catalog/rollups.js';
import { excerpt } from '../../lambda/config/schema.js';
import { APPLIANCE_DIMENSION, HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { type AlarmField, MAX_METRICS_PER_ALARM } from './settings.js';

/**
 * Which alarms exist for a counter selection, on which metrics, with which settings. Pure (no CDK), so the
 * constructs, the cost estimate and the docs all derive from the same plan.
 */

export type ApplianceAlarmKind =
  | 'collectionFailing'
  | 'protocolErrors'
  | 'resourceExhaustion'
  | 'joinsRejected'
  | 'sessionsWithoutSubflows'
  | 'fallbacks'
  | 'stateUnavailable'
  | 'sessionsCreatedAnomaly'
  | 'fallbacksAnomaly';

export type CollectorAlarmKind = 'functionErrors' | 'functionThrottles' | 'functionDuration';

export type AlarmKind = ApplianceAlarmKind | CollectorAlarmKind;

export const APPLIANCE_ALARM_KINDS: readonly ApplianceAlarmKind[] = [
  'collectionFailing',
  'protocolErrors',
  'resourceExhaustion',
  'joinsRejected',
  'sessionsWithoutSubflows',
  'fallbacks',
  'stateUnavailable',
  'sessionsCreatedAnomaly',
  'fallbacksAnomaly',
];

/**
 * The alarms on one rollup each (lambda/catalog/rollups.ts). Each is one CloudWatch Metrics Insights alarm per
 * deployment, not one per appliance: its query groups the rollup by Appliance, and every appliance whose rollup
 * has data in the last 3 hours is a contributor with its own ALARM/OK state and notification. Under the zero
 * policy a quiet appliance publishes no rollup, so it is not analyzed and costs nothing, where a per-appliance
 * alarm costs its metric every month. Stays per appliance, as before: protocolErrors with an explicit `metrics`
 * list (a metric-math sum of the listed counters), and an alarm whose window is longer than 3 hours.
 */
export const FLEET_ALARM_KINDS: readonly ApplianceAlarmKind[] = [
  'protocolErrors',
  'resourceExhaustion',
  'joinsRejected',
  'fallbacks',
  'stateUnavailable',
];

/** `appliance`: one alarm per appliance (a member of its Incident composite); `fleet`: one Metrics Insights alarm per deployment. */
export type AlarmScope = 'appliance' | 'fleet';

/**
 * CloudWatch evaluates a Metrics Insights alarm on the last 3 hours only: it refuses one whose period times
 * evaluation periods is longer.
 */
export const MAX_FLEET_ALARM_WINDOW_MINUTES = 180;

/** Why a rollup alarm stays one per appliance: listed protocol-error counters, or a window a fleet alarm cannot evaluate. */
export type PerApplianceCause = 'protocol-error-metrics' | 'window';

/**
 * Whether an alarm is a fleet alarm: a rollup alarm, except protocolErrors on an explicit counter list and an
 * alarm whose window (its resolved settings, when given) is longer than a Metrics Insights alarm evaluates.
 */
export function alarmScope(kind: AlarmKind, protocolErrorMetrics?: readonly string[], settings?: AlarmSettings): AlarmScope {
  return perApplianceCause(kind, protocolErrorMetrics, settings) === undefined && FLEET_ALARM_KINDS.includes(kind as ApplianceAlarmKind)
    ? 'fleet'
    : 'appliance';
}

function perApplianceCause(
  kind: AlarmKind,
  protocolErrorMetrics?: readonly string[],
  settings?: AlarmSettings,
): PerApplianceCause | undefined {
  if (!FLEET_ALARM_KINDS.includes(kind as ApplianceAlarmKind)) return undefined;
  if (kind === 'protocolErrors' && protocolErrorMetrics && protocolErrorMetrics.length > 0) return 'protocol-error-metrics';
  if (settings && settings.periodMinutes * settings.evaluationPeriods > MAX_FLEET_ALARM_WINDOW_MINUTES) return 'window';
  return undefined;
}

/** Metrics Insights returns at most 500 series per query (the most appliances one deployment has, MAX_APPLIANCES). */
export const MAX_FLEET_ALARM_SERIES = 500;

/** Alarms on an anomaly-detection band: their `threshold` is the band width in standard deviations. */
export const ANOMALY_ALARM_KINDS: readonly ApplianceAlarmKind[] = ['sessionsCreatedAnomaly', 'fallbacksAnomaly'];

export function isAnomalyAlarm(kind: AlarmKind): boolean {
  return ANOMALY_ALARM_KINDS.includes(kind as ApplianceAlarmKind);
}

export const COLLECTOR_ALARM_KINDS: readonly CollectorAlarmKind[] = ['functionErrors', 'functionThrottles', 'functionDuration'];

export { MAX_METRICS_PER_ALARM };

/**
 * The settings each alarm takes (their rules: ALARM_FIELD_SPECS in the settings model). collectionFailing
 * evaluates one schedule interval per period against a fixed threshold; functionDuration's threshold is a
 * percentage, named thresholdPercent in the config file.
 */
export const ALARM_FIELDS = {
  collectionFailing: ['enabled', 'evaluationPeriods', 'datapointsToAlarm'],
  protocolErrors: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  resourceExhaustion: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  joinsRejected: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  sessionsWithoutSubflows: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  fallbacks: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  stateUnavailable: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  sessionsCreatedAnomaly: ['enabled', 'bandWidth', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  fallbacksAnomaly: ['enabled', 'bandWidth', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  functionErrors: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  functionThrottles: ['enabled', 'threshold', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
  functionDuration: ['enabled', 'thresholdPercent', 'periodMinutes', 'evaluationPeriods', 'datapointsToAlarm'],
} as const satisfies Readonly<Record<AlarmKind, readonly AlarmField[]>>;

export interface AlarmSettings {
  readonly enabled: boolean;
  /**
   * The alarm fires above this value (below it for collectionFailing, where it is fixed at 1). For anomaly
   * alarms it is the width of the expected band in standard deviations. For
   * functionDuration it is a percentage of the collection window (the time the function waits for appliances;
   * see nearTimeoutThresholdMs).
   */
  readonly threshold: number;
  /** Length of one evaluated period. collectionFailing always uses the schedule interval. */
  readonly periodMinutes: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export type AlarmSettingsOverrides = Partial<AlarmSettings>;

/**
 * Defaults: "any" for allocation failures and join rejections (each one is a refused connection), a sustained
 * level for gauges, and a few consecutive misses before calling a collector broken, so that one late datapoint
 * does not page anyone.
 */
export const ALARM_DEFAULTS: Readonly<Record<AlarmKind, AlarmSettings>> = {
  collectionFailing: { enabled: true, threshold: 1, periodMinutes: 1, evaluationPeriods: 3, datapointsToAlarm: 3 },
  protocolErrors: { enabled: true, threshold: 100, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  resourceExhaustion: { enabled: true, threshold: 0, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  joinsRejected: { enabled: true, threshold: 0, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  sessionsWithoutSubflows: { enabled: true, threshold: 500, periodMinutes: 5, evaluationPeriods: 3, datapointsToAlarm: 3 },
  fallbacks: { enabled: true, threshold: 100, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  // More than 2 runs in 5 minutes without the state table (one throttled run is no page: its increases wait, none is lost).
  stateUnavailable: { enabled: true, threshold: 2, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  // A band of 3 standard deviations over 3 consecutive 5-minute periods: an outage of a quarter of an hour, not a dip.
  sessionsCreatedAnomaly: { enabled: true, threshold: 3, periodMinutes: 5, evaluationPeriods: 3, datapointsToAlarm: 3 },
  // Opt-in: a band is billed for three metrics per appliance (the metric and its two bounds) every month, even
  // while the Fallbacks rollup gets no data; the fleet fallbacks alarm watches the rollup for nothing then.
  fallbacksAnomaly: { enabled: false, threshold: 3, periodMinutes: 5, evaluationPeriods: 3, datapointsToAlarm: 3 },
  functionErrors: { enabled: true, threshold: 0, periodMinutes: 5, evaluationPeriods: 2, datapointsToAlarm: 2 },
  functionThrottles: { enabled: true, threshold: 0, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
  functionDuration: { enabled: true, threshold: 80, periodMinutes: 5, evaluationPeriods: 3, datapointsToAlarm: 3 },
};

export { FALLBACK_ALARM_METRICS, PROTOCOL_ERROR_PRIORITY };

export const SESSIONS_WITHOUT_SUBFLOWS_METRIC = 'CurrentSessionsWithoutSubflows';

/** MP_CAPABLE sessions created: falls far below its daily pattern when a middlebox strips MPTCP options. */
export const SESSIONS_CREATED_METRIC = 'SessionsCreated';

export type AlarmComparison = 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanLowerThreshold' | 'GreaterThanUpperThreshold';

export type AlarmStatistic = 'Sum' | 'Maximum';

export interface PlannedApplianceAlarm {
  readonly kind: ApplianceAlarmKind;
  /** One alarm per appliance, or one Metrics Insights alarm for every appliance (fleetAlarmQuery). */
  readonly scope: AlarmScope;
  /** Why a rollup alarm (FLEET_ALARM_KINDS) is one per appliance. */
  readonly perApplianceCause?: PerApplianceCause;
  /** Metric names in the collector's namespace, dimension Appliance. More than one: alarm on their sum. */
  readonly metricNames: readonly string[];
  readonly statistic: AlarmStatistic;
  /** `...LowerThreshold` / `...UpperThreshold`: below or above the anomaly band (settings.threshold its width). */
  readonly comparison: AlarmComparison;
  /** Missing data: breaching only for collectionFailing (a silent collector is a broken collector). */
  readonly treatMissingData: 'breaching' | 'notBreaching';
  readonly settings: AlarmSettings;
}

export interface SkippedAlarm {
  readonly kind: ApplianceAlarmKind;
  /** `disabled`: turned off in the configuration; `not-selected`: none of its metrics is published. */
  readonly cause: 'disabled' | 'not-selected';
  readonly reason: string;
}

export interface ApplianceAlarmPlan {
  /** Created for each appliance: the members of its Incident composite (`notify: per-appliance`). */
  readonly perAppliance: readonly PlannedApplianceAlarm[];
  /** Created once per deployment, each a Metrics Insights alarm with every appliance a contributor; never a composite's member. */
  readonly fleet: readonly PlannedApplianceAlarm[];
  readonly skipped: readonly SkippedAlarm[];
}

export interface PlanOptions {
  /** Schedule interval in minutes; collectionFailing evaluates one interval per period. */
  readonly intervalMinutes: number;
  readonly overrides?: Partial<Record<ApplianceAlarmKind, AlarmSettingsOverrides>>;
  /** Explicit counters for the protocol-errors alarm (at most 10, each selected). */
  readonly protocolErrorMetrics?: readonly string[];
}

/**
 * Defaults merged with overrides. A default period is rounded up to a multiple of the schedule interval, so
 * that every evaluated period holds the same number of samples (an explicit period is validated instead).
 */
export function settingsFor(kind: AlarmKind, overrides: AlarmSettingsOverrides | undefined, intervalMinutes = 1): AlarmSettings {
  const merged = { ...ALARM_DEFAULTS[kind], ...definedOnly(overrides ?? {}) };
  const periodMinutes = overrides?.periodMinutes ?? Math.ceil(merged.periodMinutes / intervalMinutes) * intervalMinutes;
  // Every default alarms when all evaluated periods breach; "M out of N" only when datapointsToAlarm is set.
  return { ...merged, periodMinutes, datapointsToAlarm: overrides?.datapointsToAlarm ?? merged.evaluationPeriods };
}

/**
 * The appliance alarms for a counter selection, per appliance and fleet-wide: alarms on metrics that are not
 * selected are skipped.
 */
export function planApplianceAlarms(selection: readonly MetricDefinition[], options: PlanOptions): ApplianceAlarmPlan {
  const selectedCounters = new Set(selection.filter((m) => m.kind === 'counter').map((m) => m.metricName));
  const selectedGauges = new Set(selection.filter((m) => m.kind === 'gauge').map((m) => m.metricName));
  const alarms: PlannedApplianceAlarm[] = [];
  const skipped: SkippedAlarm[] = [];

  const settings = (kind: ApplianceAlarmKind): AlarmSettings => {
    const resolved = settingsFor(kind, options.overrides?.[kind], options.intervalMinutes);
    return kind === 'collectionFailing' ? { ...resolved, threshold: 1, periodMinutes: options.intervalMinutes } : resolved;
  };

  const add = (
    kind: ApplianceAlarmKind,
    metricNames: readonly string[],
    statistic: AlarmStatistic,
    missingReason: string,
    comparison: AlarmComparison = kind === 'collectionFailing' ? 'LessThanThreshold' : 'GreaterThanThreshold',
  ) => {
    const resolved = settings(kind);
    if (!resolved.enabled) {
      skipped.push({ kind, cause: 'disabled', reason: 'disabled in the configuration' });
      return;
    }
    if (metricNames.length === 0) {
      skipped.push({ kind, cause: 'not-selected', reason: missingReason });
      return;
    }
    const cause = perApplianceCause(kind, options.protocolErrorMetrics, resolved);
    alarms.push({
      kind,
      scope: alarmScope(kind, options.protocolErrorMetrics, resolved),
      ...(cause ? { perApplianceCause: cause } : {}),
      metricNames,
      statistic,
      comparison,
      treatMissingData: kind === 'collectionFailing' ? 'breaching' : 'notBreaching',
      settings: resolved,
    });
  };

  add('collectionFailing', [HEALTH_METRICS.success], 'Maximum', '');
  // The counter alarms watch one rollup each (lambda/catalog/rollups.ts), published whatever the selection.
  add('protocolErrors', protocolErrorMetrics(options.protocolErrorMetrics), 'Sum', '');
  add('resourceExhaustion', [ROLLUP_METRICS.allocationFailures], 'Sum', '');
  add('joinsRejected', [ROLLUP_METRICS.joinsRejected], 'Sum', '');
  add(
    'sessionsWithoutSubflows',
    selectedGauges.has(SESSIONS_WITHOUT_SUBFLOWS_METRIC) ? [SESSIONS_WITHOUT_SUBFLOWS_METRIC] : [],
    'Maximum',
    `${SESSIONS_WITHOUT_SUBFLOWS_METRIC} is not in the counter selection`,
  );
  add('fallbacks', [ROLLUP_METRICS.fallbacks], 'Sum', '');
  // Published only while the state table fails (1 a run), so it costs nothing otherwise.
  add('stateUnavailable', [STATE_HEALTH_METRICS.stateUnavailable], 'Sum', '');
  add(
    'sessionsCreatedAnomaly',
    selectedCounters.has(SESSIONS_CREATED_METRIC) ? [SESSIONS_CREATED_METRIC] : [],
    'Sum',
    `${SESSIONS_CREATED_METRIC} is not in the counter selection`,
    'LessThanLowerThreshold',
  );
  add('fallbacksAnomaly', [ROLLUP_METRICS.fallbacks], 'Sum', '', 'GreaterThanUpperThreshold');
  return { perAppliance: alarms.filter((a) => a.scope === 'appliance'), fleet: alarms.filter((a) => a.scope === 'fleet'), skipped };
}

const QUERY_FUNCTION: Readonly<Record<AlarmStatistic, string>> = { Sum: 'SUM', Maximum: 'MAX' };

/**
 * The Metrics Insights query of a fleet alarm: its metric per appliance, every appliance of the namespace (the
 * series with exactly the Appliance dimension), highest first. Metrics Insights cannot scope it to this
 * deployment's appliances (its WHERE takes `=`, `!=` and AND, no OR or IN), so deployments sharing a namespace
 * share what these alarms see: give each deployment its own namespace.
 */
export function fleetAlarmQuery(namespace: string, alarm: Pick<PlannedApplianceAlarm, 'metricNames' | 'statistic'>): string {
  if (alarm.metricNames.length !== 1) throw new Error(`a fleet alarm watches one metric, not ${alarm.metricNames.join(' + ')}`);
  const fn = QUERY_FUNCTION[alarm.statistic];
  return (
    `SELECT ${fn}(${quoteIdentifier(alarm.metricNames[0]!)}) FROM SCHEMA(${quoted(namespace)}, ${APPLIANCE_DIMENSION}) ` +
    `GROUP BY ${APPLIANCE_DIMENSION} ORDER BY ${fn}() DESC LIMIT ${MAX_FLEET_ALARM_SERIES}`
  );
}

/**
 * Metrics Insights: a name of letters, digits and underscores as it is (the rollups' names), any other in double
 * quotes. A namespace is always quoted: one of letters alone could be a reserved keyword.
 */
function quoteIdentifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : quoted(name);
}

function quoted(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The metrics the protocol-errors alarm watches: the explicit counters when given (validated elsewhere, summed
 * with metric math), else the ProtocolErrors rollup, one series whatever the selection.
 */
export function protocolErrorMetrics(explicit?: readonly string[]): readonly string[] {
  return explicit && explicit.length > 0 ? explicit : [ROLLUP_METRICS.protocolErrors];
}

/** Problems with an explicit protocol-errors metric list, as messages for its field. */
export function protocolErrorMetricProblems(selection: readonly MetricDefinition[], explicit: readonly string[]): string[] {
  const problems: string[] = [];
  if (explicit.length > MAX_METRICS_PER_ALARM) {
    problems.push(`lists ${explicit.length} counters: a metric-math alarm takes at most ${MAX_METRICS_PER_ALARM}`);
  }
  const selectedCounters = new Set(selection.filter((m) => m.kind === 'counter').map((m) => m.metricName));
  for (const name of explicit) {
    if (!selectedCounters.has(name)) {
      problems.push(
        `names ${excerpt(name)}, which is not a selected counter (use CloudWatch metric names of counters that "counters" selects)`,
      );
    }
  }
  return problems;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
