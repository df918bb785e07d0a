/**
 * The one place the AWS SDK clients are made.
 *
 * Region and endpoint come from the environment through the SDK's own resolution: AWS_REGION (which Lambda
 * sets) and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (which the tests point at moto_server). Likewise
 * AWS_DISABLE_REQUEST_COMPRESSION and AWS_MAX_ATTEMPTS, unless given here.
 *
 * Every call has a connection and a whole-request timeout, so that a hung connection costs one attempt's
 * timeout, and callers pass the run's deadline as an abort signal, so that no call outlives its phase of the
 * run. Retries use the SDK's standard mode (exponential backoff with jitter, throttling included).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RetryOnlyDefiniteFailures } from './uncertain-delivery.js';

export interface AwsClientSettings {
  /** Default: the SDK's resolution (AWS_REGION). */
  readonly region?: string;
  /** A named profile of the shared AWS config and credentials files (the collect CLI's --profile). Default: AWS_PROFILE. */
  readonly profile?: string;
  /** Attempts per call, first one included. Default 3; 5 for CloudWatch, whose PutMetricData is throttled first. */
  readonly maxAttempts?: number;
  /** Default 3 seconds. */
  readonly connectionTimeoutMs?: number;
  /** Whole request and response, per attempt. Default 10 seconds. */
  readonly requestTimeoutMs?: number;
  /** Default: the SDK's resolution (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then the service's own). */
  readonly endpoint?: string;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_CLOUDWATCH_MAX_ATTEMPTS = 5;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface AwsClients {
  readonly secretsManager: SecretsManagerClient;
  readonly dynamoDb: DynamoDBClient;
  readonly cloudWatch: CloudWatchClient;
}

export function createAwsClients(settings: AwsClientSettings = {}): AwsClients {
  return {
    secretsManager: createSecretsManagerClient(settings),
    dynamoDb: createDynamoDbClient(settings),
    cloudWatch: createCloudWatchClient(settings),
  };
}

export function createSecretsManagerClient(settings: AwsClientSettings = {}): SecretsManagerClient {
  return new SecretsManagerClient(commonConfig(settings, DEFAULT_MAX_ATTEMPTS));
}

export function createDynamoDbClient(settings: AwsClientSettings = {}): DynamoDBClient {
  return new DynamoDBClient(commonConfig(settings, DEFAULT_MAX_ATTEMPTS));
}

/** PutMetricData is not idempotent: a call that may have been stored is never retried (see uncertain-delivery.ts). */
export function createCloudWatchClient(settings: AwsClientSettings = {}): CloudWatchClient {
  const config = commonConfig(settings, DEFAULT_CLOUDWATCH_MAX_ATTEMPTS);
  return new CloudWatchClient({ ...config, retryStrategy: new RetryOnlyDefiniteFailures(config.maxAttempts) });
}

function commonConfig(settings: AwsClientSettings, defaultMaxAttempts: number) {
  return {
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    maxAttempts: settings.maxAttempts ?? maxAttemptsFromEnvironment() ?? defaultMaxAttempts,
    retryMode: 'standard',
    // Options for the SDK's default NodeHttpHandler (passing options, not an instance, keeps
    // @smithy/node-http-handler an indirect dependency).
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the SDK only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  } as const;
}

/** AWS_MAX_ATTEMPTS, the SDK's own variable, still wins over this module's defaults when set. */
function maxAttemptsFromEnvironment(): number | undefined {
  const text = process.env['AWS_MAX_ATTEMPTS'];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}
