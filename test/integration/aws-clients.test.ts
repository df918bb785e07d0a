import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAwsClients,
  createCloudWatchClient,
  createDynamoDbClient,
  createSecretsManagerClient,
  DEFAULT_CLOUDWATCH_MAX_ATTEMPTS,
  DEFAULT_MAX_ATTEMPTS,
} from '../../lambda/aws/clients.js';
import { describeWithMoto } from '../support/moto.js';
import { createSecret, createStateTable, uniqueName } from '../support/moto-aws.js';

describeWithMoto('AWS clients against moto', () => {
  it('reach the endpoint in AWS_ENDPOINT_URL, for all three services', async () => {
    const secretName = uniqueName('reachable');
    const tableName = uniqueName('reachable');
    await createSecret(secretName, '{}');
    await createStateTable(tableName);
    const clients = createAwsClients();

    const secrets = await clients.secretsManager.send(new ListSecretsCommand({}));
    const tables = await clients.dynamoDb.send(new ListTablesCommand({}));
    const metrics = await clients.cloudWatch.send(new ListMetricsCommand({}));

    expect(secrets.SecretList?.map((secret) => secret.Name)).toContain(secretName);
    expect(tables.TableNames).toContain(tableName);
    expect(metrics.$metadata.httpStatusCode).toBe(200);
  });
});

/** Environment variables changed by a test, restored after it. */
const savedEnvironment = new Map<string, string | undefined>();
function setEnvironment(name: string, value: string | undefined): void {
  if (!savedEnvironment.has(name)) savedEnvironment.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedEnvironment.clear();
});

/** A loopback HTTP server that records requests and answers `{}`, or never answers when `hang` is set. */
async function startRecorder(options: { hang?: boolean } = {}) {
  const requests: { headers: IncomingHttpHeaders; bytes: number }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.once('end', () => {
      requests.push({ headers: request.headers, bytes });
      if (options.hang) return;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function useLocalEndpoint(endpoint: string): void {
  setEnvironment('AWS_ENDPOINT_URL', endpoint);
  setEnvironment('AWS_REGION', 'us-east-1');
  setEnvironment('AWS_ACCESS_KEY_ID', 'testing');
  setEnvironment('AWS_SECRET_ACCESS_KEY', 'testing');
  setEnvironment('AWS_SESSION_TOKEN', undefined);
  setEnvironment('AWS_MAX_ATTEMPTS', undefined);
}

const manyDatums = Array.from({ length: 200 }, (_, index) => ({
  MetricName: 'SessionsCreated',
  Dimensions: [{ Name: 'Appliance', Value: `ns-${index}` }],
  Value: index,
}));

describe('AWS clients configuration', () => {
  it('gzips a large PutMetricData by default (the SDK default), and not with AWS_DISABLE_REQUEST_COMPRESSION=true', async () => {
    const recorder = await startRecorder();
    try {
      useLocalEndpoint(recorder.endpoint);
      setEnvironment('AWS_DISABLE_REQUEST_COMPRESSION', undefined);
      await createCloudWatchClient().send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: manyDatums }));
      setEnvironment('AWS_DISABLE_REQUEST_COMPRESSION', 'true');
      await createCloudWatchClient().send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: manyDatums }));

      expect(recorder.requests.map((request) => request.headers['content-encoding'])).toEqual(['gzip', undefined]);
      expect(recorder.requests[0]!.bytes).toBeLessThan(recorder.requests[1]!.bytes);
    } finally {
      await recorder.stop();
    }
  });

  it('gives up on a request that gets no answer; retries it for idempotent calls, never for PutMetricData', async () => {
    const recorder = await startRecorder({ hang: true });
    try {
      useLocalEndpoint(recorder.endpoint);
      const dynamoDb = createDynamoDbClient({ requestTimeoutMs: 200, maxAttempts: 2 });
      expect(await dynamoDb.send(new ListTablesCommand({})).catch((rejection: unknown) => rejection)).toMatchObject({
        name: 'TimeoutError',
      });
      // A timeout is retried like any transient failure...
      expect(recorder.requests).toHaveLength(2);

      const cloudWatch = createCloudWatchClient({ requestTimeoutMs: 200, maxAttempts: 2 });
      const error = await cloudWatch
        .send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: manyDatums.slice(0, 1) }))
        .catch((rejection: unknown) => rejection);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      // ...except PutMetricData: CloudWatch may have stored the first one, and a retry would store it twice.
      expect(recorder.requests).toHaveLength(3);
    } finally {
      await recorder.stop();
    }
  });

  it('takes the region from AWS_REGION', async () => {
    setEnvironment('AWS_REGION', 'eu-central-2');
    expect(await createCloudWatchClient().config.region()).toBe('eu-central-2');
    expect(await createDynamoDbClient({ region: 'ap-south-1' }).config.region()).toBe('ap-south-1');
  });

  it('retries in standard mode: 3 attempts, 5 for CloudWatch, AWS_MAX_ATTEMPTS or a setting when given', async () => {
    setEnvironment('AWS_MAX_ATTEMPTS', undefined);
    const maxAttempts = async (client: { config: { maxAttempts: unknown } }) => (client.config.maxAttempts as () => Promise<number>)();
    expect(await maxAttempts(createSecretsManagerClient())).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(await maxAttempts(createDynamoDbClient())).toBe(3);
    expect(await maxAttempts(createCloudWatchClient())).toBe(DEFAULT_CLOUDWATCH_MAX_ATTEMPTS);
    expect(DEFAULT_CLOUDWATCH_MAX_ATTEMPTS).toBe(5);
    expect(await maxAttempts(createCloudWatchClient({ maxAttempts: 7 }))).toBe(7);
    setEnvironment('AWS_MAX_ATTEMPTS', '2');
    expect(await maxAttempts(createCloudWatchClient())).toBe(2);
    const strategy = await (createDynamoDbClient().config.retryStrategy as () => Promise<{ mode: string }>)();
    expect(strategy.mode).toBe('standard');
  });
});
