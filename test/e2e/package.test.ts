import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

/** The own-app example, exactly as docs/configuration.md shows it. */
function ownAppExample(): string {
  const readme = readFileSync(join(REPO, 'docs/configuration.md'), 'utf8');
  const match = /<!-- own-app example: [^\n]*-->\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('docs/configuration.md has no own-app example block');
  return match[1]!;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * The construct as a library, the way another CDK app gets it: `npm pack` here (prepack compiles the construct
 * and prebuilds the function's bundle), the tarball installed offline into a new TypeScript app next to its own
 * aws-cdk-lib and constructs, the own-app example of docs/configuration.md type-checked against the package's declarations, compiled and
 * run with node, and its cloud assembly inspected: the collector's asset is the prebuilt bundle, no esbuild or
 * Docker involved.
 */
describe('the packed package in a CDK app of its own', () => {
  const work = mkdtempSync(join(tmpdir(), 'mptcp-package-'));
  const app = join(work, 'app');
  const outdir = join(app, 'cdk.out');
  let tarball = '';
  let files: string[] = [];

  beforeAll(() => {
    const stdout = run('npm', ['pack', '--json', '--pack-destination', work], REPO);
    const packed = JSON.parse(stdout.slice(stdout.indexOf('['), stdout.lastIndexOf(']') + 1)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-network-monitoring', private: true, type: 'module' }));
    // Offline: the package from its tarball; the app's own CDK libraries (and Node types) from this checkout.
    const own = ['aws-cdk-lib', 'constructs', '@types/node'].map((name) => join(REPO, 'node_modules', name));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, ...own], app);
    writeFileSync(join(app, 'app.ts'), ownAppExample());
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          outDir: 'out',
          types: ['node'],
        },
        include: ['app.ts'],
      }),
    );
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs the compiled construct with declarations and the prebuilt bundle, and no sources or tests', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/infra/index.js',
      'dist/infra/index.d.ts',
      'dist/collector-bundle/index.js',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^(test|simulator|cli|scripts|node_modules)\//.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies?: object; peerDependencies: object };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  it("installs with only the app's own CDK libraries (the collector's SDK clients are inside its bundle)", () => {
    expect(readdirSync(join(app, 'node_modules')).sort()).toEqual([
      '.package-lock.json',
      '@types',
      'aws-cdk-lib',
      'constructs',
      'netscaler-mptcp-cloudwatch',
    ]);
  });

  it("type-checks the documented own-app example against the package's declarations and synthesizes it with node", () => {
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    run(process.execPath, [join(app, 'out/app.js')], app, { CDK_OUTDIR: outdir });
    const template = JSON.parse(readFileSync(join(outdir, 'NetworkMonitoring.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    expect(fn, 'the collector function').toBeDefined();
    expect(fn!.Properties.Runtime).toBe('nodejs24.x');
    expect(resources.filter((r) => r.Type === 'AWS::Scheduler::Schedule').map((r) => r.Properties.State)).toEqual(['ENABLED']);

    // The user's own alarm, on the construct's metric, notifying the construct's topic.
    const own = resources.find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'MpJoinSynReceived');
    expect(own?.Properties).toMatchObject({
      Namespace: 'NetScaler/MPTCP',
      Dimensions: [{ Name: 'Appliance', Value: 'adc-fra-1' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10_000,
    });
    const topicId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic')![0];
    expect(own?.Properties.AlarmActions).toEqual([{ Ref: topicId }]);

    // The asset is the package's prebuilt bundle, byte for byte, and the runtime can load it.
    const assets = JSON.parse(readFileSync(join(outdir, 'NetworkMonitoring.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const code = fn!.Properties.Code as { S3Key: string };
    const assetDir = join(outdir, assets.files[code.S3Key.replace(/\.zip$/, '')]!.source.path);
    const shipped = join(app, 'node_modules/netscaler-mptcp-cloudwatch/dist/collector-bundle/index.js');
    expect(readFileSync(join(assetDir, 'index.js')).equals(readFileSync(shipped))).toBe(true);
    expect(existsSync(join(assetDir, 'index.js.map'))).toBe(true);
    expect(JSON.parse(readFileSync(join(assetDir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const bundle = createRequire(join(assetDir, 'index.js'))(join(assetDir, 'index.js')) as { handler?: unknown };
    expect(typeof bundle.handler).toBe('function');
  }, 300_000);

  it('refuses a bad prop at synth in the installed package too', () => {
    const bad = ownAppExample().replace('schedule: { rateMinutes: 1 },', 'schedule: { rateMinutes: 2880 },');
    writeFileSync(join(app, 'bad.ts'), bad);
    const config = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8')) as { include: string[] };
    writeFileSync(join(app, 'tsconfig.bad.json'), JSON.stringify({ ...config, include: ['bad.ts'] }));
    run(process.execPath, [TSC, '-p', 'tsconfig.bad.json'], app);
    const result = spawnSync(process.execPath, [join(app, 'out/bad.js')], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: join(work, 'bad.out') },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'MptcpMonitoring: invalid props (1 problem):\n  schedule.rateMinutes must be a whole number of minutes from 1 to 1440 (got 2880)',
    );
  }, 120_000);
});
