/**
 * `npm run simulator`: one simulated NetScaler appliance with live traffic, until Ctrl-C.
 * Options: --port <n> (default: a free port), --seed <n> (default 1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../simulator/index.js';
import { commandLine } from './command-line.js';

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

async function main(): Promise<void> {
  const values = commandLine(
    'simulator',
    `Usage: npm run simulator [-- --port N] [--seed N]
One simulated NetScaler appliance (NITRO over HTTPS) with live traffic, until Ctrl-C; prints its URL, login and CA file.
  --port N    the port to listen on (default: a free port)
  --seed N    the seed of its traffic (default 1)
  -h, --help  show this help`,
    { port: { type: 'string' }, seed: { type: 'string' } },
  );
  const port = integerOption('port', values.port);
  const seed = integerOption('seed', values.seed);
  const simulator = await startSimulator({
    autoAdvance: true,
    ...(port === undefined ? {} : { port }),
    ...(seed === undefined ? {} : { seed }),
  });
  const directory = await mkdtemp(join(tmpdir(), 'nitro-simulator-'));
  const caPath = join(directory, 'ca.pem');
  await writeFile(caPath, simulator.caCertificate, { mode: 0o644 });

  process.stdout.write(
    [
      'NITRO appliance simulator running',
      `  url:         ${simulator.url}`,
      `  server name: ${simulator.serverName} (or adc.simulator.test)`,
      `  username:    ${simulator.username}`,
      // The simulator's password guards nothing real: print it so a user can log in without looking it up.
      `  password:    ${simulator.password}`,
      `  CA (PEM):    ${caPath}`,
      `  control API: ${simulator.controlUrl}`,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void simulator
      .close()
      .then(() => rm(directory, { recursive: true, force: true }))
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
