/**
 * The floor the collector's NITRO work is measured against: a bare node:https client doing the same four
 * requests per appliance (login, stat/hanode, stat/protocolmptcp, logout) with one keep-alive agent per
 * appliance kept across runs (so it resumes TLS sessions exactly as a warm container can), parsing each answer
 * with JSON.parse and nothing else: no validation, no deltas, no datums, no logging, no deadlines. oneShotCollect
 * is the same client without the kept agent: a poller started per run, a full TLS handshake each time.
 */
import { Agent, request } from 'node:https';
import { createJsonLogger, Redactor } from '../../lambda/logger.js';
import { NitroClient } from '../../lambda/nitro/client.js';
import { NitroTransports } from '../../lambda/nitro/transport.js';
import { claimAndCommit, countersOf } from './bare-aws.js';

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
    agent = newAgent(appliance);
    agents.set(appliance.url, agent);
  }
  return agent;
}

function newAgent(appliance: BareAppliance): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ca: appliance.caCertificate, servername: 'localhost' });
}

function send(
  appliance: BareAppliance,
  method: string,
  path: string,
  body?: string,
  token?: string,
  agent: Agent = agentFor(appliance),
): Promise<{ status: number; json: unknown }> {
  const { hostname, port } = new URL(appliance.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.cookie = `NITRO_AUTH_TOKEN=${token}`;
    const req = request({ hostname, port, method, path, headers, agent, timeout: 10_000 }, (res) => {
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

type Send = (method: 'GET' | 'POST', path: string, body?: string, token?: string) => Promise<{ status: number; json: unknown }>;

/** The bare client's exchange with `appliance`, over its kept agent unless given another. */
function bareExchange(appliance: BareAppliance, agent?: Agent): Send {
  return (method, path, body, token) => send(appliance, method, path, body, token, agent);
}

/** One appliance's run over `exchange`: login, two stat reads, logout. Resolves the protocolmptcp answer, or undefined when any step failed. */
async function fourRequests(appliance: BareAppliance, exchange: Send): Promise<unknown> {
  try {
    const login = await exchange(
      'POST',
      '/nitro/v1/config/login',
      JSON.stringify({ login: { username: appliance.username, password: appliance.password, timeout: 120 } }),
    );
    const token = (login.json as { sessionid?: string }).sessionid;
    await exchange('GET', '/nitro/v1/stat/hanode', undefined, token);
    const stat = await exchange('GET', '/nitro/v1/stat/protocolmptcp', undefined, token);
    await exchange('POST', '/nitro/v1/config/logout', JSON.stringify({ logout: {} }), token);
    return login.status === 201 ? stat.json : undefined;
  } catch {
    return undefined;
  }
}

/** The bare client's run of one appliance. */
export async function bareCollect(appliance: BareAppliance): Promise<boolean> {
  return (await fourRequests(appliance, bareExchange(appliance))) !== undefined;
}

/**
 * The bare client's run of one appliance, then its state item's claim and commit as raw signed requests
 * (bare-aws.ts): the floor of a poller that keeps exact counts in DynamoDB, as the function does.
 */
export function bareCollectWithState(tableName: string): (appliance: BareAppliance, index: number) => Promise<boolean> {
  return async (appliance, index) => {
    const answer = await fourRequests(appliance, bareExchange(appliance));
    if (answer === undefined) return false;
    try {
      await claimAndCommit(tableName, `floor-${index + 1}`, countersOf(answer));
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * The bare client as a poller started once per run would be: a new agent for the run's four requests, so a new TLS
 * session (a full handshake, the certificate checked) every run, and the connection closed at its end.
 */
export async function oneShotCollect(appliance: BareAppliance): Promise<boolean> {
  const agent = newAgent(appliance);
  try {
    return (await fourRequests(appliance, bareExchange(appliance, agent))) !== undefined;
  } finally {
    agent.destroy();
  }
}

/** The bench process's connection pools, kept across its repetitions as a warm container keeps its own. */
const benchTransports = new NitroTransports();

/**
 * The same four requests through the collector's own transport (its pooled agents, timers and body cap), parsed
 * with JSON.parse: what the transport costs over the bare client, and what the rest of the collector costs over it.
 */
export async function transportCollect(appliance: BareAppliance, index: number): Promise<boolean> {
  const transport = benchTransports.transportFor({
    name: `transport-${index}`,
    url: appliance.url,
    caCertificate: appliance.caCertificate,
  });
  const stat = await fourRequests(appliance, async (method, path, body, token) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.cookie = `NITRO_AUTH_TOKEN=${token}`;
    const answer = await transport.exchange({ method, path, headers, body, timeoutMs: 10_000, maxBodyBytes: 1 << 20 });
    return { status: answer.status, json: JSON.parse(answer.text) as unknown };
  });
  return stat !== undefined;
}

const silent = createJsonLogger({ level: 'INFO', write: () => undefined, redactor: new Redactor() });

/** The same session through the collector's NITRO client (login, both stat reads, logout), and nothing after it. */
export async function nitroClientCollect(appliance: BareAppliance, index: number): Promise<boolean> {
  const client = new NitroClient(
    { name: `client-${index}`, url: appliance.url, caCertificate: appliance.caCertificate },
    { logger: silent, transports: benchTransports },
  );
  try {
    await client.withSession({ username: appliance.username, password: appliance.password }, async (session) => {
      await session.getStat('hanode');
      await session.getStat('protocolmptcp');
    });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** Collects every appliance with `collect` (default: the bare client), at most `concurrency` at once. */
export async function bareRun(
  appliances: readonly BareAppliance[],
  concurrency: number,
  collect: (appliance: BareAppliance, index: number) => Promise<boolean> = bareCollect,
): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < appliances.length) {
      const index = next++;
      if (await collect(appliances[index]!, index)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, appliances.length) }, worker));
  return ok;
}
