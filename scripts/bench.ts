/**
 * `npm run bench [-- --quick | --sweep | --cpu | --profile] [--cpu-share <fraction>|lambda]`: the collector's size, cold start, CPU, wall time and memory, each
 * printed beside a floor built the same way in the same run, and the ratio. Printed, never asserted: the machine
 * is shared and noisy, so only ratios of interleaved repetitions (medians) mean something.
 *
 *   bundle        the function's index.js vs a bundle of only the three SDK clients (same esbuild settings)
 *   cold require  Node 24 (the runtime's), with the function's NODE_OPTIONS, vs the floor bundle
 *   CPU           collector CPU per appliance vs a bare node:https client doing the same 4 requests
 *   fleet         wall time and peak RSS of one invocation over 25 / 200 / 1,000 appliances (and 1,000 with
 *                 5 % hung) with default settings, vs the bare client over the healthy ones
 *   API calls     per run, vs their floors
 *
 * The appliances are simulators in a process of their own (scripts/bench/simulator-fleet.ts), each answering
 * after 20-50 ms; the collector runs in another (scripts/bench/collector-child.ts, bundled like the function).
 * --quick: fewer repetitions and no 1,000-appliance rows.
 * --sweep: only the fleet, at several concurrencies (--concurrency 10,20,..; --count 1000), beside the bare client.
 * --cpu: only the CPU measure, at each --concurrency given (default: the function's).
 * --cpu-share: the measured processes get only that fraction of one CPU (`lambda`: the share of a vCPU Lambda
 *   gives the default memory size), through a CPU cgroup (root only): the starved case a real function is in.
 * --profile: only the CPU measure, under V8's sampling profiler: where the collector's CPU goes, by function
 *   (with --whole: the whole function's, its AWS calls against moto_server).
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build, type Metafile } from 'esbuild';
import { commandLine } from '../cli/command-line.js';
import { COLLECTOR_NODE_OPTIONS, collectorEsbuildOptions } from '../infra/constructs/collector-function.js';
import { DEFAULT_INTERVAL_MINUTES, DEFAULT_MEMORY_MIB, defaultTimeoutSeconds } from '../infra/model/sizing.js';
import { DEFAULT_CONCURRENCY } from '../lambda/config/environment.js';
import { MAX_BODY_BYTES } from '../lambda/nitro/client.js';
import { LAMBDA_NODE_VERSION, resolveNode24 } from '../test/support/lambda-runtime.js';
import { createSecret, createStateTable, uniqueName } from '../test/support/moto-aws.js';
import { applyMotoEnvironment, isMotoInstalled, MOTO_INSTALL_HINT, motoEnvironment, startMoto } from '../test/support/moto-server.js';
import type { ChildJob, RunFigures } from './bench/collector-child.js';
import { createCpuShare, lambdaCpuShare } from './bench/cpu-share.js';
import type { FleetInfo, FleetOptions } from './bench/fleet-info.js';
import { passwordOf } from './bench/fleet-info.js';
import { estimate } from './cost-estimate.js';

const ROOT = resolve(import.meta.dirname, '..');
const BENCH_USAGE = `Usage: npm run bench [-- --quick | --sweep | --cpu | --whole | --profile] [--cpu-share FRACTION|lambda] [--concurrency N,N,..] [--count N]
The collector's size, cold start, CPU, wall time and memory beside a floor built the same way (about 8 minutes).
  --quick             fewer repetitions and no 1,000-appliance rows
  --sweep             only the fleet, at several concurrencies (--concurrency 10,20,..; --count 1000), beside the bare client
  --cpu               only the CPU measure, at each --concurrency given (default: the function's)
  --whole             only the whole warm function (AWS calls against moto_server) beside the bare poller: resumed, started per run, and doing its job by raw requests
  --profile           only the CPU measure, under V8's sampling profiler (with --whole: the whole function's)
  --cpu-share F       the measured processes get only that fraction of one CPU (lambda: Lambda's share at the default memory; root only)
  --concurrency LIST  comma list of concurrencies for --sweep and --cpu
  --count N           appliances in the --sweep fleet (default 1000)
  -h, --help          show this help`;
const flags = commandLine('bench', BENCH_USAGE, {
  quick: { type: 'boolean' },
  sweep: { type: 'boolean' },
  profile: { type: 'boolean' },
  cpu: { type: 'boolean' },
  whole: { type: 'boolean' },
  'cpu-share': { type: 'string' },
  count: { type: 'string' },
  concurrency: { type: 'string' },
});
const quick = flags.quick === true;
const sweep = flags.sweep === true;
const profile = flags.profile === true;
const cpuOnlyRun = flags.cpu === true;
const wholeOnlyRun = flags.whole === true;
const cpuShareOption = flags['cpu-share'];
const cpuShare =
  cpuShareOption === undefined
    ? undefined
    : createCpuShare(cpuShareOption === 'lambda' ? lambdaCpuShare(DEFAULT_MEMORY_MIB) : Number(cpuShareOption));
const SWEEP_COUNT = Number(flags.count ?? 1_000);
const concurrencyOption = flags.concurrency?.split(',').map(Number);
const SWEEP_CONCURRENCY = concurrencyOption ?? [10, 20, 32, 40, 50, 64];
const REPS = { coldRequire: quick ? 5 : 15, cpuPairs: quick ? 3 : 5, fleet: quick ? 1 : 2 };
/**
 * The appliances close a connection idle for 2 s (and Node's server 1 s later still), and runs are PAUSE_MS
 * apart: every run connects afresh (and resumes its TLS session), as runs minutes apart do, while the requests
 * within a run share one connection. (1 s would announce `Keep-Alive: timeout=1`, which Node's clients take as
 * "do not reuse at all".)
 */
const FLEET: FleetOptions = { count: quick ? 200 : 1_000, latencyMs: [20, 50], keepAliveTimeoutMs: 2_000 };
const PAUSE_MS = 3_500;
const HUNG_EVERY = 20;
const CPU_APPLIANCES = 100;
const WHOLE_APPLIANCES = 6;
const WHOLE_WARM_RUNS = 15;
const HOSTILE_APPLIANCES = 10;
const REMAINING_MS = defaultTimeoutSeconds(DEFAULT_INTERVAL_MINUTES) * 1000;

const work = mkdtempSync(join(tmpdir(), 'mptcp-bench-'));
process.on('exit', () => {
  cpuShare?.remove();
  rmSync(work, { recursive: true, force: true });
});
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ratio = (value: number, floor: number) => (floor > 0 ? `${(value / floor).toFixed(2)}x` : '');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** The median over the warm runs (all but the first) of `figure` per appliance, in ms. */
const warmMs = (runs: readonly RunFigures[], appliances: number, figure: 'cpuUs' | 'systemUs' = 'cpuUs') =>
  median(runs.slice(1).map((r) => r[figure] / appliances / 1000));
const rows: string[][] = [];
const row = (measure: string, figure: string, floor = '', times = '') => {
  rows.push([measure, figure, floor, times]);
  console.log(`  ${measure}: ${figure}${floor ? ` | floor ${floor}` : ''}${times ? ` | ${times}` : ''}`);
};

/** esbuild with the function's own bundling settings (collectorEsbuildOptions: what NodejsFunction passes to esbuild). */
async function bundle(entry: string, outdir: string): Promise<{ file: string; metafile: Metafile }> {
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, 'index.js');
  const result = await build({
    ...collectorEsbuildOptions(),
    entryPoints: [entry],
    outfile: file,
    metafile: true,
    // The floor's entry lives outside the repository: it finds the SDK in ours.
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'error',
  });
  return { file, metafile: result.metafile };
}

function biggestPackages(metafile: Metafile): string {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1]! : path.split('/')[0]!;
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${int(bytes / 1024)} KB`)
    .join(', ');
}

/** Milliseconds to require() `file` in a fresh Node 24 process with `nodeOptions`. */
function coldRequireMs(node: string, file: string, nodeOptions: string): number {
  const script = `const s=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-s))`;
  const output = execFileSync(node, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: nodeOptions,
      AWS_REGION: 'eu-west-1',
      STATE_TABLE_NAME: 'state',
      METRIC_NAMESPACE: 'NetScaler/MPTCP',
    },
    encoding: 'utf8',
  });
  return Number(output);
}

/**
 * The first stack trace formatted from inside the bundle (the handler rejecting an event without appliances):
 * how long formatting it takes and whether it names our source files (source maps applied) or only index.js.
 */
function firstStackTrace(node: string, file: string, nodeOptions: string): { ms: number; readable: boolean } {
  const script = [
    `const { handler } = require(${JSON.stringify(file)});`,
    'handler({}, { getRemainingTimeInMillis: () => 10000 }).catch((error) => {',
    '  const started = performance.now(); const stack = String(error.stack); const ms = performance.now() - started;',
    '  process.stderr.write(JSON.stringify({ ms, readable: /lambda\\/config\\//.test(stack) }));',
    '});',
  ].join('\n');
  const result = spawnSync(node, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: nodeOptions,
      AWS_REGION: 'eu-west-1',
      STATE_TABLE_NAME: 'state',
      METRIC_NAMESPACE: 'NetScaler/MPTCP',
    },
    encoding: 'utf8',
  });
  return JSON.parse(result.stderr) as { ms: number; readable: boolean };
}

function startFleet(options: FleetOptions): Promise<{ info: FleetInfo; command(line: string): Promise<string>; stop(): void }> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/bench/simulator-fleet.ts'), JSON.stringify(options)],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  child.stderr.pipe(process.stderr);
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((done) => waiting.push(done));
  return next().then((first) => ({
    info: JSON.parse(first) as FleetInfo,
    command: async (line: string) => {
      const answer = next();
      child.stdin.write(`${line}\n`);
      return answer;
    },
    stop: () => child.stdin.end(),
  }));
}

/** What the fleet's `count` answers: NITRO requests and logins since the last count. */
interface FleetCount {
  readonly requests: number;
  readonly logins: number;
}

interface ChildOutput {
  readonly collector: RunFigures[];
  /** whole mode: the function with its state table in memory; with CloudWatch (a dry-run sink) too. */
  readonly memoryState: RunFigures[];
  readonly memoryStateNoCloudWatch: RunFigures[];
  /** whole mode: the bare poller started per run (a full TLS handshake each run). */
  readonly oneShotFloor: RunFigures[];
  /** whole mode: the bare poller (TLS resumed) doing the function's job: state claim and commit, PutMetricData, as raw signed requests. */
  readonly jobFloor: RunFigures[];
  /** cpu mode: the collector with its NITRO sessions answered from memory (its own work, no network). */
  readonly offline: RunFigures[];
  /** cpu mode: the same session through the collector's NITRO client alone, and nothing after it. */
  readonly nitroClient: RunFigures[];
  /** cpu mode: the same requests through the collector's transport alone. */
  readonly transport: RunFigures[];
  readonly floor: RunFigures[];
  readonly maxRssKb: number;
  readonly concurrency: number;
}

/**
 * The heap limits Lambda's Node.js runtime starts the function with for its memory size (its bootstrap: a tenth
 * for the young generation, half of that a semi-space, the rest the old generation), so that peak RSS is measured
 * as the function would reach it at DEFAULT_MEMORY_MIB, where V8 collects harder as the limit nears.
 */
const LAMBDA_HEAP_ARGS = [
  `--max-semi-space-size=${Math.floor(DEFAULT_MEMORY_MIB / 20)}`,
  `--max-old-space-size=${DEFAULT_MEMORY_MIB - Math.floor(DEFAULT_MEMORY_MIB / 10)}`,
];

function runChild(
  node: string,
  childFile: string,
  job: ChildJob,
  nodeArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<ChildOutput> {
  return new Promise((done, fail) => {
    const args = [...LAMBDA_HEAP_ARGS, ...nodeArgs, childFile, JSON.stringify(job)];
    const command = cpuShare ? cpuShare.wrap(node, args) : { command: node, args };
    const child = spawn(command.command, command.args, {
      env: { PATH: process.env.PATH, NODE_OPTIONS: COLLECTOR_NODE_OPTIONS, ...env },
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.pipe(process.stderr);
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`bench child exited with ${code}`));
      done(JSON.parse(out.trim().split('\n').at(-1)!) as ChildOutput);
    });
  });
}

/**
 * --profile: the CPU measure's collector runs under V8's sampling profiler; prints where their CPU goes (self
 * time), by source file (through the child bundle's source map) and by function.
 */
async function profileCpu(childFile: string): Promise<void> {
  const dir = join(work, 'profile');
  const profilerArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=50'];
  let runs: number;
  let appliances: number;
  if (wholeOnlyRun) {
    runs = WHOLE_WARM_RUNS + 1;
    appliances = WHOLE_APPLIANCES;
    console.log(
      `\nprofile: the whole function (AWS calls against moto_server), ${appliances} appliances, ${runs} runs (the first cold), ${PAUSE_MS} ms apart`,
    );
    if (!(await withWholeSetup('whole-only', async (job, env) => void (await runChild(node24, childFile, job, profilerArgs, env))))) return;
  } else {
    runs = 2 * REPS.cpuPairs + 1;
    appliances = CPU_APPLIANCES;
    const fleet = await startFleet({ ...FLEET, count: appliances });
    try {
      console.log(`\nprofile: the collector alone, ${appliances} appliances, ${runs} runs (the first cold), ${PAUSE_MS} ms apart`);
      await runChild(
        node24,
        childFile,
        { fleet: fleet.info, remainingMs: REMAINING_MS, pauseMs: PAUSE_MS, mode: 'collector-only', count: appliances, runs },
        profilerArgs,
      );
    } finally {
      fleet.stop();
    }
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
  const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const map = new SourceMap(JSON.parse(readFileSync(`${childFile}.map`, 'utf8')));
  const parent = new Map<number, number>();
  for (const node of data.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const place = (node: CpuProfile['nodes'][number]): { file: string; line: number } => {
    const { url, lineNumber, columnNumber } = node.callFrame;
    if (!url.endsWith('index.js')) return { file: url || '(native)', line: lineNumber + 1 };
    const origin = map.findEntry(lineNumber, columnNumber);
    if (!('originalSource' in origin)) return { file: url, line: lineNumber + 1 };
    const source = String(origin.originalSource)
      .replace(/^.*node_modules\//, '')
      .replace(/^.*?\/(lambda|cli|scripts)\//, '$1/');
    return { file: source, line: Number(origin.originalLine) + 1 };
  };
  const ours = (file: string) => /^(lambda|cli|scripts)\//.test(file);
  // Each busy sample is charged to the innermost frame of our own code on its stack (with the Node internals
  // and natives it called), or to "node" when none is (socket and timer callbacks of Node itself, GC).
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  for (const id of data.samples) {
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    busy++;
    const leafFile = place(leaf).file;
    const leafPackage = /^(@[^/]+\/[^/]+|[^/@][^/]*)\//.exec(leafFile)?.[1] ?? leafFile.replace(/^(node:[a-z_]+).*$/, '$1');
    byPackage.set(leafPackage, (byPackage.get(leafPackage) ?? 0) + 1);
    let owner = `node: ${leaf.callFrame.functionName || '(anonymous)'} ${place(leaf).file}`;
    let file = 'node (no frame of ours)';
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      const where = place(node);
      if (!ours(where.file)) continue;
      const name = `${node.callFrame.functionName || '(anonymous)'} ${where.file}:${where.line}`;
      if (onStack.size === 0) {
        file = where.file;
        owner = name;
      }
      onStack.add(name);
    }
    for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
    byFunction.set(owner, (byFunction.get(owner) ?? 0) + 1);
  }
  const top = (entries: Map<string, number>, n: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]) => `  ${((100 * count) / busy).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  const perAppliance = (busy * 0.05) / (runs * appliances);
  console.log(`busy samples: ${int(busy)} of 50 us (about ${perAppliance.toFixed(2)} ms per appliance and run)`);
  console.log(`\nby our innermost source file:\n${top(byFile, 25)}`);
  console.log(`\nby the package (or Node module) of the innermost frame:\n${top(byPackage, 25)}`);
  console.log(`\nby our innermost function (or Node's own, when none of ours is on the stack):\n${top(byFunction, 40)}`);
  console.log(`\nby our function, inclusive (its own time and all it calls):\n${top(inclusive, 40)}`);
}

/**
 * CPU per appliance: interleaved warm runs over CPU_APPLIANCES appliances of the collector (also with its NITRO
 * sessions answered from memory), of its NITRO client and its transport alone, and of the bare client.
 */
async function measureCpu(
  childFile: string,
  base: Pick<ChildJob, 'fleet' | 'remainingMs' | 'pauseMs'>,
  concurrency?: number,
): Promise<void> {
  const at = concurrency === undefined ? '' : `, concurrency ${concurrency}`;
  console.log(`\nCPU per appliance (${CPU_APPLIANCES} appliances${at}, ${REPS.cpuPairs} interleaved rounds of warm runs, medians)`);
  const cpu = await runChild(node24, childFile, {
    ...base,
    mode: 'cpu',
    count: CPU_APPLIANCES,
    runs: REPS.cpuPairs + 1,
    ...(concurrency && { concurrency }),
  });
  const perAppliance = (runs: readonly RunFigures[]) => warmMs(runs, CPU_APPLIANCES);
  const coldCpu = (runs: readonly RunFigures[]) => runs[0]!.cpuUs / CPU_APPLIANCES / 1000;
  // The collector, then what it is built on: where the collector's CPU over the floor goes.
  for (const [measure, runs] of [
    [`collector CPU per appliance, warm${at}`, cpu.collector],
    [`  the collector's NITRO client alone (one session, nothing after it)${at}`, cpu.nitroClient],
    [`  the collector's transport alone (same requests, JSON.parse)${at}`, cpu.transport],
  ] as const) {
    row(
      measure,
      `${perAppliance(runs).toFixed(2)} ms`,
      `${perAppliance(cpu.floor).toFixed(2)} ms`,
      ratio(perAppliance(runs), perAppliance(cpu.floor)),
    );
  }
  row(
    `  the collector's own work: its NITRO sessions answered from memory, no network${at}`,
    `${perAppliance(cpu.offline).toFixed(2)} ms`,
    '',
    `collector - NITRO client = ${(perAppliance(cpu.collector) - perAppliance(cpu.nitroClient)).toFixed(2)} ms`,
  );
  systemTimeRow("  the collector's system (kernel) time", cpu.collector, cpu.floor, CPU_APPLIANCES);
  row(
    `collector CPU per appliance, first run (cold)${at}`,
    `${coldCpu(cpu.collector).toFixed(2)} ms`,
    `${coldCpu(cpu.floor).toFixed(2)} ms`,
    ratio(coldCpu(cpu.collector), coldCpu(cpu.floor)),
  );
}

/** The kernel's share of the warm runs' CPU per appliance (on loopback, both ends' TCP and TLS record work), beside the floor's. */
function systemTimeRow(measure: string, runs: readonly RunFigures[], floorRuns: readonly RunFigures[], appliances: number): void {
  const figure = warmMs(runs, appliances, 'systemUs');
  const floorFigure = warmMs(floorRuns, appliances, 'systemUs');
  row(measure, `${figure.toFixed(2)} ms`, `${floorFigure.toFixed(2)} ms`, ratio(figure, floorFigure));
}

/**
 * The whole function's CPU per appliance beside the bare poller's (its TLS session resumed, and started per run), in
 * one child, interleaved: the handler (one container, kept NITRO sessions) with its real AWS SDK calls against
 * moto_server (secret reads, state claim and commit, PutMetricData), WHOLE_APPLIANCES appliances, WHOLE_WARM_RUNS
 * warm runs after a cold one.
 */
async function measureWhole(childFile: string): Promise<void> {
  await withWholeSetup('whole', async (job, env) => {
    const out = await runChild(node24, childFile, job, [], env);
    const perAppliance = (runs: readonly RunFigures[]) => warmMs(runs, WHOLE_APPLIANCES);
    const failed = [out.collector, out.memoryState, out.memoryStateNoCloudWatch, out.jobFloor]
      .flat()
      .reduce((sum, r) => sum + r.healthyNotOk, 0);
    console.log(
      `
whole function (${WHOLE_APPLIANCES} appliances, ${WHOLE_WARM_RUNS} warm runs interleaved with the bare poller's, AWS calls against moto_server; medians; ${failed} appliance runs not ok)`,
    );
    const arm = (measure: string, runs: readonly RunFigures[], floorRuns: readonly RunFigures[] = out.floor) =>
      row(
        measure,
        `${perAppliance(runs).toFixed(2)} ms`,
        `${perAppliance(floorRuns).toFixed(2)} ms`,
        ratio(perAppliance(runs), perAppliance(floorRuns)),
      );
    arm(
      'whole function CPU per appliance, warm (handler + AWS SDK calls) vs bare poller (login, 2 reads, logout; TLS session resumed)',
      out.collector,
    );
    arm('  the same vs that poller started per run (a full TLS handshake each run)', out.collector, out.oneShotFloor);
    arm(
      "  the same vs that poller (TLS resumed) doing the function's job: state claim and commit, PutMetricData, as raw signed requests (no SDK)",
      out.collector,
      out.jobFloor,
    );
    arm('  the same, its state table in memory (no claim, commit or backoff read)', out.memoryState);
    arm('  the same, CloudWatch in memory too (NITRO, core, handler, cached secrets)', out.memoryStateNoCloudWatch);
    arm("  the poller doing the function's job vs the poller alone: what the state table and CloudWatch cost at least", out.jobFloor);
    systemTimeRow('  of the whole function, system (kernel) time', out.collector, out.floor, WHOLE_APPLIANCES);
    const stateMs = perAppliance(out.collector) - perAppliance(out.memoryState);
    const cloudWatchMs = perAppliance(out.memoryState) - perAppliance(out.memoryStateNoCloudWatch);
    console.log(
      `    where it goes, per appliance: the state table's calls ${stateMs.toFixed(2)} ms, PutMetricData's share ${cloudWatchMs.toFixed(2)} ms, the rest ${perAppliance(out.memoryStateNoCloudWatch).toFixed(2)} ms`,
    );
  });
}

/**
 * The whole function's world: WHOLE_APPLIANCES simulators, moto_server with the state table and one secret per
 * appliance; `use` gets the child's job (in `mode`) and the environment that points the SDK at moto_server.
 */
async function withWholeSetup(
  mode: 'whole' | 'whole-only',
  use: (job: ChildJob, env: Readonly<Record<string, string>>) => Promise<void>,
): Promise<boolean> {
  if (!isMotoInstalled()) {
    console.log(`
whole function: skipped (moto_server is not installed: ${MOTO_INSTALL_HINT})`);
    return false;
  }
  const fleet = await startFleet({ ...FLEET, count: WHOLE_APPLIANCES });
  const moto = await startMoto();
  const restore = applyMotoEnvironment(moto.endpoint);
  try {
    const tableName = uniqueName('bench-state');
    await createStateTable(tableName);
    const secretIds: string[] = [];
    for (let i = 0; i < WHOLE_APPLIANCES; i++) {
      secretIds.push(
        await createSecret(
          uniqueName(`bench/adc-${i + 1}`),
          JSON.stringify({ username: fleet.info.username, password: passwordOf(fleet.info, i) }),
        ),
      );
    }
    const job: ChildJob = {
      fleet: fleet.info,
      remainingMs: REMAINING_MS,
      pauseMs: PAUSE_MS,
      mode,
      count: WHOLE_APPLIANCES,
      runs: WHOLE_WARM_RUNS + 1,
      aws: { tableName, namespace: 'Bench/MPTCP', secretIds },
    };
    await use(job, motoEnvironment(moto.endpoint));
    return true;
  } finally {
    restore();
    await moto.stop();
    fleet.stop();
  }
}

/** --cpu: only the CPU measure, at each --concurrency given (default: the function's). */
async function cpuOnly(childFile: string): Promise<void> {
  const fleet = await startFleet({ ...FLEET, count: CPU_APPLIANCES });
  try {
    const base = { fleet: fleet.info, remainingMs: REMAINING_MS, pauseMs: PAUSE_MS };
    for (const concurrency of concurrencyOption ?? [DEFAULT_CONCURRENCY]) await measureCpu(childFile, base, concurrency);
  } finally {
    fleet.stop();
  }
  printTable();
}

function printTable(): void {
  console.log('\n| measure | figure | floor | ratio |\n| --- | --- | --- | --- |');
  for (const [measure, figure, floorFigure, times] of rows) console.log(`| ${measure} | ${figure} | ${floorFigure} | ${times} |`);
}

/**
 * --sweep: only SWEEP_COUNT appliances (--count, default 1,000) at each of SWEEP_CONCURRENCY (--concurrency a,b,..),
 * healthy and with 5 % hung: the collector's first and warm invocation beside the bare client's at the same
 * concurrency, peak RSS, CPU, and the healthy appliances missed. What the default concurrency is chosen from.
 */
async function sweepConcurrency(childFile: string): Promise<void> {
  const fleet = await startFleet({ ...FLEET, count: SWEEP_COUNT });
  const base = { fleet: fleet.info, remainingMs: REMAINING_MS, pauseMs: PAUSE_MS, count: SWEEP_COUNT } as const;
  console.log(
    `\nconcurrency sweep: ${int(SWEEP_COUNT)} appliances, ${FLEET.latencyMs.join('-')} ms per request, collector ${cpuShare ? `at ${cpuShare.fraction.toFixed(3)} of one CPU` : 'with the whole machine'}, one repetition each`,
  );
  try {
    for (const concurrency of SWEEP_CONCURRENCY) {
      const measured = await runChild(node24, childFile, { ...base, mode: 'fleet', runs: 2, concurrency });
      const bare = await runChild(node24, childFile, { ...base, mode: 'bare-fleet', runs: 2, concurrency });
      await fleet.command(`hang ${HUNG_EVERY}`);
      const hung = await runChild(node24, childFile, { ...base, mode: 'fleet', runs: 1, concurrency, hungEvery: HUNG_EVERY });
      await fleet.command('heal');
      const [first, warm] = measured.collector as [RunFigures, RunFigures];
      const [floorFirst, floorWarm] = bare.floor as [RunFigures, RunFigures];
      const hungRun = hung.collector[0]!;
      row(
        `concurrency ${concurrency}: wall first / warm`,
        `${int(first.wallMs)} / ${int(warm.wallMs)} ms, ${(measured.maxRssKb / 1024).toFixed(0)} MB, CPU ${int(first.cpuUs / 1000)} / ${int(warm.cpuUs / 1000)} ms, ${Math.max(first.healthyNotOk, warm.healthyNotOk)} missed`,
        `${int(floorFirst.wallMs)} / ${int(floorWarm.wallMs)} ms, ${Math.max(floorFirst.healthyNotOk, floorWarm.healthyNotOk)} missed`,
        `${ratio(first.wallMs, floorFirst.wallMs)} / ${ratio(warm.wallMs, floorWarm.wallMs)}`,
      );
      row(
        `concurrency ${concurrency}, 5 % hung: wall first`,
        `${int(hungRun.wallMs)} ms, ${hungRun.healthyNotOk} healthy missed (${hungRun.notStarted} not started)`,
      );
    }
  } finally {
    fleet.stop();
  }
  printTable();
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
}

// ---------------------------------------------------------------------------------------------------------------

console.log(
  `bench${quick ? ' --quick' : ''}: ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, ${int(totalmem() / 2 ** 20)} MiB, Node ${LAMBDA_NODE_VERSION} for the function, NODE_OPTIONS="${COLLECTOR_NODE_OPTIONS}", ${DEFAULT_MEMORY_MIB} MB as Lambda starts it (${LAMBDA_HEAP_ARGS.join(' ')})`,
);
const node24 = resolveNode24();

console.log("\nbundle (esbuild, the function's settings)");
const floorEntry = join(work, 'floor-entry.ts');
writeFileSync(
  floorEntry,
  [
    "export { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';",
    "export { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';",
    "export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
  ].join('\n'),
);
const fn = await bundle(join(ROOT, 'lambda/handler.ts'), join(work, 'function'));
const floor = await bundle(floorEntry, join(work, 'floor'));
const child = await bundle(join(ROOT, 'scripts/bench/collector-child.ts'), join(work, 'child'));
if (profile) {
  await profileCpu(child.file);
  process.exit(0);
}
if (sweep) {
  await sweepConcurrency(child.file);
  process.exit(0);
}
if (wholeOnlyRun) {
  await measureWhole(child.file);
  printTable();
  process.exit(0);
}
if (cpuOnlyRun) {
  await cpuOnly(child.file);
  process.exit(0);
}
const fnBytes = statSync(fn.file).size;
const floorBytes = statSync(floor.file).size;
row('bundle index.js', `${int(fnBytes)} B`, `${int(floorBytes)} B`, ratio(fnBytes, floorBytes));
console.log(`    largest parts: ${biggestPackages(fn.metafile)}`);

console.log(`\ncold require() on Node ${LAMBDA_NODE_VERSION} (${REPS.coldRequire} interleaved repetitions, medians)`);
const cold = { fn: [] as number[], floor: [] as number[], fnWithout: [] as number[], fnWith: [] as number[] };
for (let i = 0; i < REPS.coldRequire; i++) {
  cold.fn.push(coldRequireMs(node24, fn.file, COLLECTOR_NODE_OPTIONS));
  cold.floor.push(coldRequireMs(node24, floor.file, COLLECTOR_NODE_OPTIONS));
  cold.fnWithout.push(coldRequireMs(node24, fn.file, ''));
  cold.fnWith.push(coldRequireMs(node24, fn.file, '--enable-source-maps'));
}
row(
  `cold require, NODE_OPTIONS="${COLLECTOR_NODE_OPTIONS}"`,
  `${median(cold.fn).toFixed(0)} ms`,
  `${median(cold.floor).toFixed(0)} ms`,
  ratio(median(cold.fn), median(cold.floor)),
);
const stacks = { with: [] as number[], without: [] as number[], readable: { with: false, without: false } };
for (let i = 0; i < REPS.coldRequire; i++) {
  const withMaps = firstStackTrace(node24, fn.file, '--enable-source-maps');
  const withoutMaps = firstStackTrace(node24, fn.file, '');
  stacks.with.push(withMaps.ms);
  stacks.without.push(withoutMaps.ms);
  stacks.readable = { with: withMaps.readable, without: withoutMaps.readable };
}
row(
  'first stack trace from the bundle, --enable-source-maps vs none',
  `${median(stacks.with).toFixed(1)} ms (${stacks.readable.with ? 'names lambda/*.ts' : 'index.js only'})`,
  `${median(stacks.without).toFixed(1)} ms (${stacks.readable.without ? 'names lambda/*.ts' : 'index.js only'})`,
  ratio(median(stacks.with), median(stacks.without)),
);
row(
  'cold require of the function, --enable-source-maps vs none',
  `${median(cold.fnWith).toFixed(0)} ms`,
  `${median(cold.fnWithout).toFixed(0)} ms`,
  ratio(median(cold.fnWith), median(cold.fnWithout)),
);

console.log(`\nsimulator fleet: ${FLEET.count} appliances in another process, ${FLEET.latencyMs.join('-')} ms per request`);
const fleet = await startFleet(FLEET);
try {
  const base = { fleet: fleet.info, remainingMs: REMAINING_MS, pauseMs: PAUSE_MS } as const;

  await measureCpu(child.file, base);
  await measureWhole(child.file);

  const scenarios = [
    { name: '25 appliances', count: 25 },
    { name: '200 appliances', count: 200 },
    ...(quick
      ? []
      : [
          { name: '1,000 appliances', count: 1_000 },
          { name: '1,000 appliances, 5 % hung', count: 1_000, hungEvery: HUNG_EVERY },
        ]),
  ];
  console.log(
    `\nfleet: one container, invocations ${PAUSE_MS} ms apart (first cold), concurrency ${DEFAULT_CONCURRENCY} (default), ${REMAINING_MS / 1000} s timeout (default); ${REPS.fleet} interleaved repetition(s), medians`,
  );
  const figures = new Map<
    string,
    {
      cold: number[];
      warm: number[];
      rss: number[];
      floorCold: number[];
      floorWarm: number[];
      floorRss: number[];
      healthyMissed: number[];
      notStarted: number[];
    }
  >();
  let apiRun: RunFigures | undefined;
  /** NITRO requests and logins the fleet answered, per appliance, over the collector's two runs and the bare poller's. */
  let nitroLoad: { collector: FleetCount; bare: FleetCount; appliances: number } | undefined;
  for (let rep = 0; rep < REPS.fleet; rep++) {
    for (const scenario of scenarios) {
      const entry = figures.get(scenario.name) ?? {
        cold: [],
        warm: [],
        rss: [],
        floorCold: [],
        floorWarm: [],
        floorRss: [],
        healthyMissed: [],
        notStarted: [],
      };
      figures.set(scenario.name, entry);
      if (scenario.hungEvery) await fleet.command(`hang ${scenario.hungEvery}`);
      const job = { ...base, count: scenario.count, ...(scenario.hungEvery && { hungEvery: scenario.hungEvery }) };
      await fleet.command('count');
      const measured = await runChild(node24, child.file, { ...job, mode: 'fleet', runs: 2 });
      const collectorCount = JSON.parse(await fleet.command('count')) as FleetCount;
      const bare = await runChild(node24, child.file, { ...job, mode: 'bare-fleet', runs: 2 });
      const bareCount = JSON.parse(await fleet.command('count')) as FleetCount;
      if (scenario.hungEvery) await fleet.command('heal');
      const [first, second] = measured.collector;
      entry.cold.push(first!.wallMs);
      entry.warm.push(second!.wallMs);
      entry.rss.push(measured.maxRssKb / 1024);
      entry.floorCold.push(bare.floor[0]!.wallMs);
      entry.floorWarm.push(bare.floor[1]!.wallMs);
      entry.floorRss.push(bare.maxRssKb / 1024);
      entry.healthyMissed.push(Math.max(first!.healthyNotOk, second!.healthyNotOk));
      entry.notStarted.push(Math.max(first!.notStarted, second!.notStarted));
      if (!scenario.hungEvery) {
        apiRun = second;
        nitroLoad = { collector: collectorCount, bare: bareCount, appliances: scenario.count };
      }
    }
  }
  for (const [name, f] of figures) {
    row(
      `${name}: wall time, first invocation`,
      `${int(median(f.cold))} ms`,
      `${int(median(f.floorCold))} ms`,
      ratio(median(f.cold), median(f.floorCold)),
    );
    row(
      `${name}: wall time, warm invocation`,
      `${int(median(f.warm))} ms`,
      `${int(median(f.floorWarm))} ms`,
      ratio(median(f.warm), median(f.floorWarm)),
    );
    row(
      `${name}: peak RSS`,
      `${median(f.rss).toFixed(0)} MB`,
      `${median(f.floorRss).toFixed(0)} MB`,
      ratio(median(f.rss), median(f.floorRss)),
    );
    row(
      `${name}: healthy appliances not collected (worst run)`,
      `${Math.max(...f.healthyMissed)} (${Math.max(...f.notStarted)} not started)`,
      '0',
    );
  }

  console.log(
    `\nhostile bodies: ${HOSTILE_APPLIANCES} appliances at once answer stat/protocolmptcp with a valid JSON body of one key after another`,
  );
  const ordinary = await runChild(node24, child.file, { ...base, mode: 'fleet', runs: 1, count: HOSTILE_APPLIANCES });
  for (const [label, bytes] of [
    [`just under the body limit (${int(MAX_BODY_BYTES.protocolmptcp)} B)`, MAX_BODY_BYTES.protocolmptcp - 256],
    ['of 4 MB (cut off at the limit)', 4 * 1024 * 1024],
  ] as const) {
    await fleet.command(`hostile ${HOSTILE_APPLIANCES} ${bytes}`);
    const hostile = await runChild(node24, child.file, { ...base, mode: 'fleet', runs: 1, count: HOSTILE_APPLIANCES });
    await fleet.command('heal');
    row(
      `peak RSS, ${HOSTILE_APPLIANCES} hostile bodies ${label}`,
      `${(hostile.maxRssKb / 1024).toFixed(0)} MB (function memory ${DEFAULT_MEMORY_MIB} MB)`,
      `${(ordinary.maxRssKb / 1024).toFixed(0)} MB (${HOSTILE_APPLIANCES} ordinary answers)`,
      ratio(hostile.maxRssKb, ordinary.maxRssKb),
    );
  }

  if (apiRun) {
    const appliances = apiRun.ok;
    console.log(`\nAPI calls per run (${int(appliances)} appliances, warm)`);
    row(
      'PutMetricData calls',
      int(apiRun.putMetricDataCalls),
      `${int(Math.ceil(apiRun.datums / 1000))} = ceil(${int(apiRun.datums)} datums / 1,000)`,
      ratio(apiRun.putMetricDataCalls, Math.ceil(apiRun.datums / 1000)),
    );
    const writes = estimate('default').lines.find((line) => line.item === 'DynamoDB writes');
    row(
      'DynamoDB UpdateItem',
      `${int(2 * appliances)} (claim + commit per appliance)`,
      `${int(appliances)} (one write per appliance)`,
      `2.00x: the no-loss design (a lease before publishing, the commit after it); both writes cost USD ${writes?.monthlyUsd.toFixed(3)} per appliance-month, the lease half of it (${writes?.detail})`,
    );
    const reads = estimate('default').lines.find((line) => line.item === 'DynamoDB reads');
    row(
      'DynamoDB GetItem',
      `${int(appliances)} (the credential backoff, read before each login)`,
      '0',
      `USD ${reads?.monthlyUsd.toFixed(3)} per appliance-month (${reads?.detail}): what keeps a cold start from logging in with a rejected password`,
    );
    row('GetSecretValue', '0 (cached per container; 1 per secret on a cold start)', '0');
    const load = nitroLoad;
    if (load) {
      const per = (n: number) => (n / load.appliances).toFixed(1);
      row(
        'NITRO requests per appliance, first and warm run together (the appliance counted them)',
        `${per(load.collector.requests)} (${per(load.collector.logins)} logins: the session is kept)`,
        `${per(load.bare.requests)} (${per(load.bare.logins)} logins: login and logout each run)`,
        ratio(load.collector.requests, load.bare.requests),
      );
    }
  }
} finally {
  fleet.stop();
  rmSync(work, { recursive: true, force: true });
}

printTable();
