/**
 * The NITRO calls a collector makes, answered the way appliances answer them on the wire (simulator/README.md,
 * "Wire behaviour"): login, stat/protocolmptcp, stat/hanode, logout; 404 + 258 for anything else.
 */
import { VIRTUAL_SERVER_TYPES, type VirtualServerResource } from '../lambda/catalog/virtual-server.js';
import { isRecord } from '../lambda/core/is-record.js';
import type { Appliance } from './appliance.js';
import type { CallKind } from './faults.js';
import type { PresentedAuth } from './presented-auth.js';
import { type HttpReply, NitroCode, NitroMessage, nitroError, nitroSuccess } from './replies.js';

export interface NitroRequest {
  readonly method: string;
  readonly path: string;
  readonly searchParams: URLSearchParams;
  readonly body: string;
  readonly auth: PresentedAuth;
}

/** What answering a request tells the request log. */
export interface AnswerObserver {
  /** The user name a login presented. */
  setUsername(username: string): void;
  /** The tag of the session a login created. */
  setSessionTag(tag: string): void;
  /** The opaque tag of the password a login presented. */
  setPasswordTag(tag: string): void;
  /** The timeout a login asked for. */
  setLoginTimeout(seconds: number): void;
}

export function callKindOf(method: string, path: string): CallKind {
  if (method === 'POST' && path === '/nitro/v1/config/login') return 'login';
  if (method === 'POST' && path === '/nitro/v1/config/logout') return 'logout';
  if (method === 'GET' && path === '/nitro/v1/stat/protocolmptcp') return 'stat';
  if (method === 'GET' && path === '/nitro/v1/stat/hanode') return 'hanode';
  if (method === 'GET' && virtualServerPath(path) !== undefined) return 'vserver';
  return 'other';
}

/** The answer to `request` without faults. */
export function answerNitro(appliance: Appliance, call: CallKind, request: NitroRequest, observer: AnswerObserver): HttpReply {
  switch (call) {
    case 'login':
      return login(appliance, request.body, observer);
    case 'logout':
      return logout(appliance, request.auth);
    case 'stat':
      return statProtocolMptcp(appliance, request);
    case 'hanode':
      return statHanode(appliance, request.auth);
    case 'vserver':
      return statVirtualServer(appliance, request);
    case 'other':
      return nitroError(404, NitroCode.noSuchResource, NitroMessage.noSuchResource);
  }
}

/** The success envelope of `call` without its resource (what the 'no-resource-key' fault sends). */
export function successWithoutResource(call: CallKind): HttpReply {
  return nitroSuccess(call === 'login' ? 201 : 200);
}

function login(appliance: Appliance, body: string, observer: AnswerObserver): HttpReply {
  const outcome = logIn(appliance, body, observer);
  if (!outcome.ok) return outcome.reply;
  const cookie = `${appliance.cookieName}=${outcome.sessionId}; path=/nitro/v1; Secure; HttpOnly`;
  return nitroSuccess(201, [['sessionid', JSON.stringify(outcome.sessionId)]], { 'Set-Cookie': cookie });
}

export type LoginOutcome = { readonly ok: true; readonly sessionId: string } | { readonly ok: false; readonly reply: HttpReply };

/** A login's work without its success answer: checks the body, lock, credentials and timeout, creates the session. */
export function logIn(appliance: Appliance, body: string, observer: AnswerObserver): LoginOutcome {
  const request = parseLoginBody(body);
  if (!request) return { ok: false, reply: nitroError(400, NitroCode.invalidArgument, `${NitroMessage.invalidArgument} [login]`) };
  observer.setUsername(request.username);
  observer.setPasswordTag(appliance.loginPolicy.tagPassword(request.password));
  if (request.timeoutSeconds !== undefined) observer.setLoginTimeout(request.timeoutSeconds);
  const locked = appliance.loginPolicy.refuseIfLocked(request.username);
  if (locked) return { ok: false, reply: locked };
  if (!appliance.credentialsMatch(request.username, request.password)) {
    appliance.loginPolicy.recordFailure(request.username);
    return { ok: false, reply: nitroError(401, NitroCode.invalidCredentials, NitroMessage.invalidCredentials) };
  }
  appliance.loginPolicy.recordSuccess(request.username);
  const timeout = appliance.loginPolicy.sessionTimeout(request.timeoutSeconds);
  if (!timeout.ok) return { ok: false, reply: timeout.reply };
  const created = appliance.sessions.create(request.username, timeout.seconds);
  if (!created.ok) return { ok: false, reply: nitroError(409, NitroCode.sessionLimit, NitroMessage.sessionLimit) };
  observer.setSessionTag(created.tag);
  return { ok: true, sessionId: created.sessionId };
}

/** Records the tag of the password a login body presents (nothing when the body is no login). */
export function tagLoginPassword(appliance: Appliance, body: string, observer: Pick<AnswerObserver, 'setPasswordTag'>): void {
  const request = parseLoginBody(body);
  if (request) observer.setPasswordTag(appliance.loginPolicy.tagPassword(request.password));
}

interface LoginRequest {
  readonly username: string;
  readonly password: string;
  /** Undefined when the login sent none (or one that is no whole number of seconds). */
  readonly timeoutSeconds?: number;
}

function parseLoginBody(body: string): LoginRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const login = isRecord(parsed) ? parsed['login'] : undefined;
  if (!isRecord(login)) return undefined;
  const { username, password, timeout } = login;
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  const timeoutSeconds = sessionTimeoutSeconds(timeout);
  return { username, password, ...(timeoutSeconds !== undefined && { timeoutSeconds }) };
}

function sessionTimeoutSeconds(timeout: unknown): number | undefined {
  const seconds = typeof timeout === 'string' && /^\d+$/.test(timeout) ? Number(timeout) : timeout;
  return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

type Authentication = { readonly ok: true; readonly sessionId?: string } | { readonly ok: false; readonly reply: HttpReply };

/** A session cookie if one is sent (it wins over headers); else X-NITRO-USER/X-NITRO-PASS. */
function authenticate(appliance: Appliance, auth: PresentedAuth): Authentication {
  if (auth.cookie) {
    if (appliance.sessions.use(auth.cookie.sessionId)) return { ok: true, sessionId: auth.cookie.sessionId };
    return { ok: false, reply: nitroError(401, NitroCode.sessionExpired, NitroMessage.sessionExpired) };
  }
  if (auth.headerUser !== undefined) {
    if (appliance.credentialsMatch(auth.headerUser, auth.headerPassword ?? '')) return { ok: true };
    return { ok: false, reply: nitroError(401, NitroCode.invalidCredentials, NitroMessage.invalidCredentials) };
  }
  return { ok: false, reply: nitroError(401, NitroCode.sessionExpired, NitroMessage.sessionExpired) };
}

function logout(appliance: Appliance, auth: PresentedAuth): HttpReply {
  const authentication = authenticate(appliance, auth);
  if (!authentication.ok) return authentication.reply;
  if (authentication.sessionId !== undefined) appliance.sessions.end(authentication.sessionId);
  return nitroSuccess(200);
}

function statProtocolMptcp(appliance: Appliance, request: NitroRequest): HttpReply {
  const authentication = authenticate(appliance, request.auth);
  if (!authentication.ok) return authentication.reply;
  appliance.advanceToNow();
  const reply = nitroSuccess(200, [['protocolmptcp', appliance.format.protocolMptcp(appliance.counters)]]);
  // Like `stat protocol mptcp -clearstats`: the values are shown, then cleared.
  if (asksToClearStats(request.searchParams)) appliance.clearStats();
  return reply;
}

function statHanode(appliance: Appliance, auth: PresentedAuth): HttpReply {
  const authentication = authenticate(appliance, auth);
  if (!authentication.ok) return authentication.reply;
  return nitroSuccess(200, [['hanode', appliance.format.hanode(appliance.haState, appliance.haNodeFacts())]]);
}

const VIRTUAL_SERVER_RESOURCES: readonly VirtualServerResource[] = Object.values(VIRTUAL_SERVER_TYPES).map((t) => t.resource);

/** `stat/lbvserver` or `stat/csvserver`, with `name` (still percent-encoded) when one server is asked for. */
function virtualServerPath(path: string): { resource: VirtualServerResource; encodedName?: string } | undefined {
  const match = /^\/nitro\/v1\/stat\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
  const resource = VIRTUAL_SERVER_RESOURCES.find((r) => r === match?.[1]);
  if (!match || !resource) return undefined;
  return match[2] === undefined ? { resource } : { resource, encodedName: match[2] };
}

/** One server (`.../lbvserver/NAME`, 258 when there is none) or the whole collection (`.../lbvserver`). */
function statVirtualServer(appliance: Appliance, request: NitroRequest): HttpReply {
  const authentication = authenticate(appliance, request.auth);
  if (!authentication.ok) return authentication.reply;
  const target = virtualServerPath(request.path);
  if (!target) return nitroError(404, NitroCode.noSuchResource, NitroMessage.noSuchResource);
  const encoding = appliance.format.integerEncoding;
  if (target.encodedName === undefined)
    return nitroSuccess(200, [[target.resource, appliance.virtualServers.arrayText(target.resource, encoding)]]);
  let name: string;
  try {
    name = decodeURIComponent(target.encodedName);
  } catch {
    return nitroError(400, NitroCode.invalidArgument, NitroMessage.invalidArgument);
  }
  if (!appliance.virtualServers.has(target.resource, name)) return nitroError(404, NitroCode.noSuchResource, NitroMessage.noSuchResource);
  return nitroSuccess(200, [[target.resource, appliance.virtualServers.arrayText(target.resource, encoding, name)]]);
}

/** `?args=clearstats:basic` (NITRO's form) or `?clearstats=full`. */
function asksToClearStats(searchParams: URLSearchParams): boolean {
  const levels = [...searchParams.getAll('clearstats')];
  for (const args of searchParams.getAll('args')) {
    for (const argument of args.split(',')) {
      const [name, value] = argument.split(':');
      if (name?.trim().toLowerCase() === 'clearstats' && value !== undefined) levels.push(value);
    }
  }
  return levels.some((level) => ['basic', 'full'].includes(level.trim().toLowerCase()));
}
