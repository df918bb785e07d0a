import type { MetricDefinition } from '../catalog/catalog.js';
import type { ApplianceConfig } from '../config/appliance.js';
import { DEFAULT_MAX_SAMPLE_AGE_SECONDS } from '../config/environment.js';
import { buildHealthDatums, buildMetricDatums } from '../core/datums.js';
import { computeCounterDeltas, countersOf } from '../core/delta.js';
import { parseSample, SampleShapeError, unwrapResource, type FieldError } from '../core/sample.js';
import { CollectorError, toCollectorError, type ErrorClass } from '../errors.js';
import type { Logger, Redactor } from '../logger.js';
import { NitroClient, type NitroClientOptions, type NitroTarget } from '../nitro/client.js';
import { readHaRole } from '../nitro/ha.js';
import type { ApplianceCredentials, CredentialSource, Datum, SampleStore } from './ports.js';

export interface CollectorDependencies {
  readonly credentials: CredentialSource;
  readonly store: SampleStore;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly now?: () => number;
  /** Opens the NITRO client for one appliance (tests and the CLI pass options through here). */
  readonly openNitro?: (target: NitroTarget, options: NitroClientOptions) => Pick<NitroClient, 'withSession' | 'close'>;
  /** A previous sample older than this gives no deltas (its increase would land in one period as a spike). */
  readonly maxSampleAgeMs?: number;
}

export type ApplianceOutcome = 'ok' | 'secondary-skipped' | 'failed';

export interface ApplianceResult {
  readonly appliance: string;
  readonly outcome: ApplianceOutcome;
  readonly error?: { readonly errorClass: ErrorClass; readonly message: string; readonly nitroErrorCode?: number };
  /** MPTCP and health datums, ready to publish. */
  readonly datums: readonly Datum[];
  readonly durationMs: number;
  /** Why counters were published as gauges only this time, if they were. */
  readonly baseline?: 'first-sample' | 'superseded' | 'stale-previous';
  readonly counterResets: readonly string[];
  readonly fieldErrors: readonly FieldError[];
  readonly missingFields: readonly string[];
}

export const DEFAULT_MAX_SAMPLE_AGE_MS = DEFAULT_MAX_SAMPLE_AGE_SECONDS * 1000;

/**
 * Collects one appliance end to end: credentials, NITRO session (HA check, stat read, logout), parse, exact
 * deltas against the stored sample, and the datums to publish. It never throws: a failure becomes a result
 * with outcome `failed` and a CollectionSuccess of 0.
 */
export async function collectAppliance(
  appliance: ApplianceConfig,
  selection: readonly MetricDefinition[],
  signal: AbortSignal,
  deps: CollectorDependencies,
): Promise<ApplianceResult> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const logger = deps.logger.child({ appliance: appliance.name });
  try {
    const reading = await readAppliance(appliance, signal, deps, logger);
    const durationMs = now() - startedAt;
    if (reading.kind === 'secondary') {
      return {
        appliance: appliance.name,
        outcome: 'secondary-skipped',
        datums: buildHealthDatums({ appliance: appliance.name, timestamp: reading.takenAt, success: true, durationMs, secondarySkipped: true }),
        durationMs,
        counterResets: [],
        fieldErrors: [],
        missingFields: [],
      };
    }
    return await turnIntoDatums(appliance.name, reading.resource, reading.takenAt, durationMs, selection, deps);
  } catch (caught) {
    const error = toCollectorError(caught, appliance.name);
    const durationMs = now() - startedAt;
    return {
      appliance: appliance.name,
      outcome: 'failed',
      // An appliance or proxy may echo what it was sent: the message is scrubbed before it is logged or returned.
      error: { errorClass: error.errorClass, message: deps.redactor.scrub(error.message), nitroErrorCode: error.nitroErrorCode },
      datums: buildHealthDatums({ appliance: appliance.name, timestamp: now(), success: false, durationMs }),
      durationMs,
      counterResets: [],
      fieldErrors: [],
      missingFields: [],
    };
  }
}

type Reading = { kind: 'secondary'; takenAt: number } | { kind: 'sample'; resource: Record<string, unknown>; takenAt: number };

async function readAppliance(appliance: ApplianceConfig, signal: AbortSignal, deps: CollectorDependencies, logger: Logger): Promise<Reading> {
  let credentials = await deps.credentials.getCredentials(appliance.secretId);
  deps.redactor.add(credentials.password);
  try {
    return await readWith(credentials, appliance, signal, deps, logger);
  } catch (error) {
    if (!(error instanceof CollectorError) || error.errorClass !== 'bad-credentials') throw error;
    // The password may have been rotated since it was cached: read the secret once more, retry only if it changed.
    const fresh = await deps.credentials.getCredentials(appliance.secretId, { refresh: true });
    deps.redactor.add(fresh.password);
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
  const client = open(target, { logger, signal });
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
      return { kind: 'sample', resource: resourceOf(answer, appliance.name), takenAt: now() };
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
  deps: CollectorDependencies,
): Promise<ApplianceResult> {
  const sample = parseSample(resource);
  const counters = countersOf(sample.integers);

  let baseline: ApplianceResult['baseline'];
  let deltas: ReadonlyMap<string, bigint> | undefined;
  let counterResets: readonly string[] = [];
  let stateError: CollectorError | undefined;
  try {
    const exchange = await deps.store.exchange(appliance, { takenAt, counters });
    if (exchange.outcome === 'superseded') baseline = 'superseded';
    else if (!exchange.previous) baseline = 'first-sample';
    else if (takenAt - exchange.previous.takenAt > (deps.maxSampleAgeMs ?? DEFAULT_MAX_SAMPLE_AGE_MS)) baseline = 'stale-previous';
    else ({ deltas, resets: counterResets } = computeCounterDeltas(counters, exchange.previous.counters));
  } catch (error) {
    // Without the previous sample no delta can be trusted; the gauges and rates are still right.
    stateError = toCollectorError(error, appliance);
  }

  const { datums, unpublishable } = buildMetricDatums({ appliance, timestamp: takenAt, selection, sample, deltas });
  const fieldErrors = [...sample.fieldErrors, ...unpublishable];
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
    baseline,
    counterResets,
    fieldErrors,
    missingFields: sample.missing,
  };
}

function joinPem(...bundles: (string | undefined)[]): string | undefined {
  const present = bundles.filter((b): b is string => !!b && b.trim() !== '');
  return present.length > 0 ? present.join('\n') : undefined;
}
