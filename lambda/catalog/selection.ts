import { BY_METRIC_NAME, BY_NITRO_NAME, CATALOG, type MetricDefinition } from './catalog.js';
import { closestNames } from './closest-names.js';

export class UnknownMetricError extends Error {
  override readonly name = 'UnknownMetricError';
  constructor(
    readonly unknownName: string,
    readonly suggestions: readonly string[],
  ) {
    super(
      `unknown counter "${unknownName}"` +
        (suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '') +
        ' Use "default", "all", or metric names / NITRO field names from docs/metrics.md.',
    );
  }
}

/**
 * Resolves a counter selection: `default` (the metrics an MPTCP operator watches), `all` (every gauge and
 * counter; the appliance-computed rates only when named), or a comma-separated list of CloudWatch metric
 * names or NITRO field names, case-insensitive. The result keeps catalog order and has no duplicates.
 */
export function resolveSelection(spec: string | readonly string[] | undefined): readonly MetricDefinition[] {
  const names = typeof spec === 'string' || spec === undefined ? splitList(spec ?? 'default') : spec.map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return resolveSelection('default');

  const chosen = new Set<MetricDefinition>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (lower === 'default') CATALOG.filter((m) => m.defaultSelected).forEach((m) => chosen.add(m));
    else if (lower === 'all') CATALOG.filter((m) => m.kind !== 'rate').forEach((m) => chosen.add(m));
    else chosen.add(lookupMetric(name));
  }
  return CATALOG.filter((m) => chosen.has(m));
}

/** Finds one metric by CloudWatch metric name or NITRO field name (case-insensitive). */
export function lookupMetric(name: string): MetricDefinition {
  const found = BY_METRIC_NAME.get(name) ?? BY_NITRO_NAME.get(name.toLowerCase()) ?? CASE_INSENSITIVE.get(name.toLowerCase());
  if (!found) throw new UnknownMetricError(name, closestMetricNames(name));
  return found;
}

const CASE_INSENSITIVE: ReadonlyMap<string, MetricDefinition> = new Map(CATALOG.map((m) => [m.metricName.toLowerCase(), m]));

function splitList(spec: string): string[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The known names nearest to `name` by edit distance, best first. */
export function closestMetricNames(name: string, limit = 3): string[] {
  return closestNames(name, CANDIDATES, limit, 3);
}

const CANDIDATES = [...CATALOG.map((m) => m.metricName), ...CATALOG.map((m) => m.nitroName), 'default', 'all'];
