/**
 * The collect command's logger without --verbose: warnings as one plain line each ("warning: ..."), nothing
 * else. Errors are not printed here: the command ends with its own line saying what failed and what to do, so a
 * failure is said once. Everything passes the redactor.
 */
import type { LogFields, Logger } from '../lambda/logger.js';
import { processRedactor } from './process-redactor.js';

export function createCliLogger(write: (line: string) => void, base: LogFields = {}): Logger {
  const quiet = (): void => undefined;
  return {
    debug: quiet,
    info: quiet,
    warn: (message, fields) => {
      const where =
        typeof (fields?.['appliance'] ?? base['appliance']) === 'string' ? `${String(fields?.['appliance'] ?? base['appliance'])}: ` : '';
      write(processRedactor.scrub(`warning: ${where}${message}`));
    },
    error: quiet,
    child: (fields) => createCliLogger(write, { ...base, ...fields }),
  };
}
