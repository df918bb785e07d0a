/**
 * `npm pack` runs this (prepack): what the installed package needs, in dist/.
 * - dist/infra, dist/lambda: the construct and the settings model as JavaScript with type declarations (tsc).
 * - dist/collector-bundle: the collector function's code, bundled once here with the construct's own esbuild
 *   options (COLLECTOR_BUNDLING, infra/constructs/collector-function.ts): an app that installs the package synthesizes it as an
 *   asset and needs neither esbuild nor Docker.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { collectorEsbuildOptions } from '../infra/constructs/collector-function.js';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);

const outfile = join(DIST, 'collector-bundle', 'index.js');
await build({ ...collectorEsbuildOptions(), outfile, absWorkingDir: ROOT, logLevel: 'warning' });
// The bundle is CommonJS wherever it sits (the package itself is ESM): Lambda, and node, read this first.
writeFileSync(join(DIST, 'collector-bundle', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
process.stderr.write(`build-package: dist/ (tsc) and dist/collector-bundle/index.js (${statSync(outfile).size} bytes)\n`);
