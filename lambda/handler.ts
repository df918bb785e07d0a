import { type AwsClients, createAwsClients } from './aws/clients.js';
import { CloudWatchMetricSink } from './aws/cloudwatch-sink.js';
import { SecretsManagerCredentialSource } from './aws/secrets.js';
import { DynamoDbSampleStore } from './aws/state-store.js';
import { resolveRunConfig } from './config/run-config.js';
import { toCollectorError } from './errors.js';
import { createJsonLogger, globalRedactor, type Logger } from './logger.js';
import type { CredentialSource, MetricSink, SampleStore } from './pipeline/ports.js';
import { type RunSummary, runCollection } from './pipeline/run-collection.js';

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** The scheduled event: `{"appliances": [ApplianceConfig, ...]}`; without it, APPLIANCES from the environment. */
export interface CollectorEvent {
  readonly appliances?: unknown;
}

export interface HandlerDependencies {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly clients: () => AwsClients;
  readonly credentials?: CredentialSource;
  readonly store?: (tableName: string) => SampleStore;
  readonly sink?: (namespace: string, storageResolution: 1 | 60) => MetricSink;
  readonly now?: () => number;
}

/**
 * Builds a handler. The AWS clients and the secret cache live as long as the warm container; the handler
 * resolves with the run summary when appliances fail (their health metrics carry the failure) and rejects only
 * when nothing could be published (invalid configuration, CloudWatch unreachable), so that the function's own
 * Errors metric means "the collector is broken".
 */
export function createHandler(overrides: Partial<HandlerDependencies> = {}) {
  const deps: HandlerDependencies = {
    env: process.env,
    logger: createJsonLogger(),
    clients: lazy(() => createAwsClients()),
    ...overrides,
  };
  let credentials: CredentialSource | undefined = deps.credentials;

  return async function handler(event: CollectorEvent | null | undefined, context: InvocationContext): Promise<RunSummary> {
    const now = deps.now ?? Date.now;
    const startedAt = now();
    const logger = deps.logger.child(context.awsRequestId ? { requestId: context.awsRequestId } : {});
    try {
      const config = resolveRunConfig(event, deps.env);
      credentials ??= new SecretsManagerCredentialSource({ client: deps.clients().secretsManager });
      const store = deps.store?.(config.stateTableName) ?? new DynamoDbSampleStore({ client: deps.clients().dynamoDb, tableName: config.stateTableName });
      const sink =
        deps.sink?.(config.namespace, config.storageResolution) ??
        new CloudWatchMetricSink({ client: deps.clients().cloudWatch, namespace: config.namespace, storageResolution: config.storageResolution });

      const { summary } = await runCollection(
        {
          appliances: config.appliances,
          selection: config.selection,
          concurrency: config.concurrency,
          // Lambda counts down to its deadline in whole milliseconds; core/budget.ts turns this into integer deadlines.
          remainingMs: context.getRemainingTimeInMillis(),
        },
        { credentials, store, sink, logger, redactor: globalRedactor, now, maxSampleAgeMs: config.maxSampleAgeMs },
      );
      const failed = summary.appliances.filter((a) => a.outcome === 'failed').length;
      logger.info('run finished', {
        appliances: summary.appliances.length,
        failed,
        datapointsPublished: summary.datapointsPublished,
        putMetricDataCalls: summary.putMetricDataCalls,
        durationMs: now() - startedAt,
        ...(summary.publishError && { publishError: summary.publishError }),
        ...(summary.uncertainDatapoints && { uncertainDatapoints: summary.uncertainDatapoints }),
        ...(summary.uncommitted && { uncommitted: summary.uncommitted }),
      });
      return summary;
    } catch (caught) {
      const error = toCollectorError(caught);
      error.message = globalRedactor.scrub(error.message);
      logger.error('run failed: nothing was published', { errorClass: error.errorClass, reason: error.message, durationMs: now() - startedAt });
      throw error;
    }
  };
}

function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const handler = createHandler();
