import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the collector's code comes from: bundled from lambda/handler.ts at synth in this repository
 * (COLLECTOR_BUNDLING in collector-function.ts), or prebuilt with the same options into the installed package
 * (scripts/build-package.ts), so that a CDK app that imports the package needs neither esbuild nor Docker.
 */

/** The repository root and the handler, relative to this file (the app may run from anywhere). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HANDLER_ENTRY = fileURLToPath(new URL('../../lambda/handler.ts', import.meta.url));
export const LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

/**
 * Where an installed package keeps the prebuilt bundle (dist/collector-bundle, next to dist/infra). In the
 * repository this directory does not exist: the code is bundled from lambda/ at synth.
 */
export const PREBUILT_BUNDLE_DIR = fileURLToPath(new URL('../../collector-bundle/', import.meta.url));

export function hasPrebuiltBundle(): boolean {
  return existsSync(join(PREBUILT_BUNDLE_DIR, 'index.js'));
}
