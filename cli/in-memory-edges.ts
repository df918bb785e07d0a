import { batchDatums, estimateMetricDatumBytes } from '../lambda/core/batch.js';
import { toMetricDatum } from '../lambda/core/datums.js';
import { CollectorError } from '../lambda/errors.js';
import type { ApplianceCredentials, CredentialSource, Datum, ExchangeResult, MetricSink, PublishResult, SampleStore, StoredSample } from '../lambda/pipeline/ports.js';

/** Credentials given on the command line (or by the simulator), keyed by secret id. */
export class StaticCredentialSource implements CredentialSource {
  constructor(private readonly bySecretId: ReadonlyMap<string, ApplianceCredentials>) {}

  async getCredentials(secretId: string): Promise<ApplianceCredentials> {
    const credentials = this.bySecretId.get(secretId);
    if (!credentials) throw new CollectorError('secret', `no credentials for secret id "${secretId}"`);
    return credentials;
  }
}

/** The state table's contract in memory: one process, one run after another. */
export class InMemorySampleStore implements SampleStore {
  private readonly samples = new Map<string, StoredSample>();

  async exchange(appliance: string, sample: StoredSample): Promise<ExchangeResult> {
    const previous = this.samples.get(appliance);
    if (previous && previous.takenAt >= sample.takenAt) return { outcome: 'superseded' };
    this.samples.set(appliance, sample);
    return previous ? { outcome: 'stored', previous } : { outcome: 'stored' };
  }
}

/** A dry run: keeps what would be published and counts the PutMetricData calls it would take. */
export class DryRunSink implements MetricSink {
  readonly published: Datum[] = [];

  async publish(datums: readonly Datum[]): Promise<PublishResult> {
    this.published.push(...datums);
    const metricData = datums.map((datum) => toMetricDatum(datum, 60));
    return { datapoints: datums.length, calls: batchDatums(metricData, { sizeOf: estimateMetricDatumBytes }).length };
  }
}
