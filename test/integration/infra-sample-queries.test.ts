import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { buildSampleRecord, SAMPLE_RECORD_VERSION } from '../../lambda/core/sample-record.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { configWith, onlyResource, resourcesOf, synthConfig } from '../support/synth-config.js';

/** Every field path a full sample record has (`deltas.handshake.MpJoinSynReceived`, `gauges.CurrentSessions`, ...). */
function recordPaths(): Set<string> {
  const integers = new Map(CATALOG.filter((m) => m.kind !== 'rate').map((m) => [m.nitroName, 1n]));
  const datums = [...Object.values(HEALTH_METRICS), ...Object.values(STATE_HEALTH_METRICS)].map((metricName) => ({ metricName, value: 1 }));
  const common = { appliance: 'adc-1', outcome: 'ok', takenAt: 2, previousTakenAt: 1, node: { transtime: 't' }, integers, datums };
  const paths = new Set<string>();
  const walk = (value: unknown, prefix: string) => {
    if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [key, item] of Object.entries(value)) walk(item, prefix ? `${prefix}.${key}` : key);
    else paths.add(prefix);
  };
  walk(buildSampleRecord({ ...common, deltas: integers }), '');
  walk(buildSampleRecord({ ...common, baseline: 'reset' }), '');
  return paths;
}

/** Fields of the collector's other lines (logger.ts and run-collection.ts), and Logs Insights' own. */
const OTHER_FIELDS = new Set(['@timestamp', 'level', 'message', 'errorClass', 'reason']);

describe('the saved Logs Insights queries on the sample records', () => {
  const { template } = synthConfig(configWith());
  const queries = Object.values(resourcesOf(template, 'AWS::Logs::QueryDefinition')).map(
    (r) => r.Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] },
  );
  const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').id;

  it('are created with the stack, each on the collector log group, in the deployment folder', () => {
    expect(queries.map((q) => q.Name.split('/').at(-1)).sort()).toEqual([
      'All counters of one appliance per interval',
      'Errors and baselines',
      'Exact count of MpJoinSynReceived per appliance',
    ]);
    for (const query of queries) {
      expect(query.LogGroupNames).toEqual([{ Ref: logGroup }]);
      expect(query.Name.split('/')).toHaveLength(2);
    }
  });

  it('name only fields the sample record has, and select the records by their version', () => {
    const paths = recordPaths();
    for (const query of queries) {
      const fieldsLine = query.QueryString.split('\n')[0]!;
      expect(fieldsLine.startsWith('fields ')).toBe(true);
      const fields = fieldsLine.slice('fields '.length).split(', ');
      expect(fields.filter((f) => !OTHER_FIELDS.has(f) && !paths.has(f))).toEqual([]);
      if (!query.Name.endsWith('Errors and baselines')) expect(query.QueryString).toContain(`record = "${SAMPLE_RECORD_VERSION}"`);
    }
    const exact = queries.find((q) => q.Name.includes('Exact count'))!;
    expect(exact.QueryString).toContain('stats sum(deltas.handshake.MpJoinSynReceived) as MpJoinSynReceived');
    const all = queries.find((q) => q.Name.includes('All counters'))!;
    expect(
      all.QueryString.split('\n')[0]!
        .split(', ')
        .filter((f) => f.startsWith('deltas.')),
    ).toHaveLength(CATALOG.filter((m) => m.kind === 'counter').length);
  });
});
