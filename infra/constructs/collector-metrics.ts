import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { VIRTUAL_SERVER_DIMENSION } from '../../lambda/catalog/virtual-server-metrics.js';
import { APPLIANCE_DIMENSION } from '../../lambda/metrics/health.js';

export type Statistic = 'Sum' | 'Maximum' | 'Minimum' | 'Average';

/**
 * The collector's metrics as CloudWatch objects: one metric of one appliance, a sum of several (metric math:
 * SUM skips series without a datapoint, where `m0 + m1` would return nothing), or every appliance at once
 * (a SEARCH expression, for dashboards only: alarms cannot use SEARCH).
 */
export class CollectorMetrics {
  constructor(readonly namespace: string) {}

  metric(metricName: string, appliance: string, statistic: Statistic, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { [APPLIANCE_DIMENSION]: appliance },
      statistic,
      period,
      ...(label === undefined ? {} : { label }),
    });
  }

  /**
   * One metric, or the SUM of several (labelled `label`), for an alarm or a graph. A single metric stays a plain
   * metric (a label would turn its alarm into a metric-math alarm). `idPrefix` names the summed metrics (an
   * anomaly band wraps the sum as `m0`, so it needs another prefix).
   */
  sum(
    metricNames: readonly string[],
    appliance: string,
    statistic: Statistic,
    period: Duration,
    label: string,
    idPrefix = 'm',
  ): cloudwatch.IMetric {
    if (metricNames.length === 1) return this.metric(metricNames[0]!, appliance, statistic, period);
    const usingMetrics = Object.fromEntries(
      metricNames.map((name, index) => [`${idPrefix}${index}`, this.metric(name, appliance, statistic, period)]),
    );
    return new cloudwatch.MathExpression({
      expression: `SUM([${Object.keys(usingMetrics).join(',')}])`,
      usingMetrics,
      period,
      label,
    });
  }

  /**
   * A metric of the zero policy (a counter, a rollup, a health metric other than CollectionSuccess) for a graph:
   * its missing datapoints, which mean 0, drawn as 0 (FILL) so that a quiet hour is a flat line, not a gap.
   */
  zeroFilled(
    metricName: string,
    appliance: string,
    statistic: Statistic,
    period: Duration,
    label: string = metricName,
  ): cloudwatch.MathExpression {
    // One id per metric name: a graph may fill several, and CloudWatch wants ids unique within a widget.
    const id = `m${metricName}`;
    return new cloudwatch.MathExpression({
      expression: `FILL(${id}, 0)`,
      usingMetrics: { [id]: this.metric(metricName, appliance, statistic, period) },
      period,
      label,
    });
  }

  /** One line per appliance that published `metricName` (for dashboards). */
  everyAppliance(metricName: string, statistic: Statistic, period: Duration, label: string): cloudwatch.MathExpression {
    const search = `{${quote(this.namespace)},${APPLIANCE_DIMENSION}} MetricName=${quote(metricName)}`;
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${search}', '${statistic}', ${period.toSeconds()})`,
      usingMetrics: {},
      period,
      label,
    });
  }

  /**
   * One line per virtual server of `appliance` that published `metricName` (for dashboards). The appliance is
   * part of the SEARCH text, not a metric dimension, so the dashboard's Appliance selector (which rewrites the
   * Appliance dimension of plain metrics) leaves each appliance's graph its own.
   */
  everyVirtualServer(metricName: string, appliance: string, statistic: Statistic, period: Duration): cloudwatch.MathExpression {
    const search = `{${quote(this.namespace)},${APPLIANCE_DIMENSION},${VIRTUAL_SERVER_DIMENSION}} MetricName=${quote(metricName)} ${APPLIANCE_DIMENSION}=${quote(appliance)}`;
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${search.replace(/'/g, "\\'")}', '${statistic}', ${period.toSeconds()})`,
      usingMetrics: {},
      period,
      label: '',
    });
  }
}

function quote(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}
