import { CollectorError } from '../errors.js';
import { type BodyShape, readEnvelope } from './body.js';

/**
 * Turns a NITRO answer or a failed request into a CollectorError whose class tells the caller what to do:
 * re-login once (session-expired), stop without retrying (bad-credentials, not-authorized), or report.
 * NITRO error codes are read on every HTTP status: appliances send 444 under 200, 400, 401 and 403.
 */

const BAD_CREDENTIALS: ReadonlySet<number> = new Set([354, 355]);

/** How a login refused for a locked user is worded (the credential backoff tells it apart by this). */
export const LOCKED_USER_REFUSAL = 'refused the login: the user is locked';
const SESSION_EXPIRED: ReadonlySet<number> = new Set([352, 444, 1026, 1027]);
const NOT_AUTHORIZED: ReadonlySet<number> = new Set([257, 2138]);
const SESSION_LIMIT: ReadonlySet<number> = new Set([445, 446]);

/** The operation name of the login request: the only answer that tells whether the password is right. */
export const LOGIN_OPERATION = 'login';

export interface AnswerContext {
  readonly appliance: string;
  /** What was asked, e.g. "login" or "GET stat/protocolmptcp". */
  readonly operation: string;
  /** The NITRO command a command policy must allow for this operation, e.g. "stat protocol mptcp". */
  readonly command?: string;
}

/** Returns the JSON object of a successful answer, or throws the classified CollectorError. */
export function checkAnswer(status: number, body: BodyShape, context: AnswerContext): Record<string, unknown> {
  const where = `${context.appliance}: ${context.operation}`;
  if (body.kind !== 'json' && context.operation === LOGIN_OPERATION && status === 401)
    throw unreadableLoginRefusal(where, describeNonJson(body), context.appliance);
  if (body.kind !== 'json') {
    throw new CollectorError('protocol-error', `${where} answered HTTP ${status} with ${describeNonJson(body)}`, {
      appliance: context.appliance,
      httpStatus: status,
    });
  }
  const envelope = readEnvelope(body.value);
  const code = envelope?.errorcode;
  const options = { appliance: context.appliance, httpStatus: status, nitroErrorCode: code };
  const detail = envelope ? `HTTP ${status}, NITRO errorcode ${code}${envelope.message ? ` "${envelope.message}"` : ''}` : `HTTP ${status}`;

  // A locked user is refused under 354 by some and under other codes by others; what it says is what tells.
  const locked = context.operation === LOGIN_OPERATION && envelope?.message !== undefined && /\block(ed|out)\b/i.test(envelope.message);
  if (locked) {
    throw new CollectorError(
      'bad-credentials',
      `${where} ${LOCKED_USER_REFUSAL} (${detail}); not retried, to avoid keeping it locked: unlock it, then check the secret`,
      options,
    );
  }
  // Only a login tells about the password: a stat request that carries 354/355 comes after a login the appliance
  // accepted with that password, so it is a protocol error for this run (tried again next run), not a rejection.
  if (code !== undefined && BAD_CREDENTIALS.has(code) && context.operation !== LOGIN_OPERATION) {
    throw new CollectorError(
      'protocol-error',
      `${where} answered a credential error (${detail}) after the appliance accepted the login; not treated as a rejected password: tried again next run`,
      options,
    );
  }
  if (code !== undefined && BAD_CREDENTIALS.has(code)) {
    throw new CollectorError(
      'bad-credentials',
      `${where} rejected the username or password (${detail}); not retried, to avoid locking the account: check the secret`,
      options,
    );
  }
  if (code !== undefined && SESSION_EXPIRED.has(code)) {
    throw new CollectorError('session-expired', `${where}: the NITRO session expired or was killed (${detail})`, options);
  }
  if ((code !== undefined && NOT_AUTHORIZED.has(code)) || (status === 403 && (code === undefined || code === 0))) {
    const policy = context.command
      ? `: bind the user to a command policy that allows "${context.command}" (e.g. ALLOW "^${context.command.replace(/ /g, '\\s+')}")`
      : '';
    throw new CollectorError('not-authorized', `${where} is not authorized (${detail})${policy}`, options);
  }
  if (code !== undefined && SESSION_LIMIT.has(code)) {
    throw new CollectorError(
      'session-limit',
      `${where}: the appliance has no session or connection left (${detail}); too many administrators or pollers are logged in`,
      options,
    );
  }
  if (status >= 300 || (code !== undefined && code !== 0)) {
    throw new CollectorError('appliance-error', `${where} failed (${detail})`, options);
  }
  if (!envelope) {
    throw new CollectorError(
      'protocol-error',
      `${where} answered HTTP ${status} with JSON that is not a NITRO answer (no errorcode)`,
      options,
    );
  }
  return envelope.body;
}

/**
 * A login refused with HTTP 401 whose answer could not be read (cut off, not JSON): the appliance has most likely
 * counted a failed login, so it is treated as a rejected password (the credential backoff), never tried again at
 * once: a login answer cut off run after run would otherwise lock the account.
 */
export function unreadableLoginRefusal(where: string, what: string, appliance: string): CollectorError {
  return new CollectorError(
    'bad-credentials',
    `${where} was refused with HTTP 401 and ${what}: most likely a rejected username or password; treated as one, not retried, to avoid locking the account: check the secret`,
    { appliance, httpStatus: 401 },
  );
}

function describeNonJson(body: Exclude<BodyShape, { kind: 'json' }>): string {
  switch (body.kind) {
    case 'empty':
      return 'an empty body instead of NITRO JSON';
    case 'html':
      return 'an HTML page instead of NITRO JSON (a proxy, load balancer or login page in the way, or the URL is not the NSIP/management address?)';
    case 'truncated':
      return `a truncated JSON body (${body.bytes} bytes, cut off before its end)`;
    case 'not-json':
      return `a body that is not JSON: "${body.excerpt}"`;
  }
}

const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Classifies an error thrown by the HTTP client (no answer at all). */
export function classifyTransportError(
  error: unknown,
  context: AnswerContext & { url: string; timedOut?: 'budget' | 'request'; requestTimeoutMs?: number },
): CollectorError {
  const where = `${context.appliance}: ${context.operation} to ${context.url}`;
  const options = { appliance: context.appliance, cause: error };
  if (context.timedOut === 'budget') {
    return new CollectorError('timeout', `${where} did not finish within the appliance's share of the run's time`, options);
  }
  if (context.timedOut === 'request') {
    return new CollectorError(
      'timeout',
      `${where} did not finish within ${context.requestTimeoutMs ?? 'its'} ms (headers and whole body)`,
      options,
    );
  }
  const code = errorCode(error);
  const message = innermostMessage(error);
  if (code && TLS_TRUST_CODES.has(code)) {
    return new CollectorError(
      'transport-error',
      `${where}: TLS verification failed (${code}): the appliance's certificate is not signed by a trusted CA. Put the PEM of the CA that signed the management certificate into "caCertificate" (appliance config or secret)`,
      options,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CollectorError(
      'transport-error',
      `${where}: TLS verification failed: ${message}. Set "tlsServerName" to a name the certificate carries`,
      options,
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new CollectorError(
      'transport-error',
      `${where}: TLS verification failed (${code}): renew the appliance's management certificate`,
      options,
    );
  }
  if (code === 'ECONNREFUSED')
    return new CollectorError(
      'transport-error',
      `${where}: connection refused (is the management service on that address and port?)`,
      options,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new CollectorError('transport-error', `${where}: DNS lookup failed (${code})`, options);
  if (code === 'ETIMEDOUT') {
    return new CollectorError('transport-error', `${where}: connect timed out (network path, security group or firewall?)`, options);
  }
  if (code?.startsWith('ERR_SSL_') && code.includes('_ALERT_')) {
    return new CollectorError(
      'transport-error',
      `${where}: the appliance ended the TLS handshake (${code}): check its SSL profile (protocol versions, ciphers, client certificate)`,
      options,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new CollectorError('transport-error', `${where}: the connection was closed before the answer was complete: ${message}`, options);
  }
  return new CollectorError('transport-error', `${where} failed: ${message}${code ? ` (${code})` : ''}`, options);
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && e.message) message = e.message;
  }
  return message;
}
