import { describe, expect, it } from 'vitest';
import { credentialBackoffMs, formatDuration, isBackingOff, nextRejection } from '../../lambda/core/credential-backoff.js';

const MINUTE = 60_000;

describe('the rejected-credentials backoff', () => {
  it('is 15 minutes, doubling with each rejection in a row, at most 4 hours', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => credentialBackoffMs(n) / MINUTE)).toEqual([15, 30, 60, 120, 240, 240, 240]);
  });

  it('counts rejections of the same version in a row; another version starts again at 15 minutes', () => {
    const first = nextRejection(undefined, { secretVersion: 'v1', nitroErrorCode: 354 }, 0);
    expect(first).toEqual({ secretVersion: 'v1', rejectedAt: 0, retryAt: 15 * MINUTE, rejections: 1, nitroErrorCode: 354 });
    const second = nextRejection(first, { secretVersion: 'v1', locked: true }, 15 * MINUTE);
    expect(second).toEqual({ secretVersion: 'v1', rejectedAt: 15 * MINUTE, retryAt: 45 * MINUTE, rejections: 2, locked: true });
    expect(nextRejection(second, { secretVersion: 'v2' }, 20 * MINUTE).rejections).toBe(1);
  });

  it('holds back only the rejected version, and only until its retry time', () => {
    const rejection = nextRejection(undefined, { secretVersion: 'v1' }, 0);
    expect(isBackingOff(rejection, 'v1', 15 * MINUTE - 1)).toBe(true);
    expect(isBackingOff(rejection, 'v1', 15 * MINUTE)).toBe(false);
    expect(isBackingOff(rejection, 'v2', 1)).toBe(false);
    expect(isBackingOff(undefined, 'v1', 1)).toBe(false);
  });

  it('formats durations for the log line', () => {
    expect([14 * MINUTE, 60 * MINUTE, 90 * MINUTE, 240 * MINUTE].map(formatDuration)).toEqual(['14 min', '1 h', '1 h 30 min', '4 h']);
  });
});
