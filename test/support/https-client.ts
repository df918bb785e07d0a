/**
 * A minimal HTTPS client for the simulator's tests: node:https, trusting only the CA it is given, raw body text
 * (so exact 64-bit integers can be checked before any JSON parsing).
 */

import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type Agent, request as httpsRequest } from 'node:https';
import type { Simulator } from '../../simulator/index.js';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Session id sent as a cookie (NITRO_AUTH_TOKEN unless cookieName says otherwise). */
  readonly session?: string;
  readonly cookieName?: string;
  /** The CA to trust; default the simulator's. `null`: Node's default trust store. */
  readonly ca?: string | null;
  readonly servername?: string;
  readonly agent?: Agent;
}

export function send(
  sim: Pick<Simulator, 'url' | 'caCertificate'>,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = startRequest(sim, method, path, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Resolves as soon as the status and headers arrive, leaving the body to the caller (streamed, or abandoned). */
export function openResponse(
  sim: Pick<Simulator, 'url' | 'caCertificate'>,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<{ readonly request: ClientRequest; readonly response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = startRequest(sim, method, path, options, (response) => resolve({ request, response }));
    request.on('error', reject);
  });
}

function startRequest(
  sim: Pick<Simulator, 'url' | 'caCertificate'>,
  method: string,
  path: string,
  options: RequestOptions,
  onResponse: (response: IncomingMessage) => void,
): ClientRequest {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  if (options.session !== undefined) headers['Cookie'] = `${options.cookieName ?? 'NITRO_AUTH_TOKEN'}=${options.session}`;
  const ca = options.ca === undefined ? sim.caCertificate : options.ca;
  const req = httpsRequest(
    `${sim.url}${path}`,
    {
      method,
      headers,
      ...(ca === null ? {} : { ca }),
      ...(options.servername ? { servername: options.servername } : {}),
      agent: options.agent ?? false,
    },
    onResponse,
  );
  req.end(body);
  return req;
}

export function json(result: HttpResult): Record<string, unknown> {
  return JSON.parse(result.text) as Record<string, unknown>;
}

export function loginBody(username: string, password: string, timeout = 1800): unknown {
  return { login: { username, password, timeout } };
}

/** Logs in with the simulator's current credentials and returns the session id. */
export async function login(sim: Simulator, timeout = 1800): Promise<string> {
  const result = await send(sim, 'POST', '/nitro/v1/config/login', { body: loginBody(sim.username, sim.password, timeout) });
  if (result.status !== 201) throw new Error(`login failed: ${result.status} ${result.text}`);
  const sessionId = json(result)['sessionid'];
  if (typeof sessionId !== 'string') throw new Error('login answered without a sessionid');
  return sessionId;
}

/** GET stat/protocolmptcp with a session. */
export function getStat(sim: Simulator, session: string, query = ''): Promise<HttpResult> {
  return send(sim, 'GET', `/nitro/v1/stat/protocolmptcp${query}`, { session });
}
