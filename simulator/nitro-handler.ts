/**
 * One NITRO request from arrival to answer: record it, read its body, apply injected faults, answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Appliance } from './appliance.js';
import { faultReply, truncatedLength } from './fault-replies.js';
import { readBody, sendReply } from './https-server.js';
import { answerNitro, callKindOf, successWithoutResource, type NitroRequest } from './nitro-routes.js';
import { readPresentedAuth, sessionAuthOf } from './presented-auth.js';
import { NitroCode, NitroMessage, nitroError } from './replies.js';

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
  const entry = appliance.log.start(
    {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      sessionAuth: sessionAuthOf(auth),
      ...(auth.cookie ? { cookieName: auth.cookie.name } : {}),
      credentialHeaders: auth.headerUser !== undefined || auth.headerPassword !== undefined,
      ...(auth.headerUser !== undefined ? { username: auth.headerUser } : {}),
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
  const normalAnswer = () => answerNitro(appliance, call, nitroRequest, (username) => entry.setUsername(username));
  if (fault?.kind === 'truncated') {
    const reply = normalAnswer();
    sendReply(response, reply, truncatedLength(reply.body));
    entry.setStatus(reply.status);
    return;
  }
  const reply =
    fault === undefined
      ? normalAnswer()
      : fault.kind === 'no-resource-key'
        ? successWithoutResource(call)
        : faultReply(appliance, fault, auth);
  sendReply(response, reply);
  entry.setStatus(reply.status);
}
