/**
 * An HTTP proxy on 127.0.0.1 in front of moto_server that answers chosen AWS JSON-protocol calls with an
 * error instead of forwarding them: service answers moto cannot give (throttling), sent through the real SDK
 * stack so that its retry strategy is exercised.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectedFault {
  readonly status: number;
  /** The error code, e.g. `Throttling`. */
  readonly code: string;
  readonly message: string;
}

/** Decides, for the n-th call (1-based) of an operation, whether to fail it. */
export type FaultPlan = (operation: string, call: number) => InjectedFault | undefined;

export interface FaultProxy {
  readonly endpoint: string;
  /** Operations seen (e.g. `PutMetricData`), in order, forwarded or not. */
  readonly operations: readonly string[];
  stop(): Promise<void>;
}

export async function startFaultProxy(targetEndpoint: string, plan: FaultPlan): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const operations: string[] = [];
  const calls = new Map<string, number>();

  const server = createServer((incoming, outgoing) => {
    void readBody(incoming).then((body) => {
      // x-amz-target is `<service>.<operation>` in the JSON protocols.
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      operations.push(operation);
      const call = (calls.get(operation) ?? 0) + 1;
      calls.set(operation, call);
      const fault = plan(operation, call);
      if (fault !== undefined) {
        outgoing.writeHead(fault.status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': `${fault.code};Sender`,
        });
        outgoing.end(JSON.stringify({ __type: fault.code, message: fault.message }));
        return;
      }
      const forwarded = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
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
