/**
 * `npx tsx scripts/bench-virtual-servers.ts`: what reading listed virtual servers costs, per server (one
 * `GET stat/lbvserver/NAME` each, in one session) against the whole collection (`GET stat/lbvserver`, all
 * servers of the type, filtered by the poller), on a simulated appliance configured with N servers. Prints
 * answer bytes and time per form side by side (ratios matter: the machine is shared); asserts nothing.
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { startSimulator } from '../simulator/index.js';

const CONFIGURED = [10, 100, 1000, 5000];
const LISTED = [1, 5, 25];
const ROUNDS = 15;

interface Answer {
  readonly bytes: number;
  readonly ms: number;
}

async function main(): Promise<void> {
  console.log(
    'configured  listed  per-server: GETs  bytes   ms (median)  |  collection: bytes     ms (median)  parse ms  |  ms ratio collection/per-server',
  );
  for (const configured of CONFIGURED) {
    const sim = await startSimulator({ controlApi: false, initialCounters: 'zero' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: sim.caCertificate });
    try {
      for (let i = 0; i < configured; i++) sim.setVirtualServer('lb', `vs_web_${i}`, { curmptcpsessions: i, cursubflowconn: 2 * i });
      const token = await login(sim.url, agent, sim.username, sim.password);
      const get = (path: string) => timedGet(sim.url, agent, token, path);
      for (const listed of LISTED.filter((n) => n <= configured)) {
        const names = Array.from({ length: listed }, (_, i) => `vs_web_${Math.floor((i * configured) / listed)}`);
        const perServer: number[] = [];
        const whole: number[] = [];
        const parse: number[] = [];
        let perServerBytes = 0;
        let wholeBytes = 0;
        for (let round = 0; round < ROUNDS; round++) {
          // Interleaved, so that load on the machine hits both forms alike.
          let started = performance.now();
          perServerBytes = 0;
          for (const name of names) perServerBytes += (await get(`/nitro/v1/stat/lbvserver/${encodeURIComponent(name)}`)).bytes;
          perServer.push(performance.now() - started);
          started = performance.now();
          const answer = await get('/nitro/v1/stat/lbvserver');
          whole.push(performance.now() - started);
          wholeBytes = answer.bytes;
          parse.push(answer.ms);
        }
        console.log(
          `${String(configured).padStart(10)}  ${String(listed).padStart(6)}  ${String(listed).padStart(16)}  ${String(perServerBytes).padStart(6)}  ${median(perServer).toFixed(1).padStart(11)}  |  ${String(wholeBytes).padStart(17)}  ${median(whole).toFixed(1).padStart(11)}  ${median(parse).toFixed(1).padStart(8)}  |  ${(median(whole) / median(perServer)).toFixed(2).padStart(6)}`,
        );
      }
    } finally {
      agent.destroy();
      await sim.close();
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function send(url: string, agent: Agent, method: string, path: string, headers: Record<string, string>, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function login(url: string, agent: Agent, username: string, password: string): Promise<string> {
  const text = await send(
    url,
    agent,
    'POST',
    '/nitro/v1/config/login',
    { 'content-type': 'application/json' },
    JSON.stringify({ login: { username, password } }),
  );
  return (JSON.parse(text) as { sessionid: string }).sessionid;
}

/** The answer's size, and how long JSON.parse took on it (the collector's side of the work). */
async function timedGet(url: string, agent: Agent, token: string, path: string): Promise<Answer> {
  const text = await send(url, agent, 'GET', path, { cookie: `NITRO_AUTH_TOKEN=${token}` });
  const started = performance.now();
  JSON.parse(text);
  return { bytes: Buffer.byteLength(text), ms: performance.now() - started };
}

await main();
