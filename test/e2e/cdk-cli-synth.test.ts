import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * `npx cdk synth` as an operator runs it, through the CDK CLI and cdk.json: the recommended feature flags are
 * set (no "feature flags are not configured" notice), each warning is printed once, and the committed example
 * deploys its schedules disabled when it is chosen by name.
 */
describe('cdk synth through the CLI', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'mptcp-cli-synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('cdk.json sets every feature flag aws-cdk-lib recommends, with its recommended value', () => {
    const recommended = createRequire(join(REPO, 'package.json'))('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;
    const context = (JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
    for (const [flag, value] of Object.entries(recommended)) expect(context[flag], flag).toEqual(value);
  });

  it('with -c config=mptcp-monitoring.example.json: no flags notice, the example warning once, every schedule disabled', () => {
    const result = spawnSync('npx', ['cdk', 'synth', '-q', '-c', 'config=mptcp-monitoring.example.json', '-o', outdir], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
      timeout: 300_000,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).not.toMatch(/feature flags are not configured/i);
    const warnings = output.split('\n').filter((line) => /^\s*\[?WARNING\b/i.test(line));
    expect(warnings.length, output).toBeGreaterThan(0);
    expect(new Set(warnings).size, output).toBe(warnings.length);
    expect(output.match(/committed example/g), output).toHaveLength(1);
    // Only what the user needs: no source position of a construct, no esbuild size list or timing.
    expect(output, output).not.toMatch(/\.ts:\d+:\d+/);
    expect(output, output).not.toMatch(/index\.js(\.map)?\s+[\d.]+\s*[km]?b|Done in \d/i);

    const template = JSON.parse(readFileSync(join(outdir, readdirSync(outdir).find((f) => f.endsWith('.template.json'))!), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { State?: string } }>;
    };
    const schedules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    expect(schedules.every((s) => s.Properties.State === 'DISABLED')).toBe(true);
  }, 300_000);
});
