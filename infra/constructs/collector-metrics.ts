import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
   * metric (a label would turn its alarm into a metric-math alarm).
   */
  sum(metricNames: readonly string[], appliance: string, statistic: Statistic, period: Duration, label: string): cloudwatch.IMetric {
    if (metricNames.length === 1) return this.metric(metricNames[0]!, appliance, statistic, period);
    const usingMetrics = Object.fromEntries(metricNames.map((name, index) => [`m${index}`, this.metric(name, appliance, statistic, period)]));
    return new cloudwatch.MathExpression({
      expression: `SUM([${Object.keys(usingMetrics).join(',')}])`,
      usingMetrics,
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
}

function quote(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}
