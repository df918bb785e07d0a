/**
 * The floor the collector's NITRO work is measured against: a bare node:https client doing the same four
 * requests per appliance (login, stat/hanode, stat/protocolmptcp, logout) with one keep-alive agent per
 * appliance kept across runs (so it resumes TLS sessions exactly as a warm container can), parsing each answer
 * with JSON.parse and nothing else: no validation, no deltas, no datums, no logging, no deadlines.
 */
import { Agent, request } from 'node:https';

export interface BareAppliance {
  readonly url: string;
  readonly caCertificate: string;
  readonly username: string;
  readonly password: string;
}

const agents = new Map<string, Agent>();

function agentFor(appliance: BareAppliance): Agent {
  let agent = agents.get(appliance.url);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 1, ca: appliance.caCertificate, servername: 'localhost' });
    agents.set(appliance.url, agent);
  }
  return agent;
}

function send(appliance: BareAppliance, method: string, path: string, body?: string, token?: string): Promise<{ status: number; json: unknown }> {
  const { hostname, port } = new URL(appliance.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.cookie = `NITRO_AUTH_TOKEN=${token}`;
    const req = request({ hostname, port, method, path, headers, agent: agentFor(appliance), timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One appliance's run: login, two stat reads, logout. Resolves false when any step failed. */
export async function bareCollect(appliance: BareAppliance): Promise<boolean> {
  try {
    const login = await send(
      appliance,
      'POST',
      '/nitro/v1/config/login',
      JSON.stringify({ login: { username: appliance.username, password: appliance.password, timeout: 120 } }),
    );
    const token = (login.json as { sessionid?: string }).sessionid;
    await send(appliance, 'GET', '/nitro/v1/stat/hanode', undefined, token);
    await send(appliance, 'GET', '/nitro/v1/stat/protocolmptcp', undefined, token);
    await send(appliance, 'POST', '/nitro/v1/config/logout', JSON.stringify({ logout: {} }), token);
    return login.status === 201;
  } catch {
    return false;
  }
}

/** Collects every appliance with at most `concurrency` at once. */
export async function bareRun(appliances: readonly BareAppliance[], concurrency: number): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < appliances.length) {
      if (await bareCollect(appliances[next++]!)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, appliances.length) }, worker));
  return ok;
}
