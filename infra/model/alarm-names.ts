import { createHash } from 'node:crypto';

/**
 * Alarm names: `<prefix>-<appliance>-<Suffix>` for an appliance's alarms, `<prefix>-<Suffix>` for the
 * collector's and the fleet alarms (one per deployment, every appliance a contributor), readable in a notification's subject and
 * known at synth, so that the dashboard can list alarms of nested stacks without cross-stack outputs.
 *
 * Alarms in nested stacks carry their group (`-g2`): when an appliance moves to another nested stack, its alarms
 * get new names. Two alarms with one name in two stacks would be one alarm, deleted with the stack it leaves.
 */

/** CloudWatch's limit for AlarmName. */
export const MAX_ALARM_NAME_LENGTH = 255;

export function collectorAlarmName(prefix: string, suffix: string): string {
  return fitName(prefix, '', `-${suffix}`);
}

/**
 * A fleet alarm's name: the deployment's prefix and the alarm's suffix, never an appliance. Its query sees every
 * appliance of the namespace, so the prefix is what tells two deployments' fleet alarms apart.
 */
export function fleetAlarmName(prefix: string, suffix: string): string {
  return fitName(prefix, '', `-${suffix}`);
}

export function applianceAlarmName(prefix: string, appliance: string, suffix: string, group?: number): string {
  return fitName(`${prefix}-`, appliance, `-${suffix}${group === undefined ? '' : `-g${group}`}`);
}

/** Shortens the middle part (with a hash of the whole name, to stay unique) when the name is too long. */
function fitName(head: string, middle: string, tail: string): string {
  const name = `${head}${middle}${tail}`;
  if (name.length <= MAX_ALARM_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const room = MAX_ALARM_NAME_LENGTH - head.length - tail.length - hash.length - 1;
  if (room < 1) throw new Error(`alarm name prefix "${head}" is too long: at most about 200 characters`);
  return `${head}${middle.slice(0, room)}~${hash}${tail}`;
}
