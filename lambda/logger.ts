/**
 * Structured JSON logs, one object per line, written straight to stdout so that Lambda's JSON log format and
 * CloudWatch Logs Insights see the fields at top level. Every password the run has read is registered with
 * `redact` and scrubbed from every line as a last line of defence: code never logs one on purpose.
 */
import type { Scrub } from './core/ports.js';
import { cut, MAX_FIELD_CHARS, MAX_LOG_LINE_BYTES, SCRUB_WINDOW_CHARS, utf8Bytes } from './core/text.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` too. */
  child(fields: LogFields): Logger;
}

export interface JsonLoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  /** The passwords to scrub: the container's (or the CLI process's) one redactor, passed explicitly. */
  redactor: Redactor;
  now?: () => Date;
}

const REDACTED = '[REDACTED]';

/**
 * Shortest secret the collector accepts (the secret reader refuses shorter passwords) and the redactor scrubs:
 * scrubbing a shorter one would turn ordinary words into [REDACTED], and its encodings would match by chance.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * The set of secret values that must never appear in output. One per container (its ContainerMemory) or CLI process,
 * shared by all of its loggers.
 * A secret is matched raw and in the encodings it picks up on its way into text (see `encodedForms` and
 * docs/reliability.md, "What the scrubber guarantees").
 */
export class Redactor {
  /** Every form, in the order they are applied: longest first, so that no shorter form breaks up a longer one. */
  private readonly rank = new Map<string, number>();
  /** The forms by their first MIN_SECRET_LENGTH characters: a scrub looks up each window of the text once. */
  private readonly byPrefix = new Map<string, string[]>();
  /** Forms shorter than MIN_SECRET_LENGTH (scanned for in every text; kept apart so a scrub never walks them all). */
  private readonly shortForms: string[] = [];
  private readonly splitPatterns = new Map<string, RegExp>();
  /** What add() has seen: a warm container registers the same password every run. */
  private readonly registered = new Set<string>();

  /** Registers a password; `username` adds the forms of HTTP Basic credentials (`user:password`). */
  add(secret: string, context: { username?: string } = {}): void {
    const key = `${context.username ?? ''}\u0000${secret}`;
    if (this.registered.has(key)) return;
    this.registered.add(key);
    for (const candidate of new Set([secret, secret.trim()])) {
      if (candidate.trim().length < MIN_SECRET_LENGTH) continue;
      for (const form of encodedForms(candidate)) this.addForm(form);
      if (context.username !== undefined) for (const form of base64Forms(Buffer.from(`${context.username}:${candidate}`, 'utf8'))) this.addForm(form);
      for (const form of [candidate, jsonStringContent(candidate)]) {
        if (!this.splitPatterns.has(form)) this.splitPatterns.set(form, splitPattern(form));
      }
    }
  }

  /** Bound to the instance, so that it can be handed on as a plain function. */
  readonly scrub: Scrub = (text) => {
    let result = text;
    let after: string | undefined;
    for (let forms = this.formsIn(result); forms.length > 0; ) {
      const form = forms.shift()!;
      if (!result.includes(form)) continue;
      result = result.split(form).join(REDACTED);
      after = form;
      // The replacement changed the text: look again, for the forms that come after this one.
      forms = this.formsIn(result).filter((next) => this.order(next, after!) > 0);
    }
    // A split pattern matches a line break between characters; without one it matches only the forms above.
    if (!LINE_BREAK.test(result)) return result;
    for (const pattern of this.splitPatterns.values()) {
      pattern.lastIndex = 0;
      if (pattern.test(result)) result = result.replace(pattern, REDACTED);
    }
    return result;
  };

  private addForm(form: string): void {
    if (this.rank.has(form)) return;
    this.rank.set(form, this.rank.size);
    const prefix = form.slice(0, MIN_SECRET_LENGTH);
    if (prefix.length < MIN_SECRET_LENGTH) this.shortForms.push(form);
    const forms = this.byPrefix.get(prefix);
    if (forms) forms.push(form);
    else this.byPrefix.set(prefix, [form]);
  }

  /** The registered forms whose first characters occur in `text`, in the order they are applied. */
  private formsIn(text: string): string[] {
    const found = new Set<string>();
    for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i++) {
      for (const form of this.byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH)) ?? []) found.add(form);
    }
    // Forms shorter than the window (none today: every form is at least MIN_SECRET_LENGTH long) are always tried.
    for (const form of this.shortForms) found.add(form);
    if (found.size === 0) return [];
    return [...found].sort((a, b) => this.order(a, b));
  }

  private order(a: string, b: string): number {
    return b.length - a.length || this.rank.get(a)! - this.rank.get(b)!;
  }
}

const LINE_BREAK = /[\r\n]|\\[rn]/;

/**
 * The secret raw; as the inside of a JSON string (also with every non-ASCII character as a lower- or upper-case
 * \uXXXX escape), and that inside a JSON string again; percent-encoded (either hex case) and form-encoded (`+`
 * for a space); its UTF-8 bytes read as Latin-1 (and that JSON-escaped); its UTF-8 bytes in hex (either case);
 * and base64 (standard and URL-safe) at each of the three byte alignments, so that it is found inside any longer
 * base64 text too, such as an HTTP Basic header.
 */
function encodedForms(secret: string): Set<string> {
  const json = jsonStringContent(secret);
  const unicodeEscaped = (hex: (code: string) => string) => json.replace(/[^\x00-\x7f]/g, (c) => `\\u${hex(c.charCodeAt(0).toString(16).padStart(4, '0'))}`);
  const jsonAsciiLower = unicodeEscaped((code) => code);
  const jsonAsciiUpper = unicodeEscaped((code) => code.toUpperCase());
  const forms = new Set([secret, json, jsonAsciiLower, jsonAsciiUpper]);
  for (const form of [json, jsonAsciiLower, jsonAsciiUpper]) forms.add(jsonStringContent(form));
  try {
    const percent = encodeURIComponent(secret);
    forms.add(percent).add(percent.replace(/%[0-9A-F]{2}/g, (code) => code.toLowerCase()));
    forms.add(percent.replace(/%20/g, '+'));
    forms.add(new URLSearchParams({ p: secret }).toString().slice(2));
  } catch {
    // encodeURIComponent throws on a lone surrogate: such a secret has no percent-encoded form.
  }
  const bytes = Buffer.from(secret, 'utf8');
  const latin1 = bytes.toString('latin1');
  if (latin1 !== secret) forms.add(latin1).add(jsonStringContent(latin1));
  const hex = bytes.toString('hex');
  forms.add(hex).add(hex.toUpperCase());
  for (const form of base64Forms(bytes)) forms.add(form);
  return forms;
}

/**
 * The base64 characters that depend on `bytes` alone, for each of the three offsets at which they can start
 * inside a longer base64 text (standard and URL-safe alphabets).
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    if (core.length >= MIN_SECRET_LENGTH) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** The text with a line break (raw, or as a JSON escape) anywhere between two of its characters. */
function splitPattern(text: string): RegExp {
  const lineBreak = String.raw`(?:\r\n|\r|\n|\\r\\n|\\n|\\r)[ \t]*`;
  const characters = [...text].map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(characters.join(`(?:${lineBreak})?`), 'g');
}

function jsonStringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export function levelFromEnvironment(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = (env.AWS_LAMBDA_LOG_LEVEL ?? env.LOG_LEVEL ?? 'INFO').toUpperCase();
  if (value === 'TRACE') return 'DEBUG';
  if (value === 'FATAL') return 'ERROR';
  return value in LEVELS ? (value as LogLevel) : 'INFO';
}

export function createJsonLogger(options: JsonLoggerOptions, base: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? levelFromEnvironment()];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { redactor } = options;
  const now = options.now ?? (() => new Date());

  const log = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    write(logLine({ timestamp: now().toISOString(), level, message, ...base, ...fields }, redactor.scrub));
  };
  return {
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARN', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (fields) => createJsonLogger(options, { ...base, ...fields }),
  };
}

/** Items kept of an array in a log field (the rest are counted), and how deep objects are followed. */
const MAX_FIELD_ITEMS = 32;
const MAX_FIELD_DEPTH = 6;

/**
 * One JSON line of at most MAX_LOG_LINE_BYTES: every string value scrubbed (keys are the code's own and stay as
 * they are), cut to MAX_FIELD_CHARS, arrays to MAX_FIELD_ITEMS; a line still too long keeps its level, message
 * and short fields and says how long it was.
 */
export function logLine(entry: LogFields, scrub: Scrub): string {
  const line = JSON.stringify(boundValue(entry, scrub, 0));
  const bytes = utf8Bytes(line);
  if (bytes <= MAX_LOG_LINE_BYTES) return line;
  // Level, time, message and the short fields that fit in a quarter of the bound, in the entry's order.
  const short: LogFields = {};
  let kept = 0;
  for (const [key, value] of Object.entries(entry)) {
    const shown = typeof value === 'string' ? cut(scrub(value.slice(0, 256 + SCRUB_WINDOW_CHARS)), 256) : value;
    if (typeof shown !== 'string' && typeof shown !== 'number' && typeof shown !== 'boolean') continue;
    const size = utf8Bytes(JSON.stringify(shown)) + key.length + 4;
    if (kept + size > MAX_LOG_LINE_BYTES / 4) continue;
    short[key] = shown;
    kept += size;
  }
  return JSON.stringify({ ...short, lineTruncated: true, lineBytes: bytes });
}

/** `value` with its strings scrubbed and every string, array and object bounded (see logLine). */
export function boundValue(value: unknown, scrub: Scrub, depth: number): unknown {
  if (typeof value === 'string')
    return cut(
      scrub(value.length > MAX_FIELD_CHARS + SCRUB_WINDOW_CHARS ? value.slice(0, MAX_FIELD_CHARS + SCRUB_WINDOW_CHARS) : value),
      MAX_FIELD_CHARS,
      Math.max(0, value.length - MAX_FIELD_CHARS - SCRUB_WINDOW_CHARS),
    );
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  if (depth >= MAX_FIELD_DEPTH) return '[nested too deep]';
  if (value instanceof Error) return { name: value.name, message: boundValue(value.message, scrub, depth + 1) };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_FIELD_ITEMS).map((item) => boundValue(item, scrub, depth + 1));
    if (value.length > MAX_FIELD_ITEMS) kept.push(`… ${value.length - MAX_FIELD_ITEMS} more`);
    return kept;
  }
  const bounded: Record<string, unknown> = {};
  let keys = 0;
  for (const [key, item] of Object.entries(value)) {
    if (++keys > MAX_FIELD_ITEMS * 2) {
      bounded['…'] = `${Object.keys(value).length - MAX_FIELD_ITEMS * 2} more fields`;
      break;
    }
    bounded[key] = boundValue(item, scrub, depth + 1);
  }
  return bounded;
}

/** A logger that keeps lines in memory (for the local run and tests). */
export function createMemoryLogger(level: LogLevel = 'DEBUG', redactor: Redactor = new Redactor()): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createJsonLogger({ level, redactor, write: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
