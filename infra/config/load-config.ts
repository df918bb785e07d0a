import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseJsonText } from '../../lambda/config/json-text.js';
import { renderProblems, validate } from '../../lambda/config/schema.js';
import { type ConfigFile, configFileSpec } from './file-schema.js';

export const DEFAULT_CONFIG_FILE = 'mptcp-monitoring.json';
export const EXAMPLE_CONFIG_FILE = 'mptcp-monitoring.example.json';

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

export interface LoadedConfig {
  readonly config: ConfigFile;
  /** Absolute path of the file that was read. */
  readonly path: string;
  /**
   * True when the file is the committed example (by its name: as the fallback, or chosen with -c config=):
   * the stack then deploys its schedules disabled, whatever the file says.
   */
  readonly isExample: boolean;
}

/**
 * Finds the config file: `requested` (context `config`) when given, which must exist; otherwise
 * `mptcp-monitoring.json`, and when that does not exist the committed example, so that `cdk synth` works on a
 * clean clone.
 */
export function locateConfig(requested: unknown, cwd: string): { path: string; isExample: boolean } {
  if (requested !== undefined) {
    if (typeof requested !== 'string' || requested.trim() === '') {
      throw new ConfigFileError('context "config" must be the path of the config file, e.g. -c config=mptcp-monitoring.json');
    }
    const path = resolve(cwd, requested);
    if (!existsSync(path)) {
      throw new ConfigFileError(`config file ${path} (from -c config=${requested}) does not exist`);
    }
    return { path, isExample: basename(path) === EXAMPLE_CONFIG_FILE };
  }
  const defaultPath = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(defaultPath)) return { path: defaultPath, isExample: false };
  const examplePath = resolve(cwd, EXAMPLE_CONFIG_FILE);
  if (existsSync(examplePath)) return { path: examplePath, isExample: true };
  throw new ConfigFileError(
    `no config file: create ${DEFAULT_CONFIG_FILE} (see ${EXAMPLE_CONFIG_FILE} and docs/configuration.md) or pass -c config=PATH`,
  );
}

export function loadConfig(requested: unknown, cwd: string): LoadedConfig {
  const { path, isExample } = locateConfig(requested, cwd);
  return { config: parseConfigText(readFileSync(path, 'utf8'), basename(path)), path, isExample };
}

/** Parses and validates the file's text; `label` starts every error line (normally the file name). */
export function parseConfigText(text: string, label: string): ConfigFile {
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigFileError(`${label}: ${parsed.problem}`);
  return validateConfig(parsed.value, label);
}

/**
 * Validates a parsed config file. One error lists the problems, one per line (the first few, then a count):
 * `mptcp-monitoring.json: appliances[1] (adc-2).url must be ...`.
 */
export function validateConfig(input: unknown, label: string): ConfigFile {
  const result = validate(configFileSpec, input);
  if (result.ok) return result.value;
  const count = result.problems.length;
  const lines = renderProblems(result.problems, input, 'the top level', Number.POSITIVE_INFINITY).map((line) => `${label}: ${line}`);
  throw new ConfigFileError(`invalid configuration (${count} problem${count > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`);
}
