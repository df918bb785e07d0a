/**
 * Every failure the collector reports is a CollectorError with a class that callers, logs and the run summary
 * can act on. Messages name where the problem is (appliance, field, secret id) and never carry a secret.
 */
export type ErrorClass =
  /** The configuration (event, environment, config file) is invalid. */
  | 'configuration'
  /** The secret is missing, unreadable, not JSON, or lacks username/password. */
  | 'secret'
  /** NITRO 354/355 or a locked user; also a run backing off from a rejected secret version (pipeline/credential-gate.ts). */
  | 'bad-credentials'
  /** NITRO 444/1027 (or 1026) after one fresh login. */
  | 'session-expired'
  /** NITRO 2138, 257 or HTTP 403: the user's command policy does not allow the call. */
  | 'not-authorized'
  /** NITRO 445/446: the appliance has no session or connection left for us. */
  | 'session-limit'
  /** Any other NITRO error (5xx, 599, errorcode != 0). */
  | 'appliance-error'
  /** The answer is not a NITRO answer: not JSON, HTML, truncated, wrong shape. */
  | 'protocol-error'
  /** A successful answer without the resource: no MPTCP statistics here (e.g. an admin partition). */
  | 'no-statistics'
  /** No answer: refused, DNS, timeout, reset, TLS verification failed. */
  | 'transport-error'
  /** The appliance did not answer in time: one request beyond its limit, or the appliance's share of the run. */
  | 'timeout'
  /** The run's collection time ran out before this appliance's turn came: it was not contacted at all. */
  | 'not-started'
  /** The state table could not be read or written. */
  | 'state-error'
  /** CloudWatch rejected or did not take the metrics. */
  | 'publish-error'
  /** A bug: anything not classified above. */
  | 'internal';

export interface CollectorErrorOptions {
  readonly appliance?: string;
  /** The NITRO errorcode, when the appliance sent one. */
  readonly nitroErrorCode?: number;
  readonly httpStatus?: number;
  /**
   * A session the appliance opened although the exchange failed (its cookie came with the headers, the body did
   * not): the NITRO client logs it out. Never logged or returned.
   */
  readonly sessionCookieToken?: string;
  readonly cause?: unknown;
}

export class CollectorError extends Error {
  override readonly name: string = 'CollectorError';
  readonly appliance?: string;
  readonly nitroErrorCode?: number;
  readonly httpStatus?: number;
  /** See CollectorErrorOptions.sessionCookieToken (set in the constructor, not enumerable). */
  declare readonly sessionCookieToken?: string;

  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    options: CollectorErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.appliance = options.appliance;
    this.nitroErrorCode = options.nitroErrorCode;
    this.httpStatus = options.httpStatus;
    // Not enumerable: a logger or serializer that walks the error's own fields never meets the token.
    if (options.sessionCookieToken !== undefined) {
      Object.defineProperty(this, 'sessionCookieToken', { value: options.sessionCookieToken, enumerable: false });
    }
  }

  /** This error with what the exchange that failed had received: its HTTP status and a session cookie, if any. */
  withExchange(received: { readonly httpStatus?: number; readonly sessionCookieToken?: string }): CollectorError {
    if (received.sessionCookieToken === undefined && (received.httpStatus === undefined || this.httpStatus !== undefined)) return this;
    const copy = new CollectorError(this.errorClass, this.message, {
      appliance: this.appliance,
      nitroErrorCode: this.nitroErrorCode,
      httpStatus: this.httpStatus ?? received.httpStatus,
      sessionCookieToken: received.sessionCookieToken ?? this.sessionCookieToken,
      cause: this.cause,
    });
    copy.stack = this.stack;
    return copy;
  }
}

/**
 * The state table could not be read or written for an appliance (throttled, denied, unreachable): reported as
 * StateUnavailable and in the run's one WARN line about the table, not as a failure of the appliance's own.
 */
export class StateUnavailableError extends CollectorError {
  override readonly name = 'StateUnavailableError';
  constructor(message: string, options: CollectorErrorOptions = {}) {
    super('state-error', message, options);
  }
}

/** Any thrown value as a CollectorError (unknown values become class `internal`). */
export function toCollectorError(error: unknown, appliance?: string): CollectorError {
  if (error instanceof CollectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CollectorError('internal', appliance ? `${appliance}: ${message}` : message, { appliance, cause: error });
}
