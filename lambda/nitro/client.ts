import { VIRTUAL_SERVER_TYPES, type VirtualServerRef, virtualServerStatPath } from '../catalog/virtual-server.js';
import { MAX_REQUEST_MS, timerMs } from '../core/budget.js';
import { sameCredentials } from '../core/credential-backoff.js';
import { isRecord } from '../core/is-record.js';
import type { ApplianceCredentials } from '../core/ports.js';
import { refusesTimeout, SESSION_TIMEOUT_SECONDS } from '../core/session-timeout.js';
import { CollectorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type BodyShape, readBody, readEnvelope } from './body.js';
import { type AnswerContext, checkAnswer, classifyTransportError, LOGIN_OPERATION, unreadableLoginRefusal } from './classify.js';
import { type ApplianceSessions, type KeptNitroSessions, mayHaveExpired, UNKNOWN_IDLE_TIMEOUT_MS } from './kept-sessions.js';
import { BodyLimitError, type NitroTransport, NitroTransports, RequestTimeoutError } from './transport.js';

/** Where and how to reach one appliance (the TLS and transport part of ApplianceConfig). */
export interface NitroTarget {
  readonly name: string;
  readonly url: string;
  readonly caCertificate?: string;
  readonly tlsServerName?: string;
  readonly insecureSkipVerify?: boolean;
  readonly allowPlainHttp?: boolean;
}

export interface NitroClientOptions {
  readonly logger: Logger;
  /** Aborts every request (logout excepted) when the appliance's share of the run is spent. */
  readonly signal?: AbortSignal;
  /** Longest time one request may take, headers and whole body (default MAX_REQUEST_MS). */
  readonly requestTimeoutMs?: number;
  /** Removes secrets from text the appliance sent, before any of it is excerpted into a message. */
  readonly scrub?: (text: string) => string;
  /**
   * The NITRO session's idle timeout sent on login (default SESSION_TIMEOUT_SECONDS.default): short, so a session that
   * could not be logged out ends soon by itself, and valid with and without restrictedTimeout.
   */
  readonly sessionTimeoutSeconds?: number;
  /**
   * Appliances (origin and timeout) that refused the session timeout, kept by the caller for as long as it lives (the
   * container's memory): later logins leave the timeout out at once. Default: this client's own.
   */
  readonly timeoutRefusedBy?: Set<string>;
  /**
   * The container's kept sessions (its ContainerMemory's): withSession then keeps the session for the next run
   * instead of logging out. Without it every withSession logs in and out (a one-shot process).
   */
  readonly sessions?: KeptNitroSessions;
  /**
   * The container's connection pools (its ContainerMemory's): a warm run reuses the connection and resumes the TLS
   * session. Without them the client has a pool of its own, closed by close().
   */
  readonly transports?: NitroTransports;
  /** The clock of session idle times (epoch ms; default Date.now): the run's clock. */
  readonly now?: () => number;
}

/**
 * The only resources this client can read. Paths are fixed here and no query string can be added, so a
 * request can never carry `args=clearstats:...` (which clears the appliance's counters).
 */
/**
 * Each answer's body is read up to its resource's limit and no further (the parse of a body costs many times its
 * size, and ten appliances run at once in 256 MB). Real answers: protocolmptcp 4-7 KB (150-200 fields), hanode
 * under 2 KB, login and logout under 200 bytes; the limits leave a margin of ten times or more.
 */
export const MAX_BODY_BYTES = {
  protocolmptcp: 64 * 1024,
  hanode: 32 * 1024,
  /** stat/lbvserver/NAME and stat/csvserver/NAME: one server, 2-4 KB. */
  virtualServer: 64 * 1024,
  login: 16 * 1024,
  logout: 16 * 1024,
} as const;

const STAT_RESOURCES = {
  protocolmptcp: { path: '/nitro/v1/stat/protocolmptcp', command: 'stat protocol mptcp', maxBodyBytes: MAX_BODY_BYTES.protocolmptcp },
  hanode: { path: '/nitro/v1/stat/hanode', command: 'stat ha node', maxBodyBytes: MAX_BODY_BYTES.hanode },
} as const;

export type StatResource = keyof typeof STAT_RESOURCES;

const LOGIN_PATH = '/nitro/v1/config/login';
const LOGOUT_PATH = '/nitro/v1/config/logout';
const LOGOUT_TIMEOUT_MS = 3_000;
const LOGOUT_BODY = JSON.stringify({ logout: {} });

export interface NitroSession {
  /** The JSON answer of `GET /nitro/v1/stat/<resource>` (errorcode 0), the resource still under its key. */
  getStat(resource: StatResource): Promise<Record<string, unknown>>;
  /**
   * The JSON answer of `GET /nitro/v1/stat/lbvserver/NAME` or `.../csvserver/NAME` (errorcode 0). The name is
   * validated and percent-encoded into the path (config/virtual-server.ts): it can add no query and no other path.
   */
  getVirtualServerStat(server: VirtualServerRef): Promise<Record<string, unknown>>;
}

/**
 * Awaited before every login (none when a kept session serves the run), with the credentials about to be used: it
 * may refuse (throw) or hand back other ones (the credential gate's lockout check, pipeline/credential-gate.ts).
 */
export type BeforeLogin = (credentials: ApplianceCredentials) => Promise<ApplianceCredentials>;

export interface SessionOptions {
  readonly beforeLogin?: BeforeLogin;
}

interface StatRequest {
  readonly path: string;
  readonly operation: string;
  readonly command: string;
  readonly maxBodyBytes: number;
}

export class NitroClient {
  private readonly transport: NitroTransport;
  /** The pool this client made for itself (no container's transports given): closed by close(). */
  private readonly ownTransports: NitroTransports | undefined;
  private readonly origin: string;
  private readonly requestTimeoutMs: number;
  private readonly sessionTimeoutSeconds: number;
  private readonly timeoutRefusedBy: Set<string>;
  private readonly clock: () => number;

  constructor(
    private readonly target: NitroTarget,
    private readonly options: NitroClientOptions,
  ) {
    const url = new URL(target.url);
    if (url.protocol === 'http:' && target.allowPlainHttp !== true) {
      throw new CollectorError(
        'configuration',
        `${target.name}: url is plain http://; set allowPlainHttp to send credentials unencrypted on purpose`,
        {
          appliance: target.name,
        },
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new CollectorError('configuration', `${target.name}: url must be https://`, { appliance: target.name });
    }
    this.origin = url.origin;
    this.requestTimeoutMs = timerMs(options.requestTimeoutMs ?? MAX_REQUEST_MS);
    this.sessionTimeoutSeconds = options.sessionTimeoutSeconds ?? SESSION_TIMEOUT_SECONDS.default;
    this.timeoutRefusedBy = options.timeoutRefusedBy ?? new Set();
    this.clock = options.now ?? Date.now;
    if (target.insecureSkipVerify === true && url.protocol === 'https:') {
      options.logger.warn(
        'TLS certificate verification is OFF for this appliance (insecureSkipVerify): anyone on the network path can read its NITRO credentials',
        {
          appliance: target.name,
        },
      );
    }
    const transports = options.transports ?? new NitroTransports();
    this.ownTransports = options.transports === undefined ? transports : undefined;
    try {
      this.transport = transports.transportFor(target);
    } catch (error) {
      // A CA bundle that is not PEM (the config checks its own; the secret's comes in at run time).
      throw new CollectorError('configuration', `${target.name}: caCertificate is not a usable PEM bundle: ${(error as Error).message}`, {
        appliance: target.name,
        cause: error,
      });
    }
  }

  /**
   * Runs `work` with a NITRO session. Without `options.sessions`: logs in, and always logs out, also when `work` or
   * the budget fails. With the container's kept sessions: resumes the appliance's kept session (none is opened while
   * one is kept), and keeps it for the next run instead of logging out; settings or a secret version other than the
   * kept session's log it out first. A session the appliance dropped (444/1027 under any status) is replaced once:
   * one logout, one login, the read again. A session is not kept when the runs come further apart than its timeout,
   * nor after a rejected credential. `options.beforeLogin` is awaited before each login, and its credentials used.
   */
  async withSession<T>(
    credentials: ApplianceCredentials,
    work: (session: NitroSession) => Promise<T>,
    options: SessionOptions = {},
  ): Promise<T> {
    const previous = this.options.sessions?.take(this.target.name);
    let current = credentials;
    let token = await this.resume(previous, current);
    let renewed = false;
    let failure: unknown;
    const login = async () => {
      if (options.beforeLogin) current = await options.beforeLogin(current);
      return this.login(current);
    };
    try {
      token ??= await login();
      const read = async (request: StatRequest) => {
        try {
          return await this.getStat(request, token!);
        } catch (error) {
          if (!(error instanceof CollectorError) || error.errorClass !== 'session-expired' || renewed) throw error;
          renewed = true;
          this.options.logger.info(
            token === previous?.session?.token
              ? 'the kept NITRO session is gone (expired, killed, or a failover); logging in again once'
              : 'NITRO session expired; logging in again once',
            { appliance: this.target.name, nitroErrorCode: error.nitroErrorCode },
          );
          // Some firmware and proxies answer 444 while the session lives on: end it before opening another.
          const dropped = token!;
          token = undefined;
          await this.logout(dropped);
          token = await login();
          return await this.getStat(request, token);
        }
      };
      const session: NitroSession = {
        getStat: (resource) => read(this.statRequest(resource)),
        getVirtualServerStat: (server) => read(this.virtualServerRequest(server)),
      };
      return await work(session);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await this.release(token, current, previous, failure);
    }
  }

  /** The settings a kept session belongs to: any change ends it. */
  private settingsKey(): string {
    const { url, caCertificate, tlsServerName, insecureSkipVerify, allowPlainHttp } = this.target;
    return JSON.stringify([
      url,
      caCertificate ?? '',
      tlsServerName ?? '',
      insecureSkipVerify === true,
      allowPlainHttp === true,
      this.sessionTimeoutSeconds,
    ]);
  }

  private idleTimeoutMs(): number {
    return this.sendsTimeout() ? this.sessionTimeoutSeconds * 1000 : UNKNOWN_IDLE_TIMEOUT_MS;
  }

  /** The kept session's token when it may still be used; a session of other settings or credentials is logged out. */
  private async resume(previous: ApplianceSessions | undefined, credentials: ApplianceCredentials): Promise<string | undefined> {
    const kept = previous?.session;
    if (!kept) return undefined;
    if (kept.settings !== this.settingsKey() || !sameCredentials(kept.credentials, credentials)) {
      this.options.logger.info(
        'the appliance settings or its secret version changed: logging out the kept NITRO session before logging in',
        {
          appliance: this.target.name,
        },
      );
      await kept.end();
      return undefined;
    }
    // Past (or near) its idle timeout the appliance may have ended it: a new login. The logout (a 444 for a session
    // gone) makes sure that an appliance whose clock disagrees never holds two of this container's sessions.
    if (mayHaveExpired(this.clock() - previous.lastRunAt, kept.idleTimeoutMs)) {
      await kept.end();
      return undefined;
    }
    return kept.token;
  }

  /** Keeps the session for the next run, or logs it out (no kept sessions, a rejected credential, runs too far apart). */
  private async release(
    token: string | undefined,
    credentials: ApplianceCredentials,
    previous: ApplianceSessions | undefined,
    failure: unknown,
  ): Promise<void> {
    const sessions = this.options.sessions;
    if (!sessions) {
      if (token !== undefined) await this.logout(token);
      return;
    }
    const now = this.clock();
    const idleTimeoutMs = this.idleTimeoutMs();
    // The gap since this appliance's last run predicts the next one: a session that would expire before it is ended now.
    const tooFarApart = previous !== undefined && mayHaveExpired(now - previous.lastRunAt, idleTimeoutMs);
    const dead =
      failure instanceof CollectorError && (failure.errorClass === 'bad-credentials' || failure.errorClass === 'session-expired');
    if (tooFarApart && previous?.logsOutEachRun !== true) {
      this.options.logger.info(
        `the runs come further apart than the NITRO session timeout (${Math.round(idleTimeoutMs / 1000)} s): logging out at the end of each run instead of keeping the session; a sessionTimeoutSeconds above the interval keeps it`,
        { appliance: this.target.name },
      );
    }
    if (token === undefined || tooFarApart || dead) {
      if (token !== undefined) await this.logout(token);
      await sessions.put(this.target.name, { lastRunAt: now, logsOutEachRun: tooFarApart })?.end();
      return;
    }
    const kept = token;
    const displaced = sessions.put(this.target.name, {
      lastRunAt: now,
      session: { settings: this.settingsKey(), credentials, token: kept, idleTimeoutMs, end: () => this.logout(kept) },
    });
    await displaced?.end();
  }

  /**
   * Nothing is pending once withSession has settled; the connection and TLS session stay in the container's pool for
   * its next run (see transport.ts). A pool of the client's own is closed.
   */
  async close(): Promise<void> {
    this.ownTransports?.closeAll();
  }

  /**
   * Logs in with the session timeout. An appliance that refuses the timeout itself (restrictedTimeout with an admin
   * timeout below it) is asked once more without one: the session then lasts the appliance's own timeout.
   */
  private async login(credentials: ApplianceCredentials): Promise<string> {
    if (!this.sendsTimeout()) return this.loginOnce(credentials, undefined);
    try {
      return await this.loginOnce(credentials, this.sessionTimeoutSeconds);
    } catch (error) {
      if (!(error instanceof TimeoutRefused)) throw error;
      this.options.logger.warn(
        `the appliance refused the login session timeout of ${this.sessionTimeoutSeconds} s (restrictedTimeout with a lower admin timeout?); logging in once more without a timeout: sessions then last the appliance's own timeout. Set sessionTimeoutSeconds to a value it accepts (300 always is)`,
        { appliance: this.target.name, nitroErrorCode: error.refusal.nitroErrorCode, reason: error.refusal.message },
      );
      this.timeoutRefusedBy.add(this.timeoutKey());
      return this.loginOnce(credentials, undefined);
    }
  }

  private timeoutKey(): string {
    return `${this.origin} ${this.sessionTimeoutSeconds}`;
  }

  private sendsTimeout(): boolean {
    return !this.timeoutRefusedBy.has(this.timeoutKey());
  }

  private async loginOnce(credentials: ApplianceCredentials, timeout: number | undefined): Promise<string> {
    const context = { appliance: this.target.name, operation: LOGIN_OPERATION };
    const login = { username: credentials.username, password: credentials.password, ...(timeout !== undefined && { timeout }) };
    const body = JSON.stringify({ login });
    let answer: Awaited<ReturnType<NitroClient['send']>>;
    try {
      answer = await this.send('POST', LOGIN_PATH, context, { body, maxBodyBytes: MAX_BODY_BYTES.login });
    } catch (error) {
      // The session cookie came with the headers, the body never finished (a drip, a timeout): close that session.
      if (!(error instanceof CollectorError)) throw error;
      if (error.sessionCookieToken !== undefined) await this.logout(error.sessionCookieToken);
      // A 401 whose body never came whole: the appliance has counted a failed login all the same.
      if (error.httpStatus === 401)
        throw unreadableLoginRefusal(`${this.target.name}: login`, `no whole answer (${error.message})`, this.target.name);
      throw error;
    }
    const bodyToken = answer.body.kind === 'json' && isRecord(answer.body.value) ? nonEmptyString(answer.body.value.sessionid) : undefined;
    const token = bodyToken ?? answer.cookieToken;
    try {
      checkAnswer(answer.status, answer.body, context);
    } catch (error) {
      // The appliance may have opened a session although the answer is unusable (cut off, not JSON): close it.
      if (token) await this.logout(token);
      const message = answer.body.kind === 'json' ? readEnvelope(answer.body.value)?.message : undefined;
      if (timeout !== undefined && error instanceof CollectorError && error.errorClass === 'appliance-error' && refusesTimeout(message)) {
        throw new TimeoutRefused(error);
      }
      throw error;
    }
    if (!token)
      throw new CollectorError('protocol-error', `${this.target.name}: login succeeded but the answer has no sessionid`, {
        appliance: this.target.name,
      });
    return token;
  }

  private statRequest(resource: StatResource): StatRequest {
    if (!Object.hasOwn(STAT_RESOURCES, resource)) {
      throw new CollectorError('internal', `${this.target.name}: "${String(resource)}" is not a stat resource this client reads`, {
        appliance: this.target.name,
      });
    }
    const { path, command, maxBodyBytes } = STAT_RESOURCES[resource];
    return { path, command, maxBodyBytes, operation: `GET stat/${resource}` };
  }

  private virtualServerRequest(server: VirtualServerRef): StatRequest {
    let path: string;
    try {
      path = virtualServerStatPath(server);
    } catch (error) {
      throw new CollectorError('internal', `${this.target.name}: ${(error as Error).message}`, { appliance: this.target.name });
    }
    const { resource, command } = VIRTUAL_SERVER_TYPES[server.type];
    return { path, command, maxBodyBytes: MAX_BODY_BYTES.virtualServer, operation: `GET stat/${resource}/${server.name}` };
  }

  private async getStat(request: StatRequest, token: string): Promise<Record<string, unknown>> {
    const context = { appliance: this.target.name, operation: request.operation, command: request.command };
    const answer = await this.send('GET', request.path, context, { token, maxBodyBytes: request.maxBodyBytes });
    return checkAnswer(answer.status, answer.body, context);
  }

  private async logout(token: string): Promise<void> {
    const context = { appliance: this.target.name, operation: 'logout' };
    try {
      const answer = await this.send('POST', LOGOUT_PATH, context, {
        maxBodyBytes: MAX_BODY_BYTES.logout,
        token,
        body: LOGOUT_BODY,
        // Its own time, not the appliance's share of the run: a session is ended also after the share ran out.
        ownTimeoutMs: LOGOUT_TIMEOUT_MS,
      });
      checkAnswer(answer.status, answer.body, context);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // 444 here means the session is already gone: nothing is left open.
      if (!(error instanceof CollectorError && error.errorClass === 'session-expired')) {
        const lasts = this.sendsTimeout() ? `${this.sessionTimeoutSeconds} s` : "the appliance's own session timeout";
        this.options.logger.warn(`logout failed; the session ends by itself after ${lasts} idle`, {
          appliance: this.target.name,
          reason,
        });
      }
    }
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    context: AnswerContext,
    request: { token?: string; body?: string; ownTimeoutMs?: number; maxBodyBytes: number },
  ): Promise<{ status: number; body: BodyShape; cookieToken?: string }> {
    const budget = request.ownTimeoutMs === undefined ? this.options.signal : undefined;
    const timeoutMs = Math.min(request.ownTimeoutMs ?? this.requestTimeoutMs, this.requestTimeoutMs);
    // No accept-encoding: the answer comes uncompressed.
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.token) headers.cookie = `NITRO_AUTH_TOKEN=${request.token}`;
    const { maxBodyBytes } = request;
    let cookieToken: string | undefined;
    let headerStatus: number | undefined;
    try {
      budget?.throwIfAborted();
      const answer = await this.transport.exchange({
        method,
        path,
        headers,
        body: request.body,
        signal: budget,
        timeoutMs,
        maxBodyBytes,
        onHeaders: (status, responseHeaders) => {
          headerStatus = status;
          cookieToken = sessionCookie(responseHeaders['set-cookie']);
        },
      });
      return { status: answer.status, body: readBody(answer.text, answer.headers['content-type'], this.options.scrub), cookieToken };
    } catch (error) {
      const timedOut = budget?.aborted === true ? 'budget' : error instanceof RequestTimeoutError ? 'request' : undefined;
      const failure =
        error instanceof BodyLimitError
          ? new CollectorError(
              'protocol-error',
              `${this.target.name}: ${context.operation} answered more than ${maxBodyBytes} bytes (the limit for this resource); not a NITRO answer of this kind`,
              {
                appliance: this.target.name,
              },
            )
          : classifyTransportError(error, { ...context, url: `${this.origin}${path}`, timedOut, requestTimeoutMs: timeoutMs });
      throw failure.withExchange({ httpStatus: headerStatus, sessionCookieToken: cookieToken });
    }
  }
}

/** A login refused for its timeout argument (see session-timeout.ts): retried once without it. */
class TimeoutRefused extends Error {
  constructor(readonly refusal: CollectorError) {
    super(refusal.message);
  }
}

/** The session token from Set-Cookie: NITRO_AUTH_TOKEN (the documented name) wins over sessionid, whatever the order. */
function sessionCookie(setCookie: string | string[] | undefined): string | undefined {
  const found = new Map<string, string>();
  for (const cookie of [setCookie ?? []].flat()) {
    const match = /^\s*(sessionid|NITRO_AUTH_TOKEN)=([^;]+)/i.exec(cookie);
    if (match?.[1] && match[2]) found.set(match[1].toUpperCase(), match[2].trim());
  }
  return found.get('NITRO_AUTH_TOKEN') ?? found.get('SESSIONID');
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
