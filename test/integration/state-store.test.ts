import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { encodeCounters } from '../../lambda/core/counter-codec.js';
import { STATE_TTL_SECONDS } from '../../lambda/core/state-rules.js';
import { CollectorError } from '../../lambda/errors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';
import { claimBy, interval, state } from '../support/sample-store-contract.js';

const FIXED_NOW = Date.parse('2026-01-02T03:04:05.678Z');

// The semantics every store shares (claim, busy, superseded, takeover, commit, lease lost) are in the SampleStore
// contract (test/support/sample-store-contract.ts); these are the DynamoDB store's own: item layout, old and
// unusable items, errors, deadlines.
describeWithMoto('DynamoDbSampleStore against moto', () => {
  let tableName: string;
  let store: DynamoDbSampleStore;
  beforeAll(async () => {
    tableName = uniqueName('mptcp-state');
    await createStateTable(tableName);
    store = new DynamoDbSampleStore({ tableName, client: createDynamoDbClient(), now: () => FIXED_NOW });
  });

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
      counters: { B: encodeCounters(new Map([['mptcptotmpcapsession', 42n]])) },
      heldSince: { M: { mptcperrfastclose: { N: '1700000000000' } } },
      unpublished: { L: [] },
      updatedAt: { S: '2026-01-02T03:04:05.678Z' },
      committedBy: { S: 'run-1' },
      schemaVersion: { N: '3' },
      expiresAt: { N: String(Math.floor(FIXED_NOW / 1000) + STATE_TTL_SECONDS) },
    });
  });

  it('records the claimed sample with the lease, keeps both through a keepLease commit, and clears them with the final one', async () => {
    const appliance = uniqueName('ns');
    await store.claim(appliance, { ...claimBy('run-1', 5_000), counters: new Map([['a', 7n]]) });
    expect(await getStateItem(tableName, appliance)).toMatchObject({
      pendingTakenAt: { N: '5000' },
      pendingCounters: { B: encodeCounters(new Map([['a', 7n]])) },
    });
    expect(await store.commit(appliance, 'run-1', state(4_000, { a: 6n }), { keepLease: true })).toEqual({ outcome: 'committed' });
    expect(await getStateItem(tableName, appliance)).toMatchObject({
      takenAt: { N: '4000' },
      leaseOwner: { S: 'run-1' },
      pendingTakenAt: { N: '5000' },
    });
    expect(await store.commit(appliance, 'run-1', state(5_000, { a: 7n }))).toEqual({ outcome: 'committed' });
    const item = (await getStateItem(tableName, appliance))!;
    expect(Object.keys(item)).not.toEqual(expect.arrayContaining(['leaseOwner']));
    for (const gone of ['leaseOwner', 'leaseUntil', 'pendingTakenAt', 'pendingCounters']) expect(item[gone]).toBeUndefined();
  });

  it('refreshes the TTL attribute expiresAt (epoch seconds) with every claim and commit', async () => {
    const appliance = uniqueName('ns');
    await store.claim(appliance, claimBy('run-1', 5_000, 1_000_000));
    expect((await getStateItem(tableName, appliance))!['expiresAt']).toEqual({ N: String(1_000 + STATE_TTL_SECONDS) });
    await store.commit(appliance, 'run-1', state(5_000));
    expect((await getStateItem(tableName, appliance))!['expiresAt']).toEqual({
      N: String(Math.floor(FIXED_NOW / 1000) + STATE_TTL_SECONDS),
    });
  });

  it('reads two unpublished entries at the same time as one, summed (none lost), and keeps unanswered counts apart', async () => {
    const appliance = uniqueName('ns');
    const entry = (takenAt: number, a: string, unanswered?: number): AttributeValue => ({
      M: {
        takenAt: { N: String(takenAt) },
        deltas: { M: { a: { S: a } } },
        ...(unanswered ? { unanswered: { N: String(unanswered) } } : {}),
      },
    });
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '2' },
      counters: { M: {} },
      unpublished: { L: [entry(900, '2'), entry(900, '3'), entry(900, '4', 1)] },
    });
    const claim = await store.claim(appliance, claimBy('run-1', 2_000));
    expect(claim.outcome === 'claimed' && claim.previous?.unpublished).toEqual([
      interval(900, { a: 5n }),
      { ...interval(900, { a: 4n }), unanswered: 1 },
    ]);
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
    expect(await store.claim(appliance, claimBy('run-1', 2_000))).toEqual({
      outcome: 'claimed',
      previous: state(1_000, { a: 12_345_678_901_234_567_890n }),
    });
  });

  it('reads a version 2 item (counters as decimal strings) and its lease, and rewrites it compactly on commit', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '2' },
      counters: { M: { mptcptotmpcapsession: { S: '12345678901234567890' }, a: { S: '5' } } },
      heldSince: { M: { a: { N: '900' } } },
      unpublished: { L: [{ M: { takenAt: { N: '1000' }, deltas: { M: { mptcptotmpcapsession: { S: '3' } } } } }] },
      updatedAt: { S: '2026-01-01T00:00:00.000Z' },
      committedBy: { S: 'old-run' },
      // A run of the previous release claimed and never committed: its lease has expired.
      leaseOwner: { S: 'old-run-2' },
      leaseUntil: { N: '9000' },
      pendingTakenAt: { N: '1500' },
      pendingCounters: { M: { mptcptotmpcapsession: { S: '12345678901234567899' }, a: { S: '5' } } },
      pendingNodeTranstime: { S: 'Mon Dec  7 03:30:14 2026' },
    });
    const previous = state(
      1_000,
      { mptcptotmpcapsession: 12_345_678_901_234_567_890n, a: 5n },
      { heldSince: new Map([['a', 900]]), unpublished: [interval(1_000, { mptcptotmpcapsession: 3n })] },
    );
    expect(
      await store.claim(appliance, {
        ...claimBy('run-1', 2_000),
        counters: new Map([['mptcptotmpcapsession', 12_345_678_901_234_567_999n]]),
      }),
    ).toEqual({
      outcome: 'claimed',
      previous,
      takenOver: {
        owner: 'old-run-2',
        pending: {
          takenAt: 1_500,
          counters: new Map([
            ['mptcptotmpcapsession', 12_345_678_901_234_567_899n],
            ['a', 5n],
          ]),
          node: { transtime: 'Mon Dec  7 03:30:14 2026' },
        },
      },
    });
    const next = state(2_000, { mptcptotmpcapsession: 12_345_678_901_234_567_999n, a: 5n }, { heldSince: new Map([['a', 900]]) });
    expect(await store.commit(appliance, 'run-1', next)).toEqual({ outcome: 'committed' });
    const item = (await getStateItem(tableName, appliance))!;
    expect(item).toMatchObject({ schemaVersion: { N: '3' }, counters: { B: encodeCounters(next.counters) } });
    for (const gone of ['leaseOwner', 'pendingCounters', 'pendingNodeTranstime']) expect(item[gone]).toBeUndefined();
    expect(await store.claim(appliance, claimBy('run-2', 3_000))).toEqual({ outcome: 'claimed', previous: next });
  });

  it('reads a version 2 item that this release claimed and did not commit: committed counters as strings, pending as Binary', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '2' },
      counters: { M: { a: { S: '12345678901234567890' } } },
    });
    await store.claim(appliance, { ...claimBy('run-1', 2_000), counters: new Map([['a', 12_345_678_901_234_567_891n]]) });
    expect(await store.claim(appliance, claimBy('run-2', 3_000, 100_000))).toEqual({
      outcome: 'claimed',
      previous: state(1_000, { a: 12_345_678_901_234_567_890n }),
      takenOver: { owner: 'run-1', pending: { takenAt: 2_000, counters: new Map([['a', 12_345_678_901_234_567_891n]]) } },
    });
  });

  it('reads a lease an older release took on a version 3 item (its pending counters as decimal strings)', async () => {
    const appliance = uniqueName('ns');
    await store.claim(appliance, claimBy('run-1', 1_000));
    await store.commit(appliance, 'run-1', state(1_000, { a: 1n }));
    await putStateItem(tableName, {
      ...(await getStateItem(tableName, appliance))!,
      leaseOwner: { S: 'old-release-run' },
      leaseUntil: { N: '9000' },
      pendingTakenAt: { N: '1500' },
      pendingCounters: { M: { a: { S: '2' } } },
    });
    expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({
      outcome: 'claimed',
      previous: state(1_000, { a: 1n }),
      takenOver: { owner: 'old-release-run', pending: { takenAt: 1_500, counters: new Map([['a', 2n]]) } },
    });
  });

  it('reads Binary counters that are not the encoding as none: no committed counters, no pending sample', async () => {
    const appliance = uniqueName('ns');
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '3' },
      counters: { B: Uint8Array.from([9, 9, 9]) },
      leaseOwner: { S: 'run-0' },
      leaseUntil: { N: '9000' },
      pendingTakenAt: { N: '1500' },
      pendingCounters: { B: Uint8Array.from([1, 5]) },
    });
    expect(await store.claim(appliance, claimBy('run-1', 2_000))).toEqual({
      outcome: 'claimed',
      previous: state(1_000),
      takenOver: { owner: 'run-0' },
    });
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
        L: [
          { M: { takenAt: { N: '900' }, deltas: { M: { good: { S: '4' }, bad: { S: 'x' } } } } },
          { M: { takenAt: { S: 'x' } } },
          { S: 'junk' },
        ],
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
    await putStateItem(tableName, {
      appliance: { S: appliance },
      takenAt: { N: '1000' },
      schemaVersion: { N: '4' },
      counters: { B: encodeCounters(new Map([['a', 1n]])) },
    });
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
      const error = await slow
        .claim(uniqueName('ns'), claimBy('run-1', 1_000), { signal: AbortSignal.timeout(300) })
        .catch((e: unknown) => e);
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
