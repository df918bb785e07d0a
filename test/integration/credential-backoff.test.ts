/**
 * No lockout, ever: a rejected secret version is not tried again until the secret changes or the backoff has
 * passed. The real edges: the simulator over HTTPS (with a lockout policy), Secrets Manager and the state table in
 * moto_server (VersionId, the rejection kept in the item), a fresh credential source per run (every run a cold start).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DryRunSink } from '../../cli/in-memory-edges.js';
import { DynamoDbCredentialRejections } from '../../lambda/aws/credential-rejections.js';
import { SecretsManagerCredentialSource } from '../../lambda/aws/secrets.js';
import { DynamoDbSampleStore } from '../../lambda/aws/state-store.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { CREDENTIAL_BACKOFF, credentialBackoffMs } from '../../lambda/core/credential-backoff.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { ContainerMemories } from '../support/container-memories.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { send } from '../support/https-client.js';
import { describeWithMoto } from '../support/moto.js';
import { createSecret, createStateTable, getStateItem, uniqueName, updateSecret } from '../support/moto-aws.js';

const MINUTE = 60_000;

describeWithMoto('rejected credentials: backoff by secret version, never a lockout', () => {
  let sim: Simulator;
  let clock = Date.UTC(2026, 2, 1);
  let table: string;
  let secretId: string;
  beforeEach(async () => {
    clock = Date.UTC(2026, 2, 1);
    // A hardened appliance: 3 wrong passwords in a row lock the user for 30 minutes.
    sim = await startSimulator({ seed: 11, clock: () => clock, lockout: { failures: 3, lockSeconds: 1800 } });
    table = uniqueName('backoff-state');
    secretId = uniqueName('backoff/adc');
    await createStateTable(table);
    await createSecret(secretId, JSON.stringify({ username: sim.username, password: 'wrong-Kx9-tide-0815' }));
  });
  const memories = new ContainerMemories();
  afterEach(async () => {
    await memories.endSessions();
    expect(sim.openSessions()).toBe(0);
    await sim.close();
  });

  /** A container: its rejection store and its memory (what it knows between runs). */
  const newContainer = (rejections = new DynamoDbCredentialRejections({ tableName: table })) => ({ rejections, memory: memories.create() });

  /** One scheduled run, `minutes` after the previous, in `container` (default: a new one, nothing cached). */
  async function runAfter(minutes: number, container = newContainer()) {
    const { rejections } = container;
    clock += minutes * MINUTE;
    const logger = createMemoryLogger('DEBUG', container.memory.redactor);
    const logins = sim.requests().length;
    const { summary, datums } = await runCollection(
      {
        appliances: [{ name: 'adc-1', url: sim.url, secretId, caCertificate: sim.caCertificate, tlsServerName: sim.serverName }],
        selection: resolveSelection('default'),
        concurrency: 1,
        remainingMs: 20_000,
      },
      {
        credentials: new SecretsManagerCredentialSource(),
        store: new DynamoDbSampleStore({ tableName: table }),
        rejections,
        sink: new DryRunSink(),
        logger,
        memory: container.memory,
        now: () => clock,
      },
    );
    const loggedIn = sim
      .requests()
      .slice(logins)
      .filter((r) => r.path.endsWith('/login')).length;
    return { appliance: summary.appliances[0]!, datums, loggedIn, logger };
  }
  const value = (datums: readonly { metricName: string; value: number }[], name: string) =>
    datums.find((d) => d.metricName === name)?.value;

  it('logs in once, then not again inside 15 minutes, doubling to 4 hours: 6 logins in 8 hours of runs', async () => {
    const first = await runAfter(1);
    expect(first.loggedIn).toBe(1);
    expect(first.appliance).toMatchObject({ outcome: 'failed', errorClass: 'bad-credentials', nitroErrorCode: 354 });
    expect(first.appliance.message).toMatch(
      /^adc-1: the appliance rejected the username or password; not trying this secret version again before 2026-03-01T00:16:00\.000Z \(in 15 min\), or at once when secret .* is updated \(a new version\), to avoid locking the account \(1 rejection in a row\): adc-1: login rejected/,
    );
    expect(value(first.datums, 'CollectionSuccess')).toBe(0);
    expect(value(first.datums, 'CredentialsRejected')).toBe(1);

    const second = await runAfter(1);
    expect(second.loggedIn).toBe(0);
    expect(second.appliance).toMatchObject({ outcome: 'failed', errorClass: 'bad-credentials' });
    expect(second.appliance.message).toMatch(
      /^adc-1: not logging in before 2026-03-01T00:16:00\.000Z \(in 14 min\), or at once when secret .* is updated \(a new version\): the appliance rejected the username or password of version [\w-]+ at 2026-03-01T00:01:00\.000Z, NITRO errorcode 354; backing off after 1 rejection in a row, to avoid locking the account$/,
    );
    expect(value(second.datums, 'CollectionSuccess')).toBe(0);
    expect(value(second.datums, 'CredentialsRejected')).toBe(1);
    const line = second.logger.lines.find((l) => l.includes('appliance collection failed'))!;
    expect(line).toContain('"level":"ERROR"');
    expect(line).toContain('"errorClass":"bad-credentials"');

    // Every minute for 8 hours: before, 480 logins (and an account locked all along); now one per backoff step.
    let logins = first.loggedIn + second.loggedIn;
    const loginTimes: number[] = [Date.UTC(2026, 2, 1, 0, 1)];
    for (let minute = 3; minute <= 480; minute++) {
      const run = await runAfter(1);
      logins += run.loggedIn;
      if (run.loggedIn > 0) loginTimes.push(clock);
      expect(run.appliance.errorClass).toBe('bad-credentials');
    }
    const gaps = loginTimes.slice(1).map((t, i) => (t - loginTimes[i]!) / MINUTE);
    expect(gaps).toEqual([15, 30, 60, 120, 240]);
    expect(logins).toBe(6);
    expect(sim.loginRefusals().failedLogins + sim.loginRefusals().lockedRefusals).toBe(6);
  }, 240_000);

  it('uses a corrected secret on the very next run, and forgets the rejection', async () => {
    await runAfter(1);
    expect((await runAfter(1)).loggedIn).toBe(0);
    await updateSecret(secretId, JSON.stringify({ username: sim.username, password: sim.password }));
    const fixed = await runAfter(1);
    expect(fixed.loggedIn).toBe(1);
    expect(fixed.appliance).toMatchObject({ outcome: 'ok' });
    expect(value(fixed.datums, 'CredentialsRejected')).toBeUndefined();
    expect(fixed.logger.lines.some((l) => l.includes('the appliance accepted the credentials again'))).toBe(true);
    expect((await getStateItem(table, 'adc-1'))?.['credentialRejection']).toBeUndefined();
    expect(sim.lockedUntil()).toBeUndefined();
  });

  it('takes errorcode 354 on stat/protocolmptcp right after a successful login as a protocol error, not a rejection: the next run logs in', async () => {
    await updateSecret(secretId, JSON.stringify({ username: sim.username, password: sim.password }));
    sim.injectFault(
      { kind: 'nitro-error', status: 200, errorcode: 354, message: 'Invalid username or password' },
      { on: 'stat', times: 1 },
    );
    const odd = await runAfter(1);
    expect(odd.loggedIn).toBe(1);
    expect(odd.appliance).toMatchObject({ outcome: 'failed', errorClass: 'protocol-error', nitroErrorCode: 354 });
    expect(odd.appliance.message).toContain('after the appliance accepted the login');
    expect(value(odd.datums, 'CredentialsRejected')).toBeUndefined();
    expect((await getStateItem(table, 'adc-1'))?.['credentialRejection']).toBeUndefined();

    const next = await runAfter(1);
    expect(next.loggedIn).toBe(1);
    expect(next.appliance).toMatchObject({ outcome: 'ok' });
  });

  it('keeps the backoff of a rejected version that comes back: a new version that is also wrong starts its own', async () => {
    await runAfter(1);
    await updateSecret(secretId, JSON.stringify({ username: sim.username, password: 'still-Wrong-0815' }));
    const other = await runAfter(1);
    expect(other.loggedIn).toBe(1);
    expect(other.appliance.errorClass).toBe('bad-credentials');
    const item = await getStateItem(table, 'adc-1');
    expect(item?.['credentialRejection']?.M?.['rejections']?.N).toBe('1');
    expect(Number(item?.['credentialRejection']?.M?.['retryAt']?.N)).toBe(clock + CREDENTIAL_BACKOFF.firstMs);
    expect((await runAfter(5)).loggedIn).toBe(0);
  });

  it('reports a locked user apart from a wrong password, and its backoff lets the lock run out', async () => {
    // Someone else locked the account (three wrong passwords); the collector's secret is right.
    for (let i = 0; i < 3; i++)
      await send(sim, 'POST', '/nitro/v1/config/login', { body: { login: { username: sim.username, password: 'x' } } });
    await updateSecret(secretId, JSON.stringify({ username: sim.username, password: sim.password }));
    const locked = await runAfter(1);
    expect(locked.loggedIn).toBe(1);
    expect(locked.appliance.errorClass).toBe('bad-credentials');
    expect(locked.appliance.message).toMatch(/User is locked/);
    const next = await runAfter(1);
    expect(next.loggedIn).toBe(0);
    expect(next.appliance.message).toContain('refused the login: the user is LOCKED');
    // The login while locked restarted the 30-minute lock; the first retry (15 min) finds it still locked and
    // restarts it once more; the second (30 min later) comes exactly as it ends.
    const retry = await runAfter(credentialBackoffMs(1) / MINUTE - 1);
    expect(retry.loggedIn).toBe(1);
    expect(retry.appliance.errorClass).toBe('bad-credentials');
    expect((await runAfter(credentialBackoffMs(2) / MINUTE - 1)).loggedIn).toBe(0);
    const recovered = await runAfter(1);
    expect(recovered.loggedIn).toBe(1);
    expect(recovered.appliance.outcome).toBe('ok');
    expect(sim.loginRefusals().lockedRefusals).toBe(2);
  });

  it('keeps a rejection whose write failed: the same container backs off and writes it again', async () => {
    let refuse = true;
    const proxy = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, (operation, _call, body) =>
      refuse && operation === 'UpdateItem' && body.includes('credentialRejection')
        ? { status: 500, code: 'InternalServerError', message: 'simulated' }
        : undefined,
    );
    try {
      const warm = newContainer(
        new DynamoDbCredentialRejections({ tableName: table, client: new DynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 1 }) }),
      );
      const rejected = await runAfter(1, warm);
      expect(rejected.loggedIn).toBe(1);
      expect(
        rejected.logger.lines.some((l) => l.includes('"level":"ERROR"') && l.includes('the credential rejection could not be stored')),
      ).toBe(true);
      expect((await getStateItem(table, 'adc-1'))?.['credentialRejection']).toBeUndefined();
      refuse = false;
      // The store has no rejection; this container's own record stands (before: the store's "none" won, and it logged in).
      const next = await runAfter(1, warm);
      expect(next.loggedIn).toBe(0);
      expect(next.appliance.errorClass).toBe('bad-credentials');
      expect((await getStateItem(table, 'adc-1'))?.['credentialRejection']?.M?.['rejections']?.N).toBe('1');
      // Written again, so a cold start obeys it too.
      expect((await runAfter(1)).loggedIn).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('does not log in when a new container cannot read the backoff; a container that read it before goes on', async () => {
    let refuseReads = true;
    const proxy = await startFaultProxy(process.env['AWS_ENDPOINT_URL']!, (operation) =>
      refuseReads && operation === 'GetItem' ? { status: 500, code: 'InternalServerError', message: 'simulated' } : undefined,
    );
    try {
      const client = () => new DynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
      await runAfter(1); // rejected: the backoff is in the table
      clock += credentialBackoffMs(1); // past it: a container that can read it would try again
      const cold = await runAfter(0, newContainer(new DynamoDbCredentialRejections({ tableName: table, client: client() })));
      expect(cold.loggedIn).toBe(0);
      expect(cold.appliance).toMatchObject({ outcome: 'failed', errorClass: 'state-error' });
      expect(cold.appliance.message).toMatch(
        /the credential backoff could not be read .* not logging in, so that a rejected password is never tried again/,
      );

      await updateSecret(secretId, JSON.stringify({ username: sim.username, password: sim.password }));
      refuseReads = false;
      const warm = newContainer(new DynamoDbCredentialRejections({ tableName: table, client: client() }));
      expect((await runAfter(1, warm)).appliance.outcome).toBe('ok');
      refuseReads = true;
      const readsBefore = proxy.operations.filter((o) => o === 'GetItem').length;
      const next = await runAfter(1, warm);
      // It goes on with the session it kept from its last run: no login, so no backoff to read (nor a failure to report).
      expect(next.loggedIn).toBe(0);
      expect(next.appliance.outcome).toBe('ok');
      expect(proxy.operations.filter((o) => o === 'GetItem').length).toBe(readsBefore);
      expect(next.datums.find((d) => d.metricName === 'StateUnavailable')).toBeUndefined();
      // The session is killed: the login it needs reads the backoff, which fails. This container logged in with this
      // version: it logs in all the same, and the run's one WARN line says the table failed.
      sim.killSessions();
      const relogin = await runAfter(1, warm);
      expect(relogin.loggedIn).toBe(1);
      expect(relogin.appliance.outcome).toBe('ok');
      expect(relogin.datums.find((d) => d.metricName === 'StateUnavailable')?.value).toBe(1);
      expect(
        relogin.logger.lines.filter((l) => l.includes('"level":"WARN"') && l.includes('the state table could not be read')),
      ).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });
});
