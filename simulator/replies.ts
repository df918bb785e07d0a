/** HTTP answers as data, and the NITRO envelopes every answer uses. */
import { objectText } from './json-text.js';

/** Header values; an array sends the header once per element, in order (several Set-Cookie headers). */
export type HttpReplyHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: HttpReplyHeaders;
}

const JSON_CONTENT_TYPE = 'application/json';

/** `{"errorcode":0,"message":"Done","severity":"NONE", ...members}` */
export function nitroSuccess(status: number, members: Iterable<readonly [string, string]> = [], headers?: HttpReplyHeaders): HttpReply {
  const body = objectText([['errorcode', '0'], ['message', '"Done"'], ['severity', '"NONE"'], ...members]);
  return { status, contentType: JSON_CONTENT_TYPE, body, ...(headers ? { headers } : {}) };
}

/** `{"errorcode":N,"message":"...","severity":"ERROR"}` */
export function nitroError(status: number, errorcode: number, message: string): HttpReply {
  const body = objectText([
    ['errorcode', String(errorcode)],
    ['message', JSON.stringify(message)],
    ['severity', '"ERROR"'],
  ]);
  return { status, contentType: JSON_CONTENT_TYPE, body };
}

export function jsonReply(status: number, value: unknown): HttpReply {
  return { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) };
}

/** The NITRO error codes the simulator answers with. */
export const NitroCode = {
  noSuchResource: 258,
  invalidArgument: 278,
  invalidCredentials: 354,
  sessionExpired: 444,
  sessionLimit: 445,
  notAuthorized: 2138,
} as const;

export const NitroMessage = {
  noSuchResource: 'No such resource',
  invalidArgument: 'Invalid argument',
  invalidCredentials: 'Invalid username or password',
  userLocked: 'User is locked. Too many failed login attempts: try again later',
  sessionExpired: 'Session expired or killed. Please login again',
  sessionLimit: 'Session limit exceeded',
  notAuthorized: 'Not authorized to execute this command',
} as const;
