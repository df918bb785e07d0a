/**
 * A warm container keeps one NITRO session per appliance from run to run (the handler against simulated appliances
 * and moto_server): in steady state a run sends only its stat reads; a session the appliance dropped is replaced
 * within the run; a rotated secret or changed settings log the old session out first; runs further apart than the
 * session timeout keep none. The simulators run on the handler's clock, so idle timeouts are exact.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createAwsClients } from '../../lambda/aws/clients.js';
import { SecretsManagerCredentialSource } from '../../lambda/aws/secrets.js';
import { type CollectorHandler, createHandler } from '../../lambda/handler.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { type ContainerMemory, createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { countdownContext } from '../support/lambda-context.js';
import { describeWithMoto } from '../support/moto.js';
import { applianceSecret, createSecret, createStateTable, readMetricSum, uniqueName, updateSecret } from '../support/moto-aws.js';

const MINUTE = 60_000;

describeWithMoto('kept NITRO sessions (the handler, simulated appliances, moto_server)', () => {
  let clock = Date.now();
  const sims: Simulator[] = [];
  const secretIds: string[] = [];
  let table: string;
  let namespace: string;
  let suffix: string;
  let memory: ContainerMemory;
  let logger: ReturnType<typeof createMemoryLogger>;
  let handler: CollectorHandler;
  let testStart: Date;

  const name = (i: number) => `adc-${i + 1}-${suffix}`;
  const appliances = (extra: Record<string, unknown> = {}) =>
    sims.map((sim, i) => ({ name: name(i), url: sim.url, secretId: secretIds[i]!, tlsServerName: sim.serverName, ...extra }));
  /** One scheduled run, `minutes` after the previous one. */
  const runAfter = async (minutes: number, event: { appliances: unknown } = { appliances: appliances() }) => {
    clock += minutes * MINUTE;
    return handler(event, countdownContext());
  };
  const logins = (sim: Simulator) => sim.requests().filter((r) => r.path.endsWith('/config/login') && r.status === 201).length;
  const calls = (sim: Simulator) => sim.requests().map((r) => `${r.method} ${r.path.replace('/nitro/v1/', '')} ${r.status}`);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const sim = await startSimulator({ seed: 40 + i, initialCounters: 'zero', clock: () => clock });
      sims.push(sim);
      secretIds.push(await createSecret(uniqueName(`netscaler/kept-${i + 1}`), applianceSecret(sim)));
    }
  });
  afterAll(async () => Promise.all(sims.map((sim) => sim.close())));
  beforeEach(async () => {
    table = uniqueName('mptcp-state');
    namespace = uniqueName('Test/MPTCP');
    suffix = namespace.slice(-8);
    await createStateTable(table);
    memory = createContainerMemory();
    logger = createMemoryLogger('DEBUG', memory.redactor);
    // No secret cache: every run reads the secret, so a rotation is seen on the very next run.
    const credentials = new SecretsManagerCredentialSource({ client: createAwsClients().secretsManager, ttlMs: 0 });
    handler = createHandler({
      env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace },
      logger,
      memory,
      credentials,
      now: () => clock,
    });
    testStart = new Date(clock - MINUTE);
    for (const sim of sims) {
      sim.clearFaults();
      sim.clearRequests();
    }
  });
  afterEach(async () => {
    await handler.endSessions();
    for (const sim of sims) expect(sim.openSessions()).toBe(0);
  });

  it('logs in once per appliance and over the ten warm runs after it sends only the stat reads: at most 2.0 requests per appliance per run', async () => {
    await runAfter(1); // the cold start: the login
    for (const sim of sims) expect(logins(sim)).toBe(1);
    for (const sim of sims) sim.clearRequests();
    for (let run = 0; run < 10; run++) {
      const summary = await runAfter(1);
      expect(summary.appliances.map((a) => a.outcome)).toEqual(['ok', 'ok']);
    }
    for (const sim of sims) {
      expect(logins(sim)).toBe(0);
      expect(sim.requests().length / 10).toBeLessThanOrEqual(2.0);
      expect(sim.requests().filter((r) => r.path.endsWith('/logout'))).toEqual([]);
      expect(sim.openSessions()).toBe(1);
      expect(new Set(sim.requests().map((r) => r.sessionTag)).size).toBe(1);
    }
    // A container's end logs them out.
    await handler.endSessions();
    for (const sim of sims) {
      expect(sim.openSessions()).toBe(0);
      expect(calls(sim).at(-1)).toBe('POST config/logout 200');
    }
  });

  it('reads the credential backoff only before a login: a warm run sends the state table its claim and commit, nothing else', async () => {
    const proxy = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, () => undefined);
    try {
      const clients = createAwsClients();
      const counted = createHandler({
        env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace },
        logger,
        memory,
        clients: () => ({ ...clients, dynamoDb: new DynamoDBClient({ endpoint: proxy.endpoint }) }),
        now: () => clock,
      });
      const stateCalls = async () => {
        const before = proxy.operations.length;
        clock += MINUTE;
        const summary = await counted({ appliances: appliances() }, countdownContext());
        expect(summary.appliances.map((a) => a.outcome)).toEqual(['ok', 'ok']);
        return proxy.operations.slice(before).sort();
      };
      // The cold start logs in: each appliance's backoff is read first.
      expect(await stateCalls()).toEqual(['GetItem', 'GetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'UpdateItem']);
      for (let run = 0; run < 3; run++) expect(await stateCalls()).toEqual(['UpdateItem', 'UpdateItem', 'UpdateItem', 'UpdateItem']);
      // A session the appliance killed costs a login, and the backoff is read before it.
      sims[0]!.killSessions();
      expect(await stateCalls()).toEqual(['GetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'UpdateItem']);
      expect(logins(sims[0]!)).toBe(2);
    } finally {
      await proxy.stop();
    }
  });

  it('replaces a session the appliance killed within the run (one login, one retry) and publishes that run', async () => {
    await runAfter(1);
    await runAfter(1);
    const sim = sims[0]!;
    sim.killSessions();
    sim.clearRequests();
    const summary = await runAfter(1);
    expect(summary.appliances.map((a) => a.outcome)).toEqual(['ok', 'ok']);
    expect(calls(sim)).toEqual([
      'GET stat/hanode 401',
      'POST config/logout 401',
      'POST config/login 201',
      'GET stat/hanode 200',
      'GET stat/protocolmptcp 200',
    ]);
    expect(sim.openSessions()).toBe(1);
    expect(sim.maxConcurrentSessions()).toBe(1);
    expect(await readMetricSum(namespace, 'CollectionSuccess', name(0), testStart, new Date(clock + MINUTE))).toBe(3);
    expect(logger.lines.some((l) => l.includes('the kept NITRO session is gone'))).toBe(true);
  });

  it('gives up after one new login when the new session is dropped too (no loop)', async () => {
    await runAfter(1);
    const sim = sims[0]!;
    sim.clearRequests();
    sim.injectFault({ kind: 'nitro-error', status: 401, errorcode: 444, message: 'Session expired' }, { on: 'stat', times: 2 });
    const summary = await runAfter(1);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'failed', errorClass: 'session-expired' });
    expect(calls(sim).filter((c) => c.startsWith('POST config/login'))).toHaveLength(1);
    expect(sim.openSessions()).toBe(0);
    // The next run logs in once and collects.
    expect((await runAfter(1)).appliances[0]!.outcome).toBe('ok');
    expect(sim.openSessions()).toBe(1);
  });

  it('logs the old session out before logging in when the secret is rotated', async () => {
    await runAfter(1);
    const sim = sims[1]!;
    const [oldSession] = sim.openSessionTags();
    sim.setCredentials(sim.username, 'rotated-Kx9-reef-2024');
    await updateSecret(
      secretIds[1]!,
      JSON.stringify({ username: sim.username, password: 'rotated-Kx9-reef-2024', caCertificate: sim.caCertificate }),
    );
    try {
      sim.clearRequests();
      expect((await runAfter(1)).appliances[1]!.outcome).toBe('ok');
      const [logout, login] = sim.requests();
      expect([logout?.path, logout?.sessionTag, logout?.status]).toEqual(['/nitro/v1/config/logout', oldSession, 200]);
      expect([login?.path, login?.status]).toEqual(['/nitro/v1/config/login', 201]);
      expect(sim.openSessions()).toBe(1);
      expect(sim.maxConcurrentSessions()).toBe(1);
    } finally {
      sim.setCredentials(sim.username, 'sim-Kx7-moon-4711');
      await updateSecret(
        secretIds[1]!,
        JSON.stringify({ username: sim.username, password: 'sim-Kx7-moon-4711', caCertificate: sim.caCertificate }),
      );
    }
  });

  it('logs the old session out before logging in when the settings change', async () => {
    await runAfter(1);
    const sim = sims[0]!;
    sim.clearRequests();
    expect((await runAfter(1, { appliances: appliances({ sessionTimeoutSeconds: 600 }) })).appliances[0]!.outcome).toBe('ok');
    expect(calls(sim).slice(0, 2)).toEqual(['POST config/logout 200', 'POST config/login 201']);
    expect(sim.requests()[1]?.loginTimeout).toBe(600);
    expect(sim.openSessions()).toBe(1);
  });

  it('keeps no session when the runs come further apart than the session timeout: each run logs out', async () => {
    await runAfter(1);
    for (const sim of sims) sim.clearRequests();
    // 10 minutes apart, against the default 300 s timeout: the kept session has expired on the appliance.
    for (let run = 0; run < 3; run++) {
      expect((await runAfter(10)).appliances.map((a) => a.outcome)).toEqual(['ok', 'ok']);
      for (const sim of sims) expect(sim.openSessions()).toBe(0);
    }
    for (const sim of sims) {
      expect(logins(sim)).toBe(3);
      expect(sim.maxConcurrentSessions()).toBe(1);
    }
    expect(logger.lines.filter((l) => l.includes('further apart than the NITRO session timeout') && l.includes(name(0)))).toHaveLength(1);
    // A timeout above the interval keeps the session again.
    for (const sim of sims) sim.clearRequests();
    const longer = { appliances: appliances({ sessionTimeoutSeconds: 900 }) };
    await runAfter(10, longer);
    await runAfter(10, longer);
    await runAfter(10, longer);
    for (const sim of sims) {
      expect(logins(sim)).toBe(1);
      expect(sim.openSessions()).toBe(1);
    }
  });
});
