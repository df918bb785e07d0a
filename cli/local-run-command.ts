/**
 * `npm start`: the main job end to end on the built-in appliance simulator, with no AWS account. Starts two
 * simulated appliances over HTTPS (one on firmware 13.1, one on 14.1 with the MPTCP v1 fields), collects them twice
 * a few seconds apart with in-memory state, and prints the metrics that would be published. The second collection
 * shows counters as per-interval deltas.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FIRMWARE_VERSIONS } from '../lambda/catalog/catalog.js';
import { resolveSelection } from '../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../lambda/config/appliance.js';
import { createJsonLogger } from '../lambda/logger.js';
import { createContainerMemory } from '../lambda/pipeline/container-memory.js';
import { type RunResult, runCollection } from '../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../simulator/index.js';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from './in-memory-edges.js';
import { processRedactor } from './process-redactor.js';
import { formatDatumTable, formatOutcomes } from './report.js';

export interface LocalRunOptions {
  readonly appliances?: number;
  readonly intervalMs?: number;
  readonly counters?: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export async function runLocal(options: LocalRunOptions): Promise<{ exitCode: number; runs: RunResult[] }> {
  const count = options.appliances ?? 2;
  const intervalMs = options.intervalMs ?? 3_000;
  const simulators: Simulator[] = [];
  const memory = createContainerMemory({ redactor: processRedactor });
  try {
    // Alternating firmware, so that one of each is collected: 13.1 (the reference page's fields) and 14.1 (plus MPTCP v1).
    const firmware = (i: number) => FIRMWARE_VERSIONS[(i - 1) % FIRMWARE_VERSIONS.length]!;
    for (let i = 1; i <= count; i++) simulators.push(await startSimulator({ seed: i, autoAdvance: true, firmware: firmware(i) }));
    const appliances: ApplianceConfig[] = simulators.map((sim, i) => ({
      name: `sim-adc-${i + 1}`,
      url: sim.url,
      secretId: `local/sim-adc-${i + 1}`,
      caCertificate: sim.caCertificate,
      tlsServerName: sim.serverName,
    }));
    const credentials = new StaticCredentialSource(
      new Map(simulators.map((sim, i) => [`local/sim-adc-${i + 1}`, { username: sim.username, password: sim.password }])),
    );
    const deps = {
      credentials,
      store: new InMemorySampleStore(),
      sink: new DryRunSink(),
      logger: createJsonLogger({ level: 'WARN', write: options.err, redactor: processRedactor }),
      memory,
    };
    const selection = resolveSelection(options.counters ?? 'default');
    const collect = () => runCollection({ appliances, selection, concurrency: 10, remainingMs: 45_000 }, deps);

    options.out(
      `Started ${count} simulated NetScaler appliances (NITRO over HTTPS, each with its own CA): ${simulators.map((_, i) => `sim-adc-${i + 1} on firmware ${firmware(i + 1)}`).join(', ')}.`,
    );
    const first = await collect();
    options.out(`\nCollection 1 (first sample: gauges only, counters need a previous sample)\n${formatOutcomes(first.summary)}`);
    options.out(`\nWaiting ${intervalMs / 1000} s for traffic...`);
    await sleep(intervalMs);
    const second = await collect();
    options.out(`\nCollection 2: the metrics that would be published (counters are increases over the last ${intervalMs / 1000} s)\n`);
    options.out(formatDatumTable(second.datums));
    options.out(`\n${formatOutcomes(second.summary)}`);
    options.out(
      `\n${second.summary.datapointsPublished} datapoints in ${second.summary.putMetricDataCalls} PutMetricData call(s) would be sent (dry run: no AWS account used).`,
    );
    const failed = [first, second].some((run) => run.summary.appliances.some((a) => a.outcome === 'failed'));
    return { exitCode: failed ? 1 : 0, runs: [first, second] };
  } finally {
    await memory.nitroSessions.endAll();
    await Promise.all(simulators.map((sim) => sim.close()));
  }
}
