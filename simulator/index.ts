/**
 * The NITRO appliance simulator: a real HTTPS server answering the NITRO calls a collector makes, the way
 * NetScaler appliances answer them on the wire, with controls to steer its statistics and inject faults.
 * See simulator/README.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Appliance } from './appliance.js';
import { ControlRouter } from './control-routes.js';
import { listenHttps, readBody, sendReply } from './https-server.js';
import { handleNitroRequest } from './nitro-handler.js';
import { jsonReply } from './replies.js';
import { simulatorHandle } from './simulator-handle.js';
import { serverKeyMaterial, untrustedCaCertificate } from './tls.js';
import type { Simulator, SimulatorOptions } from './types.js';

export { DEFAULT_PASSWORD, DEFAULT_SESSION_LIMIT, DEFAULT_USERNAME } from './appliance.js';
export { RawJson } from './json-text.js';
export type * from './types.js';

const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const appliance = new Appliance(options);
  const control = options.controlApi === false ? undefined : new ControlRouter(appliance);
  const keys = await serverKeyMaterial();
  const closing = new AbortController();

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    route(appliance, control, request, response, closing.signal).catch(() => {
      if (!response.headersSent && !response.destroyed) sendReply(response, jsonReply(500, { error: 'simulator failure' }));
    });
  };
  const listener = await listenHttps({
    key: keys.privateKey,
    cert: keys.certificate,
    port: options.port ?? 0,
    onRequest,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
  });
  const url = `https://127.0.0.1:${listener.port}`;

  return simulatorHandle(appliance, {
    url,
    port: listener.port,
    caCertificate: keys.caCertificate,
    controlUrl: `${url}/_control`,
    close: async () => {
      closing.abort();
      await listener.close();
    },
  });
}

/** The PEM of a CA that did not sign the simulator's certificate, for "wrong CA" tests. */
export function generateUntrustedCa(): Promise<string> {
  return untrustedCaCertificate();
}

async function route(
  appliance: Appliance,
  control: ControlRouter | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://simulator.invalid');
  if (control && ControlRouter.handles(url.pathname)) {
    const body = await readBody(request, MAX_CONTROL_BODY_BYTES);
    sendReply(response, control.answer(request.method ?? 'GET', url.pathname, body));
    return;
  }
  await handleNitroRequest(appliance, request, response, url, closing);
}
