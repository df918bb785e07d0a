/**
 * The login session timeout against the simulator over HTTPS: 300 s by default, accepted with and without
 * restrictedTimeout; a refused timeout is retried once without one, and the log line says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_TIMEOUT_SECONDS } from '../../lambda/core/session-timeout.js';
import { CollectorError } from '../../lambda/errors.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { NitroClient } from '../../lambda/nitro/client.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../simulator/index.js';

describe('the NITRO login session timeout', () => {
  let sim: Simulator;
  const start = async (options: SimulatorOptions = {}) => {
    sim = await startSimulator({ seed: 3, ...options });
  };
  // What the container remembers of refused timeouts (its ContainerMemory's), shared by the clients of one test.
  let timeoutRefusedBy = new Set<string>();
  afterEach(async () => {
    timeoutRefusedBy = new Set();
    expect(sim.openSessions()).toBe(0);
    await sim.close();
  });

  async function collect(sessionTimeoutSeconds?: number) {
    const logger = createMemoryLogger('DEBUG');
    const client = new NitroClient(
      { name: 'adc-timeout', url: sim.url, caCertificate: sim.caCertificate, tlsServerName: sim.serverName },
      { logger, timeoutRefusedBy, ...(sessionTimeoutSeconds !== undefined && { sessionTimeoutSeconds }) },
    );
    try {
      const result: { answer?: Record<string, unknown>; error?: unknown } = await client
        .withSession({ username: sim.username, password: sim.password }, (session) => session.getStat('protocolmptcp'))
        .then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        );
      return { ...result, logger, logins: sim.requests().filter((r) => r.path.endsWith('/login')) };
    } finally {
      await client.close();
    }
  }

  for (const restrictedTimeout of [false, true]) {
    it(`sends 300 s by default, which the appliance accepts ${restrictedTimeout ? 'with' : 'without'} restrictedTimeout`, async () => {
      await start({ restrictedTimeout });
      const { answer, logins, logger } = await collect();
      expect(answer).toHaveProperty('protocolmptcp');
      expect(SESSION_TIMEOUT_SECONDS.default).toBe(300);
      expect(logins.map((r) => [r.status, r.loginTimeout])).toEqual([[201, 300]]);
      expect(logger.lines.filter((line) => line.includes('"WARN"'))).toEqual([]);
    });
  }

  it('sends the configured timeout', async () => {
    await start({ restrictedTimeout: true, adminTimeoutSeconds: 3600 });
    const { logins } = await collect(1800);
    expect(logins.map((r) => [r.status, r.loginTimeout])).toEqual([[201, 1800]]);
  });

  it('logs in once more without a timeout when the appliance refuses it, says so at WARN, and skips the refused timeout from then on', async () => {
    await start({ restrictedTimeout: true, adminTimeoutSeconds: 600 });
    const first = await collect(900);
    expect(first.answer).toHaveProperty('protocolmptcp');
    expect(first.logins.map((r) => [r.status, r.loginTimeout])).toEqual([
      [400, 900],
      [201, undefined],
    ]);
    const warning = first.logger.lines.find((line) => line.includes('refused the login session timeout'));
    expect(warning).toContain('"level":"WARN"');
    expect(warning).toContain('of 900 s');
    expect(warning).toContain('logging in once more without a timeout');
    expect(warning).toContain('"nitroErrorCode":278');

    sim.clearRequests();
    const next = await collect(900);
    expect(next.logins.map((r) => [r.status, r.loginTimeout])).toEqual([[201, undefined]]);
    expect(next.logger.lines.some((line) => line.includes('refused the login session timeout'))).toBe(false);
  });

  it('does not retry without a timeout for other refusals, nor more than once', async () => {
    await start();
    sim.injectFault({ kind: 'nitro-error', status: 400, errorcode: 278, message: 'Invalid argument [timeout]' }, { on: 'login', times: 2 });
    const twice = await collect(301);
    expect((twice as { error: CollectorError }).error).toBeInstanceOf(CollectorError);
    // (An injected fault answers before the body is read, so these entries carry no loginTimeout.)
    expect(twice.logins.map((r) => r.status)).toEqual([400, 400]);
    expect(twice.logger.lines.filter((line) => line.includes('logging in once more without a timeout'))).toHaveLength(1);
    sim.clearRequests();
    sim.injectFault({ kind: 'nitro-error', status: 400, errorcode: 278, message: 'Invalid argument [username]' }, { on: 'login' });
    const other = await collect(302);
    expect((other as { error: CollectorError }).error.errorClass).toBe('appliance-error');
    expect(other.logins).toHaveLength(1);
  });
});
