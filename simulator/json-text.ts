/**
 * JSON text built piece by piece, so that exact 64-bit integers and deliberately odd values can be written
 * verbatim (JSON.stringify cannot write a bigint).
 */

/** How gauges and counters are written: JSON strings (what appliances send) or bare JSON numbers (some firmware). */
export type IntegerEncoding = 'string' | 'number';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** JSON text sent verbatim as a field's value (e.g. `new RawJson('18446744073709551616')` for a bare huge number). */
export class RawJson {
  constructor(readonly text: string) {}
}

export function toJsonText(value: JsonValue | RawJson): string {
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

/** An object from already-encoded member values, in the given order. */
export function objectText(members: Iterable<readonly [key: string, valueText: string]>): string {
  const parts: string[] = [];
  for (const [key, valueText] of members) parts.push(`${JSON.stringify(key)}:${valueText}`);
  return `{${parts.join(',')}}`;
}
