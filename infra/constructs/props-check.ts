import { closestNames } from '../../lambda/catalog/closest-names.js';
import { anything, object, optional, type Problem, renderProblems, type Spec, valueAt } from '../../lambda/config/schema.js';
import type { ApplianceConfig } from '../../lambda/config/settings.js';
import { isRecord } from '../../lambda/core/is-record.js';
import { alarmOverridesOf, crossFieldProblems, FORMER_ALARM_SETTINGS_PROP, SETTING_ROWS } from '../config/settings-rules.js';
import { ALARM_FIELDS } from '../model/alarm-plan.js';

/**
 * The construct's props checked at synth against the settings model: each row with a `prop` under its prop
 * path (the config file's path; an alarm's settings are `alarms.<kind>.<field>`), and the rules across settings.
 * A bad prop fails synth with its path and the rule, never a deployed function that fails every run.
 */

/** The fields of `vpc` (MptcpVpcProps; test/integration/infra-construct.test.ts keeps the list in step with the type). */
export const VPC_PROP_FIELDS = ['vpc', 'subnets', 'securityGroups', 'endpoints'] as const;

const anyValue = optional(anything<unknown>('a value'));

const ALARM_KINDS = Object.keys(ALARM_FIELDS);

/** The rule of an object of the props, at `at` (`alarms.fallbacks.`), as the config file words it. */
function objectRule(at: string): string {
  if (at === '') return 'an object of MptcpMonitoring props';
  const [first, kind, ...rest] = at.slice(0, -1).split('.');
  if (first === 'alarms' && kind !== undefined && rest.length === 0 && ALARM_KINDS.includes(kind))
    return `the ${kind} alarm's settings object`;
  return `an object of ${at.slice(0, -1)} props`;
}

/**
 * The props' shape: every object the props have, with the fields the rows name (a row's prop path, or `vpc`
 * whose insides are checked by its TypeScript type). Unknown fields are refused with the closest known one, as in
 * the config file: from JavaScript, a misspelled prop would otherwise be ignored (`schedulesEnabld: false` would
 * deploy a live collector).
 */
function propsShape(): Spec<unknown> {
  const vpcSpec = object(
    {
      ...Object.fromEntries(VPC_PROP_FIELDS.map((field) => [field, anyValue])),
      endpoints: optional(object({ routeTableIds: anyValue }, { rule: 'an object {routeTableIds}' })),
    },
    { rule: 'a VPC placement {vpc, subnets, securityGroups?, endpoints?}' },
  );
  type Tree = { [field: string]: Tree | null };
  const tree: Tree = { vpc: null };
  for (const row of SETTING_ROWS) {
    if (!row.prop || row.prop.path === 'vpc') continue;
    const path = row.prop.path.split('.');
    let node = tree;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Tree;
    node[path.at(-1)!] = null;
  }
  const specOf = (node: Tree, at: string): Spec<unknown> =>
    object(
      Object.fromEntries(
        Object.entries(node).map(([field, inner]) => [
          field,
          at === '' && field === 'vpc' ? optional(vpcSpec) : inner ? optional(specOf(inner, `${at}${field}.`)) : anyValue,
        ]),
      ),
      { rule: objectRule(at) },
    ) as Spec<unknown>;
  return specOf(tree, '');
}

/**
 * Props renamed to the config file's names (pre-1.0): the old name is refused with its new one. The alarm fields
 * moved by their alarm (alarmSettingsMoved).
 */
const RENAMED = SETTING_ROWS.flatMap((row) =>
  row.prop?.formerly && !row.alarm ? [{ from: row.prop.formerly.split('.'), to: row.prop.path }] : [],
);

const RENAMED_NOTE = "(the config file's name; see CHANGELOG.md)";
const FORMER_ALARMS = FORMER_ALARM_SETTINGS_PROP.split('.');

/**
 * `alarms.settings.<kind>` was renamed to `alarms.<kind>` (each alarm field row's `formerly`): a problem for each
 * kind given, with the closest kind for a misspelled one, so an upgrade sees each object to move.
 */
function alarmSettingsMoved(settings: unknown, problems: Problem[]): void {
  const given = isRecord(settings) ? Object.keys(settings) : [];
  if (given.length === 0) {
    problems.push({
      path: FORMER_ALARMS,
      message: `was renamed to alarms.<alarm>, one object per alarm (e.g. alarms.fallbacks) ${RENAMED_NOTE}`,
    });
  }
  for (const kind of given) {
    if (ALARM_KINDS.includes(kind)) {
      problems.push({ path: [...FORMER_ALARMS, kind], message: `was renamed to alarms.${kind} ${RENAMED_NOTE}` });
      continue;
    }
    const [near] = closestNames(kind, ALARM_KINDS, 1);
    const hint = near ? `did you mean "${near}"?` : `the alarms: ${ALARM_KINDS.join(', ')}.`;
    problems.push({
      path: [...FORMER_ALARMS, kind],
      message: `is no alarm; ${hint} ${FORMER_ALARM_SETTINGS_PROP}.<alarm> was renamed to alarms.<alarm> ${RENAMED_NOTE}`,
    });
  }
}

/** The props without the renamed ones found in them (copied along each renamed path), and a problem for each. */
function renamedProblems(props: object, problems: Problem[]): object {
  let rest: Record<string, unknown> = props as Record<string, unknown>;
  const alarmSettings = valueAt(rest, FORMER_ALARMS);
  if (alarmSettings !== undefined) {
    alarmSettingsMoved(alarmSettings, problems);
    rest = withoutPath(rest, FORMER_ALARMS);
  }
  for (const { from, to } of RENAMED) {
    const value = valueAt(rest, from);
    // `dashboard` was a boolean and is now the object holding `enabled`: only the old kind of value is the old prop.
    if (value === undefined || (to.startsWith(`${from.join('.')}.`) && isRecord(value))) continue;
    problems.push({ path: from, message: `was renamed to ${to} ${RENAMED_NOTE}` });
    rest = withoutPath(rest, from);
  }
  return rest;
}

function withoutPath(value: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...tail] = path as [string, ...string[]];
  const copy = { ...value };
  if (tail.length === 0) delete copy[head];
  else if (isRecord(copy[head])) copy[head] = withoutPath(copy[head] as Record<string, unknown>, tail);
  return copy;
}

const PROPS_SHAPE = propsShape();

/** Throws one Error naming every bad prop (the first few, then a count). */
export function checkProps(props: object): void {
  const problems: Problem[] = [];
  PROPS_SHAPE.check(renamedProblems(props, problems), [], problems);
  const valid = new Map<string, unknown>();
  // The alarm settings as given, when every one passed its rule (the rules across them need them all).
  const alarmSettings: Record<string, Record<string, unknown>> = {};
  let alarmsValid = true;
  for (const row of SETTING_ROWS) {
    if (!row.prop || row.prop.cdkValue) continue;
    const path = row.prop.path.split('.');
    const value = valueAt(props, path);
    if (value === undefined && !row.required) continue;
    const before = problems.length;
    const checked = row.spec.check(value, path, problems);
    if (problems.length === before) valid.set(row.id, checked);
    if (!row.alarm) continue;
    if (problems.length === before) (alarmSettings[row.alarm.kind] ??= {})[row.alarm.field] = checked;
    else alarmsValid = false;
  }

  const get = <T>(id: string) => valid.get(id) as T | undefined;
  const countersValid = valueAt(props, ['counters']) === undefined || valid.has('counters');
  const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  const rules = crossFieldProblems(
    defined({
      rateMinutes: get<number>('rateMinutes'),
      timeoutSeconds: get<number>('timeoutSeconds'),
      shardSize: get<number>('shardSize'),
      appliances: get<ApplianceConfig[]>('appliances'),
      counters: get<string | string[]>('counters'),
      alarms: alarmsValid ? alarmOverridesOf(alarmSettings) : undefined,
      protocolErrorMetrics: countersValid ? get<string[]>('protocolErrorMetrics') : undefined,
      alarmEmails: get<string[]>('alarmEmails'),
      existingTopic: valueAt(props, ['alarms', 'topic']) !== undefined || valueAt(props, ['alarms', 'topicArn']) !== undefined,
    }),
  );
  for (const rule of rules) {
    const row = SETTING_ROWS.find((r) => r.id === rule.setting);
    problems.push({ path: row!.prop!.path.split('.'), message: rule.message });
  }
  if (problems.length === 0) return;
  const count = problems.length;
  throw new Error(
    `MptcpMonitoring: invalid props (${count} problem${count > 1 ? 's' : ''}):\n  ${renderProblems(problems, props, 'props', Number.POSITIVE_INFINITY).join('\n  ')}`,
  );
}
