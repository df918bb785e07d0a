import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BY_NITRO_NAME, CATALOG, METRIC_GROUPS } from '../../lambda/catalog/catalog.js';

function seedFields(): Map<string, string> {
  const text = readFileSync(new URL('../fixtures/protocolmptcp-fields.tsv', import.meta.url), 'utf8');
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, description] = line.split('\t');
    fields.set(name!, description!);
  }
  return fields;
}

describe('MPTCP counter catalog', () => {
  const seed = seedFields();

  it('covers exactly the 150 fields of the vendor reference, no more, no fewer', () => {
    expect(seed.size).toBe(150);
    expect(CATALOG).toHaveLength(150);
    expect(new Set(CATALOG.map((m) => m.nitroName))).toEqual(new Set(seed.keys()));
  });

  it('has 4 gauges, 73 counters and 73 rates', () => {
    const count = (kind: string) => CATALOG.filter((m) => m.kind === kind).length;
    expect([count('gauge'), count('counter'), count('rate')]).toEqual([4, 73, 73]);
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
    expect(irregular).toBe(30);
  });

  it('gives every field a unique, CloudWatch-safe metric name, a unit and a known group', () => {
    expect(new Set(CATALOG.map((m) => m.metricName)).size).toBe(150);
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
