import { createServer, type Socket } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createAwsClients } from '../../lambda/aws/clients.js';
import { ConfigurationError } from '../../lambda/config/appliance.js';
import { SAMPLE_RECORD_MESSAGE } from '../../lambda/core/sample-record.js';
import { CollectorError } from '../../lambda/errors.js';
import { createHandler } from '../../lambda/handler.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { DEFAULT_PASSWORD } from '../../simulator/appliance.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { countdownContext } from '../support/lambda-context.js';
import { describeWithMoto } from '../support/moto.js';
import {
  applianceSecret,
  createSecret,
  createStateTable,
  listMetricValues,
  readMetricSum,
  uniqueName,
  updateSecret,
} from '../support/moto-aws.js';

const context = (about = 49_000) => countdownContext(about);

describeWithMoto('the Lambda handler end to end (simulated appliances, moto_server)', () => {
  const sims: Simulator[] = [];
  let table: string;
  let namespace: string;
  const secretIds: string[] = [];
  let logger: ReturnType<typeof createMemoryLogger>;
  let memory: ContainerMemory;
  let testStart: Date;

  // moto's GetMetricData ignores the namespace: appliance names are unique per test so tests cannot see each other's data.
  let suffix = '';
  const n = (i: number) => `adc-${i}-${suffix}`;
  const appliances = () => sims.map((sim, i) => ({ name: n(i + 1), url: sim.url, secretId: secretIds[i]!, tlsServerName: sim.serverName }));
  const newHandler = (env: Record<string, string> = {}) =>
    createHandler({ env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace, ...env }, logger, memory });
  const sum = (metric: string, appliance = n(1)) => readMetricSum(namespace, metric, appliance, testStart, new Date(Date.now() + 60_000));
  const values = async (metric: string, appliance = n(1)) =>
    (await listMetricValues(namespace, metric, appliance, testStart, new Date(Date.now() + 60_000))).map((v) => v.value);

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const sim = await startSimulator({ seed: 10 + i, initialCounters: 'zero' });
      sims.push(sim);
      // The CA comes from the secret, as operators are told to store it.
      secretIds.push(await createSecret(uniqueName(`netscaler/adc-${i + 1}`), applianceSecret(sim)));
    }
  });
  afterAll(async () => Promise.all(sims.map((sim) => sim.close())));
  // The container keeps its NITRO sessions: each test's container ends them (as at a container's shutdown).
  afterEach(async () => endNitroSessions(memory));
  beforeEach(async () => {
    table = uniqueName('mptcp-state');
    namespace = uniqueName('Test/MPTCP');
    suffix = namespace.slice(-8);
    await createStateTable(table);
    memory = createContainerMemory();
    logger = createMemoryLogger('DEBUG', memory.redactor);
    testStart = new Date(Date.now() - 60_000);
    for (const sim of sims) {
      sim.clearFaults();
      sim.clearRequests();
    }
  });

  it('publishes exact per-interval deltas over two runs and returns the summary', async () => {
    const handler = newHandler();
    sims[0]!.setCounter('mptcptotmpcapsession', 1000n);
    sims[0]!.setCounter('mptcpcurmpcapablesessions', 40n);
    const first = await handler({ appliances: appliances().slice(0, 1) }, context());
    expect(first.appliances).toEqual([expect.objectContaining({ name: n(1), outcome: 'ok' })]);
    expect(first.putMetricDataCalls).toBe(1);

    sims[0]!.setCounter('mptcptotmpcapsession', 1250n);
    const second = await handler({ appliances: appliances().slice(0, 1) }, context());
    expect(second.datapointsPublished).toBe(second.appliances[0]!.datapoints);
    expect(await sum('SessionsCreated')).toBe(250);
    expect(await sum('CurrentSessions')).toBe(80);
    expect(await sum('CollectionSuccess')).toBe(2);
  });

  it('runs with any integer remaining time Lambda reports (regression: a fractional timer threw ERR_OUT_OF_RANGE)', async () => {
    const handler = newHandler();
    for (const remaining of [49_997, 15_001, 20_003, 74_999, 31_337]) {
      const deadline = Date.now() + remaining;
      const summary = await handler(
        { appliances: appliances().slice(0, 1) },
        { awsRequestId: `r-${remaining}`, getRemainingTimeInMillis: () => deadline - Date.now() },
      );
      expect(summary.appliances[0]?.outcome, `remaining ${remaining}`).toBe('ok');
    }
    expect(logger.lines.filter((l) => l.includes('"run finished"'))).toHaveLength(5);
  });

  it('reads appliances from APPLIANCES when the event has none', async () => {
    const summary = await newHandler({ APPLIANCES: JSON.stringify(appliances().slice(1, 2)) })({}, context());
    expect(summary.appliances.map((a) => [a.name, a.outcome])).toEqual([[n(2), 'ok']]);
  });

  it('keeps a delta beyond 2^53 exact', async () => {
    const handler = newHandler();
    sims[0]!.setCounter('mptcptotmpcapsession', '9007199254740993');
    await handler({ appliances: appliances().slice(0, 1) }, context());
    sims[0]!.setCounter('mptcptotmpcapsession', '9007199254741000');
    await handler({ appliances: appliances().slice(0, 1) }, context());
    expect(await sum('SessionsCreated')).toBe(7);
  });

  it('publishes no negative datapoint after a counter reset, and counts the reset', async () => {
    const handler = newHandler();
    sims[0]!.advance(600);
    await handler({ appliances: appliances().slice(0, 1) }, context());
    sims[0]!.reboot();
    sims[0]!.advance(30);
    await handler({ appliances: appliances().slice(0, 1) }, context());
    for (const metric of ['SessionsCreated', 'SubflowsCreated', 'MpJoinSynReceived']) {
      expect((await values(metric)).every((v) => v >= 0)).toBe(true);
    }
    expect(await sum('CounterResets')).toBeGreaterThan(0);
  });

  it('never counts the same increase twice when two invocations overlap', async () => {
    const handler = newHandler();
    sims[0]!.setCounter('mptcptotmpcapsession', 5000n);
    await handler({ appliances: appliances().slice(0, 1) }, context());
    sims[0]!.setCounter('mptcptotmpcapsession', 5100n);
    const [a, b] = await Promise.all([
      handler({ appliances: appliances().slice(0, 1) }, context()),
      newHandler()({ appliances: appliances().slice(0, 1) }, context()),
    ]);
    expect([a.appliances[0]!.outcome, b.appliances[0]!.outcome]).toEqual(['ok', 'ok']);
    expect(await sum('SessionsCreated')).toBe(100);
  });

  it('publishes the healthy appliances when one of three is down, with its CollectionSuccess at 0', async () => {
    const handler = newHandler();
    const config = appliances();
    config[1] = { ...config[1]!, url: 'https://127.0.0.1:1' };
    const summary = await handler({ appliances: config }, context());
    expect(summary.appliances.map((a) => [a.name, a.outcome, a.errorClass])).toEqual([
      [n(1), 'ok', undefined],
      [n(2), 'failed', 'transport-error'],
      [n(3), 'ok', undefined],
    ]);
    expect(await values('CollectionSuccess', n(2))).toEqual([0]);
    expect(await values('CollectionSuccess', n(3))).toEqual([1]);
    expect(await values('CurrentSessions', n(1))).toHaveLength(1);
    expect(
      logger.lines.filter(
        (l) =>
          l.includes(`"appliance":"${n(2)}"`) && l.includes('"outcome":"failed"') && !l.includes(`"message":"${SAMPLE_RECORD_MESSAGE}"`),
      ),
    ).toHaveLength(1);
  });

  it('picks up a rotated password from Secrets Manager in a warm container', async () => {
    const handler = newHandler();
    const sim = sims[2]!;
    expect((await handler({ appliances: appliances().slice(2) }, context())).appliances[0]!.outcome).toBe('ok');
    sim.setCredentials(sim.username, 'rotated-Kx8-tide-0815');
    // The kept session outlives the password change on the appliance; it ends here (a failover, an admin's kill).
    sim.killSessions();
    await updateSecret(
      secretIds[2]!,
      JSON.stringify({ username: sim.username, password: 'rotated-Kx8-tide-0815', caCertificate: sim.caCertificate }),
    );
    try {
      const summary = await handler({ appliances: appliances().slice(2) }, context());
      expect(summary.appliances[0]!.outcome).toBe('ok');
      expect(
        sim
          .requests()
          .filter((r) => r.path.endsWith('/login'))
          .map((r) => r.status),
      ).toEqual([201, 401, 201]);
    } finally {
      sim.setCredentials(sim.username, DEFAULT_PASSWORD);
      await updateSecret(
        secretIds[2]!,
        JSON.stringify({ username: sim.username, password: DEFAULT_PASSWORD, caCertificate: sim.caCertificate }),
      );
    }
  });

  it('finishes within the time budget when an appliance hangs', async () => {
    sims[1]!.injectFault({ kind: 'hang' }, { on: 'stat' });
    const started = Date.now();
    const summary = await newHandler()({ appliances: appliances() }, context(9_000));
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(summary.appliances.map((a) => a.outcome)).toEqual(['ok', 'failed', 'ok']);
    expect(summary.appliances[1]!.errorClass).toBe('timeout');
    expect(await values('CollectionSuccess', n(2))).toEqual([0]);
  });

  it('never logs or returns a password', async () => {
    const sim = sims[0]!;
    sim.injectFault(
      { kind: 'nitro-error', status: 401, errorcode: 354, message: `Invalid password ${sim.password}` },
      { on: 'login', times: 2 },
    );
    const summary = await newHandler()({ appliances: appliances() }, context());
    expect(summary.appliances[0]!.errorClass).toBe('bad-credentials');
    const everything = `${logger.lines.join('\n')}\n${JSON.stringify(summary)}`;
    expect(logger.lines.length).toBeGreaterThan(3);
    for (const s of sims) expect(everything).not.toContain(s.password);
  });

  it('rejects on invalid configuration, naming the appliance and field', async () => {
    const bad = [{ ...appliances()[0]!, url: 'adc-1.example.com' }];
    await expect(newHandler()({ appliances: bad }, context())).rejects.toThrow(ConfigurationError);
    await expect(newHandler()({ appliances: bad }, context())).rejects.toThrow(
      `appliances[0] (${n(1)}).url must be an absolute https:// URL`,
    );
    await expect(newHandler({ COUNTERS: 'Bogus' })({ appliances: appliances() }, context())).rejects.toThrow(
      'invalid configuration: COUNTERS names an unknown counter "Bogus"',
    );
  });

  it('rejects when CloudWatch is unreachable: nothing could be published', async () => {
    const clients = createAwsClients({ maxAttempts: 1, connectionTimeoutMs: 500 });
    const unreachable = { ...clients, cloudWatch: new CloudWatchClient({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 }) };
    const handler = createHandler({
      env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace },
      logger,
      memory,
      clients: () => unreachable,
    });
    const error = await handler({ appliances: appliances().slice(0, 1) }, context()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CollectorError);
    expect((error as CollectorError).errorClass).toBe('publish-error');
    expect(logger.lines.some((l) => l.includes('run failed: nothing was published'))).toBe(true);
  });

  it('stops publishing before the function times out when CloudWatch hangs', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const hanging = { ...createAwsClients(), cloudWatch: new CloudWatchClient({ endpoint: `http://127.0.0.1:${port}` }) };
      const handler = createHandler({
        env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace },
        logger,
        memory,
        clients: () => hanging,
      });
      const started = Date.now();
      await expect(handler({ appliances: appliances().slice(0, 1) }, context(8_000))).rejects.toThrow('nothing could be published');
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
