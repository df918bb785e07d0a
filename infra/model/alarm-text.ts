import { ROLLUPS } from '../../lambda/catalog/rollups.js';
import type { AlarmKind, ApplianceAlarmKind, PlannedApplianceAlarm } from './alarm-plan.js';

/**
 * Alarm names and descriptions: what the on-call reads in the notification at 3 a.m. Each description says
 * what broke, what it affects, the first steps, and a link to the runbook section: the runbook page (the setting
 * runbookBaseUrl, by default docs/runbook.md on the repository) with one heading per alarm, named like the alarm's suffix.
 */

/** Each alarm's construct id (so part of its generated name) and its runbook heading. */
export const ALARM_SUFFIX: Readonly<Record<AlarmKind, string>> = {
  collectionFailing: 'CollectionFailing',
  protocolErrors: 'ProtocolErrors',
  resourceExhaustion: 'ResourceExhaustion',
  joinsRejected: 'JoinsRejected',
  sessionsWithoutSubflows: 'SessionsWithoutSubflows',
  fallbacks: 'FallbacksToTcp',
  stateUnavailable: 'StateUnavailable',
  sessionsCreatedAnomaly: 'SessionsCreatedAnomaly',
  fallbacksAnomaly: 'FallbacksAnomaly',
  functionErrors: 'CollectorErrors',
  functionThrottles: 'CollectorThrottled',
  functionDuration: 'CollectorNearTimeout',
};

/** What each appliance alarm watches, in a few words: the member list of the appliance's incident alarm. */
export const ALARM_SUMMARY: Readonly<Record<ApplianceAlarmKind, string>> = {
  collectionFailing: 'no successful collection',
  protocolErrors: 'MPTCP protocol errors',
  resourceExhaustion: 'MPTCP allocation failures',
  joinsRejected: 'MP_JOINs rejected by limits',
  sessionsWithoutSubflows: 'sessions without subflows',
  fallbacks: 'fallbacks to plain TCP above the threshold',
  stateUnavailable: 'the state table failing',
  sessionsCreatedAnomaly: 'MPTCP sessions created far below their usual pattern',
  fallbacksAnomaly: 'fallbacks to plain TCP far above their usual pattern',
};

/** The composite alarms' suffixes (alarm names and runbook headings). */
export const INCIDENT_SUFFIX = 'Incident';
export const COLLECTOR_FAILING_SUFFIX = 'CollectorFailing';
export const COLLECTOR_DOWN_SUFFIX = 'CollectorDown';

/** CloudWatch's limit for AlarmDescription. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** The runbook section of an alarm kind or composite (its heading is the suffix; the anchor is the heading in lower case). */
export function runbookLink(runbookBaseUrl: string, kindOrHeading: AlarmKind | string): string {
  const heading = (ALARM_SUFFIX as Readonly<Record<string, string>>)[kindOrHeading] ?? kindOrHeading;
  return `Runbook: ${runbookBaseUrl}#${heading.toLowerCase()}`;
}

export interface ApplianceContext {
  readonly name: string;
  readonly url: string;
  readonly secretId: string;
  /** To check first when many appliances fail together. */
  readonly collectorErrorsAlarmName: string;
  readonly runbookBaseUrl: string;
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/** "5-minute", for use before a noun. */
function minuteAdjective(n: number): string {
  return `${n}-minute`;
}

function window(alarm: PlannedApplianceAlarm): string {
  const { evaluationPeriods, datapointsToAlarm, periodMinutes } = alarm.settings;
  if (evaluationPeriods === 1) return `in ${minutes(periodMinutes)}`;
  return datapointsToAlarm === evaluationPeriods
    ? `in each of ${evaluationPeriods} consecutive ${minuteAdjective(periodMinutes)} periods`
    : `in ${datapointsToAlarm} of ${evaluationPeriods} consecutive ${minuteAdjective(periodMinutes)} periods`;
}

/**
 * What happened and what it means, the runbook link, then the first steps: a description longer than
 * CloudWatch's 1024 characters (long appliance names, URLs or secret ARNs) loses the end of its first steps,
 * never the runbook link.
 */
export function applianceAlarmDescription(alarm: PlannedApplianceAlarm, appliance: ApplianceContext): string {
  const [what, steps] = describeApplianceAlarm(alarm, appliance);
  return clampDescription(`[${appliance.name}] ${what} ${runbookLink(appliance.runbookBaseUrl, alarm.kind)}. ${steps}`);
}

export interface FleetContext {
  /** The namespace the query reads: every appliance publishing into it is a contributor. */
  readonly namespace: string;
  readonly alarmName: string;
  readonly runbookBaseUrl: string;
}

/**
 * A fleet alarm (one Metrics Insights alarm for every appliance): what one contributor in ALARM means, the
 * runbook link, how to tell which appliance it is, then the first steps.
 */
export function fleetAlarmDescription(alarm: PlannedApplianceAlarm, fleet: FleetContext): string {
  const [what, steps] = describeApplianceAlarm(alarm);
  return clampDescription(
    `[each appliance] ${what} ${runbookLink(fleet.runbookBaseUrl, alarm.kind)}. ` +
      `Which appliance: this one alarm watches every appliance of namespace ${fleet.namespace}, each a contributor with its own ALARM/OK state and notification; ` +
      `the contributor's Appliance dimension names it (in this notification, on the alarm's page in the console, or: aws cloudwatch describe-alarm-contributors --alarm-name "${fleet.alarmName}"). ` +
      steps,
  );
}

function describeApplianceAlarm(alarm: PlannedApplianceAlarm, appliance?: ApplianceContext): [what: string, steps: string] {
  const threshold = alarm.settings.threshold;
  const metrics = summedMetrics(alarm.metricNames);
  switch (alarm.kind) {
    case 'collectionFailing': {
      if (!appliance) throw new Error('collectionFailing is an alarm of one appliance');
      const { evaluationPeriods, datapointsToAlarm, periodMinutes } = alarm.settings;
      const runs =
        datapointsToAlarm === evaluationPeriods
          ? `${evaluationPeriods} consecutive ${minuteAdjective(periodMinutes)} intervals`
          : `${datapointsToAlarm} of ${evaluationPeriods} consecutive ${minuteAdjective(periodMinutes)} intervals`;
      return [
        `No successful collection from ${appliance.url} in ${runs} (CollectionSuccess < 1 or missing): its MPTCP metrics are stale.`,
        `If ${appliance.collectorErrorsAlarmName} fires too, the collector itself is broken: start there. ` +
          `Otherwise read this appliance's lines in the collector's log group (stack output LogGroupName; Logs Insights, filter on "${appliance.name}"): ` +
          `auth -> the NITRO user and secret ${appliance.secretId}; tls -> CA / server name; timeout or network -> management address reachable from the function; ` +
          'NITRO errorcode -> the table in the runbook.',
      ];
    }
    case 'protocolErrors':
      return [
        `More than ${threshold} MPTCP protocol errors ${window(alarm)} (sum of ${metrics}). ` +
          'Sessions fail MPTCP checks (checksums, MACs, tokens, cookies, options): clients or a middlebox are mangling MPTCP options.',
        'Find the counter that rose on the dashboard and since when (client release? network change?); check the fallbacks graph.',
      ];
    case 'resourceExhaustion':
      return [
        `MPTCP memory allocations failed ${window(alarm)} (sum of ${metrics} > ${threshold}): the appliance is refusing or dropping MPTCP sessions or subflows.`,
        'Check the appliance memory and the session counts (CurrentSessions, CurrentSubflows) now; consider failover or shedding load.',
      ];
    case 'joinsRejected':
      return [
        `MP_JOIN requests rejected by configured limits ${window(alarm)} (sum of ${metrics} > ${threshold}): clients cannot add subflows.`,
        'Compare CurrentPendingJoins and CurrentSubflows with the pending-join threshold and maximum subflows configured on the appliance.',
      ];
    case 'sessionsWithoutSubflows':
      return [
        `More than ${threshold} MPTCP sessions without any subflow ${window(alarm)} (Maximum of ${metrics}): sessions held open with no path to the client, holding appliance memory.`,
        'Check whether the count keeps growing or follows traffic; check fallbacks, resets and the MPTCP session timeout on the appliance.',
      ];
    case 'fallbacks':
      return [
        `More than ${threshold} MPTCP sessions fell back to plain TCP ${window(alarm)} (sum of ${metrics}): clients lose multipath failover.`,
        'Usually a middlebox stripping or rewriting MPTCP options, or checksum failures: find the counter that rose, check protocol errors, correlate with network changes.',
      ];
    case 'stateUnavailable':
      return [
        `The state table could not be read or written for this appliance in more than ${threshold} runs ${window(alarm)} (sum of ${metrics}): ` +
          'gauges and health metrics are still published, counter increases wait for the table (none lost while the outage is shorter than maxSampleAgeSeconds).',
        'Read the WARN line "the state table could not be read or written" (causes: throttled, AccessDenied, unreachable); check the table, the role and its KMS key, the VPC route to DynamoDB.',
      ];
    case 'sessionsCreatedAnomaly':
      return [
        `MPTCP sessions created (Sum of ${metrics}) fell below the expected band (${threshold} standard deviations around the learned daily and weekly pattern) ${window(alarm)}: ` +
          'clients stopped getting MPTCP, e.g. a middlebox strips the MP_CAPABLE option while plain TCP carries on, or the traffic went elsewhere.',
        'Compare with the fallbacks graph and CurrentSessions; a network or firewall change on the client path is the usual cause. The model needs two weeks of history; exclude maintenance windows from it (runbook).',
      ];
    case 'fallbacksAnomaly':
      return [
        `Fallbacks to plain TCP (sum of ${metrics}) rose above the expected band (${threshold} standard deviations around the learned pattern) ${window(alarm)}: ` +
          'sessions that started as MPTCP lose it, e.g. a middlebox rewriting or stripping MPTCP options.',
        'Find the fallback counter that rose and since when; check protocol errors and recent network changes. The model needs two weeks of history (runbook).',
      ];
  }
}

/**
 * The appliance's one page: which member alarms it stands for, how to see the ones in ALARM, and when it is
 * silenced (the collector itself failing, which pages once through CollectorFailing).
 */
export function incidentAlarmDescription(
  appliance: string,
  members: readonly { readonly kind: ApplianceAlarmKind; readonly alarmName: string }[],
  compositeName: string,
  collectorFailingName: string,
  runbookBaseUrl: string,
  fleetAlarmNames: readonly string[] = [],
): string {
  const list = members.map((m) => `${ALARM_SUFFIX[m.kind]} (${ALARM_SUMMARY[m.kind]})`).join('; ');
  const fleet =
    fleetAlarmNames.length > 0
      ? ` Not members: the fleet alarms ${fleetAlarmNames.join(', ')} watch every appliance and page on their own, naming the appliance.`
      : '';
  return clampDescription(
    `[${appliance}] One page for this appliance: in ALARM while any of its ${members.length} alarms is: ${list}. ` +
      `${runbookLink(runbookBaseUrl, INCIDENT_SUFFIX)}. The member alarms in ALARM are named in this notification's alarm rule and state reason, ` +
      `on the dashboard, and by: aws cloudwatch describe-alarms --children-of-alarm-name "${compositeName}"; each member's description has the first steps. ` +
      `Silent while ${collectorFailingName} is in ALARM: the collector itself is failing and pages once for every appliance.${fleet}`,
  );
}

export function collectorFailingDescription(memberSuffixes: readonly string[], functionName: string, runbookBaseUrl: string): string {
  return clampDescription(
    `The MPTCP collector ${functionName} is failing (any of ${memberSuffixes.join(', ')} is in ALARM). This is the one page for it: ` +
      "while it is in ALARM the appliances' Incident alarms do not notify, since their collections fail for the collector's reason. " +
      `${runbookLink(runbookBaseUrl, COLLECTOR_FAILING_SUFFIX)}; each member's description has the first steps.`,
  );
}

export function collectorDownDescription(
  intervalMinutes: number,
  evaluationPeriods: number,
  functionName: string,
  runbookBaseUrl: string,
): string {
  return clampDescription(
    `The MPTCP collector ${functionName} failed, was throttled, or was not invoked at all in each of ${evaluationPeriods} consecutive ${minuteAdjective(intervalMinutes)} intervals ` +
      `(Errors + Throttles > 0, or no Invocations). It notifies nobody by itself: it makes ${COLLECTOR_FAILING_SUFFIX} page and silences the appliance pages, ` +
      `fast enough to be in ALARM before the appliances' CollectionFailing. ${runbookLink(runbookBaseUrl, COLLECTOR_FAILING_SUFFIX)}.`,
  );
}

/** CloudWatch rejects a longer description: cut the end (the first steps), marking the cut. */
export function clampDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

export interface CollectorContext {
  readonly functionName: string;
  readonly logGroupName: string;
  readonly timeoutSeconds: number;
  readonly runbookBaseUrl: string;
}

export function collectorAlarmDescription(
  kind: 'functionErrors' | 'functionThrottles' | 'functionDuration',
  settings: { threshold: number; periodMinutes: number; evaluationPeriods: number; datapointsToAlarm: number },
  collector: CollectorContext,
  thresholdMs?: number,
): string {
  const span =
    settings.evaluationPeriods === 1
      ? `in ${minutes(settings.periodMinutes)}`
      : `in ${settings.datapointsToAlarm} of ${settings.evaluationPeriods} consecutive ${minuteAdjective(settings.periodMinutes)} periods`;
  switch (kind) {
    case 'functionErrors':
      return (
        `The MPTCP collector function ${collector.functionName} failed more than ${settings.threshold} time(s) ${span}. ` +
        'It fails only when nothing could be published (invalid configuration, CloudWatch unreachable or refusing): metrics of every appliance in the failing shard are missing. ' +
        `Read the errors in log group ${collector.logGroupName}; check recent deployments, IAM, and VPC endpoints/NAT. ${runbookLink(collector.runbookBaseUrl, kind)}`
      );
    case 'functionThrottles':
      return (
        `The MPTCP collector function ${collector.functionName} was throttled more than ${settings.threshold} time(s) ${span}: some shards did not run, their appliances have gaps. ` +
        `Check the account's Lambda concurrency (ConcurrentExecutions, other functions, reserved concurrency). ${runbookLink(collector.runbookBaseUrl, kind)}`
      );
    case 'functionDuration':
      return (
        `The MPTCP collector function ${collector.functionName} ran longer than ${thresholdMs} ms (${settings.threshold}% of the time it waits for appliances, of its ${collector.timeoutSeconds} s timeout) ${span}. ` +
        'Slow or unreachable appliances are eating the time budget; beyond it, appliances are cut off or never started and report CollectionSuccess 0. ' +
        `Look for slow appliances (health.CollectionDuration in the sample records) and timeouts in log group ${collector.logGroupName}; lower shardSize or raise concurrency. ${runbookLink(collector.runbookBaseUrl, kind)}`
      );
  }
}

/** What an alarm sums, in words: a rollup by its counters' count (docs/metrics.md lists them), else the metric names. */
function summedMetrics(metricNames: readonly string[]): string {
  const rollup = metricNames.length === 1 ? ROLLUPS.find((r) => r.metricName === metricNames[0]) : undefined;
  return rollup ? `the ${rollup.metrics.length} counters of the ${rollup.metricName} rollup` : metricNames.join(' + ');
}
