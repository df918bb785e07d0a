/**
 * The small interfaces between the pure pipeline and its I/O edges. Each has one production implementation
 * (Secrets Manager, DynamoDB, CloudWatch) and an in-memory one for the local run; tests hand the production
 * ones a real local emulator (moto_server).
 */

/** Credentials for one appliance, as stored in its secret. Never logged, never returned. */
export interface ApplianceCredentials {
  readonly username: string;
  readonly password: string;
  /** PEM bundle to trust for the appliance's management certificate. */
  readonly caCertificate?: string;
}

export interface CredentialSource {
  /**
   * The credentials stored under `secretId` (name or ARN). `refresh: true` bypasses any cache (after the
   * appliance rejected the cached password, e.g. after rotation).
   * Rejects with SecretError naming the secret id, never its content.
   */
  getCredentials(secretId: string, options?: { refresh?: boolean }): Promise<ApplianceCredentials>;
}

/** The cumulative counters of one sample, kept to compute the next sample's deltas. */
export interface StoredSample {
  /** When the sample was taken (epoch milliseconds). */
  readonly takenAt: number;
  /** NITRO counter name -> exact cumulative value. */
  readonly counters: ReadonlyMap<string, bigint>;
}

export type ExchangeResult =
  /** The new sample is stored; `previous` is the one it replaced (absent on the first sample). */
  | { readonly outcome: 'stored'; readonly previous?: StoredSample }
  /** A sample at least as new is already stored (an overlapping run): this sample's deltas must not be published. */
  | { readonly outcome: 'superseded' };

export interface SampleStore {
  /**
   * Atomically stores `sample` as the latest for `appliance` and returns the one it replaced, only when the
   * stored sample is older than `sample.takenAt`.
   */
  exchange(appliance: string, sample: StoredSample): Promise<ExchangeResult>;
}

export interface Datum {
  readonly metricName: string;
  readonly appliance: string;
  readonly value: number;
  readonly unit: 'Count' | 'Count/Second' | 'Milliseconds' | 'None';
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

export interface PublishResult {
  readonly datapoints: number;
  readonly calls: number;
  /**
   * Datums the sink refused to send because CloudWatch would store a wrong number or reject the whole request
   * (NaN, Infinity, a negative count, an empty name). The core never produces one: each is a bug to report.
   */
  readonly rejected?: readonly { readonly metricName: string; readonly appliance: string; readonly reason: string }[];
}

export interface MetricSink {
  /**
   * Publishes all datums in as few calls as the service allows. When any call fails it still sends the others,
   * then rejects with a CollectorError('publish-error') that carries `published` (datapoints accepted) and `calls`.
   * `signal` ends calls still running (retries included) when the function is about to run out of time.
   */
  publish(datums: readonly Datum[], options?: { signal?: AbortSignal }): Promise<PublishResult>;
}
