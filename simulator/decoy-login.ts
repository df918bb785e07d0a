/**
 * The 'decoy-cookie' login: a real login (the session is created) whose answer hides the session behind a decoy.
 * The body has no `sessionid`; the first Set-Cookie is `sessionid=<an id that is no session>`, the second
 * `NITRO_AUTH_TOKEN=<the real session id>`. A client that keeps the first cookie it sees gets 401 + 444 next.
 */
import type { Appliance } from './appliance.js';
import { type AnswerObserver, logIn } from './nitro-routes.js';
import { type HttpReply, nitroSuccess } from './replies.js';
import { newSessionId } from './sessions.js';

export function decoyCookieLogin(appliance: Appliance, body: string, observer: AnswerObserver): HttpReply {
  const outcome = logIn(appliance, body, observer);
  if (!outcome.ok) return outcome.reply;
  const decoy = `sessionid=${newSessionId()}; path=/nitro/v1`;
  const real = `NITRO_AUTH_TOKEN=${outcome.sessionId}; path=/nitro/v1; Secure; HttpOnly`;
  return nitroSuccess(201, [], { 'Set-Cookie': [decoy, real] });
}
