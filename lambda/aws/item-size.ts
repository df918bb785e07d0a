/**
 * The size of a DynamoDB item as DynamoDB bills it, and the request units a read or write of it costs: one
 * definition, used by the cost estimate (scripts/cost-estimate.ts) and the test that measures the state item
 * (test/integration/state-item-size.test.ts).
 *
 * DynamoDB's rules (Developer Guide, "Item sizes and formats"): an item is the sum of its attributes, each its
 * name's UTF-8 bytes plus its value: a String its UTF-8 bytes, a Binary its bytes, a Number 1 byte per two
 * significant digits plus 1, a Boolean or Null 1 byte, a Map or List 3 bytes plus 1 byte per element plus the
 * elements (a Map's keys count like attribute names), a set the sum of its elements.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const utf8 = new TextEncoder();

export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8.encode(name).length + valueBytes(value), 0);
}

export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8.encode(value.S).length;
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8.encode(name).length + valueBytes(element), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + utf8.encode(element).length, 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + numberBytes(element), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, element) => sum + element.length, 0);
  throw new TypeError(`not an attribute value: ${JSON.stringify(value)}`);
}

/** A Number: its significant digits (leading and trailing zeros do not count), two a byte, plus 1 (and 1 for a sign). */
function numberBytes(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1 + (text.startsWith('-') ? 1 : 0);
}

/** Write request units of an UpdateItem or PutItem: 1 per started KB of the larger of the item before and after. */
export function writeUnits(bytesBefore: number, bytesAfter: number): number {
  return Math.max(1, Math.ceil(Math.max(bytesBefore, bytesAfter) / 1024));
}

/** Read request units of a GetItem of the whole item (a projection costs the same): 1 per started 4 KB, half eventually consistent. */
export function readUnits(bytes: number, options: { consistent: boolean }): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return options.consistent ? units : units / 2;
}
