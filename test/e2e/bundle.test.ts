import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_SETTINGS } from '../../infra/model/settings.js';
import { type CollectorAsset, synthesizeCollectorAsset } from '../support/collector-asset.js';

/**
 * Bundles the handler for real (esbuild, locally), as `cdk deploy` would, and loads the bundle the way the
 * nodejs24.x runtime does: CommonJS `index.js`, export `handler` (test/e2e/lambda-runtime-*.test.ts run it in the real runtime).
 */
describe('the real Lambda bundle', () => {
  const lambdaEnvironment = {
    AWS_REGION: 'eu-west-1',
    METRIC_NAMESPACE: 'NetScaler/MPTCP',
    STATE_TABLE_NAME: 'state',
    COUNTERS: 'default',
  };
  const saved = Object.fromEntries(Object.keys(lambdaEnvironment).map((key) => [key, process.env[key]]));
  let assetDir = '';
  let asset: CollectorAsset | undefined;

  beforeAll(() => {
    // The app as `cdk synth` runs it on a clean clone (the example config), with bundling.
    asset = synthesizeCollectorAsset();
    assetDir = asset.assetDir;
  }, 120_000);

  afterAll(() => {
    asset?.dispose();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('loads and exports an async-capable handler function', () => {
    // The environment the function gets, so that module-level code sees what it would in Lambda.
    Object.assign(process.env, lambdaEnvironment);
    const bundle = createRequire(join(assetDir, 'index.js'))(join(assetDir, 'index.js')) as { handler?: unknown };
    expect(typeof bundle.handler).toBe('function');
  });

  it('is minified CommonJS with the AWS SDK inside and a source map without sources', () => {
    const code = readFileSync(join(assetDir, 'index.js'), 'utf8');
    // Every package is inside; only Node built-ins (and the SDK's optional CRT signer, required in a try) stay outside.
    const external = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))].filter(
      (name) => !name.startsWith('node:'),
    );
    expect(external).toEqual(external.length === 0 ? [] : ['@aws-sdk/signature-v4-crt']);
    expect(/\bimport\.meta\b/.test(code), 'import.meta in a CommonJS bundle is undefined').toBe(false);
    // Minified: only the newlines inside string literals remain.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
    const map = JSON.parse(readFileSync(join(assetDir, 'index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources.some((s) => s.includes('lambda/handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it('holds only the runtime settings: no deployment setting is in the function bundle', () => {
    const code = readFileSync(join(assetDir, 'index.js'), 'utf8');
    expect(code).toContain('STATE_TABLE_NAME');
    // Each deployment setting's own sentence, and the names no other code uses (shardSize, region, ... are common words).
    for (const [name, row] of Object.entries(DEPLOY_SETTINGS))
      expect(code.includes(row.doc), `deploy-only setting ${name} in the bundle`).toBe(false);
    for (const name of [
      'alarmNamePrefix',
      'logRetentionDays',
      'memoryMiB',
      'alarmEmails',
      'runbookBaseUrl',
      'secretsKmsKeyArns',
      'retainLogGroup',
    ]) {
      expect(code.includes(name), `deploy-only setting ${name} in the bundle`).toBe(false);
    }
  });
});
