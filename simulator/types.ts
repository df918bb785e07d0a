/**
 * The public types of the NITRO appliance simulator. See simulator/README.md for what each option and control does.
 */

import type { FirmwareVersion } from '../lambda/catalog/catalog.js';
import type { VirtualServerType } from '../lambda/catalog/virtual-server.js';
import type { IntegerEncoding, JsonValue, RawJson } from './json-text.js';
import type { VirtualServerValues } from './virtual-servers.js';

export type { FirmwareVersion, IntegerEncoding, JsonValue };

export type ResponseShape = 'object' | 'array';
export type SessionCookieName = 'sessionid' | 'NITRO_AUTH_TOKEN';
export type InitialCounters = 'realistic' | 'zero';

export interface HaState {
  /** 'YES' when the node is part of an HA pair, 'NO' when standalone. */
  readonly hacurstatus: string;
  /** 'Primary', 'Secondary', ... */
  readonly hacurmasterstate: string;
  /** 'UP', ... */
  readonly hacurstate: string;
}

/** Which NITRO calls a fault applies to ('vserver': stat/lbvserver and stat/csvserver). 'any' also matches unknown paths. */
export type FaultTarget = 'login' | 'stat' | 'hanode' | 'vserver' | 'logout' | 'any';

export type Fault =
  /** A NITRO error body `{"errorcode":N,"message":..,"severity":"ERROR"}` under any HTTP status (200 included). */
  | { readonly kind: 'nitro-error'; readonly status: number; readonly errorcode: number; readonly message?: string }
  /**
   * errorcode 444 under `status` (default 401); the request's session is really killed, unless `keepSession` is
   * true (some firmware and proxies answer 444 while the session lives on: a client must still log it out).
   */
  | { readonly kind: 'session-expired'; readonly status?: number; readonly keepSession?: boolean }
  /** 403 + errorcode 2138. */
  | { readonly kind: 'not-authorized' }
  /** An HTML error page, as a proxy in front of the appliance would send (default status 502). */
  | { readonly kind: 'html'; readonly status?: number }
  /** HTTP 200, `Content-Type: application/json`, a body that is not JSON. */
  | { readonly kind: 'not-json' }
  /** The normal answer cut in the middle; Content-Length matches the cut body. Side effects (login) still happen. */
  | { readonly kind: 'truncated' }
  /** A success envelope without the resource key (login: without `sessionid`, and no session is created). */
  | { readonly kind: 'no-resource-key' }
  /** Waits `ms` before handling the request (combines with one other fault injected for the same call). */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Never answers; the socket is destroyed when the simulator closes. */
  | { readonly kind: 'hang' }
  /** Destroys the socket without an answer. */
  | { readonly kind: 'reset' }
  /**
   * The normal answer (status and headers, with the full Content-Length) at once, then its body `bytes` bytes
   * (default 1) every `intervalMs` (default 1000): never idle long, yet slow to finish. Side effects happen.
   */
  | { readonly kind: 'drip'; readonly intervalMs?: number; readonly bytes?: number }
  /** Exactly `body` under `status` (default 500) and `contentType` (default 'text/plain'). */
  | { readonly kind: 'text'; readonly status?: number; readonly contentType?: string; readonly body: string }
  /**
   * Login only: the normal login (the session is created) answered without `sessionid` in the body and with two
   * Set-Cookie headers: first `sessionid=<a decoy that is no session>`, then `NITRO_AUTH_TOKEN=<the real session>`.
   */
  | { readonly kind: 'decoy-cookie' };

export type FaultKind = Fault['kind'];

export interface FaultOptions {
  /** Default 'any'. */
  readonly on?: FaultTarget;
  /** How many matching requests get the fault. Default 1; `Infinity` until clearFaults(). */
  readonly times?: number;
}

export type SessionAuth = 'cookie' | 'headers' | 'none';

export interface RequestLogEntry {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The raw query string without '?', or '' when there was none. */
  readonly query: string;
  /** The HTTP status sent; 0 when no answer was sent (reset, hang, closed while delayed). */
  readonly status: number;
  /** How the request authenticated: a session cookie, X-NITRO-USER/X-NITRO-PASS headers, or nothing. */
  readonly sessionAuth: SessionAuth;
  /** The session cookie's name when one was sent. */
  readonly cookieName?: SessionCookieName;
  /** True when X-NITRO-USER or X-NITRO-PASS was sent (also together with a cookie, which clients must not do). */
  readonly credentialHeaders: boolean;
  /** The user name from a login body or X-NITRO-USER. Passwords are never recorded. */
  readonly username?: string;
  /** True when the current password appeared in the path or query (it is replaced by [REDACTED] there). */
  readonly credentialsInUrl?: boolean;
  /** The injected fault that shaped this answer (the terminal one when latency was combined with another). */
  readonly fault?: FaultKind;
  /**
   * The short opaque tag (`s1`, `s2`, ...; never the session id) of the session this request concerns: for a login,
   * the session it created (also when the answer was then truncated, dripped or decoy-cookied); for any other
   * request, the session of the cookie it presented, if the simulator ever issued that id (alive or not).
   */
  readonly sessionTag?: string;
  /**
   * For a login: the opaque tag (`p1`, `p2`, ... in order of first use; nothing of the password) of the password it
   * presented. `passwordTagOf(password)` gives a known password's tag.
   */
  readonly passwordTag?: string;
  /** For a login: the `timeout` it asked for, seconds (absent when it sent none). */
  readonly loginTimeout?: number;
  /** Arrival time, epoch milliseconds (from the simulator's clock). */
  readonly at: number;
}

/** N failed logins in a row lock the user for T; any login while locked is refused and restarts the lock. */
export interface LockoutPolicy {
  readonly failures: number;
  readonly lockSeconds: number;
}

export interface SimulatorOptions {
  /** 0 (default): a random free port. The server listens on 127.0.0.1 only. */
  readonly port?: number;
  /** Seed of the traffic model's PRNG. Default 1. */
  readonly seed?: number;
  /** Move the counters by the wall-clock time since the last stat GET, on every stat GET. Default false. */
  readonly autoAdvance?: boolean;
  /**
   * A quiet, healthy appliance: traffic moves as usual, but the problem counters (errors, fallbacks, exhaustion,
   * refusals: catalog isProblemCounter) stay still. What docs/cost.md prices. Default false.
   */
  readonly quiet?: boolean;
  /** Concurrent sessions allowed. Default 20. */
  readonly sessionLimit?: number;
  /** Default 'nsroot-reader'. */
  readonly username?: string;
  /** Default 'sim-Kx7-moon-4711'. */
  readonly password?: string;
  /** Default 'object'. */
  readonly shape?: ResponseShape;
  /** Default 'string'. */
  readonly integerEncoding?: IntegerEncoding;
  /** The cookie set by login. Default 'sessionid'; 'NITRO_AUTH_TOKEN' is what old firmware sets. */
  readonly cookieName?: SessionCookieName;
  /** Default 'realistic' (a few minutes of traffic); 'zero' starts every counter and gauge at 0. */
  readonly initialCounters?: InitialCounters;
  /** Default standalone: { hacurstatus: 'NO', hacurstate: 'UP', hacurmasterstate: 'Primary' }. */
  readonly haState?: Partial<HaState>;
  /** Serve the /_control/... HTTP API. Default true. */
  readonly controlApi?: boolean;
  /** Epoch milliseconds; used for session expiry, autoAdvance and the request log. Default Date.now. */
  readonly clock?: () => number;
  /** How long an idle keep-alive connection stays open, in ms. Default 5000 (Node's default). */
  readonly keepAliveTimeoutMs?: number;
  /** The field set of stat/protocolmptcp: '13.1' (the reference page's 150, default) or '14.1' (plus MPTCP v1). */
  readonly firmware?: FirmwareVersion;
  /**
   * `set system parameter -restrictedTimeout ENABLED`: a login `timeout` outside [300, min(86400, admin timeout)] is
   * refused (400 + 278 naming the timeout); a login without one gets the admin timeout. Default false.
   */
  readonly restrictedTimeout?: boolean;
  /** The admin-configured session timeout (`set system parameter -timeout`), seconds. Default 900. */
  readonly adminTimeoutSeconds?: number;
  /** An account lockout policy. Default none (failed logins never lock). */
  readonly lockout?: LockoutPolicy;
}

/** The operations a test (or the /_control HTTP API) uses to steer the simulated appliance. */
export interface SimulatorControl {
  setCredentials(username: string, password: string): void;
  /** Sets a gauge or counter (exact, 0..2^64-1) or a rate field (a number). */
  setCounter(nitroName: string, value: bigint | string | number): void;
  /** Every gauge and counter as the appliance holds it. */
  getCounters(): Record<string, bigint>;
  /** Every rate field as it would be sent now. */
  getRates(): Record<string, number>;
  /** Simulates `seconds` of traffic. */
  advance(seconds: number): void;
  /** Turns wall-clock traffic on every stat GET on or off. */
  setAutoAdvance(enabled: boolean): void;
  /** All counters, rates and gauges to 0; every session dropped. */
  reboot(): void;
  /** Counters and rates to 0 (what `clearstats` does); gauges stay. */
  clearStats(): void;
  setShape(shape: ResponseShape): void;
  setIntegerEncoding(encoding: IntegerEncoding): void;
  removeFields(names: readonly string[]): void;
  addFields(fields: Readonly<Record<string, JsonValue>>): void;
  /** Sends `value` (JSON-encoded, or verbatim for RawJson) instead of the field's real value. */
  setRawField(name: string, value: JsonValue | RawJson): void;
  /** Undoes removeFields, addFields and setRawField. */
  resetFields(): void;
  setHaState(state: Partial<HaState>): void;
  /**
   * Makes this an HA pair behind one floating address (hacurstatus YES): a second node with its own counters (a
   * minute of traffic) joins as secondary. Idempotent.
   */
  haPair(): void;
  /**
   * A failover (or failback): the other node becomes primary and answers from now on, with its own counters (kept
   * while it was secondary); both nodes' transtime is set to now; every session ends (they were the old node's).
   */
  haSwitch(): void;
  /** Which node of the pair is primary: 0 (the first) or 1. */
  haPrimaryNode(): 0 | 1;
  injectFault(fault: Fault, options?: FaultOptions): void;
  clearFaults(): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Sessions currently alive (not logged out, killed or expired). */
  openSessions(): number;
  /** The tags (see RequestLogEntry.sessionTag) of the sessions alive now, oldest first. */
  openSessionTags(): string[];
  /** Successful logins since start (each created a session). */
  logins(): number;
  /** The most sessions alive at the same time since start. */
  maxConcurrentSessions(): number;
  /** Kills every session, as an administrator's `kill system session -all`. */
  killSessions(): void;
  /** Creates the lb or cs virtual server `name`, or sets its MPTCP gauges (curmptcpsessions, cursubflowconn). */
  setVirtualServer(type: VirtualServerType, name: string, values?: VirtualServerValues): void;
  /** Removes a virtual server: its stat GET then answers 258 (no such resource). */
  removeVirtualServer(type: VirtualServerType, name: string): void;
  /** Serves the field set of `firmware` from now on (an upgrade; reboot() as well for a real one). */
  setFirmware(firmware: FirmwareVersion): void;
  /** Turns restrictedTimeout on or off, optionally with a new admin timeout (seconds). */
  setRestrictedTimeout(enabled: boolean, adminTimeoutSeconds?: number): void;
  /** Sets (or, with undefined, removes) the lockout policy; existing locks are lifted. */
  setLockout(policy: LockoutPolicy | undefined): void;
  /** When `username`'s lock ends (epoch ms on the simulator's clock), if it is locked now. */
  lockedUntil(username?: string): number | undefined;
  /** The tag logins recorded for `password` (see RequestLogEntry.passwordTag), if one presented it. */
  passwordTagOf(password: string): string | undefined;
  /** Logins refused for a wrong password, and logins refused because the user was locked, since start. */
  loginRefusals(): { readonly failedLogins: number; readonly lockedRefusals: number };
}

export interface Simulator extends SimulatorControl {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate: the only thing a client needs to trust. */
  readonly caCertificate: string;
  /** A name in the certificate to verify when connecting by IP. */
  readonly serverName: 'localhost';
  readonly username: string;
  readonly password: string;
  /** `https://127.0.0.1:<port>/_control` (when the control API is on). */
  readonly controlUrl: string;
  /** Closes the server and every connection (hanging requests included). */
  close(): Promise<void>;
}
