/**
 * Structured JSON logs, one object per line, written straight to stdout so that Lambda's JSON log format and
 * CloudWatch Logs Insights see the fields at top level. Every password the run has read is registered with
 * `redact` and scrubbed from every line as a last line of defence: code never logs one on purpose.
 */
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
  redactor?: Redactor;
  now?: () => Date;
}

/** Removes secrets from text. */
export type Scrub = (text: string) => string;

const REDACTED = '[REDACTED]';

/**
 * The set of secret values that must never appear in output. Shared by all loggers of a container.
 * A secret is matched raw and in the encodings it picks up on its way into text (see `encodedForms`).
 */
export class Redactor {
  private readonly forms = new Set<string>();
  /** Longest first, so that no shorter form breaks up a longer one that contains it. */
  private ordered: readonly string[] = [];

  add(secret: string): void {
    for (const candidate of new Set([secret, secret.trim()])) {
      if (candidate.length >= 3) for (const form of encodedForms(candidate)) this.forms.add(form);
    }
    this.ordered = [...this.forms].sort((a, b) => b.length - a.length);
  }

  /** Bound to the instance, so that it can be handed on as a plain function. */
  readonly scrub: Scrub = (text) => {
    let result = text;
    for (const form of this.ordered) {
      if (result.includes(form)) result = result.split(form).join(REDACTED);
    }
    return result;
  };
}

/**
 * The secret raw, as the inside of a JSON string (also with every non-ASCII character as a lower- or upper-case
 * \uXXXX escape), as that inside a JSON string again (a JSON text quoted in a JSON log line), and percent-encoded.
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
  } catch {
    // encodeURIComponent throws on a lone surrogate: such a secret has no percent-encoded form.
  }
  return forms;
}

function jsonStringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export const globalRedactor = new Redactor();

export function levelFromEnvironment(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = (env.AWS_LAMBDA_LOG_LEVEL ?? env.LOG_LEVEL ?? 'INFO').toUpperCase();
  if (value === 'TRACE') return 'DEBUG';
  if (value === 'FATAL') return 'ERROR';
  return value in LEVELS ? (value as LogLevel) : 'INFO';
}

export function createJsonLogger(options: JsonLoggerOptions = {}, base: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? levelFromEnvironment()];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const redactor = options.redactor ?? globalRedactor;
  const now = options.now ?? (() => new Date());

  const log = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const entry = { timestamp: now().toISOString(), level, message, ...base, ...fields };
    write(redactor.scrub(JSON.stringify(entry, jsonSafe)));
  };
  return {
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARN', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (fields) => createJsonLogger(options, { ...base, ...fields }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that keeps lines in memory (for the local run and tests). */
export function createMemoryLogger(level: LogLevel = 'DEBUG', redactor: Redactor = globalRedactor): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createJsonLogger({ level, redactor, write: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
