import { collectWindowMs } from '../../lambda/core/budget.js';
import { defaultOf, SETTINGS } from './settings.js';

/**
 * How the collector is fitted to its schedule. Pure numbers, shared by the construct, the config validation and
 * the cost estimate.
 */

export const DEFAULT_INTERVAL_MINUTES = defaultOf('rateMinutes');
export const DEFAULT_SHARD_SIZE = defaultOf('shardSize');
export const DEFAULT_MEMORY_MIB = defaultOf('memoryMiB');
export const DEFAULT_LOG_RETENTION_DAYS = defaultOf('logRetentionDays');

/**
 * Room between the end of one run and the start of the next: a run that ends this long before the next tick
 * has published before the next sample is taken, even when the Scheduler delivers a few seconds late.
 */
export const TIMEOUT_HEADROOM_SECONDS = 10;

/**
 * Upper bound of the default timeout. A run is bounded by NITRO timeouts (seconds per appliance), not by work;
 * a run that needs minutes is waiting on dead appliances, and every waited second is billed. Longer intervals
 * still get at most this; set `timeoutSeconds` to go beyond.
 */
export const MAX_DEFAULT_TIMEOUT_SECONDS = 300;

/** Lambda's hard limit. */
export const MAX_TIMEOUT_SECONDS = SETTINGS.timeoutSeconds.spec.max!;

/**
 * Maximum event age for the Scheduler and for Lambda's asynchronous queue: the smallest value both accept.
 * A sample taken a minute late is worth nothing (the next run takes a fresh one) and a duplicate is worse.
 */
export const MAX_EVENT_AGE_SECONDS = 60;

/** Lambda's asynchronous invocation payload limit is 256 KB: each schedule input must fit with room to spare. */
export const MAX_SCHEDULE_INPUT_BYTES = 200_000;

/**
 * Distinct secrets one deployment can grant: IAM allows a role about 10 KB of inline policy and 10 managed
 * policies of 6 KB, and each secret ARN takes about 100 characters. Appliances may share a secret.
 */
export const MAX_DISTINCT_SECRETS = 250;

/**
 * Appliances per deployment: the dashboard lists every alarm, and the stack's template (at most 1 MB) grows
 * with them. Larger fleets: several deployments (stackName) of at most this many appliances.
 */
export const MAX_APPLIANCES = 500;

/**
 * The CollectorNearTimeout threshold: `percent` of the time the function gives appliances before it stops
 * waiting for them (the collection window of core/budget.ts). Above it, runs come close to cutting appliances
 * off; a threshold on the whole timeout would sit above that cutoff and could never fire for it.
 */
export function nearTimeoutThresholdMs(timeoutMs: number, percent: number): number {
  return Math.floor((collectWindowMs(timeoutMs) * percent) / 100);
}

/** MAX_SAMPLE_AGE_SECONDS for a schedule: three missed runs, but never less than the function's default. */
export function maxSampleAgeSeconds(intervalMinutes: number): number {
  return Math.max(defaultOf('maxSampleAgeSeconds'), 3 * intervalMinutes * 60);
}

export function defaultTimeoutSeconds(intervalMinutes: number): number {
  return Math.min(intervalMinutes * 60 - TIMEOUT_HEADROOM_SECONDS, MAX_DEFAULT_TIMEOUT_SECONDS);
}

/** The largest timeout that still ends a run before the next one starts (and within Lambda's limit). */
export function maxTimeoutSeconds(intervalMinutes: number): number {
  return Math.min(intervalMinutes * 60 - TIMEOUT_HEADROOM_SECONDS, MAX_TIMEOUT_SECONDS);
}

/** Splits `items` into consecutive groups of at most `size`, keeping order. */
export function shard<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`shard size must be a positive integer, got ${size}`);
  const shards: T[][] = [];
  for (let start = 0; start < items.length; start += size) shards.push(items.slice(start, start + size));
  return shards;
}
