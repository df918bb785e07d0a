/**
 * Credential rejections in the state table: one map attribute, `credentialRejection`, on the appliance's item
 * (partition key `appliance`), so that the backoff outlives the container and every cold start obeys it.
 *
 *   credentialRejection  M  { secretVersion S, rejectedAt N, retryAt N, rejections N, nitroErrorCode? N, locked? BOOL }
 *
 * Written and read by its own small operations, never by the sample state's claim and commit: those are the
 * lease protocol that keeps counts exact, and they SET and REMOVE only their own attributes, so the two never touch
 * each other's data and neither can break the other's conditions. An item that holds only a rejection (an
 * appliance rejected on its very first run) has no `takenAt`: the sample store reads it as "no sample yet".
 * Nothing in it is secret: a version id, times and a NITRO error code.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { CredentialRejection, CredentialRejectionStore } from '../core/ports.js';
import { CollectorError } from '../errors.js';
import { createDynamoDbClient } from './clients.js';
import { STATE_TABLE_PARTITION_KEY } from './state-store.js';

const ATTRIBUTE = 'credentialRejection';

export interface DynamoDbCredentialRejectionsOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
}

export class DynamoDbCredentialRejections implements CredentialRejectionStore {
  private readonly tableName: string;
  private readonly client: DynamoDBClient;

  constructor(options: DynamoDbCredentialRejectionsOptions) {
    if (options.tableName.length === 0) throw new CollectorError('configuration', 'the state table name is empty');
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDbClient();
  }

  async get(appliance: string, options: { signal?: AbortSignal } = {}): Promise<CredentialRejection | undefined> {
    try {
      const response = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          ProjectionExpression: '#rejection',
          ExpressionAttributeNames: { '#rejection': ATTRIBUTE },
          // A rejection written by the previous run must be seen: a stale read could log in with a rejected password.
          ConsistentRead: true,
        }),
        { abortSignal: options.signal },
      );
      return rejectionOf(response.Item?.[ATTRIBUTE]);
    } catch (error) {
      throw this.failure(appliance, 'reading the credential rejection', error);
    }
  }

  async put(appliance: string, rejection: CredentialRejection, options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression: 'SET #rejection = :rejection',
          ExpressionAttributeNames: { '#rejection': ATTRIBUTE },
          ExpressionAttributeValues: { ':rejection': { M: attributesOf(rejection) } },
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      throw this.failure(appliance, 'storing the credential rejection', error);
    }
  }

  async clear(appliance: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [STATE_TABLE_PARTITION_KEY]: { S: appliance } },
          UpdateExpression: 'REMOVE #rejection',
          // Without it, a REMOVE on a missing item would create an empty one.
          ConditionExpression: 'attribute_exists(#rejection)',
          ExpressionAttributeNames: { '#rejection': ATTRIBUTE },
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException'))
        return;
      throw this.failure(appliance, 'clearing the credential rejection', error);
    }
  }

  private failure(appliance: string, what: string, error: unknown): CollectorError {
    const name = error instanceof Error ? error.name : 'Error';
    const detail = error instanceof Error ? error.message : String(error);
    return new CollectorError('state-error', `${appliance}: ${what} in state table ${this.tableName} failed: ${name}: ${detail}`, {
      appliance,
      cause: error,
    });
  }
}

function attributesOf(rejection: CredentialRejection): Record<string, AttributeValue> {
  return {
    secretVersion: { S: rejection.secretVersion },
    rejectedAt: { N: String(rejection.rejectedAt) },
    retryAt: { N: String(rejection.retryAt) },
    rejections: { N: String(rejection.rejections) },
    ...(rejection.nitroErrorCode !== undefined && { nitroErrorCode: { N: String(rejection.nitroErrorCode) } }),
    ...(rejection.locked && { locked: { BOOL: true } }),
  };
}

/** The stored rejection, or undefined when there is none this code can read (a damaged one is not guessed at). */
function rejectionOf(attribute: AttributeValue | undefined): CredentialRejection | undefined {
  const map = attribute?.M;
  const secretVersion = map?.['secretVersion']?.S;
  const [rejectedAt, retryAt, rejections] = ['rejectedAt', 'retryAt', 'rejections'].map((key) => Number(map?.[key]?.N));
  if (
    map === undefined ||
    secretVersion === undefined ||
    ![rejectedAt, retryAt, rejections].every((n) => Number.isSafeInteger(n) && n! >= 0)
  )
    return undefined;
  const code = Number(map['nitroErrorCode']?.N);
  return {
    secretVersion,
    rejectedAt: rejectedAt!,
    retryAt: retryAt!,
    rejections: rejections!,
    ...(Number.isSafeInteger(code) && { nitroErrorCode: code }),
    ...(map['locked']?.BOOL === true && { locked: true }),
  };
}
