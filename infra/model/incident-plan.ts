import { MAX_ALARM_NAME_LENGTH } from './alarm-names.js';
import type { AlarmSettings } from './alarm-plan.js';

/**
 * How alarms page: `per-appliance` (default) gives each appliance one composite alarm (any of its alarms) that
 * notifies, with its member alarms visible but silent, and one CollectorFailing composite for the collector that
 * silences the appliance pages while it is in ALARM; `per-alarm` lets every alarm notify on its own (the
 * behaviour before composites). Pure: the constructs, the config validation and the cost estimate use it.
 */
export const NOTIFY_MODES = ['per-appliance', 'per-alarm'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];
export const DEFAULT_NOTIFY_MODE: NotifyMode = 'per-appliance';

/** CloudWatch: a composite alarm's rule names at most 100 alarms and is at most 10,240 characters long. */
export const MAX_ALARMS_IN_RULE = 100;
export const MAX_ALARM_RULE_LENGTH = 10_240;

/** CollectorDown alarms after this many consecutive intervals with errors, throttles or no invocation. */
export const COLLECTOR_DOWN_EVALUATION_PERIODS = 2;

/** Lambda's own metrics arrive about a minute after the invocation. */
const LAMBDA_METRIC_DELAY_MINUTES = 1;

/** CloudWatch takes suppressor wait and extension periods in whole seconds; at least a minute is sensible. */
const MIN_SUPPRESSOR_PERIOD_SECONDS = 60;

export interface SuppressorTiming {
  /** How long an appliance's page waits for CollectorFailing to reach ALARM before it notifies anyway. */
  readonly waitSeconds: number;
  /** How long an appliance's page stays silent after CollectorFailing left ALARM (its members recover). */
  readonly extensionSeconds: number;
}

/**
 * The suppressor timing from the schedule and the appliances' CollectionFailing settings. When the collector
 * breaks, CollectorDown reaches ALARM after its intervals plus Lambda's metric delay, an appliance's
 * CollectionFailing after its datapointsToAlarm intervals: the wait covers the difference (every genuine
 * appliance page is held that long, at least a minute). After the collector recovers, CollectionFailing needs
 * evaluationPeriods - datapointsToAlarm + 1 good intervals to return to OK: the extension covers them.
 */
export function suppressorTiming(intervalMinutes: number, collectionFailing: AlarmSettings): SuppressorTiming {
  const collectorDownMinutes = intervalMinutes * COLLECTOR_DOWN_EVALUATION_PERIODS + LAMBDA_METRIC_DELAY_MINUTES;
  const collectionFailingMinutes = intervalMinutes * collectionFailing.datapointsToAlarm;
  const recoveryMinutes =
    intervalMinutes * (collectionFailing.evaluationPeriods - collectionFailing.datapointsToAlarm + 1) + LAMBDA_METRIC_DELAY_MINUTES;
  return {
    waitSeconds: Math.max(MIN_SUPPRESSOR_PERIOD_SECONDS, (collectorDownMinutes - collectionFailingMinutes) * 60),
    extensionSeconds: Math.max(MIN_SUPPRESSOR_PERIOD_SECONDS, recoveryMinutes * 60),
  };
}

/** The longest `ALARM("arn:...:alarm:NAME")` CloudWatch may get for one member (partition and region at their longest). */
const LONGEST_MEMBER_PREFIX = 'ALARM("arn:aws-iso-b:cloudwatch:us-isob-east-1:123456789012:alarm:'.length + '")'.length;

/**
 * Whether a composite over these members fits CloudWatch's limits whatever the region, or why not. With the
 * alarm kinds of this project an appliance has at most 8 members of at most 255 characters each: about 2,600
 * characters, far within them; the check keeps a future kind from breaking a deploy at 3 a.m.
 */
export function compositeRuleProblem(memberNames: readonly string[]): string | undefined {
  if (memberNames.length > MAX_ALARMS_IN_RULE)
    return `names ${memberNames.length} alarms: a composite alarm's rule takes at most ${MAX_ALARMS_IN_RULE}`;
  const length =
    memberNames.reduce((sum, name) => sum + LONGEST_MEMBER_PREFIX + Math.min(name.length, MAX_ALARM_NAME_LENGTH), 0) +
    4 * (memberNames.length - 1) +
    2;
  if (length > MAX_ALARM_RULE_LENGTH)
    return `would be up to ${length} characters long: a composite alarm's rule takes at most ${MAX_ALARM_RULE_LENGTH}`;
  return undefined;
}
