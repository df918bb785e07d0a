/**
 * Optional vitest global setup (`globalSetup: ['test/support/moto-global-setup.ts']`): prints the warning
 * about a missing moto_server once per run instead of once per test file (and once, not once per vitest
 * project: every project runs the global setup in the same main process). Under CI=true it stays quiet and
 * each suite that needs moto fails on its own.
 */
import { isMotoInstalled, MOTO_WARNED_VARIABLE, missingMotoWarning } from './moto-server.js';

export default function setup(): void {
  if (isMotoInstalled() || process.env['CI'] === 'true' || process.env[MOTO_WARNED_VARIABLE] === 'true') return;
  process.stderr.write(
    missingMotoWarning('every suite declared with describeWithMoto, test/integration and test/e2e included; vitest lists them as skipped'),
  );
  // Test workers inherit the environment of the process that runs the global setup.
  process.env[MOTO_WARNED_VARIABLE] = 'true';
}
