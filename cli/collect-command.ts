/**
 * The `collect` command: `npm run collect -- --url https://adc.example.com --username reader --password-env ADC_PASSWORD ...`
 * Collects one real appliance with the same pipeline the Lambda runs. Dry run by default.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { resolveSelection } from '../lambda/catalog/selection.js';
import { type ApplianceConfig, parseAppliances } from '../lambda/config/appliance.js';
import type { MetricSink } from '../lambda/core/ports.js';
import { CollectorError } from '../lambda/errors.js';
import { createJsonLogger, globalRedactor, type Logger } from '../lambda/logger.js';
import { DEFAULT_NAMESPACE } from '../lambda/metrics/health.js';
import { type RunResult, runCollection } from '../lambda/pipeline/run-collection.js';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from './in-memory-edges.js';
import { formatDatumTable, formatOutcomes } from './report.js';

export const EXIT = { ok: 0, collectionFailed: 1, usage: 2, publishFailed: 3 } as const;

const HELP = `Collect MPTCP statistics from one NetScaler appliance and show the CloudWatch metrics they become.

Usage:
  npm run collect -- --url https://adc.example.com --username reader --password-env ADC_PASSWORD [options]

Required:
  --url URL               management address of the appliance (https://host[:port])
  --username NAME         NITRO user (a read-only user bound to a stat-only command policy)
  --password-env VAR      name of the environment variable that holds the password
                          (a password is never accepted as an argument: arguments show in ps and shell history)

Options:
  --name NAME             value of the Appliance dimension (default: the URL's host)
  --ca-file FILE          PEM bundle of the CA that signed the appliance's management certificate
  --server-name NAME      TLS name to verify when --url uses an IP address
  --insecure-skip-verify  do not verify the certificate at all (logged as a warning; never in production)
  --allow-http            accept a plain http:// URL (the password crosses the network unencrypted)
  --ha-mode MODE          primary-only (default: a secondary is reported and skipped) or any
  --counters SPEC         default | all | comma list of metric names or NITRO names (default: default)
  --samples N             samples to take, 1-10 (default 2: counters appear from the second, as per-interval deltas)
  --interval SECONDS      seconds between samples, 1-300 (default 5)
  --json                  print one JSON document {summary, metrics} instead of tables
  --publish               publish to CloudWatch with the default AWS credentials (default: dry run, nothing sent to AWS)
  --namespace NS          CloudWatch namespace with --publish (default ${DEFAULT_NAMESPACE})
  --verbose               log every step (JSON lines on stderr)
  -h, --help              show this help

Exit codes:
  0  every sample was collected (and published with --publish)
  1  the appliance could not be collected; the last line names the error class and what to do
  2  bad usage or configuration
  3  publishing to CloudWatch failed
`;

interface CollectOptions {
  appliance: ApplianceConfig;
  password: string;
  username: string;
  counters: string;
  samples: number;
  intervalSeconds: number;
  json: boolean;
  publish: boolean;
  namespace: string;
  verbose: boolean;
}

export function parseCollectArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CollectOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      username: { type: 'string' },
      'password-env': { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      'ca-file': { type: 'string' },
      'server-name': { type: 'string' },
      'insecure-skip-verify': { type: 'boolean' },
      'allow-http': { type: 'boolean' },
      'ha-mode': { type: 'string' },
      counters: { type: 'string', default: 'default' },
      samples: { type: 'string', default: '2' },
      interval: { type: 'string', default: '5' },
      json: { type: 'boolean' },
      publish: { type: 'boolean' },
      namespace: { type: 'string', default: DEFAULT_NAMESPACE },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (values.password !== undefined)
    throw new UsageError(
      '--password is not accepted (it would show in ps and shell history): put the password in an environment variable and pass its name with --password-env',
    );
  if (!values.url) throw new UsageError('--url is required');
  if (!values.username) throw new UsageError('--username is required');
  if (!values['password-env']) throw new UsageError('--password-env is required (the name of the environment variable holding the password)');
  const password = env[values['password-env']];
  if (!password) throw new UsageError(`the environment variable ${values['password-env']} (from --password-env) is not set or empty`);

  let caCertificate: string | undefined;
  if (values['ca-file']) {
    try {
      caCertificate = readFileSync(values['ca-file'], 'utf8');
    } catch (error) {
      throw new UsageError(`--ca-file ${values['ca-file']}: ${(error as Error).message}`);
    }
  }
  const host = URL.canParse(values.url) ? new URL(values.url).hostname : values.url;
  const [appliance] = parseAppliances(
    [
      {
        name: values.name ?? host,
        url: values.url,
        secretId: 'command-line',
        ...(caCertificate !== undefined && { caCertificate }),
        ...(values['server-name'] !== undefined && { tlsServerName: values['server-name'] }),
        ...(values['insecure-skip-verify'] && { insecureSkipVerify: true }),
        ...(values['allow-http'] && { allowPlainHttp: true }),
        ...(values['ha-mode'] !== undefined && { haMode: values['ha-mode'] }),
      },
    ],
    'command line',
  );
  resolveSelection(values.counters);
  return {
    appliance: appliance!,
    username: values.username,
    password,
    counters: values.counters,
    samples: boundedInteger('--samples', values.samples, 1, 10),
    intervalSeconds: boundedInteger('--interval', values.interval, 1, 300),
    json: values.json ?? false,
    publish: values.publish ?? false,
    namespace: values.namespace,
    verbose: values.verbose ?? false,
  };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function boundedInteger(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

async function openSink(options: CollectOptions): Promise<MetricSink> {
  if (!options.publish) return new DryRunSink();
  const { CloudWatchMetricSink } = await import('../lambda/aws/cloudwatch-sink.js');
  return new CloudWatchMetricSink({ namespace: options.namespace });
}

export async function runCollect(argv: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let options: CollectOptions | 'help';
  try {
    options = parseCollectArgs(argv, env);
  } catch (error) {
    err(`error: ${(error as Error).message}\nRun with --help for usage.`);
    return EXIT.usage;
  }
  if (options === 'help') {
    out(HELP);
    return EXIT.ok;
  }
  globalRedactor.add(options.password);
  const logger: Logger = createJsonLogger({ level: options.verbose ? 'DEBUG' : 'WARN', write: err });
  const deps = {
    credentials: new StaticCredentialSource(new Map([['command-line', { username: options.username, password: options.password }]])),
    store: new InMemorySampleStore(),
    sink: await openSink(options),
    logger,
    redactor: globalRedactor,
  };
  const selection = resolveSelection(options.counters);
  const runs: RunResult[] = [];
  for (let i = 0; i < options.samples; i++) {
    if (i > 0) await sleep(options.intervalSeconds * 1000);
    try {
      runs.push(await runCollection({ appliances: [options.appliance], selection, concurrency: 1, remainingMs: 60_000 }, deps));
    } catch (error) {
      err(`error: ${(error as Error).message}`);
      return error instanceof CollectorError && error.errorClass === 'publish-error' ? EXIT.publishFailed : EXIT.collectionFailed;
    }
  }
  const last = runs.at(-1)!;
  if (options.json) {
    out(JSON.stringify({ summary: last.summary, metrics: last.datums, samples: runs.map((r) => r.summary) }, null, 2));
  } else {
    out(formatDatumTable(last.datums));
    out('');
    runs.forEach((run, i) => out(`sample ${i + 1}: ${formatOutcomes(run.summary)}`));
    out(
      options.publish
        ? `published ${last.summary.datapointsPublished} datapoints to ${options.namespace}`
        : 'dry run: nothing was sent to CloudWatch (use --publish to send)',
    );
  }
  if (runs.some((r) => r.summary.publishError)) return EXIT.publishFailed;
  return runs.some((r) => r.summary.appliances.some((a) => a.outcome === 'failed')) ? EXIT.collectionFailed : EXIT.ok;
}
