import { isSelectionKeyword, lookupMetric, UnknownMetricError } from '../catalog/selection.js';
import {
  MAX_VIRTUAL_SERVER_NAME_LENGTH,
  MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
  VIRTUAL_SERVER_RULE,
  virtualServerListProblems,
} from '../catalog/virtual-server.js';
import { SESSION_TIMEOUT_SECONDS } from '../core/session-timeout.js';
import { DEFAULT_NAMESPACE } from '../metrics/health.js';
import { NAMESPACE_RULE, namespaceProblem } from './namespace.js';
import { pemBundleProblem } from './pem.js';
import { boolean, choice, excerpt, type Infer, integer, list, object, optional, refine, type Spec, text, union } from './schema.js';

/**
 * THE RUNTIME SETTINGS: the function's own settings, each with its type, default and limits, defined once, and the
 * environment variable it is read from (`env`, parsed by run-config.ts; the names are a public contract).
 * The deployment's settings (schedule, function size, logs, alarms, VPC, ...) and where every setting appears in the
 * config file and the construct's props live in infra/model/settings.ts: the function's bundle carries none of them.
 *
 * To add a runtime setting: add one row here (spec, doc, default, env) and its surfaces in infra/model/settings.ts
 * (RUNTIME_SURFACES: the config file path and the prop; the construct sets its variable from them). A new field of
 * an appliance: add it to APPLIANCE_FIELDS (the config file, the props, the event and APPLIANCES share it), and to
 * the README's `appliances[]` table.
 */

export interface Setting<T = unknown> {
  readonly spec: Spec<T>;
  /** What it does, one sentence (docs). */
  readonly doc: string;
  /** The value when it is left out. */
  readonly default?: T;
  /** The default in words, when it depends on other settings. */
  readonly defaultText?: string;
  /** It must be given (no default). */
  readonly required?: true;
}

/** A runtime setting: read from its environment variable. */
export interface RuntimeSetting<T = unknown> extends Setting<T> {
  readonly env: string;
}

/** The longest gap after which a previous sample still gives deltas: three intervals of a daily schedule. */
export const MAX_SAMPLE_AGE_LIMIT_SECONDS = 3 * 86_400;

/** Lambda allows 4 KB of environment variables in all; COUNTERS must leave room for the others. */
export const MAX_COUNTERS_LENGTH = 3_000;

// ---- An appliance (the handler contract's ApplianceConfig) ----

export const APPLIANCE_FIELDS = {
  name: text({
    rule: 'printable ASCII of 1 to 255 characters, not starting with a space (it becomes the Appliance dimension)',
    trim: true,
    minLength: 1,
    maxLength: 255,
    pattern: /^[\x21-\x7e][\x20-\x7e]*$/,
  }),
  url: text({
    rule: 'an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query',
    trim: true,
    problem: urlProblem,
  }),
  secretId: text({ rule: 'a Secrets Manager secret name or ARN', trim: true, minLength: 1 }),
  caCertificate: optional(text({ rule: 'a PEM certificate bundle', problem: pemBundleProblem })),
  tlsServerName: optional(text({ rule: 'a DNS name (the name in the appliance certificate)', trim: true, pattern: /^[A-Za-z0-9.-]+$/ })),
  insecureSkipVerify: optional(boolean()),
  haMode: optional(choice(['primary-only', 'any'])),
  /** Explicit opt-in for a plain http:// URL (credentials then cross the network unencrypted). */
  allowPlainHttp: optional(boolean()),
  /**
   * The NITRO login session timeout (default SESSION_TIMEOUT_SECONDS.default, 300: accepted with and without
   * restrictedTimeout; core/session-timeout.ts says why).
   */
  sessionTimeoutSeconds: optional(integer({ min: SESSION_TIMEOUT_SECONDS.min, max: SESSION_TIMEOUT_SECONDS.max, unit: 'seconds' })),
  /** lb/cs virtual servers whose current MPTCP sessions and subflows are published (one GET each per run). */
  virtualServers: optional(
    list(
      text({
        rule: VIRTUAL_SERVER_RULE,
        problem: (entry) => (entry.length > MAX_VIRTUAL_SERVER_NAME_LENGTH + 3 ? `must be ${VIRTUAL_SERVER_RULE}` : undefined),
      }),
      {
        rule: `a list of at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers, each ${VIRTUAL_SERVER_RULE}`,
        // Bounded before anything looks at the entries: a huge list costs no more than a short one.
        max: MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
        tooMany: `must list at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers (one GET each per run)`,
        across(entries, report) {
          for (const [at, message] of virtualServerListProblems(entries.map((e) => e.value))) {
            report(at === undefined ? [] : [entries[at]!.index], message);
          }
        },
      },
    ),
  ),
};

export const applianceSpec = object(APPLIANCE_FIELDS, {
  rule: 'an appliance object {name, url, secretId, ...}',
  across(appliance, report) {
    if (appliance.url?.startsWith('http://') && appliance.allowPlainHttp !== true) {
      report(['url'], 'is plain http://: use https://, or set "allowPlainHttp": true to send credentials unencrypted on purpose');
    }
  },
});

export type ApplianceConfig = Infer<typeof applianceSpec>;

export const appliancesSpec = list(applianceSpec, {
  rule: 'a list of appliance objects {name, url, secretId, ...}',
  min: 1,
  tooFew: 'must list at least one appliance',
  across(entries, report) {
    const seen = new Map<string, number>();
    for (const { index, value } of entries) {
      const first = seen.get(value.name);
      if (first === undefined) seen.set(value.name, index);
      else
        report(
          [index, 'name'],
          `${excerpt(value.name)} is already used by appliances[${first}]: names must be unique (they key the state table)`,
        );
    }
  },
});

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be ${APPLIANCE_URL_RULE}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a username or password (user:password@): put the credentials into the secret named by secretId';
  }
  const isHttp = url.protocol === 'https:' || url.protocol === 'http:';
  return isHttp && (url.pathname === '/' || url.pathname === '') && !url.search ? undefined : `must be ${APPLIANCE_URL_RULE}`;
}
const APPLIANCE_URL_RULE = 'an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query';

// ---- Counters ----

const COUNTERS_RULE =
  '"default", "all", "everything", a comma-separated list or an array of counter names (CloudWatch metric or NITRO field names)';

/** Every unknown counter at once, each with the closest names; and the length limit of COUNTERS. */
function counterProblems(value: string | string[], report: (path: (string | number)[], message: string) => void): string | undefined {
  const entries = (typeof value === 'string' ? value.split(',') : value).map((name, index) => ({ name: name.trim(), index }));
  const named = entries.filter((e) => e.name !== '');
  if (named.length === 0) return 'must name at least one counter or "default", "all", "everything" (or be left out for "default")';
  const joined = named.map((e) => e.name).join(',');
  if (joined.length > MAX_COUNTERS_LENGTH) {
    return `is ${joined.length} characters long: at most ${MAX_COUNTERS_LENGTH} fit the function's environment; use "default", "all" or "everything" plus the extra names`;
  }
  for (const { name, index } of named) {
    if (isSelectionKeyword(name.toLowerCase())) continue;
    try {
      lookupMetric(name);
    } catch (error) {
      if (!(error instanceof UnknownMetricError)) throw error;
      const near = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.map((s) => `"${s}"`).join(', ')}?` : '.';
      report(
        typeof value === 'string' ? [] : [index],
        `names an unknown counter ${excerpt(name)}${near} Allowed: "default", "all", "everything", and CloudWatch metric or NITRO field names (docs/metrics.md)`,
      );
    }
  }
  return undefined;
}

const countersSpec = refine(
  union<string | string[]>(
    [
      { fits: (v) => typeof v === 'string', spec: text({ rule: COUNTERS_RULE }) },
      { fits: Array.isArray, spec: list(text({ rule: 'a counter name' }), { rule: COUNTERS_RULE }) },
    ],
    COUNTERS_RULE,
  ),
  counterProblems,
);

// ---- The settings ----

// ---- The runtime settings ----

const runtime = <T>(row: RuntimeSetting<NoInfer<T>> & { readonly spec: Spec<T> }): RuntimeSetting<T> => row as RuntimeSetting<T>;

export const RUNTIME_SETTINGS = {
  appliances: runtime({
    spec: appliancesSpec,
    doc: 'The appliances to collect (names unique): the handler contract ApplianceConfig.',
    required: true,
    env: 'APPLIANCES',
  }),
  namespace: runtime({
    spec: text({ rule: NAMESPACE_RULE, problem: namespaceProblem }),
    doc: 'CloudWatch namespace; the function may publish only into it.',
    default: DEFAULT_NAMESPACE,
    env: 'METRIC_NAMESPACE',
  }),
  counters: runtime({
    spec: countersSpec,
    doc: 'The counters billed as CloudWatch metrics: "default", "all", "everything", or metric / NITRO names (docs/metrics.md); every counter is in the sample record whatever the selection.',
    default: 'default',
    env: 'COUNTERS',
  }),
  storageResolution: runtime({
    spec: choice([60, 1], '60: standard resolution, 1: high resolution'),
    doc: 'CloudWatch storage resolution in seconds.',
    default: 60,
    env: 'STORAGE_RESOLUTION',
  }),
  concurrency: runtime({
    spec: integer({ min: 1, max: 100 }),
    doc: 'Appliances collected at once within one invocation.',
    // From the bench's sweeps (docs/performance.md, Decisions): 1,000 appliances in 4.5 s at 224 MB with a whole
    // vCPU, and no appliance missed at Lambda's CPU share for 256 MB in a shard of up to 200.
    default: 40,
    env: 'CONCURRENCY',
  }),
  maxSampleAgeSeconds: runtime({
    spec: integer({ min: 60, max: MAX_SAMPLE_AGE_LIMIT_SECONDS, unit: 'seconds' }),
    doc: 'A previous sample older than this gives no counter deltas (the construct sets three intervals, at least 900).',
    default: 900,
    env: 'MAX_SAMPLE_AGE_SECONDS',
  }),
  stateTableName: runtime({
    spec: text({ rule: 'the name of the DynamoDB table that keeps the previous sample per appliance', trim: true, minLength: 1 }),
    doc: 'The state table (partition key `appliance`, String); the construct creates it.',
    env: 'STATE_TABLE_NAME',
  }),
};

export type RuntimeSettingName = keyof typeof RUNTIME_SETTINGS;

/** The default of a runtime setting that has one (a typed read of the row). */
export function defaultOf<N extends RuntimeSettingName>(name: N): NonNullable<(typeof RUNTIME_SETTINGS)[N]['default']> {
  const value = RUNTIME_SETTINGS[name].default;
  if (value === undefined) throw new Error(`setting ${name} has no default`);
  return value as NonNullable<(typeof RUNTIME_SETTINGS)[N]['default']>;
}
