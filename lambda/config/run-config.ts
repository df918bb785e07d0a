import type { MetricDefinition } from '../catalog/catalog.js';
import { resolveSelection } from '../catalog/selection.js';
import { ConfigurationError } from './appliance.js';
import { parseJsonText } from './json-text.js';
import { INVALID, type Problem, renderProblems, type Spec } from './schema.js';
import { type ApplianceConfig, type RuntimeSetting, RUNTIME_SETTINGS as SETTINGS } from './settings.js';

/** Everything one run needs to know, resolved from the invocation event and the environment. */
export interface RunConfig {
  readonly appliances: readonly ApplianceConfig[];
  readonly namespace: string;
  readonly stateTableName: string;
  readonly selection: readonly MetricDefinition[];
  readonly concurrency: number;
  readonly storageResolution: 1 | 60;
  /** A previous sample older than this gives no counter deltas. */
  readonly maxSampleAgeMs: number;
}

/**
 * Appliances come from the event `{"appliances": [...]}`, or from APPLIANCES when the event has none; every
 * other setting from its environment variable (the settings model's `env`), with the model's default when
 * unset. Every problem at once (the first few, then a count) in one ConfigurationError naming the variable or
 * field.
 */
export function resolveRunConfig(event: unknown, env: NodeJS.ProcessEnv): RunConfig {
  const problems: Problem[] = [];
  const shown: Record<string, unknown> = {};
  const read = <T>(row: RuntimeSetting<T>): T | undefined => {
    const name = row.env;
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      if (row.default === undefined) problems.push({ path: [name], message: `is not set: ${row.spec.rule}` });
      return row.default;
    }
    const value = fromText(row.spec, raw.trim());
    shown[name] = value;
    const checked = row.spec.check(value, [name], problems);
    return checked === INVALID ? undefined : checked;
  };

  const appliances = appliancesFrom(event, env, problems, shown);
  const namespace = read(SETTINGS.namespace);
  const stateTableName = read(SETTINGS.stateTableName);
  const counters = read(SETTINGS.counters);
  const concurrency = read(SETTINGS.concurrency);
  const storageResolution = read(SETTINGS.storageResolution);
  const maxSampleAgeSeconds = read(SETTINGS.maxSampleAgeSeconds);
  if (problems.length > 0)
    throw new ConfigurationError(`invalid configuration: ${renderProblems(problems, shown, 'the event').join('; ')}`);
  return {
    appliances: appliances!,
    namespace: namespace!,
    stateTableName: stateTableName!,
    selection: resolveSelection(counters),
    concurrency: concurrency!,
    storageResolution: storageResolution!,
    maxSampleAgeMs: 1000 * maxSampleAgeSeconds!,
  };
}

/** An environment variable's text as the setting's type: a number where the spec wants one, else the text. */
function fromText(spec: Spec<unknown>, raw: string): unknown {
  const wantsNumber =
    spec.type === 'integer' || spec.type === 'number' || (spec.type === 'choice' && spec.choices?.every((c) => typeof c === 'number'));
  return wantsNumber && /^[+-]?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}

/** The event's `appliances`, undefined when the event has none. */
function eventAppliances(event: unknown): unknown {
  return typeof event === 'object' && event !== null ? (event as { appliances?: unknown }).appliances : undefined;
}

function appliancesFrom(
  event: unknown,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  shown: Record<string, unknown>,
): ApplianceConfig[] | undefined {
  const spec = SETTINGS.appliances.spec;
  const fromEvent = eventAppliances(event);
  const name = SETTINGS.appliances.env;
  let input: unknown;
  let path: (string | number)[];
  if (fromEvent !== undefined) {
    input = fromEvent;
    path = ['event', 'appliances'];
    shown.event = { appliances: fromEvent };
  } else {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      problems.push({
        path: [],
        message: `has no "appliances" and ${name} is not set: one of them must be ${spec.rule}`,
      });
      return undefined;
    }
    const parsed = parseJsonText(raw);
    if (!parsed.ok) {
      problems.push({ path: [name], message: `is ${parsed.problem}` });
      return undefined;
    }
    input = parsed.value;
    path = [name];
    shown[name] = parsed.value;
  }
  const checked = spec.check(input, path, problems);
  return checked === INVALID ? undefined : checked;
}

/** Distinct configurations a container keeps resolved: one per schedule (shard) that invokes it, usually one. */
export const RESOLVED_CONFIGS_KEPT = 8;

/**
 * resolveRunConfig for a warm container: a run whose event appliances and settings' variables are those of an
 * earlier run gets that run's configuration without checking it again (the schema checks and the CA bundles'
 * parsing are about 3% of a warm run's CPU). Only valid configurations are kept, so a bad one is reported on
 * every run; an event that is not plain JSON is resolved every time.
 */
export function createRunConfigResolver(kept = RESOLVED_CONFIGS_KEPT): (event: unknown, env: NodeJS.ProcessEnv) => RunConfig {
  const resolved = new Map<string, RunConfig>();
  const variables = Object.values(SETTINGS).map((row) => row.env);
  return (event, env) => {
    const key = configKey(event, env, variables);
    const known = key === undefined ? undefined : resolved.get(key);
    if (known !== undefined) return known;
    const config = resolveRunConfig(event, env);
    if (key !== undefined) {
      if (resolved.size >= kept) resolved.delete(resolved.keys().next().value!);
      resolved.set(key, config);
    }
    return config;
  };
}

function configKey(event: unknown, env: NodeJS.ProcessEnv, variables: readonly string[]): string | undefined {
  const fromEvent = eventAppliances(event);
  try {
    return JSON.stringify([fromEvent !== undefined, fromEvent ?? null, ...variables.map((name) => env[name] ?? null)], onlyJson);
  } catch {
    return undefined;
  }
}

/** Refuses what JSON would write as something else (undefined, NaN, a function): two such events could share a key. */
function onlyJson(_key: string, value: unknown): unknown {
  const kind = typeof value;
  if (kind === 'undefined' || kind === 'function' || kind === 'symbol' || (kind === 'number' && !Number.isFinite(value))) {
    throw new TypeError('not JSON');
  }
  return value;
}
