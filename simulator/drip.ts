/**
 * The 'drip' fault's delivery: the status and headers (with the full Content-Length) at once, then the body a few
 * bytes per tick, so that a client's idle body timeout never fires while the whole answer takes minutes.
 */
import type { ServerResponse } from 'node:http';
import { writeReplyHead } from './https-server.js';
import type { HttpReply } from './replies.js';

export const DEFAULT_DRIP_INTERVAL_MS = 1000;
export const DEFAULT_DRIP_BYTES = 1;

export interface DripPace {
  readonly intervalMs: number;
  /** Bytes per tick. */
  readonly bytes: number;
}

/**
 * Sends `reply` at `pace`. Resolves once the body is sent, the client went away, or `closing` aborted (the
 * response is then destroyed); no timer is left behind in any case.
 */
export function dripReply(response: ServerResponse, reply: HttpReply, pace: DripPace, closing: AbortSignal): Promise<void> {
  const body = Buffer.from(reply.body, 'utf8');
  writeReplyHead(response, reply, body.length);
  if (body.length === 0 || closing.aborted) {
    if (closing.aborted) response.destroy();
    else response.end();
    return Promise.resolve();
  }
  response.flushHeaders();

  return new Promise((resolve) => {
    let sent = 0;
    const stop = (): void => {
      clearInterval(timer);
      closing.removeEventListener('abort', abort);
      response.off('close', stop);
      resolve();
    };
    const abort = (): void => {
      stop();
      response.destroy();
    };
    const tick = (): void => {
      if (response.destroyed || response.writableEnded) {
        stop();
        return;
      }
      const chunk = body.subarray(sent, sent + pace.bytes);
      sent += chunk.length;
      if (sent < body.length) {
        response.write(chunk);
        return;
      }
      response.end(chunk);
      stop();
    };
    const timer = setInterval(tick, pace.intervalMs);
    closing.addEventListener('abort', abort, { once: true });
    response.on('close', stop);
  });
}
