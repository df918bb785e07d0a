import type { NodeIdentity } from './node-identity.js';
/**
 * The small interfaces between the pure pipeline and its I/O edges. Each has one production implementation
 * (Secrets Manager, DynamoDB, CloudWatch) and an in-memory one for the local run; tests hand the production
 * ones a real local emulator (moto_server).
 */

/** Removes secrets from text (the run's Redactor.scrub). */
export type Scrub = (text: string) => string;

/** Credentials for one appliance, as stored in its secret. Never logged, never returned. */
export interface ApplianceCredentials {
  readonly username: string;
  readonly password: string;
  /** PEM bundle to trust for the appliance's management certificate. */
  readonly caCertificate?: string;
  /**
   * The secret version these came from (Secrets Manager's VersionId). A rejected password is not tried again until
   * the version changes or a backoff has passed; a source without versions leaves it out (only the backoff applies).
   */
  readonly versionId?: string;
}

export interface CredentialSource {
  /**
   * The credentials stored under `secretId` (name or ARN). `refresh: true` bypasses any cache (after the
   * appliance rejected the cached password, e.g. after rotation).
   * `signal` ends the wait at the run's deadline. Rejects with a CollectorError naming the secret id, never its
   * content.
   */
  getCredentials(secretId: string, options?: { refresh?: boolean; signal?: AbortSignal }): Promise<ApplianceCredentials>;
}

/** Counter increases over one interval, to be published with the time of the sample that ends it. */
export interface CounterInterval {
  /** Epoch milliseconds: when the sample that ends the interval was taken (the datums' timestamp). */
  readonly takenAt: number;
  /** NITRO counter name -> exact increase. */
  readonly deltas: ReadonlyMap<string, bigint>;
  /**
   * Publishes of these increases that may have reached CloudWatch unconfirmed (sent without an answer, or by a
   * run that could not commit); absent means 0. See core/ledger.ts MAX_UNANSWERED_PUBLISHES.
   */
  readonly unanswered?: number;
}

/** The sample a run recorded with its claim: what it was about to publish increases up to. */
export interface PendingSample {
  readonly takenAt: number;
  readonly counters: ReadonlyMap<string, bigint>;
  /** The HA node that answered it (absent standalone, and in leases written before node identities were kept). */
  readonly node?: NodeIdentity;
}

/** What the state table keeps per appliance between runs. */
export interface StoredState {
  /** When the latest committed sample was taken (epoch milliseconds). */
  readonly takenAt: number;
  /** NITRO counter name -> last known exact cumulative value. */
  readonly counters: ReadonlyMap<string, bigint>;
  /**
   * Counters the latest sample lacked (a field that vanished for a while): when the value kept in `counters`
   * was taken. When the field comes back, its increase is counted from there.
   */
  readonly heldSince: ReadonlyMap<string, number>;
  /** Increases CloudWatch has not confirmed yet, oldest first: published by the next run with their own times. */
  readonly unpublished: readonly CounterInterval[];
  /** The HA node that answered the sample; absent for a standalone appliance and in items written before. */
  readonly node?: NodeIdentity;
}

export interface ClaimRequest {
  /** This run's unique id: only the lease owner can commit. */
  readonly owner: string;
  /** The new sample's time: a state at least as new means this sample is superseded. */
  readonly takenAt: number;
  /** Epoch milliseconds (the store's clock) after which another run may take the lease over. */
  readonly leaseUntil: number;
  /** Epoch milliseconds (the store's clock), to tell an expired lease from a live one. */
  readonly now: number;
  /**
   * This run's counters: recorded with the lease, so that a run taking over an unfinished one can tell what it
   * may have published (core/ledger.ts resumeUnfinished).
   */
  readonly counters: ReadonlyMap<string, bigint>;
  /** The HA node that answered this run's sample: a run taking over must know it (core/ledger.ts resumeUnfinished). */
  readonly node?: NodeIdentity;
}

/** An earlier run's lease that this claim took over. */
export interface TakenOver {
  readonly owner: string;
  /** The sample the unfinished run recorded with its claim (absent for items written by older releases). */
  readonly pending?: PendingSample;
  /** The lease ended further in the future than any run can hold one: written by no run, taken over at once. */
  readonly impossibleLease?: boolean;
}

export type ClaimResult =
  /**
   * This run holds the appliance's state until it commits (or its lease expires). `previous` is absent on the
   * first sample; `takenOver` is set when an earlier run's lease had expired without a commit (that run may
   * have published increases that this run publishes again). `previous` may have a sample time in the future
   * (a corrupt item: the claim takes it over; core/ledger.ts decides what is kept).
   */
  | {
      readonly outcome: 'claimed';
      readonly previous?: StoredState;
      readonly takenOver?: TakenOver;
      /**
       * The item already held this run's own lease: a retried claim whose first answer was lost. Whether that first
       * attempt took over an unfinished run can no longer be told.
       */
      readonly retried?: boolean;
    }
  /** A sample at least as new is already stored: this sample's counters must not be used. */
  | { readonly outcome: 'superseded' }
  /** Another run holds a live lease (an overlapping invocation): this sample's counters must not be used. */
  | { readonly outcome: 'busy' };

export type CommitResult =
  | { readonly outcome: 'committed' }
  /** The lease expired and another run took it: this run's state was not stored. */
  | { readonly outcome: 'lease-lost' };

export interface SampleStore {
  /**
   * Takes the appliance's state for this run (a lease) and returns the state it holds. Atomic: of two
   * overlapping runs, one claims and the other is told `busy`; a run whose claim answer was lost and retried
   * still finds its own lease.
   */
  claim(appliance: string, request: ClaimRequest, options?: { signal?: AbortSignal }): Promise<ClaimResult>;
  /**
   * Stores `state` and releases the lease (and the claim's pending sample), only while `owner` holds it.
   * Idempotent for the owner. `keepLease: true` stores the state and keeps both: a run that took over an
   * unfinished one stores what that run may have published before it publishes anything itself.
   */
  commit(
    appliance: string,
    owner: string,
    state: StoredState,
    options?: { signal?: AbortSignal; keepLease?: boolean },
  ): Promise<CommitResult>;
}

/** The appliance rejected one secret version's credentials: when it may be tried again. Never holds a secret. */
export interface CredentialRejection {
  /** The rejected secret version (VersionId), or UNVERSIONED_SECRET for a source without versions. */
  readonly secretVersion: string;
  /** When the (latest) rejection happened, epoch ms. */
  readonly rejectedAt: number;
  /** Epoch ms before which this secret version is not tried again. */
  readonly retryAt: number;
  /** Rejections of this version in a row (the backoff doubles with each). */
  readonly rejections: number;
  readonly nitroErrorCode?: number;
  /** The appliance said the user is locked (rather than the password is wrong). */
  readonly locked?: boolean;
}

export const UNVERSIONED_SECRET = '(no version)';

/**
 * Where credential rejections are kept between runs, per appliance, so that a cold start obeys the backoff. Kept
 * apart from the SampleStore's claim and commit (see lambda/aws/credential-rejections.ts for why).
 */
export interface CredentialRejectionStore {
  get(appliance: string, options?: { signal?: AbortSignal }): Promise<CredentialRejection | undefined>;
  put(appliance: string, rejection: CredentialRejection, options?: { signal?: AbortSignal }): Promise<void>;
  /** Forgets the appliance's rejection (its credentials were accepted); nothing happens when there is none. */
  clear(appliance: string, options?: { signal?: AbortSignal }): Promise<void>;
}

export interface Datum {
  readonly metricName: string;
  readonly appliance: string;
  /** For a per-virtual-server gauge: `lb/NAME` or `cs/NAME`, its second dimension (VirtualServer). */
  readonly virtualServer?: string;
  readonly value: number;
  readonly unit: 'Count' | 'Count/Second' | 'Milliseconds' | 'None';
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** For a counter increase: its NITRO name, so that an unconfirmed one is kept for the next run. */
  readonly counter?: string;
}

/**
 * What became of one datum: `published` (CloudWatch answered success), `failed` (CloudWatch answered an error,
 * or the request never left), `uncertain` (the request was sent and no answer came: CloudWatch may have stored
 * it), `rejected` (not sent: CloudWatch would store a wrong number or refuse the whole request).
 */
export type DatumOutcome = 'published' | 'failed' | 'uncertain' | 'rejected';

export interface PublishReport {
  /** One per datum, in the order given. */
  readonly outcomes: readonly DatumOutcome[];
  readonly calls: number;
  readonly failedCalls: number;
  /** Why calls failed, each reason once. */
  readonly errors: readonly string[];
  /** Datums the core should never have built (NaN, negative count, ...): each is a bug to report. */
  readonly rejected: readonly { readonly metricName: string; readonly appliance: string; readonly reason: string }[];
}

export interface MetricSink {
  /**
   * Publishes all datums in as few calls as the service allows and tells what became of each. Never rejects:
   * a failed call does not stop the others. `signal` ends calls still running (retries included) when the
   * run's publishing time is up; their datums are then `uncertain`.
   */
  publish(datums: readonly Datum[], options?: { signal?: AbortSignal }): Promise<PublishReport>;
}
