/**
 * A fleet of simulated appliances in a process of its own (so that the collector's CPU and memory figures hold
 * the collector only): `count` simulators on loopback ports, each answering every request after 20-50 ms.
 * Prints one JSON line (FleetInfo) when ready; reads commands from stdin, one per line:
 *   `hang <every>`  every <every>-th appliance stops answering (never answers a request)
 *   `hostile <n> <bytes>`  the first <n> appliances answer stat/protocolmptcp with a valid JSON body of about
 *                   <bytes> bytes (one key after another, as a hostile or broken appliance could)
 *   `heal`          no appliance hangs, none is hostile
 *   `count`         answers a JSON line `{"requests":N,"logins":M}`: NITRO requests and logins the fleet answered
 *                   since the last `count`
 * and answers each other command with a line `ok`. Ends when stdin closes.
 */
import { createInterface } from 'node:readline';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type FleetInfo, type FleetOptions, hostileStatBody, latencyOf, passwordOf } from './fleet-info.js';

const options = JSON.parse(process.argv[2] ?? '{}') as FleetOptions;
const sims: Simulator[] = [];
for (let i = 0; i < options.count; i++) {
  sims.push(await startSimulator({ seed: i + 1, autoAdvance: true, controlApi: false, keepAliveTimeoutMs: options.keepAliveTimeoutMs }));
}

function heal(): void {
  sims.forEach((sim, i) => {
    sim.clearFaults();
    sim.injectFault({ kind: 'latency', ms: latencyOf(i, options.latencyMs) }, { on: 'any', times: Number.POSITIVE_INFINITY });
  });
}
// The request logs are only counted here: keep them from growing over a long bench.
let requestsCounted = 0;
let loginsCounted = 0;
const takeRequests = () => {
  for (const sim of sims) {
    requestsCounted += sim.requests().length;
    sim.clearRequests();
  }
};
setInterval(takeRequests, 5_000).unref();

heal();
const first = sims[0]!;
const info: FleetInfo = {
  urls: sims.map((s) => s.url),
  caCertificate: first.caCertificate,
  username: first.username,
  password: first.password,
};
sims.forEach((sim, i) => sim.setCredentials(info.username, passwordOf(info, i)));
process.stdout.write(`${JSON.stringify(info)}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, argument] = line.trim().split(/\s+/);
  if (command === 'hang') {
    const every = Number(argument);
    sims.forEach((sim, i) => {
      if ((i + 1) % every === 0) sim.injectFault({ kind: 'hang' }, { on: 'any', times: Number.POSITIVE_INFINITY });
    });
  } else if (command === 'hostile') {
    const [count, bytes] = [Number(argument), Number(line.trim().split(/\s+/)[2])];
    const body = hostileStatBody(bytes);
    for (const sim of sims.slice(0, count))
      sim.injectFault(
        { kind: 'text', status: 200, contentType: 'application/json', body },
        { on: 'stat', times: Number.POSITIVE_INFINITY },
      );
  } else if (command === 'heal') heal();
  else if (command === 'count') {
    takeRequests();
    const logins = sims.reduce((total, sim) => total + sim.logins(), 0);
    process.stdout.write(`${JSON.stringify({ requests: requestsCounted, logins: logins - loginsCounted })}\n`);
    requestsCounted = 0;
    loginsCounted = logins;
    return;
  }
  process.stdout.write('ok\n');
});
lines.on('close', () => {
  void Promise.all(sims.map((sim) => sim.close())).then(() => process.exit(0));
});
