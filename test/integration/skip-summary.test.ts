/**
 * A run that skips suites for a missing tool ends with a summary naming each skipped suite and the command that
 * installs the tool; under CI=true the same suites fail instead. A child vitest on a fixture, with PATH lacking
 * moto_server.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath, MOTO_SERVER } from '../support/toolchain.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function runFixture(extraEnv: Record<string, string | undefined>) {
  const moto = findOnPath(MOTO_SERVER.command);
  const path = (process.env['PATH'] ?? '')
    .split(':')
    .filter((dir) => moto === undefined || dir !== dirname(moto))
    .join(':');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, CI: undefined, MOTO_MISSING_WARNED: undefined, ...extraEnv };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const result = spawnSync(process.execPath, [VITEST, 'run', '--config', 'test/fixtures/skip-summary/vitest.config.ts', '--color=false'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the skip summary', () => {
  it('ends the run, naming the skipped suite, its file, why, and the command that installs the tool', () => {
    const run = runFixture({});
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const start = lines.findIndex((line) => line.startsWith('SKIPPED '));
    expect(start, run.stdout).toBeGreaterThan(0);
    expect(lines.slice(start, start + 4)).toEqual([
      'SKIPPED 2 tests in 1 suite because a tool they need is missing here:',
      '  - test/fixtures/skip-summary/needs-moto.fixture.ts > a suite that needs moto (2 tests): moto_server is not installed',
      'To run them, install:',
      `  ${MOTO_SERVER.install}`,
    ]);
    // Nothing after it but its own closing lines.
    expect(lines.at(-1)).toContain('With CI=true these suites fail instead of skipping.');
  });

  it('under CI=true the suite fails instead, and there is no skip summary', () => {
    const run = runFixture({ CI: 'true' });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).toContain('moto_server is not on PATH, and CI=true');
    expect(run.stdout).not.toContain('SKIPPED ');
  });
});
