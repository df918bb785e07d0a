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

/** The set of secret values that must never appear in output. Shared by all loggers of a container. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length >= 3) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && result.includes(escaped)) result = result.split(escaped).join('[REDACTED]');
    }
    return result;
  }
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
