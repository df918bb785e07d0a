import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/settings.js';
import {
  ALARM_DEFAULTS,
  ALARM_FIELDS,
  type AlarmKind,
  type AlarmSettingsOverrides,
  protocolErrorMetricProblems,
  settingsFor,
} from '../model/alarm-plan.js';
import { ALARM_FIELD_SPECS, type AlarmField, type DeploySetting, SETTINGS } from '../model/settings.js';
import {
  MAX_APPLIANCES,
  MAX_DISTINCT_SECRETS,
  MAX_SCHEDULE_INPUT_BYTES,
  maxSampleAgeSeconds,
  maxTimeoutSeconds,
  shard,
} from '../model/sizing.js';

/**
 * The deployment side of the settings model: the settings model's rows plus one row per alarm field
 * (`alarms.<kind>.<field>`), and the rules across settings. The config file and the construct both use these,
 * each under its own paths, so a value one refuses the other refuses too.
 */

export interface SettingRow extends DeploySetting {
  /** `concurrency`, or `alarms.fallbacks.threshold` for an alarm field. */
  readonly id: string;
  /** An alarm field's row: its alarm and field (ALARM_FIELDS). */
  readonly alarm?: { readonly kind: AlarmKind; readonly field: AlarmField };
}

/**
 * Where the props held the per-alarm settings before they took the config file's paths (`alarms.settings.<kind>`,
 * now `alarms.<kind>`): refused at synth with the new path (infra/constructs/props-check.ts).
 */
export const FORMER_ALARM_SETTINGS_PROP = 'alarms.settings';

export type AlarmOverrides = Partial<Record<AlarmKind, AlarmSettingsOverrides>>;

/**
 * One alarm's settings as the config file and the construct both name them (`alarms.<kind>`): the kind's fields
 * of ALARM_FIELDS (functionDuration's `thresholdPercent`, an anomaly alarm's `bandWidth`), nothing else.
 */
export type AlarmFieldValues<K extends AlarmKind> = {
  readonly [F in (typeof ALARM_FIELDS)[K][number]]?: F extends 'enabled' ? boolean : number;
};
/**
 * Every alarm's settings, one object per alarm kind (`alarms.fallbacks`, `alarms.functionDuration`, ...), as in the
 * config file: overrides of ALARM_DEFAULTS. MptcpAlarmProps extends it.
 */
export type AlarmSettingsProps = { readonly [K in AlarmKind]?: AlarmFieldValues<K> };

/** The alarm plan's field for a settings field: functionDuration's percent and an anomaly alarm's band width are its threshold. */
function planField(field: AlarmField): keyof AlarmSettingsOverrides {
  return field === 'thresholdPercent' || field === 'bandWidth' ? 'threshold' : field;
}

/**
 * The alarm plan's overrides from the `alarms` object of the file or the props (one object per kind; other fields,
 * such as `protocolErrors.metrics` or `emails`, are not alarm settings).
 */
export function alarmOverridesOf(settings: Readonly<Partial<Record<AlarmKind, object>>> | undefined): AlarmOverrides {
  const overrides: Record<string, AlarmSettingsOverrides> = {};
  for (const kind of Object.keys(ALARM_FIELDS) as AlarmKind[]) {
    const given = settings?.[kind];
    if (!given) continue;
    const fields = ALARM_FIELDS[kind] as readonly AlarmField[];
    overrides[kind] = Object.fromEntries(
      Object.entries(given)
        .filter(([field, value]) => fields.includes(field as AlarmField) && value !== undefined)
        .map(([field, value]) => [planField(field as AlarmField), value]),
    );
  }
  return overrides as AlarmOverrides;
}

function alarmRows(): SettingRow[] {
  return (Object.entries(ALARM_FIELDS) as [AlarmKind, readonly AlarmField[]][]).flatMap(([kind, fields]) =>
    fields.map((field): SettingRow => {
      const { spec, doc } = ALARM_FIELD_SPECS[field];
      const defaultValue = field === 'datapointsToAlarm' ? undefined : ALARM_DEFAULTS[kind][planField(field)];
      return {
        id: `alarms.${kind}.${field}`,
        spec,
        doc: `${kind}: ${doc}.`,
        ...(defaultValue === undefined ? { defaultText: '= evaluationPeriods' } : { default: defaultValue }),
        file: `alarms.${kind}.${field}`,
        prop: { path: `alarms.${kind}.${field}`, formerly: `${FORMER_ALARM_SETTINGS_PROP}.${kind}.${field}` },
        alarm: { kind, field },
      };
    }),
  );
}

/** Every setting, the model's rows first. */
export const SETTING_ROWS: readonly SettingRow[] = [
  ...Object.entries(SETTINGS).map(([id, row]) => ({ id, ...(row as DeploySetting) })),
  ...alarmRows(),
];

/** Deployment settings in their canonical units, as far as each passed its own rule. */
export interface DeploymentValues {
  readonly rateMinutes?: number;
  readonly timeoutSeconds?: number;
  readonly shardSize?: number;
  readonly appliances?: readonly ApplianceConfig[];
  /** Leave protocolErrorMetrics out when counters did not pass: its rule needs the selection. */
  readonly counters?: string | readonly string[];
  readonly alarms?: AlarmOverrides;
  readonly protocolErrorMetrics?: readonly string[];
  readonly alarmEmails?: readonly string[];
  /** An existing topic is given (alarmTopicArn, or the construct's alarms.topic). */
  readonly existingTopic?: boolean;
}

export interface RuleProblem {
  /** The row the problem belongs to (SettingRow.id). */
  readonly setting: string;
  readonly message: string;
}

/** The rules across settings, each stated once. */
export function crossFieldProblems(values: DeploymentValues): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (setting: string, message: string) => problems.push({ setting, message });
  const rateMinutes = values.rateMinutes ?? SETTINGS.rateMinutes.default!;

  const maxAge = maxSampleAgeSeconds(rateMinutes);
  if (maxAge > SETTINGS.maxSampleAgeSeconds.spec.max!) {
    add(
      'rateMinutes',
      `gives a maximum sample age of ${maxAge} s (three intervals): the function accepts at most ${SETTINGS.maxSampleAgeSeconds.spec.max}`,
    );
  }

  if (values.timeoutSeconds !== undefined && values.timeoutSeconds > maxTimeoutSeconds(rateMinutes)) {
    add(
      'timeoutSeconds',
      `must be at most ${maxTimeoutSeconds(rateMinutes)} seconds with a ${rateMinutes}-minute interval (the interval minus 10 s, at most 900): a run must end before the next starts`,
    );
  }

  if (values.alarmEmails && values.alarmEmails.length > 0 && values.existingTopic) {
    add('alarmEmails', 'cannot be combined with an existing topic: subscribe the e-mail addresses to that topic, or leave the topic out');
  }

  for (const [kind, overrides] of Object.entries(values.alarms ?? {}) as [AlarmKind, AlarmSettingsOverrides][]) {
    const settings = settingsFor(kind, overrides, rateMinutes);
    if (settings.datapointsToAlarm > settings.evaluationPeriods) {
      add(`alarms.${kind}.datapointsToAlarm`, `must be at most evaluationPeriods (${settings.evaluationPeriods})`);
    }
    if (kind !== 'collectionFailing' && overrides.periodMinutes !== undefined && overrides.periodMinutes % rateMinutes !== 0) {
      add(`alarms.${kind}.periodMinutes`, `must be a multiple of the interval (${rateMinutes} minutes): a shorter period has no datapoint`);
    }
    const period = kind === 'collectionFailing' ? rateMinutes : settings.periodMinutes;
    if (overrides.evaluationPeriods !== undefined && settings.evaluationPeriods * period > 1440) {
      add(`alarms.${kind}.evaluationPeriods`, `times the period (${period} min) must be at most one day (1440 min)`);
    }
  }

  if (values.protocolErrorMetrics) {
    const selection = resolveSelection(values.counters);
    for (const problem of protocolErrorMetricProblems(selection, values.protocolErrorMetrics)) add('protocolErrorMetrics', problem);
  }

  const appliances = values.appliances;
  if (appliances) {
    if (appliances.length > MAX_APPLIANCES) {
      add(
        'appliances',
        `lists ${appliances.length} appliances: at most ${MAX_APPLIANCES} per deployment; split the fleet over several deployments (stackName)`,
      );
    }
    const distinctSecrets = new Set(appliances.map((a) => a.secretId)).size;
    if (distinctSecrets > MAX_DISTINCT_SECRETS) {
      add(
        'appliances',
        `use ${distinctSecrets} distinct secretId values: at most ${MAX_DISTINCT_SECRETS} per deployment (IAM policy size); let appliances share a secret (the same read-only NITRO user) or split the fleet`,
      );
    }
    const shardSize = values.shardSize ?? SETTINGS.shardSize.default!;
    shard(appliances, shardSize).forEach((group, index) => {
      const bytes = Buffer.byteLength(JSON.stringify({ appliances: group }));
      if (bytes > MAX_SCHEDULE_INPUT_BYTES) {
        add(
          'shardSize',
          `is too large: shard ${index + 1} would pass ${bytes} bytes to the function (at most ${MAX_SCHEDULE_INPUT_BYTES}); lower shardSize or move caCertificate PEMs into the appliances' secrets`,
        );
      }
    });
  }
  return problems;
}
