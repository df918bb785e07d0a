/**
 * Integration suites against moto_server, a local AWS emulator.
 *
 * `describeWithMoto` runs a suite against one moto_server per test file (started before the first suite's
 * first test, stopped after the file's last test) with the environment pointing the AWS SDK at it. When
 * moto_server is not installed the suite is skipped with one loud warning, except under CI=true where it fails.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import {
  applyMotoEnvironment,
  isMotoInstalled,
  MOTO_EXECUTABLE,
  MOTO_INSTALL_HINT,
  MOTO_WARNED_VARIABLE,
  type MotoServer,
  missingMotoWarning,
  startMoto,
} from './moto-server.js';
import { skippedForMissing } from './toolchain.js';

export { applyMotoEnvironment, isMotoInstalled, MOTO_REGION, type MotoServer, motoEnvironment, startMoto } from './moto-server.js';

// ---------------------------------------------------------------------------------------------------------
// Suites

export interface MotoContext {
  /** The endpoint of this file's moto_server; read it inside tests and hooks, not while the suite is declared. */
  readonly endpoint: string;
}

let warnedInThisProcess = false;

/**
 * Whether suites that need moto can run. Throws under CI=true when moto_server is missing; otherwise prints
 * one warning (per test run with the global setup, else per test file) and returns false.
 */
export function requireMoto(suiteName: string): boolean {
  if (isMotoInstalled()) return true;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `${MOTO_EXECUTABLE} is not on PATH, and CI=true: the AWS integration suite "${suiteName}" cannot run. Install it with: ${MOTO_INSTALL_HINT}`,
    );
  }
  if (!warnedInThisProcess && process.env[MOTO_WARNED_VARIABLE] !== 'true') {
    warnedInThisProcess = true;
    process.stderr.write(missingMotoWarning(`"${suiteName}" and every other suite that needs moto in this test file`));
  }
  return false;
}

let shared: Promise<MotoServer> | undefined;
let stopHookRegistered = false;

/** The test file's moto_server, started by the first suite that needs it. */
function acquireMoto(): Promise<MotoServer> {
  if (shared === undefined) {
    const server = startMoto();
    shared = server;
    server.catch(() => {
      if (shared === server) shared = undefined;
    });
  }
  return shared;
}

async function stopSharedMoto(): Promise<void> {
  const server = shared;
  shared = undefined;
  // A server that failed to start has already failed the suite's beforeAll: nothing to stop.
  if (server !== undefined)
    await server.then(
      (running) => running.stop(),
      () => undefined,
    );
}

/**
 * `describe`, run against moto_server with the SDK environment pointing at it. Skipped with a warning when
 * moto_server is missing (a failure under CI=true).
 */
export function describeWithMoto(name: string, body: (moto: MotoContext) => void): void {
  let endpoint: string | undefined;
  const context: MotoContext = {
    get endpoint(): string {
      if (endpoint === undefined) throw new Error('moto_server is only running inside tests and hooks of a describeWithMoto suite');
      return endpoint;
    },
  };
  if (!requireMoto(name)) {
    // biome-ignore lint/suspicious/noSkippedTests: reported skip when moto_server is missing outside CI
    describe.skip(skippedForMissing(name, `${MOTO_EXECUTABLE} is not installed`), () => body(context));
    return;
  }
  // Registered where the first suite is declared (normally the file's top level): the server outlives each
  // suite and stops after the file's last test.
  if (!stopHookRegistered) {
    stopHookRegistered = true;
    afterAll(stopSharedMoto);
  }
  describe(name, () => {
    let restoreEnvironment: (() => void) | undefined;
    beforeAll(async () => {
      const server = await acquireMoto();
      endpoint = server.endpoint;
      restoreEnvironment = applyMotoEnvironment(server.endpoint);
    });
    afterAll(() => {
      restoreEnvironment?.();
      endpoint = undefined;
    });
    body(context);
  });
}
