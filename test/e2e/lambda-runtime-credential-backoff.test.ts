/**
 * No lockout across cold starts: the bundled function in AWS's runtime interface client, a NEW process for every
 * invocation (nothing cached in memory), Secrets Manager and the state table in moto_server, a simulated appliance
 * with a lockout policy. The rejection lives in the state item, so each new container obeys it.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { type CollectorAsset, synthesizeCollectorAsset } from '../support/collector-asset.js';
import { describeWithLambdaRuntime, type InvocationResult, startLambdaRuntime } from '../support/lambda-runtime.js';
import { describeWithMoto, motoEnvironment } from '../support/moto.js';
import { applianceSecret, createSecret, createStateTable, getStateItem, uniqueName, updateSecret } from '../support/moto-aws.js';

describeWithMoto('rejected credentials across cold starts, as Lambda runs the function', (moto) => {
  describeWithLambdaRuntime('a new runtime process per invocation', (lambda) => {
    let asset: CollectorAsset | undefined;
    let sim: Simulator;
    let secretId: string;
    let table: string;
    const appliance = 'rt-locked-adc';

    beforeAll(async () => {
      sim = await startSimulator({ seed: 77, lockout: { failures: 3, lockSeconds: 1800 } });
      secretId = await createSecret(
        uniqueName('netscaler/rt-locked'),
        JSON.stringify({ username: sim.username, password: 'wrong-Kx9-tide-0815', caCertificate: sim.caCertificate }),
      );
      table = uniqueName('mptcp-state');
      await createStateTable(table);
      asset = synthesizeCollectorAsset({
        config: {
          namespace: uniqueName('Test/Backoff'),
          appliances: [{ name: 'placeholder', url: 'https://adc.example.net', secretId: 'netscaler/placeholder' }],
        },
      });
    }, 180_000);
    afterAll(async () => {
      await sim?.close();
      asset?.dispose();
    });

    /** One invocation in a process of its own: a cold start, every time. */
    async function coldInvoke(): Promise<{
      result: InvocationResult;
      logins: number;
      appliance: { outcome: string; errorClass?: string; message?: string };
    }> {
      const runtime = await startLambdaRuntime({
        assetDir: asset!.assetDir,
        handler: asset!.handler,
        memorySize: asset!.memorySize,
        nodeBinary: lambda.nodeBinary,
        environment: { ...asset!.environment, ...motoEnvironment(moto.endpoint), STATE_TABLE_NAME: table },
      });
      const before = sim.requests().length;
      try {
        const result = await runtime.invoke(
          { appliances: [{ name: appliance, url: sim.url, secretId, tlsServerName: sim.serverName }] },
          { timeoutMs: 49_417 },
        );
        expect(result.coldStart).toBe(true);
        expect(result.outcome, JSON.stringify(result.error ?? result.logs.slice(-5))).toBe('response');
        const summary = result.result as { appliances: { outcome: string; errorClass?: string; message?: string }[] };
        const logins = sim
          .requests()
          .slice(before)
          .filter((r) => r.path.endsWith('/login')).length;
        return { result, logins, appliance: summary.appliances[0]! };
      } finally {
        await runtime.stop();
      }
    }

    it('logs in with a rejected secret version once, not again in the next cold starts, and at once with a corrected secret', async () => {
      const first = await coldInvoke();
      expect(first.logins).toBe(1);
      expect(first.appliance).toMatchObject({ outcome: 'failed', errorClass: 'bad-credentials' });
      const stored = (await getStateItem(table, appliance))?.['credentialRejection']?.M;
      expect(stored?.['rejections']?.N).toBe('1');
      const retryAt = Number(stored?.['retryAt']?.N);
      expect(retryAt - Number(stored?.['rejectedAt']?.N)).toBe(15 * 60_000);

      for (let i = 0; i < 3; i++) {
        const backingOff = await coldInvoke();
        expect(backingOff.logins, `cold start ${i + 2}`).toBe(0);
        expect(backingOff.appliance.errorClass).toBe('bad-credentials');
        // The result keeps the first 300 characters of a message: what happens next comes first.
        expect(backingOff.appliance.message).toMatch(
          new RegExp(
            `^${appliance}: not logging in before ${new Date(retryAt).toISOString().replace(/\./g, '\\.')} \\(in 1[45] min\\), or at once when secret \\S+ is updated \\(a new version\\)`,
          ),
        );
        expect(backingOff.appliance.message).toContain('rejected the username or password');
        expect(backingOff.appliance.message).not.toContain('LOCKED');
        expect(backingOff.result.logs.some((line) => line.includes('"CredentialsRejected"') || line.includes('bad-credentials'))).toBe(
          true,
        );
      }
      expect(sim.lockedUntil()).toBeUndefined();
      expect(sim.loginRefusals().failedLogins).toBe(1);

      // The backoff has passed (its retry time moved into the past): the same version is tried once more, and doubles.
      await new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1' }).send(
        new UpdateItemCommand({
          TableName: table,
          Key: { appliance: { S: appliance } },
          UpdateExpression: 'SET credentialRejection.retryAt = :past',
          ExpressionAttributeValues: { ':past': { N: String(Date.now() - 1000) } },
        }),
      );
      const retried = await coldInvoke();
      expect(retried.logins).toBe(1);
      expect((await getStateItem(table, appliance))?.['credentialRejection']?.M?.['rejections']?.N).toBe('2');
      expect((await coldInvoke()).logins).toBe(0);

      await updateSecret(secretId, applianceSecret(sim));
      const fixed = await coldInvoke();
      expect(fixed.logins).toBe(1);
      expect(fixed.appliance.outcome).toBe('ok');
      expect((await getStateItem(table, appliance))?.['credentialRejection']).toBeUndefined();
      expect(sim.loginRefusals()).toEqual({ failedLogins: 2, lockedRefusals: 0 });
    }, 300_000);
  });
});
