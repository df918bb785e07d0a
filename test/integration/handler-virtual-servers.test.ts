import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHandler } from '../../lambda/handler.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { createContainerMemory } from '../../lambda/pipeline/container-memory.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { countdownContext } from '../support/lambda-context.js';
import { describeWithMoto } from '../support/moto.js';
import { applianceSecret, createSecret, createStateTable, listMetrics, readMetricSum, uniqueName } from '../support/moto-aws.js';

describeWithMoto('per-virtual-server gauges end to end (simulated appliance, moto_server)', () => {
  let sim: Simulator;
  let secretId: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 31, initialCounters: 'zero' });
    secretId = await createSecret(uniqueName('netscaler/vs'), applianceSecret(sim));
  });
  afterAll(async () => sim.close());

  it('publishes sessions and subflows of each listed server with dimensions Appliance and VirtualServer, by value', async () => {
    const table = uniqueName('mptcp-state');
    const namespace = uniqueName('Test/MPTCP');
    const name = `adc-vs-${namespace.slice(-8)}`;
    await createStateTable(table);
    const testStart = new Date(Date.now() - 60_000);
    const memory = createContainerMemory();
    const handler = createHandler({
      env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace },
      memory,
      logger: createMemoryLogger('DEBUG', memory.redactor),
    });
    const appliances = [
      { name, url: sim.url, secretId, tlsServerName: sim.serverName, virtualServers: ['lb/vs_web', 'cs/cs front', 'lb/vs_gone'] },
    ];

    sim.setVirtualServer('lb', 'vs_web', { curmptcpsessions: '12', cursubflowconn: '30' });
    sim.setVirtualServer('cs', 'cs front', { curmptcpsessions: '4', cursubflowconn: '5' });
    const first = await handler({ appliances }, countdownContext(49_000));
    expect(first.appliances[0]).toMatchObject({ name, outcome: 'ok' });

    sim.setVirtualServer('lb', 'vs_web', { curmptcpsessions: '20', cursubflowconn: '41' });
    await handler({ appliances }, countdownContext(49_000));

    const sum = (metric: string, server?: string) =>
      readMetricSum(namespace, metric, name, testStart, new Date(Date.now() + 60_000), server);
    expect(await sum('VirtualServerMptcpSessions', 'lb/vs_web')).toBe(32);
    expect(await sum('VirtualServerMptcpSubflows', 'lb/vs_web')).toBe(71);
    expect(await sum('VirtualServerMptcpSessions', 'cs/cs front')).toBe(8);
    expect(await sum('VirtualServerMptcpSubflows', 'cs/cs front')).toBe(10);
    expect(await sum('VirtualServerMptcpSessions', 'lb/vs_gone')).toBeUndefined();
    expect(await sum('VirtualServerErrors')).toBe(2);
    expect(await sum('CollectionSuccess')).toBe(2);

    const perServer = (await listMetrics(namespace)).filter((m) => m.metricName.startsWith('VirtualServerMptcp'));
    // moto lists a metric once per datapoint: compare the distinct ones.
    const distinct = [...new Set(perServer.map((m) => JSON.stringify([m.metricName, ...m.dimensions.sort()])))].map(
      (text) => JSON.parse(text) as string[],
    );
    expect(distinct.sort()).toEqual(
      [
        ['VirtualServerMptcpSessions', `Appliance=${name}`, 'VirtualServer=cs/cs front'],
        ['VirtualServerMptcpSessions', `Appliance=${name}`, 'VirtualServer=lb/vs_web'],
        ['VirtualServerMptcpSubflows', `Appliance=${name}`, 'VirtualServer=cs/cs front'],
        ['VirtualServerMptcpSubflows', `Appliance=${name}`, 'VirtualServer=lb/vs_web'],
      ].sort(),
    );
  });
});
