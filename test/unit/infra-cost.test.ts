import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, isProblemCounter } from '../../lambda/catalog/catalog.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import {
  COST_DOC,
  estimate,
  marginalCosts,
  PRICES,
  quietApplianceSeries,
  README,
  stateItemBytes,
  updatedCostDoc,
  updatedReadme,
} from '../../scripts/cost-estimate.js';

describe('the cost estimate', () => {
  it('prices the series a quiet appliance publishes at $0.30: CollectionSuccess, the gauges, the counters that move', () => {
    const def = estimate('default');
    expect(quietApplianceSeries('default')).toEqual([
      'CollectionSuccess',
      'CurrentSessions',
      'CurrentSessionsWithoutSubflows',
      'SessionsCreated',
    ]);
    expect(def.metrics).toBe(4);
    expect(estimate('all').metrics).toBe(1 + 5 + 8);
    // Naming a problem counter adds nothing while it is still; naming a traffic counter adds its series.
    expect(estimate('default,ResetsSentOnPlainAck').metrics).toBe(4);
    expect(estimate('default,DssPackets').metrics).toBe(5);
    expect(estimate('everything').metrics).toBe(1 + resolveSelection('everything').filter((m) => !isProblemCounter(m)).length);
    expect(def.lines.find((l) => l.item === 'Custom metrics')!.monthlyUsd).toBeCloseTo(def.metrics * PRICES.metric, 10);
  });

  it('prices alarms per metric and adds the lines up', () => {
    const all = estimate('all');
    // One metric each: CollectionSuccess, CurrentSessionsWithoutSubflows (the rollup alarms are fleet alarms).
    expect(all.alarms).toBe(2);
    expect(all.alarmMetrics).toBe(2);
    expect(all.lines.find((l) => l.item === 'Alarms')!.monthlyUsd).toBeCloseTo(0.2, 10);
    // SessionsCreated with the band's 2 bounds; the fallbacks band is opt-in.
    expect(all.anomalyAlarms).toBe(1);
    expect(all.anomalyAlarmMetrics).toBe(1 + 2);
    expect(all.lines.find((l) => l.item === 'Anomaly alarms')!.monthlyUsd).toBeCloseTo(0.3, 10);
    expect(all.lines.find((l) => l.item === 'Incident page')!.monthlyUsd).toBe(PRICES.compositeAlarm);
    expect(all.totalUsd).toBeCloseTo(
      all.lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
      10,
    );
    expect(estimate('default', 1).totalUsd).toBeGreaterThan(estimate('default').totalUsd);
  });

  it('sizes the state item by the layout the store writes: 2 write units a claim or commit, 1 read unit', () => {
    const { committed, held } = stateItemBytes(CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName));
    expect(committed).toBeLessThan(1024);
    expect(held).toBeGreaterThan(1024);
    expect(held).toBeLessThanOrEqual(2048);
    const writes = estimate('default').lines.find((l) => l.item === 'DynamoDB writes')!;
    expect(writes.detail).toContain('x 2 WRU');
    expect(writes.monthlyUsd).toBeCloseTo(43_800 * 2 * 2 * PRICES.dynamoDbWriteUnit, 10);
  });

  it('bills the fleet alarms nothing for a quiet appliance and $0.10 per series it analyzes otherwise', () => {
    const def = estimate('default');
    // The four rollups and StateUnavailable.
    expect(def.fleetAlarms).toBe(5);
    const fleet = def.lines.find((l) => l.item === 'Fleet alarms')!;
    expect(fleet.monthlyUsd).toBe(0);
    expect(fleet.detail).toContain('none on a quiet appliance');
    expect(def.fleetAlarmsBusyUsd).toBeCloseTo(5 * 0.1, 10);
    expect(fleet.detail).toContain('at most $0.50');
    // Per appliance, all alarm lines together: $0.20 + $0.30 + $0.50, where one alarm per rollup per appliance and the
    // fallbacks band cost $1.70.
    const alarmLines = def.lines.filter((l) => ['Alarms', 'Anomaly alarms', 'Fleet alarms', 'Incident page'].includes(l.item));
    expect(alarmLines.reduce((sum, l) => sum + l.monthlyUsd, 0)).toBeCloseTo(1.0, 10);
  });

  it('is what docs/cost.md and README.md show (regenerate with: npx tsx scripts/cost-estimate.ts --write)', () => {
    const doc = readFileSync(COST_DOC, 'utf8');
    expect(updatedCostDoc(doc)).toBe(doc);
    const readme = readFileSync(README, 'utf8');
    expect(updatedReadme(readme)).toBe(readme);
  });

  it('meets the targets of issue 25: at most $3.00 per appliance-month with "default" and $8.00 with "all"', () => {
    expect(estimate('default').totalUsd).toBeLessThanOrEqual(3);
    expect(estimate('all').totalUsd).toBeLessThanOrEqual(8);
  });

  it('prices each option by the same estimate: a band, per-alarm paging, a moving or a still counter', () => {
    const byOption = new Map(marginalCosts().map((m) => [m.option, m.monthlyUsd]));
    expect(byOption.get('`alarms.fallbacksAnomaly.enabled: true`')).toBeCloseTo(0.3, 10);
    expect(byOption.get('`alarms.notify: "per-alarm"`')).toBeCloseTo(-PRICES.compositeAlarm, 10);
    expect(byOption.get('one more counter that moves every run (e.g. `default,DssPackets`)')).toBeCloseTo(PRICES.metric, 2);
    expect(byOption.get('one more problem counter (e.g. `default,ResetsSentOnPlainAck`)')).toBe(0);
    expect(byOption.get('`counters: "everything"`')).toBeCloseTo(estimate('everything').totalUsd - estimate('default').totalUsd, 10);
  });
});
