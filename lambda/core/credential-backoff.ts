import type { ApplianceCredentials, CredentialRejection } from '../core/ports.js';

/**
 * How long a rejected secret version is left alone before it is tried again: 15 minutes after the first
 * rejection, doubling with each rejection of the same version in a row, at most 4 hours (15, 30, 60, 120, 240,
 * 240, ... minutes). Directory-backed and hardened local users lock after a few failures in 15-30 minutes, so a
 * try every 15 minutes at first never adds up to a lockout on its own, and a password that stays wrong costs
 * about 6 failed logins a day. A new secret version is tried at once, whatever the backoff.
 */
export const CREDENTIAL_BACKOFF = { firstMs: 15 * 60_000, maxMs: 4 * 3600_000 } as const;

/** The backoff after the `rejections`-th rejection in a row (1 = the first). */
export function credentialBackoffMs(rejections: number): number {
  const doublings = Math.max(0, Math.min(rejections - 1, 16));
  return Math.min(CREDENTIAL_BACKOFF.maxMs, CREDENTIAL_BACKOFF.firstMs * 2 ** doublings);
}

/** The rejection to keep after `secretVersion` was rejected at `now`, given the one kept before (if any). */
export function nextRejection(
  previous: CredentialRejection | undefined,
  rejected: { readonly secretVersion: string; readonly nitroErrorCode?: number; readonly locked?: boolean },
  now: number,
): CredentialRejection {
  const rejections = previous?.secretVersion === rejected.secretVersion ? previous.rejections + 1 : 1;
  return {
    secretVersion: rejected.secretVersion,
    rejectedAt: now,
    retryAt: now + credentialBackoffMs(rejections),
    rejections,
    ...(rejected.nitroErrorCode !== undefined && { nitroErrorCode: rejected.nitroErrorCode }),
    ...(rejected.locked && { locked: true }),
  };
}

/** True while `rejection` forbids logging in with `secretVersion`. */
export function isBackingOff(
  rejection: CredentialRejection | undefined,
  secretVersion: string,
  now: number,
): rejection is CredentialRejection {
  return rejection !== undefined && rejection.secretVersion === secretVersion && now < rejection.retryAt;
}

/** "15 min", "2 h", "1 h 30 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** The same secret version (or, for a source without versions, the same username and password). */
export function sameCredentials(a: ApplianceCredentials, b: ApplianceCredentials): boolean {
  if (a.versionId !== undefined || b.versionId !== undefined) return a.versionId === b.versionId;
  return a.username === b.username && a.password === b.password;
}
