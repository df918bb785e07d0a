/**
 * The CDK-bundled collector (cdk.out/asset.<hash>/index.js) run the way Lambda runs it: AWS's runtime interface
 * client on Node 24 in one warm process, fed by the Runtime API on loopback (test/support/lambda-runtime.ts).
 *
 * The first suite needs no AWS: configuration errors are found before the handler makes any call. The second
 * runs whole collections against a simulated appliance and moto_server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type CollectorAsset, synthesizeCollectorAsset } from '../support/collector-asset.js';
import { describeWithLambdaRuntime, type InvocationResult, type LambdaRuntime, startLambdaRuntime } from '../support/lambda-runtime.js';
import { describeWithMoto, motoEnvironment } from '../support/moto.js';
import { createSecret, createStateTable, readMetricSum, uniqueName } from '../support/moto-aws.js';

let synthesized: CollectorAsset | undefined;
/** The asset, synthesized once for the file. */
function collectorAsset(): CollectorAsset {
  synthesized ??= synthesizeCollectorAsset();
  return synthesized;
}
afterAll(() => synthesized?.dispose());

const TIMEOUT_MS = 7_013;

/** One appliance of the handler contract; `overrides` break one field. */
function appliance(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, url: `https://${name}.example.net`, secretId: `netscaler/${name}`, ...overrides };
}

/** The handler's own JSON log lines (the logger writes one object per line to stdout). */
function handlerLines(result: InvocationResult): Record<string, unknown>[] {
  return result.logs
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry['message'] === 'string' && typeof entry['level'] === 'string' && !('type' in entry));
}

describeWithLambdaRuntime('the bundled collector in the real Lambda runtime interface client', (lambda) => {
  let asset: CollectorAsset;
  let runtime: LambdaRuntime;

  beforeAll(async () => {
    asset = collectorAsset();
    runtime = await startLambdaRuntime({
      assetDir: asset.assetDir,
      handler: asset.handler,
      memorySize: asset.memorySize,
      nodeBinary: lambda.nodeBinary,
      // The table name is a Ref in the template: a deployment resolves it, the test names one.
      environment: { ...asset.environment, STATE_TABLE_NAME: 'mptcp-state' },
    });
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it('takes Handler, MemorySize, Timeout and only the literal variables from the template', () => {
    expect(asset.handler).toBe('index.handler');
    expect(asset.runtime).toBe('nodejs24.x');
    expect(asset.memorySize).toBe(256);
    expect(asset.timeoutSeconds).toBe(50);
    expect(asset.environment).toMatchObject({ METRIC_NAMESPACE: 'NetScaler/MPTCP', COUNTERS: 'default' });
    // No NODE_OPTIONS: source maps cost at every cold start (docs/performance.md).
    expect(asset.environment).not.toHaveProperty('NODE_OPTIONS');
    expect(asset.environment['MAX_SAMPLE_AGE_SECONDS']).toMatch(/^\d+$/);
    expect(asset.environment).not.toHaveProperty('STATE_TABLE_NAME');
    expect(asset.unresolvedEnvironment).toEqual(['STATE_TABLE_NAME']);
  });

  it('reports a rejected invocation as the error the runtime posted, naming the bad field', async () => {
    const result = await runtime.invoke(
      { appliances: [appliance('adc-1'), appliance('adc-2', { url: 'ftp://adc-2.example.net' })] },
      { timeoutMs: TIMEOUT_MS },
    );

    expect(result.outcome, JSON.stringify(result, null, 2)).toBe('error');
    expect(result.phase).toBe('invoke');
    expect(result.error?.errorType).toBe('ConfigurationError');
    expect(result.error?.errorMessage).toContain('invalid configuration: event.appliances[1] (adc-2).url must be an absolute https:// URL');
    expect(result.error?.errorMessage).not.toContain('adc-1');
    // The first invocation started the process.
    expect(result.coldStart).toBe(true);
    expect(runtime.coldStarts).toBe(1);
    expect(result.initDurationMs).toBeGreaterThan(0);
    // The deadline is whole milliseconds, as Lambda sends it.
    expect(Number.isInteger(result.deadlineMs)).toBe(true);
    expect(Number.isInteger(result.remainingAtStartMs)).toBe(true);
    expect(result.remainingAtStartMs).toBeLessThanOrEqual(TIMEOUT_MS);
    expect(result.remainingAtStartMs).toBeGreaterThan(TIMEOUT_MS - 1_000);
    expect(result.durationMs).toBeLessThan(TIMEOUT_MS);
    expect(runtime.protocolErrors).toEqual([]);

    // The handler's last log line, with the request id the runtime gave the handler's context.
    const failure = handlerLines(result).find((entry) => entry['message'] === 'run failed: nothing was published');
    expect(failure, result.logs.join('\n')).toMatchObject({ level: 'ERROR', requestId: result.requestId, errorClass: 'configuration' });
    expect(String(failure?.['reason'])).toContain('appliances[1] (adc-2).url');
    // The runtime's own log line names the error class too (it reads constructor.name: kept through minification).
    const runtimeLine = result.logs.find((line) => line.includes('"errorMessage"') && line.includes('"stackTrace"'));
    expect(runtimeLine).toContain('"errorType":"ConfigurationError"');
  });

  it('serves invocation after invocation from the same warm process', async () => {
    const pid = runtime.pid;
    expect(pid).toBeTypeOf('number');
    const events = [
      {
        appliances: [appliance('adc-1', { secretId: '' })],
        field: 'appliances[0] (adc-1).secretId must not be empty: a Secrets Manager secret name or ARN',
      },
      {
        appliances: [appliance('adc-1'), appliance('adc-1')],
        field: 'appliances[1] (adc-1).name "adc-1" is already used by appliances[0]',
      },
      { appliances: [], field: 'appliances must list at least one appliance' },
      {
        appliances: [appliance('adc-1', { password: 'x' })],
        field: 'event.appliances[0] (adc-1) has unknown field "password"; allowed: name, url, secretId',
      },
    ];
    const results: InvocationResult[] = [];
    for (const { appliances } of events) results.push(await runtime.invoke({ appliances }, { timeoutMs: TIMEOUT_MS }));

    results.forEach((result, index) => {
      expect(result.outcome, JSON.stringify(result, null, 2)).toBe('error');
      expect(result.error?.errorMessage).toContain(events[index]!.field);
      expect(result.coldStart).toBe(false);
      expect(result.initDurationMs).toBeUndefined();
      expect(result.pid).toBe(pid);
      // Each invocation's lines are its own: the handler's lines carry this invocation's request id only.
      const ids = new Set(handlerLines(result).map((entry) => entry['requestId']));
      expect([...ids]).toEqual([result.requestId]);
    });
    expect(new Set(results.map((result) => result.requestId)).size).toBe(results.length);
    expect(runtime.pid).toBe(pid);
    expect(runtime.coldStarts).toBe(1);
    expect(runtime.protocolErrors).toEqual([]);
    // The runtime's log holds every line of every invocation.
    for (const result of results) for (const line of result.logs) expect(runtime.logs).toContain(line);
  });

  it('kills a process that passes the deadline, reports a timeout, and cold-starts the next invocation', async () => {
    const warmPid = runtime.pid!;
    // The process is stopped before it can read the invocation: nothing can answer before the deadline.
    const timedOut = await runtime.invoke(
      { appliances: [appliance('adc-1', { url: 'not a url' })] },
      { timeoutMs: 300, onDispatch: ({ pid }) => process.kill(pid, 'SIGSTOP') },
    );
    expect(timedOut.outcome).toBe('timeout');
    expect(timedOut.pid).toBe(warmPid);
    expect(timedOut.error).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${timedOut.requestId} Error: Task timed out after 0.30 seconds`,
    });
    expect(timedOut.exit).toEqual({ code: null, signal: 'SIGKILL' });
    // Not before the deadline by the wall clock (durationMs runs on the monotonic clock, which may differ by 1 ms).
    expect(Date.now()).toBeGreaterThanOrEqual(timedOut.deadlineMs!);
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(298);
    expect(timedOut.durationMs).toBeLessThan(2_000);
    expect(runtime.pid).toBeUndefined();

    const next = await runtime.invoke({ appliances: [appliance('adc-1', { url: 'not a url' })] }, { timeoutMs: TIMEOUT_MS });
    expect(next.coldStart).toBe(true);
    expect(runtime.coldStarts).toBe(2);
    expect(next.pid).not.toBe(warmPid);
    expect(next.outcome).toBe('error');
    expect(next.error?.errorMessage).toContain('appliances[0] (adc-1).url must be an absolute https:// URL');
    expect(runtime.protocolErrors).toEqual([]);
  });

  it('reports a process that dies during an invocation as a crash and starts a new one', async () => {
    const crashed = await runtime.invoke(
      { appliances: [appliance('adc-1')] },
      { timeoutMs: TIMEOUT_MS, onDispatch: ({ pid }) => process.kill(pid, 'SIGSEGV') },
    );
    expect(crashed.outcome).toBe('crash');
    expect(crashed.exit).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(crashed.error).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with signal: SIGSEGV`,
    });
    expect(runtime.pid).toBeUndefined();

    const next = await runtime.invoke({ appliances: [] }, { timeoutMs: TIMEOUT_MS });
    expect(next.coldStart).toBe(true);
    expect(runtime.coldStarts).toBe(3);
    expect(next.outcome).toBe('error');
  });

  it('reports a handler the module does not export as an init error', async () => {
    const broken = await startLambdaRuntime({
      assetDir: asset.assetDir,
      handler: 'index.noSuchHandler',
      memorySize: asset.memorySize,
      nodeBinary: lambda.nodeBinary,
      environment: asset.environment,
    });
    try {
      const result = await broken.invoke({}, { timeoutMs: TIMEOUT_MS });
      expect(result.outcome).toBe('error');
      expect(result.phase).toBe('init');
      expect(result.deadlineMs).toBeUndefined();
      expect(result.error?.errorType).toBe('Runtime.HandlerNotFound');
      expect(result.error?.errorMessage).toContain('noSuchHandler');
      expect(broken.protocolErrors).toEqual([]);
    } finally {
      await broken.stop();
      await broken.stop();
    }
    await expect(broken.invoke({}, { timeoutMs: TIMEOUT_MS })).rejects.toThrow(/stopped/);
  });
});

describeWithMoto('the bundled collector end to end in the runtime interface client (simulated appliance, moto_server)', (moto) => {
  describeWithLambdaRuntime('warm invocations', (lambda) => {
    let simulator: Simulator;
    let runtime: LambdaRuntime;
    let namespace: string;
    let name: string;
    let startedAt: Date;
    let event: Record<string, unknown>;

    beforeAll(async () => {
      const asset = collectorAsset();
      simulator = await startSimulator({ seed: 7, initialCounters: 'zero' });
      namespace = uniqueName('Test/MPTCP');
      name = uniqueName('adc-e2e');
      const table = uniqueName('mptcp-state');
      await createStateTable(table);
      startedAt = new Date(Date.now() - 60_000);
      const secretId = await createSecret(
        uniqueName('netscaler/adc-e2e'),
        JSON.stringify({ username: simulator.username, password: simulator.password, caCertificate: simulator.caCertificate }),
      );
      runtime = await startLambdaRuntime({
        assetDir: asset.assetDir,
        handler: asset.handler,
        memorySize: asset.memorySize,
        nodeBinary: lambda.nodeBinary,
        environment: { ...asset.environment, ...motoEnvironment(moto.endpoint), METRIC_NAMESPACE: namespace, STATE_TABLE_NAME: table },
      });
      event = { appliances: [{ name, url: simulator.url, secretId, tlsServerName: simulator.serverName }] };
    }, 120_000);

    afterAll(async () => {
      await runtime?.stop();
      await simulator?.close();
    });

    it('returns the run summary as the response, and the second run publishes the counter deltas', async () => {
      simulator.setCounter('mptcptotmpcapsession', 1000n);
      const first = await runtime.invoke(event, { timeoutMs: 20_011 });
      expect(first.outcome, JSON.stringify({ ...first, logs: first.logs.slice(-5) }, null, 2)).toBe('response');
      expect(first.coldStart).toBe(true);
      expect(first.result).toMatchObject({ appliances: [{ name, outcome: 'ok' }], putMetricDataCalls: 1 });

      simulator.setCounter('mptcptotmpcapsession', 1250n);
      const second = await runtime.invoke(event, { timeoutMs: 20_011 });
      expect(second.outcome, JSON.stringify({ ...second, logs: second.logs.slice(-5) }, null, 2)).toBe('response');
      expect(second.coldStart).toBe(false);
      expect(second.pid).toBe(first.pid);
      expect(runtime.coldStarts).toBe(1);
      const finished = handlerLines(second).find((entry) => entry['message'] === 'run finished');
      expect(finished).toMatchObject({ requestId: second.requestId, appliances: 1, failed: 0 });
      expect(await readMetricSum(namespace, 'SessionsCreated', name, startedAt, new Date(Date.now() + 60_000))).toBe(250);
      expect(runtime.protocolErrors).toEqual([]);
    });
  });
});
