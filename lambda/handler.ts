import { type AwsClients, createAwsClients } from './aws/clients.js';
import { CloudWatchMetricSink } from './aws/cloudwatch-sink.js';
import { DynamoDbCredentialRejections } from './aws/credential-rejections.js';
import { SecretsManagerCredentialSource } from './aws/secrets.js';
import { DynamoDbSampleStore } from './aws/state-store.js';
import { createRunConfigResolver } from './config/run-config.js';
import type { CredentialRejectionStore, CredentialSource, MetricSink, SampleStore } from './core/ports.js';
import { excerpt, MAX_FIELD_CHARS, MAX_RESULT_BYTES, utf8Bytes } from './core/text.js';
import { toCollectorError } from './errors.js';
import { createJsonLogger, type Logger } from './logger.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from './pipeline/container-memory.js';
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
  /** What the container remembers between invocations (default: a new one for this handler). */
  readonly memory: ContainerMemory;
  /** Default: JSON lines on stdout, scrubbed by the memory's redactor (a logger given here must use that redactor). */
  readonly logger: Logger;
  readonly clients: () => AwsClients;
  readonly credentials?: CredentialSource;
  readonly store?: (tableName: string) => SampleStore;
  readonly rejections?: (tableName: string) => CredentialRejectionStore;
  readonly sink?: (namespace: string, storageResolution: 1 | 60) => MetricSink;
  readonly now?: () => number;
}

/**
 * Builds a handler: one per container. The AWS clients and the container memory (the secret cache, credential
 * rejections, what was reported, the redactor's passwords) live as long as the warm container; the handler
 * resolves with the run summary when appliances fail (their health metrics carry the failure) and rejects only
 * when nothing could be published (invalid configuration, CloudWatch unreachable), so that the function's own
 * Errors metric means "the collector is broken".
 */
export function createHandler(overrides: Partial<HandlerDependencies> = {}): CollectorHandler {
  const memory = overrides.memory ?? createContainerMemory();
  const deps: HandlerDependencies = {
    env: process.env,
    memory,
    logger: createJsonLogger({ redactor: memory.redactor }),
    clients: lazy(() => createAwsClients()),
    ...overrides,
  };
  if (deps.credentials) memory.secrets = deps.credentials;
  const now = deps.now ?? Date.now;
  const resolveRunConfig = createRunConfigResolver();

  const handler = async function handler(event: CollectorEvent | null | undefined, context: InvocationContext): Promise<RunSummary> {
    const startedAt = now();
    const logger = deps.logger.child(context.awsRequestId ? { requestId: context.awsRequestId } : {});
    try {
      const config = resolveRunConfig(event, deps.env);
      const credentials = (memory.secrets ??= new SecretsManagerCredentialSource({ client: deps.clients().secretsManager }));
      const store =
        deps.store?.(config.stateTableName) ??
        new DynamoDbSampleStore({ client: deps.clients().dynamoDb, tableName: config.stateTableName });
      const rejections =
        deps.rejections?.(config.stateTableName) ??
        new DynamoDbCredentialRejections({ client: deps.clients().dynamoDb, tableName: config.stateTableName });
      const sink =
        deps.sink?.(config.namespace, config.storageResolution) ??
        new CloudWatchMetricSink({
          client: deps.clients().cloudWatch,
          namespace: config.namespace,
          storageResolution: config.storageResolution,
        });

      const { summary } = await runCollection(
        {
          appliances: config.appliances,
          selection: config.selection,
          concurrency: config.concurrency,
          // Lambda counts down to its deadline in whole milliseconds; core/budget.ts turns this into integer deadlines.
          remainingMs: context.getRemainingTimeInMillis(),
        },
        { credentials, store, rejections, sink, logger, memory, now, maxSampleAgeMs: config.maxSampleAgeMs },
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
      return boundedSummary(summary);
    } catch (caught) {
      const error = toCollectorError(caught);
      // The runtime logs and returns the message: scrubbed and cut (a 6 MB event must not come back as 6 MB).
      error.message = excerpt(error.message, MAX_FIELD_CHARS, memory.redactor.scrub);
      logger.error('run failed: nothing was published', {
        errorClass: error.errorClass,
        reason: error.message,
        durationMs: now() - startedAt,
      });
      throw error;
    }
  };
  return Object.assign(handler, { endSessions: () => endNitroSessions(memory) });
}

export interface CollectorHandler {
  (event: CollectorEvent | null | undefined, context: InvocationContext): Promise<RunSummary>;
  /**
   * Logs out every NITRO session the container keeps (they otherwise end by their idle timeout after the container
   * is gone) and closes its connections: a container's shutdown, a test's end.
   */
  endSessions(): Promise<void>;
}

/** Characters of an appliance's message kept in the result. */
const RESULT_MESSAGE_CHARS = 300;

/**
 * The summary within MAX_RESULT_BYTES whatever the fleet: messages cut to RESULT_MESSAGE_CHARS; when that is
 * still too long, the appliances that did not fail are left out, then as many failed ones as needed (counted
 * in `appliancesLeftOut`; the log has one line per appliance in any case).
 */
export function boundedSummary(summary: RunSummary): RunSummary {
  const cutMessages: RunSummary = {
    ...summary,
    ...(summary.publishError && { publishError: excerpt(summary.publishError, MAX_FIELD_CHARS) }),
    appliances: summary.appliances.map((a) => (a.message === undefined ? a : { ...a, message: excerpt(a.message, RESULT_MESSAGE_CHARS) })),
  };
  if (utf8Bytes(JSON.stringify(cutMessages)) <= MAX_RESULT_BYTES) return cutMessages;
  const failedFirst = [...cutMessages.appliances].sort((a, b) => Number(b.outcome === 'failed') - Number(a.outcome === 'failed'));
  const { uncommitted, ...rest } = cutMessages;
  const bounded = { ...rest, ...(uncommitted && { uncommitted: uncommitted.slice(0, 100), uncommittedCount: uncommitted.length }) };
  // Each kept appliance is at most ~500 bytes: keep what fits in the bound less room for the rest of the summary.
  let kept = failedFirst.length;
  let candidate: RunSummary;
  do {
    kept = Math.floor(kept / 2);
    candidate = { ...bounded, appliances: failedFirst.slice(0, kept), appliancesLeftOut: failedFirst.length - kept } as RunSummary;
  } while (kept > 0 && utf8Bytes(JSON.stringify(candidate)) > MAX_RESULT_BYTES);
  return candidate;
}

function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const handler = createHandler();
