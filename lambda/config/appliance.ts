import { CollectorError } from '../errors.js';
import { renderProblems, validate } from './schema.js';
import { type ApplianceConfig, appliancesSpec } from './settings.js';

export type { ApplianceConfig } from './settings.js';

export class ConfigurationError extends CollectorError {
  override readonly name = 'ConfigurationError';
  constructor(message: string) {
    super('configuration', message);
  }
}

/**
 * Validates a list of appliances (the settings model's APPLIANCE_FIELDS), throwing one ConfigurationError that
 * names every bad field (the first few, then a count), e.g.
 * `invalid configuration: event.appliances[1] (adc-2).url must be an absolute https:// URL ...`.
 */
export function parseAppliances(input: unknown, source: string): ApplianceConfig[] {
  const path = source.split('.');
  const result = validate(appliancesSpec, input, path);
  if (result.ok) return result.value;
  const root = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), input);
  throw new ConfigurationError(`invalid configuration: ${renderProblems(result.problems, root, source).join('; ')}`);
}
