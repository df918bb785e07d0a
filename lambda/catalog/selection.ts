import {
  BY_METRIC_NAME,
  BY_NITRO_NAME,
  CATALOG,
  type MetricDefinition,
  SELECTION_TIERS,
  type SelectionTier,
  tierIncludes,
} from './catalog.js';
import { closestNames } from './closest-names.js';

export interface UnknownMetricName {
  readonly unknownName: string;
  readonly suggestions: readonly string[];
}

const unknownNameText = ({ unknownName, suggestions }: UnknownMetricName): string =>
  `"${unknownName}"${suggestions.length > 0 ? ` (did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?)` : ''}`;

/** One or more unknown names of a selection, each with its nearest known names; the first is unknownName. */
export class UnknownMetricError extends Error {
  override readonly name = 'UnknownMetricError';
  readonly unknownName: string;
  readonly suggestions: readonly string[];
  constructor(readonly unknownNames: readonly [UnknownMetricName, ...UnknownMetricName[]]) {
    const [first] = unknownNames;
    super(
      (unknownNames.length === 1
        ? `unknown counter "${first.unknownName}"` +
          (first.suggestions.length > 0 ? `; did you mean ${first.suggestions.map((s) => `"${s}"`).join(', ')}?` : '')
        : `unknown counters ${unknownNames.map(unknownNameText).join(', ')}.`) +
        ' Use "default", "all", "everything", or metric names / NITRO field names from docs/metrics.md.',
    );
    this.unknownName = unknownNames[0].unknownName;
    this.suggestions = unknownNames[0].suggestions;
  }
}

/**
 * Resolves a counter selection: a keyword (`default`, `all`, `everything`: catalog SELECTION_TIERS; the
 * appliance-computed rates only when named), or a comma-separated list of CloudWatch metric names or NITRO
 * field names and keywords, case-insensitive. The result keeps catalog order and has no duplicates.
 */
export function resolveSelection(spec: string | readonly string[] | undefined): readonly MetricDefinition[] {
  const names = typeof spec === 'string' || spec === undefined ? splitList(spec ?? 'default') : spec.map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return resolveSelection('default');

  const chosen = new Set<MetricDefinition>();
  const unknown: UnknownMetricName[] = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    if (isSelectionKeyword(lower)) CATALOG.filter((m) => m.kind !== 'rate' && tierIncludes(lower, m.tier)).forEach((m) => chosen.add(m));
    else {
      const found = findMetric(name);
      if (found === undefined) unknown.push({ unknownName: name, suggestions: closestMetricNames(name) });
      else chosen.add(found);
    }
  }
  if (unknown.length > 0) throw new UnknownMetricError(unknown as [UnknownMetricName, ...UnknownMetricName[]]);
  return CATALOG.filter((m) => chosen.has(m));
}

/** Finds one metric by CloudWatch metric name or NITRO field name (case-insensitive). */
export function lookupMetric(name: string): MetricDefinition {
  const found = findMetric(name);
  if (!found) throw new UnknownMetricError([{ unknownName: name, suggestions: closestMetricNames(name) }]);
  return found;
}

/** `default`, `all` or `everything` (lower case). */
export function isSelectionKeyword(name: string): name is SelectionTier {
  return (SELECTION_TIERS as readonly string[]).includes(name);
}

function findMetric(name: string): MetricDefinition | undefined {
  return BY_METRIC_NAME.get(name) ?? BY_NITRO_NAME.get(name.toLowerCase()) ?? CASE_INSENSITIVE.get(name.toLowerCase());
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
  const near = closestNames(name, CANDIDATES, limit, 3);
  if (near.length > 0) return near;
  // A misspelled word of a metric name ("Sesions"): the metrics that carry that word.
  const [word] = closestNames(name, WORDS, 1, 2);
  return word === undefined
    ? []
    : CATALOG.filter((m) => m.metricName.split(/(?=[A-Z])/).includes(word))
        .map((m) => m.metricName)
        .slice(0, limit);
}

/** The words of the metric names (CurrentSessions: Current, Sessions). */
const WORDS = [...new Set(CATALOG.flatMap((m) => m.metricName.split(/(?=[A-Z])/)))].filter((word) => word.length >= 6);

const CANDIDATES = [...CATALOG.map((m) => m.metricName), ...CATALOG.map((m) => m.nitroName), ...SELECTION_TIERS];
