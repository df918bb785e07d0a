/**
 * The `collect` command: `npm run collect -- --url https://adc.example.com --username reader --password-env ADC_PASSWORD ...`
 * Collects one real appliance with the same pipeline the Lambda runs. Dry run by default.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { closestNames } from '../lambda/catalog/closest-names.js';
import { resolveSelection } from '../lambda/catalog/selection.js';
import { type ApplianceConfig, parseAppliances } from '../lambda/config/appliance.js';
import { namespaceProblem } from '../lambda/config/namespace.js';
import type { MetricSink } from '../lambda/core/ports.js';
import { CollectorError } from '../lambda/errors.js';
import { createJsonLogger, type Logger, unredactablePassword } from '../lambda/logger.js';
import { DEFAULT_NAMESPACE } from '../lambda/metrics/health.js';
import { type ContainerMemory, createContainerMemory } from '../lambda/pipeline/container-memory.js';
import { type ApplianceSummary, type RunResult, type RunSummary, runCollection } from '../lambda/pipeline/run-collection.js';
import { createCliLogger } from './cli-logger.js';
import { applianceFailureLine, inOptionWords, publishFailureLine } from './collect-failure.js';
import { parseCommandLine, USAGE_EXIT_CODE, UsageError } from './command-line.js';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from './in-memory-edges.js';
import { processRedactor } from './process-redactor.js';
import { formatDatumTable, formatOutcomes } from './report.js';

export const EXIT = { ok: 0, collectionFailed: 1, usage: USAGE_EXIT_CODE, publishFailed: 3 } as const;

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
  --json                  print one JSON document {dryRun, summary, metrics, samples} instead of tables
  --publish               publish to CloudWatch (default: dry run, nothing sent to AWS)
  --namespace NS          CloudWatch namespace with --publish (default ${DEFAULT_NAMESPACE})
  --region REGION         AWS region with --publish (default: AWS_REGION, or the profile's region)
  --profile NAME          AWS profile with --publish (default: AWS_PROFILE, or the default credentials)
  --verbose               log every step (JSON lines on stderr)
  -h, --help              show this help

Examples:
  # Look at an appliance whose certificate a private CA signed (a dry run: nothing is sent to AWS)
  export ADC_PASSWORD='...'
  npm run collect -- --url https://adc1.example.com --username mptcp-reader --password-env ADC_PASSWORD --ca-file corp-ca.pem

  # An appliance reached by IP address, three samples 10 s apart, every counter, as JSON
  npm run collect -- --url https://10.0.0.5 --server-name adc1.example.com --username mptcp-reader \\
    --password-env ADC_PASSWORD --ca-file corp-ca.pem --counters all --samples 3 --interval 10 --json

  # Publish to CloudWatch in eu-west-1 with the AWS profile "monitoring"
  npm run collect -- --url https://adc1.example.com --username mptcp-reader --password-env ADC_PASSWORD \\
    --ca-file corp-ca.pem --publish --region eu-west-1 --profile monitoring

Exit codes:
  0  every sample was collected (and published with --publish)
  1  the appliance could not be collected; the last line says what failed and what to do
  2  bad usage or configuration (nothing was sent to the appliance)
  3  publishing to CloudWatch failed
`;

interface CollectOptions {
  appliance: ApplianceConfig;
  password: string;
  passwordVariable: string;
  username: string;
  counters: string;
  samples: number;
  intervalSeconds: number;
  json: boolean;
  publish: boolean;
  namespace: string;
  region?: string;
  profile?: string;
  verbose: boolean;
}

/** The command line's flags; an unknown option (with the nearest known one), a missing value, a stray argument is bad usage. */
function parseFlags(argv: readonly string[]) {
  return parseCommandLine(argv, {
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
    region: { type: 'string' },
    profile: { type: 'string' },
    verbose: { type: 'boolean' },
  });
}

export function parseCollectArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CollectOptions | 'help' {
  const values = parseFlags(argv);
  if (values === 'help') return 'help';
  if (values.password !== undefined)
    throw new UsageError(
      '--password is not accepted (it would show in ps and shell history): put the password in an environment variable and pass its name with --password-env',
    );
  if (!values.url) throw new UsageError("--url is required (the appliance's management address, e.g. https://adc.example.com)");
  if (!values.username) throw new UsageError('--username is required');
  if (!values['password-env'])
    throw new UsageError('--password-env is required (the name of the environment variable holding the password)');
  const password = env[values['password-env']];
  if (!password)
    throw new UsageError(
      `the environment variable ${values['password-env']} (from --password-env) is not set or empty: export ${values['password-env']}='...' first`,
    );
  const unredactable = unredactablePassword(password);
  if (unredactable !== undefined) throw new UsageError(`the password in ${values['password-env']} (from --password-env) ${unredactable}`);
  if (values.url.startsWith('http://') && !values['allow-http']) {
    throw new UsageError(
      `--url ${values.url} is plain http://: use https://, or add --allow-http to send the password unencrypted on purpose`,
    );
  }
  if (values.counters.split(',').every((name) => name.trim() === '')) {
    throw new UsageError(
      `--counters "${values.counters}" names no counter: give default, all, or a comma list of metric names (docs/metrics.md)`,
    );
  }
  if (values.region !== undefined) regionCheck(values.region);
  const namespaceIssue = namespaceProblem(values.namespace);
  if (namespaceIssue !== undefined) throw new UsageError(`--namespace "${values.namespace}" ${namespaceIssue}`);

  let caCertificate: string | undefined;
  if (values['ca-file']) {
    try {
      caCertificate = readFileSync(values['ca-file'], 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'not readable (permission denied)'
            : code === 'EISDIR'
              ? 'is a directory'
              : (error as Error).message;
      throw new UsageError(
        `--ca-file ${values['ca-file']}: ${why} (the PEM bundle of the CA that signed the appliance's management certificate)`,
      );
    }
  }
  const host = URL.canParse(values.url) ? new URL(values.url).hostname : values.url;
  let appliance: ApplianceConfig | undefined;
  try {
    [appliance] = parseAppliances(
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
  } catch (error) {
    throw new UsageError(inOptionWords((error as Error).message));
  }
  return {
    appliance: appliance!,
    username: values.username,
    password,
    passwordVariable: values['password-env'],
    counters: values.counters,
    samples: boundedInteger('--samples', values.samples, 1, 10),
    intervalSeconds: boundedInteger('--interval', values.interval, 1, 300),
    json: values.json ?? false,
    publish: values.publish ?? false,
    namespace: values.namespace,
    ...(values.region !== undefined && { region: values.region }),
    ...(values.profile !== undefined && { profile: values.profile }),
    verbose: values.verbose ?? false,
  };
}

/**
 * --region: refused before anything is sent when it is not a region name, or a misspelling of a region the AWS
 * CDK knows (a region newer than the CDK's list, with no near name, passes).
 */
function regionCheck(region: string): void {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`--region "${region}" is not an AWS region name (e.g. eu-west-1)${regionHint(region)}`);
  }
  if (KNOWN_REGIONS.includes(region)) return;
  const hint = regionHint(region);
  if (hint !== '') throw new UsageError(`--region ${region} is not a known AWS region${hint}`);
}

const KNOWN_REGIONS: readonly string[] = RegionInfo.regions.map((info) => info.name);

function regionHint(region: string): string {
  const near = closestNames(region, KNOWN_REGIONS, 3, 2);
  return near.length > 0 ? `; did you mean ${near.join(', ')}?` : '';
}

function boundedInteger(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** For --publish: a CloudWatch sink whose region and credentials resolve, checked before the appliance is touched. */
async function openCloudWatch(options: CollectOptions): Promise<MetricSink> {
  const { createCloudWatchClient } = await import('../lambda/aws/clients.js');
  const { CloudWatchMetricSink } = await import('../lambda/aws/cloudwatch-sink.js');
  const client = createCloudWatchClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.profile !== undefined && { profile: options.profile }),
  });
  try {
    const region = await client.config.region();
    if (!region) throw new Error('Region is missing');
  } catch {
    throw new UsageError('--publish needs an AWS region and none is set: pass --region REGION (e.g. --region eu-west-1) or set AWS_REGION');
  }
  try {
    await client.config.credentials();
  } catch (error) {
    const reason = (error as Error).message;
    throw new UsageError(
      options.profile !== undefined
        ? `--publish found no AWS credentials for --profile ${options.profile} (${reason}): check that profile in ~/.aws/config and ~/.aws/credentials, or pass another --profile NAME`
        : `--publish needs AWS credentials and none were found (${reason}): pass --profile NAME, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  }
  return new CloudWatchMetricSink({ namespace: options.namespace, client });
}

/** Why the samples stop early: the first failure ends the run (no second login, no second wait). */
function stopAfter(run: RunResult): ApplianceSummary | 'publish' | undefined {
  const failed = run.summary.appliances.find((appliance) => appliance.outcome === 'failed');
  if (failed !== undefined) return failed;
  return run.summary.publishError !== undefined ? 'publish' : undefined;
}

export async function runCollect(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  let options: CollectOptions | 'help';
  try {
    options = parseCollectArgs(argv, env);
  } catch (error) {
    const message = (error as Error).message.replace(/\.+$/, '');
    err(`error: ${message}${/[?!]$/.test(message) ? '' : '.'} Run with --help for usage.`);
    return EXIT.usage;
  }
  if (options === 'help') {
    out(HELP);
    return EXIT.ok;
  }
  try {
    return await collect(options, out, err);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`error: ${error.message}.`);
      return EXIT.usage;
    }
    err(
      `error: collect stopped on an unexpected error (a bug: please report it with the output of --verbose): ${processRedactor.scrub((error as Error).message ?? String(error))}.`,
    );
    return EXIT.collectionFailed;
  }
}

async function collect(options: CollectOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const memory = createContainerMemory({ redactor: processRedactor });
  try {
    return await collectWith(options, memory, out, err);
  } finally {
    // A one-shot process: the session kept between its samples is logged out when it ends.
    await memory.nitroSessions.endAll();
  }
}

async function collectWith(
  options: CollectOptions,
  memory: ContainerMemory,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  processRedactor.add(options.password);
  const logger: Logger = options.verbose
    ? createJsonLogger({ level: 'DEBUG', write: err, redactor: processRedactor })
    : createCliLogger(err);
  const sink = options.publish ? await openCloudWatch(options) : new DryRunSink();
  const deps = {
    credentials: new StaticCredentialSource(new Map([['command-line', { username: options.username, password: options.password }]])),
    store: new InMemorySampleStore(),
    sink,
    logger,
    memory,
  };
  const selection = resolveSelection(options.counters);
  const runs: RunResult[] = [];
  let stop: ApplianceSummary | 'publish' | undefined;
  for (let i = 0; i < options.samples && stop === undefined; i++) {
    if (i > 0) {
      err(
        `waiting ${options.intervalSeconds} s for sample ${i + 1} of ${options.samples} (counters are the increase between two samples)...`,
      );
      await sleep(options.intervalSeconds * 1000);
    }
    let run: RunResult;
    try {
      run = await runCollection({ appliances: [options.appliance], selection, concurrency: 1, remainingMs: 60_000 }, deps);
    } catch (error) {
      // The run as a whole failed (nothing could be published): there is no report to print.
      if (error instanceof CollectorError && error.errorClass === 'publish-error') {
        err(publishFailureLine(error.message));
        return EXIT.publishFailed;
      }
      throw error;
    }
    runs.push(run);
    stop = stopAfter(run);
  }
  const last = runs.at(-1)!;
  const dryRun = !options.publish;
  if (options.json) {
    out(JSON.stringify(jsonReport(runs, options), null, 2));
  } else {
    out(formatDatumTable(last.datums));
    out('');
    // The failure's message comes once, in the last line.
    runs.forEach((run, i) => out(`sample ${i + 1}: ${formatOutcomes(run.summary, { dryRun, errorMessages: false })}`));
  }
  if (stop === 'publish') {
    err(publishFailureLine(last.summary.publishError!));
    return EXIT.publishFailed;
  }
  if (stop !== undefined) {
    err(applianceFailureLine(stop, { passwordVariable: options.passwordVariable }));
    return EXIT.collectionFailed;
  }
  if (!options.json) {
    const secondary = last.summary.appliances.find((appliance) => appliance.outcome === 'secondary-skipped');
    if (secondary !== undefined)
      out(`${secondary.name} is the HA secondary: its counters are not published (--ha-mode any collects whatever node answers).`);
    out(
      dryRun
        ? `dry run: nothing was sent to CloudWatch; with --publish, ${datapoints(last.summary.datapointsPublished)} would go to ${options.namespace} in ${calls(last.summary.putMetricDataCalls)}.`
        : `published ${datapoints(last.summary.datapointsPublished)} to ${options.namespace} in ${calls(last.summary.putMetricDataCalls)}.`,
    );
  }
  return EXIT.ok;
}

const datapoints = (n: number): string => `${n} datapoint${n === 1 ? '' : 's'}`;
const calls = (n: number): string => `${n} PutMetricData call${n === 1 ? '' : 's'}`;

/** The --json document. A dry run says what would be published, never that anything was. */
function jsonReport(runs: readonly RunResult[], options: CollectOptions): unknown {
  const view = (summary: RunSummary): unknown => (options.publish ? summary : dryRunSummary(summary));
  const last = runs.at(-1)!;
  return {
    dryRun: !options.publish,
    namespace: options.namespace,
    summary: view(last.summary),
    metrics: last.datums,
    samples: runs.map((run) => view(run.summary)),
  };
}

function dryRunSummary(summary: RunSummary): unknown {
  const { datapointsPublished, putMetricDataCalls, appliances, ...rest } = summary;
  return {
    ...rest,
    datapointsWouldPublish: datapointsPublished,
    putMetricDataCallsWouldMake: putMetricDataCalls,
    appliances: appliances.map(({ datapoints: count, ...appliance }) => ({ ...appliance, datapointsWouldPublish: count })),
  };
}
