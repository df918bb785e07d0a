import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFileSpec } from '../../infra/config/file-schema.js';
import { SETTING_ROWS } from '../../infra/config/settings-rules.js';
import { ALARM_DEFAULTS, type AlarmKind } from '../../infra/model/alarm-plan.js';
import { ALARM_SUFFIX, COLLECTOR_FAILING_SUFFIX, INCIDENT_SUFFIX, runbookLink } from '../../infra/model/alarm-text.js';
import { defaultOf } from '../../infra/model/settings.js';
import { DEFAULT_CONCURRENCY } from '../../lambda/config/environment.js';
import type { Spec } from '../../lambda/config/schema.js';
import { propDefault, withPropsTable } from '../../scripts/settings-doc.js';

const page = (path: string) => readFileSync(resolve(import.meta.dirname, '../..', path), 'utf8');
/** The alarm runbook: one section per alarm, where the alarm descriptions link. */
const runbook = () => page('docs/runbook.md');
/** Deployment and configuration reference: every config field, the construct's props. */
const configuration = () => page('docs/configuration.md');

/** Every field name of the config schema, nested objects and array elements included. */
function fieldNames(spec: Spec<unknown>): string[] {
  if (spec.type === 'list') return fieldNames(spec.item!);
  if (spec.type === 'object') return Object.entries(spec.fields!).flatMap(([key, value]) => [key, ...fieldNames(value)]);
  return [];
}

/** Each member of an interface in a source file, with its JSDoc `@default` (undefined when it has none). */
function propDefaults(source: string, interfaceName: string): Map<string, string | undefined> {
  // `export interface MptcpAlarmProps extends AlarmSettingsProps {`: the members the interface lists itself.
  const start = source.search(new RegExp(`export interface ${interfaceName}\\b[^{]*\\{`));
  if (start < 0) throw new Error(`no interface ${interfaceName} in the source`);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const members = new Map<string, string | undefined>();
  for (const match of body.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*readonly (\w+)\??:/g)) {
    members.set(match[2]!, match[1]?.match(/@default (.+)/)?.[1]?.trim());
  }
  return members;
}

/** The props' nested objects, by their path: they name no setting, their fields do. */
const NESTED = [
  ['schedule', 'MptcpScheduleProps'],
  ['function', 'MptcpFunctionProps'],
  ['dashboard', 'MptcpDashboardProps'],
  ['alarms.protocolErrors', 'MptcpProtocolErrorsProps'],
] as const;

describe('the construct props say their defaults', () => {
  const source = readFileSync(resolve(import.meta.dirname, '../../infra/constructs/mptcp-monitoring.ts'), 'utf8');
  const props = new Map(
    [
      ...new Map([
        ...[...propDefaults(source, 'MptcpMonitoringProps')].map(([name, value]) => [name, value] as const),
        ...[...propDefaults(source, 'MptcpAlarmProps')].map(([name, value]) => [`alarms.${name}`, value] as const),
        ...NESTED.flatMap(([prefix, name]) =>
          [...propDefaults(source, name)].map(([field, value]) => [`${prefix}.${field}`, value] as const),
        ),
      ]).entries(),
    ].filter(([path]) => !NESTED.some(([prefix]) => prefix === path)),
  );

  it('every optional prop has a JSDoc @default, and a prop with a settings row states the row default', () => {
    expect(props.size).toBeGreaterThan(20);
    for (const [path, stated] of props) if (path !== 'appliances') expect(stated, `${path} has no @default`).toBeDefined();
    for (const row of SETTING_ROWS) {
      // An alarm's fields are AlarmSettingsProps (derived from ALARM_FIELDS): their defaults are the settings table's.
      if (!row.prop || row.alarm || row.required) continue;
      expect(props.has(row.prop.path), row.prop.path).toBe(true);
      expect(props.get(row.prop.path), row.prop.path).toBe(propDefault(row));
    }
  });
});

describe('the operator docs match the code', () => {
  it('the alarm runbook has a section for every alarm, where the descriptions link', () => {
    const alarms = runbook();
    const base = 'https://runbooks.example.com/mptcp';
    for (const [kind, suffix] of Object.entries(ALARM_SUFFIX)) {
      expect(alarms, suffix).toContain(`\n### ${suffix}\n`);
      expect(runbookLink(base, kind as AlarmKind)).toBe(`Runbook: ${base}#${suffix.toLowerCase()}`);
    }
    // The composites' descriptions link these.
    for (const heading of [INCIDENT_SUFFIX, COLLECTOR_FAILING_SUFFIX]) expect(alarms, heading).toContain(`\n### ${heading}\n`);
  });

  it("the runbook link's default is docs/runbook.md on the package's repository", () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { repository: { url: string } };
    const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(defaultOf('runbookBaseUrl')).toBe(`${repository}/blob/main/docs/runbook.md`);
  });

  it('the alarm runbook states the default thresholds', () => {
    const table = runbook()
      .split('\n')
      .filter((line) => line.startsWith('| '));
    for (const [kind, suffix] of Object.entries(ALARM_SUFFIX) as [AlarmKind, string][]) {
      const row = table.find((line) => line.startsWith(`| ${suffix} |`));
      expect(row, suffix).toBeDefined();
      if (kind !== 'collectionFailing') expect(row, suffix).toMatch(new RegExp(`(more than|above) ${ALARM_DEFAULTS[kind].threshold}\\b`));
    }
  });

  it("the configuration and handler contract pages state the function's default concurrency", () => {
    const readme = `${configuration()} ${page('docs/handler-contract.md')}`.replace(/\s+/g, ' ');
    for (const statement of [
      `| \`concurrency\` | the function's default (${DEFAULT_CONCURRENCY}) |`,
      `optional \`CONCURRENCY\` (default ${DEFAULT_CONCURRENCY} appliances at once)`,
    ])
      expect(readme.includes(statement), `docs should say: ${statement}`).toBe(true);
  });

  it('the configuration page documents every config field', () => {
    const deployment = configuration();
    const names = [...new Set(fieldNames(configFileSpec))];
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) expect(deployment, name).toContain(`\`${name}\``);
  });

  it("the configuration page's construct props table is the one the settings model generates (npm run docs:settings)", () => {
    const doc = configuration();
    expect(withPropsTable(doc) === doc, 'docs/configuration.md is out of date: run npm run docs:settings').toBe(true);
  });

  it('the settings model has a row for every prop of MptcpMonitoringProps and MptcpAlarmProps', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../infra/constructs/mptcp-monitoring.ts'), 'utf8');
    const fieldsOf = (name: string) => {
      const body = source.slice(source.indexOf(`export interface ${name} `)).split('\n}\n')[0]!;
      return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1]!);
    };
    const paths = new Set(SETTING_ROWS.flatMap((row) => (row.prop ? [row.prop.path] : [])));
    const props = [
      ...fieldsOf('MptcpMonitoringProps'),
      ...fieldsOf('MptcpAlarmProps').map((f) => `alarms.${f}`),
      ...NESTED.flatMap(([prefix, name]) => fieldsOf(name).map((f) => `${prefix}.${f}`)),
    ].filter((path) => !NESTED.some(([prefix]) => prefix === path));
    expect(props.length).toBeGreaterThan(20);
    for (const prop of props) {
      if (prop === 'alarms') continue;
      expect(paths.has(prop), prop).toBe(true);
    }
  });
});
