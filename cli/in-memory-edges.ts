import { batchDatums, estimateMetricDatumBytes } from '../lambda/core/batch.js';
import { toMetricDatum } from '../lambda/core/datums.js';
import type {
  ApplianceCredentials,
  ClaimRequest,
  ClaimResult,
  CommitResult,
  CredentialSource,
  Datum,
  MetricSink,
  PendingSample,
  PublishReport,
  SampleStore,
  StoredState,
} from '../lambda/core/ports.js';
import { claimRequestProblem, storedStateProblem } from '../lambda/core/state-checks.js';
import { latestPlausibleTakenAt, MAX_LEASE_MS } from '../lambda/core/state-rules.js';
import { CollectorError } from '../lambda/errors.js';

/** Credentials given on the command line (or by the simulator), keyed by secret id. */
export class StaticCredentialSource implements CredentialSource {
  constructor(private readonly bySecretId: ReadonlyMap<string, ApplianceCredentials>) {}

  async getCredentials(secretId: string): Promise<ApplianceCredentials> {
    const credentials = this.bySecretId.get(secretId);
    if (!credentials) throw new CollectorError('secret', `no credentials for secret id "${secretId}"`);
    return credentials;
  }
}

/**
 * The state table's contract in memory (leases, the pending sample and the self-healing rules included), for one
 * process. test/integration/sample-store-contract.test.ts holds it to the same cases as the DynamoDB store.
 */
export class InMemorySampleStore implements SampleStore {
  private readonly items = new Map<
    string,
    { state?: StoredState; lease?: { owner: string; until: number }; pending?: PendingSample; committedBy?: string }
  >();

  async claim(appliance: string, request: ClaimRequest): Promise<ClaimResult> {
    refuseBug(appliance, claimRequestProblem(request));
    const item = this.items.get(appliance) ?? {};
    const lease = item.lease;
    const impossibleLease = lease !== undefined && lease.until > request.now + MAX_LEASE_MS;
    if (lease && lease.owner !== request.owner && lease.until >= request.now && !impossibleLease) return { outcome: 'busy' };
    if (item.state && item.state.takenAt >= request.takenAt && item.state.takenAt <= latestPlausibleTakenAt(request.now))
      return { outcome: 'superseded' };
    this.items.set(appliance, {
      ...item,
      lease: { owner: request.owner, until: request.leaseUntil },
      pending: { takenAt: request.takenAt, counters: request.counters, ...(request.node && { node: request.node }) },
    });
    return {
      outcome: 'claimed',
      ...(item.state ? { previous: copyOf(item.state) } : {}),
      ...(lease && lease.owner !== request.owner
        ? { takenOver: { owner: lease.owner, ...(item.pending && { pending: item.pending }), ...(impossibleLease && { impossibleLease }) } }
        : {}),
      ...(lease && lease.owner === request.owner ? { retried: true } : {}),
    };
  }

  async commit(appliance: string, owner: string, state: StoredState, options: { keepLease?: boolean } = {}): Promise<CommitResult> {
    refuseBug(appliance, storedStateProblem(state));
    const item = this.items.get(appliance);
    if (item?.lease?.owner !== owner)
      return item?.committedBy === owner && item.state?.takenAt === state.takenAt ? { outcome: 'committed' } : { outcome: 'lease-lost' };
    this.items.set(
      appliance,
      options.keepLease ? { ...item, state: copyOf(state), committedBy: owner } : { state: copyOf(state), committedBy: owner },
    );
    return { outcome: 'committed' };
  }

  /** Writes an item as a bad restore or a hand edit would (for tests). */
  corrupt(appliance: string, edit: { takenAt?: number; leaseUntil?: number }): void {
    const item = this.items.get(appliance) ?? {};
    this.items.set(appliance, {
      ...item,
      ...(edit.takenAt !== undefined && item.state && { state: { ...item.state, takenAt: edit.takenAt } }),
      ...(edit.leaseUntil !== undefined && { lease: { owner: 'hand-edit', until: edit.leaseUntil } }),
    });
  }

  /** The stored state of an appliance (for tests and the local run's report). */
  stateOf(appliance: string): StoredState | undefined {
    const state = this.items.get(appliance)?.state;
    return state && copyOf(state);
  }
}

function refuseBug(appliance: string, problem: string | undefined): void {
  if (problem !== undefined) throw new CollectorError('internal', `${appliance}: ${problem}`, { appliance });
}

/** A copy, as a table gives back: nothing shared with the caller, no interval without increases. */
function copyOf(state: StoredState): StoredState {
  return {
    takenAt: state.takenAt,
    counters: new Map(state.counters),
    heldSince: new Map(state.heldSince),
    unpublished: state.unpublished
      .filter((interval) => interval.deltas.size > 0)
      .map((interval) => ({ ...interval, deltas: new Map(interval.deltas) })),
  };
}

/** A dry run: keeps what would be published and counts the PutMetricData calls it would take. */
export class DryRunSink implements MetricSink {
  readonly published: Datum[] = [];

  async publish(datums: readonly Datum[]): Promise<PublishReport> {
    this.published.push(...datums);
    const metricData = datums.map((datum) => toMetricDatum(datum, 60));
    const calls = batchDatums(metricData, { sizeOf: estimateMetricDatumBytes }).length;
    return { outcomes: datums.map(() => 'published' as const), calls, failedCalls: 0, errors: [], rejected: [] };
  }
}
