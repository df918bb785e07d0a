import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../lambda/catalog/catalog.js';
import { decodeCounters, encodeCounters } from '../../lambda/core/counter-codec.js';
import { STATE_COUNTER_IDS } from '../../lambda/core/state-counter-ids.js';

const PINNED_IDS = readFileSync(new URL('../fixtures/state-counter-ids.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'));

const counters = (entries: Record<string, bigint>) => new Map(Object.entries(entries));

describe('the stable counter ids of the state item', () => {
  it('are exactly the committed list: stored values cannot be remapped by a reordered catalog (append to both)', () => {
    expect(STATE_COUNTER_IDS).toEqual(PINNED_IDS);
  });

  it('give every catalog counter an id, each name once', () => {
    const names = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);
    expect(names.filter((name) => !STATE_COUNTER_IDS.includes(name))).toEqual([]);
    expect(new Set(STATE_COUNTER_IDS).size).toBe(STATE_COUNTER_IDS.length);
  });
});

describe('the compact counter encoding', () => {
  it('writes the pinned byte layout: format, presence bitmap, varint values, then counters without an id by name', () => {
    // id 0 (mptcptotmpcapsession) = 300, id 9 = 1; "x" (no id) = 2^63.
    const bytes = encodeCounters(counters({ x: 2n ** 63n, [STATE_COUNTER_IDS[9]!]: 1n, [STATE_COUNTER_IDS[0]!]: 300n }));
    expect([...bytes]).toEqual([
      1,
      2,
      0b0000_0001,
      0b0000_0010,
      0xac,
      0x02,
      0x01,
      1,
      1,
      0x78,
      ...[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
    ]);
    expect(decodeCounters(bytes)).toEqual(counters({ [STATE_COUNTER_IDS[0]!]: 300n, [STATE_COUNTER_IDS[9]!]: 1n, x: 2n ** 63n }));
  });

  it('round-trips exact values of any size, every catalog counter and names of any kind', () => {
    const values = [0n, 1n, 127n, 128n, 4_294_967_295n, 9_007_199_254_740_993n, 2n ** 64n - 1n, 2n ** 100n + 7n];
    const all = new Map(STATE_COUNTER_IDS.map((name, id) => [name, values[id % values.length]!]));
    for (const sample of [new Map<string, bigint>(), all, counters({ a: 18_446_744_073_709_551_615n, 'ä €': 5n, '': 0n })]) {
      expect(decodeCounters(encodeCounters(sample))).toEqual(sample);
    }
  });

  it('takes 5 bytes for a 10-digit value and 9 for one near 2^63: 378 bytes for the 73 counters of firmware 13.1', () => {
    const firmware131 = CATALOG.filter((m) => m.kind === 'counter' && m.since === undefined).map((m) => m.nitroName);
    expect(firmware131).toHaveLength(73);
    expect(encodeCounters(new Map(firmware131.map((name) => [name, 9_999_999_999n])))).toHaveLength(1 + 1 + 10 + 73 * 5 + 1);
    expect(encodeCounters(new Map(firmware131.map((name) => [name, 2n ** 63n - 1n])))).toHaveLength(1 + 1 + 10 + 73 * 9 + 1);
  });

  it('refuses a negative value (the stores refuse it first, as a bug of the caller)', () => {
    expect(() => encodeCounters(counters({ a: -1n }))).toThrow(/counter a is negative/);
  });

  it('reads bytes that are not its own as nothing, never as a guess: another format, cut short, trailing bytes, a name twice', () => {
    const good = encodeCounters(counters({ [STATE_COUNTER_IDS[0]!]: 300n, x: 7n }));
    expect(decodeCounters(Uint8Array.from([2, ...good.subarray(1)]))).toBeUndefined();
    for (let length = 0; length < good.length; length++) expect(decodeCounters(good.subarray(0, length))).toBeUndefined();
    expect(decodeCounters(Uint8Array.from([...good, 0]))).toBeUndefined();
    expect(decodeCounters(Uint8Array.from([1, 0, 2, 1, 0x78, 1, 1, 0x78, 2]))).toBeUndefined();
    expect(decodeCounters(Uint8Array.from([1, 0, 1, 2, 0xff, 0xfe, 1]))).toBeUndefined();
    expect(decodeCounters(Uint8Array.from([1, 0, 1]))).toBeUndefined();
  });

  it('leaves out a counter whose id this release does not have yet (written by a newer one), keeping the others', () => {
    const beyond = STATE_COUNTER_IDS.length;
    const bitmap = new Uint8Array(Math.ceil((beyond + 1) / 8));
    bitmap[0] = 0b1;
    bitmap[beyond >> 3]! |= 1 << (beyond & 7);
    expect(decodeCounters(Uint8Array.from([1, bitmap.length, ...bitmap, 5, 6, 0]))).toEqual(counters({ [STATE_COUNTER_IDS[0]!]: 5n }));
  });
});
