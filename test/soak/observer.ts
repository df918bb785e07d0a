/**
 * What CloudWatch stored, read off the PutMetricData calls that took effect behind the fault proxy (AWS JSON 1.0
 * bodies, sent uncompressed), and the check that the collector's view of each datum matches it.
 */
import type { AppliedCall } from '../support/fault-proxy.js';

export interface StoredDatum {
  readonly appliance: string;
  readonly metricName: string;
  readonly timestamp: number;
  readonly value: number;
}

export function storedDatums(calls: readonly AppliedCall[]): StoredDatum[] {
  const datums: StoredDatum[] = [];
  for (const call of calls) {
    if (call.operation !== 'PutMetricData') continue;
    const body = JSON.parse(call.body.toString('utf8')) as {
      MetricData?: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Timestamp: number; Value: number }[];
    };
    for (const entry of body.MetricData ?? []) {
      const appliance = entry.Dimensions?.find((d) => d.Name === 'Appliance')?.Value ?? '';
      datums.push({ appliance, metricName: entry.MetricName, timestamp: Math.round(entry.Timestamp * 1000), value: entry.Value });
    }
  }
  return datums;
}

export const datumKey = (d: { appliance: string; metricName: string; timestamp: number; value: number }) =>
  `${d.appliance}|${d.metricName}|${d.timestamp}|${d.value}`;

/**
 * For the datums of one round, by key: how many times the collector saw each confirmed or sent without an
 * answer, and how many times CloudWatch stored it. (Keys are unique within a round; a replay in a later round is
 * a new, confirmed sending of the same key.)
 */
export class DeliveryTally {
  private readonly byKey = new Map<string, { published: number; uncertain: number; stored: number }>();

  private entry(key: string) {
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { published: 0, uncertain: 0, stored: 0 }));
    return entry;
  }

  seen(key: string, outcome: 'published' | 'uncertain'): void {
    this.entry(key)[outcome]++;
  }

  stored(key: string): void {
    this.entry(key).stored++;
  }

  /**
   * Violations (CloudWatch lacks a confirmed datum, or holds one the collector knew was refused), and the
   * datapoints CloudWatch stored although their call got no answer (kept by the collector and published again:
   * counted twice).
   */
  check(): { violations: string[]; storedUnanswered: number } {
    const violations: string[] = [];
    let storedUnanswered = 0;
    for (const [key, { published, uncertain, stored }] of this.byKey) {
      if (stored < published)
        violations.push(`CloudWatch lacks a datum the collector saw confirmed: ${key} (confirmed ${published}, stored ${stored})`);
      else if (stored > published + uncertain)
        violations.push(
          `CloudWatch holds a datum more often than sent: ${key} (confirmed ${published}, unanswered ${uncertain}, stored ${stored})`,
        );
      else storedUnanswered += stored - published;
    }
    return { violations, storedUnanswered };
  }
}
