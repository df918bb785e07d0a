/**
 * Arranging and inspecting AWS resources in moto_server, for tests inside a `describeWithMoto` suite (the SDK
 * clients made here find moto through the environment that suite sets).
 */
import { randomUUID } from 'node:crypto';
import {
  CloudWatchClient,
  type Dimension,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { type AttributeValue, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { VIRTUAL_SERVER_DIMENSION } from '../../lambda/catalog/virtual-server-metrics.js';
import { APPLIANCE_DIMENSION } from '../../lambda/metrics/health.js';

/** A name no other test uses: tests share one moto_server per file and run their own resources in it. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// Secrets Manager -------------------------------------------------------------------------------------------

/** An appliance's credentials and CA, as operators are told to store them in its secret. */
export function applianceSecret(appliance: {
  readonly username: string;
  readonly password: string;
  readonly caCertificate: string;
}): string {
  return JSON.stringify({ username: appliance.username, password: appliance.password, caCertificate: appliance.caCertificate });
}

/** Creates a secret holding `value` (a string as SecretString, bytes as SecretBinary); returns its ARN. */
export async function createSecret(name: string, value: string | Uint8Array): Promise<string> {
  const client = new SecretsManagerClient({});
  const response = await client.send(
    new CreateSecretCommand(typeof value === 'string' ? { Name: name, SecretString: value } : { Name: name, SecretBinary: value }),
  );
  if (response.ARN === undefined) throw new Error(`moto returned no ARN for secret ${name}`);
  return response.ARN;
}

/** Creates a secret with no value at all (no AWSCURRENT version). */
export async function createEmptySecret(name: string): Promise<void> {
  await new SecretsManagerClient({}).send(new CreateSecretCommand({ Name: name }));
}

/** Stores a new current value, as a rotation does. */
export async function updateSecret(name: string, value: string): Promise<void> {
  await new SecretsManagerClient({}).send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
}

/** Schedules the secret for deletion: reading it then fails with InvalidRequestException. */
export async function scheduleSecretDeletion(name: string): Promise<void> {
  await new SecretsManagerClient({}).send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
}

// DynamoDB --------------------------------------------------------------------------------------------------

/** Creates the state table as the CDK stack does: partition key `appliance` (String), on demand. */
export async function createStateTable(tableName: string): Promise<void> {
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'appliance', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'appliance', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function putStateItem(tableName: string, item: Record<string, AttributeValue>): Promise<void> {
  await new DynamoDBClient({}).send(new PutItemCommand({ TableName: tableName, Item: item }));
}

export async function getStateItem(tableName: string, appliance: string): Promise<Record<string, AttributeValue> | undefined> {
  const response = await new DynamoDBClient({}).send(
    new GetItemCommand({ TableName: tableName, Key: { appliance: { S: appliance } }, ConsistentRead: true }),
  );
  return response.Item;
}

// CloudWatch ------------------------------------------------------------------------------------------------

/** Appliance, and VirtualServer (`lb/NAME`, `cs/NAME`) for a per-virtual-server metric. */
function applianceDimensions(appliance: string, virtualServer?: string): Dimension[] {
  const dimensions = [{ Name: APPLIANCE_DIMENSION, Value: appliance }];
  return virtualServer === undefined ? dimensions : [...dimensions, { Name: VIRTUAL_SERVER_DIMENSION, Value: virtualServer }];
}

/**
 * The sum of every value of the metric with dimension Appliance=`appliance` between `start` and `end`, or
 * undefined when there is none. (moto's GetMetricStatistics buckets start at the first datapoint rather than
 * on period boundaries, hence the sum over all returned buckets.)
 */
export async function readMetricSum(
  namespace: string,
  metricName: string,
  appliance: string,
  start: Date,
  end: Date,
  virtualServer?: string,
): Promise<number | undefined> {
  const seconds = Math.ceil((end.getTime() - start.getTime()) / 1000);
  const response = await new CloudWatchClient({}).send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: applianceDimensions(appliance, virtualServer),
      StartTime: start,
      EndTime: end,
      Period: Math.max(60, Math.ceil(seconds / 60) * 60),
      Statistics: ['Sum'],
    }),
  );
  const datapoints = response.Datapoints ?? [];
  if (datapoints.length === 0) return undefined;
  return datapoints.reduce((total, datapoint) => total + (datapoint.Sum ?? 0), 0);
}

export interface MetricValue {
  readonly timestamp: Date;
  readonly value: number;
}

/**
 * The metric's values with dimension Appliance=`appliance`, oldest first, read with GetMetricData at a period
 * of one second: values stored within the same second come back as their sum, at the whole second.
 */
export async function listMetricValues(
  namespace: string,
  metricName: string,
  appliance: string,
  start: Date,
  end: Date,
): Promise<MetricValue[]> {
  const client = new CloudWatchClient({});
  const values: MetricValue[] = [];
  let nextToken: string | undefined;
  do {
    const response = await client.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
        MetricDataQueries: [
          {
            Id: 'values',
            MetricStat: {
              Metric: { Namespace: namespace, MetricName: metricName, Dimensions: applianceDimensions(appliance) },
              Period: 1,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    for (const result of response.MetricDataResults ?? []) {
      const timestamps = result.Timestamps ?? [];
      const resultValues = result.Values ?? [];
      timestamps.forEach((timestamp, index) => values.push({ timestamp, value: resultValues[index]! }));
    }
    nextToken = response.NextToken;
  } while (nextToken !== undefined);
  return values.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
}

/** Every metric of the namespace, with its dimensions as `Name=Value` strings. */
export async function listMetrics(namespace: string): Promise<{ metricName: string; dimensions: string[] }[]> {
  const client = new CloudWatchClient({});
  const metrics: { metricName: string; dimensions: string[] }[] = [];
  let nextToken: string | undefined;
  do {
    const response = await client.send(new ListMetricsCommand({ Namespace: namespace, NextToken: nextToken }));
    for (const metric of response.Metrics ?? []) {
      metrics.push({
        metricName: metric.MetricName ?? '',
        dimensions: (metric.Dimensions ?? []).map((dimension) => `${dimension.Name}=${dimension.Value}`),
      });
    }
    nextToken = response.NextToken;
  } while (nextToken !== undefined);
  return metrics;
}
