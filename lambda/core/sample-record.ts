import { CATALOG, type MetricDefinition, type MetricGroup } from '../catalog/catalog.js';
import { HEALTH_METRICS, STATE_HEALTH_METRICS } from '../metrics/health.js';
import type { NodeIdentity } from './node-identity.js';
import type { Datum } from './ports.js';

/**
 * The sample record (issue 25): one INFO log line per appliance per run with every counter's exact increase over
 * the run's interval and every gauge, billed metric or not. Summing `deltas` over the records of a window gives the
 * appliance's true activity in it: an interval's increase is in exactly one record (the run that committed the
 * sample ending it), so nothing is counted twice. Field names are a public contract (saved queries, dashboards,
 * users' queries): change them only with a new SAMPLE_RECORD_VERSION.
 */
export const SAMPLE_RECORD_MESSAGE = 'appliance sample';
export const SAMPLE_RECORD_VERSION = 'mptcp-sample/1';

/** Why a record has `deltas: null`: no increase can be taken from (or trusted for) this run's interval. */
export type SampleBaseline =
  | 'first-sample'
  | 'reset'
  | 'node-change'
  | 'stale-previous'
  | 'superseded'
  | 'busy'
  /** The state table could not be read or written: the next run that reaches it counts the interval since. */
  | 'state-unavailable'
  /** The state was not stored after this run: the next run counts this interval again, so this record does not. */
  | 'uncommitted'
  | 'secondary-skipped'
  | 'failed';

/**
 * `deltas` is split by catalog group because the logger keeps at most 64 keys of one object (logger.ts) and there
 * are 76 counters; a counter that did not move is left out (it means 0), which keeps the record small.
 */
export const DELTA_GROUP_KEYS: Readonly<Record<MetricGroup, string>> = {
  sessions: 'sessions',
  handshake: 'handshake',
  subflows: 'subflows',
  'data transfer': 'dataTransfer',
  fallback: 'fallback',
  errors: 'errors',
  'resource exhaustion': 'resourceExhaustion',
};

const COUNTERS = CATALOG.filter((m) => m.kind === 'counter');
const GAUGES = CATALOG.filter((m) => m.kind === 'gauge');
const COUNTERS_BY_GROUP_KEY: readonly (readonly [string, readonly MetricDefinition[]])[] = Object.entries(DELTA_GROUP_KEYS).map(
  ([group, key]) => [key, COUNTERS.filter((m) => m.group === group)] as const,
);
const HEALTH_NAMES: ReadonlySet<string> = new Set<string>([...Object.values(HEALTH_METRICS), ...Object.values(STATE_HEALTH_METRICS)]);

/** The record's top-level fields, as Logs Insights sees them. */
export const SAMPLE_RECORD_FIELDS = {
  record: 'record',
  appliance: 'appliance',
  outcome: 'outcome',
  intervalStartMs: 'intervalStartMs',
  intervalEndMs: 'intervalEndMs',
  node: 'node',
  baseline: 'baseline',
  deltas: 'deltas',
  gauges: 'gauges',
  health: 'health',
  staleCounters: 'staleCounters',
} as const;

/**
 * The Logs Insights field of a metric in the record (`deltas.handshake.MpJoinSynReceived`, `gauges.CurrentSessions`,
 * `health.CollectionDuration`); throws on a name that is neither a catalog counter or gauge nor a health metric.
 */
export function sampleRecordField(metricName: string): string {
  const counter = COUNTERS.find((m) => m.metricName === metricName);
  if (counter) return `${SAMPLE_RECORD_FIELDS.deltas}.${DELTA_GROUP_KEYS[counter.group]}.${metricName}`;
  if (GAUGES.some((m) => m.metricName === metricName)) return `${SAMPLE_RECORD_FIELDS.gauges}.${metricName}`;
  if (HEALTH_NAMES.has(metricName)) return `${SAMPLE_RECORD_FIELDS.health}.${metricName}`;
  throw new Error(`sample record: no field for metric ${metricName}`);
}

export interface SampleRecordInput {
  readonly appliance: string;
  readonly outcome: string;
  /** The sample's time (epoch ms); absent when the appliance gave no sample. */
  readonly takenAt?: number;
  /** The previous committed sample's time, when there was one. */
  readonly previousTakenAt?: number;
  readonly node?: NodeIdentity;
  /** Every counter's increase over the interval (by NITRO name); absent when `baseline` says why there is none. */
  readonly deltas?: ReadonlyMap<string, bigint>;
  readonly baseline?: SampleBaseline;
  /** The sample's integer fields (by NITRO name): the gauges are taken from them. */
  readonly integers?: ReadonlyMap<string, bigint>;
  /** The collection's wall time: the record's health.CollectionDuration (it is not a billed metric). */
  readonly durationMs?: number;
  /** The appliance's datums of the run: the other health metrics are taken from them. */
  readonly datums: readonly Pick<Datum, 'metricName' | 'value' | 'virtualServer'>[];
  readonly staleCounters?: readonly string[];
}

type Exact = number | string;
export interface SampleRecord {
  readonly record: typeof SAMPLE_RECORD_VERSION;
  readonly appliance: string;
  readonly outcome: string;
  readonly intervalStartMs?: number;
  readonly intervalEndMs?: number;
  readonly node?: string;
  readonly baseline?: SampleBaseline;
  readonly deltas: Record<string, Record<string, Exact>> | null;
  readonly gauges?: Record<string, Exact>;
  readonly health: Record<string, number>;
  readonly staleCounters?: readonly string[];
}

/** A bigint as a JSON number when it is one exactly, else as its decimal string (never rounded). */
function exact(value: bigint): Exact {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function metricValues(
  metrics: readonly MetricDefinition[],
  values: ReadonlyMap<string, bigint>,
  keep: (v: bigint) => boolean,
): Record<string, Exact> {
  const out: Record<string, Exact> = {};
  for (const m of metrics) {
    const value = values.get(m.nitroName);
    if (value !== undefined && keep(value)) out[m.metricName] = exact(value);
  }
  return out;
}

export function buildSampleRecord(input: SampleRecordInput): SampleRecord {
  const health: Record<string, number> = {};
  for (const d of input.datums)
    if (d.virtualServer === undefined && HEALTH_NAMES.has(d.metricName)) health[d.metricName] = (health[d.metricName] ?? 0) + d.value;
  if (input.durationMs !== undefined) health[HEALTH_METRICS.duration] = Math.max(0, Math.round(input.durationMs));
  let deltas: SampleRecord['deltas'] = null;
  if (input.deltas !== undefined && input.baseline === undefined) {
    deltas = {};
    for (const [key, counters] of COUNTERS_BY_GROUP_KEY) {
      const moved = metricValues(counters, input.deltas, (v) => v !== 0n);
      if (Object.keys(moved).length > 0) deltas[key] = moved;
    }
  }
  const withSample = input.takenAt !== undefined;
  return {
    record: SAMPLE_RECORD_VERSION,
    appliance: input.appliance,
    outcome: input.outcome,
    ...(deltas !== null && input.previousTakenAt !== undefined && { intervalStartMs: input.previousTakenAt }),
    ...(withSample && { intervalEndMs: input.takenAt }),
    ...(input.node && { node: input.node.transtime }),
    ...(deltas === null && { baseline: input.baseline ?? 'failed' }),
    deltas,
    ...(input.integers && { gauges: metricValues(GAUGES, input.integers, () => true) }),
    health,
    ...(input.staleCounters && input.staleCounters.length > 0 && { staleCounters: input.staleCounters }),
  };
}
