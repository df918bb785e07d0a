/**
 * An HTTPS server on 127.0.0.1 that can be closed promptly: close() stops listening and destroys every open
 * connection, idle keep-alive and hanging ones included.
 */

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { HttpReply } from './replies.js';

export interface HttpsListener {
  readonly port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly key: string;
  readonly cert: string;
  readonly port: number;
  readonly onRequest: (request: IncomingMessage, response: ServerResponse) => void;
  readonly keepAliveTimeoutMs?: number;
}

export async function listenHttps(options: ListenOptions): Promise<HttpsListener> {
  const server: Server = createServer({ key: options.key, cert: options.cert }, options.onRequest);
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that aborts mid-handshake must not crash the process.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator: the server has no TCP address');

  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Reads a request body as UTF-8, up to `limitBytes`; rejects beyond it or when the client goes away. */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
    request.on('close', () => reject(new Error('client closed the request')));
  });
}

/** Sends `reply`, or its first `bodyBytes` bytes with a matching Content-Length. */
export function sendReply(response: ServerResponse, reply: HttpReply, bodyBytes?: number): void {
  let body = Buffer.from(reply.body, 'utf8');
  if (bodyBytes !== undefined) body = body.subarray(0, bodyBytes);
  writeReplyHead(response, reply, body.length);
  response.end(body);
}

/** Writes the status and headers of `reply` (repeated headers in order) with `Content-Length: contentLength`. */
export function writeReplyHead(response: ServerResponse, reply: HttpReply, contentLength: number): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name] = typeof value === 'string' ? value : [...value];
  response.writeHead(reply.status, {
    ...headers,
    'Content-Type': reply.contentType,
    'Content-Length': String(contentLength),
  });
}
