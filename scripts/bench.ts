/**
 * `npm run bench`: speed and memory figures of the collector, printed (never asserted).
 * 1. The pure core per sample: parse, deltas, datums (no I/O).
 * 2. Whole runs over many simulated appliances (HTTPS, login/stat/logout each), in-memory state, dry-run sink.
 * The simulators run in the same process, so the run figures include the appliances' side: an upper bound.
 */
import { performance } from 'node:perf_hooks';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../cli/in-memory-edges.js';
import { CATALOG } from '../lambda/catalog/catalog.js';
import { resolveSelection } from '../lambda/catalog/selection.js';
import { buildMetricDatums } from '../lambda/core/datums.js';
import { accountInterval, countersOf } from '../lambda/core/delta.js';
import type { StoredState } from '../lambda/core/ports.js';
import { parseSample } from '../lambda/core/sample.js';
import { createJsonLogger, Redactor } from '../lambda/logger.js';
import { runCollection } from '../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../simulator/index.js';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function benchCore(samples: number): void {
  const resource = (offset: number) =>
    Object.fromEntries(CATALOG.map((m, i) => [m.nitroName, m.kind === 'rate' ? i / 3 : String(9_007_199_254_740_000n + BigInt(offset * 7 + i))]));
  const selection = resolveSelection('all');
  let previous: StoredState = { takenAt: 0, counters: countersOf(parseSample(resource(0)).integers), heldSince: new Map(), unpublished: [] };
  const bodies = Array.from({ length: 100 }, (_, i) => JSON.stringify({ errorcode: 0, protocolmptcp: resource(i + 1) }));
  let datums = 0;
  const started = performance.now();
  for (let i = 0; i < samples; i++) {
    const sample = parseSample((JSON.parse(bodies[i % bodies.length]!) as { protocolmptcp: Record<string, unknown> }).protocolmptcp);
    const takenAt = (i + 1) * 60_000;
    const account = accountInterval(previous, { takenAt, counters: countersOf(sample.integers) }, 900_000);
    datums += buildMetricDatums({ appliance: 'bench', timestamp: takenAt, selection, sample, deltas: account.fresh.deltas }).datums.length;
    previous = { takenAt, counters: account.counters, heldSince: account.heldSince, unpublished: [] };
  }
  const elapsed = performance.now() - started;
  console.log(
    `core: ${samples} samples (JSON.parse + parse 150 fields + deltas + ${selection.length} datums) in ${elapsed.toFixed(0)} ms = ${((elapsed * 1000) / samples).toFixed(1)} µs/sample (${datums} datums)`,
  );
}

async function benchRuns(count: number, concurrency: number): Promise<void> {
  const sims: Simulator[] = [];
  for (let i = 0; i < count; i++) sims.push(await startSimulator({ seed: i + 1, autoAdvance: true, controlApi: false }));
  try {
    const appliances = sims.map((sim, i) => ({ name: `adc-${i + 1}`, url: sim.url, secretId: `s${i}`, caCertificate: sim.caCertificate }));
    const deps = {
      credentials: new StaticCredentialSource(new Map(sims.map((sim, i) => [`s${i}`, { username: sim.username, password: sim.password }]))),
      store: new InMemorySampleStore(),
      sink: new DryRunSink(),
      logger: createJsonLogger({ level: 'ERROR', write: () => undefined }),
      redactor: new Redactor(),
    };
    const selection = resolveSelection('default');
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const { summary } = await runCollection({ appliances, selection, concurrency, remainingMs: 60_000 }, deps);
      times.push(performance.now() - started);
      const failed = summary.appliances.filter((a) => a.outcome === 'failed').length;
      if (failed > 0) console.log(`  run ${run + 1}: ${failed} appliances failed`);
    }
    const median = [...times].sort((a, b) => a - b)[1]!;
    const memory = process.memoryUsage();
    console.log(
      `run: ${count} appliances, concurrency ${concurrency}: median ${median.toFixed(0)} ms per run (${(median / count).toFixed(1)} ms/appliance), ` +
        `${(deps.sink.published.length / 3) | 0} datums/run; rss ${mb(memory.rss)}, heap ${mb(memory.heapUsed)}`,
    );
  } finally {
    await Promise.all(sims.map((sim) => sim.close()));
  }
}

benchCore(20_000);
for (const [count, concurrency] of [
  [10, 10],
  [100, 10],
  [100, 25],
] as const)
  await benchRuns(count, concurrency);
