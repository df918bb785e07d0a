import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchDatums,
  estimateMetricDatumBytes,
  jsonStringBytes,
  PUT_METRIC_DATA_MAX_ITEMS,
  PUT_METRIC_DATA_MAX_REQUEST_BYTES,
  PUT_METRIC_DATA_SAFETY_MARGIN_BYTES,
  putMetricDataEnvelopeBytes,
} from '../../lambda/core/batch.js';

interface Sized {
  readonly id: number;
  readonly size: number;
}

const sizedItems = (maxSize: number) =>
  fc.array(fc.integer({ min: 0, max: maxSize }), { maxLength: 60 }).map((sizes) => sizes.map((size, id): Sized => ({ id, size })));

const limits = fc.record({ maxItems: fc.integer({ min: 1, max: 12 }), maxBytes: fc.integer({ min: 1, max: 200 }) });

const sum = (batch: readonly Sized[]) => batch.reduce((total, item) => total + item.size, 0);

/** The fewest order-preserving batches within the limits, by exhaustive dynamic programming. */
function fewestBatches(items: readonly Sized[], maxItems: number, maxBytes: number): number {
  const best: number[] = [0];
  for (let end = 1; end <= items.length; end++) {
    best[end] = Number.POSITIVE_INFINITY;
    for (let start = end - 1; start >= 0 && end - start <= maxItems; start--) {
      const slice = items.slice(start, end);
      if (slice.length > 1 && sum(slice) > maxBytes) break;
      best[end] = Math.min(best[end]!, best[start]! + 1);
    }
  }
  return best[items.length]!;
}

describe('batchDatums', () => {
  it('keeps every item, in order', () => {
    fc.assert(
      fc.property(sizedItems(100), limits, (items, { maxItems, maxBytes }) => {
        const batches = batchDatums(items, { maxItems, maxBytes, sizeOf: (item) => item.size });
        expect(batches.flat()).toEqual(items);
      }),
    );
  });

  it('respects both limits, except for an item too large on its own, which is alone', () => {
    fc.assert(
      fc.property(sizedItems(300), limits, (items, { maxItems, maxBytes }) => {
        for (const batch of batchDatums(items, { maxItems, maxBytes, sizeOf: (item) => item.size })) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(maxItems);
          if (batch.length > 1) expect(sum(batch)).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it('makes the fewest batches any order-preserving split can', () => {
    fc.assert(
      fc.property(sizedItems(120), limits, (items, { maxItems, maxBytes }) => {
        const batches = batchDatums(items, { maxItems, maxBytes, sizeOf: (item) => item.size });
        expect(batches).toHaveLength(fewestBatches(items, maxItems, maxBytes));
      }),
    );
  });

  it('defaults to 1000 items and 1 MB minus the safety margin', () => {
    const items = Array.from({ length: 2_500 }, (_, id): Sized => ({ id, size: 100 }));
    expect(batchDatums(items, { sizeOf: (item) => item.size }).map((batch) => batch.length)).toEqual([1000, 1000, 500]);

    const maxBytes = PUT_METRIC_DATA_MAX_REQUEST_BYTES - PUT_METRIC_DATA_SAFETY_MARGIN_BYTES;
    const large = Array.from({ length: 5 }, (_, id): Sized => ({ id, size: Math.floor(maxBytes / 2) }));
    expect(batchDatums(large, { sizeOf: (item) => item.size }).map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(PUT_METRIC_DATA_MAX_ITEMS).toBe(1000);
  });

  it('returns no batch for no item', () => {
    expect(batchDatums([], { sizeOf: () => 1 })).toEqual([]);
  });

  it('refuses nonsensical limits and sizes', () => {
    expect(() => batchDatums([1], { maxItems: 0, sizeOf: () => 1 })).toThrow(RangeError);
    expect(() => batchDatums([1], { maxBytes: 0, sizeOf: () => 1 })).toThrow(RangeError);
    expect(() => batchDatums([1], { sizeOf: () => Number.NaN })).toThrow(RangeError);
  });
});

// ------------------------------------------------------------------------------------------------------------
// The size estimate, held against the installed SDK's own serializer. The request never leaves the process: a
// request handler records the body and fails the call.

interface CapturedRequest {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
}

class Captured extends Error {}

const capturingClient = (() => {
  let last: CapturedRequest | undefined;
  const client = new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoint: 'http://127.0.0.1:9',
    disableRequestCompression: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body: Uint8Array; headers: Record<string, string> }) => {
        last = { body: request.body, contentType: request.headers['content-type'] };
        throw new Captured('captured');
      },
    } as never,
  });
  return {
    async serialize(namespace: string, metricData: MetricDatum[]): Promise<CapturedRequest> {
      last = undefined;
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: metricData })).catch((error: unknown) => {
        if (!(error instanceof Captured)) throw error;
      });
      if (last === undefined) throw new Error('no request was captured');
      return last;
    },
  };
})();

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const text = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: anyCodeUnit, maxLength: 40 }),
);
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1e21, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2));
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const metricDatum: fc.Arbitrary<MetricDatum> = fc.record({
  MetricName: text,
  Dimensions: optional(fc.array(fc.record({ Name: text, Value: text }), { maxLength: 3 })),
  Timestamp: optional(fc.date({ min: new Date(0), max: new Date('2100-01-01T00:00:00Z') })),
  Value: optional(anyNumber),
  StatisticValues: optional(fc.record({ SampleCount: anyNumber, Sum: anyNumber, Minimum: anyNumber, Maximum: anyNumber })),
  Values: optional(fc.array(anyNumber, { maxLength: 5 })),
  Counts: optional(fc.array(anyNumber, { maxLength: 5 })),
  Unit: optional(fc.constantFrom('Count', 'Count/Second', 'Milliseconds', 'None')),
  StorageResolution: optional(fc.constantFrom(1, 60)),
});

/** What the sink sends for the collector's metrics. */
const collectorDatum: fc.Arbitrary<MetricDatum> = fc.record({
  MetricName: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 255 }),
  Dimensions: fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }).map((appliance) => [{ Name: 'Appliance', Value: appliance }]),
  Timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }).map((ms) => new Date(ms)),
  Value: fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true })),
  Unit: fc.constantFrom('Count', 'Count/Second', 'Milliseconds', 'None'),
  StorageResolution: fc.constantFrom(1, 60),
});

describe('estimateMetricDatumBytes', () => {
  it('is what the installed SDK sends: AWS JSON 1.0', async () => {
    const request = await capturingClient.serialize('NetScaler/MPTCP', [{ MetricName: 'CurrentSessions', Value: 1 }]);
    expect(request.contentType).toBe('application/x-amz-json-1.0');
  });

  it('bounds the request body from above, to the byte, for any datums', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(metricDatum, { minLength: 1, maxLength: 4 }), async (namespace, datums) => {
        const { body } = await capturingClient.serialize(namespace, datums);
        const estimate = putMetricDataEnvelopeBytes(namespace) + datums.reduce((total, d) => total + estimateMetricDatumBytes(d), 0);
        // The estimate counts a separating comma after every entry; the body has none after the last.
        expect(estimate - body.byteLength).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('bounds the request body of collector datums', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(collectorDatum, { minLength: 1, maxLength: 20 }), async (datums) => {
        const { body } = await capturingClient.serialize('NetScaler/MPTCP', datums);
        const estimate =
          putMetricDataEnvelopeBytes('NetScaler/MPTCP') + datums.reduce((total, d) => total + estimateMetricDatumBytes(d), 0);
        expect(body.byteLength).toBeLessThanOrEqual(estimate);
      }),
      { numRuns: 100 },
    );
  });

  it('counts a typical collector datum (184 bytes) to the byte', () => {
    const bytes = estimateMetricDatumBytes({
      MetricName: 'MpCapableFinalAckReceived',
      Dimensions: [{ Name: 'Appliance', Value: 'ns-lon-prod-01' }],
      Timestamp: new Date('2026-01-02T03:04:05.678Z'),
      Value: 123_456,
      Unit: 'Count',
      StorageResolution: 60,
    });
    expect(bytes).toBe(
      '{"MetricName":"MpCapableFinalAckReceived","Dimensions":[{"Name":"Appliance","Value":"ns-lon-prod-01"}],"Timestamp":1767323045.678,"Value":123456,"Unit":"Count","StorageResolution":60},'
        .length,
    );
  });
});

describe('jsonStringBytes', () => {
  it('is the UTF-8 length of JSON.stringify', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(jsonStringBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value), 'utf8'));
      }),
      { numRuns: 1000 },
    );
  });
});
