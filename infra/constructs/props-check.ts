import { anything, object, optional, type Problem, renderProblems, type Spec, valueAt } from '../../lambda/config/schema.js';
import type { ApplianceConfig } from '../../lambda/config/settings.js';
import { isRecord } from '../../lambda/core/is-record.js';
import { alarmOverridesOf, crossFieldProblems, SETTING_ROWS } from '../config/settings-rules.js';
import { ALARM_FIELDS, type AlarmKind } from '../model/alarm-plan.js';
import { ALARM_FIELD_SPECS } from '../model/settings.js';

/**
 * The construct's props checked at synth against the settings model: each row with a `prop` under its prop
 * path (the config file's path), the alarm settings per kind, and the rules across settings. A bad prop
 * fails synth with its path and the rule, never a deployed function that fails every run.
 */

/** `alarms.settings` as the props name it: per kind, the kind's fields, named as in the config file. */
const alarmSettingsSpec = object(
  Object.fromEntries(
    (Object.entries(ALARM_FIELDS) as [AlarmKind, readonly (keyof typeof ALARM_FIELD_SPECS)[]][]).map(([kind, fields]) => [
      kind,
      optional(
        object(Object.fromEntries(fields.map((field) => [field, optional(ALARM_FIELD_SPECS[field].spec as Spec<unknown>)])), {
          rule: `the ${kind} alarm's settings object`,
        }),
      ),
    ]),
  ),
  { rule: 'an object of alarm settings per alarm' },
);

const ALARM_PROP_PREFIX = 'alarms.settings.';

/** The fields of `vpc` (MptcpVpcProps; test/integration/infra-construct.test.ts keeps the list in step with the type). */
export const VPC_PROP_FIELDS = ['vpc', 'subnets', 'securityGroups', 'endpoints'] as const;

const anyValue = optional(anything<unknown>('a value'));

/**
 * The props' shape: every object the props have, with the fields the rows name (a row's prop path, or
 * `alarms.settings` and `vpc` whose insides are checked below and by their TypeScript type). Unknown fields
 * are refused with the closest known one, as in the config file: from JavaScript, a misspelled prop would
 * otherwise be ignored (`schedulesEnabld: false` would deploy a live collector).
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
  const tree: Tree = { vpc: null, alarms: { settings: null } };
  for (const row of SETTING_ROWS) {
    if (!row.prop || row.prop.path.startsWith(ALARM_PROP_PREFIX) || row.prop.path === 'vpc') continue;
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
      { rule: at === '' ? 'an object of MptcpMonitoring props' : `an object of ${at.slice(0, -1)} props` },
    ) as Spec<unknown>;
  return specOf(tree, '');
}

/** Props renamed to the config file's names (pre-1.0): the old name is refused with its new one. */
const RENAMED = SETTING_ROWS.flatMap((row) => (row.prop?.formerly ? [{ from: row.prop.formerly.split('.'), to: row.prop.path }] : []));

/** The props without the renamed ones found in them (copied along each renamed path), and a problem for each. */
function renamedProblems(props: object, problems: Problem[]): object {
  let rest: Record<string, unknown> = props as Record<string, unknown>;
  for (const { from, to } of RENAMED) {
    const value = valueAt(rest, from);
    // `dashboard` was a boolean and is now the object holding `enabled`: only the old kind of value is the old prop.
    if (value === undefined || (to.startsWith(`${from.join('.')}.`) && isRecord(value))) continue;
    problems.push({ path: from, message: `was renamed to ${to} (the config file's name; see CHANGELOG.md)` });
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
  for (const row of SETTING_ROWS) {
    if (!row.prop || row.prop.cdkValue || row.prop.path.startsWith(ALARM_PROP_PREFIX)) continue;
    const path = row.prop.path.split('.');
    const value = valueAt(props, path);
    if (value === undefined && !row.required) continue;
    const before = problems.length;
    const checked = row.spec.check(value, path, problems);
    if (problems.length === before) valid.set(row.id, checked);
  }
  const settings = valueAt(props, ['alarms', 'settings']);
  const alarmsBefore = problems.length;
  if (settings !== undefined) alarmSettingsSpec.check(settings, ['alarms', 'settings'], problems);
  const alarmsValid = problems.length === alarmsBefore;

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
      alarms: alarmsValid && isRecord(settings) ? alarmOverridesOf(settings as Record<string, Record<string, unknown>>) : undefined,
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
