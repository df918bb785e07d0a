import type { AlarmKind, PlannedApplianceAlarm } from './alarm-plan.js';

/**
 * Alarm names and descriptions: what the on-call reads in the notification at 3 a.m. Each description says
 * what broke, what it affects, the first steps, and where the runbook section is (README.md, Alarm runbook, one heading
 * per alarm, named like the alarm's suffix).
 */

/** Each alarm's construct id (so part of its generated name) and its runbook heading. */
export const ALARM_SUFFIX: Readonly<Record<AlarmKind, string>> = {
  collectionFailing: 'CollectionFailing',
  protocolErrors: 'ProtocolErrors',
  resourceExhaustion: 'ResourceExhaustion',
  joinsRejected: 'JoinsRejected',
  sessionsWithoutSubflows: 'SessionsWithoutSubflows',
  fallbacks: 'FallbacksToTcp',
  functionErrors: 'CollectorErrors',
  functionThrottles: 'CollectorThrottled',
  functionDuration: 'CollectorNearTimeout',
};

/** CloudWatch's limit for AlarmDescription. */
export const MAX_DESCRIPTION_LENGTH = 1024;

export function runbookLink(kind: AlarmKind): string {
  return `Runbook: README.md#${ALARM_SUFFIX[kind].toLowerCase()}`;
}

export interface ApplianceContext {
  readonly name: string;
  readonly url: string;
  readonly secretId: string;
  /** To check first when many appliances fail together. */
  readonly collectorErrorsAlarmName: string;
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
  return clampDescription(`[${appliance.name}] ${what} ${runbookLink(alarm.kind)}. ${steps}`);
}

function describeApplianceAlarm(alarm: PlannedApplianceAlarm, appliance: ApplianceContext): [what: string, steps: string] {
  const threshold = alarm.settings.threshold;
  const metrics = alarm.metricNames.join(' + ');
  switch (alarm.kind) {
    case 'collectionFailing': {
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
  }
}

/** CloudWatch rejects a longer description: cut the end (the first steps), marking the cut. */
export function clampDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

export interface CollectorContext {
  readonly functionName: string;
  readonly logGroupName: string;
  readonly timeoutSeconds: number;
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
        `Read the errors in log group ${collector.logGroupName}; check recent deployments, IAM, and VPC endpoints/NAT. ${runbookLink(kind)}`
      );
    case 'functionThrottles':
      return (
        `The MPTCP collector function ${collector.functionName} was throttled more than ${settings.threshold} time(s) ${span}: some shards did not run, their appliances have gaps. ` +
        `Check the account's Lambda concurrency (ConcurrentExecutions, other functions, reserved concurrency). ${runbookLink(kind)}`
      );
    case 'functionDuration':
      return (
        `The MPTCP collector function ${collector.functionName} ran longer than ${thresholdMs} ms (${settings.threshold}% of the time it waits for appliances, of its ${collector.timeoutSeconds} s timeout) ${span}. ` +
        'Slow or unreachable appliances are eating the time budget; beyond it, appliances are cut off or never started and report CollectionSuccess 0. ' +
        `Look for slow appliances (CollectionDuration) and timeouts in log group ${collector.logGroupName}; lower shardSize or raise concurrency. ${runbookLink(kind)}`
      );
  }
}
