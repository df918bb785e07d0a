/**
 * The state of each appliance between runs, in DynamoDB: its last sample and the increases CloudWatch has not
 * confirmed yet.
 *
 * A run takes the item with a lease before it publishes, and commits the new state (which also releases the
 * lease) after it published. Two overlapping runs can therefore never both publish the same increase, and an
 * increase leaves the item only once CloudWatch confirmed it. Both writes are one conditional UpdateItem each.
 *
 * Item layout (schemaVersion 2), a contract with the deployed table (partition key `appliance`, String):
 *   appliance     S  the appliance name
 *   takenAt       N  when the last committed sample was taken, epoch milliseconds
 *   counters      M  NITRO counter name -> S, the exact decimal value (counters exceed 2^53: never N)
 *   heldSince     M  counter name -> N: for counters the last sample lacked, when their value was taken
 *   unpublished   L  of M {takenAt N, deltas M name -> S}: increases not confirmed by CloudWatch, oldest first
 *   updatedAt     S  ISO 8601 time of the last commit
 *   committedBy   S  the run that made the last commit
 *   schemaVersion N  2 (items of version 1, without heldSince and unpublished, are read as well)
 *   leaseOwner    S  while a run holds the item: its id
 *   leaseUntil    N  while a run holds the item: epoch ms after which another run may take it over
 */
import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_PARTITION_KEY } from '../config/environment.js';
import type { ClaimRequest, ClaimResult, CommitResult, CounterInterval, SampleStore, StoredState } from '../core/ports.js';
import { claimRequestProblem, storedStateProblem } from '../core/state-checks.js';
import { CollectorError } from '../errors.js';
import { createDynamoDbClient } from './clients.js';

export { STATE_TABLE_PARTITION_KEY };
export const STATE_SCHEMA_VERSION = 2;
const READABLE_SCHEMA_VERSIONS = new Set([1, 2]);

export interface DynamoDbSampleStoreOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** Epoch milliseconds, for `updatedAt`; injected by tests. */
  readonly now?: () => number;
}

const DECIMAL_INTEGER = /^\d+$/;
const NAMES = {
  '#takenAt': 'takenAt',
  '#counters': 'counters',
  '#heldSince': 'heldSince',
  '#unpublished': 'unpublished',
  '#updatedAt': 'updatedAt',
  '#committedBy': 'committedBy',
  '#schemaVersion': 'schemaVersion',
  '#leaseOwner': 'leaseOwner',
  '#leaseUntil': 'leaseUntil',
} as const;
type Name = keyof typeof NAMES;

function names(...used: Name[]): Record<string, string> {
  return Object.fromEntries(used.map((name) => [name, NAMES[name]]));
}

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

  async claim(appliance: string, request: ClaimRequest, options: { signal?: AbortSignal } = {}): Promise<ClaimResult> {
    const problem = claimRequestProblem(request);
    if (problem !== undefined) throw new CollectorError('internal', `${appliance}: ${problem}`, { appliance });
    try {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression: 'SET #leaseOwner = :owner, #leaseUntil = :leaseUntil',
          // Free, expired (or unreadable), or already ours (a retried claim whose first answer was lost); and
          // nothing newer stored. An item whose takenAt is not a number cannot be compared: it is taken over.
          ConditionExpression:
            '(attribute_not_exists(#leaseOwner) OR #leaseOwner = :owner OR NOT attribute_type(#leaseUntil, :number) OR #leaseUntil < :now) ' +
            'AND (attribute_not_exists(#takenAt) OR NOT attribute_type(#takenAt, :number) OR #takenAt < :takenAt)',
          ExpressionAttributeNames: names('#leaseOwner', '#leaseUntil', '#takenAt'),
          ExpressionAttributeValues: {
            ':owner': { S: request.owner },
            ':leaseUntil': { N: String(request.leaseUntil) },
            ':now': { N: String(request.now) },
            ':takenAt': { N: String(request.takenAt) },
            ':number': { S: 'N' },
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      const old = response.Attributes;
      const previous = old === undefined ? undefined : stateOf(old);
      const formerOwner = old?.['leaseOwner']?.S;
      return {
        outcome: 'claimed',
        ...(previous ? { previous } : {}),
        ...(formerOwner !== undefined && formerOwner !== request.owner ? { takenOver: { owner: formerOwner } } : {}),
      };
    } catch (error) {
      const item = conditionFailureItem(error);
      if (item !== undefined) {
        const owner = item['leaseOwner']?.S;
        const until = Number(item['leaseUntil']?.N);
        return owner !== undefined && owner !== request.owner && until >= request.now ? { outcome: 'busy' } : { outcome: 'superseded' };
      }
      throw this.failure(appliance, 'claiming the state item', error);
    }
  }

  async commit(appliance: string, owner: string, state: StoredState, options: { signal?: AbortSignal } = {}): Promise<CommitResult> {
    const values = { ...stateAttributes(appliance, state), ':updatedAt': { S: new Date(this.now()).toISOString() }, ':owner': { S: owner } };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression:
            'SET #takenAt = :takenAt, #counters = :counters, #heldSince = :heldSince, #unpublished = :unpublished, ' +
            '#updatedAt = :updatedAt, #committedBy = :owner, #schemaVersion = :schemaVersion REMOVE #leaseOwner, #leaseUntil',
          ConditionExpression: '#leaseOwner = :owner',
          ExpressionAttributeNames: names(
            '#takenAt',
            '#counters',
            '#heldSince',
            '#unpublished',
            '#updatedAt',
            '#committedBy',
            '#schemaVersion',
            '#leaseOwner',
            '#leaseUntil',
          ),
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options.signal },
      );
      return { outcome: 'committed' };
    } catch (error) {
      const item = conditionFailureItem(error);
      if (item !== undefined) {
        // Our own earlier attempt of this commit went through and its answer was lost: nothing to do.
        const ours = item['committedBy']?.S === owner && item['takenAt']?.N === String(state.takenAt);
        return ours ? { outcome: 'committed' } : { outcome: 'lease-lost' };
      }
      throw this.failure(appliance, 'committing the state item', error);
    }
  }

  private failure(appliance: string, what: string, error: unknown): CollectorError {
    const name = error instanceof Error ? error.name : 'Error';
    const detail = error instanceof Error ? error.message : String(error);
    return new CollectorError('state-error', `${appliance}: ${what} in state table ${this.tableName} failed: ${name}: ${detail}`, { appliance, cause: error });
  }
}

/** The item as it was when the condition failed ({} when DynamoDB did not return it); undefined for other errors. */
function conditionFailureItem(error: unknown): Record<string, AttributeValue> | undefined {
  if (error instanceof ConditionalCheckFailedException) return error.Item ?? {};
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return (error as { Item?: Record<string, AttributeValue> }).Item ?? {};
  return undefined;
}

function stateAttributes(appliance: string, state: StoredState): Record<string, AttributeValue> {
  const problem = storedStateProblem(state);
  if (problem !== undefined) throw new CollectorError('internal', `${appliance}: ${problem}`, { appliance });
  return {
    ':takenAt': { N: String(state.takenAt) },
    ':counters': { M: exactValues(state.counters) },
    ':heldSince': { M: Object.fromEntries([...state.heldSince].map(([name, since]) => [name, { N: String(since) }])) },
    ':unpublished': {
      L: state.unpublished.map((interval) => ({
        M: { takenAt: { N: String(interval.takenAt) }, deltas: { M: exactValues(interval.deltas) } },
      })),
    },
    ':schemaVersion': { N: String(STATE_SCHEMA_VERSION) },
  };
}

function exactValues(values: ReadonlyMap<string, bigint>): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of values) {
    attributes[name] = { S: value.toString() };
  }
  return attributes;
}

/**
 * The stored state, or undefined when the item holds none this code can use (no valid takenAt, or a schema
 * version it does not know). Values that are not what this code writes are left out, never guessed.
 */
function stateOf(item: Record<string, AttributeValue>): StoredState | undefined {
  const schemaVersion = item['schemaVersion']?.N;
  if (schemaVersion !== undefined && !READABLE_SCHEMA_VERSIONS.has(Number(schemaVersion))) return undefined;
  const takenAt = epochMs(item['takenAt']);
  if (takenAt === undefined) return undefined;
  const heldSince = new Map<string, number>();
  for (const [name, value] of Object.entries(item['heldSince']?.M ?? {})) {
    const since = epochMs(value);
    if (since !== undefined) heldSince.set(name, since);
  }
  const unpublished: CounterInterval[] = [];
  for (const entry of item['unpublished']?.L ?? []) {
    const intervalTakenAt = epochMs(entry.M?.['takenAt']);
    const deltas = exactMap(entry.M?.['deltas']);
    if (intervalTakenAt !== undefined && deltas.size > 0) unpublished.push({ takenAt: intervalTakenAt, deltas });
  }
  return { takenAt, counters: exactMap(item['counters']), heldSince, unpublished };
}

function exactMap(attribute: AttributeValue | undefined): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const [name, value] of Object.entries(attribute?.M ?? {})) {
    if (value.S !== undefined && DECIMAL_INTEGER.test(value.S)) values.set(name, BigInt(value.S));
  }
  return values;
}

function epochMs(attribute: AttributeValue | undefined): number | undefined {
  const value = attribute?.N === undefined ? Number.NaN : Number(attribute.N);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
