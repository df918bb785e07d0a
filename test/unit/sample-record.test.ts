import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { buildSampleRecord, SAMPLE_RECORD_VERSION, type SampleRecordInput, sampleRecordField } from '../../lambda/core/sample-record.js';
import { MAX_LOG_LINE_BYTES } from '../../lambda/core/text.js';
import { logLine, Redactor } from '../../lambda/logger.js';
import { fieldValue } from '../support/record-field.js';

const COUNTERS = CATALOG.filter((m) => m.kind === 'counter');
const GAUGES = CATALOG.filter((m) => m.kind === 'gauge');

const base: SampleRecordInput = {
  appliance: 'adc-1',
  outcome: 'ok',
  takenAt: 1_800_000_060_000,
  previousTakenAt: 1_800_000_000_000,
  integers: new Map(GAUGES.map((m, i) => [m.nitroName, BigInt(100 + i)])),
  durationMs: 411.6,
  datums: [
    { metricName: 'CollectionSuccess', value: 1 },
    { metricName: 'SessionsCreated', value: 5 },
    { metricName: 'CollectionSuccess', value: 7, virtualServer: 'vs-1' },
  ],
};

describe('the sample record', () => {
  it('holds every counter that moved at its field, exactly, with the interval and the gauges', () => {
    const deltas = new Map(COUNTERS.map((m, i) => [m.nitroName, BigInt(i % 5 === 0 ? 0 : 1_000_000_000 + i)]));
    const record = buildSampleRecord({ ...base, deltas, node: { transtime: 'Mon Dec  7 08:00:00 2026' } });
    expect(record).toMatchObject({
      record: SAMPLE_RECORD_VERSION,
      appliance: 'adc-1',
      intervalStartMs: 1_800_000_000_000,
      intervalEndMs: 1_800_000_060_000,
      node: 'Mon Dec  7 08:00:00 2026',
    });
    expect(record.baseline).toBeUndefined();
    // Through the real logger's bounds (64 keys an object, 16 KB a line): nothing is cut.
    const logged = JSON.parse(logLine({ ...record }, new Redactor().scrub));
    COUNTERS.forEach((m, i) => {
      expect(fieldValue(logged, sampleRecordField(m.metricName))).toBe(i % 5 === 0 ? undefined : 1_000_000_000 + i);
    });
    GAUGES.forEach((m, i) => {
      expect(fieldValue(logged, sampleRecordField(m.metricName))).toBe(100 + i);
    });
    expect(Buffer.byteLength(JSON.stringify(logged))).toBeLessThan(MAX_LOG_LINE_BYTES);
  });

  it('takes the health metrics of the appliance from its datums, not the MPTCP or per-server ones', () => {
    const record = buildSampleRecord({ ...base, deltas: new Map() });
    expect(record.health).toEqual({ CollectionSuccess: 1, CollectionDuration: 412 });
    expect(record.deltas).toEqual({});
  });

  it('says why there is no increase instead of writing one, and gives no interval start then', () => {
    const record = buildSampleRecord({ ...base, baseline: 'reset', deltas: new Map([[COUNTERS[0]!.nitroName, 3n]]) });
    expect(record).toMatchObject({ deltas: null, baseline: 'reset', intervalEndMs: 1_800_000_060_000 });
    expect(record.intervalStartMs).toBeUndefined();
    const failed = buildSampleRecord({ appliance: 'adc-2', outcome: 'failed', datums: [{ metricName: 'CollectionSuccess', value: 0 }] });
    expect(failed).toEqual({
      record: SAMPLE_RECORD_VERSION,
      appliance: 'adc-2',
      outcome: 'failed',
      baseline: 'failed',
      deltas: null,
      health: { CollectionSuccess: 0 },
    });
  });

  it('keeps an increase beyond 2^53 exact as a decimal string', () => {
    const counter = COUNTERS[0]!;
    const record = buildSampleRecord({ ...base, deltas: new Map([[counter.nitroName, 2n ** 60n + 1n]]) });
    expect(fieldValue(record, sampleRecordField(counter.metricName))).toBe('1152921504606846977');
  });

  it('never shows a registered password, wherever it turns up', () => {
    const password = 'S3cret!pass-word';
    const redactor = new Redactor();
    redactor.add(password);
    const record = buildSampleRecord({ ...base, appliance: `adc-${password}`, node: { transtime: password }, deltas: new Map() });
    expect(logLine({ ...record }, redactor.scrub)).not.toContain(password.slice(0, 8));
  });

  it('has a field for every catalog counter and gauge and for the health metrics, and no other', () => {
    const fields = [...COUNTERS, ...GAUGES].map((m) => sampleRecordField(m.metricName));
    expect(new Set(fields).size).toBe(COUNTERS.length + GAUGES.length);
    expect(sampleRecordField('MpJoinSynReceived')).toBe('deltas.handshake.MpJoinSynReceived');
    expect(sampleRecordField('CollectionDuration')).toBe('health.CollectionDuration');
    expect(() => sampleRecordField('MpJoinSynRate')).toThrow(/no field/);
  });
});
