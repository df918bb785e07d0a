import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../lambda/config/appliance.js';
import { isRecord } from '../../lambda/core/is-record.js';
import { type ConfigFile, configFileSchema } from './file-schema.js';

export const DEFAULT_CONFIG_FILE = 'mptcp-monitoring.json';
export const EXAMPLE_CONFIG_FILE = 'mptcp-monitoring.example.json';

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

export interface LoadedConfig {
  readonly config: ConfigFile;
  /** Absolute path of the file that was read. */
  readonly path: string;
  /** True when the default file was missing and the committed example was used instead. */
  readonly isExampleFallback: boolean;
}

/**
 * Finds the config file: `requested` (context `config`) when given, which must exist; otherwise
 * `mptcp-monitoring.json`, and when that does not exist the committed example, so that `cdk synth` works on a
 * clean clone.
 */
export function locateConfig(requested: unknown, cwd: string): { path: string; isExampleFallback: boolean } {
  if (requested !== undefined) {
    if (typeof requested !== 'string' || requested.trim() === '') {
      throw new ConfigFileError('context "config" must be the path of the config file, e.g. -c config=mptcp-monitoring.json');
    }
    const path = resolve(cwd, requested);
    if (!existsSync(path)) {
      throw new ConfigFileError(`config file ${path} (from -c config=${requested}) does not exist`);
    }
    return { path, isExampleFallback: false };
  }
  const defaultPath = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(defaultPath)) return { path: defaultPath, isExampleFallback: false };
  const examplePath = resolve(cwd, EXAMPLE_CONFIG_FILE);
  if (existsSync(examplePath)) return { path: examplePath, isExampleFallback: true };
  throw new ConfigFileError(
    `no config file: create ${DEFAULT_CONFIG_FILE} (see ${EXAMPLE_CONFIG_FILE} and the Deployment section of README.md) or pass -c config=PATH`,
  );
}

export function loadConfig(requested: unknown, cwd: string): LoadedConfig {
  const { path, isExampleFallback } = locateConfig(requested, cwd);
  return { config: parseConfigText(readFileSync(path, 'utf8'), basename(path)), path, isExampleFallback };
}

/** Parses and validates the file's text; `label` starts every error line (normally the file name). */
export function parseConfigText(text: string, label: string): ConfigFile {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`${label}: not valid JSON: ${(error as Error).message}`);
  }
  return validateConfig(input, label);
}

export function validateConfig(input: unknown, label: string): ConfigFile {
  const result = configFileSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = describeConfigIssues(result.error, input).map((line) => `${label}: ${line}`);
  throw new ConfigFileError(`invalid configuration (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`);
}

/**
 * One line per issue, `appliances[1] (adc-2).url must be ...`: the field path (appliances named) then the rule.
 * Uses the appliance schema's own renderer, one top-level field at a time.
 */
export function describeConfigIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const [head, ...rest] = issue.path;
    if (head === undefined) return `the top level ${issue.message}`;
    const field = isRecord(input) ? input[String(head)] : undefined;
    return describeIssues(new z.ZodError([{ ...issue, path: rest }]), field, String(head));
  });
}
