import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { ApplianceCredentials, CredentialSource, Datum, SampleStore } from '../../lambda/core/ports.js';
import { CollectorError } from '../../lambda/errors.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { DEFAULT_PASSWORD } from '../../simulator/appliance.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { ContainerMemories } from '../support/container-memories.js';

const sims: Simulator[] = [];
let clock = 1_700_000_000_000;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) sims.push(await startSimulator({ seed: i + 1, initialCounters: 'zero' }));
});
afterAll(async () => Promise.all(sims.map((s) => s.close())));
// Each setup's container memory keeps its NITRO sessions: ended (logged out) before the sessions are counted.
const memories = new ContainerMemories();
afterEach(async () => {
  await memories.endSessions();
  for (const sim of sims) {
    expect(sim.openSessions()).toBe(0);
    expect(sim.requests().filter((r) => r.query !== '')).toEqual([]);
    sim.clearFaults();
    sim.clearRequests();
    sim.resetFields();
    sim.setHaState({ hacurstatus: 'NO', hacurmasterstate: 'Primary' });
  }
});

function applianceOf(sim: Simulator, name: string, overrides: Partial<ApplianceConfig> = {}): ApplianceConfig {
  return { name, url: sim.url, secretId: `secret/${name}`, caCertificate: sim.caCertificate, ...overrides };
}

function setup(options: { store?: SampleStore; credentials?: CredentialSource; counters?: string } = {}) {
  const redactor = new Redactor();
  const logger = createMemoryLogger('DEBUG', redactor);
  const sink = new DryRunSink();
  const credentials =
    options.credentials ??
    new StaticCredentialSource(
      new Map(sims.flatMap((sim, i) => [[`secret/adc-${i + 1}`, { username: sim.username, password: sim.password }]])),
    );
  const deps = {
    credentials,
    store: options.store ?? new InMemorySampleStore(),
    sink,
    logger,
    memory: memories.create({ redactor }),
    now: () => clock,
  };
  const selection = resolveSelection(options.counters ?? 'default');
  // Lambda's remaining time is an integer that is rarely round: 16,497 ms leaves a 9,697 ms collection window.
  const run = (appliances: ApplianceConfig[], remainingMs = 16_497) => {
    clock += 60_000;
    return runCollection({ appliances, selection, concurrency: 10, remainingMs }, deps);
  };
  return { run, logger, sink };
}

const datumValue = (datums: readonly Datum[], metricName: string, appliance = 'adc-1') =>
  datums.find((d) => d.metricName === metricName && d.appliance === appliance)?.value;

describe('collecting an appliance (pipeline against the simulator)', () => {
  it('publishes gauges on the first sample and exact counter deltas from the second', async () => {
    const sim = sims[0]!;
    const { run } = setup();
    sim.setCounter('mptcptotmpcapsession', 1000n);
    sim.setCounter('mptcpcurmpcapablesessions', 12n);
    const first = await run([applianceOf(sim, 'adc-1')]);
    expect(first.summary.appliances[0]).toMatchObject({ name: 'adc-1', outcome: 'ok' });
    expect(datumValue(first.datums, 'CurrentSessions')).toBe(12);
    expect(datumValue(first.datums, 'SessionsCreated')).toBeUndefined();
    expect(first.results[0]?.baseline).toBe('first-sample');

    sim.setCounter('mptcptotmpcapsession', 1250n);
    const second = await run([applianceOf(sim, 'adc-1')]);
    expect(datumValue(second.datums, 'SessionsCreated')).toBe(250);
    expect(datumValue(second.datums, 'CollectionSuccess')).toBe(1);
    expect(second.datums.every((d) => Number.isFinite(d.value) && d.value >= 0)).toBe(true);
    expect(second.datums.find((d) => d.metricName === 'SessionsCreated')?.timestamp).toBe(clock);
  });

  it('keeps deltas exact for counters beyond 2^53', async () => {
    const sim = sims[0]!;
    const { run } = setup();
    sim.setCounter('mptcptotmpcapsession', '9007199254740993');
    await run([applianceOf(sim, 'adc-1')]);
    sim.setCounter('mptcptotmpcapsession', '9007199254741000');
    expect(datumValue((await run([applianceOf(sim, 'adc-1')])).datums, 'SessionsCreated')).toBe(7);
  });

  it('publishes no negative datapoint when counters reset (reboot), and counts the resets', async () => {
    const sim = sims[0]!;
    const { run } = setup();
    sim.advance(300);
    await run([applianceOf(sim, 'adc-1')]);
    sim.reboot();
    sim.advance(10);
    const afterReboot = await run([applianceOf(sim, 'adc-1')]);
    expect(afterReboot.datums.every((d) => d.value >= 0)).toBe(true);
    expect(datumValue(afterReboot.datums, 'SessionsCreated')).toBeUndefined();
    expect(datumValue(afterReboot.datums, 'CounterResets')).toBeGreaterThan(0);
    expect(afterReboot.results[0]?.counterResets).toContain('mptcptotmpcapsession');
    sim.advance(60);
    const next = await run([applianceOf(sim, 'adc-1')]);
    expect(datumValue(next.datums, 'SessionsCreated')).toBeGreaterThan(0);
    // Zero policy: no reset, no CounterResets datapoint.
    expect(datumValue(next.datums, 'CounterResets')).toBeUndefined();
  });

  it('leaves out a bad field only, and counts it in FieldErrors', async () => {
    const sim = sims[0]!;
    const { run, logger } = setup();
    await run([applianceOf(sim, 'adc-1')]);
    sim.advance(60);
    sim.setRawField('mptcperrbadcksum', '-3');
    sim.setRawField('mptcpcursfconnections', 'n/a');
    const result = await run([applianceOf(sim, 'adc-1')]);
    expect(datumValue(result.datums, 'ChecksumErrors')).toBeUndefined();
    expect(datumValue(result.datums, 'CurrentSubflows')).toBeUndefined();
    expect(datumValue(result.datums, 'FieldErrors')).toBe(2);
    expect(datumValue(result.datums, 'SessionsCreated')).toBeDefined();
    expect(result.summary.appliances[0]?.outcome).toBe('ok');
    expect(logger.lines.join('\n')).toContain('"field":"mptcperrbadcksum","value":"\\"-3\\"","reason":"negative"');
  });

  it('tolerates missing fields (reported once) and unknown fields, and reads the array shape and numeric encoding', async () => {
    const sim = sims[0]!;
    const { run, logger } = setup({ counters: 'all' });
    sim.removeFields(['mptcpcurpendingjoin', 'mptcpmpfailrecvd']);
    sim.addFields({ mptcptotv1mpcapsession: '5', _nextgenapiresource: '_stat' });
    sim.setShape('array');
    sim.setIntegerEncoding('number');
    try {
      await run([applianceOf(sim, 'adc-1')]);
      sim.advance(60);
      const second = await run([applianceOf(sim, 'adc-1')]);
      expect(datumValue(second.datums, 'CurrentPendingJoins')).toBeUndefined();
      expect(datumValue(second.datums, 'CurrentSessions')).toBeDefined();
      expect(datumValue(second.datums, 'FieldErrors')).toBeUndefined();
      expect(logger.lines.filter((l) => l.includes('does not send some fields'))).toHaveLength(1);
    } finally {
      sim.setShape('object');
      sim.setIntegerEncoding('string');
    }
  });

  it('reports a success without the resource key as "no statistics here"', async () => {
    const sim = sims[0]!;
    sim.injectFault({ kind: 'no-resource-key' }, { on: 'stat' });
    const { summary, datums } = await setup().run([applianceOf(sim, 'adc-1')]);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'failed', errorClass: 'no-statistics' });
    expect(datumValue(datums, 'CollectionSuccess')).toBe(0);
  });

  it('skips the secondary of an HA pair (primary-only), collects the primary, and collects any node with haMode any', async () => {
    const sim = sims[0]!;
    const { run } = setup();
    sim.setHaState({ hacurstatus: 'YES', hacurmasterstate: 'Secondary' });
    const secondary = await run([applianceOf(sim, 'adc-1')]);
    expect(secondary.summary.appliances[0]?.outcome).toBe('secondary-skipped');
    expect(secondary.datums.map((d) => [d.metricName, d.value])).toEqual([
      ['CollectionSuccess', 1],
      ['SecondarySkipped', 1],
    ]);
    expect(sim.requests().map((r) => r.path)).not.toContain('/nitro/v1/stat/protocolmptcp');

    const any = await run([applianceOf(sim, 'adc-1', { haMode: 'any' })]);
    expect(any.summary.appliances[0]?.outcome).toBe('ok');
    sim.setHaState({ hacurstatus: 'YES', hacurmasterstate: 'Primary' });
    expect((await run([applianceOf(sim, 'adc-1')])).summary.appliances[0]?.outcome).toBe('ok');
  });

  it('picks up a rotated password: re-reads the secret once after bad credentials', async () => {
    const sim = sims[1]!;
    const reads: string[] = [];
    let stored: ApplianceCredentials = { username: sim.username, password: 'old-password' };
    const credentials: CredentialSource = {
      async getCredentials(_id, options) {
        reads.push(options?.refresh ? 'refresh' : 'cached');
        return stored;
      },
    };
    sim.setCredentials(sim.username, 'new-password');
    try {
      const unchanged = await setup({ credentials }).run([applianceOf(sim, 'adc-2')]);
      expect(unchanged.summary.appliances[0]).toMatchObject({ outcome: 'failed', errorClass: 'bad-credentials' });
      expect(reads).toEqual(['cached', 'refresh']);
      expect(sim.requests().filter((r) => r.path.endsWith('/login'))).toHaveLength(1);

      stored = { username: sim.username, password: 'new-password' };
      reads.length = 0;
      const rotatedBeforeRun: ApplianceCredentials = { username: sim.username, password: 'old-password' };
      let first = true;
      const rotating: CredentialSource = {
        async getCredentials(_id, options) {
          reads.push(options?.refresh ? 'refresh' : 'cached');
          if (first && !options?.refresh) {
            first = false;
            return rotatedBeforeRun;
          }
          return stored;
        },
      };
      const rotated = await setup({ credentials: rotating }).run([applianceOf(sim, 'adc-2')]);
      expect(rotated.summary.appliances[0]?.outcome).toBe('ok');
      expect(reads).toEqual(['cached', 'refresh']);
    } finally {
      sim.setCredentials(sim.username, DEFAULT_PASSWORD);
    }
  });

  it('keeps one failing appliance from affecting the others: down, slow beyond the budget, bad secret', async () => {
    const [up, slow, down] = sims as [Simulator, Simulator, Simulator];
    slow.injectFault({ kind: 'hang' }, { on: 'stat' });
    const downPort = down.port;
    const { run } = setup();
    const appliances = [
      applianceOf(up, 'adc-1'),
      applianceOf(slow, 'adc-2'),
      applianceOf(down, 'adc-3', { url: `https://127.0.0.1:1` }),
      applianceOf(up, 'adc-4', { secretId: 'secret/missing' }),
    ];
    const started = Date.now();
    const { summary, datums } = await run(appliances, 8_003);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(summary.appliances.map((a) => [a.name, a.outcome, a.errorClass])).toEqual([
      ['adc-1', 'ok', undefined],
      ['adc-2', 'failed', 'timeout'],
      ['adc-3', 'failed', 'transport-error'],
      ['adc-4', 'failed', 'secret'],
    ]);
    expect(datumValue(datums, 'CollectionSuccess', 'adc-1')).toBe(1);
    for (const name of ['adc-2', 'adc-3', 'adc-4']) expect(datumValue(datums, 'CollectionSuccess', name)).toBe(0);
    expect(downPort).toBeGreaterThan(0);
  });

  it('restarts counters from a baseline instead of publishing one spike after a long gap', async () => {
    const sim = sims[0]!;
    const { run } = setup();
    await run([applianceOf(sim, 'adc-1')]);
    sim.advance(60);
    clock += 20 * 60_000;
    const late = await run([applianceOf(sim, 'adc-1')]);
    expect(late.results[0]?.baseline).toBe('stale-previous');
    expect(datumValue(late.datums, 'SessionsCreated')).toBeUndefined();
    expect(datumValue(late.datums, 'CurrentSessions')).toBeDefined();
    sim.advance(60);
    expect(datumValue((await run([applianceOf(sim, 'adc-1')])).datums, 'SessionsCreated')).toBeGreaterThan(0);
  });

  it('publishes gauges only when an overlapping run already stored a newer sample', async () => {
    const sim = sims[0]!;
    for (const outcome of ['superseded', 'busy'] as const) {
      const store: SampleStore = { claim: async () => ({ outcome }), commit: async () => ({ outcome: 'committed' }) };
      const { datums, results, commits } = await setup({ store }).run([applianceOf(sim, 'adc-1')]);
      expect(results[0]?.baseline).toBe(outcome);
      expect(datumValue(datums, 'CurrentSessions')).toBeDefined();
      expect(datumValue(datums, 'SessionsCreated')).toBeUndefined();
      expect(commits).toEqual([]);
    }
  });

  it('still publishes gauges when the state table fails, and reports the failure', async () => {
    const sim = sims[0]!;
    const failing: SampleStore = {
      claim: async () => {
        throw new CollectorError('state-error', 'adc-1: state table unreachable');
      },
      commit: async () => ({ outcome: 'committed' }),
    };
    const { datums, summary } = await setup({ store: failing }).run([applianceOf(sim, 'adc-1')]);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'failed', errorClass: 'state-error' });
    expect(datumValue(datums, 'CurrentSessions')).toBeDefined();
    expect(datumValue(datums, 'CollectionSuccess')).toBe(0);
  });

  it('never logs a password', async () => {
    const sim = sims[0]!;
    const { run, logger } = setup();
    sim.injectFault({ kind: 'nitro-error', status: 401, errorcode: 354, message: `bad password ${sim.password}` }, { on: 'login' });
    await run([applianceOf(sim, 'adc-1')]);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).not.toContain(sim.password);
  });
});
