import { describe, expect, it } from 'vitest';
import { itemBytes, readUnits, valueBytes, writeUnits } from '../../lambda/aws/item-size.js';

describe("an item's size by DynamoDB's rules", () => {
  it('counts names and values: strings and binaries by their bytes, numbers by their significant digits', () => {
    expect(itemBytes({ appliance: { S: 'ns-01' }, b: { B: new Uint8Array(10) }, ä: { S: '€' } })).toBe(9 + 5 + 1 + 10 + 2 + 3);
    expect(valueBytes({ N: '1' })).toBe(2);
    expect(valueBytes({ N: '1234567890123' })).toBe(8);
    expect(valueBytes({ N: '1772366400000' })).toBe(5);
    expect(valueBytes({ N: '-0.0012' })).toBe(3);
    expect(valueBytes({ BOOL: true })).toBe(1);
    expect(valueBytes({ NULL: true })).toBe(1);
  });

  it('gives a map or list 3 bytes, and each element 1 more besides its name and value', () => {
    expect(valueBytes({ M: {} })).toBe(3);
    expect(valueBytes({ L: [] })).toBe(3);
    expect(valueBytes({ M: { abc: { S: '1234567890' } } })).toBe(3 + 1 + 3 + 10);
    expect(valueBytes({ L: [{ N: '12' }, { M: { x: { BOOL: false } } }] })).toBe(3 + 1 + 2 + 1 + (3 + 1 + 1 + 1));
    expect(valueBytes({ SS: ['ab', 'c'] })).toBe(3);
  });

  it('bills a write on the larger item, before or after, per started KB; a consistent read per started 4 KB', () => {
    expect(writeUnits(0, 1024)).toBe(1);
    expect(writeUnits(1025, 600)).toBe(2);
    expect(writeUnits(557, 1032)).toBe(2);
    expect(readUnits(4096, { consistent: true })).toBe(1);
    expect(readUnits(4097, { consistent: true })).toBe(2);
    expect(readUnits(100, { consistent: false })).toBe(0.5);
  });
});
