/**
 * Health metrics, with the same `Appliance` dimension as the MPTCP metrics: CollectionSuccess on every run, so
 * that an alarm can tell a broken collection from a quiet appliance; the others only when they are not 0.
 * Metric names are a public contract (alarms and dashboards use them): never rename one.
 */
export const HEALTH_METRICS = {
  /** 1 when the appliance was collected (or is a secondary skipped on purpose), 0 when collection failed. */
  success: 'CollectionSuccess',
  /**
   * Wall time of the appliance's collection, login to logout, in milliseconds. In the sample record only
   * (`health.CollectionDuration`): not a billed metric (issue 25).
   */
  duration: 'CollectionDuration',
  /** Counters that went down since the previous sample (reboot, failover, cleared statistics). */
  counterResets: 'CounterResets',
  /**
   * 1 when another HA node answered than for the previous sample (a failover or failback through a floating
   * address, told by stat/hanode transtime): no increase is taken for the interval, as after a reset. Published
   * only then, so it costs nothing while the same node answers.
   */
  nodeChanges: 'NodeChanges',
  /** Fields that were present but unusable (not a non-negative integer) and were left out. */
  fieldErrors: 'FieldErrors',
  /** 1 when the appliance is the secondary of an HA pair and its counters were not published. */
  secondarySkipped: 'SecondarySkipped',
  /**
   * 1 when the appliance rejected the credentials (or the collector is backing off from a rejected secret version).
   * Published only then, so it costs nothing while all is well.
   */
  credentialsRejected: 'CredentialsRejected',
} as const;

/**
 * The state item's health metrics, published only when not 0 (they cost nothing while the state is healthy):
 * the state item was repaired (a lease no run can hold, a sample time in the future); the state was held by
 * another run or newer than the sample (busy or superseded: no counters this run); the run's state could not be
 * stored (sent right after the failed commit); counter increases given up (too old for CloudWatch, or published
 * twice unanswered); the state table could not be read or written for the appliance this run (throttled, denied,
 * unreachable: the gauges and health metrics are published all the same, counter increases wait for the table).
 * docs/architecture.md "When the state table fails" and docs/runbook.md say what to do about each.
 */
export const STATE_HEALTH_METRICS = {
  stateUnavailable: 'StateUnavailable',
  stateRepaired: 'StateRepaired',
  stateBlocked: 'StateBlocked',
  stateCommitFailed: 'StateCommitFailed',
  increasesDropped: 'IncreasesDropped',
} as const;

/** The health metrics that are CloudWatch metrics (CollectionDuration is in the sample record only). */
export const PUBLISHED_HEALTH_METRICS: readonly string[] = Object.values(HEALTH_METRICS).filter((name) => name !== HEALTH_METRICS.duration);

export type HealthMetricName = (typeof HEALTH_METRICS)[keyof typeof HEALTH_METRICS];

export const DEFAULT_NAMESPACE = 'NetScaler/MPTCP';
export const APPLIANCE_DIMENSION = 'Appliance';
