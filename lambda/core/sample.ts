import { BY_NITRO_NAME, CATALOG, NON_STATISTIC_FIELDS } from '../catalog/catalog.js';
import { isRecord } from './is-record.js';
import type { Scrub } from './ports.js';

/**
 * One parsed `stat/protocolmptcp` sample. Gauges and counters are exact 64-bit integers (bigint); rates are
 * the appliance's own per-second figures. A field that could not be used is absent from the maps and listed in
 * `fieldErrors` (present but unusable) or `missing` (not sent at all, e.g. older firmware).
 */
export interface Sample {
  readonly integers: ReadonlyMap<string, bigint>;
  readonly rates: ReadonlyMap<string, number>;
  readonly fieldErrors: readonly FieldError[];
  readonly missing: readonly string[];
  /** Fields this catalog does not know (newer firmware): ignored. Known non-statistics (NON_STATISTIC_FIELDS) are not listed. */
  readonly unknown: readonly string[];
}

export interface FieldError {
  readonly field: string;
  /** The offending value, printable and short (never more than 40 characters). */
  readonly value: string;
  readonly reason: string;
}

const MAX_UINT64 = (1n << 64n) - 1n;
/** Seen in NITRO stat resources as "not available"; a sample exactly equal to it is never trusted. */
export const NOT_AVAILABLE_SENTINEL = 4294967295n;

export class SampleShapeError extends Error {
  override readonly name = 'SampleShapeError';
}

/**
 * The resource as it arrives under its key: an object, or (as the vendor page shows) a one-element array.
 * Throws SampleShapeError for anything else.
 */
export function unwrapResource(value: unknown, resource: string): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new SampleShapeError(`"${resource}" is an empty array`);
    if (value.length > 1) throw new SampleShapeError(`"${resource}" has ${value.length} elements; a global stat resource has one`);
    value = value[0];
  }
  if (!isRecord(value)) throw new SampleShapeError(`"${resource}" is ${describeType(value)}, not an object`);
  return value;
}

export interface ParseSampleOptions {
  /** Removes secrets from a bad field's value before its excerpt is cut (default: none). */
  readonly scrub?: Scrub;
}

/** Parses the protocolmptcp resource object. Never throws for a bad field: it is left out and reported. */
export function parseSample(resource: Record<string, unknown>, options: ParseSampleOptions = {}): Sample {
  const integers = new Map<string, bigint>();
  const rates = new Map<string, number>();
  const fieldErrors: FieldError[] = [];
  const missing: string[] = [];

  for (const metric of CATALOG) {
    if (!Object.hasOwn(resource, metric.nitroName)) {
      missing.push(metric.nitroName);
      continue;
    }
    const raw = resource[metric.nitroName];
    const parsed = metric.kind === 'rate' ? parseRate(raw) : parseInteger(raw);
    if (parsed.ok) {
      if (typeof parsed.value === 'bigint') integers.set(metric.nitroName, parsed.value);
      else rates.set(metric.nitroName, parsed.value);
    } else {
      fieldErrors.push({ field: metric.nitroName, value: previewValue(raw, MAX_EXCERPT_LENGTH, options.scrub), reason: parsed.reason });
    }
  }
  const unknown = Object.keys(resource).filter((key) => !BY_NITRO_NAME.has(key) && !NON_STATISTIC_FIELDS.has(key));
  return { integers, rates, fieldErrors, missing, unknown };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A 64-bit counter or gauge: a decimal string (exact) or a JSON number that is a safe integer. */
export function parseInteger(raw: unknown): Parsed<bigint> {
  let value: bigint;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (!/^-?\d+(\.\d+)?$/.test(text)) return { ok: false, reason: 'not a number' };
    if (text.startsWith('-')) return { ok: false, reason: 'negative' };
    if (text.includes('.')) {
      if (!/\.0+$/.test(text)) return { ok: false, reason: 'not a whole number' };
      value = BigInt(text.slice(0, text.indexOf('.')));
    } else value = BigInt(text);
  } else if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, reason: 'not a finite number' };
    if (raw < 0) return { ok: false, reason: 'negative' };
    if (!Number.isInteger(raw)) return { ok: false, reason: 'not a whole number' };
    if (!Number.isSafeInteger(raw))
      return { ok: false, reason: 'a JSON number beyond 2^53 cannot be exact (the appliance should send a string)' };
    value = BigInt(raw);
  } else {
    return { ok: false, reason: `${describeType(raw)}, not a number` };
  }
  if (value > MAX_UINT64) return { ok: false, reason: 'beyond 2^64-1, not a 64-bit counter' };
  if (value === NOT_AVAILABLE_SENTINEL) return { ok: false, reason: 'the "not available" sentinel 4294967295' };
  return { ok: true, value };
}

/** An appliance-computed rate: a finite, non-negative number (or numeric string). */
export function parseRate(raw: unknown): Parsed<number> {
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(raw) ? Number(raw) : undefined;
  if (value === undefined) return { ok: false, reason: `${describeType(raw)}, not a number` };
  if (!Number.isFinite(value)) return { ok: false, reason: 'not a finite number' };
  if (value < 0) return { ok: false, reason: 'negative' };
  if (value === Number(NOT_AVAILABLE_SENTINEL)) return { ok: false, reason: 'the "not available" sentinel 4294967295' };
  return { ok: true, value: value + 0 }; // + 0 turns -0 into 0
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const MAX_EXCERPT_LENGTH = 40;

/**
 * The first `maxLength` printable characters of a value's JSON text (cut with "…"). Builds no more of the text
 * than it shows, without recursion: a value nested 100,000 levels deep costs no more than a flat one. Every string
 * is scrubbed whole before any of it is cut or mapped to printable characters.
 */
export function previewValue(value: unknown, maxLength: number, scrub: Scrub = (unchanged) => unchanged): string {
  const limit = maxLength + 1; // one character more than is shown tells whether the text was cut
  let text = '';
  const budget = () => limit - text.length;
  const open: { readonly close: string; readonly entries: Iterator<readonly [string | undefined, unknown]>; count: number }[] = [];
  let next: { readonly value: unknown } | undefined = { value };

  while (text.length < limit) {
    if (next !== undefined) {
      const current = next.value;
      next = undefined;
      if (Array.isArray(current)) {
        text += '[';
        open.push({ close: ']', entries: arrayEntries(current), count: 0 });
      } else if (isRecord(current)) {
        text += '{';
        open.push({ close: '}', entries: objectEntries(current), count: 0 });
      } else {
        text += scalarText(current, budget(), scrub);
      }
      continue;
    }
    const innermost = open.at(-1);
    if (innermost === undefined) break;
    const entry = innermost.entries.next();
    if (entry.done) {
      text += innermost.close;
      open.pop();
      continue;
    }
    const [key, child] = entry.value;
    if (innermost.count++ > 0) text += ',';
    if (key !== undefined) text += `${scalarText(key, budget(), scrub)}:`;
    next = { value: child };
  }
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > maxLength ? `${printable.slice(0, maxLength - 1)}…` : printable;
}

function* arrayEntries(array: readonly unknown[]): Generator<readonly [undefined, unknown]> {
  for (let i = 0; i < array.length; i++) yield [undefined, array[i]];
}

function* objectEntries(object: Record<string, unknown>): Generator<readonly [string, unknown]> {
  for (const key of Object.keys(object)) yield [key, object[key]];
}

/** A string or other non-container as JSON would write it, scrubbed whole, then cut to about `budget` characters. */
function scalarText(value: unknown, budget: number, scrub: Scrub): string {
  if (typeof value === 'string') return JSON.stringify(scrub(value).slice(0, budget));
  const text =
    value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : typeof value;
  return scrub(text).slice(0, budget);
}
