/** The environment variables of the handler contract. Names are a public contract: never rename one. */
export const ENVIRONMENT = {
  /** JSON array of ApplianceConfig, used when the event carries no appliances. */
  appliances: 'APPLIANCES',
  /** CloudWatch namespace; default NetScaler/MPTCP. */
  namespace: 'METRIC_NAMESPACE',
  /** DynamoDB table with the previous sample per appliance (partition key `appliance`, String). */
  stateTable: 'STATE_TABLE_NAME',
  /** `default`, `all`, or a comma-separated list of metric or NITRO names. */
  counters: 'COUNTERS',
  /** Appliances collected at once; default 10. */
  concurrency: 'CONCURRENCY',
  /** CloudWatch storage resolution in seconds: 60 (default, standard) or 1 (high resolution). */
  storageResolution: 'STORAGE_RESOLUTION',
  /** A previous sample older than this many seconds gives no counter deltas (default 900; the CDK app sets 3 intervals). */
  maxSampleAge: 'MAX_SAMPLE_AGE_SECONDS',
} as const;

export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_MAX_SAMPLE_AGE_SECONDS = 900;

/** The longest sensible gap: three intervals of a daily schedule. */
export const MAX_MAX_SAMPLE_AGE_SECONDS = 3 * 86_400;
