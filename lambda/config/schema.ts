import { closestNames } from '../catalog/closest-names.js';
import { isRecord } from '../core/is-record.js';

/**
 * A small declarative validator for settings: each spec knows its rule in plain words (for errors and the
 * docs), its default and its limits, and checks a value into problems that name the path. No dependency: the
 * Lambda bundle carries a few KB of validation, and no message is ever a validator's own wording.
 * Messages complete a sentence that starts with the path: `schedule.shardSize must be a whole number ...`.
 */

export type Path = readonly (string | number)[];

export interface Problem {
  readonly path: Path;
  readonly message: string;
}

/** A value that did not pass: its problems are reported, the value itself is left out of the result. */
export const INVALID: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof INVALID;

export interface Spec<T> {
  readonly type: 'integer' | 'number' | 'boolean' | 'text' | 'choice' | 'list' | 'object' | 'record' | 'union' | 'any';
  /** What is allowed, in plain words: "a whole number from 1 to 100". */
  readonly rule: string;
  /** True when the field may be left out of its object. */
  readonly optional: boolean;
  readonly min?: number;
  readonly max?: number;
  /** The smallest step between two allowed values (1 for whole numbers), for limit tests and docs. */
  readonly step?: number;
  readonly choices?: readonly unknown[];
  readonly fields?: Readonly<Record<string, Spec<unknown>>>;
  readonly item?: Spec<unknown>;
  check(value: unknown, path: Path, problems: Problem[]): Checked<T>;
}

export type Infer<S> = S extends Spec<infer T> ? T : never;
type Shape = Record<string, Spec<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { readonly [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** Reports a problem at a path below the one being checked (cross-field rules). */
export type Report = (path: Path, message: string) => void;

const MAX_EXCERPT = 40;

/** A short, quoted, escaped excerpt of text from the input: never the whole of an untrusted string. */
export function excerpt(text: string, max = MAX_EXCERPT): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}...`;
}

/** What a wrong value is, without echoing text: numbers and booleans are shown, strings only by kind. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function missingOrWrong(value: unknown, rule: string): string {
  return value === undefined ? `is required: ${rule}` : `must be ${rule} (got ${describeValue(value)})`;
}

function leaf<T>(type: Spec<T>['type'], rule: string, test: (value: unknown) => value is T, extra: Partial<Spec<T>> = {}): Spec<T> {
  return {
    type,
    rule,
    optional: false,
    ...extra,
    check(value, path, problems) {
      if (test(value)) return value;
      problems.push({ path, message: missingOrWrong(value, rule) });
      return INVALID;
    },
  };
}

export interface RangeOptions {
  readonly min: number;
  readonly max?: number;
  /** Unit in words, plural: "minutes" renders "a whole number of minutes from 1 to 1440". */
  readonly unit?: string;
  /** What the number is, replacing "a number": "a percentage of the collection window" (then from 1 to 100). */
  readonly noun?: string;
}

export function integer({ min, max, unit }: RangeOptions): Spec<number> {
  const of = unit ? ` of ${unit}` : '';
  const rule = max === undefined ? `a whole number${of} >= ${min}` : `a whole number${of} from ${min} to ${max}`;
  return leaf(
    'integer',
    rule,
    (v): v is number => Number.isInteger(v) && (v as number) >= min && (max === undefined || (v as number) <= max),
    {
      min,
      step: 1,
      ...(max === undefined ? {} : { max }),
    },
  );
}

export function number({ min, max, unit, noun }: RangeOptions): Spec<number> {
  const what = noun ?? (unit ? `a number of ${unit}` : 'a number');
  const rule = max === undefined ? `${what} >= ${min}` : `${what} from ${min} to ${max}`;
  return leaf(
    'number',
    rule,
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && (max === undefined || v <= max),
    {
      min,
      step: 0.001,
      ...(max === undefined ? {} : { max }),
    },
  );
}

export function boolean(): Spec<boolean> {
  return leaf('boolean', 'true or false', (v): v is boolean => typeof v === 'boolean');
}

export interface TextOptions {
  /** What is allowed, in words: "a DNS name (the name in the appliance certificate)". */
  readonly rule: string;
  readonly pattern?: RegExp;
  /** Further checks on the (trimmed) text: a message completing "<path> ...", or undefined. */
  readonly problem?: (text: string) => string | undefined;
  /** Trim spaces around the value before checking (and in the result). */
  readonly trim?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export function text(options: TextOptions): Spec<string> {
  const { rule, pattern, problem, trim = false, minLength = 0, maxLength } = options;
  return {
    type: 'text',
    rule,
    optional: false,
    min: minLength,
    ...(maxLength === undefined ? {} : { max: maxLength }),
    check(value, path, problems) {
      if (typeof value !== 'string') {
        problems.push({ path, message: missingOrWrong(value, rule) });
        return INVALID;
      }
      const string = trim ? value.trim() : value;
      if (string.length < minLength) {
        problems.push({
          path,
          message: minLength === 1 ? `must not be empty: ${rule}` : `must be ${rule} (at least ${minLength} characters)`,
        });
        return INVALID;
      }
      if (maxLength !== undefined && string.length > maxLength) {
        problems.push({ path, message: `is ${string.length} characters long: at most ${maxLength}` });
        return INVALID;
      }
      if (pattern && !pattern.test(string)) {
        problems.push({ path, message: `must be ${rule}` });
        return INVALID;
      }
      const found = problem?.(string);
      if (found !== undefined) {
        problems.push({ path, message: found });
        return INVALID;
      }
      return string;
    },
  };
}

function show(choice: unknown): string {
  return typeof choice === 'string' ? `"${choice}"` : String(choice);
}

/** One of a few fixed values; `rule` explains them, the allowed values are listed from `choices`. */
export function choice<const C extends readonly (string | number)[]>(choices: C, meaning?: string): Spec<C[number]> {
  type T = C[number];
  const listed = choices.length === 2 ? `${show(choices[0])} or ${show(choices[1])}` : `one of ${choices.map(show).join(', ')}`;
  const rule = meaning ? `${listed} (${meaning})` : listed;
  return {
    type: 'choice',
    rule,
    optional: false,
    choices,
    check(value, path, problems) {
      if ((choices as readonly unknown[]).includes(value)) return value as T;
      const near =
        typeof value === 'string'
          ? closestNames(
              value,
              choices.filter((c): c is T & string => typeof c === 'string'),
              1,
            )
          : [];
      const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : '';
      const got = typeof value === 'string' ? excerpt(value) : describeValue(value);
      problems.push({ path, message: value === undefined ? `is required: ${rule}` : `must be ${rule} (got ${got})${hint}` });
      return INVALID;
    },
  };
}

/** Makes a field optional in its object (left out: the setting's default applies). */
export function optional<T>(spec: Spec<T>): Spec<T> & { readonly optional: true } {
  return { ...spec, optional: true, check: spec.check };
}

export interface ListOptions<T> {
  readonly rule: string;
  readonly min?: number;
  readonly max?: number;
  /** The message when fewer than `min` entries are given. */
  readonly tooFew?: string;
  /** The message when more than `max` entries are given (checked before any entry). */
  readonly tooMany?: string;
  /** Rules across the entries (e.g. unique names), given only the entries that passed. */
  readonly across?: (entries: readonly { readonly index: number; readonly value: T }[], report: Report) => void;
}

export function list<T>(item: Spec<T>, options: ListOptions<T>): Spec<T[]> {
  const { rule, min = 0, max, tooFew, tooMany, across } = options;
  return {
    type: 'list',
    rule,
    optional: false,
    item,
    min,
    ...(max === undefined ? {} : { max }),
    check(value, path, problems) {
      if (!Array.isArray(value)) {
        problems.push({ path, message: missingOrWrong(value, rule) });
        return INVALID;
      }
      if (value.length < min) {
        problems.push({ path, message: tooFew ?? `must list at least ${min}: ${rule}` });
        return INVALID;
      }
      if (max !== undefined && value.length > max) {
        problems.push({ path, message: tooMany ?? `lists ${value.length}: at most ${max}` });
        return INVALID;
      }
      const before = problems.length;
      const entries: { index: number; value: T }[] = [];
      value.forEach((entry, index) => {
        const checked = item.check(entry, [...path, index], problems);
        if (checked !== INVALID) entries.push({ index, value: checked });
      });
      across?.(entries, (at, message) => problems.push({ path: [...path, ...at], message }));
      return problems.length === before ? entries.map((e) => e.value) : INVALID;
    },
  };
}

export function record<T>(key: Spec<string>, value: Spec<T>, rule: string): Spec<Record<string, T>> {
  return {
    type: 'record',
    rule,
    optional: false,
    item: value,
    check(input, path, problems) {
      if (!isRecord(input)) {
        problems.push({ path, message: missingOrWrong(input, rule) });
        return INVALID;
      }
      const before = problems.length;
      for (const [k, v] of Object.entries(input)) {
        key.check(k, [...path, k], problems);
        value.check(v, [...path, k], problems);
      }
      return problems.length === before ? (input as Record<string, T>) : INVALID;
    },
  };
}

/** The first alternative whose type fits decides (e.g. a comma-separated string or a list of names). */
export function union<T>(
  alternatives: readonly { readonly fits: (value: unknown) => boolean; readonly spec: Spec<T> }[],
  rule: string,
): Spec<T> {
  return {
    type: 'union',
    rule,
    optional: false,
    check(value, path, problems) {
      const fitting = alternatives.find((a) => a.fits(value));
      if (fitting) return fitting.spec.check(value, path, problems);
      problems.push({ path, message: missingOrWrong(value, rule) });
      return INVALID;
    },
  };
}

/** Anything (a value checked elsewhere, e.g. a CDK object in the construct's props). */
export function anything<T>(rule: string): Spec<T> {
  return { type: 'any', rule, optional: false, check: (value) => value as T };
}

/** Adds a rule on a value that passed its spec; `problem` returns a message or undefined. */
export function refine<T>(spec: Spec<T>, problem: (value: T, report: Report) => string | undefined): Spec<T> {
  return {
    ...spec,
    check(value, path, problems) {
      const checked = spec.check(value, path, problems);
      if (checked === INVALID) return INVALID;
      const before = problems.length;
      const found = problem(checked, (at, message) => problems.push({ path: [...path, ...at], message }));
      if (found !== undefined) problems.push({ path, message: found });
      return found === undefined && problems.length === before ? checked : INVALID;
    },
  };
}

export interface ObjectOptions<S extends Shape> {
  /** What the object is, in words ("an appliance object"). */
  readonly rule?: string;
  /**
   * Rules across fields. They see the fields that passed on their own (a bad field is left out), so one
   * wrong field never hides another problem; `input` is the object as given (to tell a bad field from none).
   */
  readonly across?: (value: Partial<ObjectOf<S>>, report: Report, input: Readonly<Record<string, unknown>>) => void;
}

/** An object with known fields: an unknown field is a problem that names the closest known one. */
export function object<S extends Shape>(fields: S, options: ObjectOptions<S> = {}): Spec<ObjectOf<S>> {
  const rule = options.rule ?? 'an object';
  const names = Object.keys(fields);
  return {
    type: 'object',
    rule,
    optional: false,
    fields,
    check(value, path, problems) {
      if (!isRecord(value)) {
        problems.push({ path, message: missingOrWrong(value, rule) });
        return INVALID;
      }
      const before = problems.length;
      const unknown = Object.keys(value).filter((key) => !Object.hasOwn(fields, key));
      const explained = new Set<string>();
      for (const key of unknown) {
        const [near] = closestNames(key, names, 1);
        const missing = near !== undefined && value[near] === undefined && !fields[near]!.optional;
        if (missing) explained.add(near);
        const hint =
          near === undefined
            ? '; allowed:'
            : missing
              ? `; did you mean "${near}" (required)? Allowed:`
              : `; did you mean "${near}"? Allowed:`;
        problems.push({ path, message: `has unknown field ${excerpt(key)}${hint} ${names.join(', ')}` });
      }
      const result: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(fields)) {
        const input = value[name];
        if (input === undefined && spec.optional) continue;
        if (input === undefined && explained.has(name)) continue;
        const checked = spec.check(input, [...path, name], problems);
        if (checked !== INVALID) result[name] = checked;
      }
      options.across?.(result as Partial<ObjectOf<S>>, (at, message) => problems.push({ path: [...path, ...at], message }), value);
      return problems.length === before ? (result as ObjectOf<S>) : INVALID;
    },
  };
}

/** Checks `value`; returns the result, or the problems when there are any. */
export function validate<T>(spec: Spec<T>, value: unknown, root: Path = []): { ok: true; value: T } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const checked = spec.check(value, root, problems);
  if (checked === INVALID || problems.length > 0) return { ok: false, problems };
  return { ok: true, value: checked };
}

/** Problems shown in full; the rest are counted ("and 12 more"). */
export const MAX_PROBLEMS_SHOWN = 5;

/**
 * `appliances[1] (adc-2).url must be ...`: the path, with each list entry's name when it has one (excerpted),
 * then the message. `root` names the empty path ("the top level").
 */
export function renderProblem(problem: Problem, input: unknown, root: string): string {
  let rendered = '';
  let node: unknown = input;
  for (const key of problem.path) {
    if (typeof key === 'number') {
      node = Array.isArray(node) ? node[key] : undefined;
      const name =
        isRecord(node) && typeof node.name === 'string' && node.name.trim() !== '' ? ` (${excerpt(node.name, 32).slice(1, -1)})` : '';
      rendered += `[${key}]${name}`;
    } else {
      node = isRecord(node) ? node[key] : undefined;
      const safe = /^[A-Za-z_$][\w$]*$/.test(key) ? key : excerpt(key);
      rendered += rendered === '' ? safe : `.${safe}`;
    }
  }
  return `${rendered === '' ? root : rendered} ${problem.message}`;
}

/**
 * At most `limit` rendered problems, then a line counting the rest. The config file and the construct's props
 * (read by a person at synth) list every one; a one-line log message stops at MAX_PROBLEMS_SHOWN.
 */
export function renderProblems(problems: readonly Problem[], input: unknown, root: string, limit = MAX_PROBLEMS_SHOWN): string[] {
  const lines = problems.slice(0, limit).map((p) => renderProblem(p, input, root));
  const rest = problems.length - lines.length;
  if (rest > 0) lines.push(`and ${rest} more problem${rest > 1 ? 's' : ''}`);
  return lines;
}

/** The value at a dotted path of plain objects (undefined when any step is missing). */
export function valueAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = isRecord(node) ? node[key] : undefined;
  }
  return node;
}
