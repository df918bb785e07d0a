/**
 * What the node:https transport could break, over real sockets on loopback: TLS alerts, a connection reset in
 * the middle of a body, sockets that are accepted and never answered, and connection and TLS session reuse across
 * runs in one (warm) container.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CollectorError } from '../../lambda/errors.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { NitroClient, type NitroTarget } from '../../lambda/nitro/client.js';
import { NitroTransports } from '../../lambda/nitro/transport.js';
import { type ServerKeyMaterial, serverKeyMaterial, untrustedCaCertificate } from '../../simulator/tls.js';

let keys: ServerKeyMaterial;
let otherCa: string;
const servers: (HttpsServer | NetServer)[] = [];

beforeAll(async () => {
  keys = await serverKeyMaterial();
  otherCa = await untrustedCaCertificate();
});
// One warm container's connection pools, shared by the runs of a test.
let transports = new NitroTransports();
afterEach(() => {
  transports.closeAll();
  transports = new NitroTransports();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

async function listen<T extends HttpsServer | NetServer>(server: T): Promise<{ server: T; url: string }> {
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, url: `https://127.0.0.1:${address.port}` };
}

/** Logs in, reads two stat resources, logs out: what one appliance's run does. */
async function oneRun(target: NitroTarget, requestTimeoutMs = 5_000): Promise<unknown> {
  const client = new NitroClient(target, { logger: createMemoryLogger(), requestTimeoutMs, transports });
  try {
    return await client.withSession({ username: 'u', password: 'p' }, async (session) => {
      await session.getStat('hanode');
      return session.getStat('protocolmptcp');
    });
  } finally {
    await client.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<CollectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CollectorError);
  return error as CollectorError;
}

/** A minimal NITRO appliance over HTTPS that counts its TLS connections and how many resumed a session. */
async function countingAppliance(keepAliveTimeoutMs: number) {
  const tally = { connections: 0, resumed: 0, requests: [] as string[] };
  const server = createHttpsServer({ key: keys.privateKey, cert: keys.certificate }, (request, response) => {
    tally.requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => {
      const body = request.url?.endsWith('/login')
        ? { errorcode: 0, message: 'Done', sessionid: '##0123456789abcdef' }
        : request.url?.endsWith('/hanode')
          ? { errorcode: 0, hanode: { hacurstatus: 'NO', hacurstate: 'UP', hacurmasterstate: 'Primary' } }
          : { errorcode: 0, message: 'Done', protocolmptcp: { mptcpcurrentsessions: '1' } };
      const text = JSON.stringify(body);
      response.writeHead(request.url?.endsWith('/login') ? 201 : 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('secureConnection', (socket: TLSSocket) => {
    tally.connections++;
    if (socket.isSessionReused()) tally.resumed++;
  });
  const { url } = await listen(server);
  return { url, tally };
}

describe('the NITRO transport over real sockets', () => {
  it('reports a TLS alert from the appliance (it wants a client certificate) as a transport error with a hint', async () => {
    const { url } = await listen(
      createHttpsServer(
        { key: keys.privateKey, cert: keys.certificate, requestCert: true, rejectUnauthorized: true },
        (_request, response) => response.end(),
      ),
    );
    const error = await failure(oneRun({ name: 'adc-alert', url, caCertificate: keys.caCertificate }));
    expect(error.errorClass).toBe('transport-error');
    expect(error.message).toMatch(/^adc-alert: login to https:\/\/127\.0\.0\.1:\d+\/nitro\/v1\/config\/login: /);
    expect(error.message).toMatch(/ended the TLS handshake \(ERR_SSL_\w+ALERT\w+\)|closed before the answer was complete/);
  });

  it('refuses a wrong CA and a wrong server name before sending anything, also once a session to the right one is pooled', async () => {
    const { url, tally } = await countingAppliance(5_000);
    await oneRun({ name: 'adc-1', url, caCertificate: keys.caCertificate });
    const wrongCa = await failure(oneRun({ name: 'adc-1', url, caCertificate: otherCa }));
    expect(wrongCa.message).toContain('TLS verification failed');
    expect(wrongCa.message).toContain('"caCertificate"');
    const wrongName = await failure(oneRun({ name: 'adc-1', url, caCertificate: keys.caCertificate, tlsServerName: 'adc.other.test' }));
    expect(wrongName.message).toContain('Set "tlsServerName" to a name the certificate carries');
    expect(tally.requests).toHaveLength(4);
  });

  it('reports a connection reset in the middle of a body as a transport error, and logs out on a fresh connection', async () => {
    let logouts = 0;
    const server = createTlsServer({ key: keys.privateKey, cert: keys.certificate }, (socket) => {
      socket.once('data', (chunk: Buffer) => {
        const head = chunk.toString('latin1');
        if (head.startsWith('POST /nitro/v1/config/logout')) {
          logouts++;
          socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 34\r\n\r\n{"errorcode":0,"message":"Done" }');
          return;
        }
        if (head.startsWith('POST /nitro/v1/config/login')) {
          const text = '{"errorcode":0,"sessionid":"##abc"}';
          socket.write(`HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\n\r\n${text}`);
          socket.once('data', () => {
            // stat: headers and the first bytes of a long body, then the connection is reset.
            socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"errorcode":0,"hanode":{');
            setTimeout(() => socket.destroy(), 20);
          });
        }
      });
    });
    const { url } = await listen(server);
    const error = await failure(oneRun({ name: 'adc-reset', url, caCertificate: keys.caCertificate }));
    expect(error.errorClass).toBe('transport-error');
    expect(error.message).toMatch(
      /^adc-reset: GET stat\/hanode to https:\/\/127\.0\.0\.1:\d+\/nitro\/v1\/stat\/hanode: the connection was closed before the answer was complete/,
    );
    expect(logouts).toBe(1);
  });

  it.each([
    ['a TCP connection that is accepted and never spoken on (no TLS handshake)', false],
    ['a TLS connection whose HTTP request is never answered', true],
  ])('ends %s at the request time limit', async (_what, tls) => {
    const held: Socket[] = [];
    const server = tls
      ? createTlsServer({ key: keys.privateKey, cert: keys.certificate }, (socket) => held.push(socket))
      : createNetServer((socket) => held.push(socket));
    const { url } = await listen(server);
    const started = Date.now();
    const error = await failure(oneRun({ name: 'adc-half-open', url, caCertificate: keys.caCertificate }, 300));
    expect(error.errorClass).toBe('timeout');
    expect(error.message).toContain('login to');
    expect(error.message).toContain('did not finish within 300 ms (headers and whole body)');
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const socket of held) socket.destroy();
  });

  it('reuses the connection within a run and across runs, resumes the TLS session once the appliance closed it, and starts afresh when the CA changes', async () => {
    const { url, tally } = await countingAppliance(2_000);
    const target = { name: 'adc-warm', url, caCertificate: keys.caCertificate };

    await oneRun(target);
    expect(tally).toMatchObject({ connections: 1, resumed: 0 });
    expect(tally.requests).toEqual([
      'POST /nitro/v1/config/login',
      'GET /nitro/v1/stat/hanode',
      'GET /nitro/v1/stat/protocolmptcp',
      'POST /nitro/v1/config/logout',
    ]);

    // The next run right away: the kept connection.
    await oneRun(target);
    expect(tally).toMatchObject({ connections: 1, resumed: 0 });

    // The appliance closed the idle connection (Node closes it 1 s after its keepAliveTimeout): a new one, the TLS session resumed.
    await new Promise((done) => setTimeout(done, 3_500));
    await oneRun(target);
    expect(tally).toMatchObject({ connections: 2, resumed: 1 });

    // The secret's CA changed: nothing of the old trust is reused.
    await oneRun({ ...target, caCertificate: `${keys.caCertificate}\n${otherCa}` });
    expect(tally).toMatchObject({ connections: 3, resumed: 1 });
    expect(tally.requests).toHaveLength(16);
  });
});
