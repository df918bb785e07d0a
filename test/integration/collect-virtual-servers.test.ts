import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DryRunSink, InMemorySampleStore, StaticCredentialSource } from '../../cli/in-memory-edges.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import type { Datum } from '../../lambda/core/ports.js';
import { createMemoryLogger, Redactor } from '../../lambda/logger.js';
import { createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { runCollection } from '../../lambda/pipeline/run-collection.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';

let sim: Simulator;
let clock = 1_700_000_000_000;

beforeAll(async () => {
  sim = await startSimulator({ initialCounters: 'zero' });
});
afterAll(async () => sim.close());
afterEach(() => {
  expect(sim.openSessions()).toBe(0);
  expect(sim.requests().filter((r) => r.query !== '')).toEqual([]);
  sim.clearFaults();
  sim.clearRequests();
});

function run(virtualServers: string[]) {
  const redactor = new Redactor();
  const logger = createMemoryLogger('DEBUG', redactor);
  const credentials = new StaticCredentialSource(new Map([['secret/adc-1', { username: sim.username, password: sim.password }]]));
  const deps = {
    credentials,
    store: new InMemorySampleStore(),
    sink: new DryRunSink(),
    logger,
    memory: createContainerMemory({ redactor }),
    now: () => (clock += 60_000),
  };
  const appliance: ApplianceConfig = {
    name: 'adc-1',
    url: sim.url,
    secretId: 'secret/adc-1',
    caCertificate: sim.caCertificate,
    virtualServers,
  };
  // A one-shot container: its session is logged out when its run is over.
  const collected = runCollection(
    { appliances: [appliance], selection: resolveSelection('default'), concurrency: 1, remainingMs: 16_497 },
    deps,
  ).finally(() => endNitroSessions(deps.memory));
  return collected.then((result) => ({
    ...result,
    logger,
  }));
}

const gauges = (datums: readonly Datum[]) =>
  datums.filter((d) => d.virtualServer !== undefined).map((d) => [d.metricName, d.virtualServer, d.value] as const);
const applianceValue = (datums: readonly Datum[], metricName: string) =>
  datums.find((d) => d.metricName === metricName && d.virtualServer === undefined)?.value;

describe('per-virtual-server MPTCP gauges (pipeline against the simulator)', () => {
  it('publishes the listed servers only, by value, with one GET each in the same session', async () => {
    sim.setVirtualServer('lb', 'vs_web', { curmptcpsessions: 12, cursubflowconn: 30 });
    sim.setVirtualServer('cs', 'Front end#1', { curmptcpsessions: 7, cursubflowconn: 9 });
    sim.setVirtualServer('lb', 'vs_not_listed', { curmptcpsessions: 99, cursubflowconn: 99 });
    const { datums, summary } = await run(['lb/vs_web', 'cs/Front end#1']);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'ok' });
    expect(gauges(datums)).toEqual([
      ['VirtualServerMptcpSessions', 'lb/vs_web', 12],
      ['VirtualServerMptcpSubflows', 'lb/vs_web', 30],
      ['VirtualServerMptcpSessions', 'cs/Front end#1', 7],
      ['VirtualServerMptcpSubflows', 'cs/Front end#1', 9],
    ]);
    expect(applianceValue(datums, 'VirtualServerErrors')).toBe(0);
    const requests = sim.requests();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /nitro/v1/config/login',
      'GET /nitro/v1/stat/hanode',
      'GET /nitro/v1/stat/protocolmptcp',
      'GET /nitro/v1/stat/lbvserver/vs_web',
      'GET /nitro/v1/stat/csvserver/Front%20end%231',
      'POST /nitro/v1/config/logout',
    ]);
    expect(new Set(requests.map((r) => r.sessionTag)).size).toBe(1);
  });

  it('counts an unknown or vanished server (258) and logs it at WARN; the appliance and the other servers are published', async () => {
    sim.setVirtualServer('lb', 'vs_web', { curmptcpsessions: 5, cursubflowconn: 6 });
    sim.setVirtualServer('lb', 'vs_old', { curmptcpsessions: 1, cursubflowconn: 1 });
    sim.removeVirtualServer('lb', 'vs_old');
    const { datums, summary, logger } = await run(['lb/vs_old', 'lb/vs_web', 'cs/never_existed']);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'ok' });
    expect(applianceValue(datums, 'CollectionSuccess')).toBe(1);
    expect(applianceValue(datums, 'CurrentSessions')).toBe(0);
    expect(gauges(datums)).toEqual([
      ['VirtualServerMptcpSessions', 'lb/vs_web', 5],
      ['VirtualServerMptcpSubflows', 'lb/vs_web', 6],
    ]);
    expect(applianceValue(datums, 'VirtualServerErrors')).toBe(2);
    const warnings = logger.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'WARN' && l.virtualServer);
    expect(warnings.map((w) => [w.virtualServer, w.nitroErrorCode])).toEqual([
      ['lb/vs_old', 258],
      ['cs/never_existed', 258],
    ]);
    expect(warnings[0].message).toContain('no such virtual server');
    expect(logger.lines.some((l) => l.includes('"appliance collected with problems"') && l.includes('"virtualServerErrors":2'))).toBe(true);
  });

  it('keeps a server the command policy does not allow a per-server problem, naming the command', async () => {
    sim.setVirtualServer('lb', 'vs_web', { curmptcpsessions: 3, cursubflowconn: 4 });
    sim.setVirtualServer('cs', 'vs_cs', { curmptcpsessions: 8, cursubflowconn: 8 });
    sim.injectFault({ kind: 'not-authorized' }, { on: 'vserver' });
    const { datums, summary, logger } = await run(['cs/vs_cs', 'lb/vs_web']);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'ok' });
    expect(gauges(datums).map(([, server]) => server)).toEqual(['lb/vs_web', 'lb/vs_web']);
    expect(applianceValue(datums, 'VirtualServerErrors')).toBe(1);
    expect(logger.lines.some((l) => l.includes('stat cs vserver') && l.includes('"level":"WARN"'))).toBe(true);
  });

  it('stops asking after the connection broke, still publishes the appliance and logs out', async () => {
    sim.setVirtualServer('lb', 'a', { curmptcpsessions: 1, cursubflowconn: 1 });
    sim.setVirtualServer('lb', 'b', { curmptcpsessions: 2, cursubflowconn: 2 });
    sim.injectFault({ kind: 'reset' }, { on: 'vserver' });
    const { datums, summary } = await run(['lb/a', 'lb/b']);
    expect(summary.appliances[0]).toMatchObject({ outcome: 'ok' });
    expect(gauges(datums)).toEqual([]);
    expect(applianceValue(datums, 'VirtualServerErrors')).toBe(2);
    expect(sim.requests().filter((r) => r.path.includes('vserver'))).toHaveLength(1);
  });

  it('publishes nothing per server and no VirtualServerErrors for an appliance that lists none', async () => {
    const { datums } = await run([]);
    expect(gauges(datums)).toEqual([]);
    expect(applianceValue(datums, 'VirtualServerErrors')).toBeUndefined();
    expect(sim.requests().some((r) => r.path.includes('vserver'))).toBe(false);
  });
});
