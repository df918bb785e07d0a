/**
 * The statistics as the appliance holds them: gauges and counters as exact unsigned 64-bit integers, rates as
 * numbers (the per-second rate over the last traffic step).
 */
import { CATALOG } from '../lambda/catalog/catalog.js';

const UINT64_LIMIT = 1n << 64n;

const GAUGE_NAMES: readonly string[] = CATALOG.filter((m) => m.kind === 'gauge').map((m) => m.nitroName);
const COUNTER_NAMES: readonly string[] = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);
const RATE_NAMES: readonly string[] = CATALOG.filter((m) => m.kind === 'rate').map((m) => m.nitroName);

/** Counter name -> its rate field's name. */
const RATE_OF_COUNTER: ReadonlyMap<string, string> = new Map(
  CATALOG.filter((m) => m.kind === 'counter').map((m) => [m.nitroName, m.pairedWith ?? '']),
);

/** Parses a value for a 64-bit unsigned field; throws RangeError/TypeError naming the field otherwise. */
export function toUint64(field: string, value: bigint | string | number): bigint {
  let parsed: bigint;
  if (typeof value === 'bigint') {
    parsed = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${field}: ${value} is not a safe integer; pass a bigint or a decimal string`);
    }
    parsed = BigInt(value);
  } else {
    if (!/^\d+$/.test(value)) throw new TypeError(`${field}: ${JSON.stringify(value)} is not a decimal integer`);
    parsed = BigInt(value);
  }
  if (parsed < 0n || parsed >= UINT64_LIMIT) throw new RangeError(`${field}: ${parsed} is outside 0..2^64-1`);
  return parsed;
}

export class CounterStore {
  private readonly integers = new Map<string, bigint>();
  private readonly rates = new Map<string, number>();

  constructor() {
    this.zeroAll();
  }

  /** A gauge's or counter's value. */
  integer(name: string): bigint {
    return this.integers.get(name) ?? 0n;
  }

  rate(name: string): number {
    return this.rates.get(name) ?? 0;
  }

  /** Sets a gauge, counter or rate; throws for any other name or an invalid value. */
  set(name: string, value: bigint | string | number): void {
    if (this.integers.has(name)) {
      this.integers.set(name, toUint64(name, value));
      return;
    }
    if (this.rates.has(name)) {
      const rate = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`${name}: a rate must be a finite number >= 0`);
      this.rates.set(name, rate);
      return;
    }
    throw new RangeError(`${name} is not a field of stat/protocolmptcp`);
  }

  /** Adds traffic to a counter, wrapping at 2^64 like the appliance's 64-bit counter. */
  addToCounter(name: string, delta: bigint): void {
    this.integers.set(name, (this.integer(name) + delta) % UINT64_LIMIT);
  }

  setGauge(name: string, value: bigint): void {
    this.integers.set(name, value < 0n ? 0n : value >= UINT64_LIMIT ? UINT64_LIMIT - 1n : value);
  }

  setRateOfCounter(counter: string, rate: number): void {
    const rateName = RATE_OF_COUNTER.get(counter);
    if (rateName) this.rates.set(rateName, rate);
  }

  /** Counters and rates to 0, gauges kept. */
  zeroCounters(): void {
    for (const name of COUNTER_NAMES) this.integers.set(name, 0n);
    for (const name of RATE_NAMES) this.rates.set(name, 0);
  }

  zeroAll(): void {
    for (const name of GAUGE_NAMES) this.integers.set(name, 0n);
    this.zeroCounters();
  }

  integersSnapshot(): Record<string, bigint> {
    return Object.fromEntries(this.integers);
  }

  ratesSnapshot(): Record<string, number> {
    return Object.fromEntries(this.rates);
  }
}
