import { defaultOf, RUNTIME_SETTINGS as SETTINGS } from './settings.js';

/**
 * The environment variables of the handler contract, from the settings model. Names are a public contract:
 * never rename one.
 */
export const ENVIRONMENT = {
  /** JSON array of ApplianceConfig, used when the event carries no appliances. */
  appliances: SETTINGS.appliances.env,
  /** CloudWatch namespace; default NetScaler/MPTCP. */
  namespace: SETTINGS.namespace.env,
  /** DynamoDB table with the previous sample per appliance (partition key `appliance`, String). */
  stateTable: SETTINGS.stateTableName.env,
  /** `default`, `all`, or a comma-separated list of metric or NITRO names. */
  counters: SETTINGS.counters.env,
  /** Appliances collected at once. */
  concurrency: SETTINGS.concurrency.env,
  /** CloudWatch storage resolution in seconds: 60 (default, standard) or 1 (high resolution). */
  storageResolution: SETTINGS.storageResolution.env,
  /** A previous sample older than this many seconds gives no counter deltas (the CDK app sets 3 intervals). */
  maxSampleAge: SETTINGS.maxSampleAgeSeconds.env,
} as const;

export const DEFAULT_CONCURRENCY = defaultOf('concurrency');
export const DEFAULT_MAX_SAMPLE_AGE_SECONDS = defaultOf('maxSampleAgeSeconds');

/** The state table's partition key (String): a contract with existing tables, like the variable names. */
export const STATE_TABLE_PARTITION_KEY = 'appliance';
/** The state table's TTL attribute (epoch seconds), refreshed by every claim and commit. */
export const STATE_TTL_ATTRIBUTE = 'expiresAt';
