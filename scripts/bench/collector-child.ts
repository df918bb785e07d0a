/**
 * The measured side of `npm run bench`, bundled like the function and run on the function's Node with its
 * NODE_OPTIONS, against a simulator fleet in another process. Reads its job as JSON (argv[2]) and prints one
 * JSON line with the figures.
 *   cpu:        interleaved runs over the same appliances of the collector, of the collector with its NITRO
 *               sessions answered from memory, of its NITRO client alone (one session, nothing after it), of its
 *               transport alone and of the bare node:https floor; CPU time (user + system) per appliance per run;
 *               every run after the first is warm
 *   fleet:      one container: `runs` invocations of the collector (the first cold), wall time, peak RSS
 *   bare-fleet: the same appliances collected once by the floor client, wall time, peak RSS
 *   collector-only: `runs` collector runs, `pauseMs` apart (for --profile: every sample is the collector's)
 *   whole:      the whole function (its handler, the real AWS SDK calls against moto_server: secret, state, metrics)
 *               interleaved with the same function with its state table in memory, with CloudWatch too, and with
 *               the bare client over the same appliances (its agent kept, and new each run); the first run of each is cold
 *   whole-only: the whole function alone, `runs` runs (for --profile --whole)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { DEFAULT_CONCURRENCY } from '../../lambda/config/environment.js';
import { createHandler } from '../../lambda/handler.js';
import { createJsonLogger, Redactor } from '../../lambda/logger.js';
import { NitroClient, type NitroSession, type StatResource } from '../../lambda/nitro/client.js';
import type { CollectorDependencies } from '../../lambda/pipeline/collect-appliance.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { InMemoryCredentialRejections } from '../../lambda/pipeline/credential-gate.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { putMetricData } from './bare-aws.js';
import {
  type BareAppliance,
  bareCollect,
  bareCollectWithState,
  bareRun,
  nitroClientCollect,
  oneShotCollect,
  transportCollect,
} from './bare-client.js';
import { type FleetInfo, passwordOf } from './fleet-info.js';

export interface ChildJob {
  readonly mode: 'cpu' | 'fleet' | 'bare-fleet' | 'collector-only' | 'whole' | 'whole-only';
  /**
   * whole: the state table and namespace in moto_server (the endpoint comes in the environment) and the secret
   * ids of the appliances, in order.
   */
  readonly aws?: { readonly tableName: string; readonly namespace: string; readonly secretIds: readonly string[] };
  readonly fleet: FleetInfo;
  readonly count: number;
  readonly concurrency?: number;
  readonly remainingMs: number;
  /** cpu: pairs of runs; fleet: invocations. */
  readonly runs: number;
  /** Pause before every run, longer than the fleet's keep-alive timeout (runs are minutes apart in Lambda). */
  readonly pauseMs: number;
  /** Every n-th appliance hangs (fleet mode: they are not counted as healthy). */
  readonly hungEvery?: number;
}

export interface RunFigures {
  readonly wallMs: number;
  readonly cpuUs: number;
  /** Of cpuUs, the kernel's share (system time: on loopback, both ends' TCP and TLS record work). */
  readonly systemUs: number;
  readonly ok: number;
  readonly healthyNotOk: number;
  readonly notStarted: number;
  readonly datums: number;
  readonly putMetricDataCalls: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ChildJob;
const concurrency = job.concurrency ?? DEFAULT_CONCURRENCY;
const urls = job.fleet.urls.slice(0, job.count);
const hung = (index: number) => job.hungEvery !== undefined && (index + 1) % job.hungEvery === 0;

const appliances: ApplianceConfig[] = urls.map((url, i) => ({
  name: `adc-${i + 1}`,
  url,
  secretId: `secret-${i + 1}`,
  caCertificate: job.fleet.caCertificate,
}));
const bareAppliances: BareAppliance[] = urls
  .map((url, i) => ({ url, caCertificate: job.fleet.caCertificate, username: job.fleet.username, password: passwordOf(job.fleet, i) }))
  .filter((_, i) => !hung(i));
const redactor = new Redactor();
const deps = {
  credentials: new StaticCredentialSource(
    new Map(urls.map((_, i) => [`secret-${i + 1}`, { username: job.fleet.username, password: passwordOf(job.fleet, i) }] as const)),
  ),
  store: new InMemorySampleStore(),
  sink: new DryRunSink(),
  // INFO, as deployed: every line is formatted, none is written (the bench measures the collector, not a pipe).
  logger: createJsonLogger({ level: 'INFO', write: () => undefined, redactor }),
  memory: createContainerMemory({ redactor }),
};
const selection = resolveSelection('default');

/**
 * The collector with every NITRO session answered from memory (the first appliance's real answers, captured once,
 * parsed again per request): the CPU of the collector's own work after the session, no network.
 */
async function offlineDeps() {
  const answers = new Map<StatResource, string>();
  const [first] = bareAppliances;
  const client = new NitroClient({ name: 'capture', url: first!.url, caCertificate: first!.caCertificate }, { logger: deps.logger });
  try {
    await client.withSession({ username: first!.username, password: first!.password }, async (session) => {
      for (const resource of ['hanode', 'protocolmptcp'] as const) answers.set(resource, JSON.stringify(await session.getStat(resource)));
    });
  } finally {
    await client.close();
  }
  const session: NitroSession = {
    getStat: async (resource) => JSON.parse(answers.get(resource) ?? '{}') as Record<string, unknown>,
    getVirtualServerStat: async () => ({}),
  };
  return {
    ...deps,
    store: new InMemorySampleStore(),
    sink: new DryRunSink(),
    openNitro: (() => ({
      withSession: (_credentials, work) => work(session),
      close: async () => undefined,
    })) satisfies CollectorDependencies['openNitro'],
  };
}

/** Runs `work`, with the wall time and the process's CPU (user and system) it took. */
async function measured<T>(work: () => Promise<T>): Promise<{ readonly value: T } & Pick<RunFigures, 'wallMs' | 'cpuUs' | 'systemUs'>> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuUs: used.user + used.system, systemUs: used.system };
}

async function collectorRun(using: typeof deps = deps): Promise<RunFigures> {
  const { value, ...times } = await measured(() =>
    runCollection({ appliances, selection, concurrency, remainingMs: job.remainingMs }, using),
  );
  const { summary } = value;
  using.sink.published.length = 0;
  return {
    ...times,
    ok: summary.appliances.filter((a) => a.outcome === 'ok').length,
    healthyNotOk: summary.appliances.filter((a, i) => !hung(i) && a.outcome !== 'ok').length,
    notStarted: summary.appliances.filter((a) => a.errorClass === 'not-started').length,
    datums: summary.datapointsPublished,
    putMetricDataCalls: summary.putMetricDataCalls,
  };
}

/** A run of the bare client (`collect`, default the plain one) over the healthy appliances, then `afterRun`'s work. */
async function floorRun(
  collect: (appliance: BareAppliance, index: number) => Promise<boolean> = bareCollect,
  afterRun: () => Promise<void> = async () => undefined,
): Promise<RunFigures> {
  const { value: ok, ...times } = await measured(async () => {
    const ok = await bareRun(bareAppliances, concurrency, collect);
    await afterRun();
    return ok;
  });
  return {
    ...times,
    ok,
    healthyNotOk: bareAppliances.length - ok,
    notStarted: 0,
    datums: 0,
    putMetricDataCalls: 0,
  };
}

/** The datums the whole function published in its latest run, for the floor that does the function's job. */
let latestWholeDatums = 0;

/**
 * The bare client doing the function's job with raw signed requests (bare-aws.ts): its four NITRO requests and its
 * state item's claim and commit per appliance, then one PutMetricData of as many datums as the function published.
 */
function jobFloorRun(): Promise<RunFigures> {
  const aws = job.aws!;
  return floorRun(bareCollectWithState(aws.tableName), async () => {
    if (latestWholeDatums > 0)
      await putMetricData(
        aws.namespace,
        appliances.map((a) => a.name),
        latestWholeDatums,
      );
  });
}

/**
 * The whole function as Lambda runs it: one handler (one container) for every run, its AWS calls against moto_server.
 * `without` puts edges in memory instead, so that the difference between two arms is the CPU of those edges: the
 * state table (sample state and credential backoff), and CloudWatch too (a dry-run sink); Secrets Manager stays.
 */
function wholeFunctionRun(without: 'nothing' | 'state table' | 'state table and CloudWatch' = 'nothing'): () => Promise<RunFigures> {
  const aws = job.aws!;
  const store = new InMemorySampleStore();
  const rejections = new InMemoryCredentialRejections();
  const sink = new DryRunSink();
  const memory = createContainerMemory();
  const handler = createHandler({
    env: {
      ...process.env,
      STATE_TABLE_NAME: aws.tableName,
      METRIC_NAMESPACE: aws.namespace,
      APPLIANCES: JSON.stringify(appliances.map((a, i) => ({ ...a, secretId: aws.secretIds[i]! }))),
    },
    memory,
    logger: createJsonLogger({ level: 'INFO', write: () => undefined, redactor: memory.redactor }),
    ...(without !== 'nothing' && { store: () => store, rejections: () => rejections }),
    ...(without === 'state table and CloudWatch' && {
      sink: () => {
        sink.published.length = 0;
        return sink;
      },
    }),
  });
  return async () => {
    const { value: summary, ...times } = await measured(() => handler({}, { getRemainingTimeInMillis: () => job.remainingMs }));
    if (without === 'nothing') latestWholeDatums = summary.datapointsPublished;
    return {
      ...times,
      ok: summary.appliances.filter((a) => a.outcome === 'ok').length,
      healthyNotOk: summary.appliances.filter((a) => a.outcome !== 'ok').length,
      notStarted: 0,
      datums: summary.datapointsPublished,
      putMetricDataCalls: summary.putMetricDataCalls,
    };
  };
}

// CommonJS, like the function: no top-level await.
/**
 * Runs every arm once a round, `rounds` times, a pause before each run; the order rotates every round, so that no arm
 * always runs right after another's garbage.
 */
async function interleaved(
  arms: readonly { run: () => Promise<RunFigures>; into: RunFigures[] }[],
  rounds: number,
  pauseMs: number,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < arms.length; step++) {
      const arm = arms[(round + step) % arms.length]!;
      await sleep(pauseMs);
      arm.into.push(await arm.run());
    }
  }
}

async function main(): Promise<void> {
  const output: {
    collector: RunFigures[];
    /** whole: the function with its state table in memory, and with CloudWatch too. */
    memoryState: RunFigures[];
    memoryStateNoCloudWatch: RunFigures[];
    /** whole: the bare poller started per run (a full TLS handshake each run). */
    oneShotFloor: RunFigures[];
    /** whole: the bare poller doing the function's job (state claim and commit, PutMetricData) by raw signed requests. */
    jobFloor: RunFigures[];
    offline: RunFigures[];
    nitroClient: RunFigures[];
    transport: RunFigures[];
    floor: RunFigures[];
    maxRssKb: number;
    concurrency: number;
  } = {
    collector: [],
    memoryState: [],
    memoryStateNoCloudWatch: [],
    oneShotFloor: [],
    jobFloor: [],
    offline: [],
    nitroClient: [],
    transport: [],
    floor: [],
    maxRssKb: 0,
    concurrency,
  };
  if (job.mode === 'cpu') {
    const offline = await offlineDeps();
    const arms = [
      { run: () => collectorRun(), into: output.collector },
      { run: () => collectorRun(offline), into: output.offline },
      { run: () => floorRun(nitroClientCollect), into: output.nitroClient },
      { run: () => floorRun(transportCollect), into: output.transport },
      { run: () => floorRun(), into: output.floor },
    ];
    await interleaved(arms, job.runs, job.pauseMs);
  } else if (job.mode === 'whole') {
    const arms = [
      { run: wholeFunctionRun(), into: output.collector },
      { run: wholeFunctionRun('state table'), into: output.memoryState },
      { run: wholeFunctionRun('state table and CloudWatch'), into: output.memoryStateNoCloudWatch },
      { run: () => floorRun(), into: output.floor },
      { run: () => floorRun(oneShotCollect), into: output.oneShotFloor },
      { run: jobFloorRun, into: output.jobFloor },
    ];
    await interleaved(arms, job.runs, job.pauseMs);
  } else if (job.mode === 'whole-only') {
    await interleaved([{ run: wholeFunctionRun(), into: output.collector }], job.runs, job.pauseMs);
  } else {
    for (let run = 0; run < job.runs; run++) {
      if (run > 0) await sleep(job.pauseMs);
      if (job.mode === 'fleet' || job.mode === 'collector-only') output.collector.push(await collectorRun());
      else output.floor.push(await floorRun());
    }
  }
  output.maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
