/**
 * Structured JSON logs, one object per line, written straight to stdout so that Lambda's JSON log format and
 * CloudWatch Logs Insights see the fields at top level. Every password the run has read is registered with
 * `redact` and scrubbed from every line as a last line of defence: code never logs one on purpose.
 */
import type { Scrub } from './core/ports.js';
import { cut, MAX_FIELD_CHARS, MAX_LOG_LINE_BYTES, SCRUB_WINDOW_CHARS, utf8Bytes } from './core/text.js';
import { VOCABULARY } from './core/vocabulary.generated.js';

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
 * Length of the runs of a password the redactor hides: no REDACTION_WINDOW_CHARS consecutive characters of a
 * registered password, nor of any of its encodings (`encodedForms`), survive a scrub, wherever the text starts
 * or ends them (an appliance that echoes only part of the password is covered too). Shorter pieces pass.
 */
export const REDACTION_WINDOW_CHARS = 8;

/**
 * The passwords that must never appear in output. One per container (its ContainerMemory) or CLI process, shared
 * by all of its loggers. Passwords are registered per holder (the secret id they were read from): registering a
 * holder's new password replaces its old one, so a rotated-away password is no longer scrubbed.
 * A password is matched raw and in the encodings it picks up on its way into text (see `encodedForms` and
 * docs/reliability.md, "What the scrubber guarantees"), by every REDACTION_WINDOW_CHARS-long run of each form.
 */
export class Redactor {
  /** Each holder's registration: what it was built from, and its windows. */
  private readonly holders = new Map<string, { readonly key: string; readonly windows: ReadonlySet<string> }>();
  /** Every window of every holder's forms, with how many holders contribute it. */
  private readonly windows = new Map<string, number>();

  /**
   * Registers a password that stays for the redactor's life (the CLI's, read once per process); `username` adds
   * the forms of HTTP Basic credentials (`user:password`).
   */
  add(secret: string, context: { username?: string } = {}): void {
    this.register(`\u0000${context.username ?? ''}\u0000${secret}`, secret, context);
  }

  /** Registers `secret` as the one password of `holder` (a secret id), replacing the one registered before. */
  register(holder: string, secret: string, context: { username?: string } = {}): void {
    const key = `${context.username ?? ''}\u0000${secret}`;
    if (this.holders.get(holder)?.key === key) return;
    this.forget(holder);
    const windows = secretWindows(secret, context.username);
    this.holders.set(holder, { key, windows });
    for (const window of windows) this.windows.set(window, (this.windows.get(window) ?? 0) + 1);
  }

  /** Stops scrubbing `holder`'s password (unless another holder has the same one). */
  forget(holder: string): void {
    const registered = this.holders.get(holder);
    if (registered === undefined) return;
    this.holders.delete(holder);
    for (const window of registered.windows) {
      const count = this.windows.get(window)!;
      if (count > 1) this.windows.set(window, count - 1);
      else this.windows.delete(window);
    }
  }

  /** Bound to the instance, so that it can be handed on as a plain function. */
  readonly scrub: Scrub = (text) => {
    if (this.windows.size === 0) return text;
    let result = text;
    // A replacement can make a new run with the marker's own characters: scrub until none is left. Each round
    // that finds one replaces at least one character besides a marker, so the text shrinks and this ends.
    for (;;) {
      const ranges = this.matches(result);
      if (ranges.length === 0) return result;
      let scrubbed = '';
      let at = 0;
      for (const [start, end] of ranges) {
        scrubbed += result.slice(at, start) + REDACTED;
        at = end;
      }
      result = scrubbed + result.slice(at);
    }
  };

  /** The merged [start, end) ranges of `text` covered by windows, found raw and across line breaks. */
  private matches(text: string): [number, number][] {
    const covered: [number, number][] = [];
    this.scan(text, (start, end) => covered.push([start, end]));
    if (LINE_BREAK.test(text)) {
      // The text without its line breaks (and the indentation after one), each character mapped to its place.
      const places: number[] = [];
      let flat = '';
      for (let i = 0; i < text.length; ) {
        LINE_BREAK_AT.lastIndex = i;
        const lineBreak = LINE_BREAK_AT.exec(text);
        if (lineBreak !== null) {
          i += lineBreak[0].length;
          continue;
        }
        places.push(i);
        flat += text[i];
        i++;
      }
      this.scan(flat, (start, end) => covered.push([places[start]!, places[end - 1]! + 1]));
    }
    if (covered.length === 0) return covered;
    covered.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [covered[0]!];
    for (const [start, end] of covered.slice(1)) {
      const last = merged.at(-1)!;
      if (start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  }

  private scan(text: string, found: (start: number, end: number) => void): void {
    for (let i = 0; i + REDACTION_WINDOW_CHARS <= text.length; i++) {
      if (this.windows.has(text.slice(i, i + REDACTION_WINDOW_CHARS))) found(i, i + REDACTION_WINDOW_CHARS);
    }
  }
}

/**
 * Every REDACTION_WINDOW_CHARS-long run of every form of `secret` (and of it trimmed): the runs the redactor
 * hides, and the ones the secret reader checks against the collector's vocabulary. Empty for a secret shorter
 * than MIN_SECRET_LENGTH (not counting spaces at either end).
 */
export function secretWindows(secret: string, username?: string): Set<string> {
  const windows = new Set<string>();
  for (const candidate of new Set([secret, secret.trim()])) {
    if (candidate.trim().length < MIN_SECRET_LENGTH) continue;
    const forms = [...encodedForms(candidate)];
    if (username !== undefined) forms.push(...base64Forms(Buffer.from(`${username}:${candidate}`, 'utf8')));
    for (const form of forms) {
      for (let i = 0; i + REDACTION_WINDOW_CHARS <= form.length; i++) windows.add(form.slice(i, i + REDACTION_WINDOW_CHARS));
    }
  }
  return windows;
}

/**
 * Shortest password the secret reader and the CLI accept. Redaction hides runs of REDACTION_WINDOW_CHARS and lets
 * shorter ones pass, so an echoed fragment of 7 characters can come out: of a password this long at least 5
 * characters stay unknown (of an 8-character one, 1 would).
 */
export const MIN_PASSWORD_LENGTH = 12;

/** Every run of REDACTION_WINDOW_CHARS characters of the vocabulary: constant, built on first use (not at cold start). */
let vocabularyWindowsBuilt: ReadonlySet<string> | undefined;
function vocabularyWindows(): ReadonlySet<string> {
  if (vocabularyWindowsBuilt === undefined) {
    const windows = new Set<string>();
    for (const text of [...VOCABULARY, REDACTED])
      for (let i = 0; i + REDACTION_WINDOW_CHARS <= text.length; i++) windows.add(text.slice(i, i + REDACTION_WINDOW_CHARS));
    vocabularyWindowsBuilt = windows;
  }
  return vocabularyWindowsBuilt;
}

/**
 * Why redaction could not hide `password` without rewriting the collector's own text, or undefined when it can:
 * too short, or a run of REDACTION_WINDOW_CHARS characters of it (raw or encoded) is a piece of the collector's
 * vocabulary (lambda/core/vocabulary.generated.ts). The reason never quotes the password.
 */
export function unredactablePassword(password: string): string | undefined {
  if (password.trim().length < MIN_PASSWORD_LENGTH)
    return `is shorter than ${MIN_PASSWORD_LENGTH} characters (spaces at either end not counted): redaction, which hides every run of ${REDACTION_WINDOW_CHARS} of its characters, could not keep enough of it out of the logs`;
  const vocabulary = vocabularyWindows();
  for (const window of secretWindows(password)) {
    if (vocabulary.has(window))
      return `shares a run of ${REDACTION_WINDOW_CHARS} characters with the collector's own message text (a word such as "appliance" or "password"): redaction would rewrite its log lines and tell their readers part of the password; choose another password`;
  }
  return undefined;
}

const LINE_BREAK = /[\r\n]|\\[rn]/;
/** A line break (raw, or as a JSON escape) and the indentation after it. */
const LINE_BREAK_AT = /(?:\r\n|\r|\n|\\r\\n|\\n|\\r)[ \t]*/y;

/**
 * The secret raw; as the inside of a JSON string (also with every non-ASCII character as a lower- or upper-case
 * \uXXXX escape), and that inside a JSON string again; percent-encoded (either hex case) and form-encoded (`+`
 * for a space); its UTF-8 bytes read as Latin-1 (and that JSON-escaped); its UTF-8 bytes in hex (either case);
 * and base64 (standard and URL-safe) at each of the three byte alignments, so that it is found inside any longer
 * base64 text too, such as an HTTP Basic header.
 */
function encodedForms(secret: string): Set<string> {
  const json = jsonStringContent(secret);
  const unicodeEscaped = (hex: (code: string) => string) =>
    json.replace(/[^\x00-\x7f]/g, (c) => `\\u${hex(c.charCodeAt(0).toString(16).padStart(4, '0'))}`);
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
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const encoded = padded.replace(/=+$/, '');
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    // The text to the end as well: a base64 text that ends with the secret ends with its last partial character.
    for (const form of [core, encoded.slice(first), padded.slice(first)])
      if (form.length >= MIN_SECRET_LENGTH) forms.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
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
