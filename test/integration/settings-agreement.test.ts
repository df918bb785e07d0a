import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFileSpec } from '../../infra/config/file-schema.js';
import { validateConfig } from '../../infra/config/load-config.js';
import { SETTING_ROWS, type SettingRow } from '../../infra/config/settings-rules.js';
import { MptcpMonitoring, type MptcpMonitoringProps } from '../../infra/index.js';
import { ConfigurationError } from '../../lambda/config/appliance.js';
import { resolveRunConfig } from '../../lambda/config/run-config.js';
import type { Spec } from '../../lambda/config/schema.js';
import { APPLIANCES, manyAppliances } from '../support/synth-config.js';

/**
 * One settings model, three surfaces: for every setting, at each limit and one step past it, the config file,
 * the construct's props and the function's environment give the same verdict (each surface the setting has).
 * Accepted limits are synthesized, and the function's environment in the template must pass the function's
 * own parsing.
 */

type Verdict = 'accepted' | 'refused';
interface Case {
  readonly value: unknown;
  readonly expected: Verdict;
}

/** Values at and one step past each limit of a spec; for choices every choice and a near miss. */
function limitCases(spec: Spec<unknown>): Case[] {
  if (spec.type === 'integer' || spec.type === 'number') {
    const step = spec.step!;
    const cases: Case[] = [
      { value: spec.min!, expected: 'accepted' },
      { value: spec.min! - step, expected: 'refused' },
    ];
    if (spec.max !== undefined) cases.push({ value: spec.max, expected: 'accepted' }, { value: spec.max + step, expected: 'refused' });
    if (spec.type === 'integer') cases.push({ value: spec.min! + 0.5, expected: 'refused' });
    return cases;
  }
  if (spec.type === 'choice') {
    const numeric = spec.choices!.filter((c): c is number => typeof c === 'number');
    return [
      ...spec.choices!.map((value) => ({ value, expected: 'accepted' as const })),
      { value: Math.max(...numeric) + 1, expected: 'refused' },
    ];
  }
  if (spec.type === 'boolean') {
    return [
      { value: true, expected: 'accepted' },
      { value: false, expected: 'accepted' },
      { value: 'true', expected: 'refused' },
    ];
  }
  return [];
}

/**
 * Other settings a limit needs to be reachable, as [file path, prop path, value]: a 900 s timeout needs an
 * interval of at least 16 minutes, 1440 evaluation periods need one-minute periods, endpoints need a VPC.
 */
function contextFor(row: SettingRow): [string, string | undefined, unknown][] {
  const [, kind, field] = row.id.split('.');
  const hasPeriod = kind !== undefined && kind !== 'collectionFailing';
  const period: [string, string, unknown][] = hasPeriod ? [[`alarms.${kind}.periodMinutes`, `alarms.${kind}.periodMinutes`, 1]] : [];
  if (row.id === 'timeoutSeconds') return [['schedule.rateMinutes', 'schedule.rateMinutes', 60]];
  if (row.id.startsWith('alarms.') && field === 'evaluationPeriods') return period;
  if (row.id.startsWith('alarms.') && field === 'datapointsToAlarm') {
    return [...period, [`alarms.${kind}.evaluationPeriods`, `alarms.${kind}.evaluationPeriods`, 1440]];
  }
  if (row.file?.startsWith('vpc.')) {
    return [
      ['vpc.vpcId', undefined, 'vpc-0123456789abcdef0'],
      ['vpc.subnetIds', undefined, ['subnet-0123456789abcdef0']],
      ['vpc.routeTableIds', undefined, ['rtb-0123456789abcdef0']],
    ];
  }
  return [];
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  const inner = (target[head] ?? {}) as Record<string, unknown>;
  return { ...target, [head]: rest.length === 0 ? value : setAt(inner, rest, value) };
}

function fileVerdict(row: SettingRow, value: unknown): { verdict: Verdict; message: string } {
  let input: Record<string, unknown> = { appliances: APPLIANCES };
  for (const [path, , given] of contextFor(row)) input = setAt(input, path.split('.'), given);
  input = setAt(input, row.file!.split('.'), value);
  try {
    validateConfig(input, 'file.json');
    return { verdict: 'accepted', message: '' };
  } catch (error) {
    return { verdict: 'refused', message: (error as Error).message };
  }
}

function propsFor(row: SettingRow, value: unknown): MptcpMonitoringProps {
  let props: Record<string, unknown> = { appliances: APPLIANCES };
  for (const [, path, given] of contextFor(row)) if (path) props = setAt(props, path.split('.'), given);
  const prop = row.prop!;
  props = setAt(props, prop.path.split('.'), value);
  return props as unknown as MptcpMonitoringProps;
}

function synth(props: MptcpMonitoringProps): { verdict: Verdict; message: string; template?: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Agreement');
  try {
    new MptcpMonitoring(stack, 'Mptcp', props);
  } catch (error) {
    return { verdict: 'refused', message: (error as Error).message };
  }
  return { verdict: 'accepted', message: '', template: Template.fromStack(stack) };
}

const EVENT = { appliances: APPLIANCES };

function envVerdict(row: SettingRow, value: unknown): { verdict: Verdict; message: string } {
  try {
    resolveRunConfig(EVENT, { STATE_TABLE_NAME: 'state', [row.env!]: String(value) });
    return { verdict: 'accepted', message: '' };
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return { verdict: 'refused', message: (error as Error).message };
  }
}

/** The function's environment as synthesized must pass the function's own parsing. */
function expectFunctionAccepts(template: Template): void {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  const variables = Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => [name, typeof value === 'string' ? value : 'from-a-token']),
  );
  expect(() => resolveRunConfig(EVENT, variables)).not.toThrow();
}

const rowsWithLimits = SETTING_ROWS.filter((row) => limitCases(row.spec).length > 0);
const isAlarmRow = (row: SettingRow) => row.alarm !== undefined;

describe('the settings model: every surface agrees at each limit and one step past it', () => {
  it('walks a good number of settings (each with its surfaces)', () => {
    expect(rowsWithLimits.length).toBeGreaterThan(40);
    expect(rowsWithLimits.filter((row) => row.env).map((row) => row.id)).toEqual([
      'storageResolution',
      'concurrency',
      'maxSampleAgeSeconds',
    ]);
  });

  for (const row of rowsWithLimits) {
    it(`${row.id}: ${[row.file && `file ${row.file}`, row.prop && !row.prop.cdkValue && `prop ${row.prop.path}`, row.env && `env ${row.env}`].filter(Boolean).join(', ')}`, () => {
      for (const { value, expected } of limitCases(row.spec)) {
        const label = `${row.id} = ${JSON.stringify(value)}`;
        if (row.file) {
          const file = fileVerdict(row, value);
          expect(file.verdict, `${label} in the file: ${file.message}`).toBe(expected);
          if (expected === 'refused') expect(file.message).toContain(`file.json: ${row.file} `);
        }
        if (row.prop && !row.prop.cdkValue && !(isAlarmRow(row) && expected === 'accepted')) {
          const result = synth(propsFor(row, value));
          expect(result.verdict, `${label} as a prop: ${result.message}`).toBe(expected);
          if (expected === 'refused') expect(result.message).toContain(`\n  ${row.prop.path} `);
          if (result.template) expectFunctionAccepts(result.template);
        }
        if (row.env) {
          const env = envVerdict(row, value);
          expect(env.verdict, `${label} in ${row.env}: ${env.message}`).toBe(expected);
          if (expected === 'refused') expect(env.message).toContain(`${row.env} `);
        }
      }
    });
  }

  it('every alarm setting synthesizes at its limits (all alarms at once)', () => {
    const alarmRows = SETTING_ROWS.filter(isAlarmRow);
    const at = (pick: (row: SettingRow) => unknown) => {
      let props: Record<string, unknown> = { appliances: APPLIANCES };
      for (const row of alarmRows) props = setAt(props, row.prop!.path.split('.'), pick(row));
      return props as unknown as MptcpMonitoringProps;
    };
    const field = (row: SettingRow) => row.id.split('.')[2]!;
    const lowest = at((row) => (row.spec.type === 'boolean' ? true : row.spec.min));
    // The longest windows: one-day periods once, or one-minute periods over a day.
    const highest = (periodMinutes: number, periods: number) =>
      at((row) => {
        switch (field(row)) {
          case 'enabled':
            return true;
          case 'periodMinutes':
            return periodMinutes;
          case 'evaluationPeriods':
          case 'datapointsToAlarm':
            return periods;
          default:
            return row.spec.max ?? 1e9;
        }
      });
    const longestPeriod = highest(1440, 1);
    const mostPeriods = highest(1, 1440);
    for (const props of [lowest, longestPeriod, mostPeriods]) {
      const result = synth(props);
      expect(result.verdict, result.message).toBe('accepted');
      expectFunctionAccepts(result.template!);
    }
  });
});

describe('the rules across settings hold the same in the file and the construct', () => {
  let bigAppliances: { name: string; url: string; secretId: string; caCertificate: string }[] = [];
  beforeAll(async () => {
    const certificate = (await generate([{ name: 'commonName', value: 'agreement test CA' }])).cert;
    const pem = `${certificate}\n`.repeat(Math.ceil(20_000 / certificate.length));
    bigAppliances = manyAppliances(12).map((a) => ({ ...a, caCertificate: pem }));
  });

  const cases = (): {
    name: string;
    file: Record<string, unknown>;
    props: Partial<MptcpMonitoringProps>;
    expected: Verdict;
    message: string;
  }[] => [
    {
      name: 'timeout = interval - 10 s',
      file: { function: { timeoutSeconds: 50 } },
      props: { function: { timeoutSeconds: 50 } },
      expected: 'accepted',
      message: '',
    },
    {
      name: 'timeout past interval - 10 s',
      file: { function: { timeoutSeconds: 51 } },
      props: { function: { timeoutSeconds: 51 } },
      expected: 'refused',
      message: 'must be at most 50 seconds with a 1-minute interval',
    },
    {
      name: 'datapointsToAlarm = evaluationPeriods',
      file: { alarms: { fallbacks: { evaluationPeriods: 2, datapointsToAlarm: 2 } } },
      props: { alarms: { fallbacks: { evaluationPeriods: 2, datapointsToAlarm: 2 } } },
      expected: 'accepted',
      message: '',
    },
    {
      name: 'datapointsToAlarm past evaluationPeriods (the default one)',
      file: { alarms: { fallbacks: { datapointsToAlarm: 2 } } },
      props: { alarms: { fallbacks: { datapointsToAlarm: 2 } } },
      expected: 'refused',
      message: 'datapointsToAlarm must be at most evaluationPeriods (1)',
    },
    {
      name: 'period a multiple of the rate',
      file: { schedule: { rateMinutes: 5 }, alarms: { joinsRejected: { periodMinutes: 10 } } },
      props: { schedule: { rateMinutes: 5 }, alarms: { joinsRejected: { periodMinutes: 10 } } },
      expected: 'accepted',
      message: '',
    },
    {
      name: 'period not a multiple of the rate',
      file: { schedule: { rateMinutes: 5 }, alarms: { joinsRejected: { periodMinutes: 6 } } },
      props: { schedule: { rateMinutes: 5 }, alarms: { joinsRejected: { periodMinutes: 6 } } },
      expected: 'refused',
      message: 'periodMinutes must be a multiple of the interval (5 minutes)',
    },
    {
      name: 'evaluation window of one day',
      file: { alarms: { protocolErrors: { periodMinutes: 60, evaluationPeriods: 24 } } },
      props: { alarms: { protocolErrors: { periodMinutes: 60, evaluationPeriods: 24 } } },
      expected: 'accepted',
      message: '',
    },
    {
      name: 'evaluation window past one day',
      file: { alarms: { protocolErrors: { periodMinutes: 60, evaluationPeriods: 25 } } },
      props: { alarms: { protocolErrors: { periodMinutes: 60, evaluationPeriods: 25 } } },
      expected: 'refused',
      message: 'evaluationPeriods times the period (60 min) must be at most one day',
    },
    {
      name: 'shard input over 200,000 bytes',
      file: { appliances: bigAppliances },
      props: { appliances: bigAppliances },
      expected: 'refused',
      message: 'shardSize is too large: shard 1 would pass',
    },
    {
      name: 'shard input under 200,000 bytes',
      file: { appliances: bigAppliances, schedule: { shardSize: 5 } },
      props: { appliances: bigAppliances, schedule: { shardSize: 5 } },
      expected: 'accepted',
      message: '',
    },
  ];

  it('each rule at its limit and one step past it', () => {
    for (const c of cases()) {
      const file = (() => {
        try {
          validateConfig({ appliances: APPLIANCES, ...c.file }, 'file.json');
          return { verdict: 'accepted', message: '' };
        } catch (error) {
          return { verdict: 'refused', message: (error as Error).message };
        }
      })();
      const construct = synth({ appliances: APPLIANCES, ...c.props } as MptcpMonitoringProps);
      expect(file.verdict, `${c.name} (file): ${file.message}`).toBe(c.expected);
      expect(construct.verdict, `${c.name} (construct): ${construct.message}`).toBe(c.expected);
      expect(file.message).toContain(c.message);
      expect(construct.message).toContain(c.message);
      if (construct.template) expectFunctionAccepts(construct.template);
    }
  });
});

describe('the config file is the model', () => {
  it('every file field is a row of the model, and every row with a file path is a field of the file', () => {
    const specAt = (path: string): Spec<unknown> | undefined =>
      path.split('.').reduce<Spec<unknown> | undefined>((spec, key) => spec?.fields?.[key] ?? undefined, configFileSpec as Spec<unknown>);
    const fileRows = SETTING_ROWS.filter((row) => row.file);
    for (const row of fileRows) {
      const spec = specAt(row.file!);
      expect(spec, row.file).toBeDefined();
      expect(spec!.rule, row.file).toBe(row.spec.rule);
      expect(spec!.check, row.file).toBe(row.spec.check);
    }
    const leaves: string[] = [];
    const walk = (spec: Spec<unknown>, path: string[]) => {
      if (spec.type === 'object' && path.every((key) => key !== 'appliances')) {
        for (const [key, field] of Object.entries(spec.fields!)) {
          const at = [...path, key];
          if (fileRows.some((row) => row.file === at.join('.'))) leaves.push(at.join('.'));
          else walk(field, at);
        }
      } else leaves.push(`(not a row) ${path.join('.')}`);
    };
    walk(configFileSpec as Spec<unknown>, []);
    expect(leaves.filter((leaf) => leaf.startsWith('(not a row)'))).toEqual([]);
    expect(leaves.sort()).toEqual(fileRows.map((row) => row.file!).sort());
  });
});
