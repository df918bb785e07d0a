/**
 * One NITRO request from arrival to answer: record it, read its body, apply injected faults, answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Appliance } from './appliance.js';
import { decoyCookieLogin } from './decoy-login.js';
import { DEFAULT_DRIP_BYTES, DEFAULT_DRIP_INTERVAL_MS, dripReply } from './drip.js';
import { faultReply, truncatedLength } from './fault-replies.js';
import type { CallKind, FaultDecision } from './faults.js';
import { readBody, sendReply } from './https-server.js';
import {
  type AnswerObserver,
  answerNitro,
  callKindOf,
  type NitroRequest,
  successWithoutResource,
  tagLoginPassword,
} from './nitro-routes.js';
import { readPresentedAuth, sessionAuthOf } from './presented-auth.js';
import { type HttpReply, NitroCode, NitroMessage, nitroError } from './replies.js';

const MAX_BODY_BYTES = 1024 * 1024;

export async function handleNitroRequest(
  appliance: Appliance,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  closing: AbortSignal,
): Promise<void> {
  const method = request.method ?? 'GET';
  const auth = readPresentedAuth(request.headers);
  const presentedTag = auth.cookie ? appliance.sessions.tagOf(auth.cookie.sessionId) : undefined;
  const entry = appliance.log.start(
    {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      sessionAuth: sessionAuthOf(auth),
      ...(auth.cookie ? { cookieName: auth.cookie.name } : {}),
      credentialHeaders: auth.headerUser !== undefined || auth.headerPassword !== undefined,
      ...(auth.headerUser !== undefined ? { username: auth.headerUser } : {}),
      ...(presentedTag !== undefined ? { sessionTag: presentedTag } : {}),
      at: appliance.clock(),
    },
    [appliance.password],
  );

  let body: string;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch {
    if (!response.headersSent && !request.socket.destroyed) {
      const reply = nitroError(413, NitroCode.invalidArgument, `${NitroMessage.invalidArgument}: request body too large`);
      sendReply(response, reply);
      entry.setStatus(reply.status);
    }
    return;
  }

  const call = callKindOf(method, url.pathname);
  // Which password a login presented is recorded whatever answers it (a fault included), never the password.
  if (call === 'login') tagLoginPassword(appliance, body, entry);
  const decision = appliance.faults.take(call);
  if (decision.delayMs > 0) {
    entry.setFault('latency');
    try {
      await sleep(decision.delayMs, undefined, { signal: closing });
    } catch {
      return; // the simulator is closing; its sockets are being destroyed
    }
  }

  const fault = decision.terminal;
  if (fault) entry.setFault(fault.kind);
  if (fault?.kind === 'hang') return; // answered never; close() destroys the socket
  if (fault?.kind === 'reset') {
    request.socket.destroy();
    return;
  }

  const nitroRequest: NitroRequest = { method, path: url.pathname, searchParams: url.searchParams, body, auth };
  if (fault?.kind === 'truncated') {
    const reply = answerNitro(appliance, call, nitroRequest, entry);
    sendReply(response, reply, truncatedLength(reply.body));
    entry.setStatus(reply.status);
    return;
  }
  if (fault?.kind === 'drip') {
    const reply = answerNitro(appliance, call, nitroRequest, entry);
    entry.setStatus(reply.status);
    const pace = { intervalMs: fault.intervalMs ?? DEFAULT_DRIP_INTERVAL_MS, bytes: fault.bytes ?? DEFAULT_DRIP_BYTES };
    await dripReply(response, reply, pace, closing);
    return;
  }
  const reply = completeReply(appliance, call, nitroRequest, fault, entry);
  sendReply(response, reply);
  entry.setStatus(reply.status);
}

type CompleteReplyFault = Exclude<FaultDecision['terminal'], { kind: 'hang' | 'reset' | 'truncated' | 'drip' }>;

/** The whole answer to send at once: the normal one, or the one `fault` makes. */
function completeReply(
  appliance: Appliance,
  call: CallKind,
  request: NitroRequest,
  fault: CompleteReplyFault,
  observer: AnswerObserver,
): HttpReply {
  if (fault === undefined) return answerNitro(appliance, call, request, observer);
  if (fault.kind === 'no-resource-key') return successWithoutResource(call);
  if (fault.kind === 'decoy-cookie') return decoyCookieLogin(appliance, request.body, observer);
  return faultReply(appliance, fault, request.auth);
}
