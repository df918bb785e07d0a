import type { MetricDefinition } from '../catalog/catalog.js';
import { virtualServerRefs } from '../catalog/virtual-server.js';
import type { ApplianceConfig } from '../config/appliance.js';
import { DEFAULT_MAX_SAMPLE_AGE_SECONDS } from '../config/environment.js';
import { buildCounterDatums, buildHealthDatums, buildMetricDatums } from '../core/datums.js';
import { accountInterval, type Baseline, countersOf } from '../core/delta.js';
import { type ClaimedLedger, countIncreases, ledgerAtClaim } from '../core/ledger.js';
import { type NodeIdentity, nodeChangeBetween } from '../core/node-identity.js';
import type {
  ApplianceCredentials,
  CommitResult,
  CounterInterval,
  CredentialRejectionStore,
  CredentialSource,
  Datum,
  SampleStore,
  StoredState,
} from '../core/ports.js';
import { type FieldError, parseSample, type Sample, SampleShapeError, unwrapResource } from '../core/sample.js';
import { buildVirtualServerDatums, type VirtualServerReading } from '../core/virtual-server-datums.js';
import { CollectorError, type ErrorClass, StateUnavailableError, toCollectorError } from '../errors.js';
import type { Logger, Redactor } from '../logger.js';
import { type BeforeLogin, NitroClient, type NitroClientOptions, type NitroTarget } from '../nitro/client.js';
import { haNodeIdentity, readHaRole } from '../nitro/ha.js';
import type { ContainerMemory } from './container-memory.js';
import { credentialGateOf, readWithoutLockout } from './credential-gate.js';
import { readVirtualServers } from './read-virtual-servers.js';

export interface CollectorDependencies {
  readonly credentials: CredentialSource;
  readonly store: SampleStore;
  readonly logger: Logger;
  /** What this container remembers between runs (the handler's, created once per container); see container-memory.ts. */
  readonly memory: ContainerMemory;
  /** The clock of sample times and leases (epoch ms; default Date.now); deadlines always use the wall clock. */
  readonly now?: () => number;
  /** Opens the NITRO client for one appliance (tests and the CLI pass options through here). */
  readonly openNitro?: (target: NitroTarget, options: NitroClientOptions) => Pick<NitroClient, 'withSession' | 'close'>;
  /** A previous sample older than this gives no deltas (its increase would land in one period as a spike). */
  readonly maxSampleAgeMs?: number;
  /**
   * Where rejected credentials are remembered between runs (the state table in the function), so that no run
   * locks an account. Default: the container memory's in-memory store.
   */
  readonly rejections?: CredentialRejectionStore;
}

export type ApplianceOutcome = 'ok' | 'secondary-skipped' | 'failed';

/** Why this run publishes no counter increase of its own for the appliance (it may still publish older ones). */
export type CounterBaseline = Baseline | 'superseded' | 'busy';

/**
 * This run holds the appliance's state item: the sample to commit once CloudWatch has answered, and every
 * counter increase this run publishes (earlier runs' unconfirmed ones and this interval's), by interval: those
 * CloudWatch does not confirm become the committed state's `unpublished`.
 */
export interface HeldState extends Omit<StoredState, 'unpublished'> {
  readonly owner: string;
  readonly intervals: readonly CounterInterval[];
}

export interface ApplianceResult {
  readonly appliance: string;
  readonly outcome: ApplianceOutcome;
  readonly error?: { readonly errorClass: ErrorClass; readonly message: string; readonly nitroErrorCode?: number };
  /** MPTCP and health datums, ready to publish. */
  readonly datums: readonly Datum[];
  readonly durationMs: number;
  readonly baseline?: CounterBaseline;
  /** When the previous committed sample was taken, if there was one. */
  readonly previousTakenAt?: number;
  readonly counterResets: readonly string[];
  /** The HA node that answered is not the one of the previous sample: no increase taken for the interval. */
  readonly nodeChange?: { readonly previousTranstime: string; readonly transtime: string };
  /** Counters whose previous value was too old to give an increase. */
  readonly staleCounters: readonly string[];
  /** Earlier intervals whose increases this run publishes again (CloudWatch had not confirmed them). */
  readonly replayedIntervals: number;
  /** An earlier run claimed the state and never committed (it may have published what is published again now). */
  readonly tookOverUnfinishedRun?: boolean;
  /** What was wrong with the state item and has been repaired (an impossible lease, a sample time in the future). */
  readonly stateRepairs?: readonly string[];
  /** Increases given up: older than CloudWatch takes, or published MAX_UNANSWERED_PUBLISHES times unanswered. */
  readonly droppedIncreases?: readonly CounterInterval[];
  readonly fieldErrors: readonly FieldError[];
  readonly missingFields: readonly string[];
  readonly held?: HeldState;
  /** Listed virtual servers that could not be read this run (each logged at WARN). */
  readonly virtualServerErrors?: number;
  /**
   * The state table could not be read or written for the appliance this run (StateUnavailable 1): the gauges and
   * health metrics are published, no counter increase; the run logs it once for all appliances (run-collection.ts).
   */
  readonly stateUnavailable?: CollectorError;
  /** What the sample read gave, for the sample record (core/sample-record.ts): every field, selected or not. */
  readonly reading?: {
    readonly takenAt: number;
    readonly integers: ReadonlyMap<string, bigint>;
    readonly node?: NodeIdentity;
    /** Every counter's increase over the interval; absent when `baseline` or the state says none was taken. */
    readonly deltas?: ReadonlyMap<string, bigint>;
  };
}

export const DEFAULT_MAX_SAMPLE_AGE_MS = DEFAULT_MAX_SAMPLE_AGE_SECONDS * 1000;

/** What every appliance of one run shares, settled once by runCollection. */
export interface RunContext {
  /** This run's unique id (the state lease owner). */
  readonly owner: string;
  /** Lease end, on the `now` clock. */
  readonly leaseUntil: number;
  /** The run's clock of sample times and leases. */
  readonly now: () => number;
  readonly maxSampleAgeMs: number;
  readonly selection: readonly MetricDefinition[];
}

export interface ApplianceRun extends RunContext {
  /** Ends everything this appliance does (NITRO, secrets, state claim) at its deadline. */
  readonly signal: AbortSignal;
}

/** One appliance's collection: what every step of it needs. */
interface ApplianceJob {
  readonly appliance: ApplianceConfig;
  readonly run: ApplianceRun;
  readonly deps: CollectorDependencies;
  /** The run's logger, every line naming the appliance. */
  readonly logger: Logger;
}

const NO_PROBLEMS = { counterResets: [], staleCounters: [], replayedIntervals: 0, fieldErrors: [], missingFields: [] } as const;

/**
 * Collects one appliance: credentials, NITRO session (kept from the last run or a new login; HA check, stat
 * read), parse, claim of the state item, exact deltas, and the datums to publish. It never throws: a failure
 * becomes a result with outcome `failed` and a CollectionSuccess of 0.
 */
export async function collectAppliance(
  appliance: ApplianceConfig,
  run: ApplianceRun,
  deps: CollectorDependencies,
): Promise<ApplianceResult> {
  const job: ApplianceJob = { appliance, run, deps, logger: deps.logger.child({ appliance: appliance.name }) };
  const startedAt = run.now();
  try {
    const reading = await readAppliance(job);
    const durationMs = run.now() - startedAt;
    if (reading.kind === 'secondary') {
      return {
        appliance: appliance.name,
        outcome: 'secondary-skipped',
        datums: buildHealthDatums({
          appliance: appliance.name,
          timestamp: reading.takenAt,
          success: true,
          durationMs,
          secondarySkipped: true,
        }),
        durationMs,
        ...NO_PROBLEMS,
      };
    }
    const sample = parseSample(reading.resource, { scrub: (text) => deps.memory.redactor.scrub(text) });
    const counters = countersOf(sample.integers);
    const claim = await claimState(job, reading.takenAt, counters, reading.node);
    const result = sampleResult({
      job,
      sample,
      counters,
      takenAt: reading.takenAt,
      ...(reading.node && { node: reading.node }),
      durationMs,
      claim,
      rejectionsUnavailable: reading.stateUnavailable,
    });
    if (reading.virtualServers === undefined) return result;
    const perServer = buildVirtualServerDatums(appliance.name, reading.takenAt, reading.virtualServers);
    return { ...result, datums: [...result.datums, ...perServer], virtualServerErrors: reading.virtualServers.filter((r) => !r.ok).length };
  } catch (caught) {
    const timestamp = run.now();
    return failedResult({
      appliance: appliance.name,
      error: toCollectorError(caught, appliance.name),
      durationMs: timestamp - startedAt,
      timestamp,
      redactor: deps.memory.redactor,
    });
  }
}

/** The result of an appliance that failed (or was never started): health datums only, CollectionSuccess 0. */
export function failedResult(failure: {
  readonly appliance: string;
  readonly error: CollectorError;
  readonly durationMs: number;
  /** When it failed (the health datums' time), on the run's clock. */
  readonly timestamp: number;
  readonly redactor: Redactor;
}): ApplianceResult {
  const { appliance, error, durationMs } = failure;
  const unavailable = error instanceof StateUnavailableError;
  return {
    appliance,
    outcome: 'failed',
    // An appliance or proxy may echo what it was sent: the message is scrubbed before it is logged or returned.
    error: { errorClass: error.errorClass, message: failure.redactor.scrub(error.message), nitroErrorCode: error.nitroErrorCode },
    datums: buildHealthDatums({
      appliance,
      timestamp: failure.timestamp,
      success: false,
      durationMs,
      credentialsRejected: error.errorClass === 'bad-credentials',
      state: { unavailable: unavailable ? 1 : 0 },
    }),
    durationMs,
    ...NO_PROBLEMS,
    ...(unavailable && { stateUnavailable: error }),
  };
}

type Reading =
  | { kind: 'secondary'; takenAt: number }
  | {
      kind: 'sample';
      resource: Record<string, unknown>;
      takenAt: number;
      node?: NodeIdentity;
      virtualServers?: readonly VirtualServerReading[];
    };

/** A reading, and the rejection store's failure when this container's own record of it stood in. */
type GatedReading = Reading & { readonly stateUnavailable?: CollectorError };

async function readAppliance(job: ApplianceJob): Promise<GatedReading> {
  const { appliance, run, deps, logger } = job;
  const gate = credentialGateOf(deps.rejections, deps.memory.credentials, logger);
  const input = {
    appliance,
    credentials: deps.credentials,
    gate,
    redactor: deps.memory.redactor,
    logger,
    now: run.now,
    signal: run.signal,
  };
  const reading = await readWithoutLockout(input, (credentials, beforeLogin) => readWith(job, credentials, beforeLogin));
  return gate.unavailable === undefined ? reading : { ...reading, stateUnavailable: gate.unavailable };
}

async function readWith(job: ApplianceJob, credentials: ApplianceCredentials, beforeLogin: BeforeLogin): Promise<Reading> {
  const { appliance, run, deps, logger } = job;
  const target: NitroTarget = { ...appliance, caCertificate: joinPem(appliance.caCertificate, credentials.caCertificate) };
  const open = deps.openNitro ?? ((t, o) => new NitroClient(t, o));
  const client = open(target, {
    logger,
    signal: run.signal,
    scrub: (text) => deps.memory.redactor.scrub(text),
    timeoutRefusedBy: deps.memory.timeoutRefusedBy,
    sessions: deps.memory.nitroSessions,
    transports: deps.memory.nitroTransports,
    now: run.now,
    ...(appliance.sessionTimeoutSeconds !== undefined && { sessionTimeoutSeconds: appliance.sessionTimeoutSeconds }),
  });
  try {
    return await client.withSession(
      credentials,
      async (session): Promise<Reading> => {
        // Read in both HA modes: which node answers is what tells a failback from activity (core/node-identity.ts).
        const hanode = await session.getStat('hanode');
        const role = readHaRole(hanode, appliance.name);
        if ((appliance.haMode ?? 'primary-only') === 'primary-only' && role.role === 'not-primary') {
          logger.info(`HA node is ${role.state}, not primary: its counters are not published (haMode primary-only)`);
          return { kind: 'secondary', takenAt: run.now() };
        }
        const node = haNodeIdentity(hanode);
        const answer = await session.getStat('protocolmptcp');
        const resource = resourceOf(answer, appliance.name);
        const takenAt = run.now();
        const servers = virtualServerRefs(appliance.virtualServers);
        if (servers.length === 0) return { kind: 'sample', resource, takenAt, ...(node && { node }) };
        const virtualServers = await readVirtualServers(session, servers, logger, (text) => deps.memory.redactor.scrub(text));
        return { kind: 'sample', resource, takenAt, ...(node && { node }), virtualServers };
      },
      { beforeLogin },
    );
  } finally {
    await client.close();
  }
}

function resourceOf(answer: Record<string, unknown>, appliance: string): Record<string, unknown> {
  if (!Object.hasOwn(answer, 'protocolmptcp')) {
    throw new CollectorError(
      'no-statistics',
      `${appliance}: GET stat/protocolmptcp succeeded without "protocolmptcp": no MPTCP statistics here (an admin partition, or not the default partition?)`,
      { appliance },
    );
  }
  try {
    return unwrapResource(answer.protocolmptcp, 'protocolmptcp');
  } catch (error) {
    if (error instanceof SampleShapeError)
      throw new CollectorError('protocol-error', `${appliance}: GET stat/protocolmptcp: ${error.message}`, { appliance });
    throw error;
  }
}

/** What claiming the appliance's state item gave: the previous state to count from, or why there is none. */
type StateClaim =
  | ({ readonly outcome: 'claimed' } & ClaimedLedger)
  | { readonly outcome: 'superseded' | 'busy' }
  | {
      readonly outcome: 'failed';
      readonly error: CollectorError;
      /** The table did not answer the claim or the resume write (throttled, denied, unreachable): StateUnavailable. */
      readonly unavailable?: boolean;
      /**
       * Increases the state may have dropped all the same: a resume write that failed without an answer may have
       * been stored, and then no later run can see that it dropped them. Counted now (IncreasesDropped), so that
       * nothing goes uncounted; if the write was not stored, the next run counts them again.
       */
      readonly dropped?: readonly CounterInterval[];
    };

/**
 * Takes the state item's lease for this run (see SampleStore.claim), recording the sample's counters with it;
 * lets the ledger (core/ledger.ts) decide what is carried, withheld, repaired or dropped; and stores what an
 * unfinished run it took over may have published before this run publishes anything. Only the I/O is here. A
 * failure is returned, never thrown.
 */
async function claimState(
  job: ApplianceJob,
  takenAt: number,
  counters: ReadonlyMap<string, bigint>,
  node: NodeIdentity | undefined,
): Promise<StateClaim> {
  const { appliance, run, deps } = job;
  try {
    const claimNow = run.now();
    let claim: Awaited<ReturnType<SampleStore['claim']>>;
    try {
      claim = await deps.store.claim(
        appliance.name,
        { owner: run.owner, takenAt, leaseUntil: run.leaseUntil, now: claimNow, counters, ...(node && { node }) },
        { signal: run.signal },
      );
    } catch (error) {
      // Nothing is claimed and nothing is stored: the table keeps its baseline, and the first run that reaches it
      // again counts the whole interval since, once.
      return { outcome: 'failed', error: toCollectorError(error, appliance.name), unavailable: true };
    }
    if (claim.outcome !== 'claimed') return { outcome: claim.outcome };
    if (claim.retried) {
      // Its first attempt may have taken over an unfinished run, whose increases would then be counted a third
      // time: this run publishes none; the next one takes the lease over and knows what was published.
      throw new CollectorError(
        'state-error',
        `${appliance.name}: the state claim's answer was lost and the claim retried; whether it took over an unfinished run cannot be told, so this run publishes no counter increase (the next run does)`,
        { appliance: appliance.name },
      );
    }
    const { ledger, resume } = ledgerAtClaim({
      previous: claim.previous,
      takenOver: claim.takenOver,
      takenAt,
      now: claimNow,
      maxAgeMs: run.maxSampleAgeMs,
    });
    if (resume !== undefined) {
      let stored: CommitResult;
      try {
        stored = await deps.store.commit(appliance.name, run.owner, resume.state, { signal: run.signal, keepLease: true });
      } catch (error) {
        return {
          outcome: 'failed',
          error: toCollectorError(error, appliance.name),
          unavailable: true,
          ...(resume.dropped.length > 0 && { dropped: resume.dropped }),
        };
      }
      if (stored.outcome !== 'committed') {
        throw new CollectorError('state-error', `${appliance.name}: another run took the state over while this one resumed it`, {
          appliance: appliance.name,
        });
      }
    }
    return { outcome: 'claimed', ...ledger };
  } catch (error) {
    // Without the state no increase can be trusted; the gauges and rates are still right.
    return { outcome: 'failed', error: toCollectorError(error, appliance.name) };
  }
}

/**
 * The result of a sample read: its gauges and rates; with the state claimed, the exact increases since the
 * previous sample and the unconfirmed ones of earlier runs; the health datums; the state to commit.
 */
function sampleResult(input: {
  job: ApplianceJob;
  sample: Sample;
  /** The sample's counters (core/delta.ts countersOf), as the claim stored them. */
  counters: ReadonlyMap<string, bigint>;
  takenAt: number;
  node?: NodeIdentity;
  durationMs: number;
  claim: StateClaim;
  /** The rejection store could not be read (this container's own record stood in). */
  rejectionsUnavailable?: CollectorError | undefined;
}): ApplianceResult {
  const { job, sample, counters, takenAt, node, durationMs, claim } = input;
  const { run, deps } = job;
  const appliance = job.appliance.name;
  const claimed = claim.outcome === 'claimed' ? claim : undefined;
  const stateError = claim.outcome === 'failed' ? claim.error : undefined;
  const unavailable = claim.outcome === 'failed' && claim.unavailable ? claim.error : input.rejectionsUnavailable;
  const previous = claimed?.previous;
  const account = claimed && accountInterval(previous, { takenAt, counters, ...(node && { node }) }, run.maxSampleAgeMs);
  const nodeChange = account?.baseline === 'node-change' ? nodeChangeBetween(previous?.node, node) : undefined;
  const blocked = claim.outcome === 'superseded' || claim.outcome === 'busy';
  const baseline: CounterBaseline | undefined = blocked ? claim.outcome : account?.baseline;

  const { datums, unpublishable } = buildMetricDatums({
    appliance,
    timestamp: takenAt,
    selection: run.selection,
    sample,
    deltas: account?.fresh.deltas,
  });
  const replayed = claimed?.carried ?? [];
  for (const interval of replayed) {
    const older = buildCounterDatums(appliance, interval, run.selection);
    datums.push(...older.datums);
    unpublishable.push(...older.unpublishable);
  }
  const fieldErrors = [...sample.fieldErrors, ...unpublishable];
  const counterResets = account?.resets ?? [];
  const repairs = claimed?.repairs ?? [];
  const dropped = claimed?.dropped ?? (claim.outcome === 'failed' ? claim.dropped : undefined) ?? [];
  const health = buildHealthDatums({
    appliance,
    timestamp: takenAt,
    // A run that could not use the state, or found that the last run could not store it, is not a success: a
    // failing state table reaches the CollectionFailing alarm in three runs (README, "When the state table fails").
    success: stateError === undefined && !claimed?.tookOverUnfinishedRun && !blocked,
    durationMs,
    counterResets: counterResets.length,
    nodeChanges: nodeChange ? 1 : 0,
    fieldErrors: fieldErrors.length,
    state: {
      unavailable: unavailable === undefined ? 0 : 1,
      repaired: repairs.length > 0 ? 1 : 0,
      blocked: blocked ? 1 : 0,
      increasesDropped: countIncreases(dropped),
    },
  });
  return {
    appliance,
    outcome: stateError ? 'failed' : 'ok',
    ...(stateError && { error: { errorClass: stateError.errorClass, message: deps.memory.redactor.scrub(stateError.message) } }),
    datums: [...datums, ...health],
    durationMs,
    ...(baseline ? { baseline } : {}),
    ...(previous ? { previousTakenAt: previous.takenAt } : {}),
    counterResets,
    ...(nodeChange && { nodeChange: { previousTranstime: nodeChange.previous.transtime, transtime: nodeChange.current.transtime } }),
    staleCounters: account?.stale ?? [],
    replayedIntervals: replayed.length,
    ...(claimed?.tookOverUnfinishedRun ? { tookOverUnfinishedRun: true } : {}),
    ...(repairs.length > 0 ? { stateRepairs: repairs } : {}),
    ...(dropped.length > 0 ? { droppedIncreases: dropped } : {}),
    ...(unavailable && { stateUnavailable: unavailable }),
    fieldErrors,
    missingFields: sample.missing,
    reading: {
      takenAt,
      integers: sample.integers,
      ...(node && { node }),
      ...(account && !account.baseline && { deltas: account.fresh.deltas }),
    },
    ...(account
      ? {
          held: {
            owner: run.owner,
            takenAt,
            ...(node && { node }),
            counters: account.counters,
            heldSince: account.heldSince,
            intervals: [...(claimed?.withheld ?? []), ...publishedIntervals([...replayed, account.fresh], datums)],
          },
        }
      : {}),
  };
}

/**
 * The counter increases this run publishes, by interval: exactly those with a counter datum (selected counters
 * only; an increase CloudWatch cannot hold exactly is a field error, not something to carry), each interval
 * with its own unanswered count.
 */
function publishedIntervals(intervals: readonly CounterInterval[], datums: readonly Datum[]): CounterInterval[] {
  const sent = new Set(datums.filter((d) => d.counter !== undefined).map((d) => `${d.counter}\u0000${d.timestamp}`));
  return intervals
    .map((interval) => ({
      ...interval,
      deltas: new Map([...interval.deltas].filter(([counter]) => sent.has(`${counter}\u0000${interval.takenAt}`))),
    }))
    .filter((interval) => interval.deltas.size > 0);
}

function joinPem(...bundles: (string | undefined)[]): string | undefined {
  const present = bundles.filter((b): b is string => !!b && b.trim() !== '');
  return present.length > 0 ? present.join('\n') : undefined;
}
