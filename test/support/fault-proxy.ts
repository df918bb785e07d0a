/**
 * An HTTP proxy on 127.0.0.1 in front of moto_server that answers chosen AWS JSON-protocol calls with a fault
 * instead of (or after) forwarding them: what moto cannot do (throttling, a service that hangs, an answer lost
 * after the call took effect), sent through the real SDK stack so that its retry strategy is exercised.
 */
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type InjectedFault =
  /** An error answer from the service: `status` and the error code, e.g. 400 `Throttling`. */
  | { readonly status: number; readonly code: string; readonly message: string }
  /** The call is not forwarded and never answered. */
  | { readonly kind: 'hang' }
  /** The call is not forwarded; the connection is dropped. */
  | { readonly kind: 'reset' }
  /** The call is forwarded and takes effect, then the connection is dropped before the answer. */
  | { readonly kind: 'answer-lost' }
  /**
   * The call is forwarded and takes effect, and its answer starts (the service's status and headers), then the
   * connection is dropped before the answer's body ends.
   */
  | { readonly kind: 'answer-cut' };

/** Decides, for the n-th call (1-based) of an operation, whether to fail it. */
export type FaultPlan = (operation: string, call: number, body: Buffer) => InjectedFault | undefined;

/** A call the service answered 2xx to (forwarded, not faulted before): it took effect. */
export interface AppliedCall {
  readonly operation: string;
  readonly body: Buffer;
  /** True when the client never got the (whole) answer ('answer-lost', 'answer-cut'). */
  readonly answerLost: boolean;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Operations seen (e.g. `PutMetricData`), in order, forwarded or not. */
  readonly operations: readonly string[];
  /** Calls that took effect in the service, in order. */
  readonly applied: readonly AppliedCall[];
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Awaited before each call is handled (e.g. to hold calls back until a test releases them). */
  readonly before?: () => Promise<void>;
  /** Operations the proxy answers itself with success (`{}`) instead of forwarding them: it plays the service. */
  readonly answerItself?: readonly string[];
}

export async function startFaultProxy(targetEndpoint: string, plan: FaultPlan, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const operations: string[] = [];
  const applied: AppliedCall[] = [];
  const calls = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    void readBody(incoming).then(async (body) => {
      await options.before?.();
      // x-amz-target is `<service>.<operation>` in the JSON protocols.
      const operation =
        String(incoming.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      operations.push(operation);
      const call = (calls.get(operation) ?? 0) + 1;
      calls.set(operation, call);
      const fault = plan(operation, call, body);
      if (fault !== undefined && 'status' in fault) {
        outgoing.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${fault.code};Sender` });
        outgoing.end(JSON.stringify({ __type: fault.code, message: fault.message }));
        return;
      }
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'reset') {
        incoming.socket.destroy();
        return;
      }
      const answerLost = fault?.kind === 'answer-lost' || fault?.kind === 'answer-cut';
      /** The start of the answer: status and headers (a body length it will not reach), and one byte of the body. */
      const cutAnswer = (status: number, headers: Record<string, string | string[] | undefined>) => {
        const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = headers;
        outgoing.writeHead(status, { ...rest, 'content-length': '64' });
        outgoing.write('{', () => setTimeout(() => incoming.socket.destroy(), 20));
      };
      if (options.answerItself?.includes(operation)) {
        applied.push({ operation, body, answerLost });
        const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'proxy' };
        if (fault?.kind === 'answer-lost') incoming.socket.destroy();
        else if (fault?.kind === 'answer-cut') cutAnswer(200, headers);
        else {
          outgoing.writeHead(200, headers);
          outgoing.end('{}');
        }
        return;
      }
      const forwarded = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          const ok = (response.statusCode ?? 500) < 300;
          if (fault?.kind === 'answer-cut') {
            response.resume();
            response.once('end', () => {
              if (ok) applied.push({ operation, body, answerLost: true });
              cutAnswer(response.statusCode ?? 502, response.headers);
            });
            return;
          }
          if (answerLost) {
            response.resume();
            response.once('end', () => {
              if (ok) applied.push({ operation, body, answerLost: true });
              incoming.socket.destroy();
            });
            return;
          }
          if (ok) applied.push({ operation, body, answerLost: false });
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.once('error', (error) => {
        outgoing.writeHead(502);
        outgoing.end(String(error));
      });
      forwarded.end(body);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    applied,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks)));
    incoming.once('error', reject);
  });
}
