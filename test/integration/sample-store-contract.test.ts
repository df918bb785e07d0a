import { beforeAll, describe, it } from 'vitest';
import { InMemorySampleStore } from '../../cli/in-memory-edges.js';
import { createDynamoDbClient } from '../../lambda/aws/clients.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import type { SampleStore } from '../../lambda/core/ports.js';
import { describeWithMoto } from '../support/moto.js';
import { createStateTable, uniqueName } from '../support/moto-aws.js';
import { SAMPLE_STORE_CONTRACT } from '../support/sample-store-contract.js';

/** Every case of the contract against one store, each with an appliance of its own. */
function contractCases(open: () => SampleStore | Promise<SampleStore>): void {
  let store: SampleStore;
  beforeAll(async () => {
    store = await open();
  });
  for (const { name, check } of SAMPLE_STORE_CONTRACT) it(name, () => check(store, uniqueName('ns')));
}

describeWithMoto('SampleStore contract: DynamoDbSampleStore (production) against moto', () => {
  contractCases(async () => {
    const tableName = uniqueName('mptcp-state');
    await createStateTable(tableName);
    return new DynamoDbSampleStore({ tableName, client: createDynamoDbClient() });
  });
});

describe('SampleStore contract: InMemorySampleStore (npm start, npm run collect)', () => {
  contractCases(() => new InMemorySampleStore());
});
