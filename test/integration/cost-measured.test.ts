import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../lambda/handler.js';
import { createMemoryLogger } from '../../lambda/logger.js';
import { type ContainerMemory, createContainerMemory, endNitroSessions } from '../../lambda/pipeline/container-memory.js';
import { estimate, quietApplianceSeries } from '../../scripts/cost-estimate.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { countdownContext } from '../support/lambda-context.js';
import { describeWithMoto } from '../support/moto.js';
import { applianceSecret, createSecret, createStateTable, listMetrics, uniqueName } from '../support/moto-aws.js';
import { manyAppliances, resourcesOf, synthConfig } from '../support/synth-config.js';

/**
 * docs/cost.md prices the series a quiet, healthy appliance publishes. This measures them: the real handler
 * collects a quiet simulated appliance (traffic moving, no problem counter) on the newest firmware for a few runs
 * into moto, and the series moto holds for it are exactly the ones the cost estimate counts.
 */
describeWithMoto('what a quiet appliance really publishes (the cost estimate, measured)', () => {
  let sim: Simulator;
  let secretId: string;
  let memory: ContainerMemory;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, quiet: true, firmware: '14.1' });
    secretId = await createSecret(uniqueName('netscaler/quiet'), applianceSecret(sim));
  });
  afterAll(async () => sim.close());
  afterEach(async () => endNitroSessions(memory));

  for (const spec of ['default', 'all', 'everything']) {
    it(`publishes exactly the ${spec === 'everything' ? '' : 'priced '}series of "${spec}" over four runs, one a minute`, async () => {
      const table = uniqueName('mptcp-state');
      const namespace = uniqueName('Test/Cost');
      await createStateTable(table);
      memory = createContainerMemory();
      const logger = createMemoryLogger('DEBUG', memory.redactor);
      const handler = createHandler({ env: { STATE_TABLE_NAME: table, METRIC_NAMESPACE: namespace, COUNTERS: spec }, logger, memory });
      const name = `quiet-${spec}`;
      const appliance = { name, url: sim.url, secretId, tlsServerName: sim.serverName };
      for (let run = 0; run < 4; run++) {
        if (run > 0) sim.advance(60);
        const summary = await handler({ appliances: [appliance] }, countdownContext(49_000));
        expect(summary.appliances[0]?.outcome).toBe('ok');
      }
      const published = (await listMetrics(namespace)).filter((m) => m.dimensions.includes(`Appliance=${name}`)).map((m) => m.metricName);
      const expected = quietApplianceSeries(spec);
      expect([...published].sort()).toEqual([...expected].sort());
      expect(estimate(spec).metrics).toBe(published.length);
      process.stdout.write(`[cost] ${spec}: ${published.length} series measured on a quiet appliance, ${expected.length} priced\n`);
    });
  }
});

interface AlarmProperties {
  readonly Dimensions?: { Name: string; Value: string }[];
  readonly Metrics?: {
    Expression?: string;
    MetricStat?: { Metric: { MetricName: string; Dimensions?: { Name: string; Value: string }[] } };
  }[];
}

/** The appliance alarm metrics the cost estimate prices are the ones the synthesized template holds. */
describe('the alarms the cost estimate prices, in the synthesized template', () => {
  for (const spec of ['default', 'all']) {
    it(`holds, for 10 appliances with "${spec}", the per-appliance alarm metrics, composites and fleet alarms the estimate counts`, () => {
      const appliances = manyAppliances(10);
      const { template } = synthConfig({ appliances, counters: spec });
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((r) => r['Properties'] as AlarmProperties);
      const applianceOf = (props: AlarmProperties): string | undefined =>
        [...(props.Dimensions ?? []), ...(props.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric.Dimensions ?? [])].find(
          (d) => d.Name === 'Appliance',
        )?.Value;
      const first = appliances[0]!.name;
      const ownAlarms = alarms.filter((props) => applianceOf(props) === first);
      // A plain alarm uses one metric; an anomaly band its metric and the band's two bounds (the estimate's pricing).
      const metricsUsed = ownAlarms.reduce((sum, props) => {
        const stats = (props.Metrics ?? []).filter((m) => m.MetricStat).length || 1;
        const band = (props.Metrics ?? []).some((m) => m.Expression?.startsWith('ANOMALY_DETECTION_BAND'));
        return sum + stats + (band ? 2 : 0);
      }, 0);
      const estimated = estimate(spec);
      expect(ownAlarms).toHaveLength(estimated.alarms + estimated.anomalyAlarms);
      expect(metricsUsed).toBe(estimated.alarmMetrics + estimated.anomalyAlarmMetrics);
      const fleet = alarms.filter((props) => (props.Metrics ?? []).some((m) => m.Expression?.startsWith('SELECT ')));
      expect(fleet).toHaveLength(estimated.fleetAlarms);
      // One Incident composite per appliance, plus the collector's CollectorFailing.
      expect(Object.keys(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'))).toHaveLength(appliances.length + 1);
    });
  }
});
