/**
 * The NITRO client's transport: one HTTP/1.1 exchange at a time over node:https (node:http with the explicit
 * plain-HTTP opt-in), with a total deadline, a body cap, and connections that a warm container keeps.
 *
 * Per appliance, a keep-alive agent of one connection lives as long as the container, keyed by URL, CA and
 * server name (and the insecure opt-in): a warm run resumes the TLS session (no certificate chain to verify again)
 * with a secure context built once per CA bundle, and within a run all requests share one connection. When the
 * key changes (a new CA in the secret), the old agent and its cached sessions are dropped. A connection idle for
 * longer than MAX_IDLE_REUSE_MS is never reused: runs are minutes apart and a frozen container cannot see that the
 * appliance closed it meanwhile (its TLS session, which lives much longer, is still resumed).
 *
 * Nothing is retried here, no redirect is followed (node:http never follows one) and no compression is offered.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';

/** A kept connection idle for longer than this is closed instead of reused. */
export const MAX_IDLE_REUSE_MS = 4_000;

export interface TransportTarget {
  /** The appliance's name: one pool per name. */
  readonly name: string;
  readonly url: string;
  readonly caCertificate?: string;
  readonly tlsServerName?: string;
  readonly insecureSkipVerify?: boolean;
}

export interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Ends the exchange (connection included) when it aborts: the appliance's share of the run. */
  readonly signal?: AbortSignal;
  /** Ends the exchange (connection included) after this long, headers and whole body: RequestTimeoutError. */
  readonly timeoutMs: number;
  /** A longer body is not read: the exchange fails with BodyLimitError. */
  readonly maxBodyBytes: number;
  /** Called once the status and headers are in, before the body is read (a session cookie comes with them). */
  readonly onHeaders?: (status: number, headers: IncomingHttpHeaders) => void;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export class BodyLimitError extends Error {
  override readonly name = 'BodyLimitError';
  constructor(readonly limitBytes: number) {
    super(`the answer is longer than ${limitBytes} bytes`);
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no whole answer within ${timeoutMs} ms`);
  }
}

/** A premature end of the answer (the connection closed before the whole body came). */
export class AnswerCutError extends Error {
  override readonly name = 'AnswerCutError';
  readonly code = 'ECONNRESET';
  constructor(received: number) {
    super(`the connection closed after ${received} bytes of the body, before its end`);
  }
}

export class NitroTransport {
  private readonly send: typeof httpsRequest;
  private readonly host: string;
  private readonly port: number;
  private readonly idleSince = new WeakMap<Socket, number>();

  constructor(
    readonly key: string,
    private readonly agent: HttpsAgent | HttpAgent,
    url: URL,
  ) {
    this.send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    agent.on('free', (socket: Socket) => this.idleSince.set(socket, Date.now()));
  }

  /** One request and its whole answer, within `exchange.signal`. */
  exchange(exchange: Exchange): Promise<Answer> {
    this.closeStaleConnections();
    return new Promise<Answer>((resolve, reject) => {
      const { signal } = exchange;
      let settled = false;
      const finish = (error: unknown, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(answer!);
        else reject(error);
      };
      const headers: Record<string, string> = { ...exchange.headers };
      if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
      const request = this.send(
        { host: this.host, port: this.port, method: exchange.method, path: exchange.path, headers, agent: this.agent },
        (response) => this.readAnswer(response, exchange, finish),
      );
      const end = (reason: unknown) => {
        finish(reason);
        request.destroy();
      };
      const onAbort = () => end(signal?.reason);
      // One timer per request (cheaper than AbortSignal.timeout + AbortSignal.any on every request).
      const timer = setTimeout(() => end(new RequestTimeoutError(exchange.timeoutMs)), exchange.timeoutMs);
      request.on('error', (error) => finish(error));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(exchange.body);
    });
  }

  /** Closes the pool's connections and forgets its TLS sessions. */
  destroy(): void {
    this.agent.destroy();
  }

  private readAnswer(response: IncomingMessage, exchange: Exchange, finish: (error: unknown, answer?: Answer) => void): void {
    const status = response.statusCode ?? 0;
    exchange.onHeaders?.(status, response.headers);
    const declared = Number(response.headers['content-length']);
    if (declared > exchange.maxBodyBytes) {
      finish(new BodyLimitError(exchange.maxBodyBytes));
      response.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > exchange.maxBodyBytes) {
        finish(new BodyLimitError(exchange.maxBodyBytes));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => finish(undefined, { status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    response.on('error', (error) => finish(error));
    response.on('close', () => {
      if (!response.complete) finish(new AnswerCutError(size));
    });
  }

  private closeStaleConnections(): void {
    const now = Date.now();
    for (const sockets of Object.values(this.agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        if (now - (this.idleSince.get(socket) ?? 0) > MAX_IDLE_REUSE_MS) socket.destroy();
      }
    }
  }
}

/**
 * The connection pools of one container (its ContainerMemory's) or of one client: one transport per appliance name,
 * one secure context per CA bundle.
 */
export class NitroTransports {
  private readonly pools = new Map<string, NitroTransport>();
  private readonly secureContexts = new Map<string, SecureContext>();

  /**
   * The transport of `target`, from the pool when one with the same URL, CA, server name and verification exists; a
   * pool under the same name with another key is closed and replaced.
   */
  transportFor(target: TransportTarget): NitroTransport {
    const url = new URL(target.url);
    const ca = target.caCertificate ?? '';
    const verify = target.insecureSkipVerify !== true;
    const key = JSON.stringify([url.origin, ca, target.tlsServerName ?? '', verify]);
    const pooled = this.pools.get(target.name);
    if (pooled?.key === key) return pooled;
    pooled?.destroy();

    const common = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1, scheduling: 'lifo' } as const;
    const agent =
      url.protocol === 'https:'
        ? new HttpsAgent({
            ...common,
            secureContext: this.secureContextFor(ca),
            rejectUnauthorized: verify,
            ...(target.tlsServerName ? { servername: target.tlsServerName } : {}),
          })
        : new HttpAgent(common);
    const transport = new NitroTransport(key, agent, url);
    this.pools.set(target.name, transport);
    this.forgetUnusedSecureContexts();
    return transport;
  }

  /** Closes every pooled connection and forgets every TLS session and secure context. */
  closeAll(): void {
    for (const transport of this.pools.values()) transport.destroy();
    this.pools.clear();
    this.secureContexts.clear();
  }

  private secureContextFor(ca: string): SecureContext {
    let context = this.secureContexts.get(ca);
    if (!context) {
      // No CA configured: Node's own trust store, as tls.connect would use.
      context = createSecureContext(ca === '' ? {} : { ca });
      this.secureContexts.set(ca, context);
    }
    return context;
  }

  private forgetUnusedSecureContexts(): void {
    const used = new Set([...this.pools.values()].map((transport) => (JSON.parse(transport.key) as [string, string])[1]));
    for (const ca of this.secureContexts.keys()) if (!used.has(ca)) this.secureContexts.delete(ca);
  }
}
