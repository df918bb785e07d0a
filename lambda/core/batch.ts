/**
 * Splitting metric data into PutMetricData-sized requests, and the size of one datum on the wire.
 * Pure: no I/O, no SDK import.
 */

/** PutMetricData accepts at most this many MetricData entries per request. */
export const PUT_METRIC_DATA_MAX_ITEMS = 1000;

/**
 * PutMetricData accepts at most 1 MB per request. Counted in decimal megabytes and before compression, which
 * is the stricter reading of the limit.
 */
export const PUT_METRIC_DATA_MAX_REQUEST_BYTES = 1_000_000;

/**
 * Room kept free in each request for the envelope around the data (`{"Namespace":"…","MetricData":[…]}`,
 * at most about 1.6 kB for a 255-character namespace) with plenty to spare.
 */
export const PUT_METRIC_DATA_SAFETY_MARGIN_BYTES = 16_384;

export interface BatchLimits<T> {
  /** Most items in one batch (default 1000). */
  readonly maxItems?: number;
  /** Most bytes in one batch, as the sum of `sizeOf` (default 1 MB minus the safety margin). */
  readonly maxBytes?: number;
  /** Bytes one item adds to a batch, separators included. */
  readonly sizeOf: (item: T) => number;
}

/**
 * Splits `items` into consecutive batches, in order, each within `maxItems` and `maxBytes`. Filling each batch
 * as far as it goes gives the fewest batches any order-preserving split can have. An item larger than
 * `maxBytes` on its own gets a batch of its own (the service then rejects that one request, not its neighbours).
 */
export function batchDatums<T>(items: readonly T[], limits: BatchLimits<T>): T[][] {
  const maxItems = limits.maxItems ?? PUT_METRIC_DATA_MAX_ITEMS;
  const maxBytes = limits.maxBytes ?? PUT_METRIC_DATA_MAX_REQUEST_BYTES - PUT_METRIC_DATA_SAFETY_MARGIN_BYTES;
  if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);

  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = limits.sizeOf(item);
    if (!(size >= 0)) throw new RangeError(`sizeOf must return a non-negative number, got ${size}`);
    if (current.length > 0 && (current.length === maxItems || currentBytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The fields of a CloudWatch MetricDatum, as `@aws-sdk/client-cloudwatch` types them (its MetricDatum is
 * assignable to this).
 */
export interface MetricDatumShape {
  readonly MetricName: string | undefined;
  readonly Dimensions?: readonly { readonly Name: string | undefined; readonly Value: string | undefined }[] | undefined;
  readonly Timestamp?: Date | undefined;
  readonly Value?: number | undefined;
  readonly StatisticValues?:
    | {
        readonly SampleCount: number | undefined;
        readonly Sum: number | undefined;
        readonly Minimum: number | undefined;
        readonly Maximum: number | undefined;
      }
    | undefined;
  readonly Values?: readonly number[] | undefined;
  readonly Counts?: readonly number[] | undefined;
  readonly Unit?: string | undefined;
  readonly StorageResolution?: number | undefined;
}

/**
 * Bytes one MetricDatum adds to a PutMetricData request body in the AWS JSON 1.0 protocol (what
 * `@aws-sdk/client-cloudwatch` 3.949.0 and later send), counting the comma that separates it from the next
 * entry and before compression. It follows the SDK's serializer exactly: members in schema order, absent
 * members left out, strings as JSON strings in UTF-8, numbers as `String(n)` (NaN and Infinity as quoted
 * strings), timestamps as epoch seconds. A test holds it against the installed SDK's own serializer.
 */
export function estimateMetricDatumBytes(datum: MetricDatumShape): number {
  const members: number[] = [];
  const member = (name: string, valueBytes: number): void => {
    members.push(name.length + 3 + valueBytes); // "name":value
  };
  if (datum.MetricName != null) member('MetricName', jsonStringBytes(datum.MetricName));
  if (datum.Dimensions != null) {
    member(
      'Dimensions',
      listBytes(
        datum.Dimensions.map((dimension) => {
          const fields: number[] = [];
          if (dimension.Name != null) fields.push('Name'.length + 3 + jsonStringBytes(dimension.Name));
          if (dimension.Value != null) fields.push('Value'.length + 3 + jsonStringBytes(dimension.Value));
          return objectBytes(fields);
        }),
      ),
    );
  }
  if (datum.Timestamp != null) member('Timestamp', String(datum.Timestamp.getTime() / 1000).length);
  if (datum.Value != null) member('Value', numberBytes(datum.Value));
  if (datum.StatisticValues != null) {
    const statistics = datum.StatisticValues;
    const fields: number[] = [];
    for (const [name, value] of [
      ['SampleCount', statistics.SampleCount],
      ['Sum', statistics.Sum],
      ['Minimum', statistics.Minimum],
      ['Maximum', statistics.Maximum],
    ] as const) {
      if (value != null) fields.push(name.length + 3 + numberBytes(value));
    }
    member('StatisticValues', objectBytes(fields));
  }
  if (datum.Values != null) member('Values', listBytes(datum.Values.map(numberBytes)));
  if (datum.Counts != null) member('Counts', listBytes(datum.Counts.map(numberBytes)));
  if (datum.Unit != null) member('Unit', jsonStringBytes(datum.Unit));
  if (datum.StorageResolution != null) member('StorageResolution', numberBytes(datum.StorageResolution));
  return objectBytes(members) + 1; // the comma before the next entry
}

/** Bytes of `{"Namespace":…,"MetricData":[]}`: the part of a request that is not its entries. */
export function putMetricDataEnvelopeBytes(namespace: string): number {
  return '{"Namespace":,"MetricData":[]}'.length + jsonStringBytes(namespace);
}

function objectBytes(memberBytes: readonly number[]): number {
  return 2 + sum(memberBytes) + Math.max(0, memberBytes.length - 1);
}

function listBytes(elementBytes: readonly number[]): number {
  return 2 + sum(elementBytes) + Math.max(0, elementBytes.length - 1);
}

function numberBytes(value: number): number {
  return Number.isFinite(value) ? String(value).length : String(value).length + 2;
}

/** UTF-8 bytes of `JSON.stringify(text)`, which escapes exactly as the SDK's JSON serializer does. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit === 0x22 || unit === 0x5c) bytes += 2;
    else if (unit < 0x20) bytes += unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d ? 2 : 6;
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 6; // a lone surrogate is written as \uXXXX
    } else if (unit >= 0xdc00 && unit <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
