import type { MetricDefinition } from '../catalog/catalog.js';
import { virtualServerRefs } from '../catalog/virtual-server.js';
import type { ApplianceConfig } from '../config/appliance.js';
import { DEFAULT_MAX_SAMPLE_AGE_SECONDS } from '../config/environment.js';
import { buildCounterDatums, buildHealthDatums, buildMetricDatums } from '../core/datums.js';
import { accountInterval, type Baseline, countersOf } from '../core/delta.js';
import type { ApplianceCredentials, CounterInterval, CredentialSource, Datum, SampleStore, StoredState } from '../core/ports.js';
import { type FieldError, parseSample, SampleShapeError, unwrapResource } from '../core/sample.js';
import { buildVirtualServerDatums, type VirtualServerReading } from '../core/virtual-server-datums.js';
import { CollectorError, type ErrorClass, toCollectorError } from '../errors.js';
import type { Logger, Redactor } from '../logger.js';
import { NitroClient, type NitroClientOptions, type NitroTarget } from '../nitro/client.js';
import { readHaRole } from '../nitro/ha.js';
import { readVirtualServers } from './read-virtual-servers.js';

export interface CollectorDependencies {
  readonly credentials: CredentialSource;
  readonly store: SampleStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** The clock of sample times and leases (epoch ms); deadlines always use the wall clock. */
  readonly now?: () => number;
  /** Opens the NITRO client for one appliance (tests and the CLI pass options through here). */
  readonly openNitro?: (target: NitroTarget, options: NitroClientOptions) => Pick<NitroClient, 'withSession' | 'close'>;
  /** A previous sample older than this gives no deltas (its increase would land in one period as a spike). */
  readonly maxSampleAgeMs?: number;
}

export type ApplianceOutcome = 'ok' | 'secondary-skipped' | 'failed';

/** Why this run publishes no counter increase of its own for the appliance (it may still publish older ones). */
export type CounterBaseline = Baseline | 'superseded' | 'busy';

/** This run holds the appliance's state item: what to commit once CloudWatch has answered. */
export interface HeldState {
  readonly owner: string;
  readonly takenAt: number;
  readonly counters: ReadonlyMap<string, bigint>;
  readonly heldSince: ReadonlyMap<string, number>;
  /** Every counter increase this run publishes (earlier runs' unconfirmed ones and this interval's), by interval. */
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
  /** Counters whose previous value was too old to give an increase. */
  readonly staleCounters: readonly string[];
  /** Earlier intervals whose increases this run publishes again (CloudWatch had not confirmed them). */
  readonly replayedIntervals: number;
  /** An earlier run claimed the state and never committed (it may have published what is published again now). */
  readonly tookOverUnfinishedRun?: boolean;
  readonly fieldErrors: readonly FieldError[];
  readonly missingFields: readonly string[];
  readonly held?: HeldState;
  /** Listed virtual servers that could not be read this run (each logged at WARN). */
  readonly virtualServerErrors?: number;
}

export const DEFAULT_MAX_SAMPLE_AGE_MS = DEFAULT_MAX_SAMPLE_AGE_SECONDS * 1000;

export interface ApplianceRun {
  /** This run's unique id (the state lease owner). */
  readonly owner: string;
  /** Lease end, on the `now` clock. */
  readonly leaseUntil: number;
  /** Ends everything this appliance does (NITRO, secrets, state claim) at its deadline. */
  readonly signal: AbortSignal;
}

const NO_PROBLEMS = { counterResets: [], staleCounters: [], replayedIntervals: 0, fieldErrors: [], missingFields: [] } as const;

/**
 * Collects one appliance: credentials, NITRO session (HA check, stat read, logout), parse, claim of the state
 * item, exact deltas, and the datums to publish. It never throws: a failure becomes a result with outcome
 * `failed` and a CollectionSuccess of 0.
 */
export async function collectAppliance(
  appliance: ApplianceConfig,
  selection: readonly MetricDefinition[],
  run: ApplianceRun,
  deps: CollectorDependencies,
): Promise<ApplianceResult> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const logger = deps.logger.child({ appliance: appliance.name });
  try {
    const reading = await readAppliance(appliance, run.signal, deps, logger);
    const durationMs = now() - startedAt;
    if (reading.kind === 'secondary') {
      return {
        appliance: appliance.name,
        outcome: 'secondary-skipped',
        datums: buildHealthDatums({ appliance: appliance.name, timestamp: reading.takenAt, success: true, durationMs, secondarySkipped: true }),
        durationMs,
        ...NO_PROBLEMS,
      };
    }
    const result = await turnIntoDatums(appliance.name, reading.resource, reading.takenAt, durationMs, selection, run, deps);
    if (reading.virtualServers === undefined) return result;
    const perServer = buildVirtualServerDatums(appliance.name, reading.takenAt, reading.virtualServers);
    return { ...result, datums: [...result.datums, ...perServer], virtualServerErrors: reading.virtualServers.filter((r) => !r.ok).length };
  } catch (caught) {
    return failedResult(appliance.name, toCollectorError(caught, appliance.name), now() - startedAt, now(), deps.redactor);
  }
}

/** The result of an appliance that failed (or was never started): health datums only, CollectionSuccess 0. */
export function failedResult(appliance: string, error: CollectorError, durationMs: number, timestamp: number, redactor: Redactor): ApplianceResult {
  return {
    appliance,
    outcome: 'failed',
    // An appliance or proxy may echo what it was sent: the message is scrubbed before it is logged or returned.
    error: { errorClass: error.errorClass, message: redactor.scrub(error.message), nitroErrorCode: error.nitroErrorCode },
    datums: buildHealthDatums({ appliance, timestamp, success: false, durationMs }),
    durationMs,
    ...NO_PROBLEMS,
  };
}

type Reading =
  | { kind: 'secondary'; takenAt: number }
  | { kind: 'sample'; resource: Record<string, unknown>; takenAt: number; virtualServers?: readonly VirtualServerReading[] };

async function readAppliance(appliance: ApplianceConfig, signal: AbortSignal, deps: CollectorDependencies, logger: Logger): Promise<Reading> {
  let credentials = await deps.credentials.getCredentials(appliance.secretId, { signal });
  deps.redactor.add(credentials.password, { username: credentials.username });
  try {
    return await readWith(credentials, appliance, signal, deps, logger);
  } catch (error) {
    if (!(error instanceof CollectorError) || error.errorClass !== 'bad-credentials') throw error;
    // The password may have been rotated since it was cached: read the secret once more, retry only if it changed.
    const fresh = await deps.credentials.getCredentials(appliance.secretId, { refresh: true, signal });
    deps.redactor.add(fresh.password, { username: fresh.username });
    if (fresh.username === credentials.username && fresh.password === credentials.password) throw error;
    logger.info('credentials changed in the secret since they were cached; retrying with the new ones', { secretId: appliance.secretId });
    credentials = fresh;
    return await readWith(credentials, appliance, signal, deps, logger);
  }
}

async function readWith(
  credentials: ApplianceCredentials,
  appliance: ApplianceConfig,
  signal: AbortSignal,
  deps: CollectorDependencies,
  logger: Logger,
): Promise<Reading> {
  const now = deps.now ?? Date.now;
  const target: NitroTarget = { ...appliance, caCertificate: joinPem(appliance.caCertificate, credentials.caCertificate) };
  const open = deps.openNitro ?? ((t, o) => new NitroClient(t, o));
  const client = open(target, { logger, signal, scrub: (text) => deps.redactor.scrub(text) });
  try {
    return await client.withSession(credentials, async (session): Promise<Reading> => {
      if ((appliance.haMode ?? 'primary-only') === 'primary-only') {
        const role = readHaRole(await session.getStat('hanode'), appliance.name);
        if (role.role === 'not-primary') {
          logger.info(`HA node is ${role.state}, not primary: its counters are not published (haMode primary-only)`);
          return { kind: 'secondary', takenAt: now() };
        }
      }
      const answer = await session.getStat('protocolmptcp');
      const resource = resourceOf(answer, appliance.name);
      const takenAt = now();
      const servers = virtualServerRefs(appliance.virtualServers);
      if (servers.length === 0) return { kind: 'sample', resource, takenAt };
      const virtualServers = await readVirtualServers(session, servers, logger, (text) => deps.redactor.scrub(text));
      return { kind: 'sample', resource, takenAt, virtualServers };
    });
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
    if (error instanceof SampleShapeError) throw new CollectorError('protocol-error', `${appliance}: GET stat/protocolmptcp: ${error.message}`, { appliance });
    throw error;
  }
}

async function turnIntoDatums(
  appliance: string,
  resource: Record<string, unknown>,
  takenAt: number,
  durationMs: number,
  selection: readonly MetricDefinition[],
  run: ApplianceRun,
  deps: CollectorDependencies,
): Promise<ApplianceResult> {
  const sample = parseSample(resource, { scrub: (text) => deps.redactor.scrub(text) });
  const counters = countersOf(sample.integers);
  const now = deps.now ?? Date.now;

  let baseline: CounterBaseline | undefined;
  let previous: StoredState | undefined;
  let tookOverUnfinishedRun = false;
  let account: ReturnType<typeof accountInterval> | undefined;
  let stateError: CollectorError | undefined;
  try {
    const claim = await deps.store.claim(appliance, { owner: run.owner, takenAt, leaseUntil: run.leaseUntil, now: now() }, { signal: run.signal });
    if (claim.outcome !== 'claimed') baseline = claim.outcome;
    else {
      previous = claim.previous;
      tookOverUnfinishedRun = claim.takenOver !== undefined;
      account = accountInterval(previous, { takenAt, counters }, deps.maxSampleAgeMs ?? DEFAULT_MAX_SAMPLE_AGE_MS);
      baseline = account.baseline;
    }
  } catch (error) {
    // Without the state no increase can be trusted; the gauges and rates are still right.
    stateError = toCollectorError(error, appliance);
  }

  const { datums, unpublishable } = buildMetricDatums({ appliance, timestamp: takenAt, selection, sample, deltas: account?.fresh.deltas });
  const replayed = previous?.unpublished ?? [];
  for (const interval of account ? replayed : []) {
    const older = buildCounterDatums(appliance, interval, selection);
    datums.push(...older.datums);
    unpublishable.push(...older.unpublishable);
  }
  const fieldErrors = [...sample.fieldErrors, ...unpublishable];
  const counterResets = account?.resets ?? [];
  const health = buildHealthDatums({
    appliance,
    timestamp: takenAt,
    success: stateError === undefined,
    durationMs,
    counterResets: counterResets.length,
    fieldErrors: fieldErrors.length,
  });
  return {
    appliance,
    outcome: stateError ? 'failed' : 'ok',
    ...(stateError && { error: { errorClass: stateError.errorClass, message: deps.redactor.scrub(stateError.message) } }),
    datums: [...datums, ...health],
    durationMs,
    ...(baseline ? { baseline } : {}),
    ...(previous ? { previousTakenAt: previous.takenAt } : {}),
    counterResets,
    staleCounters: account?.stale ?? [],
    replayedIntervals: account ? replayed.length : 0,
    ...(tookOverUnfinishedRun ? { tookOverUnfinishedRun } : {}),
    fieldErrors,
    missingFields: sample.missing,
    ...(account ? { held: { owner: run.owner, takenAt, counters: account.counters, heldSince: account.heldSince, intervals: intervalsOf(datums) } } : {}),
  };
}

/**
 * The counter increases this run publishes, by interval: exactly its counter datums (selected counters only; an
 * increase CloudWatch cannot hold exactly is a field error, not something to carry).
 */
function intervalsOf(datums: readonly Datum[]): CounterInterval[] {
  const byTime = new Map<number, Map<string, bigint>>();
  for (const datum of datums) {
    if (datum.counter === undefined) continue;
    let deltas = byTime.get(datum.timestamp);
    if (!deltas) byTime.set(datum.timestamp, (deltas = new Map()));
    deltas.set(datum.counter, BigInt(datum.value));
  }
  return [...byTime].map(([takenAt, deltas]) => ({ takenAt, deltas }));
}

function joinPem(...bundles: (string | undefined)[]): string | undefined {
  const present = bundles.filter((b): b is string => !!b && b.trim() !== '');
  return present.length > 0 ? present.join('\n') : undefined;
}
