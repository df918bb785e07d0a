import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { CollectorError } from '../../lambda/errors.js';
import type { ExchangeResult, StoredSample } from '../../lambda/pipeline/ports.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

function sample(takenAt: number, counters: Record<string, bigint> = {}): StoredSample {
  return { takenAt, counters: new Map(Object.entries(counters)) };
}

function previousOf(result: ExchangeResult): StoredSample | undefined {
  return result.outcome === 'stored' ? result.previous : undefined;
}

const FIXED_NOW = Date.parse('2026-01-02T03:04:05.678Z');

describeWithMoto('DynamoDbSampleStore against moto', () => {
  let tableName: string;
  let store: DynamoDbSampleStore;
  beforeAll(async () => {
    tableName = uniqueName('mptcp-state');
    await createStateTable(tableName);
    store = new DynamoDbSampleStore({ tableName, client: createDynamoDbClient(), now: () => FIXED_NOW });
  });

  it('stores the first sample and reports no previous one', async () => {
    const appliance = uniqueName('ns');

    const result = await store.exchange(appliance, sample(1_000, { mptcptotmpcapsession: 42n }));

    expect(result).toEqual({ outcome: 'stored' });
  });

  it('writes the item layout of the contract', async () => {
    const appliance = uniqueName('ns');

    await store.exchange(appliance, sample(1_700_000_000_123, { mptcptotmpcapsession: 42n, mptcperrfastclose: 0n }));

    expect(await getStateItem(tableName, appliance)).toEqual({
      appliance: { S: appliance },
      takenAt: { N: '1700000000123' },
      counters: { M: { mptcptotmpcapsession: { S: '42' }, mptcperrfastclose: { S: '0' } } },
      updatedAt: { S: '2026-01-02T03:04:05.678Z' },
      schemaVersion: { N: '1' },
    });
  });

  it('returns the previous sample when storing a newer one', async () => {
    const appliance = uniqueName('ns');
    await store.exchange(appliance, sample(1_000, { a: 1n, b: 2n }));

    const second = await store.exchange(appliance, sample(2_000, { a: 5n, b: 7n }));
    const third = await store.exchange(appliance, sample(3_000, { a: 9n }));

    expect(second).toEqual({ outcome: 'stored', previous: sample(1_000, { a: 1n, b: 2n }) });
    expect(third).toEqual({ outcome: 'stored', previous: sample(2_000, { a: 5n, b: 7n }) });
  });

  it('reports superseded, and keeps the stored sample, for a sample as old as the stored one', async () => {
    const appliance = uniqueName('ns');
    await store.exchange(appliance, sample(5_000, { a: 1n }));

    expect(await store.exchange(appliance, sample(5_000, { a: 2n }))).toEqual({ outcome: 'superseded' });
    expect(await store.exchange(appliance, sample(4_999, { a: 3n }))).toEqual({ outcome: 'superseded' });
    expect(previousOf(await store.exchange(appliance, sample(5_001, { a: 4n })))).toEqual(sample(5_000, { a: 1n }));
  });

  it('gives the stored sample to exactly one of two concurrent exchanges', async () => {
    // Run the race on several appliances so that both orders of arrival are likely to happen.
    const appliances = Array.from({ length: 8 }, () => uniqueName('race'));
    await Promise.all(appliances.map((appliance) => store.exchange(appliance, sample(1_000, { a: 10n }))));

    await Promise.all(
      appliances.map(async (appliance) => {
        const [newer, older] = await Promise.all([
          store.exchange(appliance, sample(3_000, { a: 30n })),
          store.exchange(appliance, sample(2_000, { a: 20n })),
        ]);
        const gotOriginal = [newer, older].filter((result) => previousOf(result)?.takenAt === 1_000);
        expect(gotOriginal).toHaveLength(1);
        // The newer sample always wins: either it came first (the older one is superseded) or second (its
        // previous is the older one).
        expect(newer.outcome).toBe('stored');
        if (previousOf(newer)?.takenAt !== 1_000) expect(previousOf(newer)).toEqual(sample(2_000, { a: 20n }));
        else expect(older).toEqual({ outcome: 'superseded' });
        expect((await getStateItem(tableName, appliance))?.['takenAt']).toEqual({ N: '3000' });
      }),
    );
  });

  it('keeps counters beyond 2^53 exact', async () => {
    const appliance = uniqueName('ns');
    const huge = {
      maxUint64: 18_446_744_073_709_551_615n,
      justAboveSafe: 9_007_199_254_740_993n,
      beyondUint64: 123_456_789_012_345_678_901_234_567_890n,
      zero: 0n,
    };
    await store.exchange(appliance, sample(1_000, huge));

    const item = await getStateItem(tableName, appliance);
    const result = await store.exchange(appliance, sample(2_000));

    expect(item?.['counters']?.M?.['justAboveSafe']).toEqual({ S: '9007199254740993' });
    expect(previousOf(result)).toEqual(sample(1_000, huge));
  });

  it('leaves out stored counter values that are not non-negative decimal integers', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '1' },
      counters: {
        M: {
          good: { S: '12345678901234567890' },
          leadingZeros: { S: '007' },
          negative: { S: '-1' },
          fraction: { S: '1.5' },
          exponent: { S: '1e3' },
          word: { S: 'NaN' },
          empty: { S: '' },
          spaced: { S: ' 5' },
          number: { N: '5' },
          list: { L: [] },
        },
      },
    });

    const previous = previousOf(await store.exchange(appliance, sample(2_000)));

    expect(previous).toEqual(sample(1_000, { good: 12_345_678_901_234_567_890n, leadingZeros: 7n }));
  });

  it('reports an item without counters as a previous sample without counters', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, { appliance: { S: appliance }, takenAt: { N: '1000' } });

    expect(previousOf(await store.exchange(appliance, sample(2_000)))).toEqual(sample(1_000));
  });

  it('replaces an item whose takenAt is unusable, reporting no previous sample', async () => {
    for (const takenAt of [{ S: '1000' }, { N: '-5' }, { N: '1.5' }]) {
      const appliance = uniqueName('ns');
      await putStateItem(tableName, { appliance: { S: appliance }, takenAt, counters: { M: { a: { S: '1' } } } });

      expect(await store.exchange(appliance, sample(2_000, { a: 2n }))).toEqual({ outcome: 'stored' });
      expect((await getStateItem(tableName, appliance))?.['takenAt']).toEqual({ N: '2000' });
    }
  });

  it('does not use a sample written in an unknown schema version', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '2' },
      counters: { M: { a: { S: '1' } } },
    });

    expect(await store.exchange(appliance, sample(2_000, { a: 2n }))).toEqual({ outcome: 'stored' });
  });

  it('fails with a state-error naming the appliance and the table when the table does not exist', async () => {
    const missingTable = uniqueName('no-such-table');
    const brokenStore = new DynamoDbSampleStore({ tableName: missingTable, client: createDynamoDbClient() });

    const error = await brokenStore.exchange('ns-lon-01', sample(1_000)).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(CollectorError);
    expect(error).toMatchObject({ errorClass: 'state-error', appliance: 'ns-lon-01' });
    expect((error as CollectorError).message).toContain('ns-lon-01');
    expect((error as CollectorError).message).toContain(missingTable);
    expect((error as CollectorError).message).toContain('ResourceNotFoundException');
  });
});

describe('DynamoDbSampleStore input checks', () => {
  // These fail before any call: the client is never used.
  const store = new DynamoDbSampleStore({ tableName: 'unused', client: createDynamoDbClient({ region: 'us-east-1' }) });

  it('refuses a negative counter as a bug', async () => {
    await expect(store.exchange('ns-01', sample(1_000, { a: -1n }))).rejects.toMatchObject({
      errorClass: 'internal',
      message: expect.stringContaining('counter a is negative'),
    });
  });

  it('refuses a sample time that is not epoch milliseconds', async () => {
    for (const takenAt of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(store.exchange('ns-01', sample(takenAt))).rejects.toMatchObject({ errorClass: 'internal' });
    }
  });

  it('refuses an empty table name', () => {
    expect(() => new DynamoDbSampleStore({ tableName: '' })).toThrow(/state table name is empty/);
  });
});
