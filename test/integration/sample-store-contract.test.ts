import { beforeAll, describe, it } from 'vitest';
import { InMemorySampleStore } from '../../cli/in-memory-edges.js';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import type { SampleStore } from '../../lambda/core/ports.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, uniqueName } from '../support/moto-aws.js';
import { SAMPLE_STORE_CONTRACT } from '../support/sample-store-contract.js';

/** Every case of the contract against one store (those it can keep), each with an appliance of its own. */
function contractCases(open: () => SampleStore | Promise<SampleStore>, guarantees: { atomicWrites: boolean }): void {
  let store: SampleStore;
  beforeAll(async () => {
    store = await open();
  });
  for (const { name, check, needsAtomicWrites } of SAMPLE_STORE_CONTRACT) {
    if (needsAtomicWrites && !guarantees.atomicWrites) continue;
    it(name, () => check(store, uniqueName('ns')));
  }
}

describeWithMoto('SampleStore contract: DynamoDbSampleStore (production) against moto', () => {
  contractCases(
    async () => {
      const tableName = uniqueName('mptcp-state');
      await createStateTable(tableName);
      return new DynamoDbSampleStore({ tableName, client: createDynamoDbClient() });
    },
    // DynamoDB's conditional writes are atomic; moto_server's are not (see needsAtomicWrites).
    { atomicWrites: false },
  );
});

describe('SampleStore contract: InMemorySampleStore (npm start, npm run collect)', () => {
  contractCases(() => new InMemorySampleStore(), { atomicWrites: true });
});
