import type { MetricDefinition } from '../catalog/catalog.js';
import { resolveSelection, UnknownMetricError } from '../catalog/selection.js';
import { DEFAULT_NAMESPACE } from '../metrics/health.js';
import { type ApplianceConfig, ConfigurationError, parseAppliances } from './appliance.js';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_SAMPLE_AGE_SECONDS, ENVIRONMENT, MAX_MAX_SAMPLE_AGE_SECONDS } from './environment.js';
import { namespaceProblem } from './namespace.js';

/** Everything one run needs to know, resolved from the invocation event and the environment. */
export interface RunConfig {
  readonly appliances: readonly ApplianceConfig[];
  readonly namespace: string;
  readonly stateTableName: string;
  readonly selection: readonly MetricDefinition[];
  readonly concurrency: number;
  readonly storageResolution: 1 | 60;
  /** A previous sample older than this gives no counter deltas. */
  readonly maxSampleAgeMs: number;
}

/**
 * Appliances come from the event `{"appliances": [...]}`, or from APPLIANCES when the event has none.
 * Every problem is a ConfigurationError naming the variable or field.
 */
export function resolveRunConfig(event: unknown, env: NodeJS.ProcessEnv): RunConfig {
  return {
    appliances: appliancesFrom(event, env),
    namespace: namespaceFrom(env),
    stateTableName: required(env, ENVIRONMENT.stateTable, 'the DynamoDB table that keeps the previous sample per appliance'),
    selection: selectionFrom(env),
    concurrency: integerFrom(env, ENVIRONMENT.concurrency, DEFAULT_CONCURRENCY, 1, 100),
    storageResolution: storageResolutionFrom(env),
    maxSampleAgeMs: 1000 * integerFrom(env, ENVIRONMENT.maxSampleAge, DEFAULT_MAX_SAMPLE_AGE_SECONDS, 60, MAX_MAX_SAMPLE_AGE_SECONDS),
  };
}

function appliancesFrom(event: unknown, env: NodeJS.ProcessEnv): ApplianceConfig[] {
  const fromEvent = typeof event === 'object' && event !== null ? (event as { appliances?: unknown }).appliances : undefined;
  if (fromEvent !== undefined) return parseAppliances(fromEvent, 'event.appliances');
  const raw = env[ENVIRONMENT.appliances];
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigurationError(
      `no appliances: the event has no "appliances" and ${ENVIRONMENT.appliances} is not set (expected a JSON array of {name, url, secretId, ...})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(`invalid ${ENVIRONMENT.appliances}: not JSON (${(error as Error).message})`);
  }
  return parseAppliances(parsed, ENVIRONMENT.appliances);
}

function namespaceFrom(env: NodeJS.ProcessEnv): string {
  const namespace = env[ENVIRONMENT.namespace]?.trim() || DEFAULT_NAMESPACE;
  if (namespaceProblem(namespace) !== undefined) {
    throw new ConfigurationError(`invalid ${ENVIRONMENT.namespace} "${namespace}": 1-255 of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/`);
  }
  return namespace;
}

function selectionFrom(env: NodeJS.ProcessEnv): readonly MetricDefinition[] {
  try {
    return resolveSelection(env[ENVIRONMENT.counters] ?? 'default');
  } catch (error) {
    if (error instanceof UnknownMetricError) throw new ConfigurationError(`invalid ${ENVIRONMENT.counters}: ${error.message}`);
    throw error;
  }
}

function storageResolutionFrom(env: NodeJS.ProcessEnv): 1 | 60 {
  const raw = env[ENVIRONMENT.storageResolution]?.trim();
  if (!raw || raw === '60') return 60;
  if (raw === '1') return 1;
  throw new ConfigurationError(`invalid ${ENVIRONMENT.storageResolution} "${raw}": 60 (standard) or 1 (high resolution)`);
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigurationError(`invalid ${name} "${raw}": a whole number from ${min} to ${max}`);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is not set: it names ${what}`);
  return value;
}
