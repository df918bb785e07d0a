import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import type { ClaimRequest, CounterInterval, StoredState } from '../../lambda/core/ports.js';
import { CollectorError } from '../../lambda/errors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

function state(takenAt: number, counters: Record<string, bigint> = {}, extra: Partial<StoredState> = {}): StoredState {
  return { takenAt, counters: new Map(Object.entries(counters)), heldSince: new Map(), unpublished: [], ...extra };
}

function interval(takenAt: number, deltas: Record<string, bigint>): CounterInterval {
  return { takenAt, deltas: new Map(Object.entries(deltas)) };
}

const FIXED_NOW = Date.parse('2026-01-02T03:04:05.678Z');
const claimBy = (owner: string, takenAt: number, now = 10_000): ClaimRequest => ({ owner, takenAt, leaseUntil: now + 55_000, now });

describeWithMoto('DynamoDbSampleStore against moto', () => {
  let tableName: string;
  let store: DynamoDbSampleStore;
  beforeAll(async () => {
    tableName = uniqueName('mptcp-state');
    await createStateTable(tableName);
    store = new DynamoDbSampleStore({ tableName, client: createDynamoDbClient(), now: () => FIXED_NOW });
  });

  /** Claims as `owner` and commits `next`: one whole run. */
  const run = async (appliance: string, owner: string, next: StoredState) => {
    const claim = await store.claim(appliance, claimBy(owner, next.takenAt));
    expect(claim.outcome).toBe('claimed');
    expect(await store.commit(appliance, owner, next)).toEqual({ outcome: 'committed' });
    return claim;
  };

  it('claims a new appliance with no previous state, and commits the first sample with its layout', async () => {
    const appliance = uniqueName('ns');
    expect(await store.claim(appliance, claimBy('run-1', 1_700_000_000_123))).toEqual({ outcome: 'claimed' });
    const leased = await getStateItem(tableName, appliance);
    expect(leased).toMatchObject({ leaseOwner: { S: 'run-1' }, leaseUntil: { N: '65000' } });

    await store.commit(
      appliance,
      'run-1',
      state(1_700_000_000_123, { mptcptotmpcapsession: 42n }, { heldSince: new Map([['mptcperrfastclose', 1_700_000_000_000]]) }),
    );
    const item = await getStateItem(tableName, appliance);
    expect(item).toEqual({
      appliance: { S: appliance },
      takenAt: { N: '1700000000123' },
      counters: { M: { mptcptotmpcapsession: { S: '42' } } },
      heldSince: { M: { mptcperrfastclose: { N: '1700000000000' } } },
      unpublished: { L: [] },
      updatedAt: { S: '2026-01-02T03:04:05.678Z' },
      committedBy: { S: 'run-1' },
      schemaVersion: { N: '2' },
    });
  });

  it('returns what the previous run committed, unpublished increases included, exactly', async () => {
    const appliance = uniqueName('ns');
    const unpublished = [interval(1_000, { a: 9_007_199_254_740_993n }), interval(2_000, { a: 3n, b: 0n })];
    await run(appliance, 'run-1', state(2_000, { a: 18_446_744_073_709_551_615n, b: 7n }, { unpublished, heldSince: new Map([['c', 500]]) }));
    const claim = await store.claim(appliance, claimBy('run-2', 3_000));
    expect(claim).toEqual({
      outcome: 'claimed',
      previous: state(2_000, { a: 18_446_744_073_709_551_615n, b: 7n }, { unpublished, heldSince: new Map([['c', 500]]) }),
    });
  });

  it('tells an overlapping run that the state is busy, and lets the owner claim again (a retried claim)', async () => {
    const appliance = uniqueName('ns');
    await run(appliance, 'run-1', state(1_000, { a: 1n }));
    expect((await store.claim(appliance, claimBy('run-2', 2_000))).outcome).toBe('claimed');
    expect(await store.claim(appliance, claimBy('run-3', 2_001))).toEqual({ outcome: 'busy' });
    // run-2's first answer was lost and the SDK retried: the previous state is still there for it.
    expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({ outcome: 'claimed', previous: state(1_000, { a: 1n }) });
    expect(await store.commit(appliance, 'run-3', state(2_001))).toEqual({ outcome: 'lease-lost' });
  });

  it('gives the state to exactly one of many concurrent claims', async () => {
    const appliance = uniqueName('ns');
    await run(appliance, 'run-0', state(1_000, { a: 1n }));
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(appliance, claimBy(`run-${i + 1}`, 2_000 + i))));
    expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === 'busy')).toHaveLength(7);
  });

  it('refuses a sample not newer than the stored one (superseded), free or leased', async () => {
    const appliance = uniqueName('ns');
    await run(appliance, 'run-1', state(5_000, { a: 1n }));
    expect(await store.claim(appliance, claimBy('run-2', 5_000))).toEqual({ outcome: 'superseded' });
    expect(await store.claim(appliance, claimBy('run-2', 4_999))).toEqual({ outcome: 'superseded' });
    expect((await store.claim(appliance, claimBy('run-3', 5_001))).outcome).toBe('claimed');
  });

  it('takes over a lease that expired without a commit, and says so', async () => {
    const appliance = uniqueName('ns');
    await run(appliance, 'run-1', state(1_000, { a: 1n }));
    await store.claim(appliance, { owner: 'crashed', takenAt: 2_000, leaseUntil: 60_000, now: 10_000 });
    expect(await store.claim(appliance, { owner: 'run-3', takenAt: 3_000, leaseUntil: 120_000, now: 59_999 })).toEqual({ outcome: 'busy' });
    expect(await store.claim(appliance, { owner: 'run-3', takenAt: 3_000, leaseUntil: 130_000, now: 60_001 })).toEqual({
      outcome: 'claimed',
      previous: state(1_000, { a: 1n }),
      takenOver: { owner: 'crashed' },
    });
    expect(await store.commit(appliance, 'crashed', state(2_000))).toEqual({ outcome: 'lease-lost' });
    expect(await store.commit(appliance, 'run-3', state(3_000, { a: 3n }))).toEqual({ outcome: 'committed' });
  });

  it('treats a repeated commit by the same run as done (its first answer was lost)', async () => {
    const appliance = uniqueName('ns');
    await run(appliance, 'run-1', state(1_000, { a: 1n }));
    expect(await store.commit(appliance, 'run-1', state(1_000, { a: 1n }))).toEqual({ outcome: 'committed' });
    expect(await store.commit(appliance, 'run-1', state(9_000, { a: 1n }))).toEqual({ outcome: 'lease-lost' });
  });

  it('reads version 1 items (no heldSince, no unpublished) written by the previous release', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '1' },
      updatedAt: { S: '2026-01-01T00:00:00.000Z' },
      counters: { M: { a: { S: '12345678901234567890' } } },
    });
    expect(await store.claim(appliance, claimBy('run-1', 2_000))).toEqual({ outcome: 'claimed', previous: state(1_000, { a: 12_345_678_901_234_567_890n }) });
  });

  it('leaves out stored values that are not what this code writes, never guessing', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '2' },
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
      heldSince: { M: { good: { N: '900' }, bad: { S: '900' }, negative: { N: '-1' } } },
      unpublished: {
        L: [{ M: { takenAt: { N: '900' }, deltas: { M: { good: { S: '4' }, bad: { S: 'x' } } } } }, { M: { takenAt: { S: 'x' } } }, { S: 'junk' }],
      },
    });
    const claim = await store.claim(appliance, claimBy('run-1', 2_000));
    expect(claim).toEqual({
      outcome: 'claimed',
      previous: state(
        1_000,
        { good: 12_345_678_901_234_567_890n, leadingZeros: 7n },
        { heldSince: new Map([['good', 900]]), unpublished: [interval(900, { good: 4n })] },
      ),
    });
  });

  it('takes over an item whose takenAt or lease is unusable, reporting no previous state', async () => {
    const brokenItems: Record<string, AttributeValue>[] = [
      { takenAt: { S: '1000' } },
      { takenAt: { N: '-5' } },
      { takenAt: { N: '1.5' } },
      { takenAt: { N: '1000' }, leaseOwner: { S: 'x' }, leaseUntil: { S: 'never' } },
    ];
    for (const broken of brokenItems) {
      const appliance = uniqueName('ns');
      await putStateItem(tableName, { appliance: { S: appliance }, counters: { M: { a: { S: '1' } } }, ...broken });
      const claim = await store.claim(appliance, claimBy('run-1', 2_000));
      expect(claim.outcome).toBe('claimed');
      if (broken['takenAt']?.N === '1000') expect(claim).toMatchObject({ previous: state(1_000, { a: 1n }) });
      else expect(claim).toEqual({ outcome: 'claimed' });
    }
  });

  it('does not use a state written in an unknown (newer) schema version', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, { appliance: { S: appliance }, takenAt: { N: '1000' }, schemaVersion: { N: '3' }, counters: { M: { a: { S: '1' } } } });
    expect(await store.claim(appliance, claimBy('run-1', 2_000))).toEqual({ outcome: 'claimed' });
  });

  it('fails with a state-error naming the appliance and the table when the table does not exist', async () => {
    const missingTable = uniqueName('no-such-table');
    const brokenStore = new DynamoDbSampleStore({ tableName: missingTable, client: createDynamoDbClient() });

    const error = await brokenStore.claim('ns-lon-01', claimBy('run-1', 1_000)).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(CollectorError);
    expect(error).toMatchObject({ errorClass: 'state-error', appliance: 'ns-lon-01' });
    expect((error as CollectorError).message).toContain('ns-lon-01');
    expect((error as CollectorError).message).toContain(missingTable);
    expect((error as CollectorError).message).toContain('ResourceNotFoundException');
  });

  it("gives up at the caller's deadline when DynamoDB does not answer", async () => {
    const hang = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, () => ({ kind: 'hang' }));
    try {
      const slow = new DynamoDbSampleStore({ tableName, client: new DynamoDBClient({ endpoint: hang.endpoint }) });
      const started = Date.now();
      const error = await slow.claim(uniqueName('ns'), claimBy('run-1', 1_000), { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toMatchObject({ errorClass: 'state-error' });
    } finally {
      await hang.stop();
    }
  });
});

describe('DynamoDbSampleStore input checks', () => {
  // These fail before any call: the client is never used.
  const store = new DynamoDbSampleStore({ tableName: 'unused', client: createDynamoDbClient({ region: 'us-east-1' }) });

  it('refuses a negative counter or increase as a bug', async () => {
    await expect(store.commit('ns-01', 'run', state(1_000, { a: -1n }))).rejects.toMatchObject({
      errorClass: 'internal',
      message: expect.stringContaining('counter a is negative'),
    });
    await expect(store.commit('ns-01', 'run', state(1_000, {}, { unpublished: [interval(900, { b: -2n })] }))).rejects.toMatchObject({
      errorClass: 'internal',
    });
  });

  it('refuses times that are not epoch milliseconds', async () => {
    for (const takenAt of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(store.commit('ns-01', 'run', state(takenAt))).rejects.toMatchObject({ errorClass: 'internal' });
      await expect(store.claim('ns-01', claimBy('run', takenAt))).rejects.toMatchObject({ errorClass: 'internal' });
    }
  });

  it('refuses an empty table name', () => {
    expect(() => new DynamoDbSampleStore({ tableName: '' })).toThrow(/state table name is empty/);
  });
});
