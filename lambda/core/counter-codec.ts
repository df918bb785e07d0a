/**
 * The compact, exact encoding of a set of counters (NITRO name -> non-negative bigint) for the state item's
 * Binary `counters` and `pendingCounters` (schemaVersion 3). Exact at any size: no value passes through a number.
 *
 *   byte      1: the format, 1
 *   varint      the presence bitmap's length in bytes
 *   bitmap      bit (id % 8) of byte floor(id / 8) is set when the counter with that id (core/state-counter-ids.ts)
 *               is present
 *   varints     the values of the present counters, in id order
 *   varint      how many counters without an id follow, then for each: its name's UTF-8 length, the name, its value
 *
 * A varint is unsigned LEB128: 7 bits a byte, least significant first, the high bit set on all but the last byte
 * (a 10-digit value takes 5 bytes, one near 2^63 9). With the 73 counters of firmware 13.1 the presence bitmap
 * costs 10 bytes where a name would cost about 20 each.
 */
import { STATE_COUNTER_IDS } from './state-counter-ids.js';

const FORMAT = 1;
const ID_OF: ReadonlyMap<string, number> = new Map(STATE_COUNTER_IDS.map((name, id) => [name, id]));
/** Lengths and counts read from stored bytes never exceed this (an item holds at most 400 KB). */
const MAX_LENGTH = 1 << 20;

export function encodeCounters(values: ReadonlyMap<string, bigint>): Uint8Array {
  const byId: (bigint | undefined)[] = [];
  const others: [string, bigint][] = [];
  for (const [name, value] of values) {
    if (value < 0n) throw new RangeError(`counter ${name} is negative (${value})`);
    const id = ID_OF.get(name);
    if (id === undefined) others.push([name, value]);
    else byId[id] = value;
  }
  const bitmap = new Uint8Array(Math.ceil(byId.length / 8));
  const bytes: number[] = [FORMAT];
  pushVarint(bytes, BigInt(bitmap.length));
  byId.forEach((value, id) => {
    if (value !== undefined) bitmap[id >> 3]! |= 1 << (id & 7);
  });
  bytes.push(...bitmap);
  for (const value of byId) if (value !== undefined) pushVarint(bytes, value);
  pushVarint(bytes, BigInt(others.length));
  const utf8 = new TextEncoder();
  for (const [name, value] of others) {
    const encoded = utf8.encode(name);
    pushVarint(bytes, BigInt(encoded.length));
    bytes.push(...encoded);
    pushVarint(bytes, value);
  }
  return Uint8Array.from(bytes);
}

/**
 * The counters `bytes` hold, or undefined when they are not what encodeCounters writes (another format, cut
 * short, trailing bytes, a name twice): nothing of them is guessed at. A counter with an id this table does not
 * have yet (written by a newer release) is left out.
 */
export function decodeCounters(bytes: Uint8Array): Map<string, bigint> | undefined {
  const reader = new Reader(bytes);
  if (reader.byte() !== FORMAT) return undefined;
  const bitmapLength = reader.length();
  const bitmap = bitmapLength === undefined ? undefined : reader.take(bitmapLength);
  if (bitmap === undefined) return undefined;
  const values = new Map<string, bigint>();
  for (let id = 0; id < bitmap.length * 8; id++) {
    if ((bitmap[id >> 3]! & (1 << (id & 7))) === 0) continue;
    const value = reader.varint();
    if (value === undefined) return undefined;
    const name = STATE_COUNTER_IDS[id];
    if (name !== undefined) values.set(name, value);
  }
  const others = reader.length();
  if (others === undefined) return undefined;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < others; i++) {
    const nameLength = reader.length();
    const nameBytes = nameLength === undefined ? undefined : reader.take(nameLength);
    const value = reader.varint();
    if (nameBytes === undefined || value === undefined) return undefined;
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      return undefined;
    }
    if (values.has(name)) return undefined;
    values.set(name, value);
  }
  return reader.atEnd() ? values : undefined;
}

function pushVarint(bytes: number[], value: bigint): void {
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
}

class Reader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  byte(): number | undefined {
    return this.offset < this.bytes.length ? this.bytes[this.offset++] : undefined;
  }

  take(length: number): Uint8Array | undefined {
    if (this.offset + length > this.bytes.length) return undefined;
    const taken = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return taken;
  }

  varint(): bigint | undefined {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = this.byte();
      if (byte === undefined) return undefined;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** A varint that counts bytes or entries. */
  length(): number | undefined {
    const value = this.varint();
    return value === undefined || value > BigInt(MAX_LENGTH) ? undefined : Number(value);
  }

  atEnd(): boolean {
    return this.offset === this.bytes.length;
  }
}
