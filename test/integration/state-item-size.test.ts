/**
 * The state item's size, measured: written by the store to moto_server, read back with GetItem and sized by
 * DynamoDB's rules (lambda/aws/item-size.ts, which the cost estimate uses too). Each run writes the item twice,
 * and DynamoDB bills each UpdateItem on the larger of the item before and after it: the claim goes from the
 * committed item to the held one (committed and pending sample, and the lease), the commit back.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { itemBytes, writeUnits } from '../../lambda/aws/item-size.js';
import { DynamoDbSampleStore, stateItem } from '../../lambda/aws/state-store.js';
import { fieldsOfFirmware } from '../../lambda/catalog/catalog.js';
import type { ClaimRequest, StoredState } from '../../lambda/core/ports.js';
import { expiresAt } from '../../lambda/core/state-rules.js';
import { startSimulator } from '../../simulator/index.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, getStateItem, putStateItem, uniqueName } from '../support/moto-aws.js';

const MINUTE = 60_000;
const TAKEN_AT = Date.parse('2026-03-01T12:00:00.000Z');
const TRANSTIME = 'Mon Dec  7 03:30:14 2026';

interface Run {
  readonly claimedBytes: number;
  readonly heldBytes: number;
  readonly committedBytes: number;
  readonly claimUnits: number;
  readonly commitUnits: number;
}

/** The counters of the simulator's default appliance (firmware 13.1: 73), each made a 10-digit value. */
async function simulatorSample(): Promise<Map<string, bigint>[]> {
  const sim = await startSimulator();
  try {
    const counters = fieldsOfFirmware('13.1').filter((m) => m.kind === 'counter');
    const sample = () => new Map(counters.map((m) => [m.nitroName, 1_000_000_000n + sim.getCounters()[m.nitroName]!]));
    const first = sample();
    sim.advance(60);
    return [first, sample()];
  } finally {
    await sim.close();
  }
}

describeWithMoto('the state item, measured', () => {
  let tableName: string;
  let clock: number;
  let store: DynamoDbSampleStore;
  beforeAll(async () => {
    tableName = uniqueName('state');
    await createStateTable(tableName);
    store = new DynamoDbSampleStore({ tableName, client: createDynamoDbClient(), now: () => clock });
  });

  const claimOf = (owner: string, takenAt: number, counters: ReadonlyMap<string, bigint>, node: boolean): ClaimRequest => ({
    owner,
    takenAt,
    leaseUntil: clock + 65_000,
    now: clock,
    counters,
    ...(node && { node: { transtime: TRANSTIME } }),
  });
  const stateOf = (takenAt: number, counters: ReadonlyMap<string, bigint>, node: boolean): StoredState => ({
    takenAt,
    counters,
    heldSince: new Map(),
    unpublished: [],
    ...(node && { node: { transtime: TRANSTIME } }),
  });
  const measured = async (appliance: string) => itemBytes((await getStateItem(tableName, appliance))!);

  /** A run that committed `first`, then one that claims with `second` and commits it: what each write bills. */
  async function twoRuns(appliance: string, first: Map<string, bigint>, second: Map<string, bigint>, node: boolean): Promise<Run> {
    const [owner1, owner2] = [randomUUID(), randomUUID()];
    clock = TAKEN_AT + 1_000;
    await store.claim(appliance, claimOf(owner1, TAKEN_AT, first, node));
    await store.commit(appliance, owner1, stateOf(TAKEN_AT, first, node));
    const claimedBytes = await measured(appliance);
    const committedAt = clock;
    clock += MINUTE;
    const claim = claimOf(owner2, TAKEN_AT + MINUTE, second, node);
    await store.claim(appliance, claim);
    const held = (await getStateItem(tableName, appliance))!;
    // The layout the cost estimate sizes is the one the store writes.
    expect(held).toEqual(stateItem(appliance, { state: stateOf(TAKEN_AT, first, node), owner: owner1, now: committedAt }, claim));
    const heldBytes = itemBytes(held);
    await store.commit(appliance, owner2, stateOf(TAKEN_AT + MINUTE, second, node));
    const committedBytes = await measured(appliance);
    return {
      claimedBytes,
      heldBytes,
      committedBytes,
      claimUnits: writeUnits(claimedBytes, heldBytes),
      commitUnits: writeUnits(heldBytes, committedBytes),
    };
  }

  const report = (what: string, run: Run) =>
    console.info(
      `${what}: committed ${run.claimedBytes} B, held ${run.heldBytes} B, committed again ${run.committedBytes} B: ` +
        `claim ${run.claimUnits} WRU, commit ${run.commitUnits} WRU`,
    );

  it('bills the claim and the commit at most 2 write units each for the simulator default appliance with 10-digit counters', async () => {
    const [first, second] = await simulatorSample();
    expect(first!.size).toBe(73);
    for (const value of first!.values()) expect(value.toString()).toHaveLength(10);
    const standalone = await twoRuns('ns-prod-lon-01', first!, second!, false);
    const haPair = await twoRuns('ns-prod-lon-02', first!, second!, true);
    report('simulator default appliance, 73 counters of 10 digits, standalone', standalone);
    report('simulator default appliance, 73 counters of 10 digits, HA pair', haPair);
    for (const run of [standalone, haPair]) {
      expect(run.claimUnits).toBeLessThanOrEqual(2);
      expect(run.commitUnits).toBeLessThanOrEqual(2);
    }
  });

  it('bills at most 2 write units each in the worst case: every counter of firmware 14.1 near 2^64, an HA pair', async () => {
    const names = fieldsOfFirmware('14.1')
      .filter((m) => m.kind === 'counter')
      .map((m) => m.nitroName);
    // From 2^63 on a value takes 10 bytes: the most a 64-bit counter can take.
    const first = new Map(names.map((name, i) => [name, 2n ** 63n + 1000n * BigInt(i)]));
    const second = new Map(names.map((name, i) => [name, 2n ** 64n - 1n - BigInt(i)]));
    const worst = await twoRuns('ns-prod-lon-03', first, second, true);
    report(`every counter (${names.length}) at 2^63 and more, HA pair`, worst);
    expect(worst.claimUnits).toBeLessThanOrEqual(2);
    expect(worst.commitUnits).toBeLessThanOrEqual(2);
  });

  it('was 5 write units each in the layout of schemaVersion 2 (counters as decimal strings), for comparison', async () => {
    const [first, second] = await simulatorSample();
    const decimal = (counters: Map<string, bigint>): AttributeValue => ({
      M: Object.fromEntries([...counters].map(([name, v]) => [name, { S: v.toString() }])),
    });
    const appliance = 'ns-prod-lon-04';
    const committed: Record<string, AttributeValue> = {
      appliance: { S: appliance },
      takenAt: { N: String(TAKEN_AT) },
      counters: decimal(first!),
      heldSince: { M: {} },
      unpublished: { L: [] },
      updatedAt: { S: new Date(TAKEN_AT + 1_000).toISOString() },
      committedBy: { S: randomUUID() },
      schemaVersion: { N: '2' },
      expiresAt: { N: String(expiresAt(TAKEN_AT + 1_000)) },
    };
    await putStateItem(tableName, committed);
    const claimedBytes = await measured(appliance);
    await putStateItem(tableName, {
      ...committed,
      leaseOwner: { S: randomUUID() },
      leaseUntil: { N: String(TAKEN_AT + MINUTE + 66_000) },
      pendingTakenAt: { N: String(TAKEN_AT + MINUTE) },
      pendingCounters: decimal(second!),
    });
    const heldBytes = await measured(appliance);
    const old: Run = {
      claimedBytes,
      heldBytes,
      committedBytes: claimedBytes,
      claimUnits: writeUnits(claimedBytes, heldBytes),
      commitUnits: writeUnits(heldBytes, claimedBytes),
    };
    report('schemaVersion 2 layout, the same sample, standalone', old);
    expect([old.claimUnits, old.commitUnits]).toEqual([5, 5]);
  });
});
