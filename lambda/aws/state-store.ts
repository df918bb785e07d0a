/**
 * The previous sample of each appliance, in DynamoDB.
 *
 * One UpdateItem per exchange stores the new sample and returns the old one (ReturnValues ALL_OLD), on the
 * condition that nothing newer is stored: two overlapping runs can never both compute deltas against the same
 * sample, nor move the stored sample back in time.
 *
 * Item layout (schemaVersion 1), a contract with the deployed table (partition key `appliance`, String):
 *   appliance     S  the appliance name
 *   takenAt       N  when the sample was taken, epoch milliseconds
 *   counters      M  NITRO counter name -> S, the exact decimal value (counters exceed 2^53: never N)
 *   updatedAt     S  ISO 8601 time of the write
 *   schemaVersion N  1
 */
import { UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CollectorError } from '../errors.js';
import type { ExchangeResult, SampleStore, StoredSample } from '../pipeline/ports.js';
import { createDynamoDbClient } from './clients.js';

export const STATE_TABLE_PARTITION_KEY = 'appliance';
export const STATE_SCHEMA_VERSION = 1;

export interface DynamoDbSampleStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** Epoch milliseconds, for `updatedAt`; injected by tests. */
  readonly now?: () => number;
}

const DECIMAL_INTEGER = /^\d+$/;

export class DynamoDbSampleStore implements SampleStore {
  private readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly now: () => number;

  constructor(options: DynamoDbSampleStoreOptions) {
    if (options.tableName.length === 0) throw new CollectorError('configuration', 'the state table name is empty');
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDbClient();
    this.now = options.now ?? Date.now;
  }

  async exchange(appliance: string, sample: StoredSample): Promise<ExchangeResult> {
    const item = this.toAttributes(appliance, sample);
    let oldItem: Record<string, AttributeValue> | undefined;
    try {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression: 'SET #takenAt = :takenAt, #counters = :counters, #updatedAt = :updatedAt, #schemaVersion = :schemaVersion',
          // An item whose takenAt is missing or not a number cannot be compared: it is replaced, not left to
          // block every later sample.
          ConditionExpression:
            'attribute_not_exists(#takenAt) OR NOT attribute_type(#takenAt, :numberType) OR #takenAt < :takenAt',
          ExpressionAttributeNames: {
            '#takenAt': 'takenAt',
            '#counters': 'counters',
            '#updatedAt': 'updatedAt',
            '#schemaVersion': 'schemaVersion',
          },
          ExpressionAttributeValues: { ...item, ':numberType': { S: 'N' } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      oldItem = response.Attributes;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (name === 'ConditionalCheckFailedException') return { outcome: 'superseded' };
      const detail = error instanceof Error ? error.message : String(error);
      throw new CollectorError(
        'state-error',
        `${appliance}: storing the sample in state table ${this.tableName} failed: ${name}: ${detail}`,
        { appliance, cause: error },
      );
    }
    const previous = oldItem === undefined ? undefined : fromAttributes(oldItem);
    return previous === undefined ? { outcome: 'stored' } : { outcome: 'stored', previous };
  }

  private toAttributes(appliance: string, sample: StoredSample): Record<string, AttributeValue> {
    if (!Number.isSafeInteger(sample.takenAt) || sample.takenAt < 0) {
      throw new CollectorError('internal', `${appliance}: sample time ${sample.takenAt} is not epoch milliseconds`, { appliance });
    }
    const counters: Record<string, AttributeValue> = {};
    for (const [name, value] of sample.counters) {
      if (value < 0n) {
        throw new CollectorError('internal', `${appliance}: counter ${name} is negative (${value}); counters are cumulative`, {
          appliance,
        });
      }
      counters[name] = { S: value.toString() };
    }
    return {
      ':takenAt': { N: String(sample.takenAt) },
      ':counters': { M: counters },
      ':updatedAt': { S: new Date(this.now()).toISOString() },
      ':schemaVersion': { N: String(STATE_SCHEMA_VERSION) },
    };
  }
}

/**
 * The stored sample, or undefined when the item holds none this code can use (no valid takenAt, or a schema
 * version it does not know). Counter values that are not non-negative decimal integer strings are left out.
 */
function fromAttributes(item: Record<string, AttributeValue>): StoredSample | undefined {
  const schemaVersion = item['schemaVersion']?.N;
  if (schemaVersion !== undefined && Number(schemaVersion) !== STATE_SCHEMA_VERSION) return undefined;
  const takenAtText = item['takenAt']?.N;
  const takenAt = takenAtText === undefined ? Number.NaN : Number(takenAtText);
  if (!Number.isSafeInteger(takenAt) || takenAt < 0) return undefined;
  const counters = new Map<string, bigint>();
  for (const [name, value] of Object.entries(item['counters']?.M ?? {})) {
    const text = value.S;
    if (text !== undefined && DECIMAL_INTEGER.test(text)) counters.set(name, BigInt(text));
  }
  return { takenAt, counters };
}
