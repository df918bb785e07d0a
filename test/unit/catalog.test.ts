import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BY_NITRO_NAME,
  CATALOG,
  fieldsOfFirmware,
  isProblemCounter,
  METRIC_GROUPS,
  NON_STATISTIC_FIELDS,
} from '../../lambda/catalog/catalog.js';

function seedFields(file = 'protocolmptcp-fields.tsv'): Map<string, string> {
  const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, description] = line.split('\t');
    fields.set(name!, description!);
  }
  return fields;
}

describe('MPTCP counter catalog', () => {
  const reference = seedFields();
  const v1 = seedFields('protocolmptcp-fields-14.1.tsv');
  const seed = new Map([...reference, ...v1]);

  it('covers exactly the 150 fields of the vendor reference and the 7 that firmware 14.1 adds, no more, no fewer', () => {
    expect(reference.size).toBe(150);
    expect(v1.size).toBe(7);
    expect(CATALOG).toHaveLength(157);
    expect(new Set(CATALOG.map((m) => m.nitroName))).toEqual(new Set(seed.keys()));
    expect(new Set(fieldsOfFirmware('13.1').map((m) => m.nitroName))).toEqual(new Set(reference.keys()));
    expect(CATALOG.filter((m) => m.since === '14.1').map((m) => m.nitroName)).toEqual(expect.arrayContaining([...v1.keys()]));
    expect(fieldsOfFirmware('14.1')).toEqual(CATALOG);
  });

  it('keeps _nextgenapiresource (a string 14.1 sends) out of the statistics', () => {
    expect(NON_STATISTIC_FIELDS.has('_nextgenapiresource')).toBe(true);
    expect(BY_NITRO_NAME.has('_nextgenapiresource')).toBe(false);
  });

  it('puts the current and created v1 sessions into "all", so the v0/v1 split is visible', () => {
    const chosen = CATALOG.filter((m) => m.since === '14.1' && m.tier === 'all').map((m) => m.metricName);
    expect(chosen).toEqual(expect.arrayContaining(['CurrentV1Sessions', 'V1SessionsCreated']));
  });

  it('calls a counter a problem counter when it counts errors, fallbacks, exhaustion or refusals, and no gauge', () => {
    const problems = CATALOG.filter(isProblemCounter).map((m) => m.metricName);
    expect(problems).toEqual(
      expect.arrayContaining(['ChecksumErrors', 'FallbacksOnPlainAck', 'SessionAllocationFailures', 'UnsupportedVersionErrors']),
    );
    expect(problems).not.toEqual(expect.arrayContaining(['SessionsCreated']));
    expect(problems.some((name) => ['SessionsCreated', 'MpJoinSynReceived', 'DssPackets', 'CurrentSessions'].includes(name))).toBe(false);
    expect(CATALOG.filter((m) => m.kind === 'gauge').some(isProblemCounter)).toBe(false);
  });

  it('has 5 gauges, 76 counters and 76 rates', () => {
    const count = (kind: string) => CATALOG.filter((m) => m.kind === kind).length;
    expect([count('gauge'), count('counter'), count('rate')]).toEqual([5, 76, 76]);
    expect(CATALOG.filter((m) => m.kind === 'gauge').every((m) => m.nitroName.startsWith('mptcpcur'))).toBe(true);
  });

  it('carries the vendor description of every field', () => {
    for (const metric of CATALOG) expect(metric.description, metric.nitroName).toBe(seed.get(metric.nitroName));
  });

  it('pairs every rate with the counter its vendor description names', () => {
    let irregular = 0;
    for (const rate of CATALOG.filter((m) => m.kind === 'rate')) {
      const named = /^Rate \(\/s\) counter for (\w+)$/.exec(seed.get(rate.nitroName)!)?.[1];
      expect(rate.pairedWith, rate.nitroName).toBe(named);
      const counter = BY_NITRO_NAME.get(named!)!;
      expect(counter.kind).toBe('counter');
      expect(counter.pairedWith).toBe(rate.nitroName);
      if (rate.nitroName !== `${counter.nitroName}rate`) irregular++;
    }
    expect(irregular).toBe(32);
  });

  it('gives every field a unique, CloudWatch-safe metric name, a unit and a known group', () => {
    expect(new Set(CATALOG.map((m) => m.metricName)).size).toBe(157);
    for (const metric of CATALOG) {
      expect(metric.metricName).toMatch(/^[A-Z][A-Za-z0-9]{2,80}$/);
      expect(METRIC_GROUPS).toContain(metric.group);
      expect(metric.unit).toBe(metric.kind === 'rate' ? 'Count/Second' : 'Count');
    }
  });

  it('names each rate after its counter', () => {
    for (const rate of CATALOG.filter((m) => m.kind === 'rate')) {
      expect(rate.metricName).toBe(`${BY_NITRO_NAME.get(rate.pairedWith!)!.metricName}Rate`);
    }
  });
});
