/**
 * The end-to-end scenarios, run the way Lambda runs the function: the CDK-bundled asset in AWS's runtime
 * interface client on Node 24, ONE warm process for the whole sequence, an integer deadline per invocation,
 * against simulated appliances and moto_server (Secrets Manager, DynamoDB, CloudWatch) behind a fault proxy.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { DEFAULT_PASSWORD } from '../../simulator/appliance.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type CollectorAsset, synthesizeCollectorAsset } from '../support/collector-asset.js';
import { type FaultProxy, type InjectedFault, startFaultProxy } from '../support/fault-proxy.js';
import { describeWithLambdaRuntime, type InvocationResult, type LambdaRuntime, startLambdaRuntime } from '../support/lambda-runtime.js';
import { describeWithMoto, motoEnvironment } from '../support/moto.js';
import {
  applianceSecret,
  createSecret,
  createStateTable,
  listMetricValues,
  readMetricSum,
  uniqueName,
  updateSecret,
} from '../support/moto-aws.js';

/** The 1-minute schedule's timeout, give or take: never a round number. */
const timeoutMs = () => 49_000 + randomInt(1, 998);

describeWithMoto('the bundled function end to end, as Lambda runs it', (moto) => {
  describeWithLambdaRuntime('scenarios in one warm runtime process', (lambda) => {
    let runtime: LambdaRuntime;
    let asset: CollectorAsset | undefined;
    let proxy: FaultProxy;
    let fault: (operation: string, body: Buffer) => InjectedFault | undefined = () => undefined;
    const sims: Simulator[] = [];
    const secretIds: string[] = [];
    let namespace: string;
    let testStart: Date;
    let suffix = '';
    const name = (i: number) => `rt-adc-${i + 1}-${suffix}`;
    const applianceList = (...indexes: number[]) =>
      indexes.map((i) => ({ name: name(i), url: sims[i]!.url, secretId: secretIds[i]!, tlsServerName: sims[i]!.serverName }));
    const sum = (metric: string, i = 0) => readMetricSum(namespace, metric, name(i), testStart, new Date(Date.now() + 60_000));
    const values = async (metric: string, i = 0) =>
      (await listMetricValues(namespace, metric, name(i), testStart, new Date(Date.now() + 60_000))).map((v) => v.value);

    const invoke = (...indexes: number[]) => invokeWithin(timeoutMs(), ...indexes);
    const invokeWithin = async (timeout: number, ...indexes: number[]): Promise<InvocationResult> => {
      const result = await runtime.invoke({ appliances: applianceList(...indexes) }, { timeoutMs: timeout });
      expect(result.durationMs, 'inside its budget').toBeLessThan(timeout);
      expect(
        result.logs.some((line) => line.includes('"run finished"') || line.includes('run failed: nothing was published')),
        'the run ends with its own log line',
      ).toBe(true);
      return result;
    };
    const summaryOf = (result: InvocationResult) => {
      expect(result.outcome, JSON.stringify(result.error ?? result.logs.slice(-5))).toBe('response');
      return result.result as {
        appliances: { name: string; outcome: string; errorClass?: string }[];
        uncertainDatapoints?: number;
        publishError?: string;
      };
    };

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) {
        const sim = await startSimulator({ seed: 40 + i, initialCounters: 'zero' });
        sims.push(sim);
        secretIds.push(await createSecret(uniqueName(`netscaler/rt-${i + 1}`), applianceSecret(sim)));
      }
      proxy = await startFaultProxy(moto.endpoint, (operation, _call, body) => fault(operation, body));
      const table = uniqueName('mptcp-state');
      await createStateTable(table);
      namespace = uniqueName('Test/Runtime');
      asset = synthesizeCollectorAsset({
        config: { namespace, appliances: [{ name: 'placeholder', url: 'https://adc.example.net', secretId: 'netscaler/placeholder' }] },
      });
      runtime = await startLambdaRuntime({
        assetDir: asset.assetDir,
        handler: asset.handler,
        memorySize: asset.memorySize,
        nodeBinary: lambda.nodeBinary,
        environment: { ...asset.environment, ...motoEnvironment(proxy.endpoint), STATE_TABLE_NAME: table, AWS_MAX_ATTEMPTS: '2' },
      });
    }, 180_000);
    afterAll(async () => {
      await runtime?.stop();
      await proxy?.stop();
      await Promise.all(sims.map((sim) => sim.close()));
      asset?.dispose();
    });
    beforeEach(() => {
      suffix = uniqueName('t').slice(-8);
      testStart = new Date(Date.now() - 60_000);
      fault = () => undefined;
      for (const sim of sims) {
        sim.clearFaults();
        sim.clearRequests();
      }
    });

    it('publishes exact per-interval deltas, beyond 2^53 too, from one warm process with integer deadlines', async () => {
      sims[0]!.setCounter('mptcptotmpcapsession', 1000n);
      sims[0]!.setCounter('mptcperrbadcksum', '9007199254740993');
      expect(summaryOf(await invoke(0)).appliances).toEqual([expect.objectContaining({ outcome: 'ok' })]);
      sims[0]!.setCounter('mptcptotmpcapsession', 1250n);
      sims[0]!.setCounter('mptcperrbadcksum', '9007199254741000');
      const second = await invoke(0);
      summaryOf(second);
      expect(second.coldStart).toBe(false);
      expect(await sum('SessionsCreated')).toBe(250);
      expect(await sum('ChecksumErrors')).toBe(7);
      expect(await sum('CollectionSuccess')).toBe(2);
    });

    it('publishes the listed virtual servers by value, a removed one counted, the appliance unaffected', async () => {
      sims[1]!.setVirtualServer('lb', 'vs_web', { curmptcpsessions: '12', cursubflowconn: '30' });
      sims[1]!.setVirtualServer('cs', 'cs front#1', { curmptcpsessions: '4', cursubflowconn: '9' });
      const appliances = applianceList(1).map((a) => ({ ...a, virtualServers: ['lb/vs_web', 'cs/cs front#1', 'lb/vs_removed'] }));
      const result = await runtime.invoke({ appliances }, { timeoutMs: timeoutMs() });
      expect(summaryOf(result).appliances).toEqual([expect.objectContaining({ outcome: 'ok' })]);
      const perServer = (metric: string, server?: string) =>
        readMetricSum(namespace, metric, name(1), testStart, new Date(Date.now() + 60_000), server);
      expect(await perServer('VirtualServerMptcpSessions', 'lb/vs_web')).toBe(12);
      expect(await perServer('VirtualServerMptcpSubflows', 'lb/vs_web')).toBe(30);
      expect(await perServer('VirtualServerMptcpSessions', 'cs/cs front#1')).toBe(4);
      expect(await perServer('VirtualServerMptcpSubflows', 'cs/cs front#1')).toBe(9);
      expect(await perServer('VirtualServerErrors')).toBe(1);
      expect(result.logs.some((line) => line.includes('"level":"WARN"') && line.includes('lb/vs_removed') && line.includes('258'))).toBe(
        true,
      );
      expect(sims[1]!.requests().map((r) => r.path)).toContain('/nitro/v1/stat/csvserver/cs%20front%231');
    });

    it('runs invocation after invocation whatever whole number of milliseconds remains (regression: 4 in 5 failed)', async () => {
      const pid = runtime.pid;
      for (let i = 0; i < 6; i++) expect(summaryOf(await invoke(1)).appliances[0]?.outcome).toBe('ok');
      expect(runtime.pid).toBe(pid);
    });

    it('publishes no negative datapoint after a reboot and counts the reset', async () => {
      sims[0]!.advance(600);
      await invoke(0);
      sims[0]!.reboot();
      sims[0]!.advance(30);
      await invoke(0);
      for (const metric of ['SessionsCreated', 'SubflowsCreated']) expect((await values(metric)).every((v) => v >= 0)).toBe(true);
      expect(await sum('CounterResets')).toBeGreaterThan(0);
    });

    it('skips the HA secondary and collects the primary', async () => {
      sims[2]!.setHaState({ hacurstatus: 'YES', hacurmasterstate: 'Secondary' });
      try {
        expect(summaryOf(await invoke(2)).appliances[0]?.outcome).toBe('secondary-skipped');
        expect(await sum('SecondarySkipped', 2)).toBe(1);
      } finally {
        sims[2]!.setHaState({ hacurstatus: 'NO', hacurmasterstate: 'Primary' });
      }
    });

    it('picks up a rotated password in the warm process, and never logs it', async () => {
      const sim = sims[2]!;
      await invoke(2);
      const rotated = `rotated-${'ä密'.repeat(8)}-"quote"`;
      sim.setCredentials(sim.username, rotated);
      await updateSecret(secretIds[2]!, JSON.stringify({ username: sim.username, password: rotated, caCertificate: sim.caCertificate }));
      try {
        const result = await invoke(2);
        expect(summaryOf(result).appliances[0]?.outcome).toBe('ok');
        expect(runtime.logs.join('\n')).not.toContain('ä密ä密');
      } finally {
        sim.setCredentials(sim.username, DEFAULT_PASSWORD);
        await updateSecret(
          secretIds[2]!,
          JSON.stringify({ username: sim.username, password: DEFAULT_PASSWORD, caCertificate: sim.caCertificate }),
        );
      }
    });

    it('keeps one failing appliance from affecting the others', async () => {
      sims[1]!.injectFault({ kind: 'reset' }, { on: 'login' });
      const summary = summaryOf(await invoke(0, 1, 2));
      expect(summary.appliances.map((a) => [a.outcome, a.errorClass])).toEqual([
        ['ok', undefined],
        ['failed', 'transport-error'],
        ['ok', undefined],
      ]);
      expect(await values('CollectionSuccess', 1)).toEqual([0]);
    });

    it('loses no count when CloudWatch refuses a run: the next run publishes it with its own time', async () => {
      sims[0]!.setCounter('mptcptotmpcapsession', 10n);
      await invoke(0);
      sims[0]!.setCounter('mptcptotmpcapsession', 50n);
      fault = (operation) =>
        operation === 'PutMetricData' ? { status: 500, code: 'InternalServiceError', message: 'simulated' } : undefined;
      const refused = await invoke(0);
      expect(refused.outcome).toBe('error');
      expect(refused.error?.errorMessage).toContain('nothing could be published');
      fault = () => undefined;
      sims[0]!.setCounter('mptcptotmpcapsession', 53n);
      const next = await invoke(0);
      summaryOf(next);
      expect(next.logs.some((line) => line.includes('"replayedIntervals":1'))).toBe(true);
      expect(await sum('SessionsCreated')).toBe(43);
    });

    it('counts a PutMetricData whose answer was lost as uncertain, does not retry it, and publishes it again next run', async () => {
      sims[0]!.setCounter('mptcptotmpcapsession', 100n);
      await invoke(0);
      sims[0]!.setCounter('mptcptotmpcapsession', 120n);
      let calls = 0;
      fault = (operation) => (operation === 'PutMetricData' && ++calls === 1 ? { kind: 'answer-lost' } : undefined);
      const unanswered = await invoke(0);
      expect(calls).toBe(1);
      // Nothing was confirmed, so the run fails (CollectorErrors), after keeping the increases for the next run.
      expect(unanswered.outcome).toBe('error');
      expect(unanswered.logs.find((line) => line.includes('publishing to CloudWatch failed'))).toMatch(/"uncertainDatapoints":\d+/);
      fault = () => undefined;
      summaryOf(await invoke(0));
      // The counted window: CloudWatch had stored the unanswered call, so its 20 are there twice.
      expect(await sum('SessionsCreated')).toBe(40);
    });

    it('ends inside its budget with its own log line and health metrics when DynamoDB hangs', async () => {
      fault = (operation) => (operation === 'UpdateItem' ? { kind: 'hang' } : undefined);
      // 12,011 ms: a 5.5 s collection window, so each appliance's claim gives up after 5 s.
      const summary = summaryOf(await invokeWithin(12_011, 0, 1));
      expect(summary.appliances.map((a) => a.errorClass)).toEqual(['state-error', 'state-error']);
      expect(await values('CollectionSuccess', 1)).toEqual([0]);
    });
  });
});
