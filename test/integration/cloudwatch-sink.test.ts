import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, PutMetricDataCommand, type PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createCloudWatchClient } from '../../lambda/aws/clients.js';
import { CloudWatchMetricSink } from '../../lambda/aws/cloudwatch-sink.js';
import type { Datum, PublishReport } from '../../lambda/core/ports.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { describeWithMoto, type MotoContext } from '../support/moto.js';
import { listMetrics, listMetricValues, readMetricSum, uniqueName } from '../support/moto-aws.js';

/** A client for the environment's endpoint that records every PutMetricData input it sends. */
function recordingClient(): { client: CloudWatchClient; inputs: PutMetricDataCommandInput[] } {
  const client = createCloudWatchClient();
  const inputs: PutMetricDataCommandInput[] = [];
  client.middlewareStack.add(
    (next) => (args) => {
      inputs.push(args.input as PutMetricDataCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordPutMetricData' },
  );
  return { client, inputs };
}

// Whole seconds, some minutes ago: moto's one-second buckets then hold exactly one value each.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
const WINDOW_START = new Date(BASE - 60_000);
const WINDOW_END = new Date(BASE + 60 * 60_000);

/** How many datums ended in each outcome, and the calls made. */
function tally(report: PublishReport): Record<string, number> {
  const counts: Record<string, number> = { calls: report.calls, failedCalls: report.failedCalls };
  for (const outcome of report.outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

function datum(overrides: Partial<Datum> = {}): Datum {
  return { metricName: 'SessionsCreated', appliance: 'ns-01', value: 1, unit: 'Count', timestamp: BASE, ...overrides };
}

describeWithMoto('CloudWatchMetricSink against moto', (moto: MotoContext) => {
  it('publishes each datum with the Appliance dimension, its time and its value', async () => {
    const namespace = uniqueName('Test/Publish');
    const sink = new CloudWatchMetricSink({ namespace, client: createCloudWatchClient() });

    const result = await sink.publish([
      datum({ appliance: 'ns-a', value: 5, timestamp: BASE }),
      datum({ appliance: 'ns-a', value: 7, timestamp: BASE + 60_000 }),
      datum({ appliance: 'ns-b', value: 11, timestamp: BASE }),
      datum({ metricName: 'CurrentSessions', appliance: 'ns-a', value: 1234.5, unit: 'None', timestamp: BASE }),
    ]);

    expect(result).toEqual({
      outcomes: ['published', 'published', 'published', 'published'],
      calls: 1,
      failedCalls: 0,
      errors: [],
      rejected: [],
    });
    expect(await listMetricValues(namespace, 'SessionsCreated', 'ns-a', WINDOW_START, WINDOW_END)).toEqual([
      { timestamp: new Date(BASE), value: 5 },
      { timestamp: new Date(BASE + 60_000), value: 7 },
    ]);
    expect(await listMetricValues(namespace, 'SessionsCreated', 'ns-b', WINDOW_START, WINDOW_END)).toEqual([
      { timestamp: new Date(BASE), value: 11 },
    ]);
    expect(await readMetricSum(namespace, 'CurrentSessions', 'ns-a', WINDOW_START, WINDOW_END)).toBe(1234.5);
    const metrics = await listMetrics(namespace);
    expect(metrics).toHaveLength(3);
    for (const metric of metrics) expect(metric.dimensions).toEqual([expect.stringMatching(/^Appliance=ns-[ab]$/)]);
  });

  it('sends unit and standard storage resolution by default, high resolution when asked', async () => {
    const namespace = uniqueName('Test/Resolution');
    const standard = recordingClient();
    const high = recordingClient();

    await new CloudWatchMetricSink({ namespace, client: standard.client }).publish([datum({ unit: 'Count/Second' })]);
    await new CloudWatchMetricSink({ namespace, client: high.client, storageResolution: 1 }).publish([datum({ unit: 'Milliseconds' })]);

    expect(standard.inputs[0]?.MetricData?.[0]).toMatchObject({ Unit: 'Count/Second', StorageResolution: 60 });
    expect(high.inputs[0]?.MetricData?.[0]).toMatchObject({ Unit: 'Milliseconds', StorageResolution: 1 });
    expect(high.inputs[0]?.Namespace).toBe(namespace);
  });

  it('publishes 2500 datums in 3 calls, and CloudWatch holds them all', async () => {
    const namespace = uniqueName('Test/Batches');
    const { client, inputs } = recordingClient();
    const appliances = ['ns-1', 'ns-2', 'ns-3', 'ns-4', 'ns-5'];
    const datums = Array.from({ length: 2500 }, (_, index) =>
      datum({ appliance: appliances[index % 5]!, value: index, timestamp: BASE + Math.floor(index / 5) * 1000 }),
    );

    const result = await new CloudWatchMetricSink({ namespace, client }).publish(datums);

    expect(tally(result)).toEqual({ published: 2500, calls: 3, failedCalls: 0 });
    expect(inputs.map((input) => input.MetricData?.length)).toEqual([1000, 1000, 500]);
    for (const [position, appliance] of appliances.entries()) {
      const expected = datums.filter((_, index) => index % 5 === position).reduce((total, d) => total + d.value, 0);
      expect(await readMetricSum(namespace, 'SessionsCreated', appliance, WINDOW_START, WINDOW_END)).toBe(expected);
    }
  });

  it('drops a datum CloudWatch must not get, reports it, and publishes the others', async () => {
    const namespace = uniqueName('Test/Rejected');
    const { client, inputs } = recordingClient();
    const now = BASE + 60_000;
    const sink = new CloudWatchMetricSink({ namespace, client, now: () => now });

    const result = await sink.publish([
      datum({ appliance: 'good', value: 3 }),
      datum({ metricName: 'A', appliance: 'nan', value: Number.NaN }),
      datum({ metricName: 'B', appliance: 'inf', value: Number.POSITIVE_INFINITY }),
      datum({ metricName: 'C', appliance: 'neg-inf', value: Number.NEGATIVE_INFINITY, unit: 'None' }),
      datum({ metricName: 'D', appliance: 'negative-count', value: -1, unit: 'Count' }),
      datum({ metricName: 'E', appliance: 'negative-rate', value: -0.5, unit: 'Count/Second' }),
      datum({ metricName: 'F', appliance: 'negative-duration', value: -2, unit: 'Milliseconds' }),
      datum({ metricName: 'G', appliance: 'huge', value: 2 ** 361 }),
      datum({ metricName: '', appliance: 'no-name' }),
      datum({ metricName: 'H', appliance: '' }),
      datum({ metricName: 'I', appliance: 'x'.repeat(1025) }),
      datum({ metricName: 'J', appliance: 'old', timestamp: now - 15 * 24 * 3600_000 }),
      datum({ metricName: 'K', appliance: 'future', timestamp: now + 3 * 3600_000 }),
      datum({ metricName: 'L', appliance: 'no-time', timestamp: Number.NaN }),
      datum({ appliance: 'good', value: 4, timestamp: BASE + 1000 }),
      datum({ metricName: 'Gauge', appliance: 'good', value: -3, unit: 'None' }),
    ]);

    expect(tally(result)).toEqual({ published: 3, rejected: 13, calls: 1, failedCalls: 0 });
    expect(result.outcomes[0]).toBe('published');
    expect(result.outcomes[1]).toBe('rejected');
    expect(inputs[0]?.MetricData).toHaveLength(3);
    expect(result.rejected.map((r) => `${r.metricName}@${r.appliance}`)).toEqual([
      'A@nan',
      'B@inf',
      'C@neg-inf',
      'D@negative-count',
      'E@negative-rate',
      'F@negative-duration',
      'G@huge',
      '@no-name',
      'H@',
      `I@${'x'.repeat(1025)}`,
      'J@old',
      'K@future',
      'L@no-time',
    ]);
    expect(result.rejected[0]?.reason).toBe('value is NaN');
    expect(result.rejected[1]?.reason).toBe('value is Infinity');
    expect(result.rejected[3]?.reason).toBe('value -1 is negative for unit Count');
    expect(result.rejected[11]?.reason).toMatch(/more than two hours ahead/);
    expect(await readMetricSum(namespace, 'SessionsCreated', 'good', WINDOW_START, WINDOW_END)).toBe(7);
    expect(await readMetricSum(namespace, 'Gauge', 'good', WINDOW_START, WINDOW_END)).toBe(-3);
  });

  it('makes no call when there is nothing to publish', async () => {
    const { client, inputs } = recordingClient();
    const sink = new CloudWatchMetricSink({ namespace: uniqueName('Test/Empty'), client });

    expect(await sink.publish([])).toEqual({ outcomes: [], calls: 0, failedCalls: 0, errors: [], rejected: [] });
    expect(await sink.publish([datum({ value: Number.NaN })])).toMatchObject({ outcomes: ['rejected'], calls: 0 });
    expect(inputs).toHaveLength(0);
  });

  // moto never throttles: a proxy in front of it answers the first PutMetricData with Throttling, so that the
  // SDK's own retry strategy (configured in clients.ts) is what publishes the data.
  it('retries a throttled call and publishes', async () => {
    const namespace = uniqueName('Test/Throttled');
    const proxy = await startFaultProxy(moto.endpoint, (operation, call) =>
      operation === 'PutMetricData' && call === 1 ? { status: 400, code: 'Throttling', message: 'Rate exceeded' } : undefined,
    );
    try {
      const result = await withEndpoint(proxy.endpoint, () =>
        new CloudWatchMetricSink({ namespace, client: createCloudWatchClient() }).publish([datum({ value: 42 })]),
      );

      expect(tally(result)).toEqual({ published: 1, calls: 1, failedCalls: 0 });
      expect(proxy.operations).toEqual(['PutMetricData', 'PutMetricData']);
      expect(await readMetricSum(namespace, 'SessionsCreated', 'ns-01', WINDOW_START, WINDOW_END)).toBe(42);
    } finally {
      await proxy.stop();
    }
  });

  it('reports throttling that outlasts the retries as failed (CloudWatch answered: nothing was stored)', async () => {
    const namespace = uniqueName('Test/AlwaysThrottled');
    const proxy = await startFaultProxy(moto.endpoint, (operation) =>
      operation === 'PutMetricData' ? { status: 400, code: 'Throttling', message: 'Rate exceeded' } : undefined,
    );
    try {
      const report = await withEndpoint(proxy.endpoint, () =>
        new CloudWatchMetricSink({ namespace, client: createCloudWatchClient({ maxAttempts: 2 }) }).publish([
          datum(),
          datum({ timestamp: BASE + 1000 }),
        ]),
      );

      expect(tally(report)).toEqual({ failed: 2, calls: 1, failedCalls: 1 });
      expect(report.errors).toEqual([expect.stringContaining('Throttling: Rate exceeded')]);
      expect(proxy.operations).toEqual(['PutMetricData', 'PutMetricData']);
    } finally {
      await proxy.stop();
    }
  });

  it('never retries a call that got no answer, and reports it as uncertain: CloudWatch may have stored it', async () => {
    const namespace = uniqueName('Test/AnswerLost');
    const proxy = await startFaultProxy(moto.endpoint, (operation, call) =>
      operation === 'PutMetricData' && call === 1 ? { kind: 'answer-lost' } : undefined,
    );
    try {
      const report = await withEndpoint(proxy.endpoint, () =>
        new CloudWatchMetricSink({ namespace, client: createCloudWatchClient() }).publish([datum({ value: 9 })]),
      );

      expect(tally(report)).toEqual({ uncertain: 1, calls: 1, failedCalls: 1 });
      // One request only: a retry would have stored the datapoint twice.
      expect(proxy.operations).toEqual(['PutMetricData']);
      expect(proxy.applied.map((call) => call.answerLost)).toEqual([true]);
      expect(await readMetricSum(namespace, 'SessionsCreated', 'ns-01', WINDOW_START, WINDOW_END)).toBe(9);
    } finally {
      await proxy.stop();
    }
  });

  it('reports a call whose answer was cut after its 2xx status as uncertain, and never retries it: CloudWatch had stored it', async () => {
    const namespace = uniqueName('Test/AnswerCut');
    const proxy = await startFaultProxy(moto.endpoint, (operation, call) =>
      operation === 'PutMetricData' && call === 1 ? { kind: 'answer-cut' } : undefined,
    );
    try {
      const report = await withEndpoint(proxy.endpoint, () =>
        new CloudWatchMetricSink({ namespace, client: createCloudWatchClient({ maxAttempts: 3 }) }).publish([datum({ value: 9 })]),
      );

      // Not 'failed' (the next run would publish it once more, counted twice without a count of it), and no retry
      // (it would have stored the datapoint a second time).
      expect(tally(report)).toEqual({ uncertain: 1, calls: 1, failedCalls: 1 });
      expect(proxy.operations).toEqual(['PutMetricData']);
      expect(await readMetricSum(namespace, 'SessionsCreated', 'ns-01', WINDOW_START, WINDOW_END)).toBe(9);
    } finally {
      await proxy.stop();
    }
  });

  it('reports a call whose 2xx answer was still coming at the publishing deadline as uncertain, without a retry', async () => {
    let calls = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.once('end', () => {
        calls++;
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '64' });
        response.write('{');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const report = await withEndpoint(endpoint, () =>
        new CloudWatchMetricSink({ namespace: uniqueName('Test/SlowAnswer'), client: createCloudWatchClient({ maxAttempts: 3 }) }).publish(
          [datum()],
          {
            signal: AbortSignal.timeout(300),
          },
        ),
      );
      expect(tally(report)).toEqual({ uncertain: 1, calls: 1, failedCalls: 1 });
      expect(calls).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ends a hung call at the publishing deadline, as uncertain, without a retry', async () => {
    const proxy = await startFaultProxy(moto.endpoint, () => ({ kind: 'hang' }));
    try {
      const started = Date.now();
      const report = await withEndpoint(proxy.endpoint, () =>
        new CloudWatchMetricSink({ namespace: uniqueName('Test/Hung'), client: createCloudWatchClient() }).publish([datum()], {
          signal: AbortSignal.timeout(400),
        }),
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(tally(report)).toEqual({ uncertain: 1, calls: 1, failedCalls: 1 });
      expect(proxy.operations).toEqual(['PutMetricData']);
    } finally {
      await proxy.stop();
    }
  });

  it('reports a refused connection as failed (nothing can have been stored), and sends nothing once the deadline has passed', async () => {
    const refused = new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client: createCloudWatchClient({ maxAttempts: 1 }) });
    const report = await withEndpoint('http://127.0.0.1:1', () => refused.publish([datum()]));
    expect(tally(report)).toEqual({ failed: 1, calls: 1, failedCalls: 1 });
    expect(report.errors[0]).toContain('ECONNREFUSED');

    const { client, inputs } = recordingClient();
    const late = await new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client }).publish([datum()], {
      signal: AbortSignal.abort(),
    });
    expect(tally(late)).toEqual({ failed: 1, calls: 0, failedCalls: 1 });
    expect(inputs).toHaveLength(0);
  });
});

/** Runs `work` with AWS_ENDPOINT_URL set to `endpoint` (the SDK reads it at a client's first call). */
async function withEndpoint<T>(endpoint: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env['AWS_ENDPOINT_URL'];
  process.env['AWS_ENDPOINT_URL'] = endpoint;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env['AWS_ENDPOINT_URL'];
    else process.env['AWS_ENDPOINT_URL'] = saved;
  }
}

// moto accepts every PutMetricData: failures are simulated.
describe('CloudWatchMetricSink failures moto cannot produce', () => {
  function awsError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
  }

  function mockedClient() {
    const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    return { client, mock: mockClient(client) };
  }

  const datums = Array.from({ length: 2500 }, (_, index) => datum({ value: index, timestamp: Date.now() - 60_000 }));

  it('still sends the other batches when one fails, and tells which datums were not stored', async () => {
    const { client, mock } = mockedClient();
    mock.on(PutMetricDataCommand).resolvesOnce({}).rejectsOnce(awsError('InternalServiceError', 'Internal failure')).resolvesOnce({});

    const report = await new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client }).publish(datums);

    expect(mock.commandCalls(PutMetricDataCommand)).toHaveLength(3);
    expect(tally(report)).toEqual({ published: 1500, failed: 1000, calls: 3, failedCalls: 1 });
    expect(report.outcomes.slice(999, 1001)).toEqual(['published', 'failed']);
    expect(report.outcomes.slice(1999, 2001)).toEqual(['failed', 'published']);
    expect(report.errors).toEqual(['InternalServiceError: Internal failure']);
  });

  it('reports access denied with the service error, nothing published', async () => {
    const { client, mock } = mockedClient();
    mock
      .on(PutMetricDataCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:sts::123456789012:assumed-role/collector is not authorized to perform: cloudwatch:PutMetricData',
        ),
      );

    const report = await new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client }).publish(datums.slice(0, 10));

    expect(tally(report)).toEqual({ failed: 10, calls: 1, failedCalls: 1 });
    expect(report.errors).toEqual([
      expect.stringMatching(/^AccessDenied: User: .* is not authorized to perform: cloudwatch:PutMetricData$/),
    ]);
  });

  it('keeps the rejected datums in the report when the calls fail too', async () => {
    const { client, mock } = mockedClient();
    mock.on(PutMetricDataCommand).rejects(awsError('AccessDenied', 'denied'));

    const report = await new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client }).publish([
      datum({ timestamp: Date.now() }),
      datum({ appliance: 'bad', value: Number.NaN, timestamp: Date.now() }),
    ]);

    expect(report.outcomes).toEqual(['failed', 'rejected']);
    expect(report.rejected).toEqual([{ metricName: 'SessionsCreated', appliance: 'bad', reason: 'value is NaN' }]);
  });

  it('sends at most 4 calls at once by default', async () => {
    const { client, mock } = mockedClient();
    let inFlight = 0;
    let mostInFlight = 0;
    mock.on(PutMetricDataCommand).callsFake(async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return {};
    });
    const many = Array.from({ length: 9500 }, (_, index) => datum({ value: index, timestamp: Date.now() }));

    expect(tally(await new CloudWatchMetricSink({ namespace: 'NetScaler/MPTCP', client }).publish(many))).toEqual({
      published: 9500,
      calls: 10,
      failedCalls: 0,
    });
    expect(mostInFlight).toBe(4);
  });

  it('refuses an unusable namespace or storage resolution', () => {
    const client = new CloudWatchClient({ region: 'us-east-1' });
    expect(() => new CloudWatchMetricSink({ namespace: '', client })).toThrow(/namespace/);
    expect(() => new CloudWatchMetricSink({ namespace: 'AWS/EC2', client })).toThrow(/AWS\//);
    expect(() => new CloudWatchMetricSink({ namespace: 'n'.repeat(256), client })).toThrow(/namespace/);
    expect(() => new CloudWatchMetricSink({ namespace: 'ok', client, storageResolution: 5 as 60 })).toThrow(/1 or 60/);
  });
});
