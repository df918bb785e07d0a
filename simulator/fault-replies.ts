/** The answers injected faults send instead of (or cut from) the normal answer. */
import type { Appliance } from './appliance.js';
import type { PresentedAuth } from './presented-auth.js';
import { type HttpReply, NitroCode, NitroMessage, nitroError } from './replies.js';
import type { Fault } from './types.js';

type ReplyingFault = Exclude<Fault, { kind: 'latency' | 'hang' | 'reset' | 'truncated' | 'no-resource-key' | 'drip' | 'decoy-cookie' }>;

const DEFAULT_PROXY_STATUS = 502;
const DEFAULT_TEXT_STATUS = 500;
const DEFAULT_TEXT_CONTENT_TYPE = 'text/plain';

export function faultReply(appliance: Appliance, fault: ReplyingFault, auth: PresentedAuth): HttpReply {
  switch (fault.kind) {
    case 'nitro-error':
      return nitroError(fault.status, fault.errorcode, fault.message ?? 'Simulated error');
    case 'session-expired':
      if (auth.cookie && fault.keepSession !== true) appliance.sessions.end(auth.cookie.sessionId);
      return nitroError(fault.status ?? 401, NitroCode.sessionExpired, NitroMessage.sessionExpired);
    case 'not-authorized':
      return nitroError(403, NitroCode.notAuthorized, NitroMessage.notAuthorized);
    case 'html':
      return htmlErrorPage(fault.status ?? DEFAULT_PROXY_STATUS);
    case 'not-json':
      return { status: 200, contentType: 'application/json', body: 'ERROR: statistics are being collected, retry later\n' };
    case 'text':
      return {
        status: fault.status ?? DEFAULT_TEXT_STATUS,
        contentType: fault.contentType ?? DEFAULT_TEXT_CONTENT_TYPE,
        body: fault.body,
      };
  }
}

/** How many bytes of a body the 'truncated' fault keeps: a valid start, never the whole. */
export function truncatedLength(body: string): number {
  return Math.floor(Buffer.byteLength(body, 'utf8') / 2);
}

function htmlErrorPage(status: number): HttpReply {
  const title = `${status} Bad Gateway`;
  return {
    status,
    contentType: 'text/html',
    body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>The upstream server did not answer.</p></body></html>\n`,
  };
}
