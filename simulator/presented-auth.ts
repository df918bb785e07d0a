/**
 * What a request presents to authenticate: a session cookie (either name appliances use) and/or per-request
 * X-NITRO-USER / X-NITRO-PASS headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SessionAuth, SessionCookieName } from './types.js';

/** The documented name first: when a client sends both, that one is used. */
const SESSION_COOKIE_NAMES: readonly SessionCookieName[] = ['NITRO_AUTH_TOKEN', 'sessionid'];

export interface PresentedAuth {
  readonly cookie?: { readonly name: SessionCookieName; readonly sessionId: string };
  readonly headerUser?: string;
  readonly headerPassword?: string;
}

export function readPresentedAuth(headers: IncomingHttpHeaders): PresentedAuth {
  const cookies = parseCookieHeader(headers.cookie);
  const name = SESSION_COOKIE_NAMES.find((candidate) => cookies.has(candidate));
  const sessionId = name === undefined ? undefined : cookies.get(name);
  return {
    ...(name !== undefined && sessionId !== undefined ? { cookie: { name, sessionId } } : {}),
    ...optionalHeader('headerUser', headers['x-nitro-user']),
    ...optionalHeader('headerPassword', headers['x-nitro-pass']),
  };
}

export function sessionAuthOf(auth: PresentedAuth): SessionAuth {
  if (auth.cookie) return 'cookie';
  if (auth.headerUser !== undefined) return 'headers';
  return 'none';
}

function optionalHeader<K extends string>(key: K, value: string | string[] | undefined): Partial<Record<K, string>> {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? {} : ({ [key]: first } as Partial<Record<K, string>>);
}

function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    const name = pair.slice(0, separator).trim();
    let value = pair.slice(separator + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}
