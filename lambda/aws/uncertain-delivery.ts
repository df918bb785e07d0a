/**
 * A failed AWS call whose request may still have taken effect: it may have reached the service, but no answer
 * came back, or not all of it (a timeout, a connection lost after sending, the run's deadline). Retrying such a PutMetricData
 * could store the same datapoints twice, so the CloudWatch client never retries one; the pipeline keeps its
 * increases for the next run and counts them as uncertain instead.
 */
import { StandardRetryStrategy } from '@smithy/core/retry';

/** Errors that mean the request never left this machine. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_INVALID_URL',
]);

/**
 * True unless the service refused the call (an HTTP status other than 2xx: it did not store what it refused) or
 * the connection was never made. A 2xx status whose answer could not be read to its end (the connection cut, the
 * deadline in the middle of it: the SDK's error then carries that status) is uncertain: the service had stored
 * the call. A connection that timed out before it was made counts as uncertain too: being wrong that way only
 * counts an increase as uncertain that was not.
 */
export function isUncertain(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 200 && status < 300;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return false;
  }
  return true;
}

type Standard = InstanceType<typeof StandardRetryStrategy>;

/** The SDK's standard retry strategy (backoff, jitter, throttling), except that an uncertain failure is final. */
export class RetryOnlyDefiniteFailures {
  readonly mode = 'standard';
  private readonly standard: Standard;

  constructor(maxAttempts: number) {
    this.standard = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(...args: Parameters<Standard['acquireInitialRetryToken']>): ReturnType<Standard['acquireInitialRetryToken']> {
    return this.standard.acquireInitialRetryToken(...args);
  }

  refreshRetryTokenForRetry(...args: Parameters<Standard['refreshRetryTokenForRetry']>): ReturnType<Standard['refreshRetryTokenForRetry']> {
    const [, errorInfo] = args;
    if (isUncertain(errorInfo.error)) return Promise.reject(new Error('not retried: the failed request may have been stored'));
    return this.standard.refreshRetryTokenForRetry(...args);
  }

  recordSuccess(...args: Parameters<Standard['recordSuccess']>): ReturnType<Standard['recordSuccess']> {
    return this.standard.recordSuccess(...args);
  }
}
